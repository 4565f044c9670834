#!/usr/bin/env bash
# Alternates the variants of an experiment on scripts/rendimiento.sh, ROUNDS times, so that each variant sees the
# same drift of a shared, noisy machine. Each run is a benchmark session of its own (fresh infrastructure) in
# OUT/PREFIX-NAME-ROUND, its output in OUT/PREFIX-NAME-ROUND.log.
#
#   scripts/ab.sh OUT PREFIX ROUNDS NAME='VAR=value ...' [NAME2='VAR=value ...' ...]
#
# A variant is a name and the environment it runs with (assignments separated by spaces; values without spaces).
# What every variant shares (RENDIMIENTO_FASES, RENDIMIENTO_TASAS, ...) comes from the caller's environment.
# FIRST_ROUND=k numbers the rounds from k (to add rounds to an experiment). The experiments under docs/resultados/
# call it through their own ab.sh, which names the variants.
set -euo pipefail
(( $# >= 4 )) || { echo "usage: ab.sh OUT PREFIX ROUNDS NAME='VAR=value ...' ..." >&2; exit 2; }
out="$1" prefix="$2" rounds="$3"
shift 3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # rendimiento.sh runs from the repository root
first="${FIRST_ROUND:-1}"
for round in $(seq "$first" $(( first + rounds - 1 ))); do
  for variant in "$@"; do
    name="${variant%%=*}"
    read -ra assignments <<<"${variant#*=}"
    echo "$(date -Is) round $round, $name"
    env "${assignments[@]}" RENDIMIENTO_SESION="$out/$prefix-$name-$round" \
      bash "$root/scripts/rendimiento.sh" >"$out/$prefix-$name-$round.log" 2>&1
  done
done
echo "$(date -Is) done"
