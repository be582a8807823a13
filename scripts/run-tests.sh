#!/usr/bin/env bash
# README command 2: set up, build, and run the whole test suite that CI runs (every label but
# gpu and bench). GUI tests need a display: they run under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
xvfb-run -a -s '-screen 0 1280x800x24' \
  ctest --test-dir build -LE 'gpu|bench' --output-on-failure -j "$jobs" ${EBSD_CTEST_ARGS:-}
