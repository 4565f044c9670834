#!/usr/bin/env bash
# Performance benchmark of pedidos: every figure beside its reference, measured in one run on this machine.
#
#   scripts/rendimiento.sh            (also: scripts/carga.sh --rendimiento)
#
# Release build, on an infrastructure of its own (broker, PostgreSQL and SMTP server under .run/rendimiento,
# other ports), so a running system is left alone; it is started afresh before the post, each transiciones
# and the sostenido phase, so no phase inherits another's backlog. Phases, in this order:
#   post         solicitudes alone: wrk GET /health vs POST /pedidos, 10 and 64 connections, alternated twice,
#                and POST with the journal of accepted orders off (what durability costs); the CPU that solicitudes,
#                Tansu, PostgreSQL and the whole machine spent per request; the broker's own pace (a plain
#                librdkafka client, scripts/productor_referencia.c, with 10 and 64 records in flight)
#   transiciones N=1s and N=5s, steady 100 and 500 orders/s for RENDIMIENTO_DURACION s (60): transition lateness,
#                POST latency, mail latency (transition -> accepted by the SMTP server), all orders and mails
#   sostenido    fresh infrastructure, N=1s, RENDIMIENTO_TASA orders/s (250) for RENDIMIENTO_DURACION_SOSTENIDO s (300):
#                lateness, mail latency, lag, CPU and RSS per process
#   reposo       the three services idle for 30 s: CPU and RSS (and the broker's CPU)
#   correo       the SMTP server's own pace (scripts/smtp_referencia.py, as many connections as the outbox has
#                lanes, and 16), then the outbox draining a backlog of RENDIMIENTO_CORREOS mails (60000;
#                at ~6000/s a smaller backlog drains before the process sampler takes a sample), then the
#                reference again; RENDIMIENTO_CORREOS_ENVIADOS (0) more mails already sent stay in the table, as
#                on a long-lived database
#   volumen      RENDIMIENTO_PRECARGA records (1000000) written to the broker, then N=1s at 100 and 500 orders/s
# Results: resultados/rendimiento-<time>/ (raw files) and its tabla.md (the table, also printed). Each load run also
# keeps the services' log lines it produced (registro-<service>.log, when there are any). A load run during which
# the process sampler stopped (the VM was paused or its wall clock stepped) is kept as <run>-perturbada and run again.
# RENDIMIENTO_FASES runs only some phases (e.g. "sostenido"), RENDIMIENTO_SESION adds them to an existing session.
# RENDIMIENTO_ALMACENAMIENTO=s3 measures the broker with its durable storage (default: memoria).
# RENDIMIENTO_KAFKA_PROPERTIES="name=value;…" gives every service's Kafka clients extra librdkafka properties (to A/B one;
# KAFKA_PROPERTIES itself is cleared, like the other connection settings).
# RENDIMIENTO_DEMORAS ("1s 5s") and RENDIMIENTO_TASAS ("100 500") choose the transiciones runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PEDIDOS_RUN="$ROOT/.run/rendimiento"
# Ports of its own (RENDIMIENTO_PUERTOS=entorno keeps the caller's EMBEDDED_*_PORT and *_PORT instead).
if [[ "${RENDIMIENTO_PUERTOS:-}" != entorno ]]; then
  export EMBEDDED_KAFKA_PORT=19192 EMBEDDED_PG_PORT=15532 EMBEDDED_SMTP_PORT=12625 EMBEDDED_S3_PORT=18433
  export SOLICITUDES_PORT=18080 NOTIFICACIONES_PORT=18081 PROCESAMIENTO_PORT=18082
fi
# The broker's storage (scripts/infra.sh): memoria (default) or s3 (durable, SeaweedFS under .run/rendimiento/s3).
export EMBEDDED_KAFKA_STORAGE="${RENDIMIENTO_ALMACENAMIENTO:-memoria}"
unset KAFKA_BROKERS DATABASE_URL SMTP_URL SMTP_STORE KAFKA_PROPERTIES
if [[ -n "${RENDIMIENTO_KAFKA_PROPERTIES:-}" ]]; then export KAFKA_PROPERTIES="$RENDIMIENTO_KAFKA_PROPERTIES"; fi
source "$ROOT/scripts/lib.sh"
cd "$PEDIDOS_ROOT"

