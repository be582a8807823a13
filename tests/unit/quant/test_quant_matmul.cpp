// Quantized products against a dequantize-then-float64 reference, for every instruction set
// this CPU has. Two references and two derived bounds:
//  - exact: float64 products of the dequantized weights with the dequantized activations (the
//    values the kernel multiplies). The kernel's integer dot products are exact, so the only
//    error is float rounding: at most (chain + 8) u sum|terms| with u = 2^-24 and chain the
//    longest run of float additions (one per block), a standard accumulation bound.
//  - against the float input: plus the activations' rounding, at most d_x / 2 per value, i.e.
//    sum_b d_x,b / 2 * sum_k |w_k| per output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/half.hpp"
#include "ebsd/quant/quant_matmul.hpp"

namespace {

using namespace ebsd::quant;

struct Case {
  BlockFormat format;
  std::int64_t rows, cols, tokens;
};

std::vector<float> random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed, bool vary_blocks) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_real_distribution<float> e(-2.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < rows * cols; i += 32) {
    const float scale = vary_blocks ? std::pow(10.0f, e(rng)) : 1.0f;
    for (std::int64_t k = i; k < i + 32; ++k) v[static_cast<std::size_t>(k)] = scale * g(rng);
  }
  return v;
}

// A 64-byte aligned buffer for interleaved copies.
struct AlignedBytes {
  explicit AlignedBytes(std::size_t n) : p(static_cast<std::uint8_t*>(std::aligned_alloc(64, std::max<std::size_t>(64, (n + 63) / 64 * 64)))) {}
  ~AlignedBytes() { std::free(p); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  std::uint8_t* p;
};

void check(const Case& c, Isa isa, bool interleave) {
  SCOPED_TRACE(std::string(block_traits(c.format).name) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols) +
               ", " + std::to_string(c.tokens) + " tokens, " + isa_name(isa) + (interleave ? ", interleaved" : ""));
  const auto wf = random_matrix(c.rows, c.cols, 11, true);
  const auto xf = random_matrix(c.tokens, c.cols, 12, true);
  const std::size_t rb = row_bytes(c.format, c.cols);
  std::vector<std::uint8_t> wq(rb * static_cast<std::size_t>(c.rows));
  std::vector<float> wd(wf.size());
  for (std::int64_t r = 0; r < c.rows; ++r) {
    quantize_row(c.format, wf.data() + r * c.cols, wq.data() + r * rb, c.cols);
    dequantize_row(c.format, wq.data() + r * rb, wd.data() + r * c.cols, c.cols);
  }
  QuantMatrix w{c.format, wq.data(), c.rows, c.cols, rb};
  AlignedBytes copy(interleaved_bytes(c.format, c.rows, c.cols));
  if (interleave) {
    interleave_rows(w, copy.p, 0, c.rows / 16);
    w.interleaved = copy.p;
  }
  ActivationBlocks x;
  x.prepare(c.format, c.tokens, c.cols, isa);  // with AMX tiles when isa is AMX and there are enough tokens
  x.quantize_tokens(xf.data(), c.cols, 0, c.tokens);
  if (isa == Isa::Avx512Amx) {
    EXPECT_EQ(x.has_tiles(), c.tokens >= ActivationBlocks::kTileMinTokens);
  }
  const std::int64_t ldy = c.rows + 3;
  std::vector<float> y(static_cast<std::size_t>(c.tokens * ldy), -1.0f);
  quant_matmul(w, x, y.data(), ldy, 0, c.rows, isa);

