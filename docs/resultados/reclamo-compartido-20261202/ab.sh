#!/bin/bash
cd /work/main
for round in 1 2; do
  for variant in base claim; do
    EMBEDDED_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on" \
    PEDIDOS_BIN=/tmp/bin-$variant RENDIMIENTO_FASES="transiciones correo" RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS="100 200" \
    RENDIMIENTO_DURACION=30 RENDIMIENTO_SESION=/tmp/exp/ab2/$variant-$round timeout 1500 bash scripts/rendimiento.sh > /tmp/exp/ab2-$variant-$round.log 2>&1
    echo "$variant $round done $(date +%T)" >> /tmp/exp/ab2/progress.txt
  done
done
