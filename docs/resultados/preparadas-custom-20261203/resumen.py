#!/usr/bin/env python3
"""One row per A/B run: the figures that decide on prepared statements."""
import glob, json, re, sys, os
def j(p): return json.load(open(p))
def rps(p):
    m = re.search(r'Requests/sec:\s*([\d.]+)', open(p).read()); return float(m.group(1)) if m else float('nan')
print("| corrida | outbox/s | cliente 8 con. (antes/después) | PG ms/correo | notif ms/correo | PG CPU sostenido m0/m1/m2 | PG CPU medio sostenido | correo p50/p99 | retraso p99 (máx) | POST p99 | POST/health c10 | c64 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for d in sys.argv[1:]:
    name = os.path.basename(d.rstrip('/'))
    try:
        o = j(f'{d}/correo/outbox.json'); pc = j(f'{d}/correo/procesos.json')
        ra = j(f'{d}/correo/referencia-antes.json')['mails_per_s']; rd = j(f'{d}/correo/referencia-despues.json')['mails_per_s']
        rate = o['correos_por_s']
        pg = pc['postgres']['cpu_media_pct'] / 100 / rate * 1000
        nt = pc['notificaciones']['cpu_media_pct'] / 100 / rate * 1000
        s = f'{d}/sostenido-r250'
        ps = j(f'{s}/procesos.json')['postgres']
        rs = j(glob.glob(f'{s}/sostenido-*/resumen.json')[0]); c = j(f'{s}/correo.json')
        import csv
        rows = list(csv.DictReader(open(f'{s}/procesos.csv')))
        mins = {}
        if rows and 'proceso' in rows[0]:
            t0 = float(rows[0].get('t') or rows[0].get('tiempo') or 0)
        pm = os.popen(f'python3 scripts/procesos_por_minuto.py {s} | grep " postgres:"').read().strip().replace('postgres: ', '')
        pm = '/'.join(x.split(':')[1].split('%')[0].strip() for x in pm.split(', ')[:3])
        t = rs['retraso_transicion_ms']['todas']
        ratios = []
        for c_ in (10, 64):
            try:
                r = [rps(f'{d}/post/pedidos-c{c_}-{i}.txt') / rps(f'{d}/post/health-c{c_}-{i}.txt') for i in (1, 2)]
                ratios.append(' y '.join(f'{x:.2f}' for x in r))
            except OSError:
                ratios.append('—')
        print(f"| {name} | {rate:,.0f} | {ra:,.0f} / {rd:,.0f} | {pg:.3f} | {nt:.3f} | {pm} | {ps['cpu_media_pct']:.0f} % | {c['p50_ms']:,.0f} / {c['p99_ms']:,.0f} ms | {t['p99']} ms ({t['max']}) | {rs['latencia_post_ms']['p99']:.0f} ms | {ratios[0]} | {ratios[1]} |")
    except Exception as e:
        print(f"| {name} | incompleta: {e} |")
