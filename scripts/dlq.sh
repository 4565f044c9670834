#!/usr/bin/env bash
# Dead letters (topic pedidos-dlq): records a consumer could not decode (not JSON, not conforming to
# kafka/pedido.schema.json, an unknown major schema version). Each keeps its key, value, headers and
# timestamp, plus dlq-topico, dlq-particion, dlq-offset, dlq-error, dlq-grupo and dlq-fecha.
#
#   dlq.sh contar              how many dead letters the topic holds
#   dlq.sh listar              each one as a JSON line (source topic/partition/offset, error, value)
#   dlq.sh reenviar [--descartar-invalidos]
#                              once the cause is fixed (e.g. consumers that know the new schema version):
#                              publish each again to its source topic, once (consumer group
#                              pedidos-dlq-reenvio); stops at the first one that still does not conform
#
# Environment: .run/infra.env if present; KAFKA_BROKERS, PEDIDOS_TOPIC_PREFIX (tests), PEDIDOS_BUILD
# (release) / PEDIDOS_BIN for the `carga` binary (built here unless PEDIDOS_SKIP_BUILD=1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"
[[ -f "$RUN/infra.env" ]] && source "$RUN/infra.env"

BUILD="${PEDIDOS_BUILD:-release}"
BIN="${PEDIDOS_BIN:-$PEDIDOS_ROOT/.build/$BUILD}"
topic="${PEDIDOS_TOPIC_PREFIX:-}pedidos-dlq"
brokers="${KAFKA_BROKERS:-127.0.0.1:$EMBEDDED_KAFKA_PORT}"

cmd="${1:-}"; shift || true
case "$cmd" in
  contar|listar|reenviar) ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
if [[ "${PEDIDOS_SKIP_BUILD:-0}" != 1 ]]; then
  swift build -c "$BUILD" --product carga >/dev/null
fi
[[ -x "$BIN/carga" ]] || die "$BIN/carga not built"
exec "$BIN/carga" topico "$cmd" --brokers "$brokers" --topico "$topic" "$@"
