#!/usr/bin/env bash
# Embedded infrastructure for pedidos: Kafka-compatible broker (Tansu), PostgreSQL and an SMTP server,
# on loopback only, state under .run/. Each component is skipped when its endpoint is given from outside
# (KAFKA_BROKERS, DATABASE_URL, SMTP_URL), so the same code runs against Apache Kafka, a managed
# PostgreSQL or Gmail.
#
#   infra.sh up    [kafka|postgres|smtp|s3 ...]   start (default: all) and wait until each answers
#   infra.sh down  [kafka|postgres|smtp|s3 ...]   stop gracefully (default: all, s3 last)
#   infra.sh kill  kafka|postgres|smtp|s3         SIGKILL (fault-injection in tests)
#   infra.sh start|stop  <component>              the same as up/down for one component
#   infra.sh env                                  print the environment the services and tests use
#
# The broker's storage is EMBEDDED_KAFKA_STORAGE:
#   memoria  Tansu keeps everything in memory and forgets it when it restarts (fast; tests use it)
#   s3       durable: Tansu keeps topics, records and committed offsets in the bucket `tansu` of an
#            embedded SeaweedFS (`weed mini`, component `s3`, data under .run/s3/, started before kafka
#            and stopped after it; S3 on 127.0.0.1:EMBEDDED_S3_PORT, its other listeners on the next
#            nine ports). scripts/up.sh chooses it.
# Unset, it is the one the broker last ran with here (else memoria), so `kill kafka` then `up kafka`
# brings Tansu back with its records (s3) or empty (memoria).
#
# The resolved endpoints are written to .run/infra.env (sourced by up.sh, test.sh and the tests).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENV_FILE="$RUN/infra.env"
mkdir -p "$RUN"

# Endpoints given from outside win. A value equal to the embedded default (e.g. exported from
# .run/infra.env by an earlier call) still means "the embedded one".
EMBEDDED_KAFKA_URL="127.0.0.1:$EMBEDDED_KAFKA_PORT"
EMBEDDED_DB_URL="postgresql://pedidos@127.0.0.1:$EMBEDDED_PG_PORT/pedidos"
EMBEDDED_SMTP_URL="smtp://127.0.0.1:$EMBEDDED_SMTP_PORT"
external() { [[ -n "$1" && "$1" != "$2" ]] && echo "$1" || true; }
EXTERNAL_KAFKA="$(external "${KAFKA_BROKERS:-}" "$EMBEDDED_KAFKA_URL")"
EXTERNAL_DB="$(external "${DATABASE_URL:-}" "$EMBEDDED_DB_URL")"
EXTERNAL_SMTP="$(external "${SMTP_URL:-}" "$EMBEDDED_SMTP_URL")"

pg_bin() {
  local dir; dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$dir" ]] || die "PostgreSQL server binaries not found (run scripts/bootstrap.sh)"
  echo "$dir"
}

as_postgres() {
  if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi
}

# warn_ephemeral NAME PORT: a listening port inside the kernel's ephemeral range can be taken, while its
# server is down, by a client reconnecting to it (TCP self-connect: source port = destination port), and
# the server then cannot start again (seen with Tansu on 59092 after a kill: AddrInUse).
warn_ephemeral() {
  local low high
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || return 0
  if (( $2 >= low && $2 <= high )); then
    log "warning: $1 port $2 is inside the ephemeral range $low-$high: after a restart, a reconnecting client may hold it (prefer a port outside it, e.g. the defaults)"
  fi
}

# --- S3 store for the broker (SeaweedFS `weed mini`) -------------------------------------------
# Unset: the storage the broker last ran with here (so `kill kafka` + `up kafka` keeps it), else memoria.
KAFKA_STORAGE="${EMBEDDED_KAFKA_STORAGE:-$(cat "$RUN/kafka/storage" 2>/dev/null || echo memoria)}"
case "$KAFKA_STORAGE" in
  memoria|memory) KAFKA_STORAGE=memoria ;;
  s3|disco) KAFKA_STORAGE=s3 ;;
  *) die "EMBEDDED_KAFKA_STORAGE='$KAFKA_STORAGE' (memoria or s3)" ;;
