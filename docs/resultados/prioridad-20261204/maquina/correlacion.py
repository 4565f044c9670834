"""Per second of one run (steal-1 or steal-2): transitions more than 50 ms late (from its por_pedido.csv, not kept:
3 MB), the machine's CPU time from cpu-maquina.csv (steal, idle, busy, ms over both CPUs) and the dispatcher
thread's wait for a CPU from espera-cpu.csv. Its output is correlacion-<n>.txt.
    python3 correlacion.py steal-1 > correlacion-1.txt"""
import calendar, collections, csv, glob, json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
run = glob.glob(f"{here}/{sys.argv[1]}/transiciones/n1s-r500/sostenido-*")[0]
res = json.load(open(f"{run}/resumen.json"))
start = calendar.timegm(time.strptime(res["inicio"], "%Y-%m-%dT%H:%M:%SZ"))
print(sys.argv[1], res["retraso_transicion_ms"]["todas"])
late = collections.Counter()
for row in csv.DictReader(open(f"{run}/por_pedido.csv")):
    for st in ("preparando", "entregando", "finalizado"):
        v = row[f"retraso_{st}_ms"]
        if v and float(v) > 50: late[int(float(row[f"{st}_ms"]) / 1000)] += 1
steal = collections.Counter(); idle = collections.Counter(); busy = collections.Counter()
for r in csv.DictReader(open(f"{here}/cpu-maquina.csv")):
    s = int(float(r["t"]) - start)
    steal[s] += float(r["steal_ms"]); idle[s] += float(r["idle_ms"]); busy[s] += float(r["ocupado_ms"])
disp = collections.Counter()
for line in open(f"{here}/espera-cpu.csv"):
    t, name, _, w, _ = line.strip().split(",")
    if name.startswith("NIO-ELT"): disp[int(float(t) - start)] += float(w)
for s in range(0, 62):
    flag = " <==" if late[s] > 10 else ""
    print(s, f"late {late[s]:4d}  steal {steal[s]:5.0f}  idle {idle[s]:5.0f}  busy {busy[s]:5.0f}  dispwait {disp[s]:4.0f}{flag}")
