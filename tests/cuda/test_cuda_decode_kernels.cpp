// The decode step's kernels (gpu/src/cuda/decode_kernels.hpp) one by one, in f32, against
// float64 references on random data: attention over a cache (GQA groups, head sizes 16 to 256,
// key blocks of which some are empty, sliding window, soft-cap, position 0; the flash-decoding
// pair and the decode step's one-pass kernel), RoPE + KV append in
// both pairings, dense products (fused targets with biases, rows with and without vector loads),
// gate/up with both activations, the logits head with its soft-cap, and the norms. The engine
// tests (tests/gpu/test_llm_cuda.cpp, LlmCudaDecodeStep*) check the whole step and the other
// float types; these localise a failure. Label gpu; skips itself without a device.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cuda/decode_kernels.hpp"
#include "cuda_test_buffers.hpp"

namespace {

namespace k = ebsd::gpu::cuda;
using ebsd::test::DeviceBuffer;
using ebsd::test::download;
using ebsd::test::upload;

constexpr auto F32 = k::FloatType::F32;

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

DeviceBuffer step_input(std::int64_t position) { return upload(std::vector<k::DecodeStepInput>{{0, position}}); }

void sync() { ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess); }

struct AttentionCase {
  int heads, kv_heads, head_dim;
  std::int64_t capacity;
  int splits;
  std::int64_t position, window;
  float softcap;
};

// out [heads, head_dim] of attention over the caches, in float64: the largest difference from got.
double attention_error(const AttentionCase& c, float scale, const std::vector<float>& q, const std::vector<float>& kc,
                       const std::vector<float>& vc, const std::vector<float>& got) {
  const auto hd = static_cast<std::size_t>(c.head_dim);
  const std::int64_t first = c.window > 0 ? std::max<std::int64_t>(0, c.position - c.window + 1) : 0;
  double worst = 0;
  for (int h = 0; h < c.heads; ++h) {
    const auto g = static_cast<std::size_t>(h / (c.heads / c.kv_heads));
    std::vector<double> s;
    for (std::int64_t j = first; j <= c.position; ++j) {
      double dot = 0;
      for (std::size_t d = 0; d < hd; ++d) dot += static_cast<double>(q[h * hd + d]) * kc[(g * c.capacity + j) * hd + d];
      dot *= scale;
      if (c.softcap > 0) dot = std::tanh(dot / c.softcap) * c.softcap;
      s.push_back(dot);
    }
    const double top = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (auto& x : s) sum += (x = std::exp(x - top));
    for (std::size_t d = 0; d < hd; ++d) {
      double ref = 0;
      for (std::int64_t j = first; j <= c.position; ++j)
        ref += s[static_cast<std::size_t>(j - first)] / sum * vc[(g * c.capacity + j) * hd + d];
      worst = std::max(worst, std::abs(got[h * hd + d] - ref));
    }
  }
  return worst;
}

k::AttentionShape attention_shape(const AttentionCase& c) {
  k::AttentionShape sh;
  sh.heads = c.heads;
  sh.kv_heads = c.kv_heads;
  sh.head_dim = c.head_dim;
  sh.capacity = c.capacity;
  sh.splits = c.splits;
  sh.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  sh.softcap = c.softcap;
  sh.window = c.window;
  return sh;
}

