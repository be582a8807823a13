#!/usr/bin/env bash
# The LLM engine's CUDA work on the GPU machine (one H100, 16 cores, PyTorch's LibTorch, no Qt /
# VTK / network): configure with the GUI off and CUDA on, build only what the LLM needs, run the
# CUDA kernel and engine tests (label gpu) and the H100 benchmark. Logs go to ${OUT:-out}/.
#   scripts/llm-cuda-check.sh            tests + benchmark (with the crossover runs)
#   scripts/llm-cuda-check.sh --tests    tests only
#   scripts/llm-cuda-check.sh --bench    benchmark only (a second call on a warm machine: the
#                                        build is kept, so the benchmark gets the whole time)
#   scripts/llm-cuda-check.sh --quick    build the LLM targets, run only the decode-step and
#                                        decode-kernel tests, then the benchmark with 1 round and
#                                        no --profile / --crossover (the build dominates; the
#                                        tests + benchmark take about a minute on the H100)
#   LLM_CHECK_SKIP_BUILD=1 scripts/llm-cuda-check.sh
#                                        on a tree already built in build-gpu (say by a first
#                                        call, or `cmake --build build-gpu` of all targets): no
#                                        configure or build, straight to tests + benchmark
# The benchmark times decode with the fused CUDA step as a graph (the default), eagerly
# (EBSD_CUDA_GRAPH=0) and on the LibTorch tensor path (EBSD_CUDA_DECODE_STEP=0); --profile
# adds the per-kernel GPU time table of a step, the graph's GPU time against the wall time,
# and decode with the greedy choice on the host (EBSD_CUDA_DEVICE_PICK=0).
# Each stage has its own time limit so the logs come back even if one hangs (about 9 min in all).
set -uo pipefail
mode="${1:-}"
source "$(dirname "$0")/device-debs.sh"
cd "$(dirname "$0")/.."
out="${OUT:-out}"
mkdir -p "$out"
start=$(date +%s)
stamp() { echo "[$(($(date +%s) - start)) s] $*" | tee -a "$out/stages.log"; }
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt" || true
if [ "${LLM_CHECK_SKIP_BUILD:-0}" = 1 ]; then
  stamp "configure + build skipped (LLM_CHECK_SKIP_BUILD=1)"
  for t in tests/test_cuda_kernels tests/test_gpu app/cli/ebsd tests/bench_llm_cuda $([ "$mode" = --quick ] || echo tests/bench_cuda_quant_kernels); do
    [ -x "build-gpu/$t" ] || { stamp "build-gpu/$t is missing: build first (without LLM_CHECK_SKIP_BUILD)"; exit 1; }
  done
else
stamp configure
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DEBSD_BUILD_PLUGINS=OFF -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 -DCMAKE_CUDA_ARCHITECTURES=90 \
  ${EBSD_CMAKE_ARGS:-} > "$out/configure.log" 2>&1 || { tail -n 30 "$out/configure.log"; exit 1; }
grep "EBSD Studio" "$out/configure.log"
stamp build
# Only the LLM's targets: the kernel test, the gpu test binary (engine tests), the CLI with its
# GPU module (the benchmark runs `ebsd llm bench`) and the benchmark.
targets="test_cuda_kernels test_gpu ebsd ebsd_gpu_module bench_llm_cuda"
[ "$mode" = --quick ] || targets="$targets bench_cuda_quant_kernels"
# shellcheck disable=SC2086
timeout 300 cmake --build build-gpu -j "$(nproc)" --target $targets > "$out/build.log" 2>&1
rc=$?
tail -n 30 "$out/build.log"
[ $rc -eq 0 ] || { stamp "build failed ($rc)"; exit 1; }
fi
if [ "$mode" = --quick ]; then
  stamp "quick tests (decode step + decode kernels)"
  timeout 120 ctest --test-dir build-gpu -L gpu -R 'CudaDecodeKernels|LlmCudaDecodeStep' --output-on-failure -V \
    > "$out/ctest-llm-cuda.log" 2>&1
  rc=$?
  grep -E "relative logit|fused tails|error / bound|Passed|Failed|SKIPPED|tests passed|tests failed" "$out/ctest-llm-cuda.log" | tail -n 60
  stamp "tests done ($rc)"
  stamp "bench (1 round)"
  timeout 240 ./build-gpu/tests/bench_llm_cuda --rounds 1 --model-dir /tmp/ebsd-llm-bench --json "$out/bench_llm_cuda.json" 2>&1 |
    tee "$out/bench.log"
  stamp "bench done"
  exit 0
fi
if [ "$mode" != "--bench" ]; then
  stamp tests
  # LlmCuda* includes the fused decode step's tests (LlmCudaDecodeStep*).
  timeout 240 ctest --test-dir build-gpu -L gpu -R 'CudaQuantKernels|CudaDecodeKernels|CudaRmsNorm|LlmCuda' --output-on-failure -V > "$out/ctest-llm-cuda.log" 2>&1
  rc=$?
  grep -E "error / bound|relative logit|greedy:|relative error|fused|declined|graph|bf16 vs f32|device pick|profile|Passed|Failed|SKIPPED|tests passed|tests failed" \
    "$out/ctest-llm-cuda.log" | tail -n 80
  stamp "tests done ($rc)"
fi
if [ "$mode" != "--tests" ]; then
  stamp kernel-bench
  timeout 60 ./build-gpu/tests/bench_cuda_quant_kernels 2>&1 | tee "$out/bench_kernels.log"
  # Whatever is left of about 9 minutes in all (the device tool stops a command at 10).
  left=$((540 - ($(date +%s) - start)))
  if [ "$left" -lt 60 ]; then
    stamp "no time left for the benchmark (${left} s): run scripts/llm-cuda-check.sh --bench"
    exit 0
  fi
  stamp "bench (limit ${left} s)"
  timeout "$left" ./build-gpu/tests/bench_llm_cuda --rounds 3 --profile --crossover --model-dir /tmp/ebsd-llm-bench \
    --json "$out/bench_llm_cuda.json" 2>&1 | tee "$out/bench.log"
  stamp "bench done"
fi
