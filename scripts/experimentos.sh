#!/usr/bin/env bash
# The experiments of the report (docs/informe.md), each one command, raw files kept.
#
#   scripts/experimentos.sh barrido    rate sweep: EXPERIMENTO_TASAS ("50 100 150 200 300 400 500 700") orders/s,
#                                      EXPERIMENTO_DURACION s (30) per step, EXPERIMENTO_REPETICIONES (3) times,
#                                      a fresh infrastructure (empty broker, database, mail store) before every step
#   scripts/experimentos.sh rafagas    bursts of EXPERIMENTO_CANTIDADES ("1000 5000 20000") orders, fresh each:
#                                      time to accept and to drain, lag per stage from the broker at 4 samples/s
#   scripts/experimentos.sh volumen    EXPERIMENTO_VOLUMENES ("0 100000 1000000") records already stored in the
#                                      broker (fresh broker each), then EXPERIMENTO_TASA (100) orders/s for
#                                      EXPERIMENTO_DURACION s (60): latency and throughput against stored volume
#   scripts/experimentos.sh escalado   EXPERIMENTO_WORKERS ("1 2 3") procesamiento workers per stage
#                                      (scripts/scale-workers.sh), EXPERIMENTO_TASA (200) orders/s, 60 s each
#   scripts/experimentos.sh fallo      EXPERIMENTO_TASA (100) orders/s for EXPERIMENTO_DURACION s (120); kill -9
#                                      procesamiento at 1/4, restarted after EXPERIMENTO_REINICIO s (2) and waited
#                                      for until ready; then 1/2 − 1/4 − EXPERIMENTO_REINICIO s later the same for
#                                      notificaciones (eventos.csv has every instant): lateness over time, lost
#                                      orders, recovery time
#   scripts/experimentos.sh correo     EXPERIMENTO_TASA (400) orders/s for EXPERIMENTO_DURACION s (60): outbox
#                                      backlog and mail latency over time, until the outbox is empty
#   scripts/experimentos.sh todos      all of them, in this order
#   add --corto for a smoke test with tiny parameters (seconds, a few hundred orders; results under resultados/)
#
# Every run: release build, N = EXPERIMENTO_DEMORA (1s), 64 connections, dataset diamantes, a 20-order warm-up
# burst (not measured), and beside the load tool's files (resumen.json, por_segundo.csv, por_pedido.csv):
#   lag.csv       committed lag per consumer group and topic, read from the broker 4 times/s (scripts/lag_kafka.py)
#   outbox.csv    mails pending and sent, once a second (PostgreSQL)
#   correo.json   mail latency (transition entered -> accepted by the SMTP server) p50/p99/max, and
#   correo_por_segundo.csv   the same per second of transition
#   procesos.csv  CPU and RSS of every process (scripts/procesos.py)
# Results: docs/resultados/<experimento>-<time>/ (EXPERIMENTOS_DESTINO changes the folder; --corto: resultados/),
# with experimento.json (parameters, commit, machine), then scripts/experimentos.py writes resumen.csv, tabla.md
# and the figure docs/img/exp-<experimento>.png (--corto: inside the results folder).
# Ports: its own (19392, 15632, 12725, 18533, services 18180-18182, workers from 18200) unless
# EXPERIMENTOS_PUERTOS=entorno, which keeps the caller's EMBEDDED_*_PORT, *_PORT and WORKERS_BASE_PORT.
# The infrastructure lives under .run/experimentos and is stopped at the end. EXPERIMENTOS_SIN_COMPILAR=1 skips the
# release build (the binaries must exist); EXPERIMENTO_ALMACENAMIENTO=s3 measures the broker's durable storage.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PEDIDOS_RUN="$ROOT/.run/experimentos"
if [[ "${EXPERIMENTOS_PUERTOS:-}" != entorno ]]; then
  export EMBEDDED_KAFKA_PORT=19392 EMBEDDED_PG_PORT=15632 EMBEDDED_SMTP_PORT=12725 EMBEDDED_S3_PORT=18533
  export SOLICITUDES_PORT=18180 NOTIFICACIONES_PORT=18181 PROCESAMIENTO_PORT=18182 WORKERS_BASE_PORT=18200