TEST(CudaDecodeKernels, AttentionMatchesTheSoftmaxOverTheCache) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(7);
  for (const auto& c : {AttentionCase{4, 2, 16, 80, 2, 79, 0, 0}, AttentionCase{4, 2, 24, 80, 2, 40, 12, 50},
                        AttentionCase{14, 2, 64, 640, 10, 500, 0, 0}, AttentionCase{8, 8, 128, 300, 5, 7, 0, 0},
                        AttentionCase{2, 1, 256, 100, 32, 99, 0, 0}, AttentionCase{4, 2, 64, 64, 1, 0, 0, 0},
                        AttentionCase{6, 3, 32, 50, 4, 49, 5, 20}}) {
    SCOPED_TRACE("heads " + std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) + " dim " + std::to_string(c.head_dim) +
                 " position " + std::to_string(c.position) + " splits " + std::to_string(c.splits));
    const auto hd = static_cast<std::size_t>(c.head_dim);
    const auto q = random_vector(c.heads * hd, rng);
    const auto kc = random_vector(c.kv_heads * c.capacity * hd, rng);
    const auto vc = random_vector(c.kv_heads * c.capacity * hd, rng);
    const auto sh = attention_shape(c);
    auto dq = upload(q), dk = upload(kc), dv = upload(vc), in = step_input(c.position);
    DeviceBuffer scratch(k::attention_scratch_floats(sh) * 4), out(c.heads * hd * 4);
    k::attention(F32, sh, static_cast<const k::DecodeStepInput*>(in.p), dq.p, dk.p, dv.p, static_cast<float*>(scratch.p), out.p,
                 nullptr);
    sync();
    EXPECT_LE(attention_error(c, sh.scale, q, kc, vc, download<float>(out, c.heads * hd)), 2e-5);  // values ~N(0, 1): f32
                                                                                                    // sums over <= 500 keys
  }
}

// The decode step's attention (attention_one_pass) against the same float64 reference: one block
// per head (splits = attention_one_pass_splits: Qwen2.5-0.5B's 14 / 2 heads of 64 over 641 keys,
// the bench's context), several key blocks of which some are empty (combined by the head's last
// block), the largest key blocks (1024 keys), Gemma2's shape (8 / 4 heads of 256) with its
// sliding window and soft-cap across two blocks, head sizes that are no multiple of the 16-byte
// vector (pairs of values: 18, 6), position 0. Each case twice on fresh data with the same
// counters, as a graph replays it: the counters must come back 0.
TEST(CudaDecodeKernels, OnePassAttentionMatchesTheSoftmaxOverTheCache) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(11);
  const auto one = [](std::int64_t capacity) { return k::attention_one_pass_splits(capacity); };
  EXPECT_EQ(one(1), 1);
  EXPECT_EQ(one(1024), 1);
  EXPECT_EQ(one(1025), 2);
  for (const auto& c : {AttentionCase{14, 2, 64, 641, one(641), 640, 0, 0}, AttentionCase{14, 2, 64, 641, one(641), 300, 0, 0},
                        AttentionCase{14, 2, 64, 640, 10, 500, 0, 0}, AttentionCase{4, 2, 24, 80, 2, 40, 12, 50},
                        AttentionCase{2, 1, 256, 100, 32, 99, 0, 0}, AttentionCase{4, 2, 64, 64, 1, 0, 0, 0},
                        AttentionCase{4, 2, 16, 2500, one(2500), 2400, 0, 0}, AttentionCase{4, 2, 64, 3072, 3, 3071, 0, 0},
                        AttentionCase{8, 4, 256, 1500, one(1500), 1400, 1000, 50}, AttentionCase{8, 4, 256, 1500, one(1500), 600, 1000, 50},
                        AttentionCase{4, 2, 18, 80, 1, 60, 0, 0}, AttentionCase{6, 3, 6, 50, 4, 49, 5, 20},
                        AttentionCase{8, 8, 128, 300, 5, 7, 0, 0}}) {
    SCOPED_TRACE("heads " + std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) + " dim " + std::to_string(c.head_dim) +
                 " capacity " + std::to_string(c.capacity) + " position " + std::to_string(c.position) + " splits " +
                 std::to_string(c.splits) + " window " + std::to_string(c.window));
    const auto hd = static_cast<std::size_t>(c.head_dim);
    const auto sh = attention_shape(c);
    auto counters = upload(std::vector<unsigned>(static_cast<std::size_t>(c.heads), 0u));
    for (int round = 0; round < 2; ++round) {
      const auto q = random_vector(c.heads * hd, rng);
      const auto kc = random_vector(c.kv_heads * c.capacity * hd, rng);
      const auto vc = random_vector(c.kv_heads * c.capacity * hd, rng);
      auto dq = upload(q), dk = upload(kc), dv = upload(vc), in = step_input(c.position);
      DeviceBuffer scratch(k::attention_scratch_floats(sh) * 4), out(c.heads * hd * 4);
      k::attention_one_pass(F32, sh, static_cast<const k::DecodeStepInput*>(in.p), dq.p, dk.p, dv.p,
                            static_cast<float*>(scratch.p), static_cast<unsigned*>(counters.p), out.p, nullptr);
      sync();
      EXPECT_LE(attention_error(c, sh.scale, q, kc, vc, download<float>(out, c.heads * hd)), 2e-5);
      const auto left = download<unsigned>(counters, static_cast<std::size_t>(c.heads));
      EXPECT_TRUE(std::all_of(left.begin(), left.end(), [](unsigned v) { return v == 0; })) << "counters not reset";
    }
  }
  // Too few key blocks for the capacity is an error, not a wrong result.
  k::AttentionShape sh = attention_shape(AttentionCase{4, 2, 64, 2000, 1, 10, 0, 0});
  EXPECT_THROW(k::attention_one_pass(F32, sh, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
               std::runtime_error);
}

