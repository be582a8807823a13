#!/usr/bin/env bash
# Builds the CUDA kernels' own test and benchmark binaries here (nvcc for sm_90, with -lineinfo
# for Nsight Compute's source view) and copies them into .cuda-prebuilt/ (gitignored), to be
# carried to the GPU machine (`carry: [".cuda-prebuilt"]`) and run there with
# `RPCA_CHECK_BIN_DIR=.cuda-prebuilt scripts/rpca-cuda-check.sh --quick`.
# Why: building those targets on the GPU machine takes four to six minutes of its time (one nvcc
# process on rpca_kernels.cu); they need nothing there but the driver and libcudart.so.13, which
# the machine has (seen in session 12). The LibTorch targets (test_gpu, bench_rpca) still build
# there: this machine's LibTorch has no CUDA.
#   scripts/cuda-prebuild.sh [extra targets...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
command -v nvcc >/dev/null || { echo "cuda-prebuild: no nvcc on the PATH" >&2; exit 1; }
bdir=build-cuda-prebuilt
targets=(test_cuda_kernels bench_cuda_rpca_kernels "$@")
cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DEBSD_BUILD_PLUGINS=OFF -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_FLAGS=-lineinfo > /dev/null
cmake --build "$bdir" -j "$(nproc)" --target "${targets[@]}"
mkdir -p .cuda-prebuilt
for t in "${targets[@]}"; do cp "$bdir/tests/$t" .cuda-prebuilt/; done
# What the binaries were built from, for the run's log (a dirty tree is marked).
{ git rev-parse HEAD; git status --porcelain --untracked-files=no | sed 's/^/dirty: /'; } > .cuda-prebuilt/SOURCE
du -sh .cuda-prebuilt
