#!/usr/bin/env bash
# Builds the PDF of the report from Markdown, with its images embedded.
#
#   scripts/informe-pdf.sh                 docs/informe.pdf: ONE document from the chapters of docs/informe.json
#                                          (cover, contents, executive summary, data model and Kafka, demand
#                                          model, scenarios and results, the five answers, technologies,
#                                          conclusions, the cluster compose as an appendix); numbered figures and
#                                          tables, links between the Markdown files as links inside the PDF
#   scripts/informe-pdf.sh --estricto      fails if a chapter still has placeholders (<!-- RESULTADOS|PENDIENTE|
#                                          REVISAR … -->, *pendiente*), a missing image, or no members
#   scripts/informe-pdf.sh docs/x.md ...   the given Markdown files, one PDF each (--todos: informe, modelo, preguntas)
#
# Members on the cover: INFORME_INTEGRANTES="Nombre Apellido; Nombre Apellido" (or "integrantes" in
# docs/informe.json); INFORME_REPOSITORIO and INFORME_FECHA likewise. The figures quoted with a marker are
# checked against their results files first (scripts/cifras.py); a mismatch stops the build.
#
# Toolchain: Python-Markdown + WeasyPrint (pinned in scripts/requirements-informe.txt) in their own
# venv, .deps/venv-informe, apart from the project venv (WeasyPrint brings its own fonttools/pillow,
# which must not change matplotlib's). WeasyPrint needs Pango (Debian libpango-1.0-0, libpangoft2-1.0-0)
# (libharfbuzz-subset0 to subset fonts) and the DejaVu fonts; they are installed with apt if missing.
# Idempotent: once installed, a run only checks and renders (no network).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

strict=""
sources=()
for arg in "$@"; do
  case "$arg" in
    --todos) sources+=(docs/informe.md docs/modelo.md docs/preguntas.md) ;;
    --estricto) strict="--strict" ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "opción desconocida: $arg (ver --help)" ;;
    *) sources+=("$arg") ;;
  esac
done

# --- Debian packages: Pango for WeasyPrint, DejaVu fonts, python3-venv ----------------------------
APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core python3-venv)
ensure_debian_packages "${APT_PACKAGES[@]}"

# --- venv with Python-Markdown and WeasyPrint -----------------------------------------------------
VENV="$DEPS/venv-informe"
ensure_venv "$VENV" "$PEDIDOS_ROOT/scripts/requirements-informe.txt" \
  "creando el venv del informe ($VENV): Python-Markdown + WeasyPrint"

# --- render ---------------------------------------------------------------------------------------
cd "$PEDIDOS_ROOT"
if (( ! ${#sources[@]} )); then
  python3 scripts/cifras.py || die "una cifra del informe no coincide con su archivo de resultados (scripts/cifras.py)"
  log "generando docs/informe.pdf (capítulos de docs/informe.json)"
  exec "$VENV/bin/python" "$PEDIDOS_ROOT/scripts/informe_pdf.py" $strict --documento docs/informe.json
fi
for source in "${sources[@]}"; do [[ -f "$source" ]] || die "no existe $source"; done
log "generando PDF: ${sources[*]}"
"$VENV/bin/python" "$PEDIDOS_ROOT/scripts/informe_pdf.py" $strict "${sources[@]}"
