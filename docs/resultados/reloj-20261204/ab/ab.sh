#!/usr/bin/env bash
# A/B: transiciones 500/s N=1s, the dispatcher on the cooperative pool (old binaries, /tmp/bin-old) vs on an
# event loop of its own (the working tree's release build). Both binaries export pedidos_dispatch_wake_delay_seconds.
set -u
cd /work/main
out=${OUT:-/work/main/resultados/reloj-ab-$(date +%Y%m%d-%H%M)}
mkdir -p "$out"; cp "$0" "$out/ab.sh"
for round in ${RONDAS:-1 2}; do
  for variant in pool bucle; do
    envs=()
    [[ $variant == pool ]] && envs=(PEDIDOS_BIN=/tmp/bin-old)
    env "${envs[@]}" RENDIMIENTO_FASES=transiciones RENDIMIENTO_TASAS=500 RENDIMIENTO_DEMORAS=1s RENDIMIENTO_SESION="$out/$variant-$round" \
      bash scripts/rendimiento.sh > "$out/$variant-$round.log" 2>&1
    grep -E "retraso de transición" "$out/$variant-$round/tabla.md" | head -1 | sed "s/^/$variant-$round: /"
  done
done
