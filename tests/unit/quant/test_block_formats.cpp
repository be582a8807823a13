// GGUF block formats: hand-built blocks decode to the values the format defines (layout), and
// quantize -> dequantize of random data stays within each format's rounding error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/block_formats.hpp"
#include "ebsd/quant/half.hpp"

namespace {

using namespace ebsd::quant;

void put_half(std::uint8_t* p, float v) {
  const std::uint16_t h = float_to_half(v);
  std::memcpy(p, &h, 2);
}

float get_half(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}

// Random values whose magnitude varies by block (1e-3 .. 10), as real weights' rows do.
std::vector<float> random_values(std::int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_real_distribution<float> e(-3.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::int64_t b = 0; b < n; b += 32) {
    const float scale = std::pow(10.0f, e(rng));
    for (std::int64_t k = b; k < std::min(n, b + 32); ++k) v[static_cast<std::size_t>(k)] = scale * g(rng);
  }
  return v;
}

TEST(BlockFormats, TraitsMatchGgml) {
  EXPECT_EQ(block_traits(BlockFormat::Q8_0).block_bytes, 34);
  EXPECT_EQ(block_traits(BlockFormat::Q4_0).block_bytes, 18);
  EXPECT_EQ(block_traits(BlockFormat::Q4_K).block_bytes, 144);
  EXPECT_EQ(block_traits(BlockFormat::Q6_K).block_bytes, 210);
  EXPECT_EQ(row_bytes(BlockFormat::Q4_K, 512), 288u);
  EXPECT_THROW(row_bytes(BlockFormat::Q8_0, 48), ebsd::Error);
  EXPECT_THROW(row_bytes(BlockFormat::Q6_K, 128), ebsd::Error);
}

TEST(BlockFormats, Q4_0NibbleOrder) {
  std::uint8_t b[18];
  put_half(b, 0.5f);
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  float y[32];
  dequantize_row(BlockFormat::Q4_0, b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * static_cast<float>(j - 8)) << j;                // low nibble -> value j
    EXPECT_EQ(y[j + 16], 0.5f * static_cast<float>(15 - j - 8)) << j;      // high nibble -> value j + 16
  }
}

TEST(BlockFormats, Q8_0Values) {
  std::uint8_t b[34];
  put_half(b, 0.25f);
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(j * 8 - 128));
  float y[32];
  dequantize_row(BlockFormat::Q8_0, b, y, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.25f * static_cast<float>(j * 8 - 128));
}

TEST(BlockFormats, Q4_KScalesMinsAndNibbles) {
  // Sub-block j: scale j + 1 + 32 (j >= 4 exercises the split 6-bit packing), min 2 j + 17;
  // every nibble of sub-block j is j + 3 (so each sub-block is constant).
  std::uint8_t b[144] = {};
  put_half(b, 0.5f);
  put_half(b + 2, 0.25f);
  int sc[8], m[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = j + 1 + 32;
    m[j] = 2 * j + 17;
  }
  std::uint8_t* s = b + 4;
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
  for (int i = 0; i < 4; ++i)
    for (int l = 0; l < 32; ++l) b[16 + 32 * i + l] = static_cast<std::uint8_t>((2 * i + 3) | ((2 * i + 1 + 3) << 4));
  float y[256];
  dequantize_row(BlockFormat::Q4_K, b, y, 256);
  for (int j = 0; j < 8; ++j)
    for (int l = 0; l < 32; ++l)
      EXPECT_FLOAT_EQ(y[32 * j + l], 0.5f * static_cast<float>(sc[j] * (j + 3)) - 0.25f * static_cast<float>(m[j]))
          << "sub-block " << j;
}

TEST(BlockFormats, Q6_KBitPlanes) {
  // Value v (0..255) gets level q(v) = (v * 7) % 64 and sub-block scale s + 1 (s = v / 16):
  // packed by the format's definition: value 128 n + 32 k + l keeps its low 4 bits in
  // ql[64 n + l + 32 (k % 2)] (low nibble for k < 2, high for k >= 2) and its high 2 bits in
  // bits 2k..2k+1 of qh[32 n + l].
  std::uint8_t b[210] = {};
  auto level = [](int v) { return (v * 7) % 64; };
  for (int v = 0; v < 256; ++v) {
    const int n = v / 128, k = (v % 128) / 32, l = v % 32, q = level(v);
    std::uint8_t& lo = b[64 * n + l + 32 * (k % 2)];
    lo = static_cast<std::uint8_t>(lo | ((q & 15) << (k < 2 ? 0 : 4)));
    std::uint8_t& hi = b[128 + 32 * n + l];
    hi = static_cast<std::uint8_t>(hi | ((q >> 4) << (2 * k)));
  }
  for (int s = 0; s < 16; ++s) b[192 + s] = static_cast<std::uint8_t>(static_cast<std::int8_t>(s % 2 ? -(s + 1) : s + 1));
  put_half(b + 208, 0.125f);
  float y[256];
  dequantize_row(BlockFormat::Q6_K, b, y, 256);
  for (int v = 0; v < 256; ++v) {
    const int s = v / 16, sc = s % 2 ? -(s + 1) : s + 1;
    EXPECT_FLOAT_EQ(y[v], 0.125f * static_cast<float>(sc) * static_cast<float>(level(v) - 32)) << v;
  }
}

