#!/usr/bin/env bash
# On the GPU machine: build the CLI, the GPU module and the inpainting benchmarks (GUI off, CUDA
# on, as gpu-check.sh), then train the diffusion inpainting model and/or evaluate it. Everything
# it writes lands in ${OUT:-out}/diffusion/. docs/inpainting.md explains the numbers.
#
# Usage:
#   scripts/train-diffusion-gpu.sh train LAUE TOTAL_SECONDS [STOP_AFTER] [--resume]
#       LAUE: 6/mmm (polarized light, the default) or m-3m (BSE). TOTAL_SECONDS: training time in
#       all; the learning rate decays over it. STOP_AFTER: end this call after so many seconds of
#       training (0: run to TOTAL_SECONDS); a later call with --resume continues from
#       build-gpu/diffusion-run-<name> (kept while the machine stays warm) or from the copy of the
#       checkpoint in .diffusion-ckpt-<name>/ (last + ema weights and state, fresh optimizer moments).
#   scripts/train-diffusion-gpu.sh build
#       Only the build (then run several train/eval calls side by side with EBSD_SKIP_BUILD=1, one
#       per GPU through CUDA_VISIBLE_DEVICES, on a multi-GPU machine).
#   scripts/train-diffusion-gpu.sh eval LAUE [MODEL]
#       The accuracy table (bench_inpainting: 4 held-out 128x128x2 volumes, 10 and 25 % observed,
#       RePaint and DPS with and without the side channels, nearest and interpolation fills, a
#       misregistered side image with and without registration, 3D consistency) and the timing of
#       one 256x256 slice on CPU and CUDA. MODEL: default the last training run's model, else
#       resources/models/diffusion/inpaint-<name>.safetensors. EBSD_EVAL_CPU=0 skips the timing on
#       two CPU cores (when other jobs share the machine's cores).
#   scripts/train-diffusion-gpu.sh samples LAUE SEED_BASE [VOLUMES] [MODEL]
#       Draws the samples of the side-observed rows of bench_inpainting (SEED_BASE 80000: the
#       validation volumes; 90000: the held-out ones) into ${OUT}/diffusion/samples-<name>-<seed>/
#       (EBSD_INPAINT_SAMPLE_CACHE), so the evidence projection can be studied on a CPU by
#       replaying them: bench_inpainting --device cpu --variants side --seed-base SEED_BASE
#       --volumes VOLUMES with EBSD_INPAINT_SAMPLE_CACHE pointing at that folder.
# One device call is limited to 10 minutes: on a cold machine the build takes a few minutes, so
# run `train` with TOTAL_SECONDS of about 330 (or split with STOP_AFTER/--resume), then `eval`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:?usage: build|train|eval LAUE ...}"
laue="${2:-6/mmm}"
case "$laue" in
  6/mmm|hexagonal) laue=6/mmm; name=6mmm ;;
  m-3m|cubic) laue=m-3m; name=m3m ;;
  *) echo "LAUE must be 6/mmm or m-3m" >&2; exit 2 ;;
esac
out="${OUT:-out}/diffusion"
mkdir -p "$out"
source scripts/device-debs.sh
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
t0=$(date +%s)
if [ "${EBSD_SKIP_BUILD:-0}" != 1 ]; then
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEBSD_WITH_GUI=OFF -DEBSD_WITH_CUDA=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DTORCH_CUDA_ARCH_LIST=9.0 ${EBSD_CMAKE_ARGS:-} 2>&1 | tail -n 3
cmake --build build-gpu -j "$(nproc)" --target ebsd ebsd_gpu_module bench_inpainting bench_inpainting_timing 2>&1 | tail -n 5
echo "build: $(( $(date +%s) - t0 )) s" | tee "$out/build-$mode.txt"
fi
[ "$mode" = build ] && exit 0
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt" || true
run="build-gpu/diffusion-run-$name"

if [ "$mode" = train ]; then
  total="${3:-330}"
  stop_after="${4:-0}"
  resume="${5:-}"
  args=()
  if [ "$resume" = "--resume" ]; then
    if [ ! -f "$run/state.json" ] && [ -f ".diffusion-ckpt-$name/state.json" ]; then
      mkdir -p "$run" && cp ".diffusion-ckpt-$name/state.json" "$run/"
      # A checkpoint carried as the F16 EMA model alone (the device returns files of at most 16 MiB,
      # and the F32 weights are just above that) resumes both the live and the EMA weights from it.
      for w in last ema; do
        if [ -f ".diffusion-ckpt-$name/$w.safetensors" ]; then cp ".diffusion-ckpt-$name/$w.safetensors" "$run/"
        else cp ".diffusion-ckpt-$name/model.safetensors" "$run/$w.safetensors"; fi
      done
    fi
    args=(--resume "$run")
  fi
  ./build-gpu/app/cli/ebsd train diffusion --laue "$laue" --steps 100000000 --max-seconds "$total" --stop-after "$stop_after" \
    --device cuda --batch 64 --crop 64 --base 32 --volumes 12 --volume-size 128 --volume-slices 24 --val-every 1000 \
    --lr 4e-4 --seed 1 --out "$run" --json "${args[@]}" | tee "$out/summary-$name.json"
  cp "$run/model.safetensors" "$out/inpaint-$name.safetensors"
  cp "$run/log.jsonl" "$out/log-$name.jsonl"
  cp "$run/state.json" "$out/state-$name.json"
  # The resumable checkpoint without the optimizer moments (small enough to carry back).
  mkdir -p "$out/ckpt-$name" && cp "$run/last.safetensors" "$run/ema.safetensors" "$run/state.json" "$out/ckpt-$name/"
  python3 - "$out" "$name" "$laue" "$total" <<'PY'
