#!/usr/bin/env bash
# The video of the system working (the assignment's "video de funcionamiento"), recorded from a real run.
#
#   scripts/video.sh            records the run with asciinema into docs/video/pedidos.cast and renders it
#                               (agg -> GIF, ffmpeg -> docs/video/pedidos.mp4, 1280 px wide)
#   scripts/video.sh --corto    the same scenario on short settings (N = 300 ms, small loads, no pauses),
#                               recorded into .run/video-corto/pedidos.cast and checked, not rendered: the
#                               cast must be valid asciicast v2 and hold every scene's caption, and every
#                               step must have succeeded (scripts/test.sh runs it in its last phase)
#
# What it shows, with Spanish captions on screen: (1) scripts/up.sh starting everything on a built tree,
# (2) one order from datasets/diamantes.csv posted with curl and followed through its four states, its
# historial and its four mails as the SMTP server stored them, (3) a load scenario with the load tool's live
# progress and its figure, (4) scripts/scale-workers.sh adding workers, the partitions moving between them
# and a worker killed with kill -9 during a load with no order lost, (5) scripts/down.sh stopping everything.
# Nothing is typed by hand: this script prints each command before running it, and the cast is the run
# (real timestamps; players and the renderer shorten pauses without output to VIDEO_PAUSA_MAXIMA seconds,
# as the cast's header says).
#
# The run has infrastructure and state of its own (PEDIDOS_RUN=.run/video, or .run/video-corto), emptied
# first; endpoints inherited from the caller (KAFKA_BROKERS, DATABASE_URL, SMTP_URL) are ignored. Ports are
# the usual variables (EMBEDDED_*_PORT, SOLICITUDES_PORT, NOTIFICACIONES_PORT, PROCESAMIENTO_PORT,
# WORKERS_BASE_PORT), each shifted by VIDEO_DESPLAZAMIENTO_PUERTOS (0). Other variables: PEDIDOS_DELAY
# (2s; 300ms with --corto), PEDIDOS_BUILD (release), VIDEO_ALMACENAMIENTO (s3 as up.sh; memoria with --corto), VIDEO_FILA (row of
# diamantes.csv posted in scene 2, 2024), VIDEO_PAUSA_MAXIMA (3), VIDEO_SALIDA (docs/video).
# Installs what it needs if missing: Debian asciinema, jq, ffmpeg (only to render); agg and plotext pinned
# by hash in scripts/requirements-video.txt (venv .deps/venv-video).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PEDIDOS_ROOT"

COLS=128
ROWS=36
BAR=5   # caption rows kept at the top (title, three lines of text, a rule); the session scrolls below them

# Every scene's caption title, in order: the short mode checks the cast holds each one.
LEYENDAS=(
  "pedidos: el sistema funcionando, grabado de una corrida real"
  "1/5 · Todo arranca con el primer comando del README"
  "2/5 · Un pedido de un dataset real, de punta a punta"
  "3/5 · Una prueba de carga con la herramienta carga"
  "4/5 · Kafka reparte el trabajo: más workers y un worker muerto con kill -9"
  "5/5 · Todo se detiene de forma ordenada"
  "Fin de la corrida"
)

