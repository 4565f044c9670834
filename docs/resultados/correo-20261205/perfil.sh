#!/usr/bin/env bash
# perf of notificaciones alone (-p, call graphs, 2 kHz, 4 s) while the outbox drains the 60,000-mail backlog of the
# correo phase of scripts/rendimiento.sh (binaries from PEDIDOS_BIN, default .build/release), then the report with
# children into NAME/report-children.txt. /tmp/perf-NAME keeps perf.data and the benchmark session.
#   docs/resultados/correo-20261205/perfil.sh NAME
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../../.."
name="$1" out="/tmp/perf-$1"
rm -rf "$out"; mkdir -p "$out" "$here/$name"
( # notificaciones is started (to create the tables), stopped before the reference client, then started to drain.
  until pgrep -f '/notificaciones' >/dev/null; do sleep 0.2; done
  while pgrep -f '/notificaciones' >/dev/null; do sleep 0.2; done
  until pgrep -f '/notificaciones' >/dev/null; do sleep 0.1; done
  sleep 1.5
  perf record -e cpu-clock -F 2000 -g -p "$(pgrep -f '/notificaciones' | head -1)" -o "$out/perf.data" -- sleep 4 \
    >"$out/perf-record.log" 2>&1
) &
RENDIMIENTO_FASES=correo RENDIMIENTO_SESION="$out/sesion" bash scripts/rendimiento.sh >"$out/rendimiento.log" 2>&1
wait
perf report -i "$out/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" \
  | cut -c1-200 | head -150 >"$here/$name/report-children.txt"
grep -h "outbox con" "$out/sesion/tabla.md" >"$here/$name/tabla-corrida.txt"
cp "$out/sesion/correo/outbox.json" "$out/sesion/correo/procesos.json" "$here/$name/"
