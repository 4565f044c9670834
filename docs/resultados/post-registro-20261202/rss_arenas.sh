#!/usr/bin/env bash
# RSS of the services under a steady load, with and without MALLOC_ARENA_MAX=2.
set -uo pipefail
cd /work/main
export EMBEDDED_KAFKA_STORAGE=memoria PEDIDOS_BUILD=release PEDIDOS_SKIP_BUILD=1
for v in "${@}"; do
  bash scripts/services.sh stop >/dev/null 2>&1; bash scripts/infra.sh down >/dev/null 2>&1
  bash scripts/infra.sh up kafka postgres smtp >/dev/null 2>&1
  source .run/infra.env
  case "$v" in arena2*) export MALLOC_ARENA_MAX=2;; arena16*) export MALLOC_ARENA_MAX=16;; *) unset MALLOC_ARENA_MAX;; esac
  PEDIDOS_DELAY=1s bash scripts/services.sh start >/dev/null 2>&1
  .build/release/carga sostenido --dataset datasets/diamantes.csv --demora 1s --tasa 150 --duracion 40 \
    --smtp-store "$SMTP_STORE" --database-url "$DATABASE_URL" --resultados /tmp/rss_ab/$v --plazo 120 >/tmp/rss_ab-$v.txt 2>&1 &
  cp=$!
  max_p=0; max_n=0; max_s=0
  while kill -0 $cp 2>/dev/null; do
    for s in solicitudes procesamiento notificaciones; do
      r=$(awk '/VmRSS/{print int($2/1024)}' /proc/$(cat .run/services/$s.pid)/status)
      case $s in solicitudes) (( r > max_s )) && max_s=$r;; procesamiento) (( r > max_p )) && max_p=$r;; notificaciones) (( r > max_n )) && max_n=$r;; esac
    done
    sleep 1
  done
  echo "$v: RSS max MB solicitudes=$max_s procesamiento=$max_p notificaciones=$max_n | $(tail -n1 /tmp/rss_ab-$v.txt | cut -c1-200)"
done
bash scripts/services.sh stop >/dev/null 2>&1; bash scripts/infra.sh down >/dev/null 2>&1
