#!/usr/bin/env bash
# A/B of the kernel's autogroup scheduling (kernel.sched_autogroup_enabled) at 500 orders/s with N = 1 s.
# With it on (this machine's default), every process our scripts start with setsid is a scheduling group of its own,
# and the CPU is shared between groups first; off, it is shared between threads. Needs root (writes the sysctl);
# restores the value it found.
#   docs/resultados/autogrupo-20261205/ab.sh ROUNDS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
rounds="${1:-3}" first="${FIRST_ROUND:-1}"
knob=/proc/sys/kernel/sched_autogroup_enabled
found="$(cat "$knob")"
trap 'echo "$found" >"$knob"' EXIT
export RENDIMIENTO_FASES=transiciones RENDIMIENTO_TASAS=500 RENDIMIENTO_DEMORAS=1s PEDIDOS_AUTOGROUP=keep  # the scripts leave the knob as set here
for round in $(seq "$first" $(( first + rounds - 1 ))); do
  for variant in con:1 sin:0; do
    name="${variant%%:*}"
    echo "${variant#*:}" >"$knob"
    echo "$(date -Is) round $round, $name (autogroup $(cat "$knob"))"
    RENDIMIENTO_SESION="$here/$name-$round" bash "$root/scripts/rendimiento.sh" >"$here/$name-$round.log" 2>&1
  done
done
echo "$(date -Is) done"
