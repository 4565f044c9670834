#!/usr/bin/env bash
# A/B: transiciones 500/s N=1s, the mail path (notificaciones, SMTP server[, PostgreSQL]) at nice 10 vs not.
set -u
cd /work/main
out=/work/main/resultados/nice-ab-$(date +%Y%m%d-%H%M)
mkdir -p "$out"
renicer() {  # $1 = pgrep pattern
  while true; do
    for p in $(pgrep -f "$1"); do
      for t in /proc/$p/task/*; do renice -n 10 -p "${t##*/}" >/dev/null 2>&1; done
    done
    sleep 0.3
  done
}
for round in 1 2; do
  for variant in base correo correo-pg; do
    loop=""
    case $variant in
      correo) renicer 'release/notificaciones|smtp_server.py' & loop=$! ;;
      correo-pg) renicer 'release/notificaciones|smtp_server.py|postgres' & loop=$! ;;
    esac
    RENDIMIENTO_FASES=transiciones RENDIMIENTO_TASAS=500 RENDIMIENTO_DEMORAS=1s RENDIMIENTO_SESION="$out/$variant-$round" \
      bash scripts/rendimiento.sh > "$out/$variant-$round.log" 2>&1
    [[ -n $loop ]] && kill $loop
    grep -E "retraso de transición|latencia de correo|POST" "$out/$variant-$round/tabla.md" | head -3 | sed "s/^/$variant-$round: /"
  done
done
