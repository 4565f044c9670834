#!/usr/bin/env bash
# A/B of POST /pedidos variants on solicitudes alone (kafka+postgres embedded already up via infra.sh).
set -euo pipefail
cd /work/main
source .run/infra.env; export SOLICITUDES_PORT=${SOLICITUDES_PORT:-8080}
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR=/work/main/.run/services
out=${OUT:-/tmp/post_ab}; mkdir -p "$out"
variant() { # name env...
  local name="$1"; shift
  bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
  env "$@" bash scripts/services.sh start solicitudes >/dev/null 2>&1
  wrk -t1 -c10 -d2s -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" >/dev/null 2>&1
  for c in ${CONNS:-10 64}; do
    wrk -t1 -c$c -d5s --latency -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" > "$out/$name-c$c-$round.txt" 2>&1
    printf '%-14s c=%-3s %s  %s\n' "$name" "$c" "$(grep Requests/sec "$out/$name-c$c-$round.txt")" "$(grep -E '^ +99%' "$out/$name-c$c-$round.txt")"
  done
}
for round in ${ROUNDS:-1 2}; do
  wrk -t1 -c10 -d5s "http://127.0.0.1:$SOLICITUDES_PORT/health" > /dev/null 2>&1 || true
  variant esc2 SOLICITUDES_REGISTRO_ESCRITURAS=2
  variant esc1 SOLICITUDES_REGISTRO_ESCRITURAS=1
  variant esc4 SOLICITUDES_REGISTRO_ESCRITURAS=4
  variant esc8 SOLICITUDES_REGISTRO_ESCRITURAS=8
  variant sin-registro SOLICITUDES_REGISTRO_ACEPTADOS=0
  for c in 10 64; do printf '%-14s c=%-3s %s\n' health $c "$(wrk -t1 -c$c -d5s "http://127.0.0.1:$SOLICITUDES_PORT/health" | grep Requests/sec)"; done
done
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
