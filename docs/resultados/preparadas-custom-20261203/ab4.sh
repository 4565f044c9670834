#!/usr/bin/env bash
# The second half of the A/B (prep2-1 was run beside a compilation: discarded).
cd /work/main
while [[ ! -f resultados/prep/ab3.done ]]; do sleep 10; done
for v in base prep2; do
  PEDIDOS_BIN=/work/bin-$v RENDIMIENTO_SESION=/work/main/resultados/prep/$v-3 \
    RENDIMIENTO_FASES="post sostenido correo" RENDIMIENTO_DURACION_SOSTENIDA=150 \
    bash scripts/rendimiento.sh > /work/main/resultados/prep/$v-3.log 2>&1
done
echo done > /work/main/resultados/prep/ab4.done
