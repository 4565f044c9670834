#!/usr/bin/env bash
# The outbox draining 60,000 mails (8 lanes, take of 8), three binaries alternated twice:
#   antes     the code before this session (532cda8)
#   adelanto  + claiming ahead, and the next take's sending commit during the last transfer
#   ejecutor  + each lane on its connection's event loop (withTaskExecutorPreference)
set -uo pipefail
cd /work/main
for round in 1 2; do
  for variant in antes adelanto ejecutor; do
    case $variant in antes) bin=/tmp/bin-antes ;; adelanto) bin=/tmp/bin-adelanto ;; *) bin=/work/main/.build/release ;; esac
    PEDIDOS_BIN=$bin RENDIMIENTO_CORREOS=60000 RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/outbox-ab3/$variant-$round \
      bash scripts/rendimiento.sh >/tmp/outbox-ab3/$variant-$round.log 2>&1
    echo "$variant $round: $(grep -h 'correos/s de la outbox' /tmp/outbox-ab3/$variant-$round/tabla.md)"
    echo "   cpu: $(tr -d '\n ' < /tmp/outbox-ab3/$variant-$round/correo/procesos.json)"
  done
done
