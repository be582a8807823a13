// The CPU token path's vectorised kernels (nn/cpu_attention.hpp, nn_cpu_rows.cpp) for every
// instruction set this CPU has: against float64 references, and bitwise independent of how the
// work is cut (one call for a prompt vs one call per token, 1 vs 3 threads) - the property that
// makes prefill and decode round alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "nn/cpu_attention.hpp"
#include "nn/decoder_blocks.hpp"

namespace {

namespace nn = ebsd::gpu::nn;

std::vector<nn::VectorIsa> supported_isas() {
  std::vector<nn::VectorIsa> out;
  for (auto isa : {nn::VectorIsa::Portable, nn::VectorIsa::Avx2, nn::VectorIsa::Avx512})
    if (nn::vector_isa_supported(isa)) out.push_back(isa);
  return out;
}

std::vector<float> random_values(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct AttentionCase {
  std::int64_t heads, kv_heads, head_dim, start, tokens;
  float softcap;
  std::int64_t window;
};

// Float64 attention of query (t, h) as the formulas say (causal_attention in decoder_blocks).
std::vector<double> reference_attention(const AttentionCase& c, const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, std::int64_t cap, float scale, std::int64_t t,
                                        std::int64_t h) {
  const auto hd = c.head_dim, g = h / (c.heads / c.kv_heads), pos = c.start + t;
  const std::int64_t first = c.window > 0 ? std::max<std::int64_t>(0, pos - c.window + 1) : 0;
  std::vector<double> s(static_cast<std::size_t>(pos + 1));
  double top = -1e300;
  for (std::int64_t j = first; j <= pos; ++j) {
    double x = 0;
    for (std::int64_t i = 0; i < hd; ++i) x += double(q[(t * c.heads + h) * hd + i]) * k[(g * cap + j) * hd + i];
    x *= scale;
    if (c.softcap > 0) x = std::tanh(x / c.softcap) * c.softcap;
    s[j] = x;
    top = std::max(top, x);
  }
  double sum = 0;
  for (std::int64_t j = first; j <= pos; ++j) sum += s[j] = std::exp(s[j] - top);
  std::vector<double> out(static_cast<std::size_t>(hd), 0.0);
  for (std::int64_t j = first; j <= pos; ++j)
    for (std::int64_t i = 0; i < hd; ++i) out[i] += s[j] / sum * v[(g * cap + j) * hd + i];
  return out;
}

TEST(LlmCpuKernels, AttentionMatchesFloat64AndIgnoresHowTheWorkIsCut) {
  // Qwen2.5-0.5B's grouping (14 over 2, head_dim 64), an odd head size with MQA, Gemma2's cap
  // and window, and contexts crossing the 256-key chunks.
  const std::vector<AttentionCase> cases{{14, 2, 64, 0, 40, 0, 0},   {14, 2, 64, 230, 60, 0, 0},
                                         {6, 1, 20, 500, 9, 0, 0},   {4, 2, 32, 5, 30, 50.0f, 12},
                                         {8, 4, 48, 250, 20, 0, 100}, {2, 2, 16, 0, 3, 0, 0}};
  for (auto isa : supported_isas()) {
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(nn::vector_isa_name(isa)) + " heads " + std::to_string(c.heads) + "/" +
                   std::to_string(c.kv_heads) + " dim " + std::to_string(c.head_dim) + " start " + std::to_string(c.start));
      const std::int64_t cap = c.start + c.tokens + 3, hd = c.head_dim;
      const auto q = random_values(static_cast<std::size_t>(c.tokens * c.heads * hd), 1, 1.0f);
      const auto k = random_values(static_cast<std::size_t>(c.kv_heads * cap * hd), 2, 1.0f);
      const auto v = random_values(static_cast<std::size_t>(c.kv_heads * cap * hd), 3, 1.0f);
      const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
      const nn::CpuAttentionShape shape{c.heads, c.kv_heads, hd, cap};
      const nn::CpuAttentionOptions options{scale, c.softcap, c.window};
      const auto n = static_cast<std::size_t>(c.tokens * c.heads * hd);
      std::vector<float> one_call(n), per_token(n), threaded(n);
      nn::cpu_causal_attention(q.data(), c.tokens, c.start, k.data(), v.data(), shape, options, one_call.data(), 1, isa);
      for (std::int64_t t = 0; t < c.tokens; ++t)
        nn::cpu_causal_attention(q.data() + t * c.heads * hd, 1, c.start + t, k.data(), v.data(), shape, options,
                                 per_token.data() + t * c.heads * hd, 1, isa);
      nn::cpu_causal_attention(q.data(), c.tokens, c.start, k.data(), v.data(), shape, options, threaded.data(), 3, isa);
      EXPECT_EQ(std::memcmp(one_call.data(), per_token.data(), n * sizeof(float)), 0) << "prompt vs one token at a time";
      EXPECT_EQ(std::memcmp(one_call.data(), threaded.data(), n * sizeof(float)), 0) << "1 vs 3 threads";
      double worst = 0;
      for (std::int64_t t = 0; t < c.tokens; ++t)
        for (std::int64_t h = 0; h < c.heads; ++h) {
          const auto ref = reference_attention(c, q, k, v, cap, scale, t, h);
          for (std::int64_t i = 0; i < hd; ++i)
            worst = std::max(worst, std::abs(one_call[(t * c.heads + h) * hd + i] - ref[i]));
        }
      EXPECT_LT(worst, 2e-6);  // outputs are averages of N(0, 1) values: absolute error
    }
  }
}

