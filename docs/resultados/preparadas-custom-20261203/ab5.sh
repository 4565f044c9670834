#!/usr/bin/env bash
# A fourth pair.
cd /work/main
while [[ ! -f resultados/prep/ab4.done ]]; do sleep 10; done
for v in base prep2; do
  PEDIDOS_BIN=/work/bin-$v RENDIMIENTO_SESION=/work/main/resultados/prep/$v-4 \
    RENDIMIENTO_FASES="post sostenido correo" RENDIMIENTO_DURACION_SOSTENIDA=150 \
    bash scripts/rendimiento.sh > /work/main/resultados/prep/$v-4.log 2>&1
done
echo done > /work/main/resultados/prep/ab5.done
