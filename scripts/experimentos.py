"""Summary tables and figures of one scripts/experimentos.sh session.

Usage: experimentos.py docs/resultados/<experimento>-<hora> docs/img

Reads experimento.json and every run folder of the session (the load tool's resumen.json, por_segundo.csv and
por_pedido.csv, plus lag.csv, outbox.csv, correo.json, correo_por_segundo.csv, procesos.csv, eventos.csv) and
writes, in the session: resumen.csv (one row per run), resumen.json (the same plus aggregates per step) and
tabla.md; in the figures folder: exp-<experimento>.png. Every figure quoted in the report comes from resumen.json
or resumen.csv (scripts/cifras.py checks it).
"""
import csv
import glob
import json
import math
import os
import statistics
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from graficos import save  # noqa: E402  (same folder: the figures are saved the same way)

STAGES = ["recibido", "preparando", "entregando"]


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    return json.loads(text) if text else default


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def epoch(iso):
    from datetime import datetime
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Run:
    """One measured run: a folder with the load tool's results and the samplers' files."""

    def __init__(self, folder, delay_s):
        self.folder = folder
        self.name = os.path.basename(folder)
        inner = sorted(glob.glob(os.path.join(folder, "*", "resumen.json")))
        self.s = read_json(inner[-1]) if inner else None
        load_dir = os.path.dirname(inner[-1]) if inner else folder
        self.seconds = read_csv(os.path.join(load_dir, "por_segundo.csv"))
        self.orders = read_csv(os.path.join(load_dir, "por_pedido.csv"))
        self.lag = read_csv(os.path.join(folder, "lag.csv"))
        self.outbox = read_csv(os.path.join(folder, "outbox.csv"))
        self.mail = read_json(os.path.join(folder, "correo.json"), {})
        self.mail_seconds = read_csv(os.path.join(folder, "correo_por_segundo.csv"))
        self.processes = read_csv(os.path.join(folder, "procesos.csv"))
        self.events = read_csv(os.path.join(folder, "eventos.csv"))
        self.start = epoch(self.s["inicio"]) if self.s else 0.0
        self.delay_s = delay_s

    def stage_lag(self):
        """{series: [(t since start, lag)]}: each procesamiento stage, and notificaciones summed over its topics."""
        series = {}
        notif = {}
        for row in self.lag:
            t = num(row["t"]) - self.start
            if row["grupo"].endswith("notificaciones"):
                notif[t] = notif.get(t, 0) + int(row["lag"])
            else:
                series.setdefault(row["grupo"].split("procesamiento-")[-1], []).append((t, int(row["lag"])))
        if notif:
            series["notificaciones"] = sorted(notif.items())
        return series

    def steady_finalized_rate(self):
        """Mean finalizados per second over the window where orders sent at a steady rate finish."""
        if not self.s or self.s["escenario"] != "sostenido":
            return float("nan")
        duration = self.s["parametros"]["duracion_s"]
        lo, hi = math.ceil(3 * self.delay_s) + 1, duration + 3 * self.delay_s - 1
        values = [int(r["finalizados"]) for r in self.seconds if lo <= int(r["segundo"]) <= hi]
        return round(statistics.mean(values), 1) if values else float("nan")

    def cpu(self):
        by = {}
        for row in self.processes:
            by.setdefault(row["proceso"], []).append(num(row["cpu_pct"]))
        return {name: round(statistics.mean(v), 1) for name, v in by.items() if v}

    def row(self):
        s = self.s or {}
        post = s.get("latencia_post_ms", {})
        late = s.get("retraso_transicion_ms", {}).get("todas", {})
        e2e = s.get("tiempo_a_estado_ms", {}).get("finalizado", {})
        mails = s.get("correos", {}) if isinstance(s.get("correos"), dict) else {}
        lag = self.stage_lag()
        out = {
            "corrida": self.name, "escenario": s.get("escenario", ""),
            "tasa": s.get("parametros", {}).get("tasa", ""), "cantidad": s.get("parametros", {}).get("cantidad", ""),
            "enviados": s.get("enviados", ""), "aceptados": s.get("aceptados", ""),
            "aceptados_por_s": s.get("aceptados_por_s", ""), "duracion_envio_s": s.get("duracion_envio_s", ""),
            "finalizados": s.get("finalizados", ""), "finalizados_por_s_regimen": self.steady_finalized_rate(),
            "post_p50_ms": post.get("p50", ""), "post_p99_ms": post.get("p99", ""), "post_max_ms": post.get("max", ""),
            "retraso_p50_ms": late.get("p50", ""), "retraso_p99_ms": late.get("p99", ""), "retraso_max_ms": late.get("max", ""),
            "e2e_p50_ms": e2e.get("p50", ""), "e2e_max_ms": e2e.get("max", ""),
            "correo_p50_ms": self.mail.get("p50_ms", ""), "correo_p99_ms": self.mail.get("p99_ms", ""),
            "correo_max_ms": self.mail.get("max_ms", ""), "correos_no_enviados": self.mail.get("no_enviados", ""),
            "correos_inciertos": self.mail.get("inciertos", ""), "correos_reenviados": self.mail.get("reenvios", ""),
            "perdidos": s.get("perdidos", ""),
            "duplicados_historial": s.get("duplicados", {}).get("historial", ""),
            "duplicados_correo": s.get("duplicados", {}).get("correos", ""),
            "correos_faltantes": mails.get("faltantes", ""),
            "outbox_max": max((int(r["pendientes"]) for r in self.outbox if r.get("pendientes", "").isdigit()), default=""),
        }
        for series in STAGES + ["notificaciones"]:
            points = lag.get(series, [])
            out[f"lag_max_{series}"] = max((v for _, v in points), default="")
            # Time after the run start at which this stage's lag was back to 0 for good (bursts: time to drain).
            nonzero = [t for t, v in points if v > 0]
            out[f"lag_cero_{series}_s"] = round(max(nonzero), 2) if nonzero else ""
        out["muestras_lag_por_s"] = round(len(lag.get("recibido", [])) / max(1e-3, (max((t for t, _ in lag.get("recibido", [(0, 0)])), default=0) - min((t for t, _ in lag.get("recibido", [(0, 0)])), default=0))), 2) if lag.get("recibido") else ""
        for name, value in self.cpu().items():
            out[f"cpu_{name}_pct"] = value
        return out


