#!/usr/bin/env bash
# On the GPU machine: build the CLI and the GPU module (GUI off, CUDA on, as gpu-check.sh), train
# the slice-recovery transformer for at most MAX_SECONDS and copy weights, card inputs and log to
# ${OUT:-out}/recovery/. Needs `ebsd train recovery` registered (app/cli/register_all.cpp).
# Usage: scripts/train-recovery-gpu.sh [STEPS] [MAX_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out}"
steps="${1:-6000}"
max_seconds="${2:-330}"
mkdir -p "$out/recovery"
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 ${EBSD_CMAKE_ARGS:-} 2>&1 | tail -n 3
cmake --build build-gpu -j "$(nproc)" --target ebsd ebsd_gpu_module 2>&1 | tail -n 5
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$out/recovery/device.txt" || true
./build-gpu/app/cli/ebsd train recovery --steps "$steps" --max-seconds "$max_seconds" --device cuda \
  --dim 64 --depth 4 --batch 8 --volumes 6 --val-every 250 --seed 1 --out "$out/recovery/run" --json \
  | tee "$out/recovery/summary.json"
rm -f "$out/recovery/run/optimizer.pt"
