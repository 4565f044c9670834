#!/usr/bin/env bash
# Context switches per POST by thread name of solicitudes, at $C connections.
set -euo pipefail
cd "$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
source .run/infra.env; export SOLICITUDES_PORT=${SOLICITUDES_PORT:-8080}
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR="$PWD/.run/services"
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
bash scripts/services.sh start solicitudes >/dev/null 2>&1
spid=$(cat .run/services/solicitudes.pid)
wrk -t1 -c10 -d2s -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" >/dev/null 2>&1
snap() { for t in /proc/$spid/task/*; do echo "$(basename $t) $(cat $t/comm | tr ' ' '_') $(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2} END{print v, n}' $t/status) $(awk '{print $14+$15}' $t/stat)"; done; }
snap > /tmp/post-hilos-csw0
wrk -t1 -c${C:-10} -d8s -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" > /tmp/post-hilos-csw-wrk.txt
snap > /tmp/post-hilos-csw1
n=$(awk '/requests in/{print $1}' /tmp/post-hilos-csw-wrk.txt)
join <(sort /tmp/post-hilos-csw0) <(sort /tmp/post-hilos-csw1) | awk -v n=$n '{name=$2; v[name]+=$7-$3; nv[name]+=$8-$4; cpu[name]+=$9-$5} END{for (k in v) printf "%-20s vol/POST %.2f invol/POST %.2f cpu µs/POST %.0f\n", k, v[k]/n, nv[k]/n, cpu[k]*1e4/n}' | sort -k3 -nr
echo "POSTs: $n"
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
