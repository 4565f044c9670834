#!/usr/bin/env bash
# Scales the procesamiento workers of each stage by hand or automatically on consumer lag.
# One process per stage (`procesamiento --estado <e> --port <p>`), PIDs, ports and logs under .run/workers/.
#
#   scale-workers.sh <recibido|preparando|entregando|todos> <n>   start/stop workers until the stage has n
#   scale-workers.sh status                                      table: stage, PID, port, partitions, lag
#   scale-workers.sh stop                                        stop every worker started here
#   scale-workers.sh --auto [--min 1] [--max 6] [--interval 5] [--up-lag 200] [--down-lag 10]
#                           [--cooldown 30] [--duration SECONDS] [--estado E ...]
#                                                                control loop on the lag of each stage
#
# Binary: $PEDIDOS_BIN/procesamiento, PEDIDOS_BIN defaults to .build/${PEDIDOS_BUILD:-release} (never built
# here). Environment: .run/infra.env if present (as services.sh does), on top of the caller's.
# Tunables: PEDIDOS_WORKERS_DIR (.run/workers: PID, port and log files), WORKERS_BASE_PORT (18100),
# WORKERS_READY_TIMEOUT (90 s), WORKERS_STOP_TIMEOUT (30 s),
# KAFKA_PARTITIONS (6, used when no worker can tell the real partition count).
# Asking for more workers than partitions is allowed but warned about: the extra ones sit idle as
# hot standbys. --auto never goes above the partition count.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"
# shellcheck disable=SC1091
[[ -f "$RUN/infra.env" ]] && source "$RUN/infra.env"

BUILD="${PEDIDOS_BUILD:-release}"
BIN="${PEDIDOS_BIN:-$PEDIDOS_ROOT/.build/$BUILD}"
WORKERS_DIR="${PEDIDOS_WORKERS_DIR:-$RUN/workers}"
BASE_PORT="${WORKERS_BASE_PORT:-18100}"
READY_TIMEOUT="${WORKERS_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${WORKERS_STOP_TIMEOUT:-30}"
STAGES=(recibido preparando entregando)
# The python3 that ships with the OS (only its standard library is used).
PY="$(command -v /usr/bin/python3 || command -v python3)"
mkdir -p "$WORKERS_DIR"

# ---------------------------------------------------------------------------------------------
# Small helpers

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_stage() { local s; for s in "${STAGES[@]}"; do [[ "$1" == "$s" ]] && return 0; done; return 1; }
now() { date +%s; }

# is_procesamiento PID: that process runs the procesamiento binary (guards against PID reuse).
is_procesamiento() {
  # Read it whole first: `tr | grep -q` could fail under pipefail when grep exits early.
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *procesamiento* ]]
}

# worker_alive PIDFILE: the recorded process runs and really is a procesamiento.
worker_alive() { pid_alive "$1" && is_procesamiento "$(cat "$1")"; }

# exec_done PID: a just-launched worker has exec'd the binary (or has already died).
exec_done() { ! kill -0 "$1" 2>/dev/null || is_procesamiento "$1"; }

# forget STAGE INDEX: remove the files of a worker that is gone.
forget() { rm -f "$WORKERS_DIR/$1-$2.pid" "$WORKERS_DIR/$1-$2.port"; }

# worker_indexes STAGE: indexes of the live workers of STAGE, ascending; stale files are cleaned up.
worker_indexes() {
  local stage="$1" f i
  shopt -s nullglob
  for f in "$WORKERS_DIR/$stage"-*.pid; do
    i="${f##*-}"; i="${i%.pid}"
    if worker_alive "$f"; then echo "$i"; else forget "$stage" "$i"; fi
  done | sort -n
  shopt -u nullglob
}

count_workers() { worker_indexes "$1" | wc -l; }

