DROP TABLE IF EXISTS email_outbox;
CREATE TABLE email_outbox (
    order_id bigint NOT NULL, state text NOT NULL, recipient text NOT NULL, subject text NOT NULL, body text NOT NULL,
    message_id text NOT NULL :UNIQ,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed','uncertain')),
    attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text,
    created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz, resends integer NOT NULL DEFAULT 0,
    lease_until timestamptz,
    PRIMARY KEY (order_id, state)) WITH (fillfactor = :FF);
:TOAST
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_sending ON email_outbox (next_attempt_at) WHERE status = 'sending';
CREATE INDEX email_outbox_uncertain ON email_outbox (order_id) WHERE status = 'uncertain';
INSERT INTO email_outbox (order_id, state, recipient, subject, body, message_id)
SELECT g, s.state, 'cliente' || g || '@clientes.test', 'Tu pedido #' || g || ' está ' || s.state,
  'Hola:' || E'\n\n' || 'Tu pedido #' || g || ' está ' || s.state || '. Ya lo estamos preparando.' || E'\n\n'
  || 'Pedido: #' || g || E'\n' || 'Nombre: María Peña Ibáñez' || E'\n' || 'Precio: 12.50' || E'\n'
  || 'Estado: ' || s.state || E'\n' || 'Fecha: 2026-12-04T08:00:00.000Z' || E'\n\n' || 'Gracias por tu compra.' || E'\n' || 'Pedidos' || E'\n',
  '<pedido-' || g || '-' || s.state || '@pedidos.test>'
FROM generate_series(1, 15000) g CROSS JOIN unnest(ARRAY['recibido','preparando','entregando','finalizado']) s(state);
VACUUM ANALYZE email_outbox;
