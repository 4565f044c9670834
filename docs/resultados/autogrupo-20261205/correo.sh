#!/usr/bin/env bash
# The correo phase of scripts/rendimiento.sh (the SMTP server's own pace, the outbox draining 60,000 mails, the pace
# again), alternated ROUNDS times with the kernel's autogroup scheduling on (PEDIDOS_AUTOGROUP=keep) and as the scripts
# now start the system (off). Needs root; restores the value it found.
#   docs/resultados/autogrupo-20261205/correo.sh ROUNDS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
rounds="${1:-2}"
knob=/proc/sys/kernel/sched_autogroup_enabled
found="$(cat "$knob")"
trap 'echo "$found" >"$knob"' EXIT
for round in $(seq 1 "$rounds"); do
  echo 1 >"$knob"
  echo "$(date -Is) round $round, con"
  PEDIDOS_AUTOGROUP=keep RENDIMIENTO_FASES=correo RENDIMIENTO_SESION="$here/correo-con-$round" \
    bash "$root/scripts/rendimiento.sh" >"$here/correo-con-$round.log" 2>&1
  echo 1 >"$knob"
  echo "$(date -Is) round $round, sin"
  RENDIMIENTO_FASES=correo RENDIMIENTO_SESION="$here/correo-sin-$round" \
    bash "$root/scripts/rendimiento.sh" >"$here/correo-sin-$round.log" 2>&1
done
echo "$(date -Is) done"
