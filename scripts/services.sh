#!/usr/bin/env bash
# Starts and stops the three pedidos services as background processes (PIDs under .run/services/).
#
#   services.sh start [solicitudes|procesamiento|notificaciones ...]   start (default: all) and wait for /ready
#   services.sh stop  [name ...]      SIGTERM (graceful: finish in-flight work, commit, leave the group)
#   services.sh kill  name            SIGKILL (fault injection)
#   services.sh info                  URLs and a curl example
#
# Binaries come from $PEDIDOS_BIN, default .build/$PEDIDOS_BUILD (release unless PEDIDOS_BUILD=debug);
# `start` builds them first unless PEDIDOS_SKIP_BUILD=1. Endpoints come from .run/infra.env.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"
[[ -f "$RUN/infra.env" ]] && source "$RUN/infra.env"

BUILD="${PEDIDOS_BUILD:-release}"
BIN="${PEDIDOS_BIN:-$PEDIDOS_ROOT/.build/$BUILD}"
SERVICE_DIR="${PEDIDOS_SERVICE_DIR:-$RUN/services}"
mkdir -p "$SERVICE_DIR"
export SOLICITUDES_PORT="${SOLICITUDES_PORT:-8080}"
export NOTIFICACIONES_PORT="${NOTIFICACIONES_PORT:-8081}"
export PROCESAMIENTO_PORT="${PROCESAMIENTO_PORT:-8082}"
export MIGRATIONS_DIR="${MIGRATIONS_DIR:-$PEDIDOS_ROOT/migrations}"

port_of() {
  case "$1" in
    solicitudes) echo "$SOLICITUDES_PORT" ;;
    notificaciones) echo "$NOTIFICACIONES_PORT" ;;
    procesamiento) echo "$PROCESAMIENTO_PORT" ;;
    *) die "unknown service '$1' (solicitudes, procesamiento, notificaciones)" ;;
  esac
}

ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/ready"; }

start_one() {
  local name="$1" port; port="$(port_of "$name")"
  if pid_alive "$SERVICE_DIR/$name.pid"; then log "$name: already running"; return; fi
  [[ -x "$BIN/$name" ]] || die "$BIN/$name not built"
  # Something else on the port would answer our readiness checks: refuse instead of fooling them.
  port_open 127.0.0.1 "$port" && die "$name: port $port is already in use by another process"
  log "$name: starting on 127.0.0.1:$port"
  daemonize "$BIN/$name" >>"$SERVICE_DIR/$name.log" 2>&1 &
  echo $! > "$SERVICE_DIR/$name.pid"
}

wait_ready() {
  local name="$1" port; port="$(port_of "$name")"
  wait_until "$name /ready" 90 ready "$port" || { tail -n 30 "$SERVICE_DIR/$name.log" >&2; die "$name did not become ready"; }
  log "$name: ready"
}

services() { if (( $# )); then echo "$@"; else echo notificaciones procesamiento solicitudes; fi; }

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    if [[ "${PEDIDOS_SKIP_BUILD:-0}" != 1 ]]; then
      log "building the services ($BUILD)"
      swift build -c "$BUILD" --product solicitudes >/dev/null
      swift build -c "$BUILD" --product procesamiento >/dev/null
      swift build -c "$BUILD" --product notificaciones >/dev/null
    fi
    share_cpu_per_thread
    for s in $(services "$@"); do start_one "$s"; done
    for s in $(services "$@"); do wait_ready "$s"; done
    ;;
  stop) for s in $(services "$@"); do stop_pidfile "$SERVICE_DIR/$s.pid" 30; done ;;
  kill)
    (( $# )) || die "kill needs a service name"
    for s in "$@"; do
      [[ -f "$SERVICE_DIR/$s.pid" ]] && kill -KILL "$(cat "$SERVICE_DIR/$s.pid")" 2>/dev/null || true
      rm -f "$SERVICE_DIR/$s.pid"
    done
    ;;
  info)
    cat <<INFO
    solicitudes             http://127.0.0.1:$SOLICITUDES_PORT/pedidos
    notificaciones          http://127.0.0.1:$NOTIFICACIONES_PORT/pedidos/<id>  (y /historial)
    procesamiento           http://127.0.0.1:$PROCESAMIENTO_PORT/asignacion  (demora: ${PEDIDOS_DELAY:-5s} por estado)
    registros               $SERVICE_DIR/*.log

  Prueba (el id lo asigna solicitudes; se toma de la respuesta):
    id=\$(curl -s -X POST http://127.0.0.1:$SOLICITUDES_PORT/pedidos -H 'Content-Type: application/json' \\
         -d '{"nombre":"Macbook air M1","precio":759.000,"correo":"correopersonal@correo.com"}' | grep -o '"id":[0-9]*' | cut -d: -f2)
    curl -s http://127.0.0.1:$NOTIFICACIONES_PORT/pedidos/\$id
    curl -s http://127.0.0.1:$NOTIFICACIONES_PORT/pedidos/\$id/historial
INFO
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