duracion="${RENDIMIENTO_DURACION:-60}"
tasa_sostenida="${RENDIMIENTO_TASA:-250}"
duracion_sostenida="${RENDIMIENTO_DURACION_SOSTENIDA:-300}"
correos="${RENDIMIENTO_CORREOS:-60000}"
enviados="${RENDIMIENTO_CORREOS_ENVIADOS:-0}"
precarga="${RENDIMIENTO_PRECARGA:-1000000}"
fases="${RENDIMIENTO_FASES:-post transiciones sostenido reposo correo volumen}"
fase() { [[ " $fases " == *" $1 "* ]]; }
export PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1 PEDIDOS_SERVICE_DIR="$RUN/services"

bash scripts/bootstrap.sh
bash scripts/datasets.sh
log "building (release)"
swift build -c release >/dev/null

session="${RENDIMIENTO_SESION:-$PEDIDOS_ROOT/resultados/rendimiento-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$session"
log "results in ${session#$PEDIDOS_ROOT/}"

cleanup() {
  local status=$?
  [[ -n "${sampler:-}" ]] && kill "$sampler" 2>/dev/null || true
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  bash scripts/infra.sh down >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
fresh_infrastructure
psql_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql"
sql() { "$psql_bin" "$DATABASE_URL" -qtAX -c "$1"; }
sql_admin() { "$psql_bin" -h 127.0.0.1 -p "$EMBEDDED_PG_PORT" -U postgres -d pedidos -qtAX -c "$1"; }
# With EMBEDDED_PG_OPTIONS='-c shared_preload_libraries=pg_stat_statements' (scripts/infra.sh): which statements
# took PostgreSQL's time. statements_reset starts counting (false when the module is not loaded);
# statements_dump FILE writes the top 15 by total time (execution ms | calls | ms per call | rows | pages |
# planning ms, 0 unless pg_stat_statements.track_planning=on | statement).
statements_reset() {
  [[ "$(sql_admin "SHOW shared_preload_libraries" 2>/dev/null)" == *pg_stat_statements* ]] || return 1
  sql_admin "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  sql_admin "SELECT pg_stat_statements_reset()" >/dev/null
}
statements_dump() {
  sql_admin "SELECT round(total_exec_time::numeric, 1) AS total_ms, calls, round((total_exec_time / nullif(calls, 0))::numeric, 3) AS ms_per_call,
                    rows, shared_blks_hit + shared_blks_read AS blocks, round(total_plan_time::numeric, 1) AS plan_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'pedidos')
             ORDER BY total_exec_time + total_plan_time DESC LIMIT 15" >"$1" \
    || echo "pg_stat_statements: the dump failed" >"$1"  # a diagnostic never ends the benchmark
}
python="$DEPS/venv/bin/python"
{ echo "# $(date -Is) $(uname -r), $(nproc) cores, phases: $fases, broker storage: $EMBEDDED_KAFKA_STORAGE, kernel.sched_autogroup_enabled: $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo -)"; uptime; git -C "$PEDIDOS_ROOT" log -1 --format='commit %h %s'; } >>"$session/maquina.txt"

