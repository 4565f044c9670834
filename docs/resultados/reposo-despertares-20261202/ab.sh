#!/usr/bin/env bash
set -u
mkdir -p /work/main/resultados/reposo/${1:-take}
cd /work/main
V=${1:-take}; OUT=/work/main/resultados/reposo/$V
rm -rf $OUT/sesion $OUT/perf-*.data
( while [[ ! -s $OUT/sesion/transiciones/n5s-r500/procesos.json ]]; do sleep 0.5; done
  sleep 8
  for s in procesamiento notificaciones; do
    pid=$(pgrep -f "bin-$V/$s" | head -1)
    for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(grep -E '^(voluntary|nonvoluntary)_ctxt' $t/status | awk '{s+=$2} END {print s}') $(awk '{print $14+$15}' $t/stat)"; done > $OUT/hilos-$s-a.txt
  done
  sleep 10
  for s in procesamiento notificaciones; do
    pid=$(pgrep -f "bin-$V/$s" | head -1)
    for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(grep -E '^(voluntary|nonvoluntary)_ctxt' $t/status | awk '{s+=$2} END {print s}') $(awk '{print $14+$15}' $t/stat)"; done > $OUT/hilos-$s-b.txt
  done
  pid=$(pgrep -f "bin-$V/procesamiento" | head -1)
  perf record -e cpu-clock -F 2000 -g -p "$pid" -o $OUT/perf-procesamiento.data -- sleep 10 > $OUT/perf-record.log 2>&1 ) &
PEDIDOS_BIN=/work/bin-$V RENDIMIENTO_SESION=$OUT/sesion RENDIMIENTO_FASES="transiciones reposo" RENDIMIENTO_DEMORAS=5s RENDIMIENTO_TASAS=500 RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh > $OUT/run.log 2>&1
wait
