#!/usr/bin/env bash
# On the GPU machine: build the CLI and the GPU module (GUI off, CUDA on, as gpu-check.sh), train
# the slice-recovery transformer and copy weights, state and log to ${OUT:-out}/recovery/.
# Usage: scripts/train-recovery-gpu.sh TOTAL_SECONDS [STOP_AFTER] [--resume]
#   TOTAL_SECONDS: training time in all; the one-cycle learning rate anneals over it.
#   STOP_AFTER: end this run after so many seconds (0: run to TOTAL_SECONDS); a later call with
#   --resume continues from build-gpu/recovery-run (kept while the machine stays warm), or from
#   the checkpoint copied to .recovery-ckpt/ (last.safetensors + state.json, fresh optimizer moments).
# RECOVERY_MODEL_ARGS overrides the model and batch options (default: the shipped model's),
# RECOVERY_RUN the run folder and RECOVERY_OUT the folder under $OUT (to train variants side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out}"
total="${1:-600}"
stop_after="${2:-0}"
resume="${3:-}"
model_args="${RECOVERY_MODEL_ARGS:---dim 48 --heads 2 --depth 4 --ff depthwise --batch 8}"
run="${RECOVERY_RUN:-build-gpu/recovery-run}"
dest="$out/${RECOVERY_OUT:-recovery}"
mkdir -p "$dest"
source scripts/device-debs.sh
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 ${EBSD_CMAKE_ARGS:-} 2>&1 | tail -n 3
cmake --build build-gpu -j "$(nproc)" --target ebsd ebsd_gpu_module 2>&1 | tail -n 5
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$dest/device.txt" || true
args=()
if [ "$resume" = "--resume" ]; then
  if [ ! -f "$run/state.json" ] && [ -f .recovery-ckpt/state.json ]; then
    mkdir -p "$run" && cp .recovery-ckpt/last.safetensors .recovery-ckpt/state.json "$run/"
    cp .recovery-ckpt/model.safetensors "$run/" 2>/dev/null || true
  fi
  args=(--resume "$run")
fi
./build-gpu/app/cli/ebsd train recovery --steps 1000000 --max-seconds "$total" --stop-after "$stop_after" \
  --device cuda $model_args --volumes 6 --val-every 250 --seed 1 --out "$run" --json "${args[@]}" \
  | tee "$dest/summary.json"
cp "$run/model.safetensors" "$run/last.safetensors" "$run/state.json" "$run/log.jsonl" "$dest/"
