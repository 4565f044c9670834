CREATE OR REPLACE FUNCTION outbox_mark(bigint[], text[], bigint[], text[], timestamptz[])
RETURNS TABLE (marked_order_id bigint, marked_state text)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $function$
BEGIN
    RETURN QUERY
    WITH accepted AS (
        UPDATE email_outbox AS o
        SET status = 'sent', sent_at = a.sent_at, attempts = o.attempts + 1, last_error = NULL
        FROM unnest($3, $4, $5) AS a(order_id, state, sent_at)
        WHERE o.order_id = a.order_id AND o.state = a.state AND o.status IN ('pending', 'sending')
    )
    UPDATE email_outbox AS o SET status = 'sending'
    FROM unnest($1, $2) AS m(order_id, state)
    WHERE o.order_id = m.order_id AND o.state = m.state
      AND o.status NOT IN ('sending', 'sent', 'failed', 'uncertain')
      AND o.next_attempt_at - now() > interval '0'
    RETURNING o.order_id, o.state;
END
$function$;
UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id <= 3;
SELECT * FROM outbox_mark(ARRAY[1,1,2]::bigint[], ARRAY['recibido','preparando','recibido'], ARRAY[3]::bigint[], ARRAY['recibido'], ARRAY[now()]::timestamptz[]);
SELECT order_id, state, status FROM email_outbox WHERE order_id <= 3 ORDER BY 1,2;
