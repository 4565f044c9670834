#!/bin/bash
# A/B of the outbox take size and commit lead, same binaries (release of the working tree), correo phase of
# rendimiento.sh, alternated twice.
cd /work/main
export EMBEDDED_PG_OPTIONS='-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on'
run() { local name=$1; shift; env "$@" RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/ab2/$name scripts/rendimiento.sh > /tmp/ab2/$name.log 2>&1; }
for round in 1 2; do
  run b8-l1-$round NOTIFICACIONES_OUTBOX_BATCH=8 NOTIFICACIONES_OUTBOX_MARK_LEAD=1
  run b16-l1-$round NOTIFICACIONES_OUTBOX_BATCH=16 NOTIFICACIONES_OUTBOX_MARK_LEAD=1
  run b16-l4-$round NOTIFICACIONES_OUTBOX_BATCH=16 NOTIFICACIONES_OUTBOX_MARK_LEAD=4
  run b16-l8-$round NOTIFICACIONES_OUTBOX_BATCH=16 NOTIFICACIONES_OUTBOX_MARK_LEAD=8
done
