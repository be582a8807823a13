#!/usr/bin/env bash
# Debian packages the GPU machine lacks (it has no network and no ICU, which the tokenizers in io/
# need), carried there as .deb files in .device-debs/ (gitignored).
#   bash scripts/device-debs.sh fetch     here, before a device call: downloads them with apt-get
#   source scripts/device-debs.sh         on the GPU machine, from the other device scripts: unpacks
#                                         them under /tmp/device-root and points CMake at them
# The unpacked libraries are found by CMake through CMAKE_PREFIX_PATH; the binaries built against
# them find them through LD_LIBRARY_PATH (libicudata is only an indirect dependency, not in the RPATH).
packages=(libicu-dev libicu72)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = fetch ]; then
  set -euo pipefail
  mkdir -p "$here/.device-debs"
  cd "$here/.device-debs" && apt-get download "${packages[@]}"
  exit 0
fi
if ls "$here"/.device-debs/*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/device-root
  for f in "$here"/.device-debs/*.deb; do dpkg -x "$f" /tmp/device-root; done
  export CMAKE_PREFIX_PATH="/tmp/device-root/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export ICU_ROOT=/tmp/device-root/usr
  export LD_LIBRARY_PATH="/tmp/device-root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
