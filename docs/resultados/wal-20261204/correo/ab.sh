#!/usr/bin/env bash
# A/B of the outbox: the fase `correo` of scripts/rendimiento.sh (60,000 mails drained, the plain client before
# and after) with PostgreSQL's default WAL (EMBEDDED_PG_WAL_MB=0) vs 1 GB prepared (the default), alternated.
cd /work/main
for round in 1 2 3; do
  for variant in 0 1024; do
    out=/tmp/pgtail/ab4/wal$variant-$round
    EMBEDDED_PG_WAL_MB=$variant RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=$out timeout 1200 bash scripts/rendimiento.sh > $out.log 2>&1
  done
done