  const double u = std::ldexp(1.0, -24);
  const double chain = static_cast<double>(c.cols / 32) + 8;
  double worst_exact = 0, worst_input = 0;
  for (std::int64_t t = 0; t < c.tokens; ++t)
    for (std::int64_t r = 0; r < c.rows; ++r) {
      double exact = 0, input = 0, magnitude = 0, activation_rounding = 0;
      for (std::int64_t b = 0; b < c.cols / 32; ++b) {
        double wabs = 0;
        const double dw = std::fabs(static_cast<double>(half_to_float(static_cast<std::uint16_t>(
            wq[r * rb + b * 18] | (wq[r * rb + b * 18 + 1] << 8)))));
        for (std::int64_t k = b * 32; k < b * 32 + 32; ++k) {
          const double wk = wd[static_cast<std::size_t>(r * c.cols + k)];
          const double xq = x.dequantized(t, k);
          exact += wk * xq;
          input += wk * static_cast<double>(xf[static_cast<std::size_t>(t * c.cols + k)]);
          // Q4_0 sums d_w q x with q = level + 8 in 0..15 and subtracts d_w 8 sum(x) apart:
          // |d_w q| <= |w| + 8 |d_w|, so both parts together are at most (|w| + 16 |d_w|) |x|.
          magnitude += c.format == BlockFormat::Q4_0 ? (std::fabs(wk) + 16 * dw) * std::fabs(xq) : std::fabs(wk * xq);
          wabs += std::fabs(wk);
        }
        activation_rounding += 0.5 * x.scales(t)[b] * wabs;
      }
      const double got = y[static_cast<std::size_t>(t * ldy + r)];
      const double bound_exact = chain * u * magnitude + 1e-30;
      ASSERT_LE(std::fabs(got - exact), bound_exact) << "row " << r << " token " << t;
      ASSERT_LE(std::fabs(got - input), bound_exact + activation_rounding) << "row " << r << " token " << t;
      worst_exact = std::max(worst_exact, std::fabs(got - exact) / bound_exact);
      worst_input = std::max(worst_input, std::fabs(got - input) / (bound_exact + activation_rounding));
    }
  // Bounds that nothing could exceed would test nothing: the activation rounding bound is
  // within a small factor of the error really seen.
  EXPECT_GT(worst_input, 0.02);
  std::printf("  %s %s%s %lldx%lld t=%lld: error/bound %.3g (exact), %.3g (float input)\n", block_traits(c.format).name,
              isa_name(isa), interleave ? " interleaved" : "", static_cast<long long>(c.rows), static_cast<long long>(c.cols),
              static_cast<long long>(c.tokens), worst_exact, worst_input);
  // Padding columns of y are untouched.
  for (std::int64_t t = 0; t < c.tokens; ++t)
    for (std::int64_t r = c.rows; r < ldy; ++r) EXPECT_EQ(y[static_cast<std::size_t>(t * ldy + r)], -1.0f);
}

std::vector<Isa> isas() {
  std::vector<Isa> v{Isa::Portable};
  for (Isa i : {Isa::Avx2, Isa::Avx512Vnni, Isa::Avx512Amx})
    if (isa_supported(i)) v.push_back(i);
  return v;
}

TEST(QuantMatmul, MatchesFloat64Reference) {
  std::printf("best instruction set here: %s\n", isa_name(best_isa()));
  const std::vector<Case> cases{
      {BlockFormat::Q8_0, 37, 896, 1},   {BlockFormat::Q4_0, 37, 896, 1},   // decode, 28 blocks
      {BlockFormat::Q8_0, 181, 640, 1},  {BlockFormat::Q4_0, 181, 640, 1},  // decode, 11 groups: 4 streams of 2 + 3
      {BlockFormat::Q8_0, 70, 928, 7},   {BlockFormat::Q4_0, 70, 928, 7},   // odd block count (29), tiles 4 + 3
      {BlockFormat::Q8_0, 9, 4864, 6},   {BlockFormat::Q4_0, 9, 4864, 6},   // 152 blocks: many chunks of 16
      {BlockFormat::Q8_0, 33, 32, 2},    {BlockFormat::Q4_0, 33, 32, 5},    // one block
      // prefill sizes (AMX tiles where present): 16-row groups + a remainder, partial token groups
      {BlockFormat::Q8_0, 70, 928, 20},  {BlockFormat::Q4_0, 70, 928, 20},
      {BlockFormat::Q8_0, 48, 4864, 33}, {BlockFormat::Q4_0, 48, 4864, 33},
      {BlockFormat::Q8_0, 32, 64, 8},    {BlockFormat::Q4_0, 16, 32, 9},
      // interleaved groups: 16-token tiles and a partial one, odd block counts
      {BlockFormat::Q8_0, 64, 896, 17},  {BlockFormat::Q4_0, 64, 896, 17},
      {BlockFormat::Q8_0, 32, 96, 16},   {BlockFormat::Q4_0, 32, 96, 3},
      // the AMX pipeline over pairs of blocks: an odd number of pairs (3), with and without a last block
      {BlockFormat::Q8_0, 32, 224, 18},  {BlockFormat::Q4_0, 48, 192, 20},
  };
  for (Isa isa : isas())
    for (const auto& c : cases) {
      check(c, isa, false);
      if (reads_interleaved(isa)) check(c, isa, true);
    }
}