TEST(CudaDecodeKernels, RopeRotatesAndAppendsToTheCache) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(3);
  const int heads = 4, kv_heads = 2, hd = 16, half = hd / 2;
  const std::int64_t cap = 8, pos = 5;
  for (const bool rotate_half : {true, false}) {
    SCOPED_TRACE(rotate_half ? "rotate half" : "interleaved");
    const auto q = random_vector(heads * hd, rng), kk = random_vector(kv_heads * hd, rng), v = random_vector(kv_heads * hd, rng);
    std::vector<float> inv(half);
    for (int i = 0; i < half; ++i) inv[i] = std::pow(10000.0f, -2.0f * i / hd);
    auto dq = upload(q), dk = upload(kk), dv = upload(v), dinv = upload(inv), in = step_input(pos);
    auto kcache = upload(std::vector<float>(kv_heads * cap * hd, 0.0f)), vcache = upload(std::vector<float>(kv_heads * cap * hd, 0.0f));
    k::rope_store(F32, static_cast<const k::DecodeStepInput*>(in.p), static_cast<const float*>(dinv.p), rotate_half, heads,
                  kv_heads, hd, cap, dq.p, dk.p, dv.p, kcache.p, vcache.p, nullptr);
    sync();
    const auto gq = download<float>(dq, q.size());
    const auto gk = download<float>(kcache, kv_heads * cap * hd), gv = download<float>(vcache, kv_heads * cap * hd);
    auto rotate = [&](const float* x, int i, double& a, double& b) {
      const float angle = static_cast<float>(pos) * inv[i];
      const double c = std::cos(static_cast<double>(angle)), s = std::sin(static_cast<double>(angle));
      const int ia = rotate_half ? i : 2 * i, ib = rotate_half ? i + half : 2 * i + 1;
      a = x[ia] * c - x[ib] * s;
      b = x[ib] * c + x[ia] * s;
      return std::pair{ia, ib};
    };
    double worst = 0;
    for (int h = 0; h < heads + kv_heads; ++h)
      for (int i = 0; i < half; ++i) {
        const bool is_q = h < heads;
        const int head = is_q ? h : h - heads;
        double a, b;
        const auto [ia, ib] = rotate((is_q ? q.data() : kk.data()) + head * hd, i, a, b);
        const float* got = is_q ? gq.data() + head * hd : gk.data() + (head * cap + pos) * hd;
        worst = std::max({worst, std::abs(got[ia] - a), std::abs(got[ib] - b)});
      }
    EXPECT_LE(worst, 1e-5);
    for (int g = 0; g < kv_heads; ++g)
      for (std::int64_t j = 0; j < cap; ++j)
        for (int d = 0; d < hd; ++d) {
          const auto i = static_cast<std::size_t>((g * cap + j) * hd + d);
          EXPECT_EQ(gv[i], j == pos ? v[g * hd + d] : 0.0f);
          if (j != pos) {
            EXPECT_EQ(gk[i], 0.0f);
          }
        }
  }
}