def runs_of(session, delay_s):
    folders = sorted({os.path.dirname(os.path.dirname(p)) for p in glob.glob(os.path.join(session, "*", "*", "resumen.json"))})
    return [Run(f, delay_s) for f in folders if os.path.basename(f) != "calentamiento"]


def aggregate(rows, key):
    """Per value of `key`: mean, min and max of every numeric column (the error bars are min..max)."""
    groups = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    out = []
    for value in sorted(groups, key=lambda v: num(v)):
        entry = {key: value, "repeticiones": len(groups[value])}
        for column in rows[0]:
            values = [num(r.get(column)) for r in groups[value]]
            values = [v for v in values if not math.isnan(v)]
            if column != key and values:
                entry[column] = {"media": round(statistics.mean(values), 2), "min": min(values), "max": max(values)}
        out.append(entry)
    return out




def errorbars(ax, groups, key, column, label, style="o-"):
    xs = [num(g[key]) for g in groups if column in g]
    mean = [g[column]["media"] for g in groups if column in g]
    lo = [max(0.0, g[column]["media"] - g[column]["min"]) for g in groups if column in g]
    hi = [max(0.0, g[column]["max"] - g[column]["media"]) for g in groups if column in g]
    if xs:
        ax.errorbar(xs, mean, yerr=[lo, hi], fmt=style, capsize=3, markersize=4, label=label)


def annotate(ax, title, xlabel, ylabel, log=False):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log:  # symlog: a p50 of 0 ms stays on the plot
        ax.set_yscale("symlog", linthresh=1)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def plot_barrido(runs, groups, out):
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    (a, b), (c, d) = axes
    rates = [num(g["tasa"]) for g in groups]
    a.plot(rates, rates, ":", color="gray", label="ofrecido")
    errorbars(a, groups, "tasa", "aceptados_por_s", "aceptados/s")
    errorbars(a, groups, "tasa", "finalizados_por_s_regimen", "finalizados/s (régimen)", "s--")
    annotate(a, "Throughput según la tasa ofrecida", "tasa ofrecida (pedidos/s)", "pedidos/s")
    errorbars(b, groups, "tasa", "post_p50_ms", "POST p50")
    errorbars(b, groups, "tasa", "post_p99_ms", "POST p99")
    annotate(b, "Latencia de POST /pedidos", "tasa ofrecida (pedidos/s)", "ms (escala log)", log=True)
    errorbars(c, groups, "tasa", "retraso_p50_ms", "retraso p50")
    errorbars(c, groups, "tasa", "retraso_p99_ms", "retraso p99")
    annotate(c, "Retraso de transición", "tasa ofrecida (pedidos/s)", "ms (escala log)", log=True)
    errorbars(d, groups, "tasa", "correo_p50_ms", "correo p50")
    errorbars(d, groups, "tasa", "correo_p99_ms", "correo p99")
    annotate(d, "Latencia de correo (transición → aceptado por SMTP)", "tasa ofrecida (pedidos/s)", "ms (escala log)", log=True)
    save(fig, out, "exp-barrido.png")
    # Which process takes the CPU as the rate grows (what saturates first on the shared cores).
    names = sorted({c[4:-4] for g in groups for c in g if c.startswith("cpu_") and c.endswith("_pct")})
    if names:
        fig, ax = plt.subplots(figsize=(10, 4.5))
        for name in names:
            errorbars(ax, groups, "tasa", f"cpu_{name}_pct", name)
        annotate(ax, "CPU media de cada proceso durante la corrida", "tasa ofrecida (pedidos/s)", "% de un núcleo")
        save(fig, out, "exp-barrido-cpu.png")


