#!/usr/bin/env bash
# System-wide perf while the outbox drains a 60,000-mail backlog (correo phase of rendimiento.sh), take 16.
set -uo pipefail
cd /work/main
out=/tmp/perf16
( # watcher: notificaciones is started (to create the tables), stopped before the reference client, then started to drain.
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  while pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.1; done
  sleep 1.5
  perf record -e cpu-clock -F 1000 -a -g -o $out/perf.data -- sleep 4 >$out/perf-record.log 2>&1
) &
RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=$out/sesion bash scripts/rendimiento.sh >$out/rendimiento.log 2>&1
wait
perf report -i $out/perf.data --no-children --sort comm --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -30 > $out/report-comm.txt
perf report -i $out/perf.data --no-children --sort comm,dso,symbol --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -120 > $out/report-symbols.txt
