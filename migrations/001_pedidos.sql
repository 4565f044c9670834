-- Order ids: solicitudes replicas each take a block of 1000 ids at a time (nextval returns the block's
-- first id), so ids are unique across replicas and restarts without a round trip per order.
CREATE SEQUENCE order_id_blocks START WITH 1 INCREMENT BY 1000 MINVALUE 1;

-- The latest known state of each order (notificaciones). `state_rank` is the position of `state` in
-- recibido → preparando → entregando → finalizado: an update only ever moves it forward.
CREATE TABLE orders (
    id          bigint      PRIMARY KEY CHECK (id > 0),
    nombre      text        NOT NULL,
    precio      text        NOT NULL,          -- the JSON number exactly as the client sent it
    correo      text        NOT NULL,
    state       text        NOT NULL,
    state_rank  smallint    NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Every transition, once: Kafka may redeliver, the primary key makes recording idempotent.
CREATE TABLE order_transitions (
    order_id        bigint      NOT NULL REFERENCES orders (id),
    state           text        NOT NULL CHECK (state IN ('recibido', 'preparando', 'entregando', 'finalizado')),
    entered_at      timestamptz NOT NULL,      -- Kafka record timestamp: when the order entered the state
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    PRIMARY KEY (order_id, state)
);

-- Transactional outbox: one mail per transition, written in the same transaction as the transition,
-- sent by a background worker with retries; `sent_at` set once the SMTP server accepted it.
CREATE TABLE email_outbox (
    order_id        bigint      NOT NULL,
    state           text        NOT NULL,
    recipient       text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    message_id      text        NOT NULL UNIQUE,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (order_id, state),
    FOREIGN KEY (order_id, state) REFERENCES order_transitions (order_id, state)
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';
