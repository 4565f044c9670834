CREATE OR REPLACE FUNCTION outbox_mark_loop(sending_ids bigint[], sending_states text[], sent_ids bigint[], sent_states text[], sent_ats timestamptz[])
RETURNS TABLE (marked_order_id bigint, marked_state text)
LANGUAGE plpgsql
SET enable_seqscan = off
AS $function$
DECLARE i integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(sent_ids, 1), 0) LOOP
        UPDATE email_outbox AS o SET status = 'sent', sent_at = sent_ats[i], attempts = o.attempts + 1, last_error = NULL
        WHERE o.order_id = sent_ids[i] AND o.state = sent_states[i] AND o.status IN ('pending', 'sending');
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(sending_ids, 1), 0) LOOP
        UPDATE email_outbox AS o SET status = 'sending'
        WHERE o.order_id = sending_ids[i] AND o.state = sending_states[i]
          AND o.status NOT IN ('sending', 'sent', 'failed', 'uncertain') AND o.next_attempt_at - now() > interval '0'
        RETURNING o.order_id, o.state INTO marked_order_id, marked_state;
        IF FOUND THEN RETURN NEXT; END IF;
    END LOOP;
END
$function$;
