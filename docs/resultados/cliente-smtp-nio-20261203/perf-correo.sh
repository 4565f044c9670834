#!/usr/bin/env bash
# The correo phase with the given binaries, with perf on notificaciones for 8 s while the outbox drains.
# usage: perf-correo.sh <bin dir> <session dir>
set -u
cd /work/main
bin="$1" session="$2"
PEDIDOS_BIN="$bin" RENDIMIENTO_SESION="$session" RENDIMIENTO_FASES=correo RENDIMIENTO_CORREOS=40000 \
  bash scripts/rendimiento.sh > "$session.log" 2>&1 &
runner=$!
until [[ -f "$session/correo/referencia-16.json" ]]; do sleep 0.5; done
pidfile=.run/rendimiento/services/notificaciones.pid
until [[ -f $pidfile ]] && kill -0 "$(cat $pidfile)" 2>/dev/null; do sleep 0.2; done
sleep 3
perf record -e cpu-clock -F 1000 -g -o "$session.perf.data" -p "$(cat $pidfile)" -- sleep 8 > /dev/null 2>&1
{ perf report -i "$session.perf.data" --no-children --sort comm,dso --stdio 2>/dev/null | head -45
  perf report -i "$session.perf.data" --no-children --sort sym --stdio 2>/dev/null | grep -v '^$' | head -60; } > "$session.perf.txt"
wait $runner
