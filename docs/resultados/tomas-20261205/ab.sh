#!/usr/bin/env bash
# The outbox's takes in a backlog, before (ANTES: a share of the claim that shrinks as it empties) and after
# (DESPUES: whole batches), alternated ROUNDS times, each run on fresh infrastructure:
#   tras-sostenido  phases sostenido, reposo and correo, as in the full benchmark: the outbox drains 60,000 mails in
#                   the 300,080-row table the sustained run left (where the full run of 5-12-2026 gave 0.78)
#   correo          the correo phase alone (a 60,000-row table), as in ../correo-20261205
#   transiciones    the transiciones phase at 500 orders/s, N = 1 s and 5 s: mail latency when the outbox keeps up
#   ANTES=/tmp/bin-head DESPUES=/tmp/bin-new docs/resultados/tomas-20261205/ab.sh tras-sostenido|correo|transiciones ROUNDS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${1:?tras-sostenido, correo or transiciones}" in
  tras-sostenido) fases="sostenido reposo correo" ;;
  correo) fases="correo" ;;
  transiciones) fases="transiciones"; export RENDIMIENTO_TASAS=500 ;;
  *) echo "unknown experiment: $1" >&2; exit 2 ;;
esac
RENDIMIENTO_FASES="$fases" exec "$here/../../../scripts/ab.sh" "$here" "$1" "${2:-2}" \
  antes="PEDIDOS_BIN=${ANTES:?binaries before}" despues="PEDIDOS_BIN=${DESPUES:?binaries after}"
