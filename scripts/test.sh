#!/usr/bin/env bash
# Runs every test of pedidos against a real broker, PostgreSQL and SMTP server.
#
#   scripts/test.sh            bootstrap, start the infrastructure it needs, build, run all tests,
#                              stop what it started; exits non-zero on any failure.
#   scripts/test.sh --filter X only tests matching X (swift test's --filter); fault tests included if they match.
#
# Tests run in phases, each one test at a time (on 2 cores, parallel suites starved each other's
# timing checks): first everything except the fault-injection suites (`…FaultTests`), then the report's
# figures against their results files (`scripts/test_cifras.py`), the benchmark sampler (`scripts/test_procesos.py`), the
# scheduler setting the scripts make before starting daemons (`scripts/test_autogrupo.py`), the HTTP
# contract (`scripts/contrato.sh`: schemathesis against both services with openapi/*.json), then the
# fault suites, which kill and restart shared services, then `scripts/carga.sh --corto` (a few hundred
# orders from a real dataset through the whole system; fails if one is lost, duplicated or not mailed),
# then `scripts/video.sh --corto` (the video's scenario on short settings, recorded and checked, not rendered).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

filter=""
if [[ "${1:-}" == "--filter" ]]; then filter="${2:?--filter needs a pattern}"; fi

bash scripts/bootstrap.sh
# Tests run on the fast in-memory broker unless told otherwise; the one test that needs the durable
# storage (BrokerRestartFaultTests) starts a broker of its own with it.
export EMBEDDED_KAFKA_STORAGE="${EMBEDDED_KAFKA_STORAGE:-memoria}"
# The test cluster keeps PostgreSQL's default WAL, without the 1 GB of segments scripts/infra.sh prepares
# for recycling: tests measure no latency, and a clone's cluster stays on disk after the clone is gone.
# (scripts/prueba-clon.sh checks the preparation, with 64 MB.)
export EMBEDDED_PG_WAL_MB="${EMBEDDED_PG_WAL_MB:-0}"

# Remember which embedded components were already running, so that only ours are stopped at the end.
started=()
already_running() {
  case "$1" in
    kafka) pid_alive "$RUN/kafka/tansu.pid" ;;
    s3) pid_alive "$RUN/s3/weed.pid" ;;
    smtp) pid_alive "$RUN/smtp/smtp.pid" ;;
    postgres) [[ -f "$RUN/postgres/data/postmaster.pid" ]] && kill -0 "$(head -n1 "$RUN/postgres/data/postmaster.pid")" 2>/dev/null ;;
  esac
}
for component in kafka postgres smtp s3; do
  already_running "$component" || started+=("$component")
done
cleanup() {
  local status=$?
  # Services that whole-system tests started (scripts/services.sh with PEDIDOS_SERVICE_DIR=.run/e2e-*).
  for pidfile in "$RUN"/e2e-*/*.pid; do
    [[ -f "$pidfile" ]] && stop_pidfile "$pidfile" 15
  done
  # Brokers (and their SeaweedFS) that a test started on an infrastructure of its own (.run/e2e-*/infra).
  for dir in "$RUN"/e2e-*/infra; do
    [[ -d "$dir" ]] && PEDIDOS_RUN="$dir" bash scripts/infra.sh down kafka s3 || true
  done
  rm -rf "$RUN"/e2e-*
  if (( ${#started[@]} )); then
    log "stopping what this run started: ${started[*]}"
    bash scripts/infra.sh down "${started[@]}" || true
  fi
  exit "$status"
}
trap cleanup EXIT
bash scripts/infra.sh up
source "$RUN/infra.env"

# The tests read the SMTP store from the start; a store grown by earlier runs and demos (tens of MB) only
# slows them down. The server opens the file per message, so renaming it is safe while it runs.
store="$RUN/smtp/messages.jsonl"
if [[ "${SMTP_STORE:-}" == "$store" && -f "$store" ]] && (( $(stat -c %s "$store") > 8 * 1024 * 1024 )); then
  log "rotating the development SMTP store ($(( $(stat -c %s "$store") / 1024 / 1024 )) MB) to messages.jsonl.1"
  mv -f "$store" "$store.1"
fi

log "building (debug, with tests)"
swift build --build-tests

status=0
if [[ -n "$filter" ]]; then
  swift test --skip-build --filter "$filter" || status=$?
else
  log "phase 1: all suites except fault injection"
  swift test --skip-build --skip 'FaultTests' --no-parallel || status=$?
  log "phase 2: first contact (a checkout only root can enter) and the HTTP contract (schemathesis against openapi/*.json)"
  bash scripts/prueba-clon.sh || status=$?
  python3 scripts/test_cifras.py || status=$?   # every figure marked in docs/*.md is in its results file
  python3 scripts/test_procesos.py || status=$?  # the benchmark flags a run during which the machine stopped
  python3 scripts/test_autogrupo.py || status=$?  # the scripts turn the kernel's autogroup scheduling off first
  PEDIDOS_BUILD=debug PEDIDOS_SKIP_BUILD=1 bash scripts/contrato.sh || status=$?
  # One test process per group: the whole-system suites leave their services running until their process
  # exits (TestProcessSweeper), and when a fault suite kills the broker every one of them reconnects at
  # once. So the in-process suites, which time the service's own answer (503 within 5 s), run together in a
  # process of their own, and each whole-system suite in its own, with no other suite's services around.
  in_process='SolicitudesFaultTests|AcceptedOrderJournalFaultTests|KafkaFaultTests|PostgresFaultTests'
  log "phase 3: fault-injection suites, serially (in-process suites, then each whole-system suite in its own process)"
  swift test --skip-build --filter "$in_process" --no-parallel || status=$?
  # Every other `…FaultTests` suite (one per file, named after it), each in its own process.
  for file in Tests/PedidosTests/*FaultTests.swift; do
    suite="$(basename "$file" .swift)"
    [[ "|$in_process|" == *"|$suite|"* ]] && continue
    swift test --skip-build --filter "$suite" --no-parallel || status=$?
  done
  log "phase 4: short load test on a real dataset (fails if an order is lost, duplicated or not mailed)"
  PEDIDOS_BUILD=debug PEDIDOS_SKIP_BUILD=1 bash scripts/carga.sh --corto || status=$?
  # Its own infrastructure and state (.run/video-corto), on every port shifted by 100 so it never meets ours.
  log "phase 5: the video's scenario on short settings (scripts/video.sh --corto: the cast is valid and has every caption)"
  PEDIDOS_BUILD=debug PEDIDOS_SKIP_BUILD=1 VIDEO_DESPLAZAMIENTO_PUERTOS=100 bash scripts/video.sh --corto || status=$?
fi
if (( status == 0 )); then log "all tests passed"; else log "tests FAILED (status $status)"; fi
exit "$status"
