#!/usr/bin/env bash
cd /work/main
i=0
for v in base arena arena base; do
  i=$((i+1))
  if [[ $v == arena ]]; then export PEDIDOS_BIN=/work/bin-arena; else export PEDIDOS_BIN=/work/main/.build/release; fi
  echo "$i $v $(date -Is)"
  RENDIMIENTO_FASES=sostenido RENDIMIENTO_SESION=/work/main/resultados/arena-20261204/$i-$v bash scripts/rendimiento.sh > /work/ab-arena-$i.log 2>&1
done
echo "done $(date -Is)"
