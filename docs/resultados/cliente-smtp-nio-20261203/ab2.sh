#!/usr/bin/env bash
# A/B: libcurl (curl, 0491fc5) vs the pipelined SwiftNIO transport with the rendering fast paths (nio2).
# Phase correo (20 000 mails), alternated twice.
set -u
cd /work/main
for round in 1 2; do
  for variant in curl nio2; do
    PEDIDOS_BIN=/work/bin-$variant RENDIMIENTO_SESION=/work/main/resultados/nio/b-$variant-$round RENDIMIENTO_FASES="correo" \
      bash scripts/rendimiento.sh > /work/main/resultados/nio/b-$variant-$round.log 2>&1
  done
done
