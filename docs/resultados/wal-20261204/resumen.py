"""Table of an A/B folder of this session: one row per run (variant-round), from its tabla.md, the services'
metrics (solicitudes' journal writes and POSTs over 25 ms, during the load only: after minus before) and
postgres-lentas.txt (the lines of postgres.log on statements over 20 ms: COMMIT and the journal's INSERT).

Usage: python3 resumen.py <folder>   (e.g. docs/resultados/wal-20261204/preparado)"""
import pathlib
import re
import sys


def cell(tabla, prefix):
    for line in tabla.splitlines():
        if line.startswith("| " + prefix):
            return line.split("|")[2].strip()
    return "—"


def over(metrics_dir, rate, name, labels=""):
    """How many observations of histogram `name` were over 25 ms during the load at `rate`."""
    counts = []
    for moment in ("antes", "despues"):
        path = metrics_dir / f"n1s-r{rate}" / f"metricas-{moment}-solicitudes.txt"
        if not path.exists():
            return "—"
        text = path.read_text()
        total = re.search(rf'^{name}_count{labels} (\S+)', text, re.M)
        within = re.search(rf'^{name}_bucket\{{{labels[1:-1] + "," if labels else ""}le="0.025"\}} (\S+)', text, re.M)
        if not total or not within:
            return "—"
        counts.append(float(total.group(1)) - float(within.group(1)))
    return str(int(counts[1] - counts[0]))


def main(folder):
    root = pathlib.Path(folder)
    post = '{http_route="/pedidos",http_request_method="POST",http_response_status_code="202"}'
    print("| corrida | tasa | retraso p50 / p99 / máx | POST p99 | escrituras del registro > 25 ms | POST > 25 ms (servidor) "
          "| correo p50 / p99 / máx | outbox | sentencias > 20 ms (COMMIT, INSERT del registro) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        tabla_path = run / "tabla.md"
        if not tabla_path.exists():
            continue
        tabla = tabla_path.read_text()
        log = run / "postgres-lentas.txt"
        slow = "—"
        if log.exists():
            text = log.read_text(errors="replace")
            slow = f"{len(re.findall(r'duration: .* COMMIT', text))}, {len(re.findall(r'duration: .*INSERT INTO accepted_orders', text))}"
        outbox = cell(tabla, "correos/s de la outbox")
        for rate in ("100", "500"):
            lateness = cell(tabla, f"retraso de transición, N = 1s, {rate} ")
            if lateness == "—":
                continue
            post_p99 = cell(tabla, "POST /pedidos p99 con el sistema completo, N = 1s") if rate == "100" else "—"
            mail = cell(tabla, f"latencia de correo, N = 1s, {rate} ")
            transitions = run / "transiciones"
            print(f"| {run.name} | {rate}/s | {lateness.split(' (')[0]} | {post_p99} "
                  f"| {over(transitions, rate, 'solicitudes_journal_write_duration_seconds')} "
                  f"| {over(transitions, rate, 'http_server_request_duration', post)} | {mail.split(' (')[0]} "
                  f"| {outbox if rate == '500' else '—'} | {slow} |")


if __name__ == "__main__":
    main(sys.argv[1])
