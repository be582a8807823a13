#!/usr/bin/env bash
# Regenerates the tables of docs/recovery.md: every recovery method on the held-out synthetic
# volumes (one and two missing slices), judged by the metrics of `ebsd eval`; with --validation,
# the table on the validation seeds that chose the projection's prediction weight.
# Usage: scripts/eval-recovery.sh [BUILD_DIR] [--validation] [--device cpu|cuda]
# Needs the target bench_recovery_accuracy (ninja -C BUILD_DIR bench_recovery_accuracy).
set -euo pipefail
build="${1:-build}"
shift || true
set_name=eval
device=cpu
while [ $# -gt 0 ]; do
  case "$1" in
    --validation) set_name=validation ;;
    --device) device="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
bench="$build/tests/bench_recovery_accuracy"
if [ "$set_name" = validation ]; then
  exec "$bench" --set validation --device "$device" --methods fill,transformer,transformer-nearest --weights 0,1,2,3,4,6
fi
exec "$bench" --set eval --device "$device"
