#!/usr/bin/env bash
# Mails whose hand-over to the SMTP server was interrupted (status `uncertain`): list them, or send them
# again with the SAME Message-ID (mail clients collapse a second copy into one).
#
#   correos-inciertos.sh [listar]               the uncertain mails (order, state, recipient, Message-ID, attempts, error)
#   correos-inciertos.sh reenviar ID[/ESTADO]…  send those again (every state of ID when ESTADO is left out)
#   correos-inciertos.sh reenviar --todos       send every uncertain mail again
#
# A mail sent again goes back to `pending`, due at once (`resends` + 1, `last_error` says who asked); the
# outbox worker of notificaciones sends it within NOTIFICACIONES_OUTBOX_POLL. PostgreSQL from DATABASE_URL
# (default: .run/infra.env of the embedded infrastructure).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -z "${DATABASE_URL:-}" && -f "$RUN/infra.env" ]] && source "$RUN/infra.env"
DATABASE_URL="${DATABASE_URL:-postgresql://pedidos@127.0.0.1:$EMBEDDED_PG_PORT/pedidos}"
# libpq rejects parameters it does not know (pool_size is ours): keep only the URL before '?'.
url="${DATABASE_URL%%\?*}"
psql_bin="$(command -v psql || true)"
[[ -n "$psql_bin" ]] || psql_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/psql"
[[ -x "$psql_bin" ]] || die "psql not found (scripts/bootstrap.sh installs PostgreSQL)"
sql() { "$psql_bin" "$url" -v ON_ERROR_STOP=1 -qX "$@"; }

cmd="${1:-listar}"; shift || true
case "$cmd" in
  listar)
    sql -c "SELECT order_id AS pedido, state AS estado, recipient AS destinatario, message_id, attempts AS intentos,
                   resends AS reenvios, left(coalesce(last_error, ''), 80) AS ultimo_error
            FROM email_outbox WHERE status = 'uncertain' ORDER BY order_id, state"
    ;;
  reenviar)
    (( $# )) || die "reenviar needs ID[/ESTADO]… or --todos"
    if [[ "$1" == --todos ]]; then
      filter="true"
    else
      ids=() states=()
      for arg in "$@"; do
        id="${arg%%/*}"; state=""; [[ "$arg" == */* ]] && state="${arg#*/}"
        [[ "$id" =~ ^[0-9]+$ ]] || die "'$arg' is not ID or ID/ESTADO"
        [[ -z "$state" || "$state" =~ ^(recibido|preparando|entregando|finalizado)$ ]] || die "unknown state in '$arg'"
        ids+=("$id"); states+=("${state:-*}")
      done
      # Every value is checked above (digits, a known state), so it can be spliced safely.
      filter="(order_id, state) IN (SELECT i, s FROM unnest(ARRAY[$(IFS=,; echo "${ids[*]}")]::bigint[],
                                                        ARRAY['$(IFS=,; echo "${states[*]}" | sed "s/,/','/g")']::text[]) AS u(i, s0)
                                     CROSS JOIN LATERAL (SELECT st FROM unnest(ARRAY['recibido','preparando','entregando','finalizado']) st
                                                         WHERE u.s0 = '*' OR st = u.s0) AS x(s))"
    fi
    sql -c "UPDATE email_outbox
            SET status = 'pending', next_attempt_at = now(), resends = resends + 1,
                last_error = 'sent again by the operator (correos-inciertos.sh) after: ' || coalesce(last_error, '')
            WHERE status = 'uncertain' AND $filter
            RETURNING order_id AS pedido, state AS estado, message_id"
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
