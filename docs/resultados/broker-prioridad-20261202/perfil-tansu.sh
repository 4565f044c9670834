#!/usr/bin/env bash
set -u
cd /work/main
OUT=/work/main/resultados/perfil-tansu
rm -rf $OUT/sesion $OUT/perf.data
( while [[ ! -d $OUT/sesion/transiciones/n1s-r500 ]]; do sleep 0.5; done
  sleep 35
  pid=$(pgrep -x tansu | head -1); [[ -z "$pid" ]] && pid=$(pgrep -f "tansu" | head -1)
  echo "tansu pid $pid $(cat /proc/$pid/cmdline | tr '\0' ' ')" > $OUT/pid.txt
  perf record -e cpu-clock -F 999 -g -p "$pid" -o $OUT/perf.data -- sleep 10 > $OUT/perf-record.log 2>&1 ) &
RENDIMIENTO_SESION=$OUT/sesion RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS=500 RENDIMIENTO_DURACION=60 bash scripts/rendimiento.sh > $OUT/run.log 2>&1
wait
