// GGUF block formats (quant/block_formats.hpp): dequantization follows ggml's layouts exactly;
// quantization rounds to the nearest level with scales chosen from each block's range.
#include "ebsd/quant/block_formats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/half.hpp"

namespace ebsd::quant {
namespace {

constexpr std::array<BlockTraits, 4> kTraits{{
    {"Q8_0", 32, 34},
    {"Q4_0", 32, 18},
    {"Q4_K", 256, 144},
    {"Q6_K", 256, 210},
}};

std::uint16_t load_u16(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void store_u16(std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

float load_half(const std::uint8_t* p) { return half_to_float(load_u16(p)); }

bool half_is_finite(std::uint16_t h) { return (h & 0x7c00) != 0x7c00; }

std::int64_t block_count(BlockFormat f, std::int64_t elements) {
  const auto& t = block_traits(f);
  if (elements < 0 || elements % t.block_elements != 0)
    throw Error(std::to_string(elements) + " values are not a whole number of " + t.name + " blocks of " +
                std::to_string(t.block_elements));
  return elements / t.block_elements;
}

// Q4_K's 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes.
void q4k_scale_min(int j, const std::uint8_t* s, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void dequantize_q8_0(const std::uint8_t* b, float* y) {
  const float d = load_half(b);
  const auto* q = reinterpret_cast<const std::int8_t*>(b + 2);
  for (int i = 0; i < 32; ++i) y[i] = d * static_cast<float>(q[i]);
}

void dequantize_q4_0(const std::uint8_t* b, float* y) {
  const float d = load_half(b);
  const std::uint8_t* q = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>((q[j] & 0xF) - 8);
    y[j + 16] = d * static_cast<float>((q[j] >> 4) - 8);
  }
}

void dequantize_q4_k(const std::uint8_t* b, float* y) {
  const float d = load_half(b), dmin = load_half(b + 2);
  const std::uint8_t* s = b + 4;
  const std::uint8_t* q = b + 16;
  for (int i = 0; i < 4; ++i, q += 32, y += 64) {
    int sc0, m0, sc1, m1;
    q4k_scale_min(2 * i, s, sc0, m0);
    q4k_scale_min(2 * i + 1, s, sc1, m1);
    const float d0 = d * static_cast<float>(sc0), n0 = dmin * static_cast<float>(m0);
    const float d1 = d * static_cast<float>(sc1), n1 = dmin * static_cast<float>(m1);
    for (int l = 0; l < 32; ++l) {
      y[l] = d0 * static_cast<float>(q[l] & 0xF) - n0;
      y[l + 32] = d1 * static_cast<float>(q[l] >> 4) - n1;
    }
  }
}

void dequantize_q6_k(const std::uint8_t* b, float* y) {
  const std::uint8_t* ql = b;
  const std::uint8_t* qh = b + 128;
  const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
  const float d = load_half(b + 208);
  for (int n = 0; n < 2; ++n, ql += 64, qh += 32, sc += 8, y += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
  }
}

int round_clamp(float v, int lo, int hi) {
  return std::clamp(static_cast<int>(std::lrintf(v)), lo, hi);
}

void quantize_q8_0(const float* x, std::uint8_t* b) {
  float amax = 0;
  for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const std::uint16_t dh = float_to_half(d);
  store_u16(b, dh);
  // Round against the stored (f16) scale so that d q is as close to x as the format allows.
  const float ds = half_to_float(dh);
  const float id = ds > 0 ? 1.0f / ds : 0.0f;
  auto* q = reinterpret_cast<std::int8_t*>(b + 2);
  for (int i = 0; i < 32; ++i) q[i] = static_cast<std::int8_t>(round_clamp(x[i] * id, -127, 127));
}

void quantize_q4_0(const float* x, std::uint8_t* b) {
  // The value of largest magnitude maps to level -8 (q = 0), which uses all 16 levels.
  float amax = 0, extreme = 0;
  for (int i = 0; i < 32; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      extreme = x[i];
    }
  const std::uint16_t dh = float_to_half(extreme / -8.0f);
  store_u16(b, dh);
  const float ds = half_to_float(dh);
  const float id = ds != 0 ? 1.0f / ds : 0.0f;
  for (int j = 0; j < 16; ++j) {
    const int lo = round_clamp(x[j] * id, -8, 7) + 8, hi = round_clamp(x[j + 16] * id, -8, 7) + 8;
    b[2 + j] = static_cast<std::uint8_t>(lo | (hi << 4));
  }
}

void quantize_q4_k(const float* x, std::uint8_t* b) {
  // Per sub-block of 32: x ~ scale q - min with q in 0..15 (min >= 0 covers the negative range);
  // the 8 scales and mins are then quantized to 6 bits against d and dmin.
  float scale[8], mn[8], max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    float lo = 0, hi = 0;
    for (int l = 0; l < 32; ++l) {
      lo = std::min(lo, x[32 * j + l]);
      hi = std::max(hi, x[32 * j + l]);
    }
    scale[j] = (hi - lo) / 15.0f;
    mn[j] = -lo;
    max_scale = std::max(max_scale, scale[j]);
    max_min = std::max(max_min, mn[j]);
  }
  const std::uint16_t dh = float_to_half(max_scale / 63.0f), mh = float_to_half(max_min / 63.0f);
  store_u16(b, dh);
  store_u16(b + 2, mh);
  const float d = half_to_float(dh), dmin = half_to_float(mh);
  int sc[8], m[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = d > 0 ? round_clamp(scale[j] / d, 0, 63) : 0;
    m[j] = dmin > 0 ? round_clamp(mn[j] / dmin, 0, 63) : 0;
  }
  std::uint8_t* s = b + 4;
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
  }
  std::uint8_t* q = b + 16;
  for (int i = 0; i < 4; ++i)
    for (int l = 0; l < 32; ++l) {
      int nib[2];
      for (int h = 0; h < 2; ++h) {
        const int j = 2 * i + h;
        const float step = d * static_cast<float>(sc[j]), off = dmin * static_cast<float>(m[j]);
        nib[h] = step > 0 ? round_clamp((x[32 * j + l] + off) / step, 0, 15) : 0;
      }
      q[32 * i + l] = static_cast<std::uint8_t>(nib[0] | (nib[1] << 4));
    }
}

void quantize_q6_k(const float* x, std::uint8_t* b) {
  // Per 16 values a scale amax / 31 (levels -31..31 of the format's -32..31), the 16 scales as
  // int8 against d = largest scale / 127.
  float scale[16], max_scale = 0;
  for (int s = 0; s < 16; ++s) {
    float amax = 0;
    for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(x[16 * s + l]));
    scale[s] = amax / 31.0f;
    max_scale = std::max(max_scale, scale[s]);
  }
  const std::uint16_t dh = float_to_half(max_scale / 127.0f);
  const float d = half_to_float(dh);
  auto* sc = reinterpret_cast<std::int8_t*>(b + 192);
  int q[256];
  for (int s = 0; s < 16; ++s) {
    sc[s] = static_cast<std::int8_t>(d > 0 ? round_clamp(scale[s] / d, -127, 127) : 0);
    const float step = d * static_cast<float>(sc[s]);
    for (int l = 0; l < 16; ++l) q[16 * s + l] = (step > 0 ? round_clamp(x[16 * s + l] / step, -32, 31) : 0) + 32;
  }
  std::uint8_t* ql = b;
  std::uint8_t* qh = b + 128;
  for (int n = 0; n < 2; ++n) {
    const int* v = q + 128 * n;
    for (int l = 0; l < 32; ++l) {
      ql[64 * n + l] = static_cast<std::uint8_t>((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
      ql[64 * n + l + 32] = static_cast<std::uint8_t>((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
      qh[32 * n + l] = static_cast<std::uint8_t>((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) |
                                                 ((v[l + 96] >> 4) << 6));
    }
  }
  store_u16(b + 208, dh);
}

}  // namespace

const BlockTraits& block_traits(BlockFormat format) { return kTraits[static_cast<std::size_t>(format)]; }

std::size_t row_bytes(BlockFormat format, std::int64_t elements) {
  return static_cast<std::size_t>(block_count(format, elements)) * static_cast<std::size_t>(block_traits(format).block_bytes);
}

void dequantize_row(BlockFormat format, const std::uint8_t* blocks, float* out, std::int64_t elements) {
  const auto n = block_count(format, elements);
  const auto& t = block_traits(format);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t* b = blocks + i * t.block_bytes;
    float* y = out + i * t.block_elements;
    switch (format) {
      case BlockFormat::Q8_0: dequantize_q8_0(b, y); break;
      case BlockFormat::Q4_0: dequantize_q4_0(b, y); break;
      case BlockFormat::Q4_K: dequantize_q4_k(b, y); break;
      case BlockFormat::Q6_K: dequantize_q6_k(b, y); break;
    }
  }
}

void quantize_row(BlockFormat format, const float* values, std::uint8_t* blocks, std::int64_t elements) {
  const auto n = block_count(format, elements);
  const auto& t = block_traits(format);
  for (std::int64_t i = 0; i < n; ++i) {
    const float* x = values + i * t.block_elements;
    std::uint8_t* b = blocks + i * t.block_bytes;
    switch (format) {
      case BlockFormat::Q8_0: quantize_q8_0(x, b); break;
      case BlockFormat::Q4_0: quantize_q4_0(x, b); break;
      case BlockFormat::Q4_K: quantize_q4_k(x, b); break;
      case BlockFormat::Q6_K: quantize_q6_k(x, b); break;
    }
  }
}

std::int64_t first_nonfinite_block(BlockFormat format, const std::uint8_t* blocks, std::int64_t count) {
  const auto& t = block_traits(format);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::uint8_t* b = blocks + i * t.block_bytes;
    bool ok = true;
    switch (format) {
      case BlockFormat::Q8_0:
      case BlockFormat::Q4_0: ok = half_is_finite(load_u16(b)); break;
      case BlockFormat::Q4_K: ok = half_is_finite(load_u16(b)) && half_is_finite(load_u16(b + 2)); break;
      case BlockFormat::Q6_K: ok = half_is_finite(load_u16(b + 208)); break;
    }
    if (!ok) return i;
  }
  return -1;
}

}  // namespace ebsd::quant
