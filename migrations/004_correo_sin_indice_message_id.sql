-- The Message-ID of a mail is made from its primary key (`<pedido-<id>-<estado>@<dominio>>`,
-- NotificationMail.messageID), so its UNIQUE index never refused anything: it only cost PostgreSQL one more
-- index entry for every row version the outbox writes (the claim, `sending`, `sent`).
ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS email_outbox_message_id_key;
