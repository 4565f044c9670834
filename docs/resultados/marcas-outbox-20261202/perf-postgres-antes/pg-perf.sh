#!/usr/bin/env bash
# The correo phase with a perf profile of every PostgreSQL process while the outbox drains.
cd /work/main
out=/work/prof/pg-perf; rm -rf $out; mkdir -p $out
RENDIMIENTO_FASES=correo RENDIMIENTO_CORREOS=40000 RENDIMIENTO_SESION=$out/sesion bash scripts/rendimiento.sh > $out/rendimiento.log 2>&1 &
bench=$!
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql
q() { source .run/rendimiento/infra.env 2>/dev/null; "$psql" "$DATABASE_URL" -qAtX -c "$1"; }
until [[ "$(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null)" =~ ^[0-9]+$ ]] && (( $(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null) >= 39000 )); do sleep 0.5; kill -0 $bench 2>/dev/null || break; done
until (( $(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null || echo 40000) <= 36000 )); do sleep 0.3; kill -0 $bench 2>/dev/null || break; done
pids=$(pgrep -d, -u postgres postgres)
perf record -e cpu-clock -F 1000 -g -p "$pids" -o $out/perf.data -- sleep 8 > $out/perf-record.log 2>&1
wait $bench
perf report -i $out/perf.data --no-children --sort dso -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -12 > $out/perf-dso.txt
perf report -i $out/perf.data --no-children --sort sym -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -45 > $out/perf-sym.txt
perf report -i $out/perf.data --children --sort sym -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -60 > $out/perf-children.txt
echo done
