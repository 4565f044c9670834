#!/usr/bin/env bash
# A/B: embedded PostgreSQL with wal_init_zero on (default) vs off, 100 orders/s, N = 1 s, alternated.
cd /work/main
base="-c log_min_duration_statement=20 -c log_line_prefix='%m [%p] %a '"
for round in 1 2 3; do
  for variant in on off; do
    out=/tmp/pgtail/ab/$variant-$round
    EMBEDDED_PG_OPTIONS="$base -c wal_init_zero=$variant" RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=1s \
      RENDIMIENTO_TASAS=100 RENDIMIENTO_SESION=$out timeout 900 bash scripts/rendimiento.sh > $out.log 2>&1
    cp .run/rendimiento/postgres/postgres.log $out/postgres.log
    ls -l --time-style=full-iso .run/rendimiento/postgres/data/pg_wal > $out/pg_wal.txt
  done
done