import hashlib, json, sys, datetime
out, name, laue, total = sys.argv[1:5]
s = json.load(open(f"{out}/summary-{name}.json"))
st = json.load(open(f"{out}/state-{name}.json"))
w = f"{out}/inpaint-{name}.safetensors"
dev = open(f"{out}/device.txt").read().strip()
card = {
  "model": f"diffusion inpainting U-Net ({laue}; METHODS.md section 3, docs/inpainting.md)",
  "file": f"inpaint-{name}.safetensors",
  "sha256": hashlib.sha256(open(w, "rb").read()).hexdigest(),
  "dtype": "F16 EMA weights (trained in F32; loaded into F32)",
  "laue": laue, "side_channels": s["side"], "config": s["config"], "parameters": s["parameters"],
  "training": {
    "command": f"scripts/train-diffusion-gpu.sh train {laue} {total} (ebsd train diffusion --laue {laue} --max-seconds {total} --device cuda --batch 64 --crop 64 --base 32 --volumes 12 --volume-size 128 --volume-slices 24 --lr 4e-4 --seed 1)",
    "data": "joint images [orientation embedding ; side channels] of every slice of 12 synthetic 128x128x24 volumes (core/synth, one phase of the group, sigma 0.4, mean grain diameters 8..24 px, seeds 1000-1011), side channels from the forward models with noise 0.02; random 64x64 crops; validation: 64 fixed crops, timesteps and noises of volume seed 1012",
    "objective": "DDPM epsilon prediction, cosine schedule, T = 1000, MSE over all channels",
    "optimizer": "AdamW (no weight decay), 4e-4 with warm-up and cosine decay to 4e-5 over the time budget, gradient clip 1, EMA 0.999",
    "steps": st["step"], "seconds": st["seconds"], "data_seconds": s.get("data_seconds"),
    "first_loss": s["first_loss"], "last_loss_ema": s["loss_ema"], "val_loss": s["val_loss"],
    "device": dev + " (PyTorch's LibTorch, CUDA)", "date": datetime.date.today().isoformat(),
  },
}
json.dump(card, open(f"{out}/inpaint-{name}.json", "w"), indent=2)
print(json.dumps(card, indent=2))
PY
elif [ "$mode" = eval ]; then
  model="${3:-}"
  if [ -z "$model" ]; then
    if [ -f "$run/model.safetensors" ]; then model="$run/model.safetensors"
    else model="resources/models/diffusion/inpaint-$name.safetensors"; fi
  fi
  echo "model: $model" | tee "$out/eval-model-$name.txt"
  # The rows that differ only in the projection share their samples (drawn once, replayed).
  EBSD_INPAINT_SAMPLE_CACHE="$(mktemp -d)" ./build-gpu/tests/bench_inpainting --model "$model" --device cuda --size 128 --volumes 4 --slices 2 --fractions 0.1,0.25 \
    --sampler both --samples 4 --steps 50 --resample 2 --shift 2,-1 --json "$out/bench-$name.json" 2>&1 | tee "$out/bench-$name.md"
  ./build-gpu/tests/bench_inpainting_timing --model "$model" --device cuda --size 256 --repeat 1 2>&1 | tee "$out/timing-$name.md"
  [ "${EBSD_EVAL_CPU:-1}" = 1 ] || { echo "total: $(( $(date +%s) - t0 )) s"; exit 0; }
  # Two CPU cores of the same host (the CI-type box has two), with the cheap CPU settings (one
  # sample, 25 steps, no resampling: 25 network passes instead of 100 passes of 4 samples); last,
  # so a slow run costs nothing above.
  OMP_NUM_THREADS=2 taskset -c 0,1 ./build-gpu/tests/bench_inpainting_timing --model "$model" --device cpu --size 256 \
    --samples 1 --steps 25 --resample 1 --repeat 0 2>&1 | tee "$out/timing-2cpu-$name.md"
elif [ "$mode" = samples ]; then
  seed_base="${3:?SEED_BASE}"
  volumes="${4:-3}"
  model="${5:-resources/models/diffusion/inpaint-$name.safetensors}"
  EBSD_INPAINT_SAMPLE_CACHE="$out/samples-$name-$seed_base" ./build-gpu/tests/bench_inpainting --model "$model" --device cuda \
    --size 128 --volumes "$volumes" --slices 2 --fractions 0.1,0.25 --variants side --seed-base "$seed_base" \
    --samples 4 --steps 50 --resample 2 --json "$out/samples-$name-$seed_base.json" 2>&1 | tee "$out/samples-$name-$seed_base.md"
else
  echo "mode must be build, train, eval or samples" >&2
  exit 2
fi
echo "total: $(( $(date +%s) - t0 )) s"
