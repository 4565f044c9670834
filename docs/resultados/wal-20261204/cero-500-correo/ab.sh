#!/usr/bin/env bash
# A/B: embedded PostgreSQL with wal_init_zero on vs off (the new default), 500 orders/s N = 1 s, then the outbox
# draining 60,000 mails beside the SMTP server's own pace; alternated three times.
cd /work/main
for round in 1 2 3; do
  for variant in on off; do
    out=/tmp/pgtail/ab2/$variant-$round
    EMBEDDED_PG_OPTIONS="-c log_min_duration_statement=20 -c wal_init_zero=$variant" RENDIMIENTO_FASES="transiciones correo" \
      RENDIMIENTO_DEMORAS=1s RENDIMIENTO_TASAS=500 RENDIMIENTO_SESION=$out timeout 1200 bash scripts/rendimiento.sh > $out.log 2>&1
    cp .run/rendimiento/postgres/postgres.log $out/postgres.log
  done
done
