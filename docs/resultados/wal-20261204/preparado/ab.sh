#!/usr/bin/env bash
# A/B: embedded PostgreSQL with 1 GB of WAL segments prepared to recycle (the new default) vs none
# (EMBEDDED_PG_WAL_MB=0, PostgreSQL's defaults), N = 1 s at 100 then 500 orders/s, alternated three times.
cd /work/main
for round in 1 2 3; do
  for variant in 0 1024; do
    out=/tmp/pgtail/ab3/wal$variant-$round
    EMBEDDED_PG_WAL_MB=$variant EMBEDDED_PG_OPTIONS="-c log_min_duration_statement=20" RENDIMIENTO_FASES=transiciones \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS="100 500" RENDIMIENTO_SESION=$out timeout 1200 bash scripts/rendimiento.sh > $out.log 2>&1
    cp .run/rendimiento/postgres/postgres.log $out/postgres.log
    ls -l --time-style=full-iso .run/rendimiento/postgres/data/pg_wal > $out/pg_wal.txt
  done
done
