import json, sys
rows = json.load(open(sys.argv[1])); o = json.load(open(sys.argv[2]))
a, b = o['primero'], o['ultimo']
w = [r for r in rows if a <= r[0] <= b]
pid = w[-1][3]; w = [r for r in w if r[3] == pid]
cs = w[-1][1] - w[0][1]; ticks = w[-1][2] - w[0][2]; secs = w[-1][0] - w[0][0]
mails = o['correos_por_s'] * secs
print(f"{sys.argv[2].split('/')[-3]}: {o['correos_por_s']} mails/s; over {secs:.1f} s of the drain: {cs/mails:.1f} context switches and {ticks*10/mails:.3f} ms of CPU per mail (notificaciones)")
