import sys, time
# Every 100 ms: wall time and the machine's CPU time since the last sample, in ms (all CPUs): user+nice+system,
# iowait, idle, steal (time the hypervisor ran something else while this VM wanted the CPU) from /proc/stat.
# python3 cpu_maquina.py cpu-maquina.csv  (beside a benchmark run; stop it with kill)
out = open(sys.argv[1], "w")
out.write("t,ocupado_ms,idle_ms,iowait_ms,steal_ms\n")
def read():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f)); tick = 10.0  # USER_HZ = 100
    return (v[0] + v[1] + v[2] + v[5] + v[6]) * tick, v[3] * tick, v[4] * tick, v[7] * tick
last = read()
while True:
    time.sleep(0.1)
    now = read()
    out.write(f"{time.time():.3f}," + ",".join(f"{a - b:.0f}" for a, b in zip(now, last)) + "\n")
    out.flush()
    last = now
