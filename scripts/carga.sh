#!/usr/bin/env bash
# Load tests of pedidos: both scenarios on both datasets plus a sweep over the arrival rate, then the plots.
#
#   scripts/carga.sh            full run (release build, N=1s): ráfaga M=1000 and sostenido R=100/s × 20 s on
#                               diamantes and supermercado (mails checked), sweep R=100,250,500,1000/s × 5 s on
#                               diamantes (mails not waited for: the outbox sends ~250 mails/s, the sweep's
#                               ~37,000 would take minutes), wrk GET /health vs POST /pedidos (5 s each);
#                               plots into docs/img/carga-*.png
#   scripts/carga.sh --rendimiento   the performance benchmark (scripts/rendimiento.sh): every figure beside its
#                               reference (SMTP server's own pace, bare GET /health, the goals) in one run
#   scripts/carga.sh --corto    short check for CI (debug build unless PEDIDOS_BUILD is set, N=200ms): ráfaga
#                               M=300 and sostenido R=50/s × 5 s on supermercado; no plots
#
# A 20-order warm-up burst runs first and is not measured (resultados/<sesión>/calentamiento/).
# Fails (non-zero) if any accepted order was lost, duplicated or not mailed. Settings can be overridden:
# PEDIDOS_DELAY, CARGA_CANTIDAD, CARGA_TASA, CARGA_DURACION, CARGA_TASAS ("100 250 …"), CARGA_DURACION_BARRIDO,
# CARGA_CONEXIONES. Results: resultados/<sesión>/{escenarios,barrido}/<escenario>-<dataset>-<hora>/.
# The infrastructure is reused if running (else started and stopped at the end); the services are started
# here with PEDIDOS_DELAY, in their own directory .run/carga/, and always stopped at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

[[ "${1:-}" == "--rendimiento" ]] && exec bash scripts/rendimiento.sh
corto=0
[[ "${1:-}" == "--corto" ]] && corto=1
if (( corto )); then
  export PEDIDOS_BUILD="${PEDIDOS_BUILD:-debug}" PEDIDOS_DELAY="${PEDIDOS_DELAY:-200ms}"
  cantidad="${CARGA_CANTIDAD:-300}" tasa="${CARGA_TASA:-50}" duracion="${CARGA_DURACION:-5}"
  datasets=(supermercado); tasas=()
else
  export PEDIDOS_BUILD="${PEDIDOS_BUILD:-release}" PEDIDOS_DELAY="${PEDIDOS_DELAY:-1s}"
  cantidad="${CARGA_CANTIDAD:-1000}" tasa="${CARGA_TASA:-100}" duracion="${CARGA_DURACION:-20}"
  datasets=(diamantes supermercado); read -r -a tasas <<<"${CARGA_TASAS:-100 250 500 1000}"
fi
duracion_barrido="${CARGA_DURACION_BARRIDO:-5}"
conexiones="${CARGA_CONEXIONES:-64}"
export SOLICITUDES_PORT="${SOLICITUDES_PORT:-8080}" NOTIFICACIONES_PORT="${NOTIFICACIONES_PORT:-8081}"
export PROCESAMIENTO_PORT="${PROCESAMIENTO_PORT:-8082}"
export PEDIDOS_SERVICE_DIR="$RUN/carga"

bash scripts/bootstrap.sh
bash scripts/datasets.sh

# Infrastructure: remember what was already up, so that only what this run started is stopped.
started=()
for component in kafka postgres smtp s3; do
  case "$component" in
    kafka) pid_alive "$RUN/kafka/tansu.pid" ;;
    s3) pid_alive "$RUN/s3/weed.pid" ;;
    smtp) pid_alive "$RUN/smtp/smtp.pid" ;;
    postgres) [[ -f "$RUN/postgres/data/postmaster.pid" ]] && kill -0 "$(head -n1 "$RUN/postgres/data/postmaster.pid")" 2>/dev/null ;;
  esac || started+=("$component")
