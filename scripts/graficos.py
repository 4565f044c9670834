"""Draws the load-test plots from the result files of one scripts/carga.sh session.

Usage: graficos.py resultados/<sesión> docs/img

Reads <sesión>/escenarios/*/ and <sesión>/barrido/*/ (resumen.json, por_segundo.csv, por_pedido.csv, written by
the `carga` executable) and writes carga-latencia-post.png, carga-throughput.png, carga-retraso.png,
carga-lag.png and carga-barrido.png, plus <sesión>/barrido.csv and <sesión>/barrido.md (the sweep table).
"""
import csv
import glob
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def runs(folder):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*", "resumen.json"))):
        directory = os.path.dirname(path)
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
        with open(os.path.join(directory, "por_segundo.csv"), encoding="utf-8") as f:
            seconds = list(csv.DictReader(f))
        with open(os.path.join(directory, "por_pedido.csv"), encoding="utf-8") as f:
            orders = list(csv.DictReader(f))
        out.append({"dir": directory, "s": summary, "seg": seconds, "ped": orders,
                    "titulo": f"{summary['escenario']} · {summary['dataset']}"})
    return out


def num(value):
    return float(value) if value not in ("", None) else float("nan")


def grid(count):
    cols = 2 if count > 1 else 1
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.6 * rows), squeeze=False)
    return fig, [ax for row in axes for ax in row]


def annotate(ax, title, xlabel, ylabel, grid=False):
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if grid:
        ax.grid(True, alpha=0.3)
    ax.legend()


def save(fig, out, name):
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)


def latency(runs_, out):
    fig, axes = grid(len(runs_))
    for ax, run in zip(axes, runs_):
        t = [int(r["segundo"]) for r in run["seg"]]
        for key, label in (("latencia_p50_ms", "p50"), ("latencia_p99_ms", "p99"), ("latencia_max_ms", "máximo")):
            # Markers too: a burst that fits in one second is a single point, invisible as a bare line.
            ax.plot(t, [num(r[key]) for r in run["seg"]], "o-", markersize=3, label=label)
        ax.set_yscale("log")
        annotate(ax, f"Latencia de POST /pedidos — {run['titulo']}", "tiempo desde el inicio (s)",
                 "latencia (ms, escala log)")
    save(fig, out, "carga-latencia-post.png")


def throughput(runs_, out):
    fig, axes = grid(len(runs_))
    for ax, run in zip(axes, runs_):
        t = [int(r["segundo"]) for r in run["seg"]]
        ax.plot(t, [int(r["aceptados"]) for r in run["seg"]], label="aceptados (202)")
        ax.plot(t, [int(r["finalizados"]) for r in run["seg"]], label="finalizados")
        ax.plot(t, [int(r["errores"]) for r in run["seg"]], label="errores")
        annotate(ax, f"Throughput — {run['titulo']}", "tiempo desde el inicio (s)", "pedidos por segundo")
    save(fig, out, "carga-throughput.png")


def lateness(runs_, out):
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs_:
        values = sorted(num(o[k]) for o in run["ped"] for k in
                        ("retraso_preparando_ms", "retraso_entregando_ms", "retraso_finalizado_ms") if o[k] != "")
        if not values:
            continue
        ax.plot(values, [(i + 1) / len(values) * 100 for i in range(len(values))], label=run["titulo"])
    annotate(ax, "Retraso de las transiciones respecto de su vencimiento (estado anterior + N)", "retraso (ms)",
          "transiciones con retraso ≤ x (%)", grid=True)
    save(fig, out, "carga-retraso.png")


def lag(runs_, out):
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs_:
        points = [(int(r["segundo"]), int(r["lag"])) for r in run["seg"] if r["lag"] != ""]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], label=run["titulo"])
    annotate(ax, "Lag de los consumidores de procesamiento (suma de particiones)", "tiempo desde el inicio (s)",
          "mensajes pendientes", grid=True)
    save(fig, out, "carga-lag.png")


def sweep(runs_, session, out):
    rows = []
    for run in sorted(runs_, key=lambda r: r["s"]["parametros"]["tasa"]):
        s = run["s"]
        late = s["retraso_transicion_ms"]["todas"]
        rows.append({
            "tasa": s["parametros"]["tasa"], "enviados": s["enviados"], "aceptados": s["aceptados"],
            "aceptados_por_s": s["aceptados_por_s"], "post_p50_ms": s["latencia_post_ms"]["p50"],
            "post_p99_ms": s["latencia_post_ms"]["p99"], "post_max_ms": s["latencia_post_ms"]["max"],
            "retraso_p50_ms": late.get("p50", ""), "retraso_p99_ms": late.get("p99", ""),
            "e2e_p50_ms": s["tiempo_a_estado_ms"]["finalizado"].get("p50", ""),
            "finalizados_por_s": s["finalizados_por_s"], "perdidos": s["perdidos"],
            "duplicados": s["duplicados"]["historial"] + s["duplicados"]["correos"],
            "lag_max": s["lag_consumidor"]["max"] if isinstance(s["lag_consumidor"], dict) else "",
            "resultado": os.path.relpath(run["dir"], session),
        })
    if not rows:
        return
    with open(os.path.join(session, "barrido.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(session, "barrido.md"), "w", encoding="utf-8") as f:
        keys = [k for k in rows[0] if k != "resultado"]
        f.write("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys) + "\n")
        for row in rows:
            f.write("| " + " | ".join(str(row[k]) for k in keys) + " |\n")
    rates = [r["tasa"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    left.plot(rates, [r["post_p50_ms"] for r in rows], "o-", label="POST p50")
    left.plot(rates, [r["post_p99_ms"] for r in rows], "o-", label="POST p99")
    left.plot(rates, [num(r["retraso_p50_ms"]) for r in rows], "s--", label="retraso transición p50")
    left.plot(rates, [num(r["retraso_p99_ms"]) for r in rows], "s--", label="retraso transición p99")
    left.set_yscale("log")
    annotate(left, "Latencia según la tasa de llegada", "tasa ofrecida (pedidos/s)", "ms (escala log)")
    right.plot(rates, rates, ":", color="gray", label="ofrecido")
    right.plot(rates, [r["aceptados_por_s"] for r in rows], "o-", label="aceptados/s")
    right.plot(rates, [r["finalizados_por_s"] for r in rows], "o-", label="finalizados/s")
    annotate(right, "Throughput según la tasa de llegada", "tasa ofrecida (pedidos/s)", "pedidos por segundo")
    save(fig, out, "carga-barrido.png")


def main():
    session, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    scenario_runs = runs(os.path.join(session, "escenarios"))
    if scenario_runs:
        latency(scenario_runs, out)
        throughput(scenario_runs, out)
        lateness(scenario_runs, out)
        lag(scenario_runs, out)
    sweep_runs = runs(os.path.join(session, "barrido"))
    if sweep_runs:
        sweep(sweep_runs, session, out)
        if not scenario_runs:
            lag(sweep_runs, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