fi
export EMBEDDED_KAFKA_STORAGE="${EXPERIMENTO_ALMACENAMIENTO:-memoria}"
unset KAFKA_BROKERS DATABASE_URL SMTP_URL SMTP_STORE KAFKA_PROPERTIES
source "$ROOT/scripts/lib.sh"
cd "$PEDIDOS_ROOT"

experimento="${1:-}"
corto=0
[[ "${2:-}" == "--corto" || "${1:-}" == "--corto" ]] && corto=1
[[ "$experimento" == "--corto" ]] && experimento="${2:-}"
case "$experimento" in
  barrido|rafagas|volumen|escalado|fallo|correo) ;;
  todos)
    for e in barrido rafagas volumen escalado fallo correo; do
      bash "$0" "$e" $( (( corto )) && echo --corto ) || exit 1
    done
    exit 0 ;;
  *) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

demora="${EXPERIMENTO_DEMORA:-1s}"
conexiones="${EXPERIMENTO_CONEXIONES:-64}"
dataset="datasets/${EXPERIMENTO_DATASET:-diamantes}.csv"
if (( corto )); then
  tasas="${EXPERIMENTO_TASAS:-20 40}" repeticiones="${EXPERIMENTO_REPETICIONES:-1}"
  cantidades="${EXPERIMENTO_CANTIDADES:-50 200}" volumenes="${EXPERIMENTO_VOLUMENES:-0 2000}"
  workers="${EXPERIMENTO_WORKERS:-1 2}" reinicio="${EXPERIMENTO_REINICIO:-1}"
  case "$experimento" in
    barrido) duracion="${EXPERIMENTO_DURACION:-5}" ;;
    fallo) duracion="${EXPERIMENTO_DURACION:-16}" ;;
    *) duracion="${EXPERIMENTO_DURACION:-6}" ;;
  esac
  tasa="${EXPERIMENTO_TASA:-30}"
  destino="${EXPERIMENTOS_DESTINO:-$PEDIDOS_ROOT/resultados}"
else
  tasas="${EXPERIMENTO_TASAS:-50 100 150 200 300 400 500 700}"
  cantidades="${EXPERIMENTO_CANTIDADES:-1000 5000 20000}" volumenes="${EXPERIMENTO_VOLUMENES:-0 100000 1000000}"
  workers="${EXPERIMENTO_WORKERS:-1 2 3}" reinicio="${EXPERIMENTO_REINICIO:-2}"
  case "$experimento" in
    barrido) repeticiones="${EXPERIMENTO_REPETICIONES:-3}"; duracion="${EXPERIMENTO_DURACION:-30}" ;;
    fallo) repeticiones="${EXPERIMENTO_REPETICIONES:-1}"; duracion="${EXPERIMENTO_DURACION:-120}" ;;
    *) repeticiones="${EXPERIMENTO_REPETICIONES:-1}"; duracion="${EXPERIMENTO_DURACION:-60}" ;;
  esac
  case "$experimento" in
    escalado) tasa="${EXPERIMENTO_TASA:-200}" ;;
    correo) tasa="${EXPERIMENTO_TASA:-400}" ;;
    *) tasa="${EXPERIMENTO_TASA:-100}" ;;
  esac
  destino="${EXPERIMENTOS_DESTINO:-$PEDIDOS_ROOT/docs/resultados}"
fi
(( duracion >= 30 || corto )) || die "EXPERIMENTO_DURACION must be at least 30 s (a step shorter than that measures the start)"
espera_correo="${EXPERIMENTO_ESPERA_CORREO:-600}"
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR="$RUN/services" PEDIDOS_WORKERS_DIR="$RUN/workers"

