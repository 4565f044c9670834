import json,sys,glob,os,re
# The A/B table of the LEEME: for each run directory (espera-*) and load run, figures from resumen.json (carga),
# procesos.json, correo.json and the difference of pedidos_fetch_delay_seconds between the two metric dumps.
#   python3 tabla.py DIR sostenido-r250,volumen/n1s-r100,volumen/n1s-r500
base=sys.argv[1]; runs=sys.argv[2].split(",")
def hist(path, name):
    b={}
    for l in open(path):
        if l.startswith(name+"_bucket"):
            le=re.search(r'le="([^"]+)"',l).group(1); b[le]=b.get(le,0)+float(l.split()[-1])
    return b
print("| corrida | carga | aceptados/s | retraso p99 / máx | POST p50 / p99 | correo p50 / p99 | CPU media de Tansu | CPU de notificaciones | CPU de procesamiento | registros que llegaron a su etapa > 1 s después de su marca de tiempo |")
print("|---|---|---|---|---|---|---|---|---|---|")
for d in sorted(glob.glob(base+"/espera-*")):
    if not os.path.isdir(d): continue
    for run in runs:
        p=f"{d}/{run}"
        if not os.path.exists(p+"/procesos.json"): continue
        r=json.load(open(glob.glob(p+"/sostenido-*/resumen.json")[0]))
        pr=json.load(open(p+"/procesos.json")); c=json.load(open(p+"/correo.json"))
        lat=r["retraso_transicion_ms"]; allp99=max(v["p99"] for v in lat.values() if isinstance(v,dict) and "p99" in v); allmax=max(v["max"] for v in lat.values() if isinstance(v,dict) and "max" in v)
        allp99=lat["todas"]["p99"]; allmax=lat["todas"]["max"]
        a=hist(p+"/metricas-antes-procesamiento.txt","pedidos_fetch_delay_seconds"); b=hist(p+"/metricas-despues-procesamiento.txt","pedidos_fetch_delay_seconds")
        over=(b["+Inf"]-b["1.0"])-(a.get("+Inf",0)-a.get("1.0",0))
        post=r["latencia_post_ms"]
        print(f"| {os.path.basename(d)} | {run} | {r['aceptados_por_s']} | {allp99} / {allmax} ms | {post['p50']:.1f} / {post['p99']:.1f} ms | {c['p50_ms']:.0f} / {c['p99_ms']:.0f} ms | {pr['tansu']['cpu_media_pct']} % | {pr['notificaciones']['cpu_media_pct']} % | {pr['procesamiento']['cpu_media_pct']} % | {over:.0f} |")
