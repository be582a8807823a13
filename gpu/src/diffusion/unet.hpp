#pragma once
// The noise-prediction U-Net of multimodal diffusion inpainting (METHODS.md section 3(a), step 2):
// a small DDPM U-Net (Ho et al. 2020 layout: residual blocks with GroupNorm and SiLU, the
// timestep's sinusoidal embedding added inside every block, stride-2 convolutions down, nearest
// upsampling + convolution up, skip connections), without attention, so it is fully
// convolutional: trained on crops, it runs on a whole slice (padded to a multiple of 2^(levels-1)).
// Private to gpu/src (LibTorch stays out of public headers).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace ebsd::gpu::diffusion {

struct UNetConfig {
  std::int64_t channels = 21;                    // image channels in and out
  std::int64_t base = 32;                        // width of the first level
  std::vector<std::int64_t> mults{1, 2, 2, 4};   // width of each level, times base
  std::int64_t res_blocks = 2;                   // per level
  nlohmann::json to_json() const;
  static UNetConfig from_json(const nlohmann::json& j);  // throws ebsd::Error
  std::int64_t multiple() const { return std::int64_t{1} << (mults.size() - 1); }
};

class ResBlockImpl : public torch::nn::Module {
public:
  ResBlockImpl(std::int64_t in, std::int64_t out, std::int64_t time_dim);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb);
private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, skip_{nullptr};
  torch::nn::Linear time_{nullptr};
};
TORCH_MODULE(ResBlock);

class UNetImpl : public torch::nn::Module {
public:
  explicit UNetImpl(const UNetConfig& c);
  // x [B, C, H, W] with H, W multiples of config().multiple(); t [B] timestep indices (any dtype).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);
  const UNetConfig& config() const { return c_; }
private:
  UNetConfig c_;
  torch::nn::Linear t1_{nullptr}, t2_{nullptr};
  torch::nn::Conv2d in_{nullptr}, out_{nullptr};
  torch::nn::GroupNorm out_norm_{nullptr};
  std::vector<ResBlock> down_, mid_, up_;
  std::vector<torch::nn::Conv2d> downsample_, upsample_;
  std::vector<std::int64_t> down_level_;  // level of each down block (for the skip bookkeeping)
};
TORCH_MODULE(UNet);

// The cosine schedule of Nichol & Dhariwal 2021 over T steps: alpha-bar(t) for t = 0..T-1
// (double, CPU), betas clipped at 0.999.
torch::Tensor cosine_alpha_bar(std::int64_t steps);

// What a weights file carries beside the tensors (its "__metadata__").
struct ModelMeta {
  UNetConfig config;
  std::string laue;                       // Laue group symbol of the orientation channels
  std::vector<std::string> side;          // side channel names, in channel order after the orientation
  std::int64_t orientation_dims = 0;
  std::int64_t timesteps = 1000;
  std::vector<float> embedding_fingerprint;
  std::map<std::string, std::string> extra;
};

// Weights as safetensors (F32, or F16 with `half`), the metadata as JSON strings; load reads
// either dtype into F32 and checks every name and shape.
void save_unet(UNet& m, const ModelMeta& meta, const std::filesystem::path& path, bool half = false);
UNet load_unet(const std::filesystem::path& path, ModelMeta& meta);  // throws ebsd::Error

}  // namespace ebsd::gpu::diffusion
