#!/usr/bin/env bash
# Reversed-order pairs (ABBA) of the sustained phase only, final code (prep3 = with DEALLOCATE of stale names).
cd /work/main
source scripts/lib.sh; swift build -c release >/dev/null 2>&1 || { echo build failed > resultados/prep/ab6.done; exit 1; }
mkdir -p /work/bin-prep3 && cp .build/release/{carga,notificaciones,procesamiento,solicitudes} /work/bin-prep3/
for v in prep3-5 base-5 base-6 prep3-6; do
  b=${v%-*}
  PEDIDOS_BIN=/work/bin-$b RENDIMIENTO_SESION=/work/main/resultados/prep/$v \
    RENDIMIENTO_FASES="sostenido correo" RENDIMIENTO_DURACION_SOSTENIDA=150 \
    bash scripts/rendimiento.sh > /work/main/resultados/prep/$v.log 2>&1
done
echo done > resultados/prep/ab6.done
