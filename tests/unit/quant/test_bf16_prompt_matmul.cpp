// bf16 prompt products (quant/bf16_prompt_matmul.hpp) against float64 references:
//  - exact: float64 products of the bf16-rounded weights and activations (the values the tile
//    unit multiplies; their products are exact in f32), so the only error is f32 accumulation:
//    at most (cols + 8) u sum|terms|, u = 2^-24.
//  - against the file's dequantized weights and the f32 input: plus the two bf16 roundings,
//    each at most 2^-9 relative, so at most (2^-8 + 2^-18 + (cols + 8) u) sum|w x|.
// And the claim the header makes: over a matrix, this path's largest error against that exact
// product is below the 8-bit activation path's (quant_matmul) on the same data.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/bf16_prompt_matmul.hpp"
#include "ebsd/quant/quant_matmul.hpp"

namespace {

using namespace ebsd::quant;

std::vector<float> random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_real_distribution<float> e(-2.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < rows * cols; i += 32) {  // blocks of very different sizes
    const float scale = std::pow(10.0f, e(rng));
    for (std::int64_t k = i; k < i + 32; ++k) v[static_cast<std::size_t>(k)] = scale * g(rng);
  }
  return v;
}

// The nearest bf16 to v (ties to the even one), chosen between its two bf16 neighbours in
// double: the reference for the kernels' rounding, which is a bit trick or an instruction.
float bf16_round(float v) {
  const std::uint32_t toward_zero = std::bit_cast<std::uint32_t>(v) & 0xFFFF0000u;
  const float down = std::bit_cast<float>(toward_zero), up = std::bit_cast<float>(toward_zero + 0x10000u);
  const double d_down = std::fabs(static_cast<double>(v) - down), d_up = std::fabs(static_cast<double>(up) - v);
  if (d_down != d_up) return d_down < d_up ? down : up;
  return (toward_zero >> 16) & 1u ? up : down;
}

// Weights quantized from random floats, with the interleaved copy of their whole groups.
struct Weights {
  Weights(BlockFormat f, std::int64_t rows, std::int64_t cols) : rb(row_bytes(f, cols)), wq(rb * rows), wd(rows * cols) {
    const auto wf = random_matrix(rows, cols, 21);
    for (std::int64_t r = 0; r < rows; ++r) {
      quantize_row(f, wf.data() + r * cols, wq.data() + r * rb, cols);
      dequantize_row(f, wq.data() + r * rb, wd.data() + r * cols, cols);
    }
    w = QuantMatrix{f, wq.data(), rows, cols, rb};
    copy = static_cast<std::uint8_t*>(std::aligned_alloc(64, (interleaved_bytes(f, rows, cols) + 127) / 64 * 64));
    interleave_rows(w, copy, 0, rows / 16);
    w.interleaved = copy;
  }
  ~Weights() { std::free(copy); }
  Weights(const Weights&) = delete;
  Weights& operator=(const Weights&) = delete;
  std::size_t rb;
  std::vector<std::uint8_t> wq;
  std::vector<float> wd;
  QuantMatrix w;
  std::uint8_t* copy = nullptr;
};

struct Case {
  BlockFormat format;
  std::int64_t rows, cols, tokens, row_begin, row_end;
};

void check(const Case& c) {
  SCOPED_TRACE(std::string(block_traits(c.format).name) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols) + ", " +
               std::to_string(c.tokens) + " tokens, rows [" + std::to_string(c.row_begin) + ", " + std::to_string(c.row_end) + ")");
  Weights W(c.format, c.rows, c.cols);
  const auto xf = random_matrix(c.tokens, c.cols, 22);
  Bf16Activations x;
  x.prepare(c.tokens, c.cols);
  x.convert_tokens(xf.data(), c.cols, 0, c.tokens);
  for (std::int64_t t = 0; t < c.tokens; t += 7)
    for (std::int64_t k = 0; k < c.cols; k += 13) ASSERT_EQ(x.value(t, k), bf16_round(xf[t * c.cols + k]));
  const std::int64_t ldy = c.rows + 5;
  std::vector<float> y(static_cast<std::size_t>(c.tokens * ldy), -1.0f);
  bf16_prompt_matmul(W.w, x, y.data(), ldy, c.row_begin, c.row_end);

  const double u = std::ldexp(1.0, -24), chain = static_cast<double>(c.cols) + 8;
  double worst_exact = 0, worst_input = 0;
  for (std::int64_t t = 0; t < c.tokens; ++t)
    for (std::int64_t r = 0; r < c.rows; ++r) {
      const float got = y[static_cast<std::size_t>(t * ldy + r)];
      if (r < c.row_begin || r >= c.row_end) {
        ASSERT_EQ(got, -1.0f) << "row " << r << " outside the range was written";
        continue;
      }
      double exact = 0, input = 0, magnitude = 0;
      for (std::int64_t k = 0; k < c.cols; ++k) {
        const double wk = W.wd[r * c.cols + k], xk = xf[t * c.cols + k];
        exact += static_cast<double>(bf16_round(static_cast<float>(wk))) * x.value(t, k);
        input += wk * xk;
        magnitude += std::fabs(wk * xk);
      }
      const double bound_exact = chain * u * magnitude * 1.01 + 1e-30;
      const double bound_input = (std::ldexp(1.0, -8) + std::ldexp(1.0, -18)) * magnitude + bound_exact;
      ASSERT_LE(std::fabs(got - exact), bound_exact) << "row " << r << " token " << t;
      ASSERT_LE(std::fabs(got - input), bound_input) << "row " << r << " token " << t;
      worst_exact = std::max(worst_exact, std::fabs(got - exact) / bound_exact);
      worst_input = std::max(worst_input, std::fabs(got - input) / bound_input);
    }
  // The rounding bound is within a small factor of the error really seen.
  EXPECT_GT(worst_input, 0.01);
  std::printf("  %s %lldx%lld t=%lld rows [%lld, %lld): error/bound %.3g (exact), %.3g (float input)\n",
              block_traits(c.format).name, static_cast<long long>(c.rows), static_cast<long long>(c.cols),
              static_cast<long long>(c.tokens), static_cast<long long>(c.row_begin), static_cast<long long>(c.row_end),
              worst_exact, worst_input);
}