def plot_lag_panels(runs, out, name, title):
    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 3.2 * len(runs)), squeeze=False)
    for ax, run in zip([a for row in axes for a in row], runs):
        for series, points in run.stage_lag().items():
            ax.plot([t for t, _ in points], [v for _, v in points], label=series, linewidth=1)
        annotate(ax, f"{title(run)}", "segundos desde el inicio de la corrida", "mensajes sin confirmar")
    save(fig, out, name)


def plot_volumen(runs, groups, out):
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    errorbars(a, groups, "volumen", "post_p99_ms", "POST p99")
    errorbars(a, groups, "volumen", "retraso_p99_ms", "retraso p99", "s--")
    errorbars(a, groups, "volumen", "correo_p99_ms", "correo p99", "^-.")
    a.set_xscale("symlog", linthresh=1000)
    annotate(a, "Latencia según el volumen almacenado", "registros ya almacenados en el broker", "ms (escala log)", log=True)
    errorbars(b, groups, "volumen", "aceptados_por_s", "aceptados/s")
    errorbars(b, groups, "volumen", "finalizados_por_s_regimen", "finalizados/s (régimen)", "s--")
    b.set_xscale("symlog", linthresh=1000)
    annotate(b, "Throughput según el volumen almacenado", "registros ya almacenados en el broker", "pedidos/s")
    save(fig, out, "exp-volumen.png")


def plot_escalado(runs, groups, out):
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    errorbars(a, groups, "workers", "retraso_p50_ms", "retraso p50")
    errorbars(a, groups, "workers", "retraso_p99_ms", "retraso p99")
    annotate(a, "Retraso de transición según los workers por etapa", "workers por etapa", "ms (escala log)", log=True)
    errorbars(b, groups, "workers", "aceptados_por_s", "aceptados/s")
    errorbars(b, groups, "workers", "finalizados_por_s_regimen", "finalizados/s (régimen)", "s--")
    annotate(b, "Throughput según los workers por etapa", "workers por etapa", "pedidos/s")
    save(fig, out, "exp-escalado.png")


