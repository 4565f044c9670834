#!/usr/bin/env bash
# Runs pedidos on this machine: installs what is missing, starts the embedded infrastructure
# (Kafka-compatible broker, PostgreSQL, SMTP server) and the services.
#
#   scripts/up.sh            foreground: Ctrl-C stops everything
#   scripts/up.sh --detach   returns once everything answers; scripts/down.sh stops it
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

detach=0
[[ "${1:-}" == "--detach" ]] && detach=1

# The broker keeps its records on disk (S3 storage on an embedded SeaweedFS): an accepted order is not
# lost because the broker restarted. EMBEDDED_KAFKA_STORAGE=memoria trades that for speed (docs/operacion.md §7 bis).
export EMBEDDED_KAFKA_STORAGE="${EMBEDDED_KAFKA_STORAGE:-s3}"
bash scripts/bootstrap.sh
bash scripts/infra.sh up
source "$RUN/infra.env"

if [[ -x scripts/services.sh ]]; then
  # Returns once every service answers /ready: its dependencies respond and its consumers own their
  # partitions (the consumer groups have settled), so an order posted right after is processed on time.
  bash scripts/services.sh start
fi

case "${KAFKA_PROFILE:-embedded}" in
  embedded) profile_info="embedded (grupos: session.timeout.ms=6000, heartbeat 1000 ms, fetch.wait.max.ms=100; factor de replicación 1)" ;;
  cluster) profile_info="cluster (grupos: session.timeout.ms=45000, heartbeat 3000 ms, fetch.wait.max.ms=500; factor de replicación 3, min.insync.replicas=2)" ;;
  *) profile_info="$KAFKA_PROFILE (desconocido: los servicios no arrancan; use embedded o cluster)" ;;
esac
kafka_kind="Kafka (Tansu, $EMBEDDED_KAFKA_STORAGE)"
[[ "$KAFKA_BROKERS" != "127.0.0.1:$EMBEDDED_KAFKA_PORT" ]] && kafka_kind="Kafka (externo)"

cat <<INFO

  pedidos está corriendo:
    $(printf '%-23s' "$kafka_kind") $KAFKA_BROKERS
    Perfil de Kafka         $profile_info
                            (KAFKA_PROFILE; ver Sources/PedidosKafka/KafkaProfile.swift)
    PostgreSQL              $DATABASE_URL
    SMTP (desarrollo)       $SMTP_URL   (correos recibidos: ${SMTP_STORE:-servidor externo})
INFO
[[ -x scripts/services.sh ]] && bash scripts/services.sh info

if (( detach )); then
  log "detached; stop everything with scripts/down.sh"
  exit 0
fi
log "running in the foreground; Ctrl-C stops everything"
trap 'echo; bash scripts/down.sh; exit 0' INT TERM
while true; do sleep 3600 & wait $!; done
