#!/bin/bash
# A/B of procesamiento's queue (array compacted every 1,024 done entries vs a ring buffer that frees each
# done entry): sostenido 250/s x 120 s on fresh infrastructure, then transiciones N=1s 500/s, alternated.
cd /work/main
for round in 1 2; do
  for v in old new; do
    RENDIMIENTO_SESION=/tmp/ab/cola-$v-$round RENDIMIENTO_FASES="sostenido" RENDIMIENTO_DURACION_SOSTENIDA=120 \
      PEDIDOS_BIN=/tmp/ab/$v bash scripts/rendimiento.sh > /tmp/ab/$v-$round.log 2>&1
    RENDIMIENTO_SESION=/tmp/ab/cola-$v-$round RENDIMIENTO_FASES="transiciones" RENDIMIENTO_DEMORAS=5s RENDIMIENTO_TASAS=500 \
      PEDIDOS_BIN=/tmp/ab/$v bash scripts/rendimiento.sh >> /tmp/ab/$v-$round.log 2>&1
  done
done
echo done > /tmp/ab/done
