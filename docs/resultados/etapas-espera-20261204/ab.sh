#!/bin/bash
# A/B of the stages' fetch wait (PROCESAMIENTO_KAFKA_FETCH_WAIT) with N = 5 s: 200ms (the default) against
# the value under test, alternated ROUNDS times, same binaries. Each run: the transiciones phase of
# scripts/rendimiento.sh (fresh infrastructure) at RENDIMIENTO_TASAS (500) orders/s for 60 s, in
# OUT_DIR/espera-<wait>-<round> (through scripts/ab.sh since 5-12-2026; the same runs as before).
#   ab.sh OUT_DIR [VALUE=1s] [ROUNDS=3]
set -euo pipefail
out="$1"; value="${2:-1s}"; rounds="${3:-3}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=5s RENDIMIENTO_TASAS="${RENDIMIENTO_TASAS:-500}" \
  exec bash "$root/scripts/ab.sh" "$out" espera "$rounds" \
  200ms="PROCESAMIENTO_KAFKA_FETCH_WAIT=200ms" "$value"="PROCESAMIENTO_KAFKA_FETCH_WAIT=$value"
