#!/usr/bin/env bash
# A/B: the lag queries as today (procesamiento every 2 s per stage, notificaciones every 5 s) vs every 10 s,
# at 500 orders/s for 60 s (N=1s): does Tansu's CPU fall when it lists partitions less often?
set -u
cd /work/main
for round in 1 2; do
  for variant in lag idle; do
    if [[ $variant == lag ]]; then export NOTIFICACIONES_METRICS_INTERVAL=10s; else unset NOTIFICACIONES_METRICS_INTERVAL; fi
    PEDIDOS_BIN=/work/bin-$variant RENDIMIENTO_SESION=/work/main/resultados/lag/$variant-$round RENDIMIENTO_FASES=transiciones \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS=500 RENDIMIENTO_DURACION=60 bash scripts/rendimiento.sh > /work/main/resultados/lag/$variant-$round.log 2>&1
  done
done
