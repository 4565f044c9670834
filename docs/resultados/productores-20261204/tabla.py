#!/usr/bin/env python3
"""The A/B table of LEEME.md: for each run (productores-<fase>-<old|new>-<round>) of the load run given (default
transiciones/n1s-r500), transition lateness from carga's resumen.json, and from the difference of procesamiento's
histograms between its two metric dumps: transitions more than 100 ms late, dispatcher wake-ups more than 100 ms
late, and records that reached their stage more than 1 s after their timestamp (per state read).
    python3 tabla.py [RUNS='./productores-*'] [RUN=transiciones/n1s-r500]
RUNS is a glob of session folders (e.g. '../rendimiento-20261204-cola', for a benchmark session)."""
import glob, json, os, re, sys

def histogram(path, name, label=None):
    buckets = {}
    for line in open(path):
        if line.startswith(name + "_bucket") and (label is None or label in line):
            le = re.search(r'le="([^"]+)"', line).group(1)
            buckets[le] = buckets.get(le, 0) + float(line.split()[-1])
    return buckets

def above(run, name, le, label=None):
    before = histogram(run + "/metricas-antes-procesamiento.txt", name, label)
    after = histogram(run + "/metricas-despues-procesamiento.txt", name, label)
    if "+Inf" not in after:  # a session from before the metric existed
        return float("nan")
    return (after["+Inf"] - after[le]) - (before.get("+Inf", 0) - before.get(le, 0))

pattern = sys.argv[1] if len(sys.argv) > 1 else "./productores-*"
load = sys.argv[2] if len(sys.argv) > 2 else "transiciones/n1s-r500"
print("| corrida | retraso p50 / p99 / máx | transiciones > 100 ms tarde | despertares > 100 ms tarde | "
      "registros > 1 s tarde a su etapa (recibido, preparando, entregando) | POST p99 | correo p99 | CPU de Tansu | RSS de procesamiento |")
print("|---|---|---|---|---|---|---|---|---|")
for directory in sorted(glob.glob(pattern)):
    run = f"{directory}/{load}"
    if not os.path.exists(run + "/procesos.json"):
        continue
    summary = json.load(open(glob.glob(run + "/sostenido-*/resumen.json")[0]))
    processes = json.load(open(run + "/procesos.json"))
    mail = json.load(open(run + "/correo.json"))
    lateness = summary["retraso_transicion_ms"]["todas"]
    late_fetch = ", ".join("%.0f" % above(run, "pedidos_fetch_delay_seconds", "1.0", 'estado="%s"' % state)
                           for state in ("recibido", "preparando", "entregando"))
    print(f"| {os.path.basename(directory)} | {lateness['p50']} / {lateness['p99']} / {lateness['max']} ms | "
          f"{above(run, 'pedidos_transition_lateness_seconds', '0.1'):.0f} | "
          f"{above(run, 'pedidos_dispatch_wake_delay_seconds', '0.1'):.0f} | {late_fetch} | "
          f"{summary['latencia_post_ms']['p99']:.1f} ms | {mail['p99_ms']:.0f} ms | {processes['tansu']['cpu_media_pct']} % | "
          f"{processes['procesamiento']['rss_max_mb']} MB |")