# pid_of NAME: an infrastructure process, or a service from its PID file.
pid_of() { infra_pid "$1" 2>/dev/null || cat "$PEDIDOS_SERVICE_DIR/$1.pid"; }
# sample FILE NAME...: samples CPU and RSS of the named processes until stop_sampling.
sample() {
  local file="$1" process; shift
  local targets=()
  for process in "$@"; do
    [[ -f "$PEDIDOS_SERVICE_DIR/$process.pid" || "$process" =~ ^(tansu|smtp|postgres)$ \
       || ( "$process" == weed && -f "$RUN/s3/weed.pid" ) ]] && targets+=("$process=$(pid_of "$process")")
  done
  "$python" scripts/procesos.py muestrear --salida "$file" "${targets[@]}" &
  sampler=$!
}
stop_sampling() { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""; }
services_with_delay() {
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  PEDIDOS_DELAY="$1" bash scripts/services.sh start "${@:2}" >/dev/null 2>&1
}
carga() {
  "$PEDIDOS_ROOT/.build/release/carga" "$@" --solicitudes "http://127.0.0.1:$SOLICITUDES_PORT" \
    --notificaciones "http://127.0.0.1:$NOTIFICACIONES_PORT" --procesamiento "http://127.0.0.1:$PROCESAMIENTO_PORT"
}
# Mail latency of the orders with an id above $1: transition recorded (Kafka timestamp) -> accepted by the server.
mail_latency() {
  local since="$1" out="$2" deadline=$(( $(date +%s) + 120 ))
  while (( $(sql "SELECT count(*) FROM email_outbox WHERE order_id > $since AND status NOT IN ('sent', 'failed', 'uncertain')") > 0 )); do
    (( $(date +%s) < deadline )) || break
    sleep 1
  done
  sql "SELECT json_build_object(
         'correos', count(*),
         'no_enviados', count(*) FILTER (WHERE o.status <> 'sent'),
         'p50_ms', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.sent_at - t.entered_at)))::numeric * 1000, 1),
         'p99_ms', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM o.sent_at - t.entered_at)))::numeric * 1000, 1),
         'max_ms', round((max(extract(epoch FROM o.sent_at - t.entered_at)))::numeric * 1000, 1))
       FROM email_outbox o JOIN order_transitions t USING (order_id, state) WHERE o.order_id > $since" >"$out"
}
last_order() { sql "SELECT coalesce(max(id), 0) FROM orders"; }
# metrics DIR WHEN: each service's /metrics into DIR/metricas-WHEN-<service>.txt (counters and histograms are
# cumulative: a run's own figures are the difference between its "antes" and "despues").
metrics() {
  local service port
  for service in solicitudes procesamiento notificaciones; do
    case "$service" in
      solicitudes) port="$SOLICITUDES_PORT" ;; procesamiento) port="$PROCESAMIENTO_PORT" ;; *) port="$NOTIFICACIONES_PORT" ;;
    esac
    curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" >"$1/metricas-$2-$service.txt" 2>/dev/null || true
  done
}
# log_marks / keep_logs DIR MARKS...: each service's log lines written since log_marks, into
# DIR/registro-<service>.log (the next phase restarts the services and its logs would hide this run's).
log_marks() {
  local service
  for service in solicitudes procesamiento notificaciones; do stat -c %s "$PEDIDOS_SERVICE_DIR/$service.log" 2>/dev/null || echo 0; done
}
keep_logs() {
  local dir="$1" service mark; shift
  for service in solicitudes procesamiento notificaciones; do
    mark="$1"; shift
    [[ -f "$PEDIDOS_SERVICE_DIR/$service.log" ]] || continue
    (( $(stat -c %s "$PEDIDOS_SERVICE_DIR/$service.log") >= mark )) || mark=0
    tail -c +"$(( mark + 1 ))" "$PEDIDOS_SERVICE_DIR/$service.log" >"$dir/registro-$service.log"
    [[ -s "$dir/registro-$service.log" ]] || rm -f "$dir/registro-$service.log"
  done
}
# steady DIR NAME RATE SECONDS DELAY: one carga sostenido run with mails checked, plus its mail latency and
# processes. A run during which the sampler stopped (the VM paused or its wall clock stepped: procesos.py) is kept
# as NAME-perturbada and run once more: Kafka timestamps are wall clock, so it would report the step as lateness.
steady() {
  steady_once "$@"
  if grep -q muestreo_detenido "$1/$2/procesos.json" 2>/dev/null; then
    log "  $2: the sampler stopped during the run (VM paused or clock stepped); kept as $2-perturbada, running it again"
    rm -rf "${1:?}/$2-perturbada"
    mv "$1/$2" "$1/$2-perturbada"
    steady_once "$@"
  fi
}
steady_once() {
  local dir="$1" name="$2" rate="$3" seconds="$4" delay="$5"
  mkdir -p "$dir/$name"
  local since; since="$(last_order)"
  local marks; marks="$(log_marks)"
  metrics "$dir/$name" antes
  local statements=false
  statements_reset && statements=true
  sample "$dir/$name/procesos.csv" solicitudes procesamiento notificaciones tansu weed postgres smtp
  carga sostenido --dataset datasets/diamantes.csv --demora "$delay" --tasa "$rate" --duracion "$seconds" \
    --smtp-store "$SMTP_STORE" --database-url "$DATABASE_URL" --resultados "$dir/$name" --plazo 180 \
    >"$dir/$name/carga.txt" 2>&1 || echo "carga: failed (see carga.txt)" >>"$dir/$name/carga.txt"
  stop_sampling
  metrics "$dir/$name" despues
  $statements && statements_dump "$dir/$name/sentencias.txt"
  mail_latency "$since" "$dir/$name/correo.json"
  "$python" scripts/procesos.py resumir "$dir/$name/procesos.csv" >"$dir/$name/procesos.json"
  # shellcheck disable=SC2086  # one mark per service
  keep_logs "$dir/$name" $marks
  log "  $name: $(tail -n1 "$dir/$name/carga.txt" | cut -c1-220)"
}
warm_up() { carga rafaga --dataset datasets/supermercado.csv --demora "$1" --cantidad 20 --resultados "$session/calentamiento" >/dev/null 2>&1 || true; }

