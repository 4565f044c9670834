#!/usr/bin/env bash
# Contract test phase: fuzzes solicitudes and notificaciones with schemathesis against their OpenAPI
# documents (openapi/*.json, served at GET /openapi.json) and checks that
#   - no answer is a 5xx, and every answer conforms to the document (status, content type, headers, body);
#   - invalid input (schemathesis' negative cases) is rejected;
#   - nothing a rejected request carries is published: the records in `recibido` grow by exactly the
#     number of 202 answers;
#   - a real order's GET /pedidos/{id} and /historial bodies conform too (schemathesis only sees 404s there).
#
#   scripts/contrato.sh        starts the infrastructure if needed and its own services (debug binaries,
#                              own topic prefix and free ports), runs, stops what it started
#
# Bounded for CI: CONTRATO_EJEMPLOS (200) examples per operation and phase; CONTRATO_SEMILLA fixes the
# seed (random otherwise; printed, to reproduce a failure). Reports (JUnit, HAR) in .run/contrato/.
# schemathesis comes from PyPI, pinned in scripts/requirements-contrato.txt (venv .deps/venv-contrato).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

ensure_venv "$DEPS/venv-contrato" "$PEDIDOS_ROOT/scripts/requirements-contrato.txt" \
  "creating the contract-test venv ($DEPS/venv-contrato: schemathesis)"
PY="$DEPS/venv-contrato/bin/python"
ST="$DEPS/venv-contrato/bin/schemathesis"

EXAMPLES="${CONTRATO_EJEMPLOS:-200}"
SEED="${CONTRATO_SEMILLA:-$(( (RANDOM << 15) | RANDOM ))}"
OUT="$RUN/contrato"
rm -rf "$OUT"; mkdir -p "$OUT"

# Infrastructure: start what is not running, stop only that at the end.
started_infra=()
component_running() {
  case "$1" in
    kafka) pid_alive "$RUN/kafka/tansu.pid" ;;
    smtp) pid_alive "$RUN/smtp/smtp.pid" ;;
    postgres) [[ -f "$RUN/infra.env" ]] && source "$RUN/infra.env" && "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/pg_isready" -q -d "$DATABASE_URL" ;;
  esac
}
for c in kafka postgres smtp; do component_running "$c" || started_infra+=("$c"); done

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
prefix="contrato-$(date +%s)-$$-"
export PEDIDOS_SERVICE_DIR="$RUN/e2e-$prefix"
export PEDIDOS_TOPIC_PREFIX="$prefix" PEDIDOS_DELAY="${PEDIDOS_DELAY:-300ms}" LOG_LEVEL="${LOG_LEVEL:-info}"
export SOLICITUDES_PORT="$(free_port)" NOTIFICACIONES_PORT="$(free_port)" PROCESAMIENTO_PORT="$(free_port)"
export PEDIDOS_BUILD="${PEDIDOS_BUILD:-debug}"

cleanup() {
  local status=$?
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  rm -rf "$PEDIDOS_SERVICE_DIR"
  if (( ${#started_infra[@]} )); then bash scripts/infra.sh down "${started_infra[@]}" || true; fi
  exit "$status"
}
trap cleanup EXIT

bash scripts/infra.sh up
source "$RUN/infra.env"
bash scripts/services.sh start
SOL="http://127.0.0.1:$SOLICITUDES_PORT"
NOT="http://127.0.0.1:$NOTIFICACIONES_PORT"
export PEDIDOS_SKIP_BUILD=1
[[ -x ".build/$PEDIDOS_BUILD/carga" ]] || swift build -c "$PEDIDOS_BUILD" --product carga >/dev/null

# The documents the services serve are the ones in the repository.
for svc in solicitudes notificaciones; do
  url="$SOL"; [[ $svc == notificaciones ]] && url="$NOT"
  curl -fsS "$url/openapi.json" -o "$OUT/$svc.served.json"
  "$PY" - "$OUT/$svc.served.json" "openapi/$svc.json" <<'PY' || die "$svc serves a different /openapi.json than openapi/$svc.json"
import json, sys
sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)
PY
done

carga_bin="$PEDIDOS_ROOT/.build/$PEDIDOS_BUILD/carga"
count_recibido() { "$carga_bin" topico contar --brokers "$KAFKA_BROKERS" --topico "${prefix}recibido" --espera 60; }
before="$(count_recibido)"

checks="${CONTRATO_CHEQUEOS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection}"
status=0
run_st() {
  local svc="$1" url="$2"
  log "contract: schemathesis against $svc ($EXAMPLES examples per operation, seed $SEED)"
  (cd "$OUT" && "$ST" --no-color run "$PEDIDOS_ROOT/openapi/$svc.json" --url "$url" \
      --checks "$checks" --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed "$SEED" \
      --workers 2 --request-timeout 15 --generation-database none --suppress-health-check all \
      --report junit,har --report-junit-path "$OUT/$svc.junit.xml" --report-har-path "$OUT/$svc.har" \
      | tee "$OUT/$svc.log") || status=1
}
run_st solicitudes "$SOL"
run_st notificaciones "$NOT"

# Nothing a rejected request carries is published: records added to `recibido` == 202 answers.
accepted="$("$PY" - "$OUT/solicitudes.har" <<'PY'
import json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
print(sum(1 for e in entries if e["request"]["method"] == "POST" and e["response"]["status"] == 202))
PY
)"
after="$(count_recibido)"
log "contract: ${prefix}recibido had $before records, now $after; solicitudes answered 202 to $accepted requests"
if (( after - before != accepted )); then
  log "contract FAILED: $(( after - before )) records published for $accepted accepted orders"
  status=1
fi

# A real order read back from notificaciones conforms to the document too.
id="$(curl -fsS -X POST "$SOL/pedidos" -H 'Content-Type: application/json' \
  -d '{"nombre":"Macbook air M1","precio":759.000,"correo":"correopersonal@correo.com"}' | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
deadline=$(( $(date +%s) + 60 ))
until curl -fsS "$NOT/pedidos/$id" 2>/dev/null | grep -q '"estado":"finalizado"'; do
  (( $(date +%s) < deadline )) || { log "contract FAILED: order $id not finalizado within 60 s"; status=1; break; }
  sleep 0.2
done
curl -fsS "$NOT/pedidos/$id" -o "$OUT/pedido.json" && curl -fsS "$NOT/pedidos/$id/historial" -o "$OUT/historial.json"
"$PY" - openapi/notificaciones.json "$OUT/pedido.json" "$OUT/historial.json" <<'PY' || { log "contract FAILED: GET bodies do not conform"; status=1; }
import json, sys
import jsonschema_rs
spec = json.load(open(sys.argv[1]))
failed = False
for name, path in (("Pedido", sys.argv[2]), ("Historial", sys.argv[3])):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    body = json.load(open(path))
    errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    print(f"{name}: {'conforme' if not errors else errors}")
    failed |= bool(errors)
sys.exit(1 if failed else 0)
PY

if (( status == 0 )); then log "contract tests passed (seed $SEED)"; else log "contract tests FAILED (seed $SEED; reports in $OUT)"; fi
exit "$status"
