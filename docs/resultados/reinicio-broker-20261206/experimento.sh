#!/usr/bin/env bash
# A record produced to a topic that the embedded broker in memory forgot, then the topic created again:
# where does the record end up? Plain librdkafka (its example client), no pedidos code.
#   docs/resultados/reinicio-broker-20261206/experimento.sh 3            # the broker restarts; to partition 3
#   docs/resultados/reinicio-broker-20261206/experimento.sh -1           # the same, partition chosen by librdkafka
#   docs/resultados/reinicio-broker-20261206/experimento.sh 3 borrado    # no restart: the topic deleted by hand
#                                                                        # (borrar_topico.c, a DeleteTopics call)
# Needs scripts/bootstrap.sh (Tansu and librdkafka 2.8.0 in .deps). Uses port 29092 and /tmp/reinicio-broker.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEPS="$(cd "$HERE/../../.." && pwd)/.deps"
WORK=/tmp/reinicio-broker
PARTITION="${1:-3}"
MODE="${2:-reinicio}"
[[ "$MODE" == reinicio || "$MODE" == borrado ]] || { echo "mode: reinicio or borrado, not '$MODE'" >&2; exit 2; }
PORT=29092
mkdir -p "$WORK"
export LD_LIBRARY_PATH="$DEPS/lib"
CLIENT="$WORK/rdkafka_example"
[[ -x "$CLIENT" ]] || gcc -o "$CLIENT" "$DEPS/src/librdkafka-2.8.0/examples/rdkafka_example.c" \
  -I"$DEPS/include" -I"$DEPS/include/librdkafka" -L"$DEPS/lib" -lrdkafka -lpthread
[[ -x "$WORK/borrar_topico" ]] || gcc -o "$WORK/borrar_topico" "$HERE/borrar_topico.c" -I"$DEPS/include" -L"$DEPS/lib" -lrdkafka

start_broker() {
  RUST_LOG=warn "$DEPS/bin/tansu" broker --listener-url "tcp://127.0.0.1:$PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$PORT" --storage-engine memory://tansu/ >>"$WORK/tansu.log" 2>&1 &
  echo $! >"$WORK/tansu.pid"
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return; sleep 0.1; done
  echo "tansu did not start" >&2; exit 1
}
trap 'exec 7>&- 2>/dev/null || true; kill -9 "$(cat "$WORK/tansu.pid")" 2>/dev/null || true; kill "$PRODUCER" 2>/dev/null || true' EXIT

start_broker
# The topic "t1" (created on first use by this auto-creating producer; Tansu gives it 4 partitions).
echo x | "$CLIENT" -P -t t1 -p 0 -b "127.0.0.1:$PORT" >/dev/null 2>&1
# The producer under test, as the services configure it on the embedded broker: no auto-creation, no
# idempotence, one request in flight, acks=all. It keeps its metadata (the topic's partitions) throughout.
rm -f "$WORK/fifo"; mkfifo "$WORK/fifo"
"$CLIENT" -P -t t1 -p "$PARTITION" -b "127.0.0.1:$PORT" -X allow.auto.create.topics=false -X enable.idempotence=false \
  -X max.in.flight.requests.per.connection=1 -X acks=all -d msg <"$WORK/fifo" >"$WORK/producer.log" 2>&1 &
PRODUCER=$!
exec 7>"$WORK/fifo"
echo a >&7; sleep 1                                   # "a": before the topic is gone
if [[ "$MODE" == reinicio ]]; then
  kill -9 "$(cat "$WORK/tansu.pid")"; sleep 0.5; start_broker
else
  "$WORK/borrar_topico" "127.0.0.1:$PORT" t1
fi
echo b >&7; sleep 2                                   # "b": the broker answers, the topic is gone
# "c": a fresh auto-creating client creates the topic again (4 partitions) with a record to partition 0.
echo c | "$CLIENT" -P -t t1 -p 0 -b "127.0.0.1:$PORT" -d msg >"$WORK/creator.log" 2>&1
sleep 3; echo d >&7; sleep 2                          # "d": after the topic exists again
echo e >&7; sleep 2; echo f >&7; sleep 2              # "e", "f": the next writes
report() { grep -a "delivered\|encountered error" "$1" | sed 's/^[0-9.]* RDKAFKA-7-MSGSET: rdkafka#producer-1: \[[^]]*\]: [^ ]* //'; }
echo "== delivery reports of the producer under test, in order (a's only if its broker lived), then of c:"
report "$WORK/producer.log"
report "$WORK/creator.log"
echo "== what a consumer reads from each partition of the re-created topic:"
for p in 0 1 2 3; do
  timeout 5 "$CLIENT" -C -t t1 -p "$p" -o beginning -e -b "127.0.0.1:$PORT" 2>/dev/null | grep -a "^[0-9a-f]\{8\}:" \
    | awk -v p="$p" '{print "partition " p ": " $NF}' || true
done