esac
# The storage of the running broker (it may differ from the requested one if it was already running).
running_storage() {
  if pid_alive "$RUN/kafka/tansu.pid"; then cat "$RUN/kafka/storage" 2>/dev/null || echo memoria; else echo "$KAFKA_STORAGE"; fi
}

S3_DIR="$RUN/s3"
S3_BUCKET="tansu"
S3_ENDPOINT="http://127.0.0.1:$EMBEDDED_S3_PORT"
# weed mini listens on ten ports: S3 (EMBEDDED_S3_PORT) and, above it, master, volume, filer and admin
# (HTTP and gRPC each) and the S3 gRPC port. Every one is given, so none falls on weed's defaults.
s3_ports() { local p="$EMBEDDED_S3_PORT"; echo "$p $((p+1)) $((p+2)) $((p+3)) $((p+4)) $((p+5)) $((p+6)) $((p+7)) $((p+8)) $((p+9))"; }
s3_ready() { curl -fsS -o /dev/null --max-time 2 -I "$S3_ENDPOINT/$S3_BUCKET"; }
s3_up() {
  mkdir -p "$S3_DIR/data"
  if pid_alive "$S3_DIR/weed.pid"; then log "s3: already running"; return; fi
  [[ -x "$DEPS/bin/weed" ]] || die "weed not installed (run scripts/bootstrap.sh)"
  local port; for port in $(s3_ports); do
    port_open 127.0.0.1 "$port" && die "s3: port $port is already in use (EMBEDDED_S3_PORT=$EMBEDDED_S3_PORT takes it and the next nine)"
  done
  local p="$EMBEDDED_S3_PORT" socket="$S3_DIR/s3.sock"
  (( ${#socket} < 100 )) || socket="/tmp/pedidos-weed-s3-$p.sock"
  log "s3: starting SeaweedFS (weed mini) on $S3_ENDPOINT, bucket $S3_BUCKET, data in $S3_DIR/data"
  daemonize "$DEPS/bin/weed" mini -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$p" -master.port=$((p+1)) -master.port.grpc=$((p+2)) -volume.port=$((p+3)) \
    -volume.port.grpc=$((p+4)) -filer.port=$((p+5)) -filer.port.grpc=$((p+6)) -s3.port.grpc=$((p+7)) \
    -admin.port=$((p+8)) -admin.port.grpc=$((p+9)) -admin.ui=false -webdav=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -s3.localSocket="$socket" -bucket="$S3_BUCKET" >>"$S3_DIR/weed.log" 2>&1 &
  echo $! > "$S3_DIR/weed.pid"
  # Tansu needs the bucket: wait until S3 answers HEAD on it (weed creates it at start-up).
  wait_until "SeaweedFS S3 bucket $S3_BUCKET on port $p" 60 s3_ready \
    || { tail -n 20 "$S3_DIR/weed.log" >&2; die "s3 did not start"; }
}
s3_down() { stop_pidfile "$S3_DIR/weed.pid" 20; }
s3_kill() { [[ -f "$S3_DIR/weed.pid" ]] && kill -KILL "$(cat "$S3_DIR/weed.pid")" 2>/dev/null; rm -f "$S3_DIR/weed.pid"; }

# --- Kafka (Tansu) ------------------------------------------------------------------------------
kafka_up() {
  if [[ -n "$EXTERNAL_KAFKA" ]]; then log "kafka: using external brokers $EXTERNAL_KAFKA"; return; fi
  warn_ephemeral kafka "$EMBEDDED_KAFKA_PORT"
  local dir="$RUN/kafka"; mkdir -p "$dir"
  # A broker on s3 needs its store, also when the store alone was stopped or killed.
  [[ "$(running_storage)" == s3 ]] && s3_up
  if pid_alive "$dir/tansu.pid"; then log "kafka: already running ($(running_storage) storage)"; return; fi
  [[ -x "$DEPS/bin/tansu" ]] || die "tansu not installed (run scripts/bootstrap.sh)"
  local engine="memory://tansu/"
  [[ "$KAFKA_STORAGE" == s3 ]] && engine="s3://$S3_BUCKET/"
  log "kafka: starting Tansu on 127.0.0.1:$EMBEDDED_KAFKA_PORT ($KAFKA_STORAGE storage)"
  echo "$KAFKA_STORAGE" > "$dir/storage"
  # The S3 client reads AWS_*: the embedded store accepts any key; plain HTTP on loopback.
  AWS_ENDPOINT="$S3_ENDPOINT" AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=pedidos AWS_SECRET_ACCESS_KEY=pedidos \
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  RUST_LOG="${TANSU_LOG:-warn}" daemonize "$DEPS/bin/tansu" broker \
    --listener-url "tcp://127.0.0.1:$EMBEDDED_KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$EMBEDDED_KAFKA_PORT" \
    --storage-engine "$engine" >>"$dir/tansu.log" 2>&1 &
  echo $! > "$dir/tansu.pid"
  # Alive and listening: a port inside the kernel's ephemeral range (32768-60999) can be held by a client's
  # reconnection that connected to itself while the broker was down; Tansu then dies at bind (AddrInUse).
  wait_until "Tansu on port $EMBEDDED_KAFKA_PORT" 30 kafka_answers \
    || { tail -n 20 "$dir/tansu.log" >&2; die "kafka did not start"; }
}
kafka_answers() { pid_alive "$RUN/kafka/tansu.pid" && port_open 127.0.0.1 "$EMBEDDED_KAFKA_PORT"; }
kafka_down() { stop_pidfile "$RUN/kafka/tansu.pid" 10; }
kafka_kill() { [[ -f "$RUN/kafka/tansu.pid" ]] && kill -KILL "$(cat "$RUN/kafka/tansu.pid")" 2>/dev/null; rm -f "$RUN/kafka/tansu.pid"; }

# --- PostgreSQL ---------------------------------------------------------------------------------
# As root, PostgreSQL runs as the `postgres` user, which cannot enter a checkout under a directory only
# root can enter (/root, `mktemp -d`). Its files (data, socket, log) then live in
# $PEDIDOS_PG_STATE/pg-<hash of the .run path> (default /var/lib/pedidos: root's, mode 755), a directory
# owned by postgres with mode 700, and .run/postgres is a symlink to it; nothing else is made reachable.
# A .run/postgres that already is a real directory with a cluster in it keeps being used.
pg_dir() {
  local link="$RUN/postgres"
  if (( EUID != 0 )) || [[ -f "$link/data/PG_VERSION" && ! -L "$link" ]]; then echo "$link"; return; fi
  echo "${PEDIDOS_PG_STATE:-/var/lib/pedidos}/pg-$(printf '%s' "$RUN" | sha256sum | cut -c1-16)"
}
PG_DIR="$(pg_dir)"
pg_prepare_dir() {
  if [[ "$PG_DIR" == "$RUN/postgres" ]]; then
    mkdir -p "$PG_DIR"
    (( EUID == 0 )) && chown postgres:postgres "$PG_DIR"
    return 0
  fi
  local parent; parent="$(dirname "$PG_DIR")"
  [[ -d "$parent" ]] || install -d -m 755 "$parent"
  install -d -m 700 -o postgres -g postgres "$PG_DIR"
  # An empty leftover directory from before (initdb could not reach it) makes way for the link.
  [[ -d "$RUN/postgres" && ! -L "$RUN/postgres" ]] && rm -rf "$RUN/postgres"
  ln -sfn "$PG_DIR" "$RUN/postgres"
}
pg_up() {
  if [[ -n "$EXTERNAL_DB" ]]; then log "postgres: using external database"; return; fi
  local bin wal_megabytes; bin="$(pg_bin)"; wal_megabytes="$(pg_wal_megabytes)"
  pg_prepare_dir
  if [[ ! -f "$PG_DIR/data/PG_VERSION" ]]; then
    log "postgres: initdb (throwaway cluster in $PG_DIR/data)"
    as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    log "postgres: starting on 127.0.0.1:$EMBEDDED_PG_PORT"
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $EMBEDDED_PG_PORT -k $PG_DIR -c max_connections=200 $(pg_wal_options "$wal_megabytes") ${EMBEDDED_PG_OPTIONS:-}" >/dev/null \
      || { tail -n 20 "$PG_DIR/postgres.log" >&2; die "postgres did not start"; }
  fi
  wait_until "PostgreSQL" 30 "$bin/pg_isready" -q -h 127.0.0.1 -p "$EMBEDDED_PG_PORT"
  local psql=("$bin/psql" -h 127.0.0.1 -p "$EMBEDDED_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'pedidos'")" != 1 ]]; then
    "${psql[@]}" -d postgres -c "CREATE ROLE pedidos LOGIN"
  fi
  if [[ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'pedidos'")" != 1 ]]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE pedidos OWNER pedidos"
  fi
  pg_prepare_wal "$wal_megabytes" "${psql[@]}"
}
# WAL segments ready to recycle (docs/rendimiento.md §2). A new cluster has one 16 MB segment and creates
# each next one by writing it full of zeros and fsyncing it, while every commit in flight waits: 70-150 ms
# here, once per 16 MB of WAL (every ~16 s at 100 orders/s), until checkpoints leave old segments to
# recycle. So a cluster keeps EMBEDDED_PG_WAL_MB (1024; 0: PostgreSQL's defaults) of segments for recycling
# (min_wal_size), and a new one makes them once, at start: that much WAL of logical messages nobody reads
# (~3 s) and a checkpoint. Turning the zero-filling off instead (wal_init_zero=off) made each later WAL write
# allocate disk blocks and was worse at 500 orders/s.
pg_wal_megabytes() {
  local megabytes="${EMBEDDED_PG_WAL_MB:-1024}"
  [[ "$megabytes" =~ ^[0-9]+$ ]] && { (( megabytes == 0 || megabytes >= 32 )); } \
    || die "EMBEDDED_PG_WAL_MB must be 0 or a whole number of megabytes >= 32, not '$megabytes'"
  echo "$megabytes"
}
# pg_wal_options MEGABYTES: the server options that keep them. max_wal_size is twice that and more: PostgreSQL
# starts a checkpoint after max_wal_size / 1.9 of WAL, and one in the middle of the preparation would recycle
# the first segments for the rest of it (fewer files made).
pg_wal_options() {
  local megabytes="$1" most
  most=$(( 2 * megabytes + 64 > 1024 ? 2 * megabytes + 64 : 1024 ))
  (( megabytes > 0 )) && echo "-c min_wal_size=${megabytes}MB -c max_wal_size=${most}MB"
  return 0
}
# pg_prepare_wal MEGABYTES PSQL...: makes them on a cluster that has fewer, through the psql command given.
pg_prepare_wal() {
  local megabytes="$1"; shift
  (( megabytes > 0 )) || return 0
  # Segments are 16 MB (initdb's default, which pg_up uses).
  (( $(pg_wal_segments "$PG_DIR/data") * 16 >= megabytes )) && return 0
  # A server started before with less (EMBEDDED_PG_WAL_MB=0, as scripts/test.sh does) would remove them again.
  local kept; kept="$("$@" -d postgres -c "SELECT setting FROM pg_settings WHERE name = 'min_wal_size'")"
  if (( kept < megabytes )); then
    log "postgres: already running with min_wal_size=${kept}MB; restart it to keep $megabytes MB of WAL"
    return 0
  fi
  log "postgres: preparing $megabytes MB of WAL segments to recycle"
  "$@" -d postgres -c "SELECT count(pg_logical_emit_message(false, 'pedidos-wal', repeat('0', 1048576))) FROM generate_series(1, $megabytes)" >/dev/null
  "$@" -d postgres -c "CHECKPOINT"
}
pg_down() {
  [[ -n "$EXTERNAL_DB" ]] && return
  [[ -f "$PG_DIR/data/postmaster.pid" ]] || return 0
  as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}
pg_kill() {
  [[ -f "$PG_DIR/data/postmaster.pid" ]] || return 0
  local pid; pid="$(head -n1 "$PG_DIR/data/postmaster.pid")"
  kill -KILL "$pid" 2>/dev/null || true
  # Wait until the postmaster is really gone (not a zombie pg_ctl would still call running) and
  # its orphaned backends have closed the port.
  wait_until "PostgreSQL to die" 15 bash -c "! kill -0 $pid 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$EMBEDDED_PG_PORT) 2>/dev/null" || true
}

# --- SMTP ---------------------------------------------------------------------------------------
smtp_up() {
  if [[ -n "$EXTERNAL_SMTP" ]]; then log "smtp: using external server $EXTERNAL_SMTP"; return; fi
  local dir="$RUN/smtp"; mkdir -p "$dir"
  if pid_alive "$dir/smtp.pid"; then log "smtp: already running"; return; fi
  log "smtp: starting the development SMTP server on 127.0.0.1:$EMBEDDED_SMTP_PORT (store: $dir/messages.jsonl)"
  daemonize "$DEPS/venv/bin/python" "$PEDIDOS_ROOT/scripts/smtp_server.py" --host 127.0.0.1 \
    --port "$EMBEDDED_SMTP_PORT" --store "$dir/messages.jsonl" >>"$dir/smtp.log" 2>&1 &
  echo $! > "$dir/smtp.pid"
  wait_until "SMTP on port $EMBEDDED_SMTP_PORT" 30 port_open 127.0.0.1 "$EMBEDDED_SMTP_PORT" \
    || { tail -n 20 "$dir/smtp.log" >&2; die "smtp did not start"; }
}
smtp_down() { stop_pidfile "$RUN/smtp/smtp.pid" 10; }
smtp_kill() { [[ -f "$RUN/smtp/smtp.pid" ]] && kill -KILL "$(cat "$RUN/smtp/smtp.pid")" 2>/dev/null; rm -f "$RUN/smtp/smtp.pid"; }

write_env() {
  {
    echo "# Written by scripts/infra.sh; source it to talk to the running infrastructure."
    echo "export KAFKA_BROKERS='${EXTERNAL_KAFKA:-$EMBEDDED_KAFKA_URL}'"
    echo "export DATABASE_URL='${EXTERNAL_DB:-$EMBEDDED_DB_URL}'"
    echo "export SMTP_URL='${EXTERNAL_SMTP:-$EMBEDDED_SMTP_URL}'"
    echo "export SMTP_FROM='${SMTP_FROM:-Pedidos <pedidos@pedidos.test>}'"
    [[ -n "${SMTP_USER:-}" ]] && echo "export SMTP_USER='$SMTP_USER'"
    [[ -n "${SMTP_PASSWORD:-}" ]] && echo "export SMTP_PASSWORD='$SMTP_PASSWORD'"
    [[ -z "$EXTERNAL_SMTP" ]] && echo "export SMTP_STORE='$RUN/smtp/messages.jsonl'"
    [[ -z "$EXTERNAL_KAFKA" ]] && echo "export KAFKA_PROFILE='${KAFKA_PROFILE:-embedded}'"
    [[ -z "$EXTERNAL_KAFKA" ]] && echo "export EMBEDDED_KAFKA_STORAGE='$(running_storage)'"
    [[ -n "$EXTERNAL_KAFKA" ]] && echo "export KAFKA_PROFILE='${KAFKA_PROFILE:-cluster}'"
    echo "export PEDIDOS_INFRA='$PEDIDOS_ROOT/scripts/infra.sh'"
    echo "export LD_LIBRARY_PATH='$DEPS/lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  } > "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# Default components: up starts s3 only for the s3 storage (kafka_up starts it anyway when needed);
# down stops it whatever the storage, after the broker that writes to it.
components() {
  if (( $# > 1 )); then echo "${@:2}"
  elif [[ "$1" == up ]]; then echo kafka postgres smtp
  else echo kafka postgres smtp s3; fi
}
run_each() {
  local action="$1"; shift
  for c in $(components "$action" "$@"); do
    case "$c" in
      kafka) "kafka_$action" ;;
      postgres|pg) "pg_$action" ;;
      smtp) "smtp_$action" ;;
      s3|weed) if [[ "$action" == up && -n "$EXTERNAL_KAFKA" ]]; then log "s3: not needed by external brokers"; else "s3_$action"; fi ;;
      *) die "unknown component '$c' (kafka, postgres, smtp, s3)" ;;
    esac
  done
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up|start) share_cpu_per_thread; run_each up "$@"; write_env ;;
  down|stop) run_each down "$@" ;;
  kill) (( $# )) || die "kill needs a component"; run_each kill "$@" ;;
  env) write_env; cat "$ENV_FILE" ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
