#!/usr/bin/env bash
# Regenerates the table of docs/recovery.md: held-out synthetic volumes, one or two missing
# slices, every recovery method judged by `ebsd eval`. Usage: scripts/eval-recovery.sh [BUILD_DIR] [METHODS]
set -euo pipefail
build="${1:-build}"
methods="${2:-nearest interp fill transformer}"
ebsd="$(cd "$build" && pwd)/app/cli/ebsd"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
declare -A spec=(
  [cub-twins]="--grains 150 --twins 0.3 --seed 11"
  [hex]="--grains 80 --laue 6/mmm --seed 12"
  [cub-large]="--grains 40 --seed 13"
)
echo "| volume | slices | method | mean deg | within 2 | within 5 | voxel acc | boundary acc | seconds |"
echo "|---|---|---|---|---|---|---|---|---|"
for v in cub-twins hex cub-large; do
  # shellcheck disable=SC2086
  "$ebsd" synth -o "$v.ebsd.h5" --dims 64,64,24 ${spec[$v]} >/dev/null 2>&1
  for s in 10 10,11; do
    for m in $methods; do
      start=$(date +%s.%N)
      "$ebsd" recover "$v.ebsd.h5" -o r.ebsd.h5 --slices "$s" --method "$m" >/dev/null 2>&1
      end=$(date +%s.%N)
      "$ebsd" eval --truth "$v.ebsd.h5" --test r.ebsd.h5 --slices "$s" --json 2>/dev/null |
        python3 -c "import json,sys; j=json.load(sys.stdin); o=j['orientation']; g=j['grains']; print('| $v | $s | $m | %.2f | %.3f | %.3f | %.3f | %.3f | %.1f |' % (o['mean_deg'], o['within_2deg'], o['within_5deg'], g['voxel_accuracy'], g['boundary_accuracy'], $end - $start))"
    done
  done
done
