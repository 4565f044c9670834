"""Markdown (docs/*.md) -> PDF with the images embedded. Run through scripts/informe-pdf.sh.

Usage: informe_pdf.py [--strict] SOURCE.md[:OUTPUT.pdf] ...

For each source: converts it with Python-Markdown (tables, fenced code, heading ids compatible with
GitHub's), checks the images it references and the placeholders it still has, and writes the PDF with
WeasyPrint, resolving relative paths (images) against the source's folder. Links to sibling Markdown
documents (`modelo.md#x`) become links to their PDFs (`modelo.pdf#x`).

Placeholders are HTML comments starting with RESULTADOS, PENDIENTE or REVISAR (invisible in the PDF)
and the visible word *pendiente*. They are reported; with --strict, any placeholder or missing image is
an error (exit status 1).
"""

import html
import logging
import re
import sys
from pathlib import Path

import markdown
from markdown.extensions.toc import slugify_unicode
from weasyprint import CSS, HTML

CSS_FILE = Path(__file__).with_name("informe.css")
PLACEHOLDER = re.compile(r"<!--\s*(RESULTADOS|PENDIENTE|REVISAR)\b[:\s]*(.*?)(?:-->|$)|\*pendiente\*")
# Inline images ![alt](path) and reference definitions [id]: path
IMAGE_INLINE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*(\S+)", re.MULTILINE)
IMAGE_REFERENCE = re.compile(r"!\[[^\]]*\]\[([^\]]+)\]")
SIBLING_MD_LINK = re.compile(r'href="([A-Za-z0-9_.-]+)\.md(#[^"]*)?"')
# An image alone in its paragraph becomes a figure whose caption is its alt text.
LONE_IMAGE = re.compile(r'<p>(<img alt="([^"]*)"[^>]*>)</p>')


def placeholders(text: str) -> list[str]:
    """Every placeholder, as 'line N: KIND text'."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in PLACEHOLDER.finditer(line):
            kind = match.group(1) or "pendiente"
            detail = (match.group(2) or "").strip()
            found.append(f"línea {number}: {kind}{': ' + detail if detail else ''}")
    return found


def images(text: str) -> list[str]:
    """Relative image paths the document references (inline or by reference)."""
    references = {key.lower(): path for key, path in REFERENCE_DEF.findall(text)}
    paths = IMAGE_INLINE.findall(text)
    paths += [references[key.lower()] for key in IMAGE_REFERENCE.findall(text) if key.lower() in references]
    return [p for p in paths if "://" not in p]


def to_html(text: str, title: str) -> str:
    body = markdown.markdown(
        text,
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"slugify": slugify_unicode}},
        output_format="html5",
    )
    body = LONE_IMAGE.sub(r"<figure>\1<figcaption>\2</figcaption></figure>", body)
    body = SIBLING_MD_LINK.sub(lambda m: f'href="{m.group(1)}.pdf{m.group(2) or ""}"', body)
    return (
        '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    jobs = [a for a in argv if a != "--strict"]
    if not jobs:
        print(__doc__, file=sys.stderr)
        return 2
    # WeasyPrint reports unreadable images and unsupported CSS through logging.
    logging.basicConfig(level=logging.WARNING, format="  weasyprint: %(message)s")
    css = CSS(filename=str(CSS_FILE))
    problems = 0
    for job in jobs:
        source_text, _, output_text = job.partition(":")
        source = Path(source_text)
        output = Path(output_text) if output_text else source.with_suffix(".pdf")
        text = source.read_text(encoding="utf-8")

        missing = [p for p in images(text) if not (source.parent / p).is_file()]
        for path in missing:
            print(f"  {source}: falta la imagen {path}", file=sys.stderr)
        pending = placeholders(text)
        if pending:
            print(f"  {source}: {len(pending)} marcador(es) por completar", file=sys.stderr)
            for item in pending:
                print(f"    {item}", file=sys.stderr)
        if strict and (missing or pending):
            problems += 1
            continue

        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), source.stem)
        document = HTML(string=to_html(text, title), base_url=str(source.parent.resolve()) + "/")
        document.write_pdf(str(output), stylesheets=[css])
        print(f"  {output} ({output.stat().st_size // 1024} KiB)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
