#!/usr/bin/env bash
# A/B: transiciones 500/s N=1s; the mail path (notificaciones, PostgreSQL, the SMTP server) in autogroups of nice 10
# (/proc/<pid>/autogroup: with kernel.sched_autogroup_enabled=1 every session is one scheduling entity, so a
# thread's own nice does not weigh against other processes) vs all at nice 0.
set -u
cd /work/main
out=${OUT:-/work/main/resultados/autogrupo-ab-$(date +%Y%m%d-%H%M)}
mkdir -p "$out"; cp "$0" "$out/ab.sh"
renicer() {
  while true; do
    for p in $(pgrep -f "$1"); do echo 10 > /proc/$p/autogroup 2>/dev/null; done
    sleep 0.3
  done
}
for round in ${RONDAS:-1 2 3}; do
  for variant in base correo; do
    loop=""
    [[ $variant == correo ]] && { renicer 'release/notificaciones|smtp_server.py|postgres' & loop=$!; }
    RENDIMIENTO_FASES=transiciones RENDIMIENTO_TASAS=500 RENDIMIENTO_DEMORAS=1s RENDIMIENTO_SESION="$out/$variant-$round" \
      bash scripts/rendimiento.sh > "$out/$variant-$round.log" 2>&1
    [[ -n $loop ]] && kill $loop
    grep -E "retraso de transición|latencia de correo" "$out/$variant-$round/tabla.md" | head -2 | sed "s/^/$variant-$round: /"
  done
done
