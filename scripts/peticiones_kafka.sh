#!/usr/bin/env bash
# Kafka requests per order, by service and API: what our clients ask of the broker for each order.
#
#   scripts/peticiones_kafka.sh [RATE] [SECONDS]      (default 100 orders/s for 30 s, N = 1 s)
#
# Release build (not rebuilt here), on an infrastructure of its own under .run/peticiones (ports from the
# environment: EMBEDDED_*_PORT and *_PORT). The services run with librdkafka's `protocol` debug context,
# which logs every request a client sends ("Sent FetchRequest ..."); the requests sent while `carga
# sostenido` runs are counted per service and API and divided by the orders accepted. The services' own
# settings (PROCESAMIENTO_KAFKA_*, NOTIFICACIONES_KAFKA_*, ...) are taken from the environment, so two runs
# with different values compare the load they put on the broker. Prints a table; raw logs stay in
# .run/peticiones/services.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PEDIDOS_RUN="$ROOT/.run/peticiones"
unset KAFKA_BROKERS DATABASE_URL SMTP_URL SMTP_STORE
source "$ROOT/scripts/lib.sh"
cd "$PEDIDOS_ROOT"
rate="${1:-100}" seconds="${2:-30}"
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR="$RUN/services"
bash scripts/datasets.sh >/dev/null

cleanup() {
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  bash scripts/infra.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$RUN"
bash scripts/infra.sh up >/dev/null 2>&1
source "$RUN/infra.env"
LOG_LEVEL=debug KAFKA_DEBUG=protocol PEDIDOS_DELAY=1s bash scripts/services.sh start >/dev/null 2>&1
carga() {
  "$PEDIDOS_ROOT/.build/release/carga" "$@" --solicitudes "http://127.0.0.1:$SOLICITUDES_PORT" \
    --notificaciones "http://127.0.0.1:$NOTIFICACIONES_PORT" --procesamiento "http://127.0.0.1:$PROCESAMIENTO_PORT"
}
carga rafaga --dataset datasets/supermercado.csv --demora 1s --cantidad 20 --resultados "$RUN/calentamiento" >/dev/null 2>&1 || true

declare -A mark
started=$(date +%s.%N)
for service in solicitudes procesamiento notificaciones; do mark[$service]=$(wc -l <"$PEDIDOS_SERVICE_DIR/$service.log"); done
carga sostenido --dataset datasets/diamantes.csv --demora 1s --tasa "$rate" --duracion "$seconds" --plazo 120 \
  --resultados "$RUN/sostenido" >"$RUN/carga.txt" 2>&1 || true
# The requests of the run only: up to the moment the run ended (its last order finalizado).
declare -A end
for service in solicitudes procesamiento notificaciones; do end[$service]=$(wc -l <"$PEDIDOS_SERVICE_DIR/$service.log"); done
# The window also holds the wait for every order to finish and every mail to arrive (idle fetches count).
window="$(echo "$(date +%s.%N) - $started" | bc)"
orders="$(grep -o '"aceptados" *: *[0-9]*' "$(find "$RUN/sostenido" -name resumen.json | head -n1)" | grep -o '[0-9]*$')"

printf '# Peticiones Kafka por pedido (%s pedidos/s × %s s, %s pedidos aceptados, N = 1 s; ventana de %.0f s)\n' \
  "$rate" "$seconds" "$orders" "$window"
echo
echo "| servicio | API | peticiones | por pedido | por segundo de la ventana |"
echo "|---|---|---|---|---|"
for service in solicitudes procesamiento notificaciones; do
  sed -n "$((mark[$service] + 1)),${end[$service]}p" "$PEDIDOS_SERVICE_DIR/$service.log" \
    | grep -o 'Sent [A-Za-z]*Request' | sort | uniq -c | sort -rn \
    | awk -v s="$service" -v o="$orders" -v t="$window" \
        '{ api = $3; sub(/Request$/, "", api); printf "| %s | %s | %d | %.2f | %.1f |\n", s, api, $1, $1 / o, $1 / t }'
done
