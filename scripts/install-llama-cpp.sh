#!/usr/bin/env bash
# Installs llama.cpp's prebuilt CPU binaries (npm package node-llama-cpp and its linux-x64
# platform package, versions pinned by tests/bench/llama_cpp/package-lock.json) into
# .deps/llama-cpp, for the LLM benchmark's baseline (tests/bench/bench_llm_vs_llama_cpp.cpp).
# --ignore-scripts: node-llama-cpp's postinstall step would fetch or build llama.cpp when no
# prebuilt binary fits; we want the prebuilt one or a clear failure, never a download or build.
# --omit=optional skips the CUDA and Vulkan variants; the CPU package is a direct dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.deps/llama-cpp
src=tests/bench/llama_cpp
mkdir -p "$dest"
cp "$src/llama_cpp_bench.mjs" "$dest/"  # the benchmark's script, always the current one
if [ -f "$dest/package-lock.json" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json" &&
   [ -d "$dest/node_modules/@node-llama-cpp/linux-x64" ]; then
  exit 0
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error)
