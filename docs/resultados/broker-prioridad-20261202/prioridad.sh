#!/usr/bin/env bash
# A/B: notificaciones at the default priority vs nice 10 (the mail path yields the CPU to the stages).
set -u
cd /work/main
for round in 1 2; do
  for variant in nice base; do
    if [[ $variant == nice ]]; then export PEDIDOS_BIN=/work/nicebin; else unset PEDIDOS_BIN; fi
    RENDIMIENTO_SESION=/work/main/resultados/envuelo/n-$variant-$round RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=1s \
      RENDIMIENTO_TASAS="100 500" RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh > /work/main/resultados/envuelo/n-$variant-$round.log 2>&1
  done
done
