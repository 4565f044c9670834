#!/usr/bin/env bash
# solicitudes alone, its journal reaching PostgreSQL over TCP loopback (the default DATABASE_URL) or over the
# server's Unix socket (libpq `host=<directory>`), alternated twice; post_perfil.sh prints POST/s, GET /health/s
# and the CPU per POST of solicitudes, Tansu and PostgreSQL at 10 and 64 connections.
# Needs: scripts/infra.sh up, release binaries built.
set -euo pipefail
cd "$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
export SOLICITUDES_PORT=${SOLICITUDES_PORT:-8080}
socket_dir=$(readlink -f .run/postgres)   # the embedded server listens there too (`-k`, scripts/infra.sh)
out=${OUT:-/tmp/post-socket}
for round in 1 2; do
  for variant in tcp unix; do
    env="SOLICITUDES_REGISTRO_ACEPTADOS=1"
    [[ $variant == unix ]] && env="$env DATABASE_URL=postgresql://pedidos@127.0.0.1:15432/pedidos?host=$socket_dir"
    echo "== $variant, round $round"
    VARIANT_ENV="$env" OUT="$out/$variant-$round" bash docs/resultados/post-dominio-20261205/post_perfil.sh
  done
done