done
cleanup() {
  local status=$?
  bash scripts/services.sh stop || true
  (( ${#started[@]} )) && bash scripts/infra.sh down "${started[@]}" || true
  exit "$status"
}
trap cleanup EXIT
bash scripts/infra.sh up
source "$RUN/infra.env"

log "building carga ($PEDIDOS_BUILD)"
swift build -c "$PEDIDOS_BUILD" --product carga >/dev/null
bash scripts/services.sh stop    # leftovers of an interrupted run could have another PEDIDOS_DELAY
bash scripts/services.sh start   # builds the services, starts them with PEDIDOS_DELAY=$PEDIDOS_DELAY

# Mails still pending from an earlier session (the sweep and wrk leave tens of thousands; the outbox sends
# ~150/s, oldest first) would delay this session's past its deadline: wait until no never-tried mail is
# pending (bounded by CARGA_ESPERA_OUTBOX seconds). Mails in retry backoff (attempts > 0, e.g. left by the
# fault-injection tests) are not waited for: they do not hold ours back.
psql_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/psql"
if [[ -x "$psql_bin" ]]; then
  outbox_backlog() { "$psql_bin" "$DATABASE_URL" -qtAc "SELECT count(*) FROM email_outbox WHERE status = 'pending' AND attempts = 0"; }
  deadline=$(( $(date +%s) + ${CARGA_ESPERA_OUTBOX:-900} ))
  while (( $(outbox_backlog) > 0 )); do
    (( $(date +%s) < deadline )) || die "the mail outbox did not drain ($(outbox_backlog) mails pending)"
    log "waiting for $(outbox_backlog) pending mails of an earlier session"
    sleep 10
  done
fi

session="resultados/$( (( corto )) && echo corto || echo completo)-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$session"
log "results in $session (N=$PEDIDOS_DELAY, build $PEDIDOS_BUILD)"
carga() {
  local kind="$1" dataset="$2" dir="$3"; shift 3
  local mails=(--smtp-store "$SMTP_STORE")
  [[ "$dir" == barrido ]] && mails=()
  echo "# $(date -Is) $kind $dataset $* | carga $(uptime | sed 's/.*load average/load average/')" >>"$session/resumen.txt"
  "$PEDIDOS_ROOT/.build/$PEDIDOS_BUILD/carga" "$kind" --dataset "datasets/$dataset.csv" --demora "$PEDIDOS_DELAY" \
    --conexiones "$conexiones" --solicitudes "http://127.0.0.1:$SOLICITUDES_PORT" \
    --notificaciones "http://127.0.0.1:$NOTIFICACIONES_PORT" --procesamiento "http://127.0.0.1:$PROCESAMIENTO_PORT" \
    "${mails[@]}" --database-url "$DATABASE_URL" --resultados "$session/$dir" "$@" | tee -a "$session/resumen.txt"
}

# Warm-up (not measured): the consumer groups' first fetches and the first id block of freshly started
# services make the first orders' transitions late by up to a second; a small burst absorbs that.
carga rafaga supermercado calentamiento --cantidad 20 >/dev/null 2>&1 || true

failed=0
for dataset in "${datasets[@]}"; do
  carga rafaga "$dataset" escenarios --cantidad "$cantidad" || failed=1
  carga sostenido "$dataset" escenarios --tasa "$tasa" --duracion "$duracion" || failed=1
done
for r in "${tasas[@]}"; do
  carga sostenido diamantes barrido --tasa "$r" --duracion "$duracion_barrido" || failed=1
done

# wrk: bare GET /health vs POST /pedidos on the same solicitudes, closed loop, same connections and duration.
if (( !corto )) && command -v wrk >/dev/null; then
  for target in "health" "pedidos"; do
    if [[ "$target" == health ]]; then args=("http://127.0.0.1:$SOLICITUDES_PORT/health"); else
      args=(-s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos"); fi
    log "wrk $target (${CARGA_WRK_DURACION:-5}s, ${CARGA_WRK_CONEXIONES:-32} conexiones)"
    wrk -t1 -c"${CARGA_WRK_CONEXIONES:-32}" -d"${CARGA_WRK_DURACION:-5}s" --latency "${args[@]}" >"$session/wrk-$target.txt" 2>&1 || failed=1
    grep -E "Requests/sec|Non-2xx|50%|99%" "$session/wrk-$target.txt" | sed "s/^/  wrk $target: /" | tee -a "$session/resumen.txt"
  done
fi

if (( !corto )); then
  "$DEPS/venv/bin/python" scripts/graficos.py "$session" docs/img || failed=1
fi
(( failed )) && die "load test: something was lost, duplicated or not mailed (see $session/resumen.txt)"
log "load test passed: $session"
