#!/bin/bash
# Runs sonda-fetch.c against a Tansu of its own (the embedded broker's binary, memory storage, port 19092) for
# fetch.wait.max.ms = 100, 200, 250, 500 and 1000 ms. Output: sonda-fetch.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../../.." && pwd)"; deps="$root/.deps"
work="$(mktemp -d)"; trap 'kill "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -o "$work/sonda" "$here/sonda-fetch.c" -I"$deps/include" -L"$deps/lib" -lrdkafka -lpthread -Wl,-rpath,"$deps/lib"
RUST_LOG=warn "$deps/bin/tansu" broker --listener-url tcp://127.0.0.1:19092 --advertised-listener-url tcp://127.0.0.1:19092 \
  --storage-engine memory://tansu/ >"$work/tansu.log" 2>&1 &
broker=$!
sleep 2
"$deps/bin/tansu" topic create --broker tcp://127.0.0.1:19092 --partitions 6 sonda >/dev/null
for wait in 100 200 250 500 1000; do
  echo "fetch.wait.max.ms=$wait: $("$work/sonda" 127.0.0.1:19092 sonda 20 8 fetch.wait.max.ms "$wait" 2>/dev/null | tail -n1)"
done | tee "$here/sonda-fetch.txt"
