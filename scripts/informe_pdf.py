"""Markdown (docs/*.md) -> PDF with the images embedded. Run through scripts/informe-pdf.sh.

Usage: informe_pdf.py [--strict] --documento docs/informe.json [OUTPUT.pdf]
       informe_pdf.py [--strict] SOURCE.md[:OUTPUT.pdf] ...

--documento: ONE document from the chapters listed in the JSON file (see docs/informe.json): a cover (title,
course, members, date, repository), a table of contents with page numbers, then each chapter on a new page,
numbered (appendices lettered). Inside it:
  - links between the included Markdown files become internal links (modelo.md#6-… -> the heading in the
    chapter), and their text "modelo.md" becomes "cap. 2"; links to files that are not included point to the
    repository (`repositorio`) or, without one, lose the link and keep the text;
  - every image alone in its paragraph is a numbered figure ("Figura N. <alt text>"); its anchor is #fig-<label>
    for a reference-style image ![alt][fig-label], otherwise #fig-<file name without extension>;
  - every table is numbered ("Tabla N."), with the caption of a paragraph "Tabla: <caption> {#tab-id}" right
    before it (the paragraph disappears; {#tab-id} is its anchor);
  - a link to #fig-… or #tab-… gets the text "Figura N" / "Tabla N";
  - a missing image becomes a visible box "Figura N pendiente" and is reported.
The members come from INFORME_INTEGRANTES ("Nombre Apellido; Nombre Apellido") or else the JSON's "integrantes";
INFORME_REPOSITORIO and INFORME_FECHA override "repositorio" and the date.

Single files: converts each with its images; links to sibling Markdown documents become links to their PDFs.

Placeholders are HTML comments starting with RESULTADOS, PENDIENTE or REVISAR (invisible in the PDF) and the
visible word *pendiente*. They are reported, with missing images and an empty member list; with --strict any of
them is an error (exit status 1).
"""

import datetime
import html
import json
import logging
import os
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
IMAGE_REFERENCE = re.compile(r"!\[([^\]]*)\]\[([^\]]+)\]")
SIBLING_MD_LINK = re.compile(r'href="([A-Za-z0-9_.-]+)\.md(#[^"]*)?"')
# An image alone in its paragraph becomes a figure whose caption is its alt text.
LONE_IMAGE = re.compile(r'<p>(<img alt="([^"]*)"[^>]*>)</p>')
LOCAL_TOC = re.compile(r"^(?:\d+\.\s+\[[^\]]+\]\(#[^)]+\)\s*\n)+", re.MULTILINE)
TABLE_CAPTION = re.compile(r'<p>Tabla:\s*(.*?)\s*(?:\{#([\w-]+)\})?\s*</p>\s*<table>', re.DOTALL)
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]


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
    paths += [references[key.lower()] for _, key in IMAGE_REFERENCE.findall(text) if key.lower() in references]
    return [p for p in paths if "://" not in p]


def convert(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS, extension_configs={"toc": {"slugify": slugify_unicode}},
                             output_format="html5")


