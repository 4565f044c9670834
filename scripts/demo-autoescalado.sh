#!/usr/bin/env bash
# Autoscaling demo: starts the system with one procesamiento worker per stage (scale-workers.sh),
# runs `scale-workers.sh --auto`, fires a fixed-rate burst of POST /pedidos, lets it go idle, then
# shows the "more workers than partitions" warning, and leaves in the output directory:
#
#   autoescalado.csv        every decision of the autoscaler (time,stage,workers,lag,decision)
#   autoescalado.log        the same decisions as the autoscaler logged them, with their reasons
#   autoescalado-carga.csv  orders posted/accepted/failed per second (scripts/carga.py)
#   autoescalado.png        "trabajadores vs lag" per stage (scripts/plot_autoescalado.py)
#   autoescalado-salida.txt the demo's own transcript (scaling, status, warning, final check)
#
#   scripts/demo-autoescalado.sh [--out docs/img] [--rate 30] [--burst 60] [--idle 80] [--lead 15]
#
# Autoscaler settings (override with the environment): AUTO_MIN=1 AUTO_MAX=3 AUTO_INTERVAL=3
# AUTO_UP_LAG=40 AUTO_DOWN_LAG=5 AUTO_COOLDOWN=15. PEDIDOS_DELAY defaults to 2s here. With N = 2 s a
# stage that keeps up holds about rate × (N + commit interval) ≈ 30 × 2.5 = 75 records of lag, so the
# burst crosses AUTO_UP_LAG and the idle period falls under AUTO_DOWN_LAG.
#
# Binaries: $PEDIDOS_BIN or .build/$PEDIDOS_BUILD (release by default; services.sh builds them unless
# PEDIDOS_SKIP_BUILD=1). Everything runs under .run/demo-autoescalado/ with a unique topic prefix, so an
# already running system is not disturbed; the infrastructure is reused if it runs, else started and
# stopped at the end. Ports: SOLICITUDES_PORT, NOTIFICACIONES_PORT (8080, 8081), WORKERS_BASE_PORT.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

OUT=docs/img RATE=30 BURST=60 IDLE=80 LEAD=15
while (( $# )); do
  case "$1" in
    --out) OUT="${2:?}"; shift 2 ;;
    --rate) RATE="${2:?}"; shift 2 ;;
    --burst) BURST="${2:?}"; shift 2 ;;
    --idle) IDLE="${2:?}"; shift 2 ;;
    --lead) LEAD="${2:?}"; shift 2 ;;
    *) sed -n '2,24p' "$0"; exit 2 ;;
  esac
done
AUTO_MIN="${AUTO_MIN:-1}" AUTO_MAX="${AUTO_MAX:-3}" AUTO_INTERVAL="${AUTO_INTERVAL:-3}"
AUTO_UP_LAG="${AUTO_UP_LAG:-40}" AUTO_DOWN_LAG="${AUTO_DOWN_LAG:-5}" AUTO_COOLDOWN="${AUTO_COOLDOWN:-15}"

DEMO="$RUN/demo-autoescalado"
rm -rf "$DEMO"; mkdir -p "$DEMO" "$OUT"
TRANSCRIPT="$DEMO/salida.txt"
export PEDIDOS_SERVICE_DIR="$DEMO/services" PEDIDOS_WORKERS_DIR="$DEMO/workers"
PEDIDOS_TOPIC_PREFIX="demo-$(date +%s)-"
export PEDIDOS_TOPIC_PREFIX PEDIDOS_DELAY="${PEDIDOS_DELAY:-2s}"
export SOLICITUDES_PORT="${SOLICITUDES_PORT:-8080}" NOTIFICACIONES_PORT="${NOTIFICACIONES_PORT:-8081}"
DOMAIN="${PEDIDOS_TOPIC_PREFIX%-}.pedidos.test"

# say TEXT: a line on the terminal and in the transcript.
say() { echo "$*" | tee -a "$TRANSCRIPT"; }
# run CMD...: the command and its output, on the terminal and in the transcript.
run() { say "\$ ${*#bash }"; "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' | tee -a "$TRANSCRIPT"; }

started_infra=()
for c in kafka postgres smtp s3; do
  case "$c" in
    kafka) pid_alive "$RUN/kafka/tansu.pid" || started_infra+=(kafka) ;;
    s3) pid_alive "$RUN/s3/weed.pid" || started_infra+=(s3) ;;
    smtp) pid_alive "$RUN/smtp/smtp.pid" || started_infra+=(smtp) ;;
    postgres) [[ -f "$RUN/postgres/data/postmaster.pid" ]] || started_infra+=(postgres) ;;
  esac
