#!/usr/bin/env python3
"""Second table of LEEME.md: per run (con-<k>, sin-<k>) of the load run given (default transiciones/n1s-r500),
dispatcher wake-ups more than 10 and 25 ms late (difference of procesamiento's histogram between its two metric
dumps, all stages) and the mean CPU of each process (procesos.json, % of one core).
    python3 cpu_despertares.py [RUNS='./*-[0-9]'] [RUN=transiciones/n1s-r500]"""
import glob, json, os, re, sys

def above(path, le):
    total = count = 0.0
    for line in open(path):
        if line.startswith("pedidos_dispatch_wake_delay_seconds_bucket"):
            bound = re.search(r'le="([^"]+)"', line).group(1)
            if bound == "+Inf":
                total += float(line.split()[-1])
            elif bound == le:
                count += float(line.split()[-1])
    return total - count

pattern = sys.argv[1] if len(sys.argv) > 1 else "./*-[0-9]"
load = sys.argv[2] if len(sys.argv) > 2 else "transiciones/n1s-r500"
names = ["solicitudes", "procesamiento", "notificaciones", "tansu", "postgres", "smtp"]
print("| corrida | despertares > 10 ms / > 25 ms tarde | " + " | ".join(f"CPU {n}" for n in names) + " | suma |")
print("|---|---|" + "---|" * (len(names) + 1))
for directory in sorted(glob.glob(pattern)):
    run = f"{directory}/{load}"
    if not os.path.exists(run + "/procesos.json"):
        continue
    before, after = run + "/metricas-antes-procesamiento.txt", run + "/metricas-despues-procesamiento.txt"
    late = [above(after, le) - above(before, le) for le in ("0.01", "0.025")]
    cpu = json.load(open(run + "/procesos.json"))
    print(f"| {os.path.basename(directory)} | {late[0]:.0f} / {late[1]:.0f} | "
          + " | ".join(f"{cpu[n]['cpu_media_pct']} %" for n in names)
          + f" | {sum(cpu[n]['cpu_media_pct'] for n in names):.1f} % |")
