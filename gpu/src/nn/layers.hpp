#pragma once
// The transformer engine's layers (LLM-CORE.md section 4; ARCHITECTURE.md "one transformer
// core"): linear layers with optional int8 weights, LayerNorm over the channel (last) axis,
// multi-head attention (over a sequence, or along one axis of a 3D grid), and feed-forward
// blocks. The slice-recovery transformer and the LLM are built from these. Tensors are
// channels-last: [..., D]. Private to gpu/src (LibTorch stays out of public headers).
#include <cstdint>
#include <optional>
#include <torch/torch.h>

#include "ebsd/quant/quant_matmul.hpp"

namespace ebsd::gpu::nn {

// y = x W^T (+ b). quantize_int8() replaces the weight by int8 values with one scale per output
// row (symmetric, max |w| / 127); forward then dequantizes on the fly. Training uses float.
class LinearImpl : public torch::nn::Module {
public:
  LinearImpl(std::int64_t in, std::int64_t out, bool bias = true);
  // Wraps weights that already exist (read from a model file): [out, in] and [out]; nothing is
  // initialised or copied, and the tensors do not require gradients.
  explicit LinearImpl(torch::Tensor weight, torch::Tensor bias = {});
  // A GGUF Q8_0 / Q4_0 weight used where it lies (the memory must outlive the layer); forward
  // runs core's quantized kernels on the CPU. `weight` stays undefined.
  explicit LinearImpl(const quant::QuantMatrix& packed, torch::Tensor bias = {});
  torch::Tensor forward(const torch::Tensor& x);
  void quantize_int8();
  bool quantized() const { return q_weight_.defined(); }
  const std::optional<quant::QuantMatrix>& packed() const { return packed_; }
  torch::Tensor weight, bias;  // bias undefined when absent
private:
  torch::Tensor q_weight_, q_scale_;
  std::optional<quant::QuantMatrix> packed_;
};
TORCH_MODULE(Linear);

// LayerNorm over the last axis with learned gain and bias (eps 1e-5, biased variance): the
// paper's LN_c when the channels are last.
class ChannelNormImpl : public torch::nn::Module {
public:
  explicit ChannelNormImpl(std::int64_t dim, double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor gain, bias;
private:
  std::int64_t dim_;
  double eps_;
};
TORCH_MODULE(ChannelNorm);

// softmax(q k^T / sqrt(d) [+ causal mask]) v for q, k, v of shape [B, H, L, d].
torch::Tensor scaled_dot_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   bool causal = false);

struct AttentionOptions {
  std::int64_t dim = 64, heads = 8;
  bool qkv_bias = false;
  bool output_projection = true;  // the axial transformer has none per axis
  bool causal = false;
};

// Multi-head self-attention over x of shape [B, L, D].
class MultiHeadAttentionImpl : public torch::nn::Module {
public:
  explicit MultiHeadAttentionImpl(const AttentionOptions& o);
  torch::Tensor forward(const torch::Tensor& x);
  // Attention along spatial axis `axis` (1, 2 or 3) of x [B, X, Y, Z, D], the other two axes
  // acting as batch.
  torch::Tensor forward_axis(const torch::Tensor& x, int axis);
private:
  AttentionOptions o_;
  Linear qkv_{nullptr}, out_{nullptr};
};
TORCH_MODULE(MultiHeadAttention);

// Position-wise feed-forward: Linear(D, hidden) -> GELU -> Linear(hidden, D).
class FeedForwardImpl : public torch::nn::Module {
public:
  FeedForwardImpl(std::int64_t dim, std::int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
private:
  Linear up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(FeedForward);

// The axial transformer's feed-forward: Conv3d(D, hidden, k) -> GELU -> Conv3d(hidden, D, k) on
// x [B, X, Y, Z, D] (zero padding keeps the shape).
class ConvFeedForward3dImpl : public torch::nn::Module {
public:
  ConvFeedForward3dImpl(std::int64_t dim, std::int64_t hidden, std::int64_t kernel = 3);
  torch::Tensor forward(const torch::Tensor& x);
private:
  torch::nn::Conv3d up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(ConvFeedForward3d);

// A cheap feed-forward with the same 3x3x3 reach: depthwise Conv3d(D, D, k) (one filter per
// channel) -> Linear(D, hidden) -> GELU -> Linear(hidden, D) on x [B, X, Y, Z, D]. Per voxel it
// costs k^3 D + 2 D hidden multiply-adds instead of the full convolutions' 2 k^3 D hidden (about
// 20 times less at k = 3, hidden = 4D), which is what lets recovery run on a laptop CPU.
class DepthwiseFeedForward3dImpl : public torch::nn::Module {
public:
  DepthwiseFeedForward3dImpl(std::int64_t dim, std::int64_t hidden, std::int64_t kernel = 3);
  torch::Tensor forward(const torch::Tensor& x);
private:
  torch::nn::Conv3d spatial_{nullptr};
  Linear up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(DepthwiseFeedForward3d);

}  // namespace ebsd::gpu::nn
