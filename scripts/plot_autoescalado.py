#!/usr/bin/env python3
"""Draws "trabajadores vs lag" per stage from the autoscaler's CSV (and the load's, if given).

    plot_autoescalado.py --decisiones autoescalado.csv [--carga carga.csv] --salida autoescalado.png

decisiones: `time,stage,workers,lag,decision` as written by `scale-workers.sh --auto` (lag "-" when
unknown). carga: `time,posted,accepted,failed` per second as written by `carga.py`.
Needs matplotlib (the project's venv, .deps/venv, has it).
"""
import argparse
import csv
import datetime as dt

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STAGES = ["recibido", "preparando", "entregando"]


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisiones", required=True)
    parser.add_argument("--carga")
    parser.add_argument("--salida", required=True)
    parser.add_argument("--titulo", default="Autoescalado de procesamiento: trabajadores vs lag")
    args = parser.parse_args()

    with open(args.decisiones, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit("sin decisiones en " + args.decisiones)
    t0 = min(parse_time(r["time"]) for r in rows)
    load = []
    if args.carga:
        with open(args.carga, newline="") as f:
            load = [(parse_time(r["time"]), int(r["posted"])) for r in csv.DictReader(f)]
        if load:
            t0 = min(t0, load[0][0])

    def secs(t: dt.datetime) -> float:
        return (t - t0).total_seconds()

    stages = [s for s in STAGES if any(r["stage"] == s for r in rows)]
    fig, axes = plt.subplots(len(stages), 1, figsize=(10, 2.9 * len(stages) + 0.6), sharex=True, squeeze=False)
    burst = [secs(t) for t, n in load if n > 0]
    for ax, stage in zip(axes[:, 0], stages):
        mine = [r for r in rows if r["stage"] == stage]
        xs = [secs(parse_time(r["time"])) for r in mine]
        workers = [int(r["workers"]) for r in mine]
        lag = [float(r["lag"]) if r["lag"] not in ("-", "") else float("nan") for r in mine]
        if burst:
            ax.axvspan(min(burst), max(burst) + 1, color="0.92", label="ráfaga de carga")
        ax.step(xs, workers, where="post", color="tab:blue", linewidth=2, label="trabajadores")
        ax.set_ylabel("trabajadores (procesos)", color="tab:blue")
        ax.set_ylim(0, max(workers) + 1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for x, r in zip(xs, mine):
            if r["decision"] in ("subir", "bajar"):
                below = r["decision"] == "bajar"
                ax.annotate(r["decision"], (x, int(r["workers"])), textcoords="offset points",
                            xytext=(4, -12 if below else 6),
                            ha="left" if below else "center", fontsize=8, color="tab:blue")
        lag_ax = ax.twinx()
        lag_ax.plot(xs, lag, color="tab:red", marker=".", linewidth=1, label="lag")
        lag_ax.set_ylabel("lag (mensajes sin confirmar)", color="tab:red")
        lag_ax.set_ylim(bottom=0)
        ax.set_title(f"etapa {stage}", loc="left", fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + lag_ax.get_legend_handles_labels()[0]
        ax.legend(handles, [h.get_label() for h in handles], loc="upper right", fontsize=8)
        ax.grid(axis="x", color="0.85")
    axes[-1, 0].set_xlabel("tiempo desde el inicio (s)")
    fig.suptitle(args.titulo)
    fig.tight_layout()
    fig.savefig(args.salida, dpi=110)
    print("gráfico escrito en", args.salida)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