TEST(LlmCpuKernels, GatedActivationsMatchFloat64AnywhereInTheRow) {
  const std::int64_t n = 3 * 4096 + 4096 + 37;  // several threads' pieces and a ragged tail
  auto gate = random_values(static_cast<std::size_t>(n), 4, 4.0f);
  gate[0] = -120.0f;  // e^-g overflows: SiLU gives -0
  gate[1] = 95.0f;
  const auto up = random_values(static_cast<std::size_t>(n), 5, 1.0f);
  for (auto isa : supported_isas())
    for (auto a : {nn::GateActivation::Silu, nn::GateActivation::GeluTanh}) {
      SCOPED_TRACE(std::string(nn::vector_isa_name(isa)) + (a == nn::GateActivation::Silu ? " silu" : " gelu"));
      std::vector<float> whole(static_cast<std::size_t>(n)), threaded(whole.size()), shifted(whole.size());
      nn::gated_activation_row(gate.data(), up.data(), n, a, whole.data(), 1, isa);
      nn::gated_activation_row(gate.data(), up.data(), n, a, threaded.data(), 3, isa);
      // Elements 5.. on their own: vector lanes fall differently.
      nn::gated_activation_row(gate.data() + 5, up.data() + 5, n - 5, a, shifted.data() + 5, 1, isa);
      EXPECT_EQ(std::memcmp(whole.data(), threaded.data(), whole.size() * sizeof(float)), 0);
      EXPECT_EQ(std::memcmp(whole.data() + 5, shifted.data() + 5, (whole.size() - 5) * sizeof(float)), 0);
      double worst = 0;  // in units of the float evaluation's own condition
      for (std::int64_t i = 0; i < n; ++i) {
        const double x = gate[i];
        // 0.5 x (1 + tanh u) written as x / (1 + e^z), z = -2u: the same function without
        // 1 + tanh's cancellation for negative u (which would make the reference the inexact one).
        const double z = a == nn::GateActivation::Silu ? -x : -2 * std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x);
        const double ref = x / (1 + std::exp(z)) * up[i];
        // Each float rounding on the way to z (x^3, the sum, the products) moves e^z by up to
        // |z| 2^-24 relative: allow four of those and a few ulp.
        const double allowed = (4 + 4 * std::abs(z)) * std::ldexp(1.0, -24);
        // (plus 1e-36 absolute: AVX2 clamps e^z at 2e38, float flushes below 1.2e-38)
        const double err = std::abs(whole[i] - ref), bound = allowed * std::abs(ref) + 1e-36;
        worst = std::max(worst, err / bound);
        if (err > bound) ADD_FAILURE() << i << ": gate " << gate[i] << " gives " << whole[i] << ", float64 " << ref;
      }
      std::printf("  %s %s: largest error %.2f of the allowed\n", nn::vector_isa_name(isa),
                  a == nn::GateActivation::Silu ? "silu" : "gelu", worst);
      EXPECT_TRUE(std::isfinite(whole[0]) && std::isfinite(whole[1]));
    }
}

TEST(LlmCpuKernels, RmsNormAndAddMatchFloat64) {
  for (std::int64_t n : {896, 37, 8}) {
    const auto x = random_values(static_cast<std::size_t>(n), 6, 3.0f);
    const auto w = random_values(static_cast<std::size_t>(n), 7, 1.0f);
    double ss = 0;
    for (float e : x) ss += double(e) * e;
    const double r = 1 / std::sqrt(ss / n + 1e-6);
    for (auto isa : supported_isas()) {
      SCOPED_TRACE(std::string(nn::vector_isa_name(isa)) + " n " + std::to_string(n));
      std::vector<float> y(static_cast<std::size_t>(n)), sum = x;
      nn::rms_norm_row(x.data(), w.data(), n, 1e-6, y.data(), isa);
      nn::add_row(sum.data(), w.data(), n, isa);
      for (std::int64_t i = 0; i < n; ++i) {
        EXPECT_NEAR(y[i], x[i] * r * w[i], 3e-7 * std::abs(x[i] * r * w[i]) + 1e-30);
        EXPECT_EQ(sum[i], x[i] + w[i]);
      }
    }
  }
}

}  // namespace
