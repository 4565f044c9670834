"""The table of scripts/rendimiento.sh: every measured figure beside its reference and goal.

  rendimiento_tabla.py resultados/rendimiento-<time>     prints Markdown (rendimiento.sh writes it to tabla.md)

Only figures read from the session's files appear; a missing file shows as "—".
"""
import glob
import json
import os
import re
import statistics
import sys

session = sys.argv[1]


def load(path):
    try:
        with open(os.path.join(session, path)) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def carga(path):
    found = glob.glob(os.path.join(session, path, "sostenido-*", "resumen.json"))
    if not found:
        return None
    with open(found[0]) as f:
        return json.load(f)


def post_figures(name, pattern):
    """The number `pattern` captures in each round's post/<name>-<round>.txt, in round order."""
    values = []
    for path in sorted(glob.glob(os.path.join(session, "post", f"{name}-*.txt"))):
        match = re.search(pattern, open(path).read())
        if match:
            values.append(float(match.group(1)))
    return values


def wrk_rps(name):
    return post_figures(name, r"Requests/sec:\s+([\d.]+)")


def fmt(value, unit="", digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}".replace(",", " ")


def verdict(ok):
    return "—" if ok is None else ("sí" if ok else "**no**")


def disturbance(path):
    """A note when the process sampler of the run at `path` stopped (VM paused or wall clock stepped; see
    scripts/procesos.py), else ""."""
    stalls = (load(os.path.join(path, "procesos.json")) or {}).get("muestreo_detenido") or []
    return "".join(f"; **el muestreo se detuvo {s['duracion_s']:.1f} s en el segundo {s['segundo']:.0f} (máquina pausada "
                   f"o reloj ajustado): corrida perturbada**" for s in stalls)


rows = []


def row(what, measured, reference, goal, ok):
    rows.append(f"| {what} | {measured} | {reference} | {goal} | {verdict(ok)} |")


# Transitions on time.
def lateness_rows(prefix, label):
    for name in sorted(os.listdir(os.path.join(session, prefix))) if os.path.isdir(os.path.join(session, prefix)) else []:
        summary = carga(os.path.join(prefix, name))
        if not summary:
            continue
        late = summary["retraso_transicion_ms"]["todas"]
        disturbed = disturbance(os.path.join(prefix, name))
        ok = None if disturbed else (late["p50"] <= 2 and late["p99"] <= 25 and late["max"] <= 100 and summary["perdidos"] == 0)
        n, r = re.match(r"n(\w+)-r(\d+)", name).groups()
        row(f"retraso de transición, {label}N = {n}, {r} pedidos/s × {summary['parametros']['duracion_s']:.0f} s "
            f"(p50 / p99 / máx)",
            f"{late['p50']:.0f} / {late['p99']:.0f} / {late['max']:.0f} ms ({summary['finalizados']} finalizados, "
            f"{summary['perdidos']} perdidos){disturbed}",
            "—", "≤ 2 / 25 / 100 ms", ok)
        mail = load(os.path.join(prefix, name, "correo.json"))
        if mail and mail.get("p99_ms") is not None:
            row(f"latencia de correo, {label}N = {n}, {r} pedidos/s (p50 / p99 / máx)",
                f"{fmt(mail['p50_ms'])} / {fmt(mail['p99_ms'])} / {fmt(mail['max_ms'])} ms ({mail['correos']} correos, "
                f"{mail['no_enviados']} sin enviar)",
                "—", "p99 ≤ 1 000 ms a 100/s" if r == "100" else "—",
                (mail["p99_ms"] <= 1000 and mail["no_enviados"] == 0) if r == "100" else None)
        if r == "100" and not label:
            post = summary["latencia_post_ms"]
            row(f"POST /pedidos p99 con el sistema completo, N = {n}, 100 pedidos/s", f"{post['p99']:.1f} ms",
                "—", "≤ 20 ms", post["p99"] <= 20)


lateness_rows("transiciones", "")
precarga = open(os.path.join(session, "volumen", "precarga.txt")).read().strip().splitlines()[-1] \
    if os.path.exists(os.path.join(session, "volumen", "precarga.txt")) else None
