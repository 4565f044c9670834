#!/usr/bin/env bash
# The whole benchmark (scripts/rendimiento.sh, every phase) once with the kernel's autogroup scheduling on
# (PEDIDOS_AUTOGROUP=keep: the scripts leave it on) and once as the scripts now start the system (they turn it
# off), one after the other on the same code. Needs root; restores the value it found.
#   docs/resultados/autogrupo-20261205/completo.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
knob=/proc/sys/kernel/sched_autogroup_enabled
found="$(cat "$knob")"
trap 'echo "$found" >"$knob"' EXIT
echo 1 >"$knob"
echo "$(date -Is) completo-con (autogroup on, kept)"
PEDIDOS_AUTOGROUP=keep RENDIMIENTO_SESION="$here/completo-con" bash "$root/scripts/rendimiento.sh" >"$here/completo-con.log" 2>&1
echo 1 >"$knob"
echo "$(date -Is) completo-sin (the scripts turn autogroup off)"
RENDIMIENTO_SESION="$here/completo-sin" bash "$root/scripts/rendimiento.sh" >"$here/completo-sin.log" 2>&1
echo "$(date -Is) done (autogroup now $(cat "$knob"))"