TEST(QuantMatmul, InterleavedLayoutHoldsTheFileBytes) {
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
    const std::int64_t rows = 35, cols = 96, nb = cols / 32;  // two whole groups, three rows left out
    const auto wf = random_matrix(rows, cols, 3, true);
    const std::size_t rb = row_bytes(f, cols);
    std::vector<std::uint8_t> wq(rb * rows);
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(f, wf.data() + r * cols, wq.data() + r * rb, cols);
    const bool q4 = f == BlockFormat::Q4_0;
    const std::size_t qbytes = q4 ? 16 : 32;  // per block and row
    const std::size_t bytes = interleaved_bytes(f, rows, cols), group = 128 + nb * qbytes * 16;
    EXPECT_EQ(bytes, 2 * group) << "per group the scales padded to 64 bytes, then the quants";
    AlignedBytes copy(bytes);
    interleave_rows({f, wq.data(), rows, cols, rb}, copy.p, 0, rows / 16);
    for (std::int64_t r = 0; r < 32; ++r)
      for (std::int64_t b = 0; b < nb; ++b) {
        const std::uint8_t* blk = wq.data() + r * rb + b * (qbytes + 2);
        const std::uint8_t* g = copy.p + (r / 16) * group;
        EXPECT_EQ(0, std::memcmp(g + b * 32 + (r % 16) * 2, blk, 2));
        for (std::size_t k = 0; k < qbytes; ++k) {
          const std::uint8_t got = g[128 + b * qbytes * 16 + (k / 4) * 64 + (r % 16) * 4 + k % 4];
          EXPECT_EQ(got, q4 ? blk[2 + k] : static_cast<std::uint8_t>(blk[2 + k] ^ 0x80)) << r << " " << b << " " << k;
        }
      }
  }
  EXPECT_THROW(interleaved_bytes(BlockFormat::Q4_K, 16, 256), ebsd::Error);
}

TEST(QuantMatmul, RowRangesSplitAcrossThreadsGiveTheSameBits) {
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
    const std::int64_t rows = 101, cols = 640, tokens = 5;
    const auto wf = random_matrix(rows, cols, 5, true);
    const auto xf = random_matrix(tokens, cols, 6, false);
    const std::size_t rb = row_bytes(f, cols);
    std::vector<std::uint8_t> wq(rb * rows);
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(f, wf.data() + r * cols, wq.data() + r * rb, cols);
    QuantMatrix w{f, wq.data(), rows, cols, rb};
    ActivationBlocks x;
    x.quantize(f, xf.data(), tokens, cols, cols);
    // The whole product on this thread against rows [0, cut) and [cut, rows) on two threads.
    const auto expect_split_alike = [&](std::int64_t cut) {
      std::vector<float> whole(static_cast<std::size_t>(tokens * rows)), split(whole.size());
      quant_matmul(w, x, whole.data(), rows, 0, rows);
      std::thread a([&] { quant_matmul(w, x, split.data(), rows, 0, cut); });
      std::thread b([&] { quant_matmul(w, x, split.data(), rows, cut, rows); });
      a.join();
      b.join();
      EXPECT_EQ(whole, split) << "cut at row " << cut;
    };
    expect_split_alike(47);
    // Interleaved: the engine cuts ranges at multiples of 16 rows (whole groups).
    AlignedBytes copy(interleaved_bytes(f, rows, cols));
    interleave_rows(w, copy.p, 0, rows / 16);
    w.interleaved = copy.p;
    expect_split_alike(48);
  }
}

