#!/usr/bin/env bash
# perf of notificaciones alone (-p, call graphs, 2 kHz, 4 s) while the outbox drains the 60,000-mail backlog of the
# correo phase of scripts/rendimiento.sh, then the report with children. OUT (default /tmp/perf23) keeps perf.data.
#   docs/resultados/autogrupo-20261205/perfil-correo/run.sh [OUT]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../../../.."
out="${1:-/tmp/perf23}"
mkdir -p "$out"
( # notificaciones is started (to create the tables), stopped before the reference client, then started to drain.
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  while pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.1; done
  sleep 1.5
  perf record -e cpu-clock -F 2000 -g -p "$(pgrep -f release/notificaciones | head -1)" -o "$out/perf.data" -- sleep 4 \
    >"$out/perf-record.log" 2>&1
) &
RENDIMIENTO_FASES=correo RENDIMIENTO_SESION="$out/sesion" bash scripts/rendimiento.sh >"$out/rendimiento.log" 2>&1
wait
perf report -i "$out/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" \
  | cut -c1-200 | head -120 >"$here/report-children.txt"