# port_taken PORT: something listens there, or a live worker of ours has it recorded (a .port file
# left behind by a worker that is gone, e.g. stopped by down.sh, is removed).
port_taken() {
  port_open 127.0.0.1 "$1" && return 0
  shopt -s nullglob
  local f taken=1
  for f in "$WORKERS_DIR"/*.port; do
    if ! worker_alive "${f%.port}.pid"; then rm -f "$f"; continue; fi
    [[ "$(cat "$f")" == "$1" ]] && taken=0
  done
  shopt -u nullglob
  return "$taken"
}

next_port() {
  local p="$BASE_PORT"
  while port_taken "$p"; do
    p=$((p + 1))
    (( p < BASE_PORT + 1000 )) || die "no hay puertos libres entre $BASE_PORT y $((BASE_PORT + 999))"
  done
  echo "$p"
}

next_index() {
  local stage="$1" i=1
  while worker_alive "$WORKERS_DIR/$stage-$i.pid"; do i=$((i + 1)); done
  echo "$i"
}

ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/ready"; }
# ready_or_gone PID PORT: stop waiting when the worker answers /ready or when it has died.
ready_or_gone() { ! kill -0 "$1" 2>/dev/null || ready "$2"; }

# endpoints: "stage pid port origin" lines for every process that consumes for a stage: our
# workers, plus the all-stages procesamiento that services.sh may have started (origin "servicio").
endpoints() {
  local s i svc="${PEDIDOS_SERVICE_DIR:-$RUN/services}/procesamiento.pid"
  for s in "${STAGES[@]}"; do
    for i in $(worker_indexes "$s"); do
      echo "$s $(cat "$WORKERS_DIR/$s-$i.pid") $(cat "$WORKERS_DIR/$s-$i.port") worker"
    done
  done
  if pid_alive "$svc"; then
    for s in "${STAGES[@]}"; do echo "$s $(cat "$svc") ${PROCESAMIENTO_PORT:-8082} servicio"; done
  fi
}

# Reads "stage pid port origin" lines, asks each process for GET /asignacion and prints either
#   table:   one row per process and stage (what `status` shows), or
#   summary: "stage<TAB>lag<TAB>partitions<TAB>answered<TAB>processes" per stage; lag is "-" when
#            nobody answered, partitions is the size of the union of the partitions assigned to the
#            stage's processes, answered/processes tell whether every process answered.
REPORT_PY="$(cat <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
mode = sys.argv[1]
rows = [l.split() for l in sys.stdin if l.strip()]
def fetch(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/asignacion", timeout=8) as r:
            return json.load(r)
    except Exception:
        return None
ports = sorted({r[2] for r in rows})
with ThreadPoolExecutor(max_workers=16) as pool:
    cache = dict(zip(ports, pool.map(fetch, ports)))
def asignacion(port):
    return cache[port]
def stage_entry(doc, stage):
    for e in (doc or {}).get("etapas", []):
        if e.get("estado") == stage:
            return e
    return None
def ranges(nums):
    nums, out = sorted(nums), []
    for n in nums:
        if out and n == out[-1][1] + 1: out[-1][1] = n
        else: out.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in out) or "-"
if mode == "table":
    fmt = "{:<11} {:<9} {:>8} {:>6}  {:<15} {:<12} {:>6}"
    print(fmt.format("ETAPA", "ORIGEN", "PID", "PUERTO", "PARTICIONES", "PAUSADAS", "LAG"))
    totals = {}
    for stage, pid, port, origin in rows:
        t = totals.setdefault(stage, {"procs": 0, "parts": set(), "lag": 0})
        t["procs"] += 1
        e = stage_entry(asignacion(port), stage)
        if e is None:
            print(fmt.format(stage, origin, pid, port, "(sin respuesta)", "", "?"))
            continue
        parts = e.get("particiones", [])
        lag = sum(p["lag"] for p in parts if p.get("lag") is not None)
        t["parts"].update(p["particion"] for p in parts)
        t["lag"] += lag
        print(fmt.format(stage, origin, pid, port, ranges(p["particion"] for p in parts),
                         ranges(p["particion"] for p in parts if p.get("pausada")), lag))
    print()
    for stage, t in totals.items():
        print(f"{stage}: {t['procs']} proceso(s), particiones asignadas {ranges(t['parts'])}, lag total {t['lag']}")
else:
    for stage in sys.argv[2:]:
        lag, seen, answered, procs = 0, set(), 0, 0
        for s, pid, port, origin in rows:
            if s != stage: continue
            procs += 1
            e = stage_entry(asignacion(port), stage)
            if e is None: continue
            answered += 1
            for p in e.get("particiones", []):
                seen.add(p["particion"])
                if p.get("lag") is not None: lag += p["lag"]
        lag_text = str(lag) if answered else "-"
        print(f"{stage}\t{lag_text}\t{len(seen)}\t{answered}\t{procs}")
PY
)"
report() { "$PY" -c "$REPORT_PY" "$@"; }

# collect STAGE...: one pass over every endpoint. Fills, per stage: LAG ("-" if unknown), ASSIGNED
# (partitions assigned to some process right now), PARTS (ASSIGNED, or KAFKA_PARTITIONS, default 6,
# when nothing is assigned yet), ANSWERED and PROCS (processes that answered / that were asked).
declare -A LAG=() ASSIGNED=() PARTS=() ANSWERED=() PROCS=()
collect() {
  local stage lag parts answered procs
  while IFS=$'\t' read -r stage lag parts answered procs; do
    LAG[$stage]="$lag"; ASSIGNED[$stage]="$parts"; ANSWERED[$stage]="$answered"; PROCS[$stage]="$procs"
    (( parts > 0 )) || parts="${KAFKA_PARTITIONS:-6}"
    PARTS[$stage]="$parts"
  done < <(endpoints | report summary "$@")
}

# ---------------------------------------------------------------------------------------------
# Starting and stopping workers. Mutations hold a lock so that a manual call and --auto do not race.

with_lock() {
  local fd
  exec {fd}>"$WORKERS_DIR/.lock"
  flock -w 300 "$fd" || die "otro scale-workers.sh tiene el cerrojo $WORKERS_DIR/.lock"
  local status=0
  "$@" || status=$?
  exec {fd}>&-
  return "$status"
}

# start_workers STAGE K: start K workers in parallel, then wait until each answers /ready.
start_workers() {
  local stage="$1" k="$2" i port pid started=() failed=0
  [[ -x "$BIN/procesamiento" ]] || die "no existe $BIN/procesamiento: compílelo (swift build -c $BUILD --product procesamiento) o use PEDIDOS_BUILD=debug / PEDIDOS_BIN"
  for (( ; k > 0; k-- )); do
    i="$(next_index "$stage")"
    port="$(next_port)"
    echo "$port" >"$WORKERS_DIR/$stage-$i.port"
    daemonize "$BIN/procesamiento" --estado "$stage" --port "$port" >>"$WORKERS_DIR/$stage-$i.log" 2>&1 &
    pid=$!
    # Record the PID once the child has exec'd the binary, so that the next index and port
    # (and any concurrent `status`) see this worker as alive.
    wait_until "$stage worker $i exec" 10 exec_done "$pid" || true
    echo "$pid" >"$WORKERS_DIR/$stage-$i.pid"
    log "$stage: worker $i arrancado (PID $pid, puerto $port)"
    started+=("$i")
  done
  for i in "${started[@]}"; do
    pid="$(cat "$WORKERS_DIR/$stage-$i.pid")"; port="$(cat "$WORKERS_DIR/$stage-$i.port")"
    wait_until "$stage worker $i /ready" "$READY_TIMEOUT" ready_or_gone "$pid" "$port" || true
    if ready "$port"; then
      log "$stage: worker $i listo en http://127.0.0.1:$port"
    else
      log "$stage: el worker $i no quedó listo; últimas líneas de $WORKERS_DIR/$stage-$i.log:"
      tail -n 20 "$WORKERS_DIR/$stage-$i.log" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true
      forget "$stage" "$i"
      failed=1
    fi
  done
  return "$failed"
}

# stop_workers STAGE K: SIGTERM the K newest workers together (one rebalance instead of K), wait for
# them to commit and leave the group, SIGKILL whatever is still there after WORKERS_STOP_TIMEOUT.
stop_workers() {
  local stage="$1" k="$2" i victims pids=() deadline
  mapfile -t victims < <(worker_indexes "$stage" | sort -rn | head -n "$k")
  (( ${#victims[@]} )) || return 0
  for i in "${victims[@]}"; do
    pids+=("$(cat "$WORKERS_DIR/$stage-$i.pid")")
    kill -TERM "${pids[-1]}" 2>/dev/null || true
    log "$stage: deteniendo el worker $i (PID ${pids[-1]}, SIGTERM)"
  done
  deadline=$(( $(now) + STOP_TIMEOUT ))
  for i in "${!victims[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && (( $(now) < deadline )); do sleep 0.1; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      log "$stage: el worker ${victims[$i]} no terminó en ${STOP_TIMEOUT}s; SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    forget "$stage" "${victims[$i]}"
  done
}

# scale_to STAGE N: start or stop workers until STAGE has exactly N.
scale_to() {
  local stage="$1" n="$2" have
  have="$(count_workers "$stage")"
  if (( n > have )); then
    collect "$stage"
    if (( n > PARTS[$stage] )); then
      log "AVISO: $stage tiene ${PARTS[$stage]} particiones; con $n workers, $(( n - PARTS[$stage] )) quedarán sin particiones (en espera, útiles solo como reemplazo ante una caída)"
    fi
    start_workers "$stage" $(( n - have ))
  elif (( n < have )); then
    stop_workers "$stage" $(( have - n ))
  else
    log "$stage: ya tiene $n worker(s)"
  fi
}

stop_all() {
  local s
  for s in "${STAGES[@]}"; do
    stop_workers "$s" "$(count_workers "$s")"
  done
  log "todos los workers de $WORKERS_DIR detenidos"
}

status() {
  local eps
  eps="$(endpoints)"
  if [[ -z "$eps" ]]; then
    echo "No hay workers en marcha (ni procesamiento de services.sh)."
    return 0
  fi
  report table <<<"$eps"
}

# ---------------------------------------------------------------------------------------------
# --auto: per stage, scale up by one when lag > up-lag, down by one when lag < down-lag, never more
# often than once per cooldown, within [min, min(max, partitions)].

AUTO_LOG="$WORKERS_DIR/autoscale.log"
AUTO_CSV="$WORKERS_DIR/autoscale.csv"

# decision STAGE WORKERS LAG DECISION DETAIL: one line to stdout and autoscale.log, one CSV row.
decision() {
  local ts line
  ts="$(date -Iseconds)"
  line="$ts etapa=$1 workers=$2 lag=$3 decisión=$4${5:+ ($5)}"
  echo "$line" | tee -a "$AUTO_LOG"
  echo "$ts,$1,$2,$3,$4" >>"$AUTO_CSV"
}

auto() {
  local min=1 max=6 interval=5 up=200 down=10 cooldown=30 duration="" stages=()
  while (( $# )); do
    case "$1" in
      --min) min="${2:?}"; shift 2 ;;
      --max) max="${2:?}"; shift 2 ;;
      --interval) interval="${2:?}"; shift 2 ;;
      --up-lag) up="${2:?}"; shift 2 ;;
      --down-lag) down="${2:?}"; shift 2 ;;
      --cooldown) cooldown="${2:?}"; shift 2 ;;
      --duration) duration="${2:?}"; shift 2 ;;
      --estado) is_stage "${2:-}" || die "--estado: recibido, preparando o entregando"; stages+=("$2"); shift 2 ;;
      *) die "opción desconocida para --auto: $1" ;;
    esac
  done
  local v
  for v in "$min" "$max" "$interval" "$up" "$down" "$cooldown" ${duration:+"$duration"}; do
    is_uint "$v" || die "--auto: '$v' no es un entero no negativo"
  done
  (( min >= 1 )) || die "--min debe ser al menos 1 (sin workers no hay lag que medir)"
  (( min <= max )) || die "--min ($min) no puede superar --max ($max)"
  (( down < up )) || die "--down-lag ($down) debe ser menor que --up-lag ($up): la banda entre ambos evita oscilar"
  (( interval >= 1 )) || die "--interval debe ser al menos 1 s"
  (( ${#stages[@]} )) || stages=("${STAGES[@]}")

  # Only one control loop at a time.
  exec {AUTO_LOCK_FD}>"$WORKERS_DIR/autoscale.lock"
  flock -n "$AUTO_LOCK_FD" || die "ya hay un scale-workers.sh --auto en marcha (cerrojo $WORKERS_DIR/autoscale.lock)"

  [[ -f "$AUTO_CSV" ]] || echo "time,stage,workers,lag,decision" >"$AUTO_CSV"
  local stop=0 sleeper=""
  trap 'stop=1; [[ -n "$sleeper" ]] && kill "$sleeper" 2>/dev/null || true' INT TERM

  local start end="" s
  start="$(now)"
  [[ -n "$duration" ]] && end=$(( start + duration ))
  # last_change: time of the last scaling per stage (cooldown). most_parts: the most partitions
  # ever seen assigned at once; fewer than that means a rebalance is under way.
  declare -A last_change=() most_parts=()
  for s in "${stages[@]}"; do last_change[$s]=0; most_parts[$s]=0; done
  echo "$(date -Iseconds) autoscale: etapas=${stages[*]} min=$min max=$max intervalo=${interval}s subir>${up} bajar<${down} enfriamiento=${cooldown}s${duration:+ duración=${duration}s}" | tee -a "$AUTO_LOG"

  local n lag parts cap wait_left t
  while (( ! stop )); do
    collect "${stages[@]}"
    for s in "${stages[@]}"; do
      (( stop )) && break
      n="$(count_workers "$s")"
      if (( n < min )); then
        with_lock scale_to "$s" "$min" || true
        decision "$s" "$(count_workers "$s")" "-" "minimo" "había $n, mínimo $min"
        last_change[$s]="$(now)"
        continue
      fi
      lag="${LAG[$s]}"
      (( ASSIGNED[$s] > most_parts[$s] )) && most_parts[$s]="${ASSIGNED[$s]}"
      parts="${PARTS[$s]}"; (( most_parts[$s] > parts )) && parts="${most_parts[$s]}"
      cap=$(( max < parts ? max : parts ))
      # A partial reading (a process did not answer, or partitions are between owners) says
      # nothing reliable about the backlog: wait for the next round instead of acting on it.
      if [[ "$lag" == "-" ]]; then
        decision "$s" "$n" "-" "sin-datos" "ningún proceso respondió /asignacion"
        continue
      elif (( ANSWERED[$s] < PROCS[$s] )); then
        decision "$s" "$n" "$lag" "sin-datos:incompleto" "respondieron ${ANSWERED[$s]} de ${PROCS[$s]} procesos"
        continue
      elif (( ASSIGNED[$s] < most_parts[$s] )); then
        decision "$s" "$n" "$lag" "sin-datos:reequilibrio" "asignadas ${ASSIGNED[$s]} de ${most_parts[$s]} particiones"
        continue
      fi
      wait_left=$(( last_change[$s] + cooldown - $(now) ))
      if (( lag > up )); then
        if (( n >= cap )); then
          decision "$s" "$n" "$lag" "mantener:tope" "lag > $up pero ya hay $n (máximo efectivo $cap: --max $max, $parts particiones)"
        elif (( wait_left > 0 )); then
          decision "$s" "$n" "$lag" "mantener:enfriamiento" "lag > $up; faltan ${wait_left}s de enfriamiento"
        elif with_lock scale_to "$s" $(( n + 1 )); then
          last_change[$s]="$(now)"
          decision "$s" "$(count_workers "$s")" "$lag" "subir" "lag > $up"
        else
          decision "$s" "$(count_workers "$s")" "$lag" "error" "no se pudo arrancar un worker"
        fi
      elif (( lag < down )); then
        if (( n <= min )); then
          decision "$s" "$n" "$lag" "mantener:minimo" "lag < $down, ya en el mínimo $min"
        elif (( wait_left > 0 )); then
          decision "$s" "$n" "$lag" "mantener:enfriamiento" "lag < $down; faltan ${wait_left}s de enfriamiento"
        else
          with_lock scale_to "$s" $(( n - 1 ))
          last_change[$s]="$(now)"
          decision "$s" "$(count_workers "$s")" "$lag" "bajar" "lag < $down"
        fi
      else
        decision "$s" "$n" "$lag" "mantener" "$down <= lag <= $up"
      fi
    done
    (( stop )) && break
    t="$interval"
    if [[ -n "$end" ]]; then
      (( $(now) >= end )) && break
      (( end - $(now) < t )) && t=$(( end - $(now) ))
    fi
    sleep "$t" & sleeper=$!
    wait "$sleeper" 2>/dev/null || true
    sleeper=""
  done
  trap - INT TERM
  echo "$(date -Iseconds) autoscale: fin ($([[ $stop == 1 ]] && echo señal || echo duración cumplida)); los workers siguen en marcha, 'scale-workers.sh stop' los detiene" | tee -a "$AUTO_LOG"
}

# ---------------------------------------------------------------------------------------------

usage() {
  cat <<'USO'
Uso:
  scale-workers.sh <recibido|preparando|entregando|todos> <n>
      arranca o detiene workers de procesamiento (uno por proceso) hasta que la etapa tenga n
  scale-workers.sh status
      etapa, PID, puerto, particiones asignadas, pausadas y lag de cada worker
  scale-workers.sh stop
      detiene todos los workers arrancados con este script (SIGTERM: confirman y salen del grupo)
  scale-workers.sh --auto [--min 1] [--max 6] [--interval 5] [--up-lag 200] [--down-lag 10]
                          [--cooldown 30] [--duration SEGUNDOS] [--estado ETAPA ...]
      bucle de control: por etapa, sube un worker si lag > up-lag y baja uno si lag < down-lag,
      con enfriamiento por etapa; registra cada decisión en .run/workers/autoscale.{log,csv}

Binario: $PEDIDOS_BIN/procesamiento (por defecto .build/${PEDIDOS_BUILD:-release}; no compila nada).
Variables: PEDIDOS_WORKERS_DIR (.run/workers), WORKERS_BASE_PORT (18100), WORKERS_READY_TIMEOUT (90), WORKERS_STOP_TIMEOUT (30),
KAFKA_PARTITIONS (6). Detalles en docs/operacion.md.
USO
  exit 2
}

cmd="${1:-}"
case "$cmd" in
  status) status ;;
  stop) with_lock stop_all ;;
  --auto) shift; auto "$@" ;;
  recibido|preparando|entregando|todos)
    n="${2:-}"
    is_uint "$n" || die "uso: scale-workers.sh $cmd <n>  (n entero >= 0)"
    if [[ "$cmd" == todos ]]; then targets=("${STAGES[@]}"); else targets=("$cmd"); fi
    rc=0
    for s in "${targets[@]}"; do with_lock scale_to "$s" "$n" || rc=1; done
    exit "$rc"
    ;;
  -h|--help|"") usage ;;
  *) log "argumento desconocido: $cmd"; usage ;;
esac
