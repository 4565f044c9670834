#!/bin/bash
cd /work/main
for round in 1 2; do
  for variant in base claim; do
    PEDIDOS_BIN=/tmp/bin-$variant RENDIMIENTO_FASES="transiciones" RENDIMIENTO_DEMORAS="5s 1s" RENDIMIENTO_TASAS="100" \
    RENDIMIENTO_DURACION=40 RENDIMIENTO_SESION=/tmp/exp/ab3/$variant-$round timeout 1500 bash scripts/rendimiento.sh > /tmp/exp/ab3-$variant-$round.log 2>&1
    echo "$variant $round done $(date +%T)" >> /tmp/exp/ab3/progress.txt
  done
done
