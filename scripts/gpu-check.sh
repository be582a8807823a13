#!/usr/bin/env bash
# On the GPU machine (no Qt, VTK or network; PyTorch's LibTorch, nvcc, Eigen, HDF5 present):
# configure with the GUI off and CUDA on, build, run the gpu-labelled tests and, with
# --bench, the benchmarks. Logs go to ${OUT:-out}/.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out}"
mkdir -p "$out"
source scripts/device-debs.sh
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 ${EBSD_CMAKE_ARGS:-} 2>&1 | tail -n 5 | tee "$out/configure.log"
cmake --build build-gpu -j "$(nproc)" 2>&1 | tail -n 20 | tee "$out/build.log"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt" || true
ctest --test-dir build-gpu -L gpu --output-on-failure 2>&1 | tee "$out/ctest-gpu.log"
if [ "${1:-}" = "--bench" ]; then
  ctest --test-dir build-gpu -L bench -V 2>&1 | tee "$out/bench.log"
fi