# --- post: solicitudes alone ------------------------------------------------------------------------
if fase post; then
log "post: GET /health vs POST /pedidos, solicitudes alone"
mkdir -p "$session/post"
# with_cpu OUT.json COMMAND...: runs COMMAND and writes the CPU that solicitudes, Tansu, PostgreSQL (with its
# backends) and the whole machine spent meanwhile (scripts/procesos.py durante).
with_cpu() {
  local out="$1"; shift
  "$python" scripts/procesos.py durante --salida "$out" solicitudes="$(pid_of solicitudes)" tansu="$(pid_of tansu)" \
    postgres="$(pid_of postgres)" -- "$@"
}
# wrk_post CONNECTIONS SECONDS OUT [CPU.json]: wrk over POST /pedidos (scripts/wrk-pedidos.lua), its report in OUT;
# with CPU.json, inside with_cpu.
wrk_post() {
  local command=(wrk -t1 -c"$1" -d"$2"s --latency -s scripts/wrk-pedidos.lua "http://127.0.0.1:$SOLICITUDES_PORT/pedidos")
  if [[ -n "${4:-}" ]]; then with_cpu "$4" "${command[@]}" >"$3" 2>&1; else "${command[@]}" >"$3" 2>&1; fi
}
# solicitudes_as VALUE: solicitudes restarted with its journal of accepted orders on (1) or off (0, the
# reference that shows what the durable journal costs; never a setting for production), then warmed up.
solicitudes_as() {
  bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
  SOLICITUDES_REGISTRO_ACEPTADOS="$1" bash scripts/services.sh start solicitudes >/dev/null 2>&1
  wrk_post 10 2 /dev/null
}
# The broker's own pace: what a POST's one acknowledgement allows with as many records in flight as connections.
# A reference only: without a C compiler the table just lacks its row.
# shellcheck disable=SC2046  # pkg-config's flags are meant to split into words
cc -O2 -o "$RUN/productor_referencia" scripts/productor_referencia.c $(pkg-config --cflags --libs rdkafka) \
  || log "post: scripts/productor_referencia.c did not compile; no broker pace in this run"
for round in 1 2; do
  solicitudes_as 1
  for connections in 10 64; do
    with_cpu "$session/post/cpu-health-c$connections-$round.json" \
      wrk -t1 -c"$connections" -d5s --latency "http://127.0.0.1:$SOLICITUDES_PORT/health" >"$session/post/health-c$connections-$round.txt" 2>&1
    wrk_post "$connections" 5 "$session/post/pedidos-c$connections-$round.txt" "$session/post/cpu-pedidos-c$connections-$round.json"
  done
  solicitudes_as 0
  for connections in 10 64; do
    wrk_post "$connections" 5 "$session/post/pedidos-sin-registro-c$connections-$round.txt" \
      "$session/post/cpu-pedidos-sin-registro-c$connections-$round.json"
  done
  if [[ -x "$RUN/productor_referencia" ]]; then
    for in_flight in 10 64; do
      LD_LIBRARY_PATH="$DEPS/lib" "$RUN/productor_referencia" "$KAFKA_BROKERS" referencia-productor "$in_flight" 5 \
        >"$session/post/broker-k$in_flight-$round.txt" 2>&1 || true
    done
  fi
