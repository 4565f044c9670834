#!/usr/bin/env bash
# perf of notificaciones while the outbox drains a 60,000-mail backlog (correo phase of rendimiento.sh).
set -uo pipefail
cd /work/main
out=/tmp/perf-outbox
( # watcher: notificaciones is started, stopped before the reference client, then started to drain.
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  while pgrep -f release/notificaciones >/dev/null; do sleep 0.2; done
  until pgrep -f release/notificaciones >/dev/null; do sleep 0.1; done
  sleep 1.5
  p=$(pgrep -f release/notificaciones)
  perf record -e cpu-clock -F 1000 -g -p "$p" -o $out/perf.data -- sleep 5 >$out/perf-record.log 2>&1
) &
RENDIMIENTO_CORREOS=60000 RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=$out/sesion bash scripts/rendimiento.sh >$out/rendimiento.log 2>&1
wait
perf report -i $out/perf.data --no-children --sort dso,symbol --stdio 2>/dev/null | head -80 > $out/report-self.txt
perf report -i $out/perf.data --children --sort symbol --stdio -g none 2>/dev/null | grep -v "^$" | head -120 > $out/report-children.txt
perf report -i $out/perf.data --no-children --sort comm --stdio 2>/dev/null | head -40 > $out/report-threads.txt
