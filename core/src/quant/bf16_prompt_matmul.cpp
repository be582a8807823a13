// bf16 prompt products: activations, dispatch, and the rows outside the interleaved copy
// (quant/bf16_prompt_matmul.hpp).
#include "ebsd/quant/bf16_prompt_matmul.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "kernels.hpp"

namespace ebsd::quant {
namespace {

float bf16_to_float(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

// Round-to-nearest-even to bf16 and back, as vcvtneps2bf16 does for the finite values the
// products meet (used for the few rows outside the interleaved copy).
float round_bf16(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  return std::bit_cast<float>((bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u);
}

}  // namespace

bool bf16_prompt_supported() {
  static const bool ok = [] {
    if (const char* e = std::getenv("EBSD_QUANT_PROMPT"); e && std::string(e) == "int8") return false;
    return best_isa() == Isa::Avx512Amx && detail::cpu_has_amx_bf16();
  }();
  return ok;
}

void Bf16Activations::FreeDeleter::operator()(void* p) const { std::free(p); }

void Bf16Activations::prepare(std::int64_t tokens, std::int64_t cols) {
  if (!bf16_prompt_supported()) throw Error("bf16 prompt products need AMX-BF16 (this CPU or the environment rules them out)");
  if (cols <= 0 || cols % 32 != 0 || tokens < 0)
    throw Error("bf16 activations of " + std::to_string(cols) + " columns: need a positive multiple of 32");
  tokens_ = tokens;
  cols_ = cols;
  const auto values = static_cast<std::size_t>(std::max<std::int64_t>(1, padded_tokens() * cols));
  if (values > capacity_) {
    void* p = std::aligned_alloc(64, (values * sizeof(std::uint16_t) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    data_.reset(static_cast<std::uint16_t*>(p));
    capacity_ = values;
  }
  // The padding tokens are zero rows: the kernel multiplies whole tiles of 32 tokens.
  std::memset(data_.get() + tokens * cols, 0, static_cast<std::size_t>((padded_tokens() - tokens) * cols) * 2);
}

void Bf16Activations::convert_tokens(const float* x, std::int64_t ldx, std::int64_t t0, std::int64_t t1) {
  if (t0 < 0 || t1 > tokens_ || t0 > t1) throw Error("bf16 activations: token range outside the prepared tokens");
  for (std::int64_t t = t0; t < t1; ++t) detail::round_to_bf16_avx512(x + t * ldx, cols_, data_.get() + t * cols_);
}

float Bf16Activations::value(std::int64_t t, std::int64_t k) const { return bf16_to_float(row(t)[k]); }

void bf16_prompt_matmul(const QuantMatrix& w, const Bf16Activations& x, float* y, std::int64_t ldy, std::int64_t row_begin,
                        std::int64_t row_end) {
  if (w.format != BlockFormat::Q8_0 && w.format != BlockFormat::Q4_0)
    throw Error(std::string("no bf16 prompt product for ") + block_traits(w.format).name + " weights");
  if (x.cols() != w.cols)
    throw Error("bf16 activations have " + std::to_string(x.cols()) + " columns, the weights " + std::to_string(w.cols));
  if (row_begin < 0 || row_end > w.rows || row_begin > row_end || ldy < w.rows)
    throw Error("row range [" + std::to_string(row_begin) + ", " + std::to_string(row_end) + ") outside the " +
                std::to_string(w.rows) + " rows of the weights");
  if (x.tokens() == 0 || row_begin == row_end) return;
  // Whole groups held by the interleaved copy go to the AMX kernel.
  std::int64_t g0 = 0, g1 = 0;
  if (w.interleaved) {
    g0 = (row_begin + 15) / 16;
    g1 = std::max(g0, std::min(row_end, w.rows / 16 * 16) / 16);
  }
  if (g0 < g1) detail::matmul_amx_bf16(w, x.row(0), x.tokens(), x.padded_tokens(), y, ldy, g0, g1);
  // The rest row by row from the file's blocks, rounded the same way.
  std::vector<float> wr(static_cast<std::size_t>(w.cols));
  const auto others = [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      dequantize_row(w.format, w.data + r * static_cast<std::int64_t>(w.row_stride), wr.data(), w.cols);
      for (auto& v : wr) v = round_bf16(v);
      for (std::int64_t t = 0; t < x.tokens(); ++t) {
        const std::uint16_t* xr = x.row(t);
        float acc = 0.0f;
        for (std::int64_t k = 0; k < w.cols; ++k) acc += wr[static_cast<std::size_t>(k)] * bf16_to_float(xr[k]);
        y[t * ldy + r] = acc;
      }
    }
  };
  if (g0 < g1) {
    others(row_begin, g0 * 16);
    others(g1 * 16, row_end);
  } else {
    others(row_begin, row_end);
  }
}

}  // namespace ebsd::quant
