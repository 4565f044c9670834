import subprocess, sys, collections, re
# Share of each service's CPU samples in JSONParser (and in malloc/free), from `perf record -a` (no call graphs).
data = sys.argv[1]
out = subprocess.run(["perf", "script", "-i", data, "-F", "pid,ip,sym,dso"], capture_output=True, text=True).stdout
names = {}
samples = collections.Counter(); parser = collections.Counter(); alloc = collections.Counter(); total = 0
rows = []
for line in out.splitlines():
    m = re.match(r"\s*(\d+)\s+\S+\s+(.*?)\s+\((.*)\)\s*$", line)
    if not m: continue
    pid, sym, dso = m.groups(); total += 1
    base = dso.rsplit("/", 1)[-1]
    if base in ("solicitudes", "procesamiento", "notificaciones"): names[pid] = base
    rows.append((pid, sym, base))
for pid, sym, base in rows:
    name = names.get(pid)
    if not name: continue
    samples[name] += 1
    if "JSONParser" in sym or "UnicodeScalarView" in sym or "slowFromCodeUnits" in sym: parser[name] += 1
    if base.startswith("libc.so") and re.search(r"malloc|free|_int_|cfree", sym): alloc[name] += 1
for name in sorted(samples):
    print(f"{name}: {samples[name]} samples ({100*samples[name]/total:.1f} % of the machine), "
          f"parser {100*parser[name]/samples[name]:.1f} %, malloc/free {100*alloc[name]/samples[name]:.1f} %")