done
auto_pid=""
cleanup() {
  local status=$?
  [[ -n "$auto_pid" ]] && kill -TERM "$auto_pid" 2>/dev/null && wait "$auto_pid" 2>/dev/null
  bash scripts/scale-workers.sh stop || true
  bash scripts/services.sh stop solicitudes notificaciones || true
  if (( ${#started_infra[@]} )); then bash scripts/infra.sh down "${started_infra[@]}" || true; fi
  exit "$status"
}
trap cleanup EXIT

bash scripts/infra.sh up
# shellcheck disable=SC1091
source "$RUN/infra.env"
bash scripts/services.sh start notificaciones solicitudes

say "# demo de autoescalado $(date -Iseconds): N=$PEDIDOS_DELAY, prefijo $PEDIDOS_TOPIC_PREFIX, ráfaga $RATE pedidos/s durante ${BURST}s"
run bash scripts/scale-workers.sh todos 1

# One order through every stage: all consumer groups have joined before anything is measured.
# shellcheck disable=SC2012
psql_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/psql"
finalizados() {
  "$psql_bin" "$DATABASE_URL" -qtA -c "SELECT count(*) FROM orders WHERE correo LIKE '%@$DOMAIN' AND state = 'finalizado'"
}
curl -fsS -o /dev/null -X POST "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" -H 'Content-Type: application/json' \
  -d "{\"nombre\":\"calentamiento\",\"precio\":1,\"correo\":\"warmup@$DOMAIN\"}"
at_least() { (( $(finalizados) >= $1 )); }
wait_until "el pedido de calentamiento en finalizado" 90 at_least 1 || die "el sistema no procesó el pedido de calentamiento"
run bash scripts/scale-workers.sh status

say "\$ scale-workers.sh --auto --min $AUTO_MIN --max $AUTO_MAX --interval $AUTO_INTERVAL --up-lag $AUTO_UP_LAG --down-lag $AUTO_DOWN_LAG --cooldown $AUTO_COOLDOWN --duration $((LEAD + BURST + IDLE))"
bash scripts/scale-workers.sh --auto --min "$AUTO_MIN" --max "$AUTO_MAX" --interval "$AUTO_INTERVAL" \
  --up-lag "$AUTO_UP_LAG" --down-lag "$AUTO_DOWN_LAG" --cooldown "$AUTO_COOLDOWN" --duration $((LEAD + BURST + IDLE)) \
  > >(sed -u 's/\x1b\[[0-9;]*m//g' | tee -a "$TRANSCRIPT") 2>&1 &
auto_pid=$!
sleep "$LEAD"   # a quiet start, so the plot shows the idle level before the burst
run "$DEPS/venv/bin/python" scripts/carga.py --url "http://127.0.0.1:$SOLICITUDES_PORT/pedidos" \
  --rate "$RATE" --duration "$BURST" --csv "$DEMO/carga.csv" --domain "$DOMAIN"
wait "$auto_pid" || true
auto_pid=""

accepted=$(( $(awk -F, 'NR > 1 { s += $3 } END { print s + 0 }' "$DEMO/carga.csv") + 1 ))
if wait_until "$accepted pedidos en finalizado" 120 at_least "$accepted"; then
  say "comprobación: los $accepted pedidos (ráfaga + calentamiento) llegaron a finalizado"
else
  say "comprobación: solo $(finalizados) de $accepted pedidos llegaron a finalizado"
fi

# More workers than partitions: done, but reported.
run bash scripts/scale-workers.sh entregando 7
# /ready does not wait for the group: show the table once the 7 members have shared the 6 partitions.
settled() { bash scripts/scale-workers.sh status | grep -q 'entregando: 7 proceso(s), particiones asignadas 0-5,'; }
wait_until "el reparto entre 7 workers de entregando" 60 settled || true
run bash scripts/scale-workers.sh status
run bash scripts/scale-workers.sh entregando 1

cp "$PEDIDOS_WORKERS_DIR/autoscale.csv" "$OUT/autoescalado.csv"
sed 's/\x1b\[[0-9;]*m//g' "$PEDIDOS_WORKERS_DIR/autoscale.log" > "$OUT/autoescalado.log"
cp "$DEMO/carga.csv" "$OUT/autoescalado-carga.csv"
"$DEPS/venv/bin/python" scripts/plot_autoescalado.py --decisiones "$OUT/autoescalado.csv" \
  --carga "$OUT/autoescalado-carga.csv" --salida "$OUT/autoescalado.png" \
  --titulo "Autoescalado: ${RATE} pedidos/s durante ${BURST} s, N = $PEDIDOS_DELAY, 6 particiones por etapa"
cp "$TRANSCRIPT" "$OUT/autoescalado-salida.txt"
log "resultados en $OUT/autoescalado.{csv,log,png}, autoescalado-carga.csv y autoescalado-salida.txt"
