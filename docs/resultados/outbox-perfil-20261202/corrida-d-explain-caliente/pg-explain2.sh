#!/usr/bin/env bash
# Runs the correo phase and, during the drain, EXPLAIN ANALYZE of the claim's scan (issue 9 hypothesis).
cd /work/main
out=/work/prof/pg-explain2; rm -rf $out; mkdir -p $out
RENDIMIENTO_FASES=correo RENDIMIENTO_CORREOS=40000 RENDIMIENTO_SESION=$out/sesion bash scripts/rendimiento.sh > $out/rendimiento.log 2>&1 &
bench=$!
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql
q() { source .run/rendimiento/infra.env 2>/dev/null; "$psql" "$DATABASE_URL" -qAtX -c "$1"; }
explain="EXPLAIN (ANALYZE, BUFFERS) SELECT order_id, state FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 8"
# The same EXPLAIN three times in one session: the first plans with cold catalog caches, the others warm.
q2() { source .run/rendimiento/infra.env 2>/dev/null; "$psql" "$DATABASE_URL" -qAtX -c "$explain" -c "$explain" -c "$explain" | grep -E "Planning Time|Execution Time|Buffers: shared hit=[0-9]+$"; }
stats="SELECT n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, idx_scan FROM pg_stat_user_tables WHERE relname = 'email_outbox'"
# wait for the backlog (40000 pending) before notificaciones starts
until [[ "$(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null)" =~ ^[0-9]+$ ]] && (( $(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null) >= 39000 )); do sleep 0.5; kill -0 $bench 2>/dev/null || break; done
{ echo "== before the drain: $(date -Is)"; q "$stats"; q2; } > $out/explain.txt
for target in 10000 20000 30000; do
  until (( $(q "SELECT count(*) FROM email_outbox WHERE status='sent' AND sent_at > now() - interval '10 minutes'" 2>/dev/null || echo 0) >= target )); do sleep 0.5; kill -0 $bench 2>/dev/null || break; done
  { echo "== $target sent: $(date -Is)"; q "$stats"; q2; } >> $out/explain.txt
done
wait $bench
echo done
