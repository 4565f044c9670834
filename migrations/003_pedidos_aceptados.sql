-- Self-healing (issue 12).
--
-- Every order solicitudes answers 202 is written here first (a group-committed INSERT shared by the
-- requests in flight), so an order is known durably even if the broker forgets it before notificaciones
-- sees it. `topic_prefix` is the PEDIDOS_TOPIC_PREFIX of the solicitudes that accepted it: the reconciler
-- of a system only re-drives its own orders (tests run several systems on one database).
-- `finished` is set by the reconciler once notificaciones recorded `finalizado`, so its scan covers
-- only the orders still on their way (partial index).
CREATE TABLE accepted_orders (
    id           bigint      PRIMARY KEY CHECK (id > 0),
    nombre       text        NOT NULL,
    precio       text        NOT NULL,          -- the JSON number exactly as the client sent it
    correo       text        NOT NULL,
    accepted_at  timestamptz NOT NULL,          -- = the timestamp of its record on `recibido`
    topic_prefix text        NOT NULL DEFAULT '',
    finished     boolean     NOT NULL DEFAULT false
);
CREATE INDEX accepted_orders_open ON accepted_orders (topic_prefix, accepted_at) WHERE NOT finished;

-- Mail at the crash boundary: a mail left `sending` (its sender died between the end of data and the
-- server's reply) is sent again with the same Message-ID, at most NOTIFICACIONES_CORREO_REENVIOS times;
-- `resends` counts those re-sends (and the operator's, scripts/correos-inciertos.sh).
ALTER TABLE email_outbox ADD COLUMN resends integer NOT NULL DEFAULT 0;
CREATE INDEX email_outbox_uncertain ON email_outbox (order_id) WHERE status = 'uncertain';
