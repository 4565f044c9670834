#!/usr/bin/env python3
"""Per second of the run: transitions more than 50 ms late (carga's por_pedido.csv, by the second of the new
state's timestamp) beside the run delay (time runnable but waiting for a CPU) that espera_cpu.py measured for the
dispatcher thread (NIO-ELT-1-#1) and for procesamiento's other threads. Needs corrida/.../por_pedido.csv, which
was not kept (3 MB); its output is correlacion.csv.
    python3 correlacion.py > correlacion.csv"""
import calendar, collections, csv, glob, json, os, time
here = os.path.dirname(os.path.abspath(__file__))
run = glob.glob(f"{here}/corrida/transiciones/n1s-r500/sostenido-*")[0]
start = calendar.timegm(time.strptime(json.load(open(f"{run}/resumen.json"))["inicio"], "%Y-%m-%dT%H:%M:%SZ"))
late = collections.Counter()
for row in csv.DictReader(open(f"{run}/por_pedido.csv")):
    for state in ("preparando", "entregando", "finalizado"):
        value = row[f"retraso_{state}_ms"]
        if value and float(value) > 50:
            late[int(float(row[f"{state}_ms"]) / 1000)] += 1
dispatcher, others = collections.Counter(), collections.Counter()
for line in open(f"{here}/espera-cpu.csv"):
    t, name, _, waited, _ = line.strip().split(",")
    (dispatcher if name == "NIO-ELT-1-#1" else others)[int(float(t) - start)] += float(waited)
print("segundo,transiciones_mas_de_50ms_tarde,espera_cpu_despachador_ms,espera_cpu_otros_hilos_ms")
for second in range(0, 62):
    print(f"{second},{late[second]},{dispatcher[second]:.0f},{others[second]:.0f}")
