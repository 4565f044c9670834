#!/bin/bash
# A/B of JSONParser.parseString (scalar-by-scalar append vs whole UTF-8 runs): the sostenido phase of
# scripts/rendimiento.sh at 250/s x 120 s on fresh infrastructure, with `perf record -a` for 20 s from 50 s
# into the load; alternated twice. CPU per process from procesos.json, the parser's share from perf.
cd /work/main
for round in 1 2; do
  for v in old new; do
    out=/tmp/ab2/parser-$v-$round
    ( sleep 75; perf record -F 250 -a -o /tmp/ab2/perf-$v-$round.data -- sleep 20 >/dev/null 2>&1 ) &
    RENDIMIENTO_SESION=$out RENDIMIENTO_FASES="sostenido" RENDIMIENTO_DURACION_SOSTENIDA=120 \
      PEDIDOS_BIN=/tmp/ab2/$v bash scripts/rendimiento.sh > /tmp/ab2/$v-$round.log 2>&1
    wait
  done
done
echo done > /tmp/ab2/done
