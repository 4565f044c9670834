#!/usr/bin/env python3
"""Per-minute view of a benchmark run: mean CPU and peak RSS of each process (procesos.csv of
scripts/rendimiento.sh) and, when the run's por_segundo.csv is there, the median POST p50, the worst POST
p99 and the largest lag of each minute. Shows what grows while the load stays constant (the broker).

    scripts/procesos_por_minuto.py resultados/<session>/sostenido-r250
"""
import collections
import csv
import glob
import os
import sys


def main(directory: str) -> None:
    rows = list(csv.DictReader(open(os.path.join(directory, "procesos.csv"))))
    if not rows:
        return
    start = float(rows[0]["t"])
    minutes = collections.defaultdict(lambda: collections.defaultdict(list))
    for row in rows:
        minute = int((float(row["t"]) - start) // 60)
        minutes[row["proceso"]][minute].append((float(row["cpu_pct"]), float(row["rss_mb"])))
    print("proceso: CPU media % / RSS máx MB por minuto")
    for process, by_minute in minutes.items():
        cells = [f"m{m}: {sum(c for c, _ in v) / len(v):.0f} % / {max(r for _, r in v):.0f} MB"
                 for m, v in sorted(by_minute.items())]
        print(f"  {process}: " + ", ".join(cells))
    for path in glob.glob(os.path.join(directory, "*", "por_segundo.csv")):
        seconds = collections.defaultdict(list)
        for row in csv.DictReader(open(path)):
            seconds[int(row["segundo"]) // 60].append(row)

        def number(text: str) -> float:
            return float(text) if text else 0.0

        print("POST p50 (mediana de cada segundo) por minuto: " + ", ".join(
            f"m{m}: {sorted(number(r['latencia_p50_ms']) for r in v)[len(v) // 2]:.0f} ms" for m, v in sorted(seconds.items())))
        print("POST p99 (peor segundo) por minuto: " + ", ".join(
            f"m{m}: {max(number(r['latencia_p99_ms']) for r in v):.0f} ms" for m, v in sorted(seconds.items())))
        print("lag máx. por minuto: " + ", ".join(
            f"m{m}: {max(number(r['lag']) for r in v):.0f}" for m, v in sorted(seconds.items())))


if __name__ == "__main__":
    main(sys.argv[1])
