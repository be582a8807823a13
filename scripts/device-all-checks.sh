#!/usr/bin/env bash
# One call on a 4-GPU machine (nvidia-h100-x4; budget is counted per machine, not per GPU): build
# every GPU-machine target once (GUI off, CUDA on), then run side by side, one GPU each:
#   GPU 0: scripts/rpca-cuda-check.sh      (tensor RPCA kernels: tests and benchmarks)
#   GPU 1: scripts/llm-cuda-check.sh       (LLM CUDA kernels and decode step: tests and benchmarks)
#   GPU 2: diffusion evaluation, 6/mmm; then every gpu-labelled test (ctest -L gpu)
#   GPU 3: diffusion evaluation, m-3m
# Each job's logs land in ${OUT}/<job>/ and are packed into ${OUT}/<job>.tar.gz (the device
# returns a few files only). Carry .device-debs (scripts/device-debs.sh fetch).
#   scripts/device-all-checks.sh --no-evals   checks only, no diffusion evaluation: GPU 0 runs
#       rpca-cuda-check.sh --quick, GPU 1 llm-cuda-check.sh --quick, GPU 2 every gpu test
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out}"
mkdir -p "$out"
start=$(date +%s)
stamp() { echo "[$(($(date +%s) - start)) s] $*" | tee -a "$out/stages.log"; }
source scripts/device-debs.sh
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
stamp configure
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON -DEBSD_BUILD_PLUGINS=OFF \
  -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 -DCMAKE_CUDA_ARCHITECTURES=90 > "$out/configure.log" 2>&1 \
  || { tail -n 30 "$out/configure.log"; exit 1; }
stamp build
# -k 0: one target that fails to build does not stop the others (their jobs still run).
timeout "${BUILD_LIMIT:-300}" cmake --build build-gpu -j "$(nproc)" -- -k 0 > "$out/build.log" 2>&1
stamp "build done ($?)"
grep -E "error|FAILED" "$out/build.log" | head -n 20
pack() { tar czf "$out/$1.tar.gz" -C "$out" "$1" && rm -rf "${out:?}/$1"; }
job() {  # name gpu command...
  local name=$1 gpu=$2
  shift 2
  mkdir -p "$out/$name"
  ( export CUDA_VISIBLE_DEVICES=$gpu OUT="$out/$name"; "$@" > "$out/$name/run.log" 2>&1; echo "rc $?" >> "$out/$name/run.log" )
  stamp "$name done"
  pack "$name"
}
left=$(( ${TOTAL_LIMIT:-540} - ($(date +%s) - start) ))
if [ "${1:-}" = --no-evals ]; then
  job rpca 0 env RPCA_CHECK_SKIP_BUILD=1 timeout "$left" bash scripts/rpca-cuda-check.sh --quick &
  job llm 1 env LLM_CHECK_SKIP_BUILD=1 timeout "$left" bash scripts/llm-cuda-check.sh --quick &
  job ctest 2 bash -c "timeout $((left - 10)) ctest --test-dir build-gpu -L gpu --output-on-failure > \"\$OUT/ctest-gpu.log\" 2>&1; \
    tail -n 40 \"\$OUT/ctest-gpu.log\"" &
  wait
  stamp "all done"
  ls -la "$out"
  exit 0
fi
job rpca 0 env RPCA_CHECK_SKIP_BUILD=1 timeout "$left" bash scripts/rpca-cuda-check.sh &
job llm 1 env LLM_CHECK_SKIP_BUILD=1 timeout "$left" bash scripts/llm-cuda-check.sh &
job eval-6mmm 2 bash -c "EBSD_SKIP_BUILD=1 EBSD_EVAL_CPU=0 timeout $((left * 2 / 3)) bash scripts/train-diffusion-gpu.sh eval 6/mmm; \
  timeout $((left / 3 - 10)) ctest --test-dir build-gpu -L gpu --output-on-failure > \"\$OUT/ctest-gpu.log\" 2>&1; tail -n 40 \"\$OUT/ctest-gpu.log\"" &
job eval-m3m 3 env EBSD_SKIP_BUILD=1 EBSD_EVAL_CPU=0 timeout "$left" bash scripts/train-diffusion-gpu.sh eval m-3m &
wait
stamp "all done"
ls -la "$out"
