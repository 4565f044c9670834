#!/bin/bash
# A/B of the recorder's fetch wait (NOTIFICACIONES_KAFKA_FETCH_WAIT): 250ms (the default before) against
# the value under test, alternated ROUNDS times. Each run: scripts/rendimiento.sh with the phases
# "sostenido volumen" (250/s for RENDIMIENTO_DURACION_SOSTENIDA s on a fresh infrastructure, then 1 million
# records more and N=1s at 100 and 500/s on that same, long-lived broker).
#   ab.sh OUT_DIR [VALUE=1s] [ROUNDS=2]
set -euo pipefail
out="$1"; value="${2:-1s}"; rounds="${3:-2}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for wait in 250ms "$value"; do
    echo "$(date -Is) round $round, recorder fetch wait $wait"
    NOTIFICACIONES_KAFKA_FETCH_WAIT="$wait" RENDIMIENTO_FASES="sostenido volumen" \
      RENDIMIENTO_DURACION_SOSTENIDA="${RENDIMIENTO_DURACION_SOSTENIDA:-120}" \
      RENDIMIENTO_SESION="$out/espera-$wait-$round" bash "$root/scripts/rendimiento.sh" >"$out/espera-$wait-$round.log" 2>&1
  done
done
echo "$(date -Is) done"
