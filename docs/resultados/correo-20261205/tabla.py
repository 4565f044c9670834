#!/usr/bin/env python3
"""Table of the correo runs in this folder (ab.sh): the outbox's pace, the plain client's (8 connections, before and
after the drain), their ratio, and the CPU each process spent per mail during the drain (procesos.json means).
    python3 docs/resultados/correo-20261205/tabla.py > docs/resultados/correo-20261205/tabla.md"""
import json
import pathlib
import statistics


def es(value):
    """A whole number with a space between thousands, as the Spanish docs write it."""
    return f"{value:,.0f}".replace(",", " ")


here = pathlib.Path(__file__).parent
rows = {}
print("| corrida | correos/s de la *outbox* | cliente simple antes / después | razón | CPU por correo: notificaciones / PostgreSQL / SMTP | suma |")
print("|---|---|---|---|---|---|")
for run in sorted(here.glob("correo-*-[0-9]"), key=lambda p: (p.name.split("-")[-1], p.name)):
    if not run.is_dir():
        continue
    c = run / "correo"
    outbox = json.loads((c / "outbox.json").read_text())["correos_por_s"]
    before = json.loads((c / "referencia-antes.json").read_text())["mails_per_s"]
    after = json.loads((c / "referencia-despues.json").read_text())["mails_per_s"]
    cpu = json.loads((c / "procesos.json").read_text())
    per_mail = [cpu[p]["cpu_media_pct"] / 100 / outbox * 1e6 for p in ("notificaciones", "postgres", "smtp")]
    ratio = outbox / ((before + after) / 2)
    variant = run.name.split("-")[1]
    rows.setdefault(variant, []).append((ratio, per_mail))
    print(f"| {run.name} | {es(outbox)} | {es(before)} / {es(after)} | {ratio:.2f} | ".replace(".", ",")
          + " / ".join(f"{v:.0f}" for v in per_mail) + f" µs | {sum(per_mail):.0f} µs |")
print()
for variant, values in rows.items():
    ratios = [r for r, _ in values]
    notif = [m[0] for _, m in values]
    total = [sum(m) for _, m in values]
    print((f"- {variant}: razón {min(ratios):.2f}–{max(ratios):.2f} (media {statistics.mean(ratios):.2f}); "
          f"notificaciones {min(notif):.0f}–{max(notif):.0f} µs de CPU por correo; los tres procesos {min(total):.0f}–{max(total):.0f} µs").replace(".", ","))
