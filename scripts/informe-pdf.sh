#!/usr/bin/env bash
# Builds the PDF of the report from Markdown, with its images embedded.
#
#   scripts/informe-pdf.sh                 docs/informe.md -> docs/informe.pdf
#   scripts/informe-pdf.sh --todos         also docs/modelo.md and docs/preguntas.md (one PDF each)
#   scripts/informe-pdf.sh --estricto ...  fails if a document still has placeholders
#                                          (<!-- RESULTADOS|PENDIENTE|REVISAR … -->, *pendiente*)
#                                          or references a missing image
#   scripts/informe-pdf.sh docs/x.md ...   the given Markdown files
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
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "opción desconocida: $arg (ver --help)" ;;
    *) sources+=("$arg") ;;
  esac
done
(( ${#sources[@]} )) || sources=(docs/informe.md)

# --- Debian packages: Pango for WeasyPrint, DejaVu fonts, python3-venv ----------------------------
APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core python3-venv)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  SUDO=""; if (( EUID != 0 )); then SUDO="sudo"; fi
  log "instalando paquetes de Debian: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- venv with Python-Markdown and WeasyPrint -----------------------------------------------------
VENV="$DEPS/venv-informe"
ensure_venv "$VENV" "$PEDIDOS_ROOT/scripts/requirements-informe.txt" \
  "creando el venv del informe ($VENV): Python-Markdown + WeasyPrint"

# --- render ---------------------------------------------------------------------------------------
cd "$PEDIDOS_ROOT"
for source in "${sources[@]}"; do [[ -f "$source" ]] || die "no existe $source"; done
log "generando PDF: ${sources[*]}"
"$VENV/bin/python" "$PEDIDOS_ROOT/scripts/informe_pdf.py" $strict "${sources[@]}"
