#!/usr/bin/env bash
# A/B: transitions at 500/s with the mail path (notificaciones, PostgreSQL, SMTP server) at default priority vs nice 10.
set -uo pipefail
cd /work/main
source scripts/lib.sh
export EMBEDDED_KAFKA_STORAGE=memoria
out=/tmp/nice-ab
for round in 1 2; do
  for variant in base nice; do
    bash scripts/services.sh stop >/dev/null 2>&1
    bash scripts/infra.sh down >/dev/null 2>&1
    bash scripts/infra.sh up >/dev/null 2>&1
    source .run/infra.env
    PEDIDOS_DELAY=1s bash scripts/services.sh start >/dev/null 2>&1
    if [[ $variant == nice ]]; then
      for p in $(pgrep -f release/notificaciones) $(pgrep -x postgres) $(pgrep -f smtp_server.py); do renice -n 10 -p $p >/dev/null; done
    fi
    C() { ./.build/release/carga "$@" --solicitudes http://127.0.0.1:8080 --notificaciones http://127.0.0.1:8081 --procesamiento http://127.0.0.1:8082; }
    C rafaga --dataset datasets/supermercado.csv --demora 1s --cantidad 20 --resultados $out/cal >/dev/null 2>&1
    for rate in 100 500; do
      C sostenido --dataset datasets/diamantes.csv --demora 1s --tasa $rate --duracion 60 --resultados $out/$variant-$round-r$rate --plazo 180 > $out/$variant-$round-r$rate.txt 2>&1
      echo "$variant round $round r$rate: $(tail -n1 $out/$variant-$round-r$rate.txt | cut -c1-200)"
      python3 -c "import json,glob;d=json.load(open(glob.glob('$out/$variant-$round-r$rate/*/resumen.json')[0]));print('  retraso',d['retraso_transicion_ms'])"
    done
  done
done
bash scripts/services.sh stop >/dev/null 2>&1
bash scripts/infra.sh down >/dev/null 2>&1
