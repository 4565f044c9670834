import sys,re,glob,json
# Usage: resumen.py <ab dir>: per run, lateness from the load generator and procesamiento's dispatch/fetch histograms.
def hist(f,m):
    b={};s=c=0
    for l in open(f):
        if l.startswith(f'pedidos_{m}_seconds_bucket{{'):
            le=re.search(r'le="([^"]+)"',l).group(1); b[le]=b.get(le,0)+int(float(l.split()[-1]))
        elif l.startswith(f'pedidos_{m}_seconds_sum{{'): s+=float(l.split()[-1])
        elif l.startswith(f'pedidos_{m}_seconds_count{{'): c+=int(float(l.split()[-1]))
    tot=b.get('+Inf',0)
    return c,s,{le:tot-n for le,n in b.items()}
print("| corrida | retraso p50 / p99 / máx (carga) | despertar del despachador: media, > 10 / 25 / 50 ms | llegada > 1 s | retraso > 25 / 50 / 100 ms (procesamiento) |")
print("|---|---|---|---|---|")
for d in sorted(glob.glob(sys.argv[1]+'/*-*/transiciones/n1s-r500')):
    if not glob.glob(d+"/sostenido-*/resumen.json"): continue
    name=d.split('/')[-3]
    r=json.load(open(glob.glob(d+'/sostenido-*/resumen.json')[0]))['retraso_transicion_ms']['todas']
    f=d+'/metricas-despues-procesamiento.txt'
    c,s,o=hist(f,'dispatch_wake_delay')
    _,_,fo=hist(f,'fetch_delay')
    _,_,lo=hist(f,'transition_lateness')
    print(f"| {name} | {r['p50']} / {r['p99']} / {r['max']} ms | {1000*s/max(c,1):.2f} ms; {o.get('0.01')} / {o.get('0.025')} / {o.get('0.05')} de {c} | {fo.get('1.0')} | {lo.get('0.025')} / {lo.get('0.05')} / {lo.get('0.1')} |")
