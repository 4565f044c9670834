"""CPU and memory of processes over time, from /proc (used by scripts/rendimiento.sh).

  procesos.py muestrear --salida S.csv [--cada 1] NOMBRE=PID ...   samples until SIGTERM/SIGINT
  procesos.py resumir S.csv [--desde T0] [--hasta T1]               JSON summary per process
  procesos.py durante --salida F.json NOMBRE=PID ... -- ORDEN ...     CPU seconds of each process (and of the whole
                                                                      machine) while ORDEN runs

Each sample line: unix time, name, CPU % of one core since the previous sample, RSS in MB. CPU counts the
process with its children (PostgreSQL: the postmaster and its backends; a child that exits between two samples
takes its ticks with it, so short-lived children are undercounted); RSS is the process's own.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def family(pid):
    """The process and its children (PostgreSQL's backends are children of the postmaster)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if stat_fields(entry)[1] == str(pid):
                    pids.append(entry)
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return pids


def cpu_ticks(pid):
    total = 0
    for member in family(pid):
        try:
            fields = stat_fields(member)
            total += int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of stat)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def rss_mb(pid):
    """RSS of the process itself (children's would count shared memory once per child)."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1e6


def sample(args):
    targets = [item.split("=", 1) for item in args.procesos]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    last = {}
    with open(args.salida, "w") as out:
        out.write("t,proceso,cpu_pct,rss_mb\n")
        while not stop:
            now = time.time()
            for name, pid in targets:
                try:
                    ticks, rss = cpu_ticks(pid), rss_mb(pid)
                except (FileNotFoundError, ProcessLookupError):
                    continue
                if name in last:
                    t0, ticks0 = last[name]
                    cpu = (ticks - ticks0) / TICKS / max(now - t0, 1e-6) * 100
                    out.write(f"{now:.3f},{name},{cpu:.1f},{rss:.1f}\n")
                last[name] = (now, ticks)
            out.flush()
            time.sleep(args.cada)


def sampling_stalls(path, since=None, until=None, factor=3.0):
    """Intervals between consecutive samples (wall clock) over `factor` times the usual one: the sampler, which
    sleeps a fixed time, did not run, or the wall clock stepped. Seen once (rendimiento-20261204-productores): a
    9.9-s interval in which every process accrued about one second of CPU, when the sandbox's VM was snapshotted
    ("virtual machine fork" in dmesg) and its wall clock stepped forward. Kafka timestamps are wall clock, so every
    transition in flight then looks seconds late: such a run measures the machine, not the system."""
    times = []
    with open(path) as samples:
        next(samples)
        for line in samples:
            t = float(line.split(",", 1)[0])
            if (since and t < since) or (until and t > until):
                continue
            if not times or t != times[-1]:
                times.append(t)
    gaps = [b - a for a, b in zip(times, times[1:])]
    if not gaps:
        return []
    usual = sorted(gaps)[len(gaps) // 2]
    return [{"segundo": round(times[i] - times[0], 1), "duracion_s": round(gap, 1)}
            for i, gap in enumerate(gaps) if gap > factor * usual]


def summarize(args):
    per = {}
    with open(args.archivo) as samples:
        next(samples)
        for line in samples:
            t, name, cpu, rss = line.strip().split(",")
            t = float(t)
            if (args.desde and t < args.desde) or (args.hasta and t > args.hasta):
                continue
            entry = per.setdefault(name, {"cpu": [], "rss": []})
            entry["cpu"].append(float(cpu))
            entry["rss"].append(float(rss))
    stalls = sampling_stalls(args.archivo, args.desde, args.hasta)
    summary = {
        name: {
            "cpu_media_pct": round(sum(v["cpu"]) / len(v["cpu"]), 1),
            "cpu_max_pct": round(max(v["cpu"]), 1),
            "rss_max_mb": round(max(v["rss"]), 1),
            "muestras": len(v["cpu"]),
        }
        for name, v in per.items() if v["cpu"]
    }
    if stalls:
        summary["muestreo_detenido"] = stalls
    json.dump(summary, sys.stdout, indent=1, sort_keys=True)
    print()


def machine_ticks():
    """Busy and total ticks of the whole machine (/proc/stat: busy is user, nice, system, irq and softirq;
    total adds idle, iowait and steal)."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait + steal


def during(args):
    """Runs the command after `--` and writes how much CPU each named process (with its children) and the whole
    machine spent meanwhile; exits with the command's status."""
    targets = [item.split("=", 1) for item in args.procesos]
    before = {name: cpu_ticks(pid) for name, pid in targets}
    busy0, total0 = machine_ticks()
    started = time.monotonic()
    status = subprocess.call(args.orden)
    elapsed = time.monotonic() - started
    busy1, total1 = machine_ticks()
    result = {"segundos": round(elapsed, 3),
              "cpu_s": {name: round((cpu_ticks(pid) - before[name]) / TICKS, 2) for name, pid in targets},
              "maquina_ocupada_s": round((busy1 - busy0) / TICKS, 2),
              "maquina_total_s": round((total1 - total0) / TICKS, 2)}
    with open(args.salida, "w") as out:
        json.dump(result, out, indent=1, sort_keys=True)
        out.write("\n")
    sys.exit(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="comando", required=True)
    m = sub.add_parser("muestrear")
    m.add_argument("--salida", required=True)
    m.add_argument("--cada", type=float, default=1.0)
    m.add_argument("procesos", nargs="+", help="NOMBRE=PID")
    r = sub.add_parser("resumir")
    r.add_argument("archivo")
    r.add_argument("--desde", type=float)
    r.add_argument("--hasta", type=float)
    d = sub.add_parser("durante")
    d.add_argument("--salida", required=True)
    d.add_argument("procesos", nargs="*", help="NOMBRE=PID")
    argv = sys.argv[1:]
    command = []
    if "--" in argv:  # durante: what follows `--` is the command to run
        argv, command = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    args = parser.parse_args(argv)
    if args.comando == "durante":
        if not command:
            parser.error("durante needs a command after --")
        args.orden = command
        during(args)
    else:
        sample(args) if args.comando == "muestrear" else summarize(args)


if __name__ == "__main__":
    main()
