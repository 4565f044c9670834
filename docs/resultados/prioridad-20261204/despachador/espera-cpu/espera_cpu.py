import os, sys, time
# Samples every 100 ms the run delay (time runnable but waiting for a CPU; /proc/<pid>/task/<tid>/schedstat field 2)
# of each thread of the process in the pid file; prints wall time, thread name, run-delay increment (ms) when > 20 ms.
# python3 espera_cpu.py .run/rendimiento/services/procesamiento.pid espera-cpu.csv  (beside a benchmark run)
pidfile, out = sys.argv[1], open(sys.argv[2], "w")
last = {}
while True:
    try:
        pid = open(pidfile).read().strip()
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
                run, wait, slices = map(int, open(f"/proc/{pid}/task/{tid}/schedstat").read().split())
            except OSError:
                continue
            key = (pid, tid)
            if key in last:
                dw, dr = (wait - last[key][1]) / 1e6, (run - last[key][0]) / 1e6
                if dw > 20:
                    out.write(f"{time.time():.3f},{name},{tid},{dw:.1f},{dr:.1f}\n")
            last[key] = (run, wait)
        out.flush()
    except OSError:
        pass
    time.sleep(0.1)