#define SKIP_WITHOUT_BF16_PROMPT() \
  if (!bf16_prompt_supported()) GTEST_SKIP() << "no AMX-BF16 here (or EBSD_QUANT_PROMPT=int8)"

TEST(Bf16PromptMatmul, MatchesFloat64Reference) {
  SKIP_WITHOUT_BF16_PROMPT();
  const std::vector<Case> cases{
      {BlockFormat::Q8_0, 64, 896, 32, 0, 64},    {BlockFormat::Q4_0, 64, 896, 32, 0, 64},    // two pairs of groups
      {BlockFormat::Q8_0, 80, 928, 45, 0, 80},    {BlockFormat::Q4_0, 80, 928, 45, 0, 80},    // a single last group, partial tokens
      {BlockFormat::Q8_0, 103, 96, 70, 0, 103},   {BlockFormat::Q4_0, 103, 96, 70, 0, 103},   // 7 rows outside the copy
      {BlockFormat::Q8_0, 96, 4864, 33, 5, 90},   {BlockFormat::Q4_0, 96, 4864, 33, 5, 90},   // a cut inside groups
      {BlockFormat::Q8_0, 48, 32, 1, 16, 48},     {BlockFormat::Q4_0, 48, 32, 3, 0, 7},       // one block, few tokens
  };
  for (const auto& c : cases) check(c);
}

TEST(Bf16PromptMatmul, CloserToTheDequantizedProductThanEightBitActivations) {
  SKIP_WITHOUT_BF16_PROMPT();
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
    SCOPED_TRACE(block_traits(f).name);
    const std::int64_t rows = 128, cols = 896, tokens = 64;
    Weights W(f, rows, cols);
    const auto xf = random_matrix(tokens, cols, 23);
    Bf16Activations xb;
    xb.prepare(tokens, cols);
    xb.convert_tokens(xf.data(), cols, 0, tokens);
    ActivationBlocks xq;
    xq.quantize(f, xf.data(), tokens, cols, cols);
    std::vector<float> yb(static_cast<std::size_t>(tokens * rows)), yq(yb.size());
    bf16_prompt_matmul(W.w, xb, yb.data(), rows, 0, rows);
    quant_matmul(W.w, xq, yq.data(), rows, 0, rows);
    double eb = 0, eq = 0, scale = 0;
    for (std::int64_t t = 0; t < tokens; ++t)
      for (std::int64_t r = 0; r < rows; ++r) {
        double ref = 0;
        for (std::int64_t k = 0; k < cols; ++k) ref += static_cast<double>(W.wd[r * cols + k]) * xf[t * cols + k];
        eb = std::max(eb, std::fabs(yb[t * rows + r] - ref));
        eq = std::max(eq, std::fabs(yq[t * rows + r] - ref));
        scale = std::max(scale, std::fabs(ref));
      }
    std::printf("  %s: largest error / largest |y|: bf16 %.3g, 8-bit activations %.3g\n", block_traits(f).name, eb / scale,
                eq / scale);
    EXPECT_LT(eb, eq);
  }
}

TEST(Bf16PromptMatmul, RowRangesOnThreadsGiveTheSameBits) {
  SKIP_WITHOUT_BF16_PROMPT();
  const std::int64_t rows = 160, cols = 640, tokens = 50;
  Weights W(BlockFormat::Q4_0, rows, cols);
  const auto xf = random_matrix(tokens, cols, 24);
  Bf16Activations x;
  x.prepare(tokens, cols);
  x.convert_tokens(xf.data(), cols, 0, 20);
  x.convert_tokens(xf.data(), cols, 20, tokens);
  std::vector<float> one(static_cast<std::size_t>(tokens * rows)), split(one.size());
  bf16_prompt_matmul(W.w, x, one.data(), rows, 0, rows);
  std::thread a([&] { bf16_prompt_matmul(W.w, x, split.data(), rows, 0, 64); });
  std::thread b([&] { bf16_prompt_matmul(W.w, x, split.data(), rows, 64, rows); });
  a.join();
  b.join();
  EXPECT_EQ(0, std::memcmp(one.data(), split.data(), one.size() * sizeof(float)));
}

TEST(Bf16PromptMatmul, MismatchedInputsAreErrors) {
  SKIP_WITHOUT_BF16_PROMPT();
  Weights W(BlockFormat::Q8_0, 32, 64);
  Bf16Activations x;
  EXPECT_THROW(x.prepare(4, 48), ebsd::Error);  // not whole blocks
  x.prepare(4, 96);
  std::vector<float> y(4 * 32);
  EXPECT_THROW(bf16_prompt_matmul(W.w, x, y.data(), 32, 0, 32), ebsd::Error);  // 96 columns vs 64
  x.prepare(4, 64);
  EXPECT_THROW(bf16_prompt_matmul(W.w, x, y.data(), 32, 0, 33), ebsd::Error);  // rows past the end
  EXPECT_THROW(x.convert_tokens(y.data(), 64, 2, 5), ebsd::Error);             // tokens past the end
}

}  // namespace
