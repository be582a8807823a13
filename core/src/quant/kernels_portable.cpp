// The portable quantized product: plain integer dot products per block, for CPUs without AVX2.
#include "kernels.hpp"
#include "ebsd/quant/half.hpp"

namespace ebsd::quant::detail {
namespace {

float load_half(const std::uint8_t* p) { return half_to_float(static_cast<std::uint16_t>(p[0] | (p[1] << 8))); }

float row_q4_0(const std::uint8_t* row, const ActivationBlocks& x, std::int64_t t) {
  const auto* q = reinterpret_cast<const std::int8_t*>(x.quants(t));
  const float* d = x.scales(t);
  const float* s = x.sums(t);
  float acc = 0;
  for (std::int64_t b = 0; b < x.blocks(); ++b) {
    const std::uint8_t* blk = row + b * 18;
    const std::int8_t* xa = q + (b / 2) * 64 + (b % 2) * 16;  // values 0..15; 16..31 are 32 bytes on
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += (blk[2 + j] & 0xF) * xa[j] + (blk[2 + j] >> 4) * xa[32 + j];
    const float dw = load_half(blk);
    acc += dw * (d[b] * static_cast<float>(sum) - s[b]);
  }
  return acc;
}

float row_q8_0(const std::uint8_t* row, const ActivationBlocks& x, std::int64_t t) {
  const std::uint8_t* q = x.quants(t);
  const float* d = x.scales(t);
  float acc = 0;
  for (std::int64_t b = 0; b < x.blocks(); ++b) {
    const std::uint8_t* blk = row + b * 34;
    const auto* wq = reinterpret_cast<const std::int8_t*>(blk + 2);
    const std::uint8_t* xa = q + b * 32;
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += wq[j] * (static_cast<int>(xa[j]) - 128);
    acc += load_half(blk) * d[b] * static_cast<float>(sum);
  }
  return acc;
}

}  // namespace

void matmul_portable(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                     std::int64_t r1) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::uint8_t* row = w.data + r * static_cast<std::int64_t>(w.row_stride);
    for (std::int64_t t = 0; t < x.tokens(); ++t)
      y[t * ldy + r] = w.format == BlockFormat::Q4_0 ? row_q4_0(row, x, t) : row_q8_0(row, x, t);
  }
}

}  // namespace ebsd::quant::detail
