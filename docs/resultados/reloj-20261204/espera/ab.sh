#!/usr/bin/env bash
# A/B: transiciones 500/s N=1s, the consumers' fetch wait 200/250 ms (default) vs 500 ms.
set -u
cd /work/main
out=$(ls -d /work/main/resultados/espera-ab-* | head -1)
mkdir -p "$out"
for round in 3 4; do
  for variant in base espera500; do
    envs=()
    [[ $variant == espera500 ]] && envs=(PROCESAMIENTO_KAFKA_FETCH_WAIT=500ms NOTIFICACIONES_KAFKA_FETCH_WAIT=500ms)
    env "${envs[@]}" RENDIMIENTO_FASES=transiciones RENDIMIENTO_TASAS=500 RENDIMIENTO_DEMORAS=1s RENDIMIENTO_SESION="$out/$variant-$round" \
      bash scripts/rendimiento.sh > "$out/$variant-$round.log" 2>&1
    grep -E "retraso de transición|latencia de correo" "$out/$variant-$round/tabla.md" | head -2 | sed "s/^/$variant-$round: /"
    awk -F, '$2=="tansu"{s+=$3;n++} END{printf "%s tansu cpu mean %.1f\n", v, s/n}' v="$variant-$round" "$out/$variant-$round/transiciones/n1s-r500/procesos.csv"
  done
done
