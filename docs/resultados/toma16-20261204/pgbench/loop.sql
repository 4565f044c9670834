WITH due AS (SELECT order_id, state FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 8 FOR UPDATE SKIP LOCKED),
c AS (UPDATE email_outbox AS o SET next_attempt_at = now() + interval '150 s' FROM due WHERE o.order_id = due.order_id AND o.state = due.state RETURNING o.order_id, o.state)
SELECT coalesce(array_agg(order_id)::text, '{}') AS ids, coalesce(array_agg(state)::text, '{}') AS states FROM c \gset
SELECT * FROM outbox_mark_loop(':ids'::bigint[], ':states'::text[], '{}'::bigint[], '{}'::text[], '{}'::timestamptz[]);
SELECT * FROM outbox_mark_loop('{}'::bigint[], '{}'::text[], ':ids'::bigint[], ':states'::text[], array_fill(now(), ARRAY[8]));