done
bash scripts/services.sh stop solicitudes >/dev/null 2>&1 || true
fi

# --- transiciones: N=1s and N=5s at 100 and 500 orders/s --------------------------------------------
fase transiciones && for delay in ${RENDIMIENTO_DEMORAS:-1s 5s}; do
  log "transiciones: N=$delay"
  fresh_infrastructure
  services_with_delay "$delay"
  warm_up "$delay"
  for rate in ${RENDIMIENTO_TASAS:-100 500}; do steady "$session/transiciones" "n$delay-r$rate" "$rate" "$duracion" "$delay"; done
done

# --- sostenido: fresh broker, N=1s ------------------------------------------------------------------
if fase sostenido; then
log "sostenido: $tasa_sostenida orders/s for $duracion_sostenida s on a fresh infrastructure"
fresh_infrastructure
services_with_delay 1s
warm_up 1s
steady "$session" "sostenido-r$tasa_sostenida" "$tasa_sostenida" "$duracion_sostenida" 1s
fi

# --- reposo: idle services ------------------------------------------------------------------------
if fase reposo; then
[[ -f "$PEDIDOS_SERVICE_DIR/notificaciones.pid" ]] || services_with_delay 1s
log "reposo: 30 s idle"
sleep 5
sample "$session/reposo.csv" solicitudes procesamiento notificaciones tansu weed
sleep 30
stop_sampling
"$python" scripts/procesos.py resumir "$session/reposo.csv" >"$session/reposo.json"
fi

