#!/usr/bin/env bash
# The correo phase with the given binaries and a perf profile of every PostgreSQL process for 8 s while the
# outbox drains 40 000 mails. usage: pg-perf.sh <bin dir> <session dir>
set -u
cd /work/main
bin="$1" out="$2"; rm -rf "$out"; mkdir -p "$out"
PEDIDOS_BIN="$bin" RENDIMIENTO_FASES=correo RENDIMIENTO_CORREOS=40000 RENDIMIENTO_SESION="$out/sesion" \
  bash scripts/rendimiento.sh > "$out/rendimiento.log" 2>&1 &
bench=$!
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql
pending() { source .run/rendimiento/infra.env 2>/dev/null; "$psql" "$DATABASE_URL" -qAtX -c "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null; }
until n=$(pending) && [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 39000 )); do sleep 0.5; kill -0 $bench 2>/dev/null || exit 1; done
until n=$(pending) && [[ "$n" =~ ^[0-9]+$ ]] && (( n <= 36000 )); do sleep 0.3; kill -0 $bench 2>/dev/null || exit 1; done
pids=$(pgrep -d, -u postgres postgres)
perf record -e cpu-clock -F 1000 -g -p "$pids" -o "$out/perf.data" -- sleep 8 > "$out/perf-record.log" 2>&1
wait $bench
perf report -i "$out/perf.data" --no-children --sort sym -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -45 > "$out/perf-sym.txt"
perf report -i "$out/perf.data" --children --sort sym -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -80 > "$out/perf-children.txt"
echo done
