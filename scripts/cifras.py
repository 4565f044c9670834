#!/usr/bin/env python3
"""Checks that every figure quoted in the report's Markdown with a marker is in a results file of the repo.

    cifras.py [--lista] [docs/informe.md ...]      (default: every docs/*.md)

Markers (HTML comments: invisible on GitHub and in the PDF):

    <!-- fuente ALIAS: RUTA -->         names a results file, RUTA relative to the Markdown file's folder
                                        (e.g. resultados/barrido-20261202-0310/resumen.json); defined once, anywhere
                                        in the document
    FIGURE<!-- dato: ALIAS CLAVE [*F|/F] -->
                                        the figure just before the marker (a unit such as ms, s, %, /s, MB may sit
                                        between them) must equal the value CLAVE of ALIAS's file, rounded to the
                                        decimals the text shows; *F or /F scales the file's value first (ms -> s: /1000)

CLAVE by kind of file:
    .json   a path of keys separated by '/'; in a list of objects, 'k=v' picks the object whose k is v:
            latencia_post_ms/p99, corridas/corrida=r100-rep1/post_p99_ms
    .csv    'k=v/columna': the column of the row whose k is v (tasa=500/aceptados_por_s); 'columna' alone when the
            file has one row
    other   a label: the first number after the first occurrence of the label in the file (Requests/sec:)

Figures are read in Spanish notation (1.397,9 = 1397.9; 0,72) and also with a decimal point (149.9); a dot followed
by exactly three digits is a thousands separator (12.485 = 12485). Exits 1 when a figure does not match, a file or
key is missing, or an alias is not defined; prints each problem as FILE:LINE. --lista prints every checked figure.
The figures without a marker are not checked: the report marks the ones that come from results files.
"""
import csv
import glob
import json
import math
import os
import re
import sys

SOURCE = re.compile(r"<!--\s*fuente\s+([\w.-]+)\s*:\s*(\S+)\s*-->")
MARKER = re.compile(r"<!--\s*dato:\s*([\w.-]+)\s+(.+?)\s*-->")
NUMBER = r"-?(?:\d{1,3}(?:[.\u202f\u00a0 ]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
FIGURE = re.compile(r"(?<![\w.,])(" + NUMBER + r")\s*(?:%|ms|s|MB|KiB|GiB|/s|pedidos/s|correos/s|peticiones/s)?[*`_]*\s*$")
SCALE = re.compile(r"\s+([*/])\s*([\d.]+)$")


def parse_figure(text):
    """'1.397,9' -> (1397.9, 1); '0,72' -> (0.72, 2); '149.9' -> (149.9, 1); '12 823' -> (12823, 0)."""
    text = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if "," in text:
        whole, _, frac = text.partition(",")
        whole = whole.replace(".", "")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        whole, frac = text.replace(".", ""), ""
    else:
        whole, _, frac = text.partition(".")
    value = float(f"{whole}.{frac}" if frac else whole)
    return value, len(frac)


class CheckError(Exception):
    pass


def lookup_json(data, key):
    node = data
    for part in key.split("/"):
        if isinstance(node, list) and "=" in part:
            k, v = part.split("=", 1)
            matches = [item for item in node if isinstance(item, dict) and str(item.get(k)) == v]
            if not matches:
                raise CheckError(f"no object with {k}={v}")
            node = matches[0]
        elif isinstance(node, list) and part.isdigit():
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise CheckError(f"no key '{part}'")
    return node


def lookup_csv(rows, key):
    if "/" in key:
        selector, column = key.rsplit("/", 1)
        k, v = selector.split("=", 1)
        matches = [r for r in rows if r.get(k) == v]
        if not matches:
            raise CheckError(f"no row with {k}={v}")
        row = matches[0]
    else:
        if len(rows) != 1:
            raise CheckError(f"'{key}' without a row selector in a file of {len(rows)} rows")
        row, column = rows[0], key
    if column not in row:
        raise CheckError(f"no column '{column}'")
    return row[column]


def lookup_text(text, label):
    at = text.find(label)
    if at < 0:
        raise CheckError(f"label '{label}' not found")
    match = re.search(r"-?\d+(?:\.\d+)?", text[at + len(label):])
    if not match:
        raise CheckError(f"no number after '{label}'")
    return match.group(0)


def file_value(path, key, cache):
    if path not in cache:
        if not os.path.isfile(path):
            raise CheckError(f"missing file {path}")
        with open(path, encoding="utf-8") as f:
            if path.endswith(".json"):
                cache[path] = json.load(f)
            elif path.endswith(".csv"):
                cache[path] = list(csv.DictReader(f))
            else:
                cache[path] = f.read()
    data = cache[path]
    if path.endswith(".json"):
        return lookup_json(data, key)
    if path.endswith(".csv"):
        return lookup_csv(data, key)
    return lookup_text(data, key)


def matches(quoted, decimals, actual):
    if math.isnan(actual):
        return False
    return abs(round(actual, decimals) - quoted) < 1e-9 or abs(actual - quoted) <= 0.5 * 10 ** -decimals + 1e-9


def check(path, cache=None, listing=None):
    """Problems of one Markdown file, as 'path:line: message'."""
    cache = {} if cache is None else cache
    with open(path, encoding="utf-8") as f:
        text = f.read()
    base = os.path.dirname(path)
    sources = {alias: os.path.normpath(os.path.join(base, rel)) for alias, rel in SOURCE.findall(text)}
    problems = []
    for match in MARKER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        where = f"{path}:{line}"
        alias, key = match.group(1), match.group(2)
        factor = 1.0
        scale = SCALE.search(key)
        if scale:
            key = key[:scale.start()]
            factor = float(scale.group(2)) if scale.group(1) == "*" else 1 / float(scale.group(2))
        before = text[max(0, match.start() - 60):match.start()].split("|")[-1].split("(")[-1]
        figure = FIGURE.search(before)
        if alias not in sources:
            problems.append(f"{where}: alias '{alias}' without <!-- fuente {alias}: … -->")
            continue
        if not figure or not re.search(r"\d", figure.group(1)):
            problems.append(f"{where}: no figure right before the marker ({alias} {key})")
            continue
        try:
            quoted, decimals = parse_figure(figure.group(1))
            raw = file_value(sources[alias], key, cache)
            actual = float(raw) * factor
        except CheckError as error:
            problems.append(f"{where}: {alias} {key}: {error}")
            continue
        except (TypeError, ValueError):
            problems.append(f"{where}: {alias} {key}: not a number: {raw!r}")
            continue
        if not matches(quoted, decimals, actual):
            problems.append(f"{where}: the text says {figure.group(1).strip()} but {os.path.relpath(sources[alias])} "
                            f"{key} is {raw}" + (f" (× {factor:g} = {actual:g})" if factor != 1 else ""))
        elif listing is not None:
            listing.append(f"{where}: {figure.group(1).strip()} = {alias} {key}")
    return problems


def main(argv):
    listing = [] if "--lista" in argv else None
    paths = [a for a in argv if not a.startswith("--")]
    if not paths:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs")
        paths = sorted(glob.glob(os.path.join(os.path.normpath(root), "*.md")))
    cache, problems, count = {}, [], 0
    for path in paths:
        problems += check(path, cache, listing)
        with open(path, encoding="utf-8") as f:
            count += len(MARKER.findall(f.read()))
    for item in listing or []:
        print(item)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"cifras: {count} cifras marcadas en {len(paths)} documentos, {len(problems)} problemas")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