double dot(const std::vector<float>& w, std::size_t row, std::size_t cols, const std::vector<float>& x) {
  double s = 0;
  for (std::size_t c = 0; c < cols; ++c) s += static_cast<double>(w[row * cols + c]) * x[c];
  return s;
}

k::DecodeMatrix dense(const DeviceBuffer& b, std::int64_t rows, std::int64_t cols, const void* bias = nullptr) {
  k::DecodeMatrix m;
  m.format = k::WeightFormat::Dense;
  m.data = b.p;
  m.rows = rows;
  m.cols = cols;
  m.row_stride = cols * 4;
  m.bias = bias;
  return m;
}

TEST(CudaDecodeKernels, DenseProductsGatedActivationAndLogits) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(5);
  for (const std::int64_t cols : {64, 40, 896}) {  // 40: no 8-value loads
    SCOPED_TRACE("cols " + std::to_string(cols));
    const auto n = static_cast<std::size_t>(cols);
    const std::int64_t rows[3] = {37, 5, 5};
    const auto x = random_vector(n, rng);
    std::vector<std::vector<float>> w, b;
    std::vector<DeviceBuffer> dw, db, dy;
    std::vector<k::DecodeMatrix> ms;
    std::vector<void*> ys;
    for (int m = 0; m < 3; ++m) {
      w.push_back(random_vector(rows[m] * n, rng, 0.1f));
      b.push_back(random_vector(rows[m], rng));
      dw.push_back(upload(w.back()));
      db.push_back(upload(b.back()));
      dy.emplace_back(rows[m] * 4);
    }
    for (int m = 0; m < 3; ++m) {
      ms.push_back(dense(dw[m], rows[m], cols, db[m].p));
      ys.push_back(dy[m].p);
    }
    auto dx = upload(x);
    k::decode_gemv(F32, ms.data(), ys.data(), 3, dx.p, nullptr);
    // gate = w[0] rows 0..4, up = w[1]: both activations.
    DeviceBuffer silu(5 * 4), gelu(5 * 4), logits(37 * 4);
    const auto gate = dense(dw[0], 5, cols), up = dense(dw[1], 5, cols);
    k::decode_gated_gemv(F32, gate, up, k::GateActivation::Silu, dx.p, silu.p, nullptr);
    k::decode_gated_gemv(F32, gate, up, k::GateActivation::GeluTanh, dx.p, gelu.p, nullptr);
    k::decode_logits(F32, dense(dw[0], 37, cols), dx.p, 3.0f, static_cast<float*>(logits.p), nullptr);
    sync();
    double worst = 0;
    for (int m = 0; m < 3; ++m) {
      const auto got = download<float>(dy[m], rows[m]);
      for (std::int64_t r = 0; r < rows[m]; ++r)
        worst = std::max(worst, std::abs(got[r] - (dot(w[m], r, n, x) + b[m][r])));
    }
    const auto gs = download<float>(silu, 5), gg = download<float>(gelu, 5), gl = download<float>(logits, 37);
    for (std::size_t r = 0; r < 5; ++r) {
      const double g = dot(w[0], r, n, x), u = dot(w[1], r, n, x);
      worst = std::max(worst, std::abs(gs[r] - g / (1 + std::exp(-g)) * u));
      const double gl_ref = 0.5 * g * (1 + std::tanh(std::sqrt(2 / M_PI) * (g + 0.044715 * g * g * g))) * u;
      worst = std::max(worst, std::abs(gg[r] - gl_ref));
    }
    for (std::size_t r = 0; r < 37; ++r) worst = std::max(worst, std::abs(gl[r] - std::tanh(dot(w[0], r, n, x) / 3) * 3));
    EXPECT_LE(worst, 1e-4);
  }
}

