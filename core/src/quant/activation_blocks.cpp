// Activation quantization for the quantized matrix products (quant/quant_matmul.hpp).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/quant_matmul.hpp"
#include "kernels.hpp"

namespace ebsd::quant {
namespace {

template <class T>
T* aligned_array(std::size_t count) {
  const std::size_t bytes = std::max<std::size_t>(64, (count * sizeof(T) + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<T*>(p);
}

// Position of element k (0..31) of block b inside the token's quant bytes.
std::int64_t quant_offset(BlockFormat f, std::int64_t b, std::int64_t k) {
  const std::int64_t pair = b / 2, half = b % 2;
  if (f == BlockFormat::Q4_0) return pair * 64 + (k < 16 ? 0 : 32) + half * 16 + (k % 16);
  return pair * 64 + half * 32 + k;
}

}  // namespace

void ActivationBlocks::FreeDeleter::operator()(void* p) const { std::free(p); }

void ActivationBlocks::quantize(BlockFormat weight_format, const float* x, std::int64_t tokens, std::int64_t cols,
                                std::int64_t ldx) {
  if (ldx < cols) throw Error("activation rows overlap (stride " + std::to_string(ldx) + " < " + std::to_string(cols) + ")");
  prepare(weight_format, tokens, cols);
  quantize_tokens(x, ldx, 0, tokens);
}

void ActivationBlocks::prepare(BlockFormat weight_format, std::int64_t tokens, std::int64_t cols, Isa isa,
                               bool file_layout_tiles) {
  if (weight_format != BlockFormat::Q8_0 && weight_format != BlockFormat::Q4_0)
    throw Error(std::string("quantized products take Q8_0 or Q4_0 weights, not ") + block_traits(weight_format).name);
  if (cols <= 0 || cols % 32 != 0 || tokens < 0)
    throw Error("activations of " + std::to_string(cols) + " columns cannot be cut into blocks of 32");
  format_ = weight_format;
  tokens_ = tokens;
  cols_ = cols;
  padded_blocks_ = (cols / 32 + 15) / 16 * 16;
  const auto qbytes = static_cast<std::size_t>(std::max<std::int64_t>(1, tokens * pairs() * 64));
  // Interleaved kernels read plain levels, tokens padded to 16 (an AMX tile's rows) with zeros,
  // and the padding tokens' scales and sums (zeros too).
  plain_tokens_ = reads_interleaved(isa) && tokens > 0 ? (tokens + 15) / 16 * 16 : 0;
  const std::int64_t scale_tokens = std::max(tokens, plain_tokens_);
  const auto sbytes = static_cast<std::size_t>(std::max<std::int64_t>(1, scale_tokens * padded_blocks_));
  if (qbytes > quant_capacity_) {
    quants_.reset(aligned_array<std::uint8_t>(qbytes));
    quant_capacity_ = qbytes;
  }
  if (sbytes > scale_capacity_) {
    scales_.reset(aligned_array<float>(sbytes));
    sums_.reset(aligned_array<float>(sbytes));
    scale_capacity_ = sbytes;
  }
  if (plain_tokens_ > 0) {
    const auto pad = static_cast<std::size_t>((plain_tokens_ - tokens) * padded_blocks_);
    std::fill(scales_.get() + tokens * padded_blocks_, scales_.get() + tokens * padded_blocks_ + pad, 0.0f);
    std::fill(sums_.get() + tokens * padded_blocks_, sums_.get() + tokens * padded_blocks_ + pad, 0.0f);
    const auto pbytes = static_cast<std::size_t>(plain_tokens_ * plain_stride());
    if (pbytes > plain_capacity_) {
      plain_.reset(aligned_array<std::int8_t>(pbytes));
      plain_capacity_ = pbytes;
    }
    const auto real = static_cast<std::size_t>(tokens * plain_stride());
    std::memset(plain_.get() + real, 0, pbytes - real);
  }
  tile_groups_ = 0;
  if (isa == Isa::Avx512Amx && tokens >= kTileMinTokens && file_layout_tiles) {
    tile_groups_ = (tokens + 15) / 16;
    const auto blocks_total = static_cast<std::size_t>(tile_groups_ * blocks());
    if (blocks_total > tile_capacity_) {
      tiles_.reset(aligned_array<std::uint8_t>(blocks_total * 512));
      tile_scales_.reset(aligned_array<float>(blocks_total * 16));
      tile_sums_.reset(aligned_array<float>(blocks_total * 16));
      tile_capacity_ = blocks_total;
    }
    // The last group's missing tokens stay zero (quantize_tokens fills only real tokens).
    const auto last = static_cast<std::size_t>((tile_groups_ - 1) * blocks());
    std::memset(tiles_.get() + last * 512, 0, static_cast<std::size_t>(blocks()) * 512);
    std::memset(tile_scales_.get() + last * 16, 0, static_cast<std::size_t>(blocks()) * 16 * sizeof(float));
    std::memset(tile_sums_.get() + last * 16, 0, static_cast<std::size_t>(blocks()) * 16 * sizeof(float));
  }
}

void ActivationBlocks::fill_tiles(std::int64_t t) {
  const std::int64_t g = t / 16, n = t % 16;
  const bool offset = format_ == BlockFormat::Q8_0;
  const std::uint8_t* q = quants(t);
  for (std::int64_t b = 0; b < blocks(); ++b) {
    std::uint8_t* dst = tiles_.get() + (g * blocks() + b) * 512 + n * 4;
    for (int j = 0; j < 8; ++j) {
      std::uint32_t v;
      std::memcpy(&v, q + quant_offset(format_, b, 4 * j), 4);  // 4 values are contiguous in both layouts
      if (offset) v ^= 0x80808080u;                                 // back to signed levels
      std::memcpy(dst + j * 64, &v, 4);
    }
    tile_scales_[static_cast<std::size_t>((g * blocks() + b) * 16 + n)] = scales(t)[b];
    tile_sums_[static_cast<std::size_t>((g * blocks() + b) * 16 + n)] = sums(t)[b];
  }
}

void ActivationBlocks::quantize_tokens(const float* x, std::int64_t ldx, std::int64_t t0, std::int64_t t1, Isa isa) {
  if (t0 < 0 || t1 > tokens_ || t0 > t1) throw Error("token range outside the prepared activations");
  const std::int64_t nb = blocks();
  const bool offset = format_ == BlockFormat::Q8_0;  // stored as q + 128
  for (std::int64_t t = t0; t < t1; ++t) {
    const float* row = x + t * ldx;
    std::uint8_t* q = quants_.get() + t * pairs() * 64;
    float* d = scales_.get() + t * padded_blocks_;
    float* s = sums_.get() + t * padded_blocks_;
    std::fill(d + nb, d + padded_blocks_, 0.0f);
    std::fill(s + nb, s + padded_blocks_, 0.0f);
    if (nb % 2) std::memset(q + (pairs() - 1) * 64, offset ? 128 : 0, 64);
    std::int8_t* plain = has_plain() ? plain_.get() + t * plain_stride() : nullptr;
    if (plain) std::memset(plain + cols_, 0, static_cast<std::size_t>(plain_stride() - cols_));
    std::int64_t bad = -1;
    if (isa >= Isa::Avx512Vnni && isa_supported(Isa::Avx512Vnni))
      bad = detail::quantize_row_avx512(format_, row, nb, q, d, s, plain);
    else
      bad = detail::quantize_row_portable(format_, row, nb, q, d, s, plain);
    if (bad >= 0) throw Error("activation block " + std::to_string(bad) + " of token " + std::to_string(t) + " is not finite");
    if (has_tiles()) fill_tiles(t);
  }
}

namespace detail {

std::int64_t quantize_row_portable(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s,
                                   std::int8_t* plain) {
  const bool offset = format == BlockFormat::Q8_0;
  const float weight_offset = offset ? 128.0f : 8.0f;
  for (std::int64_t b = 0; b < nb; ++b) {
    const float* v = row + b * 32;
    float amax = 0;
    bool finite = true;
    for (int k = 0; k < 32; ++k) {
      finite = finite && std::isfinite(v[k]);
      amax = std::max(amax, std::fabs(v[k]));
    }
    if (!finite) return b;
    const float db = amax / 127.0f, id = db > 0 ? 1.0f / db : 0.0f;
    int sum = 0;
    for (int k = 0; k < 32; ++k) {
      const int level = std::clamp(static_cast<int>(std::nearbyint(v[k] * id)), -127, 127);
      sum += level;
      q[quant_offset(format, b, k)] = static_cast<std::uint8_t>(offset ? level + 128 : level);
      if (plain) plain[b * 32 + k] = static_cast<std::int8_t>(level);
    }
    d[b] = db;
    s[b] = weight_offset * db * static_cast<float>(sum);
  }
  return -1;
}

}  // namespace detail

float ActivationBlocks::dequantized(std::int64_t t, std::int64_t k) const {
  const std::int64_t b = k / 32;
  const std::uint8_t raw = quants(t)[quant_offset(format_, b, k % 32)];
  const int level = format_ == BlockFormat::Q8_0 ? static_cast<int>(raw) - 128 : static_cast<int>(static_cast<std::int8_t>(raw));
  return scales(t)[b] * static_cast<float>(level);
}

}  // namespace ebsd::quant