lateness_rows("volumen", "broker con volumen acumulado, ")

# Mail at the SMTP server's pace.
outbox = load("correo/outbox.json")
before, after = load("correo/referencia-antes.json"), load("correo/referencia-despues.json")
references = [r["mails_per_s"] for r in (before, after) if r]
if outbox and references:
    reference = statistics.mean(references)
    rate = outbox.get("correos_por_s") or 0
    row(f"correos/s de la outbox con {outbox['pendientes_al_inicio']} pendientes ({outbox['lanes']} conexiones)",
        f"{fmt(rate)} /s ({rate / reference:.0%} de la referencia)",
        f"cliente simple, {outbox['lanes']} conexiones: {' y '.join(fmt(r) for r in references)} /s",
        "≥ 80 % de la referencia", rate >= 0.8 * reference)
wide = load("correo/referencia-16.json")
if wide:
    row("ritmo del servidor SMTP de desarrollo (cliente simple, 16 conexiones)", f"{fmt(wide['mails_per_s'])} correos/s",
        "—", "≥ 4 000 correos/s", wide["mails_per_s"] >= 4000)

# POST near bare HTTP.
def post_row(what, post, health, goal, meets):
    ratios = [p / h for p, h in zip(post, health)]
    row(what, f"{' y '.join(fmt(p) for p in post)} req/s (razón {' y '.join(f'{r:.2f}' for r in ratios)})",
        f"GET /health: {' y '.join(fmt(h) for h in health)} req/s", goal, meets(ratios))


def cpu_per_request(name):
    """µs of CPU per request of solicitudes, Tansu, PostgreSQL and the whole machine over the rounds of `name`
    (post/cpu-<name>-<round>.json beside wrk's post/<name>-<round>.txt), or None."""
    totals, requests = {}, 0
    for path in sorted(glob.glob(os.path.join(session, "post", f"cpu-{name}-*.json"))):
        report = os.path.join(session, "post", os.path.basename(path)[len("cpu-"):-len(".json")] + ".txt")
        match = os.path.exists(report) and re.search(r"(\d+) requests in", open(report).read())
        if not match:
            continue
        cpu = load(os.path.relpath(path, session))
        requests += int(match.group(1))
        for process, seconds in cpu["cpu_s"].items():
            totals[process] = totals.get(process, 0) + seconds
        totals["máquina"] = totals.get("máquina", 0) + cpu["maquina_ocupada_s"]
    return {process: seconds * 1e6 / requests for process, seconds in totals.items()} if requests else None


def cpu_text(cpu):
    return " / ".join(fmt(cpu.get(process)) for process in ("solicitudes", "tansu", "postgres", "máquina")) + " µs"


def broker_acks(in_flight):
    return post_figures(f"broker-k{in_flight}", r"acks_per_second=([\d.]+)")


for connections in (10, 64):
    health, post = wrk_rps(f"health-c{connections}"), wrk_rps(f"pedidos-c{connections}")
    bare = wrk_rps(f"pedidos-sin-registro-c{connections}")
    if health and post:
        post_row(f"POST /pedidos vs GET /health, solicitudes sola, {connections} conexiones (wrk, 2 rondas alternadas)",
                 post, health, "razón ≥ 0.5", lambda ratios: min(ratios) >= 0.5)
    if health and bare:
        post_row(f"POST /pedidos sin el registro de pedidos aceptados (referencia: qué cuesta la durabilidad), {connections} conexiones",
                 bare, health, "—", lambda ratios: None)
    cpu_post, cpu_health = cpu_per_request(f"pedidos-c{connections}"), cpu_per_request(f"health-c{connections}")
    cpu_bare = cpu_per_request(f"pedidos-sin-registro-c{connections}")
    if cpu_post and cpu_health:
        reference = f"GET /health: {cpu_text(cpu_health)}"
        if cpu_bare:
            reference += f"; POST sin el registro: {cpu_text(cpu_bare)}"
        row(f"CPU por petición, {connections} conexiones: POST /pedidos (solicitudes / Tansu / PostgreSQL / máquina entera, "
            "wrk incluido)", cpu_text(cpu_post), reference, "—", None)
    acks = broker_acks(connections)
    if acks and post:
        row(f"ritmo propio del broker: cliente librdkafka simple con {connections} registros en vuelo "
            "(scripts/productor_referencia.c, como los de POST)",
            f"{' y '.join(fmt(a) for a in acks)} acks/s", f"POST /pedidos, {connections} conexiones: "
            f"{' y '.join(fmt(p) for p in post)} req/s", "—", None)

