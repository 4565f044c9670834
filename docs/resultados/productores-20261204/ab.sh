#!/bin/bash
# A/B of procesamiento's producers: one shared by the three stages (old, commit 03c5da6) against one per stage
# (new), release binaries in BIN_DIR/old and BIN_DIR/new, alternated ROUNDS times. Each run: the transiciones phase
# of scripts/rendimiento.sh (fresh infrastructure) with N = RENDIMIENTO_DEMORAS (1s) at RENDIMIENTO_TASAS (500)/s,
# in OUT_DIR/productores-<phases>-<old|new>-<round> (through scripts/ab.sh since 5-12-2026; the same runs as before).
#   ab.sh BIN_DIR OUT_DIR [ROUNDS=3]   (FIRST_ROUND=k numbers the rounds from k; RENDIMIENTO_FASES=sostenido with
#   RENDIMIENTO_DURACION_SOSTENIDA runs the sustained phase instead)
set -euo pipefail
bin="$1"; out="$2"; rounds="${3:-3}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
export RENDIMIENTO_FASES="${RENDIMIENTO_FASES:-transiciones}" RENDIMIENTO_DEMORAS="${RENDIMIENTO_DEMORAS:-1s}" \
  RENDIMIENTO_TASAS="${RENDIMIENTO_TASAS:-500}"
exec bash "$root/scripts/ab.sh" "$out" "productores-$RENDIMIENTO_FASES" "$rounds" \
  old="PEDIDOS_BIN=$bin/old" new="PEDIDOS_BIN=$bin/new"
