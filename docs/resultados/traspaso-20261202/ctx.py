# Samples notificaciones' context switches (all threads) and CPU ticks every 0.2 s until STOPFILE exists.
import os, sys, time, glob, json
pidfile, out, stopfile = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
deadline = time.time() + 900
while time.time() < deadline and not os.path.exists(stopfile):
    try:
        pid = open(pidfile).read().strip()
        cs = 0
        for st in glob.glob(f"/proc/{pid}/task/*/status"):
            try:
                for line in open(st):
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")): cs += int(line.split()[1])
            except OSError: pass
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        rows.append((time.time(), cs, int(f[11]) + int(f[12]), pid))
    except OSError:
        pass
    time.sleep(0.2)
json.dump(rows, open(out, "w"))
