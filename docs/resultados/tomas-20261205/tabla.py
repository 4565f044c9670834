#!/usr/bin/env python3
"""Table of the runs in this folder (ab.sh): per run, the rows in email_outbox, the outbox's pace, the plain client's
(8 connections, before and after the drain), their ratio, the mean take (mails per lane take = mails / mark requests),
the mark statements, the lanes' hand-over wait, and the CPU each process spent per mail (procesos.json means).
    python3 docs/resultados/tomas-20261205/tabla.py > docs/resultados/tomas-20261205/tabla.md"""
import json
import pathlib
import re
import statistics


def es(value, digits=0):
    """A number with a space between thousands and a decimal comma, as the Spanish docs write it."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def metric(text, name):
    match = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


here = pathlib.Path(__file__).parent
for experiment in ("tras-sostenido", "correo"):
    runs = sorted((p for p in here.glob(f"{experiment}-*-[0-9]") if p.is_dir()),
                  key=lambda p: (p.name.split("-")[-1], p.name))
    if not runs:
        continue
    print(f"### {experiment}\n")
    print("| corrida | filas en la tabla | correos/s de la *outbox* | cliente simple antes / después | razón "
          "| correos por toma | sentencias de marca | espera de los carriles | CPU por correo: notificaciones / PostgreSQL / SMTP | suma |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary = {}
    for run in runs:
        c = run / "correo"
        if not (c / "referencia-despues.json").exists():
            continue  # still running
        outbox = json.loads((c / "outbox.json").read_text())
        pace = outbox["correos_por_s"]
        before = json.loads((c / "referencia-antes.json").read_text())["mails_per_s"]
        after = json.loads((c / "referencia-despues.json").read_text())["mails_per_s"]
        metrics = (c / "metricas.txt").read_text()
        requests = metric(metrics, "notificaciones_outbox_mark_batch_size_sum")
        statements = metric(metrics, "notificaciones_outbox_mark_batch_size_count")
        wait = metric(metrics, "notificaciones_outbox_handover_wait_seconds_sum")
        sent = metric(metrics, "notificaciones_mails_sent_total")
        cpu = json.loads((c / "procesos.json").read_text())
        per_mail = [cpu[p]["cpu_media_pct"] / 100 / pace * 1e6 for p in ("notificaciones", "postgres", "smtp")]
        ratio = pace / ((before + after) / 2)
        variant = run.name.split("-")[-2]
        summary.setdefault(variant, []).append((ratio, sent / requests, sum(per_mail)))
        print(f"| {run.name} | {es(outbox['filas_en_la_tabla'])} | {es(pace)} | {es(before)} / {es(after)} | {es(ratio, 2)} "
              f"| {es(sent / requests, 1)} | {es(statements)} | {es(wait, 1)} s | "
              + " / ".join(f"{v:.0f}" for v in per_mail) + f" µs | {sum(per_mail):.0f} µs |")
    print()
    for variant, values in summary.items():
        ratios = [r for r, _, _ in values]
        takes = [t for _, t, _ in values]
        total = [s for _, _, s in values]
        print(f"- {variant}: razón {es(min(ratios), 2)}–{es(max(ratios), 2)} (media {es(statistics.mean(ratios), 2)}); "
              f"{es(min(takes), 1)}–{es(max(takes), 1)} correos por toma; los tres procesos {min(total):.0f}–{max(total):.0f} µs por correo")
    print()

# transiciones: lateness and mail latency at 500 orders/s, from each run's own table.
runs = sorted((p for p in here.glob("transiciones-*-[0-9]") if p.is_dir() and (p / "tabla.md").exists()),
              key=lambda p: (p.name.split("-")[-1], p.name))
if runs:
    print("### transiciones\n")
    print("| corrida | retraso, N = 1 s (p50 / p99 / máx) | correo, N = 1 s (p50 / p99 / máx) | retraso, N = 5 s | correo, N = 5 s |")
    print("|---|---|---|---|---|")
    for run in runs:
        table = (run / "tabla.md").read_text()
        cells = []
        for delay in ("1s", "5s"):
            for what in ("retraso de transición", "latencia de correo"):
                row = re.search(rf"^\| {what}, N = {delay}, 500 pedidos/s[^|]*\| ([0-9 ]+ / [0-9 ]+ / [0-9 ]+ ms)", table, re.MULTILINE)
                cells.append(row.group(1) if row else "—")
        print(f"| {run.name} | " + " | ".join(cells) + " |")
    print()
