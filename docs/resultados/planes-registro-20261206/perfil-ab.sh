#!/usr/bin/env bash
# solicitudes alone (post_perfil.sh), two binaries alternated three times; after each run, what
# pg_stat_statements says of the journal's INSERT (rows per batch, planning and execution ms per batch).
# Needs: scripts/infra.sh up with
#   EMBEDDED_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
# and CREATE EXTENSION pg_stat_statements (as postgres); ANTES and DESPUES: folders with release binaries.
set -euo pipefail
cd "$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
source .run/infra.env
psql_admin=(psql -h 127.0.0.1 -p 15432 -U postgres pedidos -q)
out=${OUT:-/tmp/planes-registro}
for round in 1 2 3; do
  for variant in antes despues; do
    bin=$ANTES; [[ $variant == despues ]] && bin=$DESPUES
    "${psql_admin[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
    echo "== ronda $round $variant"
    PEDIDOS_BIN=$bin OUT=$out/$variant-$round bash docs/resultados/post-dominio-20261205/post_perfil.sh
    "${psql_admin[@]}" -At -F' | ' -c "SELECT calls, rows, round((total_plan_time/calls)::numeric,4) AS plan_ms,
      round((total_exec_time/calls)::numeric,4) AS exec_ms, left(regexp_replace(query,'\s+',' ','g'),50)
      FROM pg_stat_statements WHERE query ILIKE 'INSERT INTO accepted_orders%' ORDER BY calls DESC LIMIT 1"
  done
done
