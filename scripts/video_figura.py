"""Draws, in the terminal, the figure of one load run of the `carga` tool (for scripts/video.sh).

Usage: video_figura.py <run folder> [width]

Reads <run folder>/por_segundo.csv and resumen.json (written by `carga`): the same per-second data that
scripts/graficos.py plots into docs/img/carga-throughput.png and carga-lag.png, drawn with plotext so that
it can be recorded as text. Prints the run's key figures under the plot.
"""
import csv
import json
import os
import sys

import plotext as plt


def main():
    folder = sys.argv[1]
    width = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    with open(os.path.join(folder, "por_segundo.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(folder, "resumen.json"), encoding="utf-8") as f:
        summary = json.load(f)
    seconds = [int(r["segundo"]) for r in rows]

    plt.plotsize(width, 12)
    plt.theme("dark")
    plt.plot(seconds, [int(r["aceptados"]) for r in rows], label="aceptados (202) por segundo", color="cyan")
    plt.plot(seconds, [int(r["finalizados"]) for r in rows], label="finalizados por segundo", color="green")
    plt.title(f"carga {summary['escenario']} · {summary['dataset']}: pedidos por segundo")
    plt.show()
    plt.clf()

    lag = [(int(r["segundo"]), int(r["lag"])) for r in rows if r["lag"] != ""]
    if lag:
        plt.plotsize(width, 8)
        plt.theme("dark")
        plt.plot([p[0] for p in lag], [p[1] for p in lag], label="lag de procesamiento (mensajes)", color="orange")
        plt.xlabel("segundos desde el inicio")
        plt.show()
        plt.clf()

    late = summary["retraso_transicion_ms"]["todas"]
    post = summary["latencia_post_ms"]
    dups = summary["duplicados"]
    print(f"enviados {summary['enviados']} · aceptados {summary['aceptados']} ({summary['aceptados_por_s']}/s) · "
          f"POST p50 {post['p50']} ms, p99 {post['p99']} ms · retraso de transición p50 {late.get('p50', '-')} ms, "
          f"p99 {late.get('p99', '-')} ms · finalizados {summary['finalizados']} · perdidos {summary['perdidos']} · "
          f"duplicados {dups['historial'] + dups['correos']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
