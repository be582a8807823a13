#pragma once
// The 3D axial transformer of Dong et al. 2023 (METHODS.md section 6(a)), built from the engine's
// layers (nn/layers.hpp). Tensors are channels-last [B, X, W, Y, C]: X and Y in-plane, W the
// window of slices along the sectioning direction (the paper's y axis, length 7).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include "../nn/layers.hpp"

namespace ebsd::gpu::recovery {

struct AxialConfig {
  std::int64_t dim = 64, depth = 4, heads = 8;  // the paper: 128, 8, 8
  std::int64_t lx = 64, lw = 7, ly = 64;        // block shape the positional embeddings are tied to
  double dropout = 0.1;
  // Feed-forward of each block: "conv" (the paper's two 3x3x3 convolutions, D -> 4D -> D) or
  // "depthwise" (nn::DepthwiseFeedForward3d: same reach, about 20 times fewer operations). Files
  // written before this option existed are "conv".
  std::string ff = "conv";
  nlohmann::json to_json() const;
  static AxialConfig from_json(const nlohmann::json& j);  // throws ebsd::Error
};

// Train-set statistics of the paper (cubochoric channels).
inline constexpr float kCuMean[3] = {0.0011f, -0.0010f, 0.0033f};
inline constexpr float kCuStd[3] = {0.5872f, 0.5923f, 0.5895f};

class AxialBlockImpl : public torch::nn::Module {
public:
  AxialBlockImpl(const AxialConfig& c);
  torch::Tensor forward(torch::Tensor x);
private:
  nn::MultiHeadAttention attn_{nullptr};
  nn::Linear proj_{nullptr};
  nn::ChannelNorm norm1_{nullptr}, norm2_{nullptr};
  nn::ConvFeedForward3d conv_ff_{nullptr};
  nn::DepthwiseFeedForward3d depthwise_ff_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(AxialBlock);

class AxialTransformerImpl : public torch::nn::Module {
public:
  explicit AxialTransformerImpl(const AxialConfig& c);
  // x: [B, lx, lw, ly, 3] normalised cubochoric, masked slices already zero. Returns the same shape.
  torch::Tensor forward(const torch::Tensor& x);
  const AxialConfig& config() const { return c_; }
private:
  AxialConfig c_;
  nn::Linear embed_{nullptr}, head_{nullptr};
  torch::Tensor pos_x_, pos_w_, pos_y_;
  torch::nn::Dropout drop_{nullptr};
  std::vector<AxialBlock> blocks_;
};
TORCH_MODULE(AxialTransformer);

// Weights as safetensors (F32, or F16 with `half`; parameter names as keys) with the config in the
// metadata ("config": JSON) plus any extra metadata. load_model reads either dtype.
void save_model(AxialTransformer& m, const std::filesystem::path& path, const std::map<std::string, std::string>& extra = {},
                bool half = false);
AxialTransformer load_model(const std::filesystem::path& path);  // throws ebsd::Error on any mismatch

}  // namespace ebsd::gpu::recovery
