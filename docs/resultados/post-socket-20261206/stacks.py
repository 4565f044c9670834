# Counts the samples of a `perf record -g` file whose call stack has a frame matching each regular expression,
# in total and by thread. Usage: python3 stacks.py perf.data PATTERN...
import sys, subprocess, re, collections
data = sys.argv[1]; pats = sys.argv[2:]
out = subprocess.run(["perf","script","-i",data], capture_output=True, text=True).stdout
samples = []; cur = None
for line in out.split("\n"):
    if line and not line[0].isspace():
        cur = [line.split()[0] if not line.startswith("-qos") else "-qos.overcommit", []]; samples.append(cur)
    elif line.strip() and cur is not None:
        cur[1].append(line.strip())
n = len(samples); print("samples", n, dict(collections.Counter(s[0] for s in samples)))
bythread = collections.Counter(s[0] for s in samples)
for p in pats:
    hit = [s for s in samples if any(re.search(p, f) for f in s[1])]
    t = collections.Counter(s[0] for s in hit)
    print(f"{p}: {len(hit)} ({100*len(hit)/n:.1f}%) by thread {dict(t)}")
