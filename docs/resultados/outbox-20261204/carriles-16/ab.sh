#!/usr/bin/env bash
# The outbox draining 20,000 mails with 8 and with 16 lanes (the reference client uses as many connections), alternated twice.
set -uo pipefail
cd /work/main
for round in 1 2; do
  for lanes in 8 16; do
    NOTIFICACIONES_SMTP_CONNECTIONS=$lanes RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/lanes-ab/c$lanes-$round \
      bash scripts/rendimiento.sh >/tmp/lanes-ab/c$lanes-$round.log 2>&1
    echo "lanes $lanes round $round: $(grep -h 'correos/s de la outbox' /tmp/lanes-ab/c$lanes-$round/tabla.md)"
  done
done
