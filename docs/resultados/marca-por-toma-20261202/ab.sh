#!/usr/bin/env bash
# A/B: the outbox marking one mail per sending commit (base, 8f4e68d) vs a lane's whole take in one (tomas).
# Phases transiciones (N=1s, 100 and 500 orders/s, 30 s) and correo (20 000 mails), alternated twice.
set -u
cd /work/main
for round in 1 2; do
  for variant in base take; do
    PEDIDOS_BIN=/work/bin-$variant RENDIMIENTO_SESION=/work/main/resultados/tomas/$variant-$round RENDIMIENTO_FASES="transiciones correo" \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS="100 500" RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh \
      > /work/main/resultados/tomas/$variant-$round.log 2>&1
  done
done
