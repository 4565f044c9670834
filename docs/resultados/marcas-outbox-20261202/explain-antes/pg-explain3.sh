#!/usr/bin/env bash
# The outbox mark statement (OutboxMarks.statement) explained during a drain, inside a rolled-back transaction.
cd /work/main
out=/work/prof/pg-explain3; rm -rf $out; mkdir -p $out
RENDIMIENTO_FASES=correo RENDIMIENTO_CORREOS=40000 RENDIMIENTO_SESION=$out/sesion bash scripts/rendimiento.sh > $out/rendimiento.log 2>&1 &
bench=$!
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql
q() { source .run/rendimiento/infra.env 2>/dev/null; "$psql" "$DATABASE_URL" -qAtX -c "$1"; }
until [[ "$(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null)" =~ ^[0-9]+$ ]] && (( $(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null) >= 39000 )); do sleep 0.5; kill -0 $bench 2>/dev/null || break; done
until (( $(q "SELECT count(*) FROM email_outbox WHERE status='pending'" 2>/dev/null || echo 40000) <= 30000 )); do sleep 0.3; kill -0 $bench 2>/dev/null || break; done
keys=$(q "SELECT string_agg(order_id::text, ',') || '|' || string_agg(state, ',') FROM (SELECT order_id, state FROM email_outbox WHERE status='pending' ORDER BY next_attempt_at DESC LIMIT 2) s")
sent=$(q "SELECT string_agg(order_id::text, ',') || '|' || string_agg(state, ',') FROM (SELECT order_id, state FROM email_outbox WHERE status='pending' ORDER BY next_attempt_at LIMIT 2) s")
ids1=${keys%%|*}; st1=${keys##*|}; ids2=${sent%%|*}; st2=${sent##*|}
stmt="WITH accepted AS (
    UPDATE email_outbox AS o
    SET status = 'sent', sent_at = a.sent_at, attempts = o.attempts + 1, last_error = NULL
    FROM unnest('{$ids2}'::bigint[], '{$st2}'::text[], ARRAY[now(), now()]::timestamptz[]) AS a(order_id, state, sent_at)
    WHERE o.order_id = a.order_id AND o.state = a.state AND o.status IN ('pending', 'sending')
)
UPDATE email_outbox AS o SET status = 'sending'
FROM unnest('{$ids1}'::bigint[], '{$st1}'::text[]) AS m(order_id, state)
WHERE o.order_id = m.order_id AND o.state = m.state AND o.status = 'pending' AND o.next_attempt_at > now()
RETURNING o.order_id, o.state"
source .run/rendimiento/infra.env
"$psql" "$DATABASE_URL" -qX -c "BEGIN" -c "EXPLAIN (ANALYZE, BUFFERS) $stmt" -c "EXPLAIN (ANALYZE, BUFFERS) $stmt" -c "ROLLBACK" > $out/explain.txt 2>&1
wait $bench
echo done
