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
  bash scripts/services.sh start
fi

cat <<INFO

  pedidos está corriendo:
    $(printf '%-23s' "Kafka (Tansu, $EMBEDDED_KAFKA_STORAGE)") $KAFKA_BROKERS
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
