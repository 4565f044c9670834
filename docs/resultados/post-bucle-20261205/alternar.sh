#!/usr/bin/env bash
# Alternates two builds of solicitudes on POST /pedidos (solicitudes alone, `scripts/infra.sh up` first):
# for each round and each build, post_perfil.sh (POST/s, /health, CPU per POST of solicitudes, Tansu and
# PostgreSQL, context switches per POST) and hilos.sh (context switches and CPU per POST by thread, 10
# connections). Usage: alternar.sh ROUNDS name=BIN_DIR name=BIN_DIR ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
perfil="$here/../post-dominio-20261205/post_perfil.sh"
hilos="$here/../post-dominio-20261205/hilos.sh"
out=${OUT:-$here/rondas}; mkdir -p "$out"
rounds=$1; shift
for r in $(seq 1 "$rounds"); do
  for variant in "$@"; do
    name=${variant%%=*}; bin=${variant#*=}
    echo "== round $r: $name ($bin)" | tee -a "$out/resumen.txt"
    PEDIDOS_BIN=$bin OUT="$out/$name-$r" bash "$perfil" 2>&1 | grep '^c=' | tee -a "$out/resumen.txt"
    PEDIDOS_BIN=$bin C=10 bash "$hilos" > "$out/$name-$r/hilos-c10.txt" 2>&1
    awk '/vol\/POST/{v+=$3; i+=$5; c+=$8} END{printf "threads c=10: voluntary %.2f involuntary %.2f per POST, CPU %.0f µs per POST\n", v, i, c}' \
      "$out/$name-$r/hilos-c10.txt" | tee -a "$out/resumen.txt"
  done
done
