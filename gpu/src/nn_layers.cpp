// The engine's layers (nn/layers.hpp).
#include "nn/layers.hpp"

#include <cmath>
#include <torch/version.h>

#include "nn/cuda_quantized_linear.hpp"
#include "nn/quantized_linear.hpp"

namespace ebsd::gpu::nn {

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool with_bias) {
  // PyTorch's default initialisation: U(-1/sqrt(in), 1/sqrt(in)).
  const double b = 1.0 / std::sqrt(static_cast<double>(in));
  weight = register_parameter("weight", torch::empty({out, in}).uniform_(-b, b));
  if (with_bias) bias = register_parameter("bias", torch::empty({out}).uniform_(-b, b));
}

LinearImpl::LinearImpl(torch::Tensor w, torch::Tensor b) {
  weight = register_parameter("weight", std::move(w), /*requires_grad=*/false);
  if (b.defined()) bias = register_parameter("bias", std::move(b), /*requires_grad=*/false);
}

LinearImpl::LinearImpl(const quant::QuantMatrix& packed, torch::Tensor b) : packed_(packed) {
  if (b.defined()) bias = register_parameter("bias", std::move(b), /*requires_grad=*/false);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  if (packed_) {
    if (x.is_cuda()) return cuda_quantized_linears(x, {&*packed_}, {bias})[0];  // bias added in the kernel
    auto y = quantized_linear(x, *packed_);
    return bias.defined() ? y + bias : y;
  }
  const torch::Tensor w = quantized() ? q_weight_.to(x.scalar_type()) * q_scale_.to(x.scalar_type()) : weight;
  return bias.defined() ? torch::nn::functional::linear(x, w, bias) : torch::nn::functional::linear(x, w);
}

void LinearImpl::quantize_int8() {
  torch::NoGradGuard guard;
  q_scale_ = (weight.abs().amax(1, true) / 127.0).clamp_min(1e-12);
  q_weight_ = torch::round(weight / q_scale_).clamp(-127, 127).to(torch::kInt8);
  register_buffer("q_weight", q_weight_);
  register_buffer("q_scale", q_scale_);
}

ChannelNormImpl::ChannelNormImpl(std::int64_t dim, double eps) : dim_(dim), eps_(eps) {
  gain = register_parameter("weight", torch::ones({dim}));
  bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor ChannelNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {dim_}, gain, bias, eps_);
}

torch::Tensor scaled_dot_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal) {
#if TORCH_VERSION_MAJOR >= 2
  // LibTorch 2 fuses this (flash attention on CPU and CUDA): several times faster for the axial
  // transformer's many short sequences, and it never materialises the score matrix. Causal
  // attention keeps the explicit mask below, which aligns the queries with the last keys (decode
  // with a KV cache); the fused kernel's causal mask aligns them with the first.
  if (!causal) return at::scaled_dot_product_attention(q, k, v);
#endif
  auto s = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (causal) {
    const auto l = q.size(-2), m = k.size(-2);
    auto mask = torch::ones({l, m}, q.options().dtype(torch::kBool)).triu(m - l + 1);
    s = s.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  return torch::matmul(torch::softmax(s, -1), v);
}

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const AttentionOptions& o) : o_(o) {
  TORCH_CHECK(o.dim % o.heads == 0, "attention: dim ", o.dim, " is not a multiple of heads ", o.heads);
  qkv_ = register_module("qkv", Linear(o.dim, 3 * o.dim, o.qkv_bias));
  if (o.output_projection) out_ = register_module("out", Linear(o.dim, o.dim, true));
}

torch::Tensor MultiHeadAttentionImpl::forward(const torch::Tensor& x) {
  const auto b = x.size(0), l = x.size(1), d = o_.dim, h = o_.heads;
  auto qkv = qkv_->forward(x).view({b, l, 3, h, d / h}).permute({2, 0, 3, 1, 4});  // [3, B, H, L, d]
  auto y = scaled_dot_attention(qkv[0], qkv[1], qkv[2], o_.causal).transpose(1, 2).reshape({b, l, d});
  return out_ ? out_->forward(y) : y;
}

torch::Tensor MultiHeadAttentionImpl::forward_axis(const torch::Tensor& x, int axis) {
  TORCH_CHECK(x.dim() == 5 && axis >= 1 && axis <= 3, "forward_axis expects [B, X, Y, Z, D] and axis 1..3");
  // Move `axis` next to the channels, fold the rest into the batch, attend, and undo.
  std::vector<std::int64_t> perm{0};
  for (int a = 1; a <= 3; ++a)
    if (a != axis) perm.push_back(a);
  perm.push_back(axis);
  perm.push_back(4);
  auto t = x.permute(perm).contiguous();
  const auto shape = t.sizes().vec();
  auto y = forward(t.view({-1, shape[3], shape[4]})).view(shape);
  std::vector<std::int64_t> inv(5);
  for (int i = 0; i < 5; ++i) inv[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = i;
  return y.permute(inv);
}

FeedForwardImpl::FeedForwardImpl(std::int64_t dim, std::int64_t hidden) {
  up_ = register_module("up", Linear(dim, hidden));
  down_ = register_module("down", Linear(hidden, dim));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) { return down_->forward(torch::gelu(up_->forward(x))); }

ConvFeedForward3dImpl::ConvFeedForward3dImpl(std::int64_t dim, std::int64_t hidden, std::int64_t kernel) {
  up_ = register_module("up", torch::nn::Conv3d(torch::nn::Conv3dOptions(dim, hidden, kernel).padding(kernel / 2)));
  down_ = register_module("down", torch::nn::Conv3d(torch::nn::Conv3dOptions(hidden, dim, kernel).padding(kernel / 2)));
}

torch::Tensor ConvFeedForward3dImpl::forward(const torch::Tensor& x) {
  auto t = x.permute({0, 4, 1, 2, 3});  // channels first for Conv3d
  t = down_->forward(torch::gelu(up_->forward(t)));
  return t.permute({0, 2, 3, 4, 1});
}

DepthwiseFeedForward3dImpl::DepthwiseFeedForward3dImpl(std::int64_t dim, std::int64_t hidden, std::int64_t kernel) {
  spatial_ = register_module(
      "spatial", torch::nn::Conv3d(torch::nn::Conv3dOptions(dim, dim, kernel).padding(kernel / 2).groups(dim)));
  up_ = register_module("up", Linear(dim, hidden));
  down_ = register_module("down", Linear(hidden, dim));
}

torch::Tensor DepthwiseFeedForward3dImpl::forward(const torch::Tensor& x) {
  // Conv3d wants channels first; the linear layers act on the last axis.
  auto t = spatial_->forward(x.permute({0, 4, 1, 2, 3})).permute({0, 2, 3, 4, 1});
  return down_->forward(torch::gelu(up_->forward(t)));
}

}  // namespace ebsd::gpu::nn
