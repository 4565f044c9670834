#!/usr/bin/env bash
# A/B: the outbox draining 20,000 mails, lane take of 8 (default) vs 32, alternated twice.
set -uo pipefail
cd /work/main
for round in 1 2; do
  for batch in 8 32; do
    NOTIFICACIONES_OUTBOX_BATCH=$batch RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=/tmp/outbox-ab/b$batch-$round \
      bash scripts/rendimiento.sh >/tmp/outbox-ab/b$batch-$round.log 2>&1
    echo "batch $batch round $round: $(cat /tmp/outbox-ab/b$batch-$round/correo/outbox.json) ref $(python3 -c "import json;print(json.load(open('/tmp/outbox-ab/b$batch-$round/correo/referencia-antes.json'))["mails_per_s"])")"
  done
done