def to_html(text: str, title: str) -> str:
    body = convert(text)
    body = LONE_IMAGE.sub(r"<figure>\1<figcaption>\2</figcaption></figure>", body)
    body = SIBLING_MD_LINK.sub(lambda m: f'href="{m.group(1)}.pdf{m.group(2) or ""}"', body)
    return (
        '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


# --- one document from many chapters ----------------------------------------------------------------

class Chapter:
    def __init__(self, entry: dict, base: Path, number: str):
        self.path = (base / entry["archivo"]).resolve()
        self.folder = self.path.parent
        self.stem = entry.get("ancla") or self.path.stem.replace(".", "-")
        self.number = number
        self.appendix = bool(entry.get("anexo"))
        self.title = entry.get("titulo")
        self.language = entry.get("lenguaje")
        self.intro = entry.get("intro", "")
        self.text = self.path.read_text(encoding="utf-8")
        if not self.title:
            self.title = next((l[2:].strip() for l in self.text.splitlines() if l.startswith("# ")), self.stem)

    @property
    def label(self) -> str:
        return f"anexo {self.number}" if self.appendix else f"cap. {self.number}"


class Book:
    def __init__(self, config_path: Path):
        self.config_path = config_path.resolve()
        self.base = self.config_path.parent
        self.config = json.loads(config_path.read_text(encoding="utf-8"))
        env = os.environ
        members = env.get("INFORME_INTEGRANTES")
        self.members = [m.strip() for m in members.split(";") if m.strip()] if members else self.config.get("integrantes", [])
        self.repository = (env.get("INFORME_REPOSITORIO") or self.config.get("repositorio") or "").rstrip("/")
        self.branch = self.config.get("rama", "main")
        self.date = env.get("INFORME_FECHA") or self.config.get("fecha") or datetime.date.today().strftime("%d/%m/%Y")
        self.root = (self.base / self.config.get("raiz", "..")).resolve()
        chapters, numbered, lettered = [], 0, 0
        for entry in self.config["capitulos"]:
            if entry.get("anexo"):
                lettered += 1
                number = chr(ord("A") + lettered - 1)
            else:
                numbered += 1
                number = str(numbered)
            chapters.append(Chapter(entry, self.base, number))
        self.chapters = chapters
        self.by_path = {c.path: c for c in chapters}
        self.problems: list[str] = []
        self.figures: dict[str, str] = {}
        self.tables: dict[str, str] = {}

    # Links --------------------------------------------------------------------------------------
    def repo_url(self, target: Path, fragment: str) -> str | None:
        if not self.repository:
            return None
        try:
            relative = target.relative_to(self.root).as_posix()
        except ValueError:
            return None
        kind = "tree" if target.is_dir() or not target.suffix else "blob"
        return f"{self.repository}/{kind}/{self.branch}/{relative}{fragment}"

    def rewrite_links(self, body: str, chapter: Chapter) -> str:
        def link(match: re.Match) -> str:
            attributes, text = match.group(1), match.group(2)
            found = re.search(r'href="([^"]*)"', attributes)
            if not found:
                return match.group(0)
            href = found.group(1)
            if re.match(r"[a-z]+:", href):
                return match.group(0)
            if href.startswith("#"):
                anchor = href[1:]
                new = anchor if anchor.startswith(("fig-", "tab-")) else f"{chapter.stem}--{anchor}"
                return f'<a href="#{new}">{text}</a>'
            path, _, fragment = href.partition("#")
            target = (chapter.folder / html.unescape(path)).resolve()
            other = self.by_path.get(target)
            if other:
                new = f"#{other.stem}--{fragment}" if fragment else f"#{other.stem}"
                text = re.sub(r"\b" + re.escape(target.name) + r"\b", other.label, text)
                return f'<a href="{new}">{text}</a>'
            url = self.repo_url(target, f"#{fragment}" if fragment else "")
            return f'<a href="{url}">{text}</a>' if url else f'<span class="enlace-externo">{text}</span>'

        body = re.sub(r"<a ([^>]*)>(.*?)</a>", link, body, flags=re.DOTALL)
        # `modelo.md` quoted as code in the prose: name the chapter instead.
        for other in self.chapters:
            if other.path.suffix == ".md":
                body = body.replace(f"<code>{other.path.name}</code>", f'<a href="#{other.stem}">{other.label}</a>')
        return body

    # Figures and tables ------------------------------------------------------------------------------
    def number_figures(self, body: str, chapter: Chapter) -> str:
        def figure(match: re.Match) -> str:
            img, alt = match.group(1), html.unescape(match.group(2))
            src = re.search(r'src="([^"]*)"', img).group(1)
            title = re.search(r'title="fig:([\w-]+)"', img)
            label = title.group(1) if title else "fig-" + Path(src).stem
            number = len(self.figures) + 1
            self.figures[label] = str(number)
            caption = f'<figcaption><span class="num">Figura {number}.</span> {html.escape(alt)}</figcaption>'
            file = (chapter.folder / html.unescape(src)).resolve()
            if not file.is_file():
                self.problems.append(f"{chapter.path.name}: falta la imagen {src}")
                return (f'<figure id="{label}" class="pendiente"><div class="figura-pendiente">Figura pendiente: '
                        f"{html.escape(src)}</div>{caption}</figure>")
            img = re.sub(r'\s*title="[^"]*"', "", img).replace(f'src="{src}"', f'src="{file.as_uri()}"')
            return f'<figure id="{label}">{img}{caption}</figure>'

        return LONE_IMAGE.sub(figure, body)

    def number_tables(self, body: str) -> str:
        def captioned(match: re.Match) -> str:
            number = len(self.tables) + 1
            label = match.group(2) or f"tab-{number}"
            self.tables[label] = str(number)
            return f'<table id="{label}"><caption><span class="num">Tabla {number}.</span> {match.group(1)}</caption>'

        parts = re.split(r"(<p>Tabla:.*?</p>\s*<table>|<table>)", body, flags=re.DOTALL)
        out = []
        for part in parts:
            if part.startswith("<p>Tabla:"):
                out.append(TABLE_CAPTION.sub(captioned, part))
            elif part == "<table>":
                number = len(self.tables) + 1
                self.tables[f"tab-{number}"] = str(number)
                out.append(f'<table id="tab-{number}"><caption><span class="num">Tabla {number}.</span></caption>')
            else:
                out.append(part)
        return "".join(out)

    def cross_references(self, body: str) -> str:
        def ref(match: re.Match) -> str:
            anchor = match.group(1)
            if anchor in self.figures:
                return f'<a class="ref" href="#{anchor}">Figura {self.figures[anchor]}</a>'
            if anchor in self.tables:
                return f'<a class="ref" href="#{anchor}">Tabla {self.tables[anchor]}</a>'
            self.problems.append(f"referencia a #{anchor}, que no existe")
            return match.group(0)

        return re.sub(r'<a href="#((?:fig|tab)-[\w-]+)">.*?</a>', ref, body, flags=re.DOTALL)

    # Chapters ----------------------------------------------------------------------------------
    def chapter_html(self, chapter: Chapter) -> str:
        if chapter.language or chapter.path.suffix != ".md":
            text = chapter.intro + f"\n\n```{chapter.language or ''}\n{chapter.text.rstrip()}\n```\n"
            heading = chapter.title
        else:
            text = chapter.text
            heading = chapter.title
            # The chapter's own H1 is replaced by the numbered heading; its local list of sections is dropped
            # (the document's table of contents has them).
            text = re.sub(r"^# .*\n", "", text, count=1, flags=re.MULTILINE)
            text = LOCAL_TOC.sub("", text, count=1)
            # Reference-style images carry their label to the figure: ![alt][fig-x] -> ![alt](path "fig:fig-x").
            references = {key.lower(): path for key, path in REFERENCE_DEF.findall(text)}
            text = IMAGE_REFERENCE.sub(
                lambda m: f'![{m.group(1)}]({references[m.group(2).lower()]} "fig:{m.group(2)}")'
                if m.group(2).lower() in references else m.group(0), text)
        for item in placeholders(chapter.text):
            self.problems.append(f"{chapter.path.name}: {item}")
        body = convert(text)
        body = re.sub(r'id="([^"]+)"', lambda m: f'id="{chapter.stem}--{m.group(1)}"', body)
        # "## 3. Tópicos" in chapter 2 reads "2.3 Tópicos", "### 3.4 Barrido" reads "2.3.4 Barrido".
        body = re.sub(r'(<h[23] id="[^"]*">)(\d+(?:\.\d+)*(?: (?:bis|ter))?)\.? ',
                      lambda m: f"{m.group(1)}{chapter.number}.{m.group(2)} ", body)
        body = body.replace("<em>pendiente</em>", '<em class="pendiente">pendiente</em>')
        body = self.rewrite_links(body, chapter)
        body = self.number_figures(body, chapter)
        body = self.number_tables(body)
        kind = "Anexo" if chapter.appendix else ""
        number = f"{kind} {chapter.number}." if kind else f"{chapter.number}."
        return (f'<section class="capitulo{" anexo" if chapter.appendix else ""}">'
                f'<h1 id="{chapter.stem}"><span class="num">{number}</span> {html.escape(chapter.title)}</h1>'
                f"{body}</section>")

    def cover(self) -> str:
        c = self.config
        members = "".join(f"<li>{html.escape(m)}</li>" for m in self.members)
        if not self.members:
            self.problems.append("sin integrantes: defina INFORME_INTEGRANTES o \"integrantes\" en "
                                 f"{self.config_path.name}")
            members = '<li class="pendiente">(integrantes sin definir: INFORME_INTEGRANTES)</li>'
        repo = (f'<p class="repositorio">Repositorio: <a href="{html.escape(self.repository)}">'
                f"{html.escape(self.repository)}</a></p>") if self.repository else ""
        lines = "".join(f"<p>{html.escape(c[k])}</p>" for k in ("curso", "institucion") if c.get(k))
        return (f'<section class="portada"><p class="antetitulo">{html.escape(c.get("antetitulo", ""))}</p>'
                f'<h1 class="titulo">{html.escape(c["titulo"])}</h1>'
                f'<p class="subtitulo">{html.escape(c.get("subtitulo", ""))}</p>{lines}'
                f'<div class="integrantes"><p>Integrantes</p><ul>{members}</ul></div>'
                f'<p class="fecha">{html.escape(self.date)}</p>{repo}</section>')

    def contents(self, bodies: list[str]) -> str:
        items = []
        for chapter, body in zip(self.chapters, bodies):
            kind = "Anexo " if chapter.appendix else ""
            items.append(f'<li class="cap"><a href="#{chapter.stem}">{kind}{chapter.number}. '
                         f"{html.escape(chapter.title)}</a></li>")
            for anchor, title in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', body):
                items.append(f'<li class="sec"><a href="#{anchor}">{re.sub(r"<[^>]+>", "", title)}</a></li>')
        return f'<section class="indice"><h1 class="indice-titulo">Índice</h1><ul>{"".join(items)}</ul></section>'

    def render(self) -> str:
        bodies = [self.chapter_html(c) for c in self.chapters]
        bodies = [self.cross_references(b) for b in bodies]
        anchors = set(re.findall(r'id="([^"]+)"', "".join(bodies))) | {c.stem for c in self.chapters}
        for body in bodies:
            for target in sorted(set(re.findall(r'href="#([^"]+)"', body)) - anchors):
                self.problems.append(f"enlace interno roto: #{target}")
        return ('<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
                f'<title>{html.escape(self.config["titulo"])}</title></head><body>'
                f"{self.cover()}{self.contents(bodies)}{''.join(bodies)}</body></html>")


def build_document(config: Path, output: Path | None, strict: bool, css: CSS) -> int:
    book = Book(config)
    document = book.render()
    for problem in book.problems:
        print(f"  {problem}", file=sys.stderr)
    print(f"  {len(book.chapters)} capítulos, {len(book.figures)} figuras, {len(book.tables)} tablas, "
          f"{len(book.problems)} pendientes", file=sys.stderr)
    if strict and book.problems:
        return 1
    output = output or (book.base / book.config.get("salida", "informe.pdf"))
    HTML(string=document, base_url=str(book.base) + "/").write_pdf(str(output), stylesheets=[css])
    print(f"  {output} ({output.stat().st_size // 1024} KiB)")
    return 0


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    args = [a for a in argv if a != "--strict"]
    logging.basicConfig(level=logging.WARNING, format="  weasyprint: %(message)s")
    css = CSS(filename=str(CSS_FILE))
    if args and args[0] == "--documento":
        if len(args) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        return build_document(Path(args[1]), Path(args[2]) if len(args) > 2 else None, strict, css)
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    problems = 0
    for job in args:
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
