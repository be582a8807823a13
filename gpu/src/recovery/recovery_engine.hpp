#pragma once
// Torch-free entry points of the slice-recovery transformer: the predictor the projection in
// core (analysis::recover_slices) calls, the default model's location, and training.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include "ebsd/analysis/slice_recovery.hpp"
#include "ebsd/core/progress.hpp"
#include "ebsd/gpu/device.hpp"

namespace ebsd::gpu::recovery {

// The shipped weights: $EBSD_RECOVERY_MODEL if set; else resources/models/recovery/
// axial-transformer.safetensors under $EBSD_SOURCE_DIR, under a parent folder of the running
// executable (a build tree inside the source tree), or share/ebsd-studio/models/recovery/ beside
// the install prefix. Throws ebsd::Error listing the places tried.
std::filesystem::path default_model_path();

// Seconds spent in each part of the predictor, summed over its calls (for benchmarks).
struct PredictorTimings {
  double window_s = 0;   // cubochoric window of the known slices
  double forward_s = 0;  // the model on every crop (device copies included)
  double blend_s = 0;    // blending the crops' predictions
  double output_s = 0;   // back to quaternions
};

struct PredictorOptions {
  std::filesystem::path model;
  Device device = Device::Cpu;
  // Crops of the model's block size, this far apart; the overlap is blended. 56 of 64 tiles a
  // 512-wide plane with 9 crops a side instead of 11 at 48 (two thirds of the work) and still
  // blends over 8 voxels.
  std::int64_t stride = 56;
  // Crops per forward pass; 0 picks 2 on the CPU and 8 on CUDA. On the CPU a larger batch spills
  // the activations out of cache: a 512x512 slice on 2 cores took 38.9 s at 8 and 24.9 s at 2.
  std::int64_t batch = 0;
  std::shared_ptr<PredictorTimings> timings;  // filled when set
};

// Loads the model once; the predictor builds the 7-slice window around z (shifted inside the
// volume near its faces), zeroes slices not known yet, tiles the plane into overlapping crops
// (zero padded when the plane is smaller than a crop), blends them with a tent window and
// returns one orientation per voxel (cubochoric clamped into the cube).
analysis::SlicePredictor make_transformer_predictor(const PredictorOptions& options, Progress& progress);

// The "train-recovery" task; args and result are documented in task_train_recovery.cpp.
nlohmann::json train_recovery(const nlohmann::json& args, Progress& progress);

}  // namespace ebsd::gpu::recovery
