#!/bin/bash
# A/B of the recorder's fetch wait (NOTIFICACIONES_KAFKA_FETCH_WAIT): 250ms (the default before) against
# the value under test, alternated ROUNDS times. Each run: scripts/rendimiento.sh with the phases
# "sostenido volumen" (250/s for RENDIMIENTO_DURACION_SOSTENIDA s on a fresh infrastructure, then 1 million
# records more and N=1s at 100 and 500/s on that same, long-lived broker), in OUT_DIR/espera-<wait>-<round>
# (through scripts/ab.sh since 5-12-2026; the same runs as before).
#   ab.sh OUT_DIR [VALUE=1s] [ROUNDS=2]
set -euo pipefail
out="$1"; value="${2:-1s}"; rounds="${3:-2}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
RENDIMIENTO_FASES="sostenido volumen" RENDIMIENTO_DURACION_SOSTENIDA="${RENDIMIENTO_DURACION_SOSTENIDA:-120}" \
  exec bash "$root/scripts/ab.sh" "$out" espera "$rounds" \
  250ms="NOTIFICACIONES_KAFKA_FETCH_WAIT=250ms" "$value"="NOTIFICACIONES_KAFKA_FETCH_WAIT=$value"
