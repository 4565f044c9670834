#!/usr/bin/env bash
# A/B: libcurl (curl, 0491fc5) vs SwiftNIO with rendering fast paths and the next envelope announced (nio3).
# Phases transiciones (N=1s, 100 orders/s, 30 s) and correo (20 000 mails), alternated twice.
set -u
cd /work/main
for round in 1 2; do
  for variant in curl nio3; do
    PEDIDOS_BIN=/work/bin-$variant RENDIMIENTO_SESION=/work/main/resultados/nio/c-$variant-$round RENDIMIENTO_FASES="transiciones correo" \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS="100" RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh \
      > /work/main/resultados/nio/c-$variant-$round.log 2>&1
  done
done
