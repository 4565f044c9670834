#!/usr/bin/env bash
# Stops everything scripts/up.sh started (services and the workers of scripts/scale-workers.sh by their
# recorded PIDs, then the infrastructure).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

shopt -s nullglob
for pidfile in "$RUN"/services/*.pid "$RUN"/workers/*.pid; do
  log "stopping $(basename "$pidfile" .pid)"
  stop_pidfile "$pidfile" 20
done
bash "$PEDIDOS_ROOT/scripts/infra.sh" down
log "everything stopped"
