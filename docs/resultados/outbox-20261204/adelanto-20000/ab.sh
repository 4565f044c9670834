#!/usr/bin/env bash
# A/B: the outbox draining 20,000 mails, binaries before (/tmp/bin-antes) and after claiming ahead and the
# next take's commit during the last transfer; default settings (8 lanes, take of 8); alternated twice.
set -uo pipefail
cd /work/main
for round in 1 2; do
  for variant in antes despues; do
    bin=/work/main/.build/release; [[ $variant == antes ]] && bin=/tmp/bin-antes
    PEDIDOS_BIN=$bin RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/outbox-ab2/$variant-$round \
      bash scripts/rendimiento.sh >/tmp/outbox-ab2/$variant-$round.log 2>&1
    echo "$variant $round: $(grep -h 'correos/s de la outbox' /tmp/outbox-ab2/$variant-$round/tabla.md)"
  done
done
