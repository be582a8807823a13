#pragma once
// Blocks of decoder-only transformers (LLM-CORE.md section 2.4), beside the layers of
// nn/layers.hpp: RMSNorm, rotary position embeddings in both pairings, grouped-query causal
// attention with soft-capping and sliding windows, and gated feed-forward activations. Plain
// functions on tensors, so the LLM and any other model can share them. Private to gpu/src.
#include <cstdint>
#include <torch/torch.h>

#include "nn/cpu_simd.hpp"

namespace ebsd::gpu::nn {

// x * rsqrt(mean(x^2) + eps) * weight over the last axis, computed in f32 (as transformers
// does) and returned in x's dtype. Gemma's (1 + w) is folded into `weight` by the caller.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);
// One row of n f32 values (y may be x). rms_norm uses it for CPU f32 tensors, and the LLM's CPU
// token path calls it directly: prefill and decode must round alike, since the quantized layers
// round their inputs to 8-bit levels and a last-bit difference can move a value to the next
// level (seen: 0.9 % logit change in a random Q4_0 model). Vectorised (nn_cpu_rows.cpp); the
// sum of squares is in double, in an order fixed per instruction set.
void rms_norm_row(const float* x, const float* weight, std::int64_t n, double eps, float* y,
                  VectorIsa isa = best_vector_isa());
// y[i] += x[i] over n values (residual adds, biases).
void add_row(float* y, const float* x, std::int64_t n, VectorIsa isa = best_vector_isa());

// Inverse RoPE frequencies theta^(-2i/d), i < d/2, in f32 like transformers, each divided by
// freq_factors[i] when given (Llama 3 scaling).
torch::Tensor rope_inverse_frequencies(std::int64_t head_dim, double theta, const std::vector<float>& freq_factors);

// Rotates x [B, H, T, D] by the angles positions[t] * inv_freq[i]. rotate_half pairs element i
// with i + D/2 (HF); otherwise 2i with 2i + 1 (GGUF llama).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& inv_freq,
                         bool rotate_half);
// The same in two steps, so a model computes the cos / sin tables [T, D/2] once per forward
// pass for all its layers instead of once per layer and projection.
struct RopeTables {
  torch::Tensor cos, sin;
};
RopeTables rope_tables(const torch::Tensor& positions, const torch::Tensor& inv_freq, torch::ScalarType type);
torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& tables, bool rotate_half);

struct CausalAttentionOptions {
  double scale = 0;           // multiplies q k^T
  double logit_softcap = 0;   // 0: none; else cap * tanh(s / cap)
  std::int64_t window = 0;    // 0: none; else a query attends keys with q_pos - k_pos < window
};

// Grouped-query causal attention. q [B, Hq, T, D] at absolute positions q_positions [T];
// k, v [B, Hkv, S, D] at k_positions [S] (int64, any order: cache policies may gather).
// Hq must be a multiple of Hkv. Softmax in f32. Returns [B, Hq, T, D].
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& q_positions, const torch::Tensor& k_positions,
                               const CausalAttentionOptions& o);

enum class GateActivation { Silu, GeluTanh };
// act(gate) * up: SwiGLU (Llama, Qwen2) or GeGLU with tanh-approximated GELU (Gemma).
torch::Tensor gated_activation(const torch::Tensor& gate, const torch::Tensor& up, GateActivation a);
// The same over n f32 values (y may be gate or up); gated_activation uses it for CPU f32 tensors.
// Vectorised with a polynomial e^x of about 1 ulp (nn_cpu_rows.cpp); long rows are cut among up
// to `threads` OpenMP threads (element-wise, so the cut changes no result).
void gated_activation_row(const float* gate, const float* up, std::int64_t n, GateActivation a, float* y, int threads = 1,
                          VectorIsa isa = best_vector_isa());

}  // namespace ebsd::gpu::nn