// Decode reads several groups at once from different parts of the range (the interleaved
// AVX-512 kernel's streams); each group must still get the bits it gets alone.
TEST(QuantMatmul, DecodeStreamsGiveEachGroupItsOwnBits) {
  if (!reads_interleaved(Isa::Avx512Vnni)) GTEST_SKIP() << "no AVX-512 VNNI here";
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
    const std::int64_t rows = 16 * 11 + 5, cols = 640;
    const auto wf = random_matrix(rows, cols, 7, true);
    const auto xf = random_matrix(1, cols, 8, false);
    const std::size_t rb = row_bytes(f, cols);
    std::vector<std::uint8_t> wq(rb * rows);
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(f, wf.data() + r * cols, wq.data() + r * rb, cols);
    QuantMatrix w{f, wq.data(), rows, cols, rb};
    AlignedBytes copy(interleaved_bytes(f, rows, cols));
    interleave_rows(w, copy.p, 0, rows / 16);
    w.interleaved = copy.p;
    ActivationBlocks x;
    x.quantize(f, xf.data(), 1, cols, cols);
    std::vector<float> whole(rows), alone(rows);
    quant_matmul(w, x, whole.data(), rows, 0, rows, Isa::Avx512Vnni);
    for (std::int64_t r = 0; r < rows; r += 16) quant_matmul(w, x, alone.data(), rows, r, std::min(rows, r + 16), Isa::Avx512Vnni);
    EXPECT_EQ(whole, alone) << block_traits(f).name;
  }
}

TEST(QuantMatmul, MismatchedInputsAreErrors) {
  const std::int64_t cols = 64;
  std::vector<float> xf(cols, 1.0f);
  std::vector<std::uint8_t> wq(row_bytes(BlockFormat::Q4_0, cols) * 2);
  const QuantMatrix w{BlockFormat::Q4_0, wq.data(), 2, cols, row_bytes(BlockFormat::Q4_0, cols)};
  ActivationBlocks x;
  x.quantize(BlockFormat::Q8_0, xf.data(), 1, cols, cols);
  std::vector<float> y(2);
  EXPECT_THROW(quant_matmul(w, x, y.data(), 2, 0, 2), ebsd::Error);  // activations laid out for Q8_0
  x.quantize(BlockFormat::Q4_0, xf.data(), 1, cols, cols);
  EXPECT_THROW(quant_matmul(w, x, y.data(), 2, 0, 3), ebsd::Error);  // rows beyond the matrix
  EXPECT_THROW(x.quantize(BlockFormat::Q4_0, xf.data(), 1, 48, 48), ebsd::Error);
  EXPECT_THROW(x.quantize(BlockFormat::Q4_K, xf.data(), 1, cols, cols), ebsd::Error);
  xf[3] = std::nanf("");
  EXPECT_THROW(x.quantize(BlockFormat::Q4_0, xf.data(), 1, cols, cols), ebsd::Error);
}

}  // namespace

namespace {

TEST(ActivationBlocks, EveryIsaQuantizesToTheSameBytes) {
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
    const std::int64_t cols = 32 * 29, tokens = 3;
    const auto xf = random_matrix(tokens, cols, 21, true);
    ActivationBlocks a, b;
    a.prepare(f, tokens, cols);
    a.quantize_tokens(xf.data(), cols, 0, tokens, Isa::Portable);
    for (Isa isa : isas()) {
      b.prepare(f, tokens, cols);
      b.quantize_tokens(xf.data(), cols, 0, tokens, isa);
      for (std::int64_t t = 0; t < tokens; ++t) {
        EXPECT_EQ(0, std::memcmp(a.quants(t), b.quants(t), static_cast<std::size_t>(a.pairs() * 64))) << isa_name(isa);
        for (std::int64_t k = 0; k < a.padded_blocks(); ++k) {
          EXPECT_EQ(a.scales(t)[k], b.scales(t)[k]);
          EXPECT_EQ(a.sums(t)[k], b.sums(t)[k]);
        }
      }
    }
    // Each stored value is the float rounded to the nearest of its block's levels.
    for (std::int64_t k = 0; k < cols; ++k) {
      const float d = a.scales(1)[k / 32];
      EXPECT_LE(std::fabs(a.dequantized(1, k) - xf[static_cast<std::size_t>(cols + k)]), 0.5f * d * (1 + 1e-6f));
    }
  }
}

}  // namespace
