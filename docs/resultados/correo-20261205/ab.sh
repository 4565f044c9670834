#!/usr/bin/env bash
# The correo phase of scripts/rendimiento.sh (the SMTP server's own pace with 8 and 16 connections, the outbox
# draining 60,000 mails, the pace again), alternated ROUNDS times between the binaries before this session's change
# (ANTES, built from 517dc0f) and after it (DESPUES), each on fresh infrastructure.
#   ANTES=/tmp/bin-old DESPUES=/tmp/bin-new docs/resultados/correo-20261205/ab.sh ROUNDS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RENDIMIENTO_FASES=correo exec "$here/../../../scripts/ab.sh" "$here" correo "${1:-3}" \
  antes="PEDIDOS_BIN=${ANTES:?binaries before}" despues="PEDIDOS_BIN=${DESPUES:?binaries after}"
