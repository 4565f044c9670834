#!/bin/bash
# A/B of the stages' fetch wait (PROCESAMIENTO_KAFKA_FETCH_WAIT) with N = 5 s: 200ms (the default) against
# the value under test, alternated ROUNDS times, same binaries. Each run: the transiciones phase of
# scripts/rendimiento.sh (fresh infrastructure) at RENDIMIENTO_TASAS (500) orders/s for 60 s.
#   ab.sh OUT_DIR [VALUE=1s] [ROUNDS=3]
set -euo pipefail
out="$1"; value="${2:-1s}"; rounds="${3:-3}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for wait in 200ms "$value"; do
    echo "$(date -Is) round $round, stage fetch wait $wait"
    PROCESAMIENTO_KAFKA_FETCH_WAIT="$wait" RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=5s \
      RENDIMIENTO_TASAS="${RENDIMIENTO_TASAS:-500}" RENDIMIENTO_SESION="$out/espera-$wait-$round" \
      bash "$root/scripts/rendimiento.sh" >"$out/espera-$wait-$round.log" 2>&1
  done
done
echo "$(date -Is) done"
