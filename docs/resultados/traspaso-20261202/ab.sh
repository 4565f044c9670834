# A/B of the end-of-data hook: A = HEAD (task per hook), B = working tree (hook blocks on the commit's semaphore).
cd /work/main
source scripts/lib.sh
R=/work/main/resultados/traspaso-20261202
mkdir -p $R
run() {  # name
  rm -f .run/traspaso-stop; python3 docs/resultados/traspaso-20261202/ctx.py .run/rendimiento/services/notificaciones.pid $R/$1-ctx.json .run/traspaso-stop &
  RENDIMIENTO_FASES=correo RENDIMIENTO_SESION=$R/$1 bash scripts/rendimiento.sh > $R/$1.log 2>&1
  touch .run/traspaso-stop; wait
  python3 docs/resultados/traspaso-20261202/per_mail.py $R/$1-ctx.json $R/$1/correo/outbox.json >> $R/resumen.txt
}
for round in 1 2; do
  git stash -q; swift build -c release > /dev/null 2>&1; run a$round; git stash pop -q
  swift build -c release > /dev/null 2>&1; run b$round
done
echo done > .run/traspaso-done
