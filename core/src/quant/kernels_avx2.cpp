// AVX2 quantized products (Haswell and later, any x86-64 CPU of the last decade). Target
// attributes as in kernels_avx512.cpp. vpmaddubsw multiplies unsigned by signed bytes into
// saturating int16 pairs, so Q8_0 weights use the sign trick (|w| times x with w's sign) and
// the activations' + 128 offset is removed first; no sum can saturate (|w| <= 128, |x| <= 127).
#include <immintrin.h>

#include <algorithm>

#include "kernels.hpp"

#define EBSD_ISA_TARGETS "avx2,fma,f16c"
#include "isa_section_begin.inc"

namespace ebsd::quant::detail {
namespace {

constexpr int kTile = 4;

inline float half_at(const std::uint8_t* p) {
  return _cvtsh_ss(static_cast<unsigned short>(p[0] | (p[1] << 8)));
}

inline __m256 two_scales(float a, float b) { return _mm256_set_m128(_mm_set1_ps(b), _mm_set1_ps(a)); }

template <int T>
void rows_q4_0(const QuantMatrix& w, const ActivationBlocks& x, std::int64_t t0, float* y, std::int64_t ldy,
               std::int64_t r0, std::int64_t r1) {
  const std::int64_t nb = x.blocks();
  const std::uint8_t* xq[T];
  const float *xd[T], *xs[T];
  for (int t = 0; t < T; ++t) {
    xq[t] = x.quants(t0 + t);
    xd[t] = x.scales(t0 + t);
    xs[t] = x.sums(t0 + t);
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::uint8_t* row = w.data + r * static_cast<std::int64_t>(w.row_stride);
    __m256 acc[T];
    float corr[T] = {};
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (std::int64_t p = 0; p < nb; p += 2) {
      const std::uint8_t* a = row + p * 18;
      const bool pair = p + 1 < nb;
      const std::uint8_t* b = pair ? a + 18 : a;
      const float da = half_at(a), db = pair ? half_at(b) : 0.0f;
      const __m256i ab = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b + 2), reinterpret_cast<const __m128i*>(a + 2));
      const __m256i lo = _mm256_and_si256(ab, low4), hi = _mm256_and_si256(_mm256_srli_epi16(ab, 4), low4);
      for (int t = 0; t < T; ++t) {
        const std::uint8_t* xv = xq[t] + p * 32;
        const __m256i s16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xv))),
                                             _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xv + 32))));
        const __m256i s32 = _mm256_madd_epi16(s16, ones);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), two_scales(da * xd[t][p], db * xd[t][p + 1]), acc[t]);
        corr[t] += da * xs[t][p] + db * xs[t][p + 1];
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[t]), _mm256_extractf128_ps(acc[t], 1));
      const __m128 h2 = _mm_add_ps(h, _mm_movehl_ps(h, h));
      y[(t0 + t) * ldy + r] = _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2))) - corr[t];
    }
  }
}

template <int T>
void rows_q8_0(const QuantMatrix& w, const ActivationBlocks& x, std::int64_t t0, float* y, std::int64_t ldy,
               std::int64_t r0, std::int64_t r1) {
  const std::int64_t nb = x.blocks();
  const std::uint8_t* xq[T];
  const float* xd[T];
  for (int t = 0; t < T; ++t) {
    xq[t] = x.quants(t0 + t);
    xd[t] = x.scales(t0 + t);
  }
  const __m256i offset = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::uint8_t* row = w.data + r * static_cast<std::int64_t>(w.row_stride);
    __m256 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* blk = row + b * 34;
      const float dw = half_at(blk);
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      const __m256i wabs = _mm256_sign_epi8(wv, wv);
      for (int t = 0; t < T; ++t) {
        const __m256i xv = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[t] + b * 32)), offset);
        const __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(wabs, _mm256_sign_epi8(xv, wv)), ones);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), _mm256_set1_ps(dw * xd[t][b]), acc[t]);
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[t]), _mm256_extractf128_ps(acc[t], 1));
      const __m128 h2 = _mm_add_ps(h, _mm_movehl_ps(h, h));
      y[(t0 + t) * ldy + r] = _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
    }
  }
}

template <int T>
void rows(const QuantMatrix& w, const ActivationBlocks& x, std::int64_t t0, float* y, std::int64_t ldy, std::int64_t r0,
          std::int64_t r1) {
  if (w.format == BlockFormat::Q4_0)
    rows_q4_0<T>(w, x, t0, y, ldy, r0, r1);
  else
    rows_q8_0<T>(w, x, t0, y, ldy, r0, r1);
}

}  // namespace

void matmul_avx2(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                 std::int64_t r1) {
  const std::int64_t tokens = x.tokens();
  for (std::int64_t c = r0; c < r1; c += kRowChunk) {
    const std::int64_t ce = std::min(r1, c + kRowChunk);
    std::int64_t t = 0;
    for (; t + kTile <= tokens; t += kTile) rows<kTile>(w, x, t, y, ldy, c, ce);
    switch (tokens - t) {
      case 3: rows<3>(w, x, t, y, ldy, c, ce); break;
      case 2: rows<2>(w, x, t, y, ldy, c, ce); break;
      case 1: rows<1>(w, x, t, y, ldy, c, ce); break;
      default: break;
    }
  }
}

}  // namespace ebsd::quant::detail

#include "isa_section_end.inc"
