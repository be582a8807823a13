// Decoder blocks (nn/decoder_blocks.hpp). Formulas follow transformers' Llama/Qwen2/Gemma2
// modelling code so the f32 logits agree to rounding.
#include "nn/decoder_blocks.hpp"

#include <cmath>
#include <limits>

#include "nn/cuda_rms_norm.hpp"

namespace ebsd::gpu::nn {

namespace {

bool cpu_f32(const torch::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous(); }

}  // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  // On the GPU one fused launch does the same arithmetic (decode there is bound by the number
  // of operations; EBSD_CUDA_FUSED_NORM=0 keeps the operations below).
  // Inference only (no autograd through the kernel).
  if (x.is_cuda() && weight.is_cuda() && weight.scalar_type() == torch::kFloat && weight.dim() == 1 &&
      weight.size(0) == x.size(-1) && !x.requires_grad() && !weight.requires_grad() && cuda_fused_norm_enabled())
    return cuda_rms_norm(x, weight, eps);
  if (cpu_f32(x) && cpu_f32(weight) && x.numel() > 0 && weight.numel() == x.size(-1)) {
    auto y = torch::empty_like(x);
    const auto n = x.size(-1), rows = x.numel() / n;
    const float* xp = x.data_ptr<float>();
    const float* wp = weight.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    for (std::int64_t r = 0; r < rows; ++r) rms_norm_row(xp + r * n, wp, n, eps, yp + r * n);
    return y;
  }
  const auto xf = x.to(torch::kFloat);
  const auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);
  return (normed * weight.to(torch::kFloat)).to(x.scalar_type());
}

torch::Tensor rope_inverse_frequencies(std::int64_t head_dim, double theta, const std::vector<float>& freq_factors) {
  const auto exponents = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat) / static_cast<double>(head_dim);
  auto inv = 1.0 / torch::pow(torch::scalar_tensor(theta, torch::kFloat), exponents);
  if (!freq_factors.empty())
    inv = inv / torch::tensor(freq_factors, torch::kFloat);
  return inv;
}

RopeTables rope_tables(const torch::Tensor& positions, const torch::Tensor& inv_freq, torch::ScalarType type) {
  // Angles in f32 as transformers computes them: outer(positions, inv_freq).
  const auto angles = torch::outer(positions.to(torch::kFloat), inv_freq.to(positions.device(), torch::kFloat));  // [T, D/2]
  return {angles.cos().to(type), angles.sin().to(type)};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& inv_freq,
                         bool rotate_half) {
  return apply_rope(x, rope_tables(positions.to(x.device()), inv_freq, x.scalar_type()), rotate_half);
}

torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& tables, bool rotate_half) {
  const auto& cos = tables.cos;
  const auto& sin = tables.sin;
  const auto half = x.size(-1) / 2;
  if (rotate_half) {
    const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
  }
  auto sizes = x.sizes().vec();
  sizes.back() = half;
  sizes.push_back(2);
  const auto pairs = x.reshape(sizes);
  const auto a = pairs.select(-1, 0), b = pairs.select(-1, 1);
  return torch::stack({a * cos - b * sin, b * cos + a * sin}, -1).flatten(-2);
}

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& q_positions, const torch::Tensor& k_positions,
                               const CausalAttentionOptions& o) {
  const auto b = q.size(0), hq = q.size(1), t = q.size(2), d = q.size(3);
  const auto hkv = k.size(1), s = k.size(2);
  TORCH_CHECK(hq % hkv == 0, "attention: ", hq, " query heads are not a multiple of ", hkv, " KV heads");
  const auto groups = hq / hkv;
  // Queries of one KV group share its keys: [B, Hkv, G*T, D] x [B, Hkv, D, S].
  const auto qg = q.reshape({b, hkv, groups * t, d});
  auto scores = torch::matmul(qg, k.transpose(-2, -1)).mul(o.scale).to(torch::kFloat);
  if (o.logit_softcap > 0) scores = torch::tanh(scores / o.logit_softcap) * o.logit_softcap;
  const auto qp = q_positions.to(k.device(), torch::kInt64).view({t, 1});
  const auto kp = k_positions.to(k.device(), torch::kInt64).view({1, s});
  auto allowed = kp <= qp;
  if (o.window > 0) allowed = allowed & ((qp - kp) < o.window);
  scores = scores.view({b, hkv, groups, t, s})
               .masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  const auto probs = torch::softmax(scores, -1).to(v.scalar_type()).view({b, hkv, groups * t, s});
  return torch::matmul(probs, v).view({b, hq, t, d});
}

torch::Tensor gated_activation(const torch::Tensor& gate, const torch::Tensor& up, GateActivation a) {
  if (cpu_f32(gate) && cpu_f32(up) && gate.sizes() == up.sizes()) {
    auto y = torch::empty_like(gate);
    gated_activation_row(gate.data_ptr<float>(), up.data_ptr<float>(), gate.numel(), a, y.data_ptr<float>());
    return y;
  }
  if (a == GateActivation::Silu) return torch::silu(gate) * up;
  return torch::gelu(gate, "tanh") * up;
}

}  // namespace ebsd::gpu::nn
