#!/usr/bin/env bash
# A/B: the outbox over libcurl (curl, 0491fc5) vs the pipelined SwiftNIO transport (nio).
# Phases transiciones (N=1s, 100 orders/s, 30 s) and correo (20 000 mails), alternated twice.
set -u
cd /work/main
for round in 1 2; do
  for variant in curl nio; do
    PEDIDOS_BIN=/work/bin-$variant RENDIMIENTO_SESION=/work/main/resultados/nio/$variant-$round RENDIMIENTO_FASES="transiciones correo" \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS="100" RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh \
      > /work/main/resultados/nio/$variant-$round.log 2>&1
  done
done