// Largest rounding error a block of each format allows, from its stored scales.
double allowed_error(BlockFormat f, const std::uint8_t* b, const float* x, int sub) {
  switch (f) {
    case BlockFormat::Q8_0: {
      const double d = get_half(b);
      double amax = 0;
      for (int k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(static_cast<double>(x[k])));
      return 0.5 * d + std::max(0.0, amax - 127 * d) + 1e-6 * amax;
    }
    case BlockFormat::Q4_0: {
      const double d = std::fabs(get_half(b));
      double amax = 0;
      for (int k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(static_cast<double>(x[k])));
      // The extreme value maps to level -8; values of the other sign stop at level +7, so
      // they may be off by amax - 7 d (at most d), the rest by half a step.
      return std::max(0.5 * d, amax - 7 * d) + 1e-6 * amax;
    }
    case BlockFormat::Q4_K: {
      // Sub-block `sub` spans [lo, hi] (lo <= 0 <= hi), ideal step (hi - lo) / 15. The stored
      // step d sc is within d / 2 of it and the stored min dmin m within dmin / 2 of -lo, so
      // an unclamped value is off by at most half a step, a clamped one (the top level falls
      // short of hi) by at most 15 d / 2 + dmin / 2.
      const double d = get_half(b), dmin = get_half(b + 2);
      double lo = 0, hi = 0;
      for (int l = 0; l < 32; ++l) {
        lo = std::min(lo, static_cast<double>(x[32 * sub + l]));
        hi = std::max(hi, static_cast<double>(x[32 * sub + l]));
      }
      return 0.5 * ((hi - lo) / 15 + 0.5 * d) + 7.5 * d + 0.5 * dmin + 1e-6 * (hi - lo);
    }
    case BlockFormat::Q6_K: {
      double amax = 0;
      for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(static_cast<double>(x[16 * sub + l])));
      const double d = get_half(b + 208);
      // Step d sc with |sc - scale / d| <= 1/2: half a step plus 31 levels times d / 2.
      return 0.5 * (amax / 31 + 0.5 * d) + 31 * 0.5 * d + 1e-6 * amax;
    }
  }
  return 0;
}

TEST(BlockFormats, RoundTripWithinRoundingError) {
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0, BlockFormat::Q4_K, BlockFormat::Q6_K}) {
    const auto& t = block_traits(f);
    const std::int64_t n = 8 * 256;
    const auto x = random_values(n, 7);
    std::vector<std::uint8_t> q(row_bytes(f, n));
    quantize_row(f, x.data(), q.data(), n);
    std::vector<float> y(static_cast<std::size_t>(n));
    dequantize_row(f, q.data(), y.data(), n);
    const int sub = f == BlockFormat::Q4_K ? 32 : f == BlockFormat::Q6_K ? 16 : 32;
    double worst = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t blk = i / t.block_elements;
      const int s = static_cast<int>((i % t.block_elements) / sub);
      const double allowed = allowed_error(f, q.data() + blk * t.block_bytes, x.data() + blk * t.block_elements, s);
      const double err = std::fabs(static_cast<double>(y[static_cast<std::size_t>(i)]) - x[static_cast<std::size_t>(i)]);
      ASSERT_LE(err, allowed) << t.name << " value " << i;
      worst = std::max(worst, err / allowed);
    }
    EXPECT_GT(worst, 0.05) << t.name << ": the bound should not be vacuous";
    EXPECT_EQ(first_nonfinite_block(f, q.data(), n / t.block_elements), -1);
  }
}

TEST(BlockFormats, NonFiniteScalesAreFound) {
  for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0, BlockFormat::Q4_K, BlockFormat::Q6_K}) {
    const auto& t = block_traits(f);
    const std::int64_t n = 4 * 256;
    const auto x = random_values(n, 3);
    std::vector<std::uint8_t> q(row_bytes(f, n));
    quantize_row(f, x.data(), q.data(), n);
    const std::int64_t bad = n / t.block_elements - 1;
    const std::size_t where = f == BlockFormat::Q6_K ? 208 : f == BlockFormat::Q4_K ? 2 : 0;  // Q4_K: dmin
    put_half(q.data() + bad * t.block_bytes + where, std::numeric_limits<float>::infinity());
    EXPECT_EQ(first_nonfinite_block(f, q.data(), n / t.block_elements), bad) << t.name;
    put_half(q.data() + where, std::numeric_limits<float>::quiet_NaN());
    EXPECT_EQ(first_nonfinite_block(f, q.data(), n / t.block_elements), 0) << t.name;
  }
}

}  // namespace