TEST(CudaDecodeKernels, EmbeddingResidualAndNorms) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(9);
  const std::int64_t n = 600, vocab = 7, token = 4;
  const float eps = 1e-6f, scale = 2.5f;
  const auto table = random_vector(vocab * n, rng), norm = random_vector(n, rng), post = random_vector(n, rng),
             next = random_vector(n, rng), o = random_vector(n, rng);
  auto dtable = upload(table), dnorm = upload(norm), dpost = upload(post), dnext = upload(next), dout = upload(o);
  auto in = upload(std::vector<k::DecodeStepInput>{{token, 0}});
  DeviceBuffer h(n * 4), a(n * 4), h2(n * 4), a2(n * 4);
  k::embed_norm(F32, dense(dtable, vocab, n), static_cast<const k::DecodeStepInput*>(in.p), scale, static_cast<const float*>(dnorm.p),
                eps, h.p, a.p, nullptr);
  sync();
  auto rms = [&](const std::vector<double>& v) {
    double ss = 0;
    for (auto x : v) ss += x * x;
    return 1 / std::sqrt(ss / static_cast<double>(v.size()) + eps);
  };
  std::vector<double> hv(n);
  for (std::int64_t i = 0; i < n; ++i) hv[i] = table[token * n + i] * static_cast<double>(scale);
  const double r = rms(hv);
  const auto gh = download<float>(h, n), ga = download<float>(a, n);
  double worst = 0;
  for (std::int64_t i = 0; i < n; ++i)
    worst = std::max({worst, std::abs(gh[i] - hv[i]), std::abs(ga[i] - hv[i] * r * norm[i])});
  // Residual with and without the post-norm: h2 = h + RMSNorm(o) * post (or + o), a2 its norm.
  for (const bool with_post : {true, false}) {
    ASSERT_EQ(cudaMemcpy(h2.p, h.p, n * 4, cudaMemcpyDeviceToDevice), cudaSuccess);
    k::residual_norm(F32, dout.p, with_post ? static_cast<const float*>(dpost.p) : nullptr, h2.p,
                     static_cast<const float*>(dnext.p), n, eps, a2.p, nullptr);
    sync();
    std::vector<double> ov(o.begin(), o.end());
    const double ro = rms(ov);
    std::vector<double> want(n);
    for (std::int64_t i = 0; i < n; ++i) want[i] = gh[i] + (with_post ? o[i] * ro * post[i] : o[i]);
    const double rn = rms(want);
    const auto gh2 = download<float>(h2, n), ga2 = download<float>(a2, n);
    for (std::int64_t i = 0; i < n; ++i)
      worst = std::max({worst, std::abs(gh2[i] - want[i]), std::abs(ga2[i] - want[i] * rn * next[i])});
  }
  EXPECT_LE(worst, 1e-5 * 10);  // values up to ~10 (scale 2.5 times N(0, 1) times weights)
}