def lateness_by_second(run):
    """[(second of due time since start, p99, max)] of the transitions, by when they were due."""
    by = {}
    for order in run.orders:
        for prev, state in (("recibido", "preparando"), ("preparando", "entregando"), ("entregando", "finalizado")):
            entered, late = num(order.get(f"{prev}_ms")), num(order.get(f"retraso_{state}_ms"))
            if not (math.isnan(entered) or math.isnan(late)):
                by.setdefault(int((entered + run.delay_s * 1000) // 1000), []).append(late)
    out = []
    for second in sorted(by):
        values = sorted(by[second])
        out.append((second, values[min(len(values) - 1, int(0.99 * len(values)))], values[-1]))
    return out


def recovery(run, threshold_ms):
    """Per event 'kill -9': seconds from the kill until the per-second p99 lateness stays under threshold_ms."""
    series = lateness_by_second(run)
    out = []
    for event in run.events:
        if event["evento"] != "kill -9":
            continue
        at = num(event["t"]) - run.start
        late = [s for s, p99, _ in series if s >= at and p99 > threshold_ms]
        out.append({"servicio": event["servicio"], "kill_s": round(at, 1),
                    "recuperacion_s": (round(max(late) + 1 - at, 1) if late else 0.0) if series else None})
    return out


def plot_fallo(runs, out):
    run = runs[0]
    fig, (a, b, c) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    series = lateness_by_second(run)
    a.plot([s for s, _, _ in series], [p for _, p, _ in series], label="retraso p99 por segundo")
    a.plot([s for s, _, _ in series], [m for _, _, m in series], ":", label="retraso máximo por segundo")
    annotate(a, "Retraso de transición (por segundo de vencimiento)", "", "ms (escala log)", log=True)
    for series_name, points in run.stage_lag().items():
        b.plot([t for t, _ in points], [v for _, v in points], label=series_name, linewidth=1)
    annotate(b, "Lag por etapa leído del broker (4 muestras/s)", "", "mensajes sin confirmar")
    ms = [(num(r["t"]) - run.start, num(r["p99_ms"])) for r in run.mail_seconds]
    c.plot([t for t, _ in ms], [v for _, v in ms], label="correo p99 por segundo de transición")
    annotate(c, "Latencia de correo", "segundos desde el inicio de la corrida", "ms (escala log)", log=True)
    for ax in (a, b, c):
        for event in run.events:
            if event["evento"] == "kill -9":
                ax.axvline(num(event["t"]) - run.start, color="red", linestyle="--", linewidth=0.8)
                ax.text(num(event["t"]) - run.start, ax.get_ylim()[1], f" kill -9 {event['servicio']}", color="red",
                        fontsize=7, va="top")
    save(fig, out, "exp-fallo.png")


def plot_correo(runs, out):
    run = runs[0]
    fig, (a, b) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    points = [(num(r["t"]) - run.start, num(r["pendientes"])) for r in run.outbox if r.get("pendientes")]
    a.plot([t for t, _ in points], [v for _, v in points], label="correos pendientes en la outbox")
    annotate(a, "Correos pendientes (outbox) a lo largo de la corrida", "", "correos")
    ms = [(num(r["t"]) - run.start, num(r["p50_ms"]), num(r["p99_ms"])) for r in run.mail_seconds]
    b.plot([t for t, _, _ in ms], [v for _, v, _ in ms], label="p50")
    b.plot([t for t, _, _ in ms], [v for _, _, v in ms], label="p99")
    annotate(b, "Latencia de correo por segundo de transición", "segundos desde el inicio de la corrida", "ms (escala log)", log=True)
    save(fig, out, "exp-correo.png")


def write_table(session, rows, columns):
    with open(os.path.join(session, "tabla.md"), "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
        for row in rows:
            f.write("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |\n")


def main():
    session, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    meta = read_json(os.path.join(session, "experimento.json"), {})
    kind = meta.get("experimento", "")
    delay = meta.get("demora", "1s")
    delay_s = float(delay[:-2]) / 1000 if delay.endswith("ms") else float(delay.rstrip("s"))
    runs = [r for r in runs_of(session, delay_s) if r.s]
    if not runs:
        print(f"experimentos.py: no runs in {session}", file=sys.stderr)
        return 1
    rows = [r.row() for r in runs]
    for row in rows:  # the experiment's variable, from the run folder's name (r100-rep1, m5000-rep1, v0-rep1, k2-rep1)
        head = row["corrida"].split("-")[0]
        if head[:1] in "rmvk" and head[1:].isdigit():
            row[{"r": "tasa", "m": "cantidad", "v": "volumen", "k": "workers"}[head[0]]] = int(head[1:])
        row["repeticion"] = row["corrida"].split("rep")[-1]
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with open(os.path.join(session, "resumen.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    key = {"barrido": "tasa", "rafagas": "cantidad", "volumen": "volumen", "escalado": "workers"}.get(kind)
    summary = {"experimento": meta, "corridas": rows}
    if key:
        summary["por_" + key] = aggregate(rows, key)
    if kind == "fallo":
        summary["recuperacion"] = {r.name: recovery(r, 100) for r in runs}
    with open(os.path.join(session, "resumen.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    shown = [c for c in ["corrida", key, "aceptados_por_s", "finalizados_por_s_regimen", "post_p50_ms", "post_p99_ms",
                         "retraso_p50_ms", "retraso_p99_ms", "retraso_max_ms", "e2e_max_ms", "correo_p50_ms",
                         "correo_p99_ms", "lag_max_recibido", "lag_cero_notificaciones_s", "outbox_max", "perdidos",
                         "duplicados_historial", "duplicados_correo", "correos_faltantes"] if c and c in columns]
    write_table(session, rows, shown)
    if kind == "barrido":
        plot_barrido(runs, summary["por_tasa"], out)
    elif kind == "rafagas":
        plot_lag_panels(sorted(runs, key=lambda r: r.s["parametros"].get("cantidad", 0)), out, "exp-rafagas.png",
                        lambda r: f"Ráfaga de {r.s['parametros'].get('cantidad', r.name)} pedidos: lag por etapa leído del broker")
    elif kind == "volumen":
        plot_volumen(runs, summary["por_volumen"], out)
    elif kind == "escalado":
        plot_escalado(runs, summary["por_workers"], out)
    elif kind == "fallo":
        plot_fallo(runs, out)
        print(json.dumps(summary["recuperacion"], ensure_ascii=False))
    elif kind == "correo":
        plot_correo(runs, out)
    with open(os.path.join(session, "tabla.md"), encoding="utf-8") as f:
        print(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
