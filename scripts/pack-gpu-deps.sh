#!/usr/bin/env bash
# The GPU machine has PyTorch's LibTorch, nvcc, Eigen and HDF5 but none of the small Debian
# development packages we build with (nlohmann-json, CLI11, GoogleTest, libpng, zlib) and no
# network. This copies those packages' installed files from this machine into build-deps/,
# keeping the /usr layout so their CMake configs resolve relative to it; pass build-deps in
# `carry` and scripts/gpu-check.sh adds it to CMAKE_PREFIX_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build-deps
for pkg in nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libpng-dev zlib1g-dev; do
  dpkg -L "$pkg" 2>/dev/null | while read -r f; do
    case "$f" in
      /usr/share/doc*|/usr/share/man*|/usr/src*) continue ;;
    esac
    if [ -f "$f" ] || [ -L "$f" ]; then
      mkdir -p "build-deps$(dirname "${f#/usr}")"
      cp -P "$f" "build-deps${f#/usr}"
    fi
  done
done
# Shared-library links would point at libraries the GPU machine may not have: keep static ones.
find build-deps -name '*.so' -delete
du -sh build-deps
