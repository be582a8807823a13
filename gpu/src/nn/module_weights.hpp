#pragma once
// A module's parameters <-> safetensors tensors (F32, or F16 for the shipped files), keyed by the
// parameter names. Every model the engine saves (the recovery transformer, the diffusion U-Net)
// goes through these two functions; each model adds its own metadata.
#include <filesystem>
#include <torch/torch.h>
#include "model_files/safetensors.hpp"

namespace ebsd::gpu::nn {

// Appends a CPU copy of every parameter of m to f.tensors, as F16 when `half`, else F32.
void append_parameters(torch::nn::Module& m, model_files::SafetensorsFile& f, bool half);

// Copies f's tensors into m's parameters (F32 or F16 in the file, converted to the parameter's
// F32). Throws ebsd::Error naming `path` and the tensor when one is missing, has another dtype or
// shape, or when the file holds tensors m does not have.
void load_parameters(torch::nn::Module& m, const model_files::SafetensorsFile& f, const std::filesystem::path& path);

}  // namespace ebsd::gpu::nn
