#!/usr/bin/env bash
# A/B of the scheduling priority of notificaciones (docs/resultados/prioridad-20261204/LEEME.md): nice 0 (base) and
# nice 10 (nice10), alternated three times; each run is the transiciones phase of scripts/rendimiento.sh with N = 1 s
# at 500 orders/s. For nice10 a loop renices every thread of the running notificaciones (new threads inherit it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
out="$PWD/docs/resultados/prioridad-20261204"
for i in 1 2 3; do
  for v in base nice10; do
    loop=""
    if [[ $v == nice10 ]]; then
      ( while true; do
          p=$(cat .run/rendimiento/services/notificaciones.pid 2>/dev/null) \
            && for t in /proc/"$p"/task/*; do renice -n 10 -p "${t##*/}" >/dev/null 2>&1 || true; done
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
