import os, sys, time
path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
buf = b"x" * 8192
end = time.time() + secs
lines = []
lastmem = 0
def mem():
    d = {}
    for l in open("/proc/meminfo"):
        k, v = l.split(":", 1)
        if k in ("Dirty", "Writeback"): d[k] = int(v.split()[0])
    return d
while time.time() < end:
    t0 = time.time()
    os.pwrite(fd, buf, 0)
    os.fdatasync(fd)
    dt = time.time() - t0
    m = mem() if t0 - lastmem > 0.1 else None
    if m: lastmem = t0
    lines.append(f"{t0:.3f} {dt*1000:.2f} {m['Dirty'] if m else ''} {m['Writeback'] if m else ''}")
    time.sleep(max(0, 0.01 - dt))
open(out, "w").write("\n".join(lines) + "\n")