bash scripts/bootstrap.sh
bash scripts/datasets.sh
if [[ "${EXPERIMENTOS_SIN_COMPILAR:-0}" != 1 ]]; then
  log "building (release)"
  swift build -c release >/dev/null
fi

session="$destino/$experimento-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$session"
log "results in ${session#$PEDIDOS_ROOT/}"
python="$DEPS/venv/bin/python"
psql_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql"
samplers=()

stop_samplers() {
  local pid
  for pid in "${samplers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${samplers[@]}"; do wait "$pid" 2>/dev/null || true; done
  samplers=()
}
cleanup() {
  local status=$?
  stop_samplers
  bash scripts/scale-workers.sh stop >/dev/null 2>&1 || true
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  bash scripts/infra.sh down >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
sql() { "$psql_bin" "$DATABASE_URL" -qtAX -F, -c "$1"; }

cat >"$session/experimento.json" <<JSON
{"experimento": "$experimento", "corto": $corto, "inicio": "$(date -Is)", "demora": "$demora", "conexiones": $conexiones,
 "dataset": "$dataset", "tasas": "$tasas", "tasa": $tasa, "duracion_s": $duracion, "repeticiones": ${repeticiones:-1},
 "cantidades": "$cantidades", "volumenes": "$volumenes", "workers": "$workers", "reinicio_s": $reinicio,
 "almacenamiento_broker": "$EMBEDDED_KAFKA_STORAGE", "nucleos": $(nproc),
 "commit": "$(git log -1 --format=%h)", "carga_antes": "$(cut -d' ' -f1-3 /proc/loadavg)"}
JSON

services_up() {   # services_up [names...]: with N = $demora
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  PEDIDOS_DELAY="$demora" bash scripts/services.sh start "$@" >/dev/null 2>&1
}
carga() {
  local procesamiento="http://127.0.0.1:$PROCESAMIENTO_PORT"
  [[ -f "$PEDIDOS_SERVICE_DIR/procesamiento.pid" ]] || procesamiento=""
  "$PEDIDOS_ROOT/.build/release/carga" "$@" --dataset "$dataset" --demora "$demora" --conexiones "$conexiones" \
    --solicitudes "http://127.0.0.1:$SOLICITUDES_PORT" --notificaciones "http://127.0.0.1:$NOTIFICACIONES_PORT" \
    --procesamiento "$procesamiento" --smtp-store "$SMTP_STORE" --database-url "$DATABASE_URL"
}
warm_up() { carga rafaga --cantidad 20 --resultados "$session/calentamiento" >/dev/null 2>&1 || true; }
# pid_of NAME [PIDFILE]: an infrastructure process, or a service from its PID file.
pid_of() { infra_pid "$1" 2>/dev/null || cat "$2"; }
# start_samplers DIR: lag from the broker (4/s), outbox (1/s), CPU and RSS of every process (1/s).
start_samplers() {
  local dir="$1" targets=() f name
  python3 scripts/lag_kafka.py muestrear --brokers "$KAFKA_BROKERS" --salida "$dir/lag.csv" --intervalo 0.25 2>>"$dir/muestreo.log" &
  samplers+=($!)
  ( echo "t,pendientes,enviados,inciertos"
    while :; do
      echo "$(date +%s.%3N),$(sql "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), count(*) FILTER (WHERE status = 'sent'),
                                         count(*) FILTER (WHERE status = 'uncertain') FROM email_outbox" 2>/dev/null || echo ",,")"
      sleep 1
    done ) >"$dir/outbox.csv" &
  samplers+=($!)
  for name in tansu postgres smtp; do targets+=("$name=$(pid_of "$name")"); done
  for f in "$PEDIDOS_SERVICE_DIR"/*.pid "$PEDIDOS_WORKERS_DIR"/*.pid; do
    [[ -f "$f" ]] && targets+=("$(basename "$f" .pid)=$(cat "$f")")
  done
  "$python" scripts/procesos.py muestrear --salida "$dir/procesos.csv" "${targets[@]}" 2>>"$dir/muestreo.log" &
  samplers+=($!)
}
# mails DIR SINCE: waits (up to $espera_correo s) until every mail of the orders above SINCE left the outbox,
# then writes their latency: correo.json (whole run) and correo_por_segundo.csv (per second of transition).
mails() {
  local dir="$1" since="$2" deadline=$(( $(date +%s) + espera_correo ))
  while (( $(sql "SELECT count(*) FROM email_outbox WHERE order_id > $since AND status IN ('pending', 'sending')") > 0 )); do
    (( $(date +%s) < deadline )) || { log "  the outbox did not drain within ${espera_correo}s"; break; }
    sleep 1
  done
  local latency="extract(epoch FROM o.sent_at - t.entered_at) * 1000"
  sql "SELECT json_build_object('correos', count(*), 'enviados', count(*) FILTER (WHERE o.status = 'sent'),
         'no_enviados', count(*) FILTER (WHERE o.status <> 'sent'),
         'inciertos', count(*) FILTER (WHERE o.status = 'uncertain'), 'reenvios', coalesce(sum(o.resends), 0),
         'p50_ms', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY $latency)::numeric, 1),
         'p99_ms', round(percentile_cont(0.99) WITHIN GROUP (ORDER BY $latency)::numeric, 1),
         'max_ms', round(max($latency)::numeric, 1))
       FROM email_outbox o JOIN order_transitions t USING (order_id, state) WHERE o.order_id > $since" >"$dir/correo.json"
  { echo "t,correos,p50_ms,p99_ms,max_ms"
    sql "SELECT floor(extract(epoch FROM t.entered_at))::bigint, count(*),
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY $latency)::numeric, 1),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY $latency)::numeric, 1), round(max($latency)::numeric, 1)
         FROM email_outbox o JOIN order_transitions t USING (order_id, state)
         WHERE o.order_id > $since AND o.status = 'sent' GROUP BY 1 ORDER BY 1"; } >"$dir/correo_por_segundo.csv"
}
last_order() { sql "SELECT coalesce(max(id), 0) FROM orders"; }
# measured DIR CARGA-ARGS...: one measured run of the load tool with every sampler around it.
measured() {
  local dir="$1"; shift
  mkdir -p "$dir"
  local since; since="$(last_order)"
  start_samplers "$dir"
  carga "$@" --resultados "$dir" --plazo "${EXPERIMENTO_PLAZO:-300}" >"$dir/carga.txt" 2>&1 \
    || echo "carga: failed (see resumen.json)" >>"$dir/carga.txt"
  mails "$dir" "$since"
  stop_samplers
  log "  ${dir#$session/}: $(grep -E '^(sostenido|rafaga) ' "$dir/carga.txt" | cut -d'>' -f1 | cut -c1-230)"
}

case "$experimento" in
barrido)
  for rep in $(seq 1 "$repeticiones"); do
    for rate in $tasas; do
      log "barrido: $rate orders/s × ${duracion}s (repetition $rep of $repeticiones), fresh infrastructure"
      fresh_infrastructure; services_up; warm_up
      measured "$session/r$rate-rep$rep" sostenido --tasa "$rate" --duracion "$duracion"
    done
  done ;;
rafagas)
  for rep in $(seq 1 "$repeticiones"); do
    for count in $cantidades; do
      log "rafagas: $count orders at once (repetition $rep), fresh infrastructure"
      fresh_infrastructure; services_up; warm_up
      measured "$session/m$count-rep$rep" rafaga --cantidad "$count"
    done
  done ;;
volumen)
  for rep in $(seq 1 "$repeticiones"); do
    for volume in $volumenes; do
      log "volumen: $volume records stored, then $tasa orders/s × ${duracion}s (repetition $rep), fresh broker"
      fresh_infrastructure
      dir="$session/v$volume-rep$rep"; mkdir -p "$dir"
      if (( volume > 0 )); then
        "$PEDIDOS_ROOT/.build/release/carga" precargar --brokers "$KAFKA_BROKERS" --registros "$volume" >"$dir/precarga.txt" 2>&1
      fi
      echo "{\"antes_kb\": $(ps -o rss= -p "$(pid_of tansu)")" >"$dir/tansu-rss.json"
      services_up; warm_up
      measured "$dir" sostenido --tasa "$tasa" --duracion "$duracion"
      echo ", \"despues_kb\": $(ps -o rss= -p "$(pid_of tansu)")}" >>"$dir/tansu-rss.json"
      # Retention: the low watermark of the filler topic moves only if the broker deletes records.
      (( volume > 0 )) && python3 scripts/lag_kafka.py marcas --brokers "$KAFKA_BROKERS" --topico pedidos-relleno >"$dir/relleno-marcas.json" || true
    done
  done ;;
escalado)
  for rep in $(seq 1 "$repeticiones"); do
    for k in $workers; do
      log "escalado: $k procesamiento worker(s) per stage, $tasa orders/s × ${duracion}s (repetition $rep)"
      fresh_infrastructure; services_up solicitudes notificaciones
      PEDIDOS_DELAY="$demora" bash scripts/scale-workers.sh todos "$k" >"$session/workers-k$k-rep$rep.txt" 2>&1
      warm_up
      measured "$session/k$k-rep$rep" sostenido --tasa "$tasa" --duracion "$duracion"
      bash scripts/scale-workers.sh stop >/dev/null 2>&1 || true
    done
  done ;;
fallo)
  for rep in $(seq 1 "$repeticiones"); do
    log "fallo: $tasa orders/s × ${duracion}s; kill -9 procesamiento at $((duracion / 4))s, notificaciones $((duracion / 2 - duracion / 4 - reinicio))s after procesamiento is ready again"
    fresh_infrastructure; services_up; warm_up
    dir="$session/rep$rep"; mkdir -p "$dir"
    echo "t,evento,servicio" >"$dir/eventos.csv"
    (
      # The first kill counts from the load's start (measured() creates carga.txt as it launches the load tool);
      # the second from the first service's restart being ready (services.sh start waits for /ready), so the
      # two disturbances do not overlap however long the first one takes to recover.
      until [[ -f "$dir/carga.txt" ]]; do sleep 0.1; done
      for target in "procesamiento $((duracion / 4))" "notificaciones $((duracion / 2))"; do
        read -r name at <<<"$target"
        wait_s=$(( at - ${last_at:-0} )); (( wait_s > 0 )) && sleep "$wait_s"; last_at=$(( at + reinicio ))
        echo "$(date +%s.%3N),kill -9,$name" >>"$dir/eventos.csv"
        bash scripts/services.sh kill "$name"
        sleep "$reinicio"
        echo "$(date +%s.%3N),arranque,$name" >>"$dir/eventos.csv"
        PEDIDOS_DELAY="$demora" bash scripts/services.sh start "$name" >/dev/null 2>&1
        echo "$(date +%s.%3N),listo,$name" >>"$dir/eventos.csv"
      done
    ) &
    injector=$!
    measured "$dir" sostenido --tasa "$tasa" --duracion "$duracion"
    wait "$injector" || true
  done ;;
correo)
  for rep in $(seq 1 "$repeticiones"); do
    log "correo: $tasa orders/s × ${duracion}s, then until the outbox is empty"
    fresh_infrastructure; services_up; warm_up
    measured "$session/rep$rep" sostenido --tasa "$tasa" --duracion "$duracion"
  done ;;
esac

img="docs/img"
(( corto )) && img="$session"
"$python" scripts/experimentos.py "$session" "$img"
log "experiment done: ${session#$PEDIDOS_ROOT/} (tabla.md)"