# Sustained end to end, at every rate tried.
# A run kept as sostenido-r<R>-perturbada (rendimiento.sh) sorts right after the run that replaced it.
for directory in sorted(glob.glob(os.path.join(session, "sostenido-r*")),
                        key=lambda d: (int(re.search(r"-r(\d+)", os.path.basename(d)).group(1)), d)):
    name = os.path.basename(directory)
    sustained = carga(name)
    if not sustained:
        continue
    late = sustained["retraso_transicion_ms"]["todas"]
    mail = load(f"{name}/correo.json") or {}
    lag = sustained.get("lag_consumidor", {})
    post = sustained["latencia_post_ms"]
    disturbed = disturbance(name)
    ok = None if disturbed else (sustained["perdidos"] == 0 and late["p99"] <= 25 and (mail.get("p99_ms") or 1e9) <= 2000
                                 and mail.get("no_enviados", 1) == 0)
    row(f"sostenido R = {sustained['parametros']['tasa']:.0f} pedidos/s × {sustained['parametros']['duracion_s']:.0f} s, N = 1 s",
        f"{sustained['aceptados_por_s']:.1f} aceptados/s, {sustained['finalizados']} finalizados, {sustained['perdidos']} perdidos; "
        f"retraso p99 {late['p99']:.0f} ms (máx {late['max']:.0f}); correo p99 {fmt(mail.get('p99_ms'))} ms; "
        f"POST p50 {post['p50']:.0f} ms, p99 {post['p99']:.0f} ms; lag máx {lag.get('max', '—')}, final {lag.get('final', '—')}"
        f"{disturbed}",
        "—", "todo finalizado, retraso p99 ≤ 25 ms, correo p99 ≤ 2 s, lag plano", ok)
    processes = load(f"{name}/procesos.json") or {}
    for process in ("solicitudes", "procesamiento", "notificaciones", "tansu", "postgres", "smtp"):
        if process in processes:
            p = processes[process]
            service = process in ("solicitudes", "procesamiento", "notificaciones")
            row(f"{process} durante el sostenido a {sustained['parametros']['tasa']:.0f}/s (CPU media / máx, RSS máx)",
                f"{p['cpu_media_pct']:.0f} % / {p['cpu_max_pct']:.0f} % de un núcleo, {p['rss_max_mb']:.0f} MB",
                "—", "RSS ≤ 64 MB" if service else "—", p["rss_max_mb"] <= 64 if service else None)

# Idle.
idle = load("reposo.json") or {}
for name in ("solicitudes", "procesamiento", "notificaciones"):
    if name in idle:
        p = idle[name]
        row(f"{name} en reposo, 30 s (CPU media, RSS)", f"{p['cpu_media_pct']:.1f} %, {p['rss_max_mb']:.0f} MB", "—", "CPU < 1 %",
            p["cpu_media_pct"] < 1)
if "tansu" in idle:
    row("broker (Tansu) con los servicios en reposo, 30 s (CPU media)", f"{idle['tansu']['cpu_media_pct']:.1f} %", "—", "—", None)

machine = open(os.path.join(session, "maquina.txt")).read().strip() if os.path.exists(os.path.join(session, "maquina.txt")) else ""
print(f"# Rendimiento: {os.path.basename(session.rstrip('/'))}\n")
print("Medido con `scripts/rendimiento.sh` (compilación release, todo en esta máquina). Máquina y commit:\n")
print("```\n" + machine + "\n```\n")
if precarga:
    print(f"Volumen acumulado: {precarga}.\n")
print("| qué | medido | referencia en la misma corrida | objetivo | ¿cumple? |")
print("|---|---|---|---|---|")
print("\n".join(rows))
