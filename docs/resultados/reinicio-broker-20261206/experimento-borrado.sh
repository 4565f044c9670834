#!/usr/bin/env bash
# The same question as experimento.sh, with no restart: the topic deleted by hand (an operator's mistake)
# while a producer writes to it, then created again. Plain librdkafka (its example client and
# borrar_topico.c, a ten-line DeleteTopics call), no pedidos code.
#   docs/resultados/reinicio-broker-20261206/experimento-borrado.sh 3    # to partition 3 of the topic
#   docs/resultados/reinicio-broker-20261206/experimento-borrado.sh -1   # partition chosen by librdkafka
# Needs scripts/bootstrap.sh (Tansu and librdkafka 2.8.0 in .deps). Uses port 29093 and /tmp/borrado-topico.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
DEPS="$ROOT/.deps"
WORK=/tmp/borrado-topico
PARTITION="${1:-3}"
PORT=29093
mkdir -p "$WORK"
export LD_LIBRARY_PATH="$DEPS/lib"
CLIENT="$WORK/rdkafka_example"
[[ -x "$CLIENT" ]] || gcc -o "$CLIENT" "$DEPS/src/librdkafka-2.8.0/examples/rdkafka_example.c" \
  -I"$DEPS/include" -I"$DEPS/include/librdkafka" -L"$DEPS/lib" -lrdkafka -lpthread
[[ -x "$WORK/borrar_topico" ]] || gcc -o "$WORK/borrar_topico" "$HERE/borrar_topico.c" -I"$DEPS/include" -L"$DEPS/lib" -lrdkafka

RUST_LOG=warn "$DEPS/bin/tansu" broker --listener-url "tcp://127.0.0.1:$PORT" \
  --advertised-listener-url "tcp://127.0.0.1:$PORT" --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
TANSU=$!
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
trap 'exec 7>&- 2>/dev/null || true; kill -9 "$TANSU" 2>/dev/null || true; kill "$PRODUCER" 2>/dev/null || true' EXIT

# The topic "t1" (created on first use by this auto-creating producer; Tansu gives it 4 partitions).
echo x | "$CLIENT" -P -t t1 -p 0 -b "127.0.0.1:$PORT" >/dev/null 2>&1
# The producer under test, configured as in experimento.sh; it keeps its metadata across the deletion.
rm -f "$WORK/fifo"; mkfifo "$WORK/fifo"
"$CLIENT" -P -t t1 -p "$PARTITION" -b "127.0.0.1:$PORT" -X allow.auto.create.topics=false -X enable.idempotence=false \
  -X max.in.flight.requests.per.connection=1 -X acks=all -d msg <"$WORK/fifo" >"$WORK/producer.log" 2>&1 &
PRODUCER=$!
exec 7>"$WORK/fifo"
echo a >&7; sleep 1                                   # "a": before the deletion
"$WORK/borrar_topico" "127.0.0.1:$PORT" t1
echo b >&7; sleep 2                                   # "b": the topic deleted, not yet created again
echo c | "$CLIENT" -P -t t1 -p 0 -b "127.0.0.1:$PORT" -d msg >"$WORK/creator.log" 2>&1
sleep 3; echo d >&7; sleep 2                          # "d": after the topic exists again
echo e >&7; sleep 2; echo f >&7; sleep 2              # "e", "f": the partition's next writes
report() { grep -a "delivered\|encountered error" "$1" | sed 's/^[0-9.]* RDKAFKA-7-MSGSET: rdkafka#producer-1: \[[^]]*\]: [^ ]* //'; }
echo "== delivery reports of a, b, d, e and f, then of c:"
report "$WORK/producer.log"
report "$WORK/creator.log"
echo "== what a consumer reads from each partition of the re-created topic:"
for p in 0 1 2 3; do
  timeout 5 "$CLIENT" -C -t t1 -p "$p" -o beginning -e -b "127.0.0.1:$PORT" 2>/dev/null | grep -a "^[0-9a-f]\{8\}:" \
    | awk -v p="$p" '{print "partition " p ": " $NF}' || true
done