# =============================================================================================
# The scenes: run inside the recording (scripts/video.sh --escenas), with the environment set up below.
# =============================================================================================
if [[ "${1:-}" == "--escenas" ]]; then
  STATUS_FILE="$VIDEO_DIR/estado"
  echo "incompleto" >"$STATUS_FILE"
  SOL="http://127.0.0.1:$SOLICITUDES_PORT"
  NOT="http://127.0.0.1:$NOTIFICACIONES_PORT"
  PRO="http://127.0.0.1:$PROCESAMIENTO_PORT"
  BIN=".build/$PEDIDOS_BUILD"
  started_at=$(date +%s)

  pausa() { [[ "$VIDEO_PAUSA" == 0 ]] || sleep "$1"; }
  # caption INDEX TEXT: draws the caption bar (title LEYENDAS[INDEX] and a line or two of text) in the rows
  # kept at the top, and leaves the cursor where the session was.
  caption() {
    local title="${LEYENDAS[$1]}" text="$2" lines=() line="" word words
    read -r -a words <<<"$text"
    for word in "${words[@]}"; do
      if (( ${#line} + ${#word} + 1 > COLS - 2 )); then lines+=("$line"); line="$word"; else line="${line:+$line }$word"; fi
    done
    lines+=("$line")
    (( ${#lines[@]} <= BAR - 2 )) || fail "la leyenda «$title» no cabe en $((BAR - 2)) líneas"
    local out=$'\e7' row
    out+=$'\e[1;1H\e[2K\e[1;97;44m'" $(printf '%-*s' $((COLS - 1)) "$title")"$'\e[0m'
    for (( row = 0; row < BAR - 2; row++ )); do
      out+=$'\e['"$((row + 2))"$';1H\e[2K\e[93m '"${lines[$row]:-}"$'\e[0m'
    done
    out+=$'\e['"$BAR"$';1H\e[2K\e[34m'"$(printf '%*s' "$COLS" '' | tr ' ' '-')"$'\e[0m'
    out+=$'\e8'
    printf '%s' "$out"
    echo "$title" >>"$VIDEO_DIR/leyendas-mostradas"
  }
  # note TEXT: a comment line in the session (what the next commands show).
  note() { printf '\n\e[36m# %s\e[0m\n' "$*"; }
  prompt() { printf '\e[2m%s\e[0m \e[1;32mpedidos$\e[0m %s\n' "$(date +%T)" "$1"; }
  fail() { printf '\n\e[1;31mFALLÓ: %s\e[0m\n' "$*"; echo "falló: $*" >"$STATUS_FILE"; exit 1; }
  # run COMMAND: prints the prompt and the command, then runs it in this shell; a failure ends the run.
  run() { prompt "$1"; pausa 0.7; eval "$1" || fail "$1 (código $?)"; }
  # run_to FILE COMMAND: the same, also keeping its output in FILE (to read the order id, for instance).
  run_to() { local file="$1"; prompt "$2"; pausa 0.7; eval "$2" | tee "$file" || fail "$2"; }

  # Assignment of a stage, from every process of it that answers: "pid:particiones ..." (scale-workers.sh
  # status shows the same as a table).
  assigned() {
    local stage="$1" f pid port
    shopt -s nullglob
    for f in "$RUN/workers/$stage"-*.pid "$RUN/services/procesamiento.pid"; do
      pid="$(cat "$f")"; kill -0 "$pid" 2>/dev/null || continue
      if [[ "$f" == */services/* ]]; then port="$PROCESAMIENTO_PORT"; else port="$(cat "${f%.pid}.port")"; fi
      curl -fsS --max-time 8 "http://127.0.0.1:$port/asignacion" 2>/dev/null \
        | jq -r --arg s "$stage" --arg pid "$pid" '$pid + ":" + ([.etapas[] | select(.estado == $s) | .particiones[].particion] | sort | map(tostring) | join(","))'
    done
    shopt -u nullglob
  }
  # settled STAGE PROCESSES: every one of PROCESSES owns partitions of STAGE and together they own all 6.
  settled() {
    local stage="$1" want="$2" rows
    rows="$(assigned "$stage")" || return 1
    (( $(grep -c ':[0-9]' <<<"$rows") == want )) || return 1
    [[ "$(cut -d: -f2 <<<"$rows" | tr ',' '\n' | grep -c .)" == 6 ]] && \
      [[ "$(cut -d: -f2 <<<"$rows" | tr ',' '\n' | sort -un | tr '\n' ' ')" == "0 1 2 3 4 5 " ]]
  }
  # consumed PORT: records the worker on PORT has consumed so far.
  consumed() {
    curl -fsS --max-time 8 "http://127.0.0.1:$1/metrics" 2>/dev/null \
      | awk '/^pedidos_messages_consumed_total/ {s += $NF} END {printf "%d\n", s}'
  }
  # consuming PORT BASE: the worker on PORT has consumed at least 10 records more than BASE.
  consuming() { local n; n="$(consumed "$1")" && (( n >= $2 + 10 )); }
  carga_cmd() {  # carga_cmd SCENARIO DATASET ARGS...: the load tool's command line
    local scenario="$1" dataset="$2"; shift 2
    echo "$BIN/carga $scenario --dataset datasets/$dataset.csv $* --demora $PEDIDOS_DELAY --solicitudes $SOL" \
      "--notificaciones $NOT --procesamiento $PRO --smtp-store $SMTP_STORE_SHOWN --resultados $RESULTADOS"
  }

  # --- screen: caption bar on top, the session scrolls below it ----------------------------------
  printf '\e[2J\e[%d;%dr\e[%d;1H' "$((BAR + 1))" "$ROWS" "$((BAR + 1))"
  caption 0 "Todo lo que sigue son comandos reales ejecutados por scripts/video.sh, con su salida sin editar. \
La hora real está a la izquierda de cada comando; el video acorta a ${VIDEO_PAUSA_MAXIMA} s las esperas sin salida."
  pausa 3

  # --- 1. Start ----------------------------------------------------------------------------------
  caption 1 "Se parte de un árbol ya compilado (swift build -c $PEDIDOS_BUILD, hecho antes de grabar: en frío lleva muchos minutos \
en esta máquina de 2 núcleos). up.sh comprueba lo instalado y levanta Kafka (Tansu, almacenamiento $EMBEDDED_KAFKA_STORAGE), PostgreSQL, SMTP y los 3 servicios."
  note "entorno de esta grabación: demora N por estado, estado propio en $PEDIDOS_RUN, puertos"
  run "env | grep -E '^(PEDIDOS_[A-Z_]*|EMBEDDED_[A-Z_]*|[A-Z_]*_PORT)=' | sort | paste -sd' '"
  run "scripts/up.sh --detach"
  pausa 2

  # --- 2. One order --------------------------------------------------------------------------------
  caption 2 "Una fila de datasets/diamantes.csv (datos reales: diamonds de ggplot2) se envía con curl a solicitudes; \
notificaciones responde GET /pedidos/<id>: cada estado dura N = $PEDIDOS_DELAY. Después, su historial y sus 4 correos."
  run "scripts/datasets.sh"
  row="$(sed -n "$((VIDEO_FILA + 1))p" datasets/diamantes.csv)"
  run "sed -n '$((VIDEO_FILA + 1))p' datasets/diamantes.csv    # fila $VIDEO_FILA: nombre,precio,correo"
  IFS=, read -r nombre precio correo <<<"$row"
  body="$(jq -cn --arg n "$nombre" --argjson p "$precio" --arg c "$correo" '{nombre: $n, precio: $p, correo: $c}')"
  run_to "$VIDEO_DIR/post.txt" "curl -s -i -X POST $SOL/pedidos -H 'Content-Type: application/json' -d '$body'"
  echo
  id="$(grep -o '"id":[0-9]*' "$VIDEO_DIR/post.txt" | head -n1 | cut -d: -f2)"
  [[ -n "$id" ]] || fail "la respuesta del POST no trae un id"
  note "GET /pedidos/$id cada 0,2 s; se imprime cada respuesta distinta de la anterior, con su hora"
  run "r=; prev=; end=\$((SECONDS + 60)); until [[ \$r == *finalizado* || \$SECONDS -gt \$end ]]; do r=\$(curl -s $NOT/pedidos/$id); [[ \$r != \"\$prev\" ]] && echo \"\$(date +%T.%2N) \$r\"; prev=\$r; sleep 0.2; done"
  [[ "$r" == *finalizado* ]] || fail "el pedido $id no llegó a finalizado en 60 s"
  pausa 1
  note "el historial: una fila por transición, con la hora y el estado de su correo"
  run "curl -s $NOT/pedidos/$id/historial | jq -c '.historial[]'"
  note "los correos, tal como los guardó el servidor SMTP ($SMTP_STORE_SHOWN)"
  mail_filter="select(.subject | startswith(\"Tu pedido #$id \"))"
  wait_until "the four mails of order $id" 60 bash -c "[[ \$(jq -c '$mail_filter' '$SMTP_STORE' | wc -l) -ge 4 ]]" \
    || true
  run "jq -c '$mail_filter | {received_at, rcpt_tos, subject}' $SMTP_STORE_SHOWN"
  note "el texto del último, como lo guardó el servidor (campo body, ya decodificado del base64 del mensaje)"
  run "jq -r '$mail_filter | select(.subject | endswith(\"finalizado\")) | .body' $SMTP_STORE_SHOWN"
  pausa 2

  # --- 3. Load -------------------------------------------------------------------------------------
  caption 3 "$CARGA_TEXTO"
  run "$(carga_cmd sostenido supermercado --tasa "$CARGA_TASA" --duracion "$CARGA_DURACION") | tee $VIDEO_DIR_SHOWN/carga.txt"
  folder="$(grep -o -- '-> .*' "$VIDEO_DIR/carga.txt" | tail -n1 | cut -c4-)"
  [[ -d "$folder" ]] || fail "carga no dijo dónde dejó sus resultados"
  note "la figura de esta corrida, de $folder/por_segundo.csv (los datos que scripts/graficos.py dibuja en docs/img/)"
  run "$VENV_SHOWN/bin/python scripts/video_figura.py $folder $((COLS - 4))"
  pausa 3; caption 3 "$CARGA_TEXTO"; pausa 3   # the figure stays on screen two idle limits

  # --- 4. Scaling and a worker killed --------------------------------------------------------------
  caption 4 "procesamiento (up.sh) consume las 3 etapas; scale-workers.sh suma 2 workers de la etapa recibido y Kafka \
reparte sus 6 particiones entre los 3. Después, en plena carga, un worker muere con kill -9: sus particiones pasan a los otros."
  run "scripts/scale-workers.sh status"
  run "scripts/scale-workers.sh recibido 2"
  wait_until "recibido spread over 3 processes" 90 settled recibido 3 || true
  run "scripts/scale-workers.sh status"
  pausa 2
  victim_pid="$(cat "$RUN/workers/recibido-1.pid")"; victim_port="$(cat "$RUN/workers/recibido-1.port")"
  victim_parts="$(assigned recibido | grep "^$victim_pid:" | cut -d: -f2)" || true
  base="$(consumed "$victim_port")" || base=0
  note "una carga en segundo plano; mientras corre, kill -9 al worker 1 de recibido (PID $victim_pid, particiones $victim_parts)"
  prompt "$(carga_cmd sostenido diamantes --tasa "$CARGA_TASA" --duracion "$CARGA_DURACION_FALLA") | tee $VIDEO_DIR_SHOWN/carga-falla.txt &"
  ( eval "$(carga_cmd sostenido diamantes --tasa "$CARGA_TASA" --duracion "$CARGA_DURACION_FALLA") | tee $VIDEO_DIR/carga-falla.txt" ) &
  load_pid=$!
  wait_until "the load to reach worker 1" 60 consuming "$victim_port" "$base" || true
  pausa 2
  killed_at=$(date +%s.%N)
  block="$(printf '\n'; prompt "kill -9 $victim_pid"; kill -9 "$victim_pid" && echo)"
  printf '%s\n' "$block"
  wait_until "recibido spread over the 2 survivors" 90 settled recibido 2 || fail "las particiones del worker muerto no pasaron a los otros"
  moved_in="$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
  block="$(printf '\n\e[36m# las particiones %s pasaron a los otros %s s después del kill -9 (sesión de Kafka: 6 s)\e[0m\n' "$victim_parts" "$moved_in"
           prompt "scripts/scale-workers.sh status"; bash scripts/scale-workers.sh status 2>&1)"
  printf '%s\n' "$block"
  prompt "wait    # a que carga termine: verifica que cada pedido aceptado llegó a finalizado con sus 4 correos"
  wait "$load_pid" || fail "carga encontró pedidos perdidos, duplicados o sin correo"
  grep -q 'perdidos=0 duplicados=0 ' "$VIDEO_DIR/carga-falla.txt" || fail "carga no informó perdidos=0 duplicados=0"
  note "perdidos=0: lo que el worker muerto no había confirmado lo volvió a leer otro; si algo se publicó dos veces, notificaciones lo registró una sola vez (duplicados=0)"
  pausa 3

  # --- 5. Stop -------------------------------------------------------------------------------------
  caption 5 "scripts/down.sh detiene con SIGTERM los servicios y los workers (terminan lo que tienen, confirman offsets y salen \
del grupo) y después Kafka, SeaweedFS, PostgreSQL y SMTP."
  run "scripts/down.sh"
  run "for p in $SOLICITUDES_PORT $NOTIFICACIONES_PORT $PROCESAMIENTO_PORT $EMBEDDED_KAFKA_PORT $EMBEDDED_PG_PORT $EMBEDDED_SMTP_PORT $EMBEDDED_S3_PORT; do (: </dev/tcp/127.0.0.1/\$p) 2>/dev/null && echo \"\$p: alguien escucha\" || echo \"\$p: cerrado\"; done"
  if grep -q 'alguien escucha' <<<"$(for p in $SOLICITUDES_PORT $NOTIFICACIONES_PORT $PROCESAMIENTO_PORT $EMBEDDED_KAFKA_PORT $EMBEDDED_PG_PORT $EMBEDDED_SMTP_PORT; do port_open 127.0.0.1 "$p" && echo "alguien escucha"; done)"; then
    fail "algo sigue escuchando después de down.sh"
  fi
  elapsed=$(( $(date +%s) - started_at ))
  caption 6 "Duración real de la corrida: $((elapsed / 60)) min $((elapsed % 60)) s. Se graba de nuevo con un solo comando: scripts/video.sh"
  printf '\n'
  pausa 3
  printf '\e[r\e[%d;1H' "$ROWS"
  echo "ok" >"$STATUS_FILE"
  exit 0
fi

# =============================================================================================
# Setting up, recording, checking and rendering.
# =============================================================================================
corto=0
case "${1:-}" in
  --corto) corto=1 ;;
  "") ;;
  -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "opción desconocida: $1 (ver --help)" ;;
esac

# --- what it needs: Debian packages and the pinned venv --------------------------------------
APT_PACKAGES=(asciinema jq fonts-dejavu-core python3-venv)
(( corto )) || APT_PACKAGES+=(ffmpeg)
ensure_debian_packages "${APT_PACKAGES[@]}"
VENV="$DEPS/venv-video"
ensure_venv "$VENV" "$PEDIDOS_ROOT/scripts/requirements-video.txt" "creando el venv del video ($VENV): agg + plotext"
bash scripts/bootstrap.sh   # up.sh runs it again inside the recording; here so that its first run's output stays out

# --- the run's environment -------------------------------------------------------------------
shift_by="${VIDEO_DESPLAZAMIENTO_PUERTOS:-0}"
export EMBEDDED_KAFKA_PORT=$(( EMBEDDED_KAFKA_PORT + shift_by )) EMBEDDED_PG_PORT=$(( EMBEDDED_PG_PORT + shift_by ))
export EMBEDDED_SMTP_PORT=$(( EMBEDDED_SMTP_PORT + shift_by )) EMBEDDED_S3_PORT=$(( EMBEDDED_S3_PORT + shift_by ))
export SOLICITUDES_PORT=$(( ${SOLICITUDES_PORT:-8080} + shift_by )) NOTIFICACIONES_PORT=$(( ${NOTIFICACIONES_PORT:-8081} + shift_by ))
export PROCESAMIENTO_PORT=$(( ${PROCESAMIENTO_PORT:-8082} + shift_by )) WORKERS_BASE_PORT=$(( ${WORKERS_BASE_PORT:-18100} + shift_by ))
unset KAFKA_BROKERS DATABASE_URL SMTP_URL SMTP_STORE KAFKA_PROFILE PEDIDOS_SERVICE_DIR PEDIDOS_WORKERS_DIR PEDIDOS_TOPIC_PREFIX
# The broker's storage: s3 as up.sh chooses (the video); memoria in the short mode, a check on a 2-core CI
# machine (s3 makes every write several PUTs: the short loads then take minutes).
if (( corto )); then export EMBEDDED_KAFKA_STORAGE="${VIDEO_ALMACENAMIENTO:-memoria}"; else export EMBEDDED_KAFKA_STORAGE="${VIDEO_ALMACENAMIENTO:-s3}"; fi
export PEDIDOS_BUILD="${PEDIDOS_BUILD:-release}"
if (( corto )); then
  export PEDIDOS_DELAY="${PEDIDOS_DELAY:-300ms}" VIDEO_PAUSA=0 CARGA_TASA="${CARGA_TASA:-20}"
  export CARGA_DURACION="${CARGA_DURACION:-3}" CARGA_DURACION_FALLA="${CARGA_DURACION_FALLA:-12}"
  run_dir="$PEDIDOS_ROOT/.run/video-corto"; out="$run_dir"
else
  export PEDIDOS_DELAY="${PEDIDOS_DELAY:-2s}" VIDEO_PAUSA=1 CARGA_TASA="${CARGA_TASA:-25}"
  export CARGA_DURACION="${CARGA_DURACION:-20}" CARGA_DURACION_FALLA="${CARGA_DURACION_FALLA:-30}"
  run_dir="$PEDIDOS_ROOT/.run/video"; out="${VIDEO_SALIDA:-$PEDIDOS_ROOT/docs/video}"
fi
export CARGA_TEXTO="carga envía filas de datasets/supermercado.csv (compras reales de atún y kétchup) a $CARGA_TASA pedidos/s \
durante $CARGA_DURACION s, muestra su avance cada segundo y al final comprueba que todos llegaron a finalizado con sus 4 correos."
export VIDEO_FILA="${VIDEO_FILA:-2024}" VIDEO_PAUSA_MAXIMA="${VIDEO_PAUSA_MAXIMA:-3}"
export PEDIDOS_RUN="$run_dir" RUN="$run_dir"
export VIDEO_DIR="$run_dir/grabacion" RESULTADOS="resultados/video-$(date +%Y%m%d-%H%M%S)"
# Paths as the session shows them: relative to the checkout.
export VIDEO_DIR_SHOWN="${run_dir#"$PEDIDOS_ROOT"/}/grabacion"
export SMTP_STORE_SHOWN="${run_dir#"$PEDIDOS_ROOT"/}/smtp/messages.jsonl" SMTP_STORE="$run_dir/smtp/messages.jsonl"
export VENV_SHOWN="${VENV#"$PEDIDOS_ROOT"/}"
export COLS ROWS BAR

# A fresh state: stop whatever an earlier run left in this directory, then empty it (PostgreSQL's data
# lives outside when run as root; .run/video/postgres links to it).
bash scripts/down.sh >/dev/null 2>&1 || true
if [[ -L "$run_dir/postgres" ]]; then
  pg_data="$(readlink -f "$run_dir/postgres")"
  [[ "$pg_data" == */pg-* ]] && rm -rf "$pg_data"
fi
rm -rf "$run_dir"
mkdir -p "$VIDEO_DIR" "$out"
[[ -x ".build/$PEDIDOS_BUILD/carga" ]] || die "falta .build/$PEDIDOS_BUILD/carga: compile antes (source scripts/lib.sh; swift build -c $PEDIDOS_BUILD)"

cast="$out/pedidos.cast"
(( corto )) && cast="$VIDEO_DIR/pedidos.cast"
log "grabando en $cast (${COLS}x${ROWS}, N=$PEDIDOS_DELAY, build $PEDIDOS_BUILD, estado en $run_dir)"
# The recording's own shell: a clean prompt-less bash running the scenes. asciinema does not pass the
# recorded command's exit status on: the scenes write theirs to $VIDEO_DIR/estado.
record_status=0
LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color asciinema rec -q --overwrite -i "$VIDEO_PAUSA_MAXIMA" --cols "$COLS" --rows "$ROWS" \
  -t "pedidos: el sistema funcionando (scripts/video.sh)" \
  -c "bash '$PEDIDOS_ROOT/scripts/video.sh' --escenas" "$cast" </dev/null || record_status=$?
# Whatever happened inside, nothing of this run is left running.
bash scripts/down.sh >/dev/null 2>&1 || true
scenes_status="$(cat "$VIDEO_DIR/estado" 2>/dev/null || echo 'sin estado')"

# --- check: valid asciicast v2 with every caption, and every step succeeded -------------------
"$VENV/bin/python" - "$cast" "${LEYENDAS[@]}" <<'PY'
import json, re, sys
path, captions = sys.argv[1], sys.argv[2:]
with open(path, encoding="utf-8") as f:
    lines = f.read().splitlines()
header = json.loads(lines[0])
assert header.get("version") == 2, f"not asciicast v2: {header.get('version')}"
assert isinstance(header.get("width"), int) and isinstance(header.get("height"), int), "no width/height"
text, last = [], 0.0
for n, line in enumerate(lines[1:], start=2):
    t, kind, data = json.loads(line)
    assert isinstance(t, (int, float)) and t >= last, f"line {n}: time {t} goes back"
    assert kind in ("o", "i", "m", "r"), f"line {n}: unknown event {kind!r}"
    last = t
    if kind == "o":
        text.append(data)
plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]", "", "".join(text))
missing = [c for c in captions if c not in plain]
print(f"cast {path}: asciicast v2, {header['width']}x{header['height']}, {len(lines) - 1} events, {last:.1f} s")
if missing:
    sys.exit("captions missing from the cast: " + "; ".join(missing))
PY
[[ "$scenes_status" == ok ]] || die "la corrida grabada no terminó bien: $scenes_status (ver $cast)"
(( record_status == 0 )) || die "asciinema terminó con código $record_status"
log "grabación válida: $cast, con las ${#LEYENDAS[@]} leyendas"
(( corto )) && exit 0

# --- render: agg -> GIF -> ffmpeg -> MP4 (1280 px wide) --------------------------------------
gif="$VIDEO_DIR/pedidos.gif"
mp4="$out/pedidos.mp4"
log "agg: $cast -> $gif"
"$VENV/bin/agg" --font-family "DejaVu Sans Mono" --font-size 16 --fps-cap 10 --idle-time-limit "$VIDEO_PAUSA_MAXIMA" \
  --last-frame-duration 5 "$cast" "$gif"
log "ffmpeg: $gif -> $mp4"
ffmpeg -hide_banner -loglevel error -y -i "$gif" -vf "fps=10,scale=1280:-2:flags=lanczos,format=yuv420p" \
  -c:v libx264 -preset slow -crf 26 -movflags +faststart "$mp4"
size=$(stat -c %s "$mp4")
duration="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$mp4")"
log "video: $mp4 ($(( size / 1024 )) KiB, ${duration%.*} s, $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$mp4"))"
(( size <= 15 * 1024 * 1024 )) || die "$mp4 pesa más de 15 MB"
