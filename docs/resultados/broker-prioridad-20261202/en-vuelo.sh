#!/usr/bin/env bash
# A/B: solicitudes' producer with librdkafka's default in-flight requests vs one request in flight
# (records queued meanwhile travel together in the next one). transiciones at 500/s, N=1s, 30 s.
set -u
cd /work/main
for round in 1 2; do
  for variant in base uno; do
    if [[ $variant == uno ]]; then export KAFKA_PROPERTIES="max.in.flight.requests.per.connection=1"; else unset KAFKA_PROPERTIES; fi
    RENDIMIENTO_SESION=/work/main/resultados/envuelo/$variant-$round RENDIMIENTO_FASES=transiciones RENDIMIENTO_DEMORAS=1s \
      RENDIMIENTO_TASAS="100 500" RENDIMIENTO_DURACION=30 bash scripts/rendimiento.sh > /work/main/resultados/envuelo/$variant-$round.log 2>&1
  done
done
