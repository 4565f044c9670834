#!/bin/bash
# A/B of the outbox settings on the same binaries (release of the working tree), correo phase of rendimiento.sh.
cd /work/main
export EMBEDDED_PG_OPTIONS='-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on'
run() { local name=$1; shift; env "$@" RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/ab1/$name scripts/rendimiento.sh > /tmp/ab1/$name.log 2>&1; }
run l1-b8-1 NOTIFICACIONES_OUTBOX_MARK_LEAD=1
run l4-b8-1 NOTIFICACIONES_OUTBOX_MARK_LEAD=4
run l8-b16-1 NOTIFICACIONES_OUTBOX_BATCH=16
run l1-b16-1 NOTIFICACIONES_OUTBOX_BATCH=16 NOTIFICACIONES_OUTBOX_MARK_LEAD=1