// The fused launches of the decode step (attention with its combination; q/k/v with RoPE + KV
// store; o / down product with the residual + norm after it, finished by the launch's last block) give exactly the separate
// launches' results, and leave their counters at 0: each is run twice in a row on fresh
// inputs, as a graph replays it.
TEST(CudaDecodeKernels, FusedLaunchesGiveTheSeparateLaunchesResults) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(31);
  for (const auto& c : {AttentionCase{14, 2, 64, 640, 10, 500, 0, 0}, AttentionCase{4, 2, 24, 80, 2, 40, 12, 50},
                        AttentionCase{2, 1, 256, 100, 32, 99, 0, 0}, AttentionCase{4, 2, 64, 64, 1, 0, 0, 0},
                        AttentionCase{14, 2, 64, 2048, 32, 3, 0, 0}}) {
    SCOPED_TRACE("attention heads " + std::to_string(c.heads) + " splits " + std::to_string(c.splits) + " position " +
                 std::to_string(c.position));
    const auto hd = static_cast<std::size_t>(c.head_dim);
    const k::AttentionShape sh = attention_shape(c);
    auto counters = upload(std::vector<unsigned>(static_cast<std::size_t>(c.heads), 0u));
    for (int round = 0; round < 2; ++round) {
      auto dq = upload(random_vector(c.heads * hd, rng)), dk = upload(random_vector(c.kv_heads * c.capacity * hd, rng)),
           dv = upload(random_vector(c.kv_heads * c.capacity * hd, rng)), in = step_input(c.position);
      DeviceBuffer scratch(k::attention_scratch_floats(sh) * 4), apart(c.heads * hd * 4), fused(c.heads * hd * 4);
      const auto* input = static_cast<const k::DecodeStepInput*>(in.p);
      k::attention(F32, sh, input, dq.p, dk.p, dv.p, static_cast<float*>(scratch.p), apart.p, nullptr);
      k::attention_fused(F32, sh, input, dq.p, dk.p, dv.p, static_cast<float*>(scratch.p), static_cast<unsigned*>(counters.p),
                         fused.p, nullptr);
      sync();
      EXPECT_EQ(download<float>(apart, c.heads * hd), download<float>(fused, c.heads * hd));
      const auto left = download<unsigned>(counters, static_cast<std::size_t>(c.heads));
      EXPECT_TRUE(std::all_of(left.begin(), left.end(), [](unsigned v) { return v == 0; })) << "counters not reset";
    }
  }
  // q/k/v products with biases then RoPE + KV store (both pairings, GQA 14 / 2, head size 64, the
  // Qwen2.5-0.5B shape, position 37 of 64).
  for (const bool rotate_half : {true, false}) {
    SCOPED_TRACE(rotate_half ? "q/k/v + RoPE, rotate-half pairs" : "q/k/v + RoPE, interleaved pairs");
    const int heads = 14, kv_heads = 2, head_dim = 64;
    const std::int64_t cols = 896, capacity = 64, position = 37;
    const std::int64_t rows[3] = {heads * head_dim, kv_heads * head_dim, kv_heads * head_dim};
    std::vector<DeviceBuffer> dw, db;
    std::vector<k::DecodeMatrix> ms;
    for (int m = 0; m < 3; ++m) {
      dw.push_back(upload(random_vector(static_cast<std::size_t>(rows[m] * cols), rng, 0.05f)));
      db.push_back(upload(random_vector(static_cast<std::size_t>(rows[m]), rng)));
    }
    for (int m = 0; m < 3; ++m) ms.push_back(dense(dw[m], rows[m], cols, db[m].p));
    std::vector<float> inv_freq(head_dim / 2);
    for (int i = 0; i < head_dim / 2; ++i) inv_freq[i] = static_cast<float>(std::pow(1e6, -2.0 * i / head_dim));
    auto dfreq = upload(inv_freq), in = step_input(position), counter1 = upload(std::vector<unsigned>{0u});
    const auto* input = static_cast<const k::DecodeStepInput*>(in.p);
    const auto* freq = static_cast<const float*>(dfreq.p);
    const auto cache_floats = static_cast<std::size_t>(kv_heads * capacity * head_dim);
    for (int round = 0; round < 2; ++round) {
      auto dx = upload(random_vector(static_cast<std::size_t>(cols), rng));
      const auto cache0 = random_vector(cache_floats, rng);
      auto kc1 = upload(cache0), vc1 = upload(cache0), kc2 = upload(cache0), vc2 = upload(cache0);
      DeviceBuffer q1(rows[0] * 4), k1(rows[1] * 4), v1(rows[2] * 4), q2(rows[0] * 4), k2(rows[1] * 4), v2(rows[2] * 4);
      void* ys[3] = {q1.p, k1.p, v1.p};
      k::decode_gemv(F32, ms.data(), ys, 3, dx.p, nullptr);
      k::rope_store(F32, input, freq, rotate_half, heads, kv_heads, head_dim, capacity, q1.p, k1.p, v1.p, kc1.p, vc1.p, nullptr);
      k::decode_qkv_rope(F32, ms.data(), q2.p, k2.p, v2.p, dx.p, input, freq, rotate_half, heads, kv_heads, head_dim, capacity, kc2.p,
                         vc2.p, static_cast<unsigned*>(counter1.p), nullptr);
      sync();
      EXPECT_EQ(download<float>(q1, rows[0]), download<float>(q2, rows[0]));
      EXPECT_EQ(download<float>(k1, rows[1]), download<float>(k2, rows[1]));
      EXPECT_EQ(download<float>(v1, rows[2]), download<float>(v2, rows[2]));
      EXPECT_EQ(download<float>(kc1, cache_floats), download<float>(kc2, cache_floats));
      EXPECT_EQ(download<float>(vc1, cache_floats), download<float>(vc2, cache_floats));
      EXPECT_EQ(download<unsigned>(counter1, 1)[0], 0u) << "counter not reset";
    }
  }
  // o = W x then the residual + norm: dense rows (with and without 8-value loads) and Q8_0 blocks
  // (scale 0.01, random int8), with and without the post-norm; n = 896 rows (112 blocks of 8).
  const std::int64_t n = 896;
  const float eps = 1e-6f;
  auto counter = upload(std::vector<unsigned>{0u});
  for (const std::int64_t cols : {896, 40, 4864})
    for (const bool quantized : {false, true})
      for (const bool with_post : {false, true}) {
        if (quantized && cols % 32 != 0) continue;
        SCOPED_TRACE("cols " + std::to_string(cols) + (quantized ? " Q8_0" : " dense") + (with_post ? " post-norm" : ""));
        std::vector<std::uint8_t> bytes;
        std::int64_t stride = cols * 4;
        if (quantized) {
          std::uniform_int_distribution<int> q(-127, 127);
          stride = cols / 32 * 34;
          bytes.resize(static_cast<std::size_t>(n * stride));
          for (std::size_t b = 0; b < bytes.size() / 34; ++b) {
            bytes[b * 34] = 0x1f;  // f16 0x211f: about 0.01
            bytes[b * 34 + 1] = 0x21;
            for (int i = 0; i < 32; ++i) bytes[b * 34 + 2 + i] = static_cast<std::uint8_t>(static_cast<signed char>(q(rng)));
          }
        } else {
          const auto v = random_vector(static_cast<std::size_t>(n * cols), rng, 0.05f);
          bytes.resize(v.size() * 4);
          std::memcpy(bytes.data(), v.data(), bytes.size());
        }
        auto dw = upload(bytes);
        k::DecodeMatrix w = dense(dw, n, cols);
        if (quantized) {
          w.format = k::WeightFormat::Q8_0;
          w.row_stride = stride;
        }
        auto dx = upload(random_vector(static_cast<std::size_t>(cols), rng));
        const auto h0 = random_vector(static_cast<std::size_t>(n), rng);
        auto post = upload(random_vector(static_cast<std::size_t>(n), rng)), next = upload(random_vector(static_cast<std::size_t>(n), rng));
        const float* post_p = with_post ? static_cast<const float*>(post.p) : nullptr;
        auto h1 = upload(h0), h2 = upload(h0);
        DeviceBuffer o1(n * 4), o2(n * 4), a1(n * 4), a2(n * 4);
        void* o1_out[1] = {o1.p};
        k::decode_gemv(F32, &w, o1_out, 1, dx.p, nullptr);
        k::residual_norm(F32, o1.p, post_p, h1.p, static_cast<const float*>(next.p), n, eps, a1.p, nullptr);
        for (int round = 0; round < 2; ++round) {
          if (round == 1) {
            ASSERT_EQ(cudaMemcpy(h2.p, h0.data(), n * 4, cudaMemcpyHostToDevice), cudaSuccess);
          }
          k::decode_gemv_residual_norm(F32, w, dx.p, o2.p, post_p, h2.p, static_cast<const float*>(next.p), eps, a2.p,
                                       static_cast<unsigned*>(counter.p), nullptr);
          sync();
          EXPECT_EQ(download<float>(o1, n), download<float>(o2, n));
          EXPECT_EQ(download<float>(h1, n), download<float>(h2, n));
          EXPECT_EQ(download<float>(a1, n), download<float>(a2, n));
          EXPECT_EQ(download<unsigned>(counter, 1)[0], 0u) << "counter not reset";
        }
      }
}

