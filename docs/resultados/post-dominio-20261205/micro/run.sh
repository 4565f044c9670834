#!/usr/bin/env bash
# The domain work of one order, before and after 256a8cc, compiled with swiftc -O from each revision's
# Sources/PedidosDomain plus bench.swift (parse the POST body, check nombre and correo, build the record value
# with the schema check, decode it as a consumer does, write the answer's JSON). Prints user CPU of 200,000
# orders per revision, two rounds.   Usage: run.sh [BEFORE] [AFTER]   (default 43417c3 256a8cc)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
for rev in "${1:-43417c3}" "${2:-256a8cc}"; do
  mkdir -p "$work/$rev"
  git -C "$root" archive "$rev" Sources/PedidosDomain | tar -x -C "$work/$rev"
  swiftc -O -wmo -package-name pedidos -parse-as-library $(find "$work/$rev/Sources/PedidosDomain" -name '*.swift') \
    "$here/bench.swift" -o "$work/$rev/bench"
done
for round in 1 2; do
  for rev in "${1:-43417c3}" "${2:-256a8cc}"; do
    /usr/bin/time -f "$rev round $round: %U s user for 200000 orders" "$work/$rev/bench" 200000 >/dev/null
  done
done
