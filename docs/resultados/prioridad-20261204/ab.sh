#!/usr/bin/env bash
# The two A/Bs of LEEME.md, each alternated three times; every run is the transiciones phase of scripts/rendimiento.sh
# with N = 1 s at 500 orders/s, on fresh infrastructure. A loop renices the chosen threads of the running service
# every half second (threads started later inherit it).
#   ab.sh notificaciones   every thread of notificaciones at nice 10 (nice10-N) vs nice 0 (base-N), here
#   ab.sh despachador      procesamiento's dispatcher thread (NIO-ELT-*) at nice -10 (alta-N, needs root) vs nice 0
#                          (base-N), in despachador/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
here="$PWD/docs/resultados/prioridad-20261204"
case "${1:-}" in
  notificaciones) service=notificaciones threads='*' nice=10 variants="base nice10" out="$here" ;;
  despachador) service=procesamiento threads='NIO-ELT-*' nice=-10 variants="alta base" out="$here/despachador" ;;
  *) echo "usage: ab.sh notificaciones|despachador" >&2; exit 2 ;;
esac
for i in 1 2 3; do
  for v in $variants; do
    loop=""
    if [[ $v != base ]]; then
      ( while true; do
          p=$(cat ".run/rendimiento/services/$service.pid" 2>/dev/null) && for t in /proc/"$p"/task/*; do
            # shellcheck disable=SC2053  # $threads is a pattern
            [[ "$(cat "$t/comm" 2>/dev/null)" == $threads ]] && { renice -n "$nice" -p "${t##*/}" >/dev/null 2>&1 || true; }
          done
          sleep 0.5
        done ) &
      loop=$!
    fi
    RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS=500 RENDIMIENTO_SESION="$out/$v-$i" \
      bash scripts/rendimiento.sh >/dev/null 2>&1
    [[ -n "$loop" ]] && kill "$loop"
  done
done
python3 docs/resultados/productores-20261204/tabla.py "$out/*-[0-9]" >"$out/tabla.md"
