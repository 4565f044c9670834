#!/usr/bin/env bash
# Script test: the embedded PostgreSQL works from a checkout that only root can enter (a `mktemp -d`,
# mode 700, like /root). Copies scripts/ there, runs `infra.sh up postgres` on a free port, checks that
# it answers and that nothing was loosened (the checkout stays 700, the data directory is postgres' and
# 700) and that the WAL segments to recycle were prepared (EMBEDDED_PG_WAL_MB, 64 MB here), then
# `infra.sh down postgres` and removes everything it made. Skipped unless run as root (as
# another user PostgreSQL runs as that user and reaches the checkout anyway).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if (( EUID != 0 )); then log "prueba-clon: skipped (not root)"; exit 0; fi

tmp="$(mktemp -d)"
clone="$tmp/pedidos"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data=""
cleanup() {
  local status=$?
  EMBEDDED_PG_PORT="$port" PEDIDOS_DEPS="$DEPS" bash "$clone/scripts/infra.sh" down postgres >/dev/null 2>&1 || true
  [[ -n "$data" && "$data" == */pg-* ]] && rm -rf "$data"
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

fail() { log "prueba-clon FAILED: $*"; exit 1; }
mkdir -p "$clone"
cp -r "$PEDIDOS_ROOT/scripts" "$clone/"
[[ "$(stat -c %a "$tmp")" == 700 ]] || fail "mktemp -d is not 700"
runuser -u postgres -- test -x "$clone" && fail "postgres can enter $clone: the test proves nothing"

log "prueba-clon: infra.sh up postgres from $clone (port $port)"
unset DATABASE_URL
EMBEDDED_PG_WAL_MB=64 EMBEDDED_PG_PORT="$port" PEDIDOS_DEPS="$DEPS" bash "$clone/scripts/infra.sh" up postgres \
  || fail "infra.sh up postgres failed"
[[ -L "$clone/.run/postgres" ]] || fail ".run/postgres is not a link to the data outside the checkout"
data="$(readlink -f "$clone/.run/postgres")"
psql=("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql" -qtA -h 127.0.0.1 -p "$port" -U pedidos -d pedidos)
"${psql[@]}" -c 'SELECT 1' | grep -qx 1 || fail "PostgreSQL does not answer on $port"
[[ "$("${psql[@]}" -c 'SHOW min_wal_size')" == 64MB ]] || fail "min_wal_size is not the 64 MB asked for"
segments="$(pg_wal_segments "$data/data")"
(( segments >= 4 )) || fail "$segments WAL segments in $data/data/pg_wal, not the 4 (64 MB) prepared"
[[ "$(stat -c '%a %U' "$data")" == "700 postgres" ]] || fail "$data is $(stat -c '%a %U' "$data"), not 700 postgres"
[[ "$(stat -c %a "$tmp")" == 700 ]] || fail "the checkout's parent was loosened to $(stat -c %a "$tmp")"
EMBEDDED_PG_PORT="$port" PEDIDOS_DEPS="$DEPS" bash "$clone/scripts/infra.sh" down postgres || fail "infra.sh down postgres failed"
port_open 127.0.0.1 "$port" && fail "PostgreSQL still listens on $port after down"
log "prueba-clon: passed (data in $data, 700 postgres; checkout untouched)"