// The greedy pick against the host sampler's rule (llm_sampler.cpp): penalty on the distinct ids
// (divided when > 0, multiplied otherwise, in double), then the first maximum. Cases: no
// penalty, a penalty that moves the maximum, ties (the smaller index wins, also across the
// block's threads and warps), ids out of range ignored, a vocabulary smaller than the block, and
// all logits -inf (index 0, as std::max_element).
TEST(CudaDecodeKernels, GreedyPickIsTheHostSamplersChoice) {
  if (!ebsd::test::have_cuda_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(23);
  auto host_pick = [](std::vector<float> v, const std::vector<std::int64_t>& ids, double penalty) {
    for (auto id : ids) {
      if (id < 0 || id >= static_cast<std::int64_t>(v.size())) continue;
      auto& x = v[static_cast<std::size_t>(id)];
      x = x > 0 ? static_cast<float>(x / penalty) : static_cast<float>(x * penalty);
    }
    return std::pair{static_cast<std::int64_t>(std::max_element(v.begin(), v.end()) - v.begin()), v};
  };
  struct Case {
    std::int64_t vocab;
    std::vector<std::int64_t> ids;
    double penalty;
    int ties;  // copies of the maximum placed at random indices
    bool all_inf;
  };
  for (const auto& c : {Case{151936, {}, 1.0, 0, false}, Case{151936, {5, 77, 151935}, 1.3, 0, false},
                        Case{151936, {}, 1.0, 5, false}, Case{100000, {-3, 4, 100000, 99999}, 2.0, 3, false},
                        Case{300, {1, 2, 3}, 0.5, 2, false}, Case{5000, {}, 1.0, 0, true}}) {
    SCOPED_TRACE("vocab " + std::to_string(c.vocab) + " ids " + std::to_string(c.ids.size()) + " ties " +
                 std::to_string(c.ties));
    auto logits = random_vector(static_cast<std::size_t>(c.vocab), rng, 3.0f);
    std::uniform_int_distribution<std::int64_t> at(0, c.vocab - 1);
    if (c.ties > 0) {
      const float top = *std::max_element(logits.begin(), logits.end()) + 1.0f;
      for (int t = 0; t < c.ties; ++t) logits[static_cast<std::size_t>(at(rng))] = top;
    }
    if (c.all_inf) std::fill(logits.begin(), logits.end(), -INFINITY);
    // Let the penalty decide: a penalized id holds the largest logit, its neighbour (not
    // penalized) the second largest, between the first and the first divided by the penalty.
    if (!c.ids.empty()) {
      logits[static_cast<std::size_t>(c.ids[1])] = 50.0f;
      logits[static_cast<std::size_t>(c.ids[1] + 1)] = 45.0f;
    }
    const auto [want, penalized] = host_pick(logits, c.ids, c.penalty);
    auto d_logits = upload(logits);
    auto d_ids = upload(c.ids.empty() ? std::vector<std::int64_t>{0} : c.ids);
    DeviceBuffer d_token(8);
    k::pick_greedy(static_cast<float*>(d_logits.p), c.vocab, static_cast<const std::int64_t*>(d_ids.p),
                   static_cast<int>(c.ids.size()), c.penalty, static_cast<std::int64_t*>(d_token.p), nullptr);
    sync();
    EXPECT_EQ(download<std::int64_t>(d_token, 1)[0], want);
    const auto back = download<float>(d_logits, static_cast<std::size_t>(c.vocab));
    EXPECT_TRUE(std::equal(back.begin(), back.end(), penalized.begin()))
        << "the penalized logits left in place differ from the host's";
  }
}

}  // namespace