# --- correo: the SMTP server's pace, and the outbox with a backlog ----------------------------------
if fase correo; then
log "correo: the SMTP server's own pace and the outbox draining $correos mails"
mkdir -p "$session/correo"
lanes="${NOTIFICACIONES_SMTP_CONNECTIONS:-$(grep -o 'NOTIFICACIONES_SMTP_CONNECTIONS` | `[0-9]*' Sources/NotificacionesService/NotificacionesConfiguration.swift | grep -o '[0-9]*$')}"
# Alone (RENDIMIENTO_FASES=correo) the outbox is empty: notificaciones creates the tables, then orders shaped
# like the load's (four transitions, four mails each, as NotificationMail writes them) are added as `sent`.
if [[ "$(sql "SELECT to_regclass('email_outbox') IS NOT NULL")" != t \
      || "$(sql "SELECT count(*) >= $correos + $enviados FROM email_outbox")" != t ]]; then
  [[ -f "$PEDIDOS_SERVICE_DIR/notificaciones.pid" ]] || PEDIDOS_DELAY=1s bash scripts/services.sh start notificaciones >/dev/null 2>&1
  log "correo: adding $(( correos + enviados )) mails to the outbox"
  sql "WITH o AS (
         INSERT INTO orders (id, nombre, precio, correo, state, state_rank, updated_at)
         SELECT 900000000 + g, 'María Peña Ibáñez', (10 + g % 90) || '.50', 'cliente' || g || '@clientes.test', 'finalizado', 3, now()
         FROM generate_series(1, ($correos + $enviados + 3) / 4) g ON CONFLICT DO NOTHING RETURNING id, nombre, precio, correo),
       t AS (
         INSERT INTO order_transitions (order_id, state, entered_at, kafka_partition, kafka_offset)
         SELECT o.id, s.state, now(), 0, 0 FROM o CROSS JOIN unnest(ARRAY['recibido', 'preparando', 'entregando', 'finalizado']) s(state)
         RETURNING order_id, state, entered_at)
       INSERT INTO email_outbox (order_id, state, recipient, subject, body, message_id, status, attempts, sent_at)
       SELECT o.id, t.state, o.correo, 'Tu pedido #' || o.id || ' está ' || t.state,
              'Hola:' || E'\n\n' || 'Tu pedido #' || o.id || ' está ' || t.state || '. Ya lo estamos preparando.' || E'\n\n'
              || 'Pedido: #' || o.id || E'\n' || 'Nombre: ' || o.nombre || E'\n' || 'Precio: ' || o.precio || E'\n'
              || 'Estado: ' || t.state || E'\n' || 'Fecha: ' || to_char(t.entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
              || E'\n\n' || 'Gracias por tu compra.' || E'\n' || 'Pedidos' || E'\n',
              '<pedido-' || o.id || '-' || t.state || '@pedidos.test>', 'sent', 1, now()
       FROM t JOIN o ON o.id = t.order_id" >/dev/null
  sql "VACUUM ANALYZE orders, order_transitions, email_outbox" >/dev/null
fi
bash scripts/services.sh stop notificaciones >/dev/null
reference() {
  "$python" scripts/smtp_referencia.py --host 127.0.0.1 --port "$EMBEDDED_SMTP_PORT" --conexiones "$1" --segundos 10 --json >"$2"
}
reference "$lanes" "$session/correo/referencia-antes.json"
reference 16 "$session/correo/referencia-16.json"
orders=$(( (correos + 3) / 4 ))
sql "UPDATE email_outbox SET status = 'pending', sent_at = NULL, attempts = 0, last_error = NULL, next_attempt_at = now()
     WHERE order_id IN (SELECT DISTINCT order_id FROM email_outbox ORDER BY order_id DESC LIMIT $orders)" >/dev/null
backlog="$(sql "SELECT count(*) FROM email_outbox WHERE status = 'pending'")"
statements=false
statements_reset && statements=true
# From before notificaciones starts: it sends while it is still starting up, and those mails count too.
started=$(date +%s.%N)
PEDIDOS_DELAY=1s bash scripts/services.sh start notificaciones >/dev/null 2>&1
sample "$session/correo/procesos.csv" notificaciones smtp postgres
deadline=$(( $(date +%s) + 600 ))
# Over the partial indexes: a count of the whole table would take PostgreSQL's time from the outbox.
while [[ "$(sql "SELECT EXISTS (SELECT 1 FROM email_outbox WHERE status = 'pending')
                     OR EXISTS (SELECT 1 FROM email_outbox WHERE status = 'sending')")" == t ]] \
      && (( $(date +%s) < deadline )); do sleep 0.5; done
stop_sampling
# The outbox's own view of the drain: mark statements, hand-over waits, SMTP send times.
curl -fsS "http://127.0.0.1:$NOTIFICACIONES_PORT/metrics" | grep -E '^notificaciones_(outbox|smtp|mails_sent)' \
  >"$session/correo/metricas.txt" 2>/dev/null || true
sql "SELECT json_build_object('pendientes_al_inicio', $backlog, 'filas_en_la_tabla', (SELECT count(*) FROM email_outbox), 'enviados', count(*) FILTER (WHERE status = 'sent'),
       'primero', extract(epoch FROM min(sent_at)), 'ultimo', extract(epoch FROM max(sent_at)),
       'correos_por_s', round((count(*) FILTER (WHERE status = 'sent') / nullif(extract(epoch FROM max(sent_at) - min(sent_at)), 0))::numeric, 1),
       'lanes', $lanes)
     FROM email_outbox WHERE sent_at >= to_timestamp($started)" >"$session/correo/outbox.json"
"$python" scripts/procesos.py resumir "$session/correo/procesos.csv" >"$session/correo/procesos.json"
$statements && statements_dump "$session/correo/sentencias.txt"
reference "$lanes" "$session/correo/referencia-despues.json"
fi

# --- volumen: a broker that already holds many records ------------------------------------------------
if fase volumen; then
log "volumen: $precarga records into the broker, then N=1s at 100 and 500 orders/s"
mkdir -p "$session/volumen"
"$PEDIDOS_ROOT/.build/release/carga" precargar --brokers "$KAFKA_BROKERS" --registros "$precarga" >"$session/volumen/precarga.txt" 2>&1
ps -o rss= -p "$(pid_of tansu)" >"$session/volumen/tansu-rss-kb.txt"
services_with_delay 1s
warm_up 1s
for rate in 100 500; do steady "$session/volumen" "n1s-r$rate" "$rate" "$duracion" 1s; done
fi

"$python" scripts/rendimiento_tabla.py "$session" | tee "$session/tabla.md"
log "benchmark done: ${session#$PEDIDOS_ROOT/}/tabla.md"
