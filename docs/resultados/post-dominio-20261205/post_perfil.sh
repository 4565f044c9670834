#!/usr/bin/env bash
# Profile POST /pedidos on solicitudes alone: CPU per POST per process, context switches, perf.
set -euo pipefail
cd "$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
out=${OUT:-/tmp/post-perfil}; mkdir -p "$out"
source .run/infra.env; export SOLICITUDES_PORT=${SOLICITUDES_PORT:-8080}
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR="$PWD/.run/services"
export PEDIDOS_BIN=${PEDIDOS_BIN:-}
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
env ${VARIANT_ENV:-} bash scripts/services.sh start solicitudes >/dev/null 2>&1
spid=$(cat .run/services/solicitudes.pid)
tpid=$(pgrep -f 'tansu|calfkit' | head -1)
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
pgticks() { local s=0; for p in $(pgrep -f 'postgres'); do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $s; }
csw() { local s=0; for f in /proc/$spid/task/*/status; do s=$((s + $(awk '/ctxt_switches/{a+=$2} END{print a}' $f))); done; echo $s; }
wrk -t1 -c10 -d2s -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" >/dev/null 2>&1
for c in ${CONNS:-10 64}; do
  s0=$(ticks $spid); t0=$(ticks $tpid); p0=$(pgticks); c0=$(csw)
  if [[ -n "${PERF:-}" ]]; then perf record -e cpu-clock -F 1000 -g -p $spid -o $out/perf-c$c.data -- sleep 8 >/dev/null 2>&1 & fi
  wrk -t1 -c$c -d8s --latency -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" > $out/post-c$c.txt 2>&1
  wait
  s1=$(ticks $spid); t1=$(ticks $tpid); p1=$(pgticks); c1=$(csw)
  n=$(awk '/requests in/{print $1}' $out/post-c$c.txt)
  rps=$(awk '/Requests\/sec/{print $2}' $out/post-c$c.txt)
  h=$(wrk -t1 -c$c -d5s "http://127.0.0.1:$SOLICITUDES_PORT/health" | awk '/Requests\/sec/{print $2}')
  awk -v c=$c -v n=$n -v rps=$rps -v h=$h -v s=$((s1-s0)) -v t=$((t1-t0)) -v p=$((p1-p0)) -v cs=$((c1-c0)) 'BEGIN{printf "c=%s POST %s/s health %s/s ratio %.3f | µs/POST solicitudes %.0f tansu %.0f postgres %.0f | csw/POST %.1f\n", c, rps, h, rps/h, s*1e4/n, t*1e4/n, p*1e4/n, cs/n}'
done
curl -s "http://127.0.0.1:$SOLICITUDES_PORT/metrics" > $out/metrics.txt
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
