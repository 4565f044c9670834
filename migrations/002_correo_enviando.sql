-- Exactly-once mail delivery as far as SMTP allows it.
--
-- A mail goes `pending` → `sending` in a committed transaction just before the SMTP end of data (the
-- final "."), and → `sent` once the server accepted it. A row still `sending` when its lease ends
-- belongs to a sender that died (or lost PostgreSQL) somewhere between those two points: the server may
-- or may not have the mail, so it becomes `uncertain` and is never sent again (no duplicate mail; at
-- most this one mail is missing, and it is visible in /historial and in the metrics).
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_status_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain'));
CREATE INDEX email_outbox_sending ON email_outbox (next_attempt_at) WHERE status = 'sending';
