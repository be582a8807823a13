// AVX-512 VNNI quantized products (Sapphire Rapids, Zen 4 and later). Built with target
// attributes (pragma below) rather than file-wide -m flags, so nothing here leaks AVX-512 code
// into inline functions other files share; quant_matmul calls it only when the CPU has it.
//
// Per pair of weight blocks (64 values): one 512-bit vector of weight levels, one vpdpbusd per
// token giving 16 int32 lanes (each the sum of 4 products), converted to float and multiplied
// by the lane's block scale d_w d_x (gathered for 16 blocks at a time, then permuted into lane
// order). Q4_0 weights: nibbles are the unsigned operand, activations the signed one; the
// weights' offset of 8 is subtracted once per block through the activations' sums. Q8_0 weights:
// activations are stored as q + 128 (unsigned operand) and the accumulator starts at
// -128 sum(w), which vpdpbusd on the constant 128 gives once per pair for all tokens.
#include <immintrin.h>

#include <algorithm>

#include "kernels.hpp"

#define EBSD_ISA_TARGETS "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,avx2"
#include "isa_section_begin.inc"

namespace ebsd::quant::detail {
namespace {

constexpr int kTile = 4;  // tokens per pass over a weight row

// The f16 scales of n (<= 16) blocks `stride` bytes apart, as floats (missing ones 0).
inline __m512 gather_scales(const std::uint8_t* blocks, int stride, int n) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                         _mm512_set1_epi32(stride));
  const __mmask16 m = n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
  const __m512i g = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, blocks, 1);
  return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(g));
}

// Decode streams the whole model from memory once per token; the hardware prefetcher alone
// left the loads waiting (5.7 GB per CPU-second on the 136 MB output head, against 18 for a
// matrix in cache; bench_quant_kernels). The lines `kPrefetchDistance` bytes ahead of the ones
// being read are asked for now, so they arrive while this part of the row is computed: 8-10 GB
// per CPU-second then (1, 2 and 8 KB ahead measured about the same on the busy shared box).
constexpr std::int64_t kPrefetchDistance = 4096;
inline void prefetch_ahead(const std::uint8_t* p, std::int64_t bytes) {
  for (std::int64_t o = 0; o < bytes; o += 64) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchDistance + o), _MM_HINT_T0);
}

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
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i lanes = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
  const __m512i two = _mm512_set1_epi32(2);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::uint8_t* row = w.data + r * static_cast<std::int64_t>(w.row_stride);
    __m512 acc[T], corr[T];
    for (int t = 0; t < T; ++t) acc[t] = corr[t] = _mm512_setzero_ps();
    for (std::int64_t c = 0; c < nb; c += 16) {
      const int n = static_cast<int>(std::min<std::int64_t>(16, nb - c));
      const std::uint8_t* blk = row + c * 18;
      if constexpr (T <= 2) {
        prefetch_ahead(blk, n * 18);
        {
          // Dot products of all pairs first, then the scales: the gather then reads cache lines
          // the weight loads just brought in instead of stalling on memory (it did: most of
          // decode's time sat behind it). An odd last block meets zero activations.
          __m512i dots[T][8];
          const int np = (n + 1) / 2;
          for (int p = 0; p < np; ++p) {
            const std::uint8_t* a = blk + 2 * p * 18 + 2;
            const std::uint8_t* b = 2 * p + 1 < n ? a + 18 : a;
            const __m256i ab = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b), reinterpret_cast<const __m128i*>(a));
            const __m512i wv = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(ab), _mm256_srli_epi16(ab, 4), 1), low4);
            for (int t = 0; t < T; ++t)
              dots[t][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, _mm512_loadu_si512(xq[t] + (c + 2 * p) * 32));
          }
          const __m512 dw = gather_scales(blk, 18, n);
          for (int t = 0; t < T; ++t) {
            const __m512 st = _mm512_mul_ps(dw, _mm512_loadu_ps(xd[t] + c));
            corr[t] = _mm512_fmadd_ps(dw, _mm512_loadu_ps(xs[t] + c), corr[t]);
            __m512i pick = lanes;
            for (int p = 0; p < np; ++p) {
              acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[t][p]), _mm512_permutexvar_ps(pick, st), acc[t]);
              pick = _mm512_add_epi32(pick, two);
            }
          }
          continue;
        }
      }
      const __m512 dw = gather_scales(blk, 18, n);
      __m512 s[T];
      for (int t = 0; t < T; ++t) {
        s[t] = _mm512_mul_ps(dw, _mm512_loadu_ps(xd[t] + c));
        corr[t] = _mm512_fmadd_ps(dw, _mm512_loadu_ps(xs[t] + c), corr[t]);
      }
      __m512i pick = lanes;
      for (int p = 0; p < n; p += 2) {
        const std::uint8_t* a = blk + p * 18 + 2;
        const std::uint8_t* b = p + 1 < n ? a + 18 : a;  // an odd last block meets zero activations
        const __m256i ab = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b), reinterpret_cast<const __m128i*>(a));
        const __m512i wv = _mm512_and_si512(
            _mm512_inserti64x4(_mm512_castsi256_si512(ab), _mm256_srli_epi16(ab, 4), 1), low4);
        const std::int64_t off = (c + p) * 32;
        for (int t = 0; t < T; ++t) {
          const __m512i xv = _mm512_loadu_si512(xq[t] + off);
          const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, xv);
          acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pick, s[t]), acc[t]);
        }
        pick = _mm512_add_epi32(pick, two);
      }
    }
    for (int t = 0; t < T; ++t) y[(t0 + t) * ldy + r] = _mm512_reduce_add_ps(_mm512_sub_ps(acc[t], corr[t]));
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
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i lanes = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const __m512i two = _mm512_set1_epi32(2);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::uint8_t* row = w.data + r * static_cast<std::int64_t>(w.row_stride);
    __m512 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t c = 0; c < nb; c += 16) {
      const int n = static_cast<int>(std::min<std::int64_t>(16, nb - c));
      const std::uint8_t* blk = row + c * 34;
      if constexpr (T <= 2) {
        prefetch_ahead(blk, n * 34);
        {  // dot products first, then the (now cached) scales: see rows_q4_0
          __m512i dots[T][8];
          const int np = (n + 1) / 2;
          for (int p = 0; p < np; ++p) {
            const std::uint8_t* a = blk + 2 * p * 34 + 2;
            const std::uint8_t* b = 2 * p + 1 < n ? a + 34 : a;
            const __m512i wv = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
            const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, wv));
            for (int t = 0; t < T; ++t)
              dots[t][p] = _mm512_dpbusd_epi32(start, _mm512_loadu_si512(xq[t] + (c + 2 * p) * 32), wv);
          }
          const __m512 dw = gather_scales(blk, 34, n);
          for (int t = 0; t < T; ++t) {
            const __m512 st = _mm512_mul_ps(dw, _mm512_loadu_ps(xd[t] + c));
            __m512i pick = lanes;
            for (int p = 0; p < np; ++p) {
              acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[t][p]), _mm512_permutexvar_ps(pick, st), acc[t]);
              pick = _mm512_add_epi32(pick, two);
            }
          }
          continue;
        }
      }
      const __m512 dw = gather_scales(blk, 34, n);
      __m512 s[T];
      for (int t = 0; t < T; ++t) s[t] = _mm512_mul_ps(dw, _mm512_loadu_ps(xd[t] + c));
      __m512i pick = lanes;
      for (int p = 0; p < n; p += 2) {
        const std::uint8_t* a = blk + p * 34 + 2;
        const std::uint8_t* b = p + 1 < n ? a + 34 : a;
        const __m512i wv = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
        // -128 sum(w) per lane: the accumulator start that turns (q + 128) w into q w.
        const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, wv));
        const std::int64_t off = (c + p) * 32;
        for (int t = 0; t < T; ++t) {
          const __m512i dot = _mm512_dpbusd_epi32(start, _mm512_loadu_si512(xq[t] + off), wv);
          acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pick, s[t]), acc[t]);
        }
        pick = _mm512_add_epi32(pick, two);
      }
    }
    for (int t = 0; t < T; ++t) y[(t0 + t) * ldy + r] = _mm512_reduce_add_ps(acc[t]);
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

std::int64_t quantize_row_avx512(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s,
                                 std::int8_t* plain) {
  const bool q8 = format == BlockFormat::Q8_0;
  const float weight_offset = q8 ? 128.0f : 8.0f;
  const __m512 sign = _mm512_set1_ps(-0.0f);
  const __m128i offset = _mm_set1_epi8(static_cast<char>(q8 ? 0x80 : 0));
  for (std::int64_t b = 0; b < nb; ++b) {
    const __m512 v0 = _mm512_loadu_ps(row + b * 32), v1 = _mm512_loadu_ps(row + b * 32 + 16);
    // NaN or infinity: v - v is NaN exactly then, and NaN != NaN.
    const __mmask16 bad = _mm512_cmp_ps_mask(_mm512_sub_ps(v0, v0), _mm512_sub_ps(v0, v0), _CMP_NEQ_UQ) |
                          _mm512_cmp_ps_mask(_mm512_sub_ps(v1, v1), _mm512_sub_ps(v1, v1), _CMP_NEQ_UQ);
    if (bad) return b;
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, v0), _mm512_andnot_ps(sign, v1)));
    const float db = amax / 127.0f, id = db > 0 ? 1.0f / db : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    // Round to nearest even (the default rounding mode), as the portable path's nearbyint.
    const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, vid)), i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, vid));
    const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
    const __m128i l0 = _mm512_cvtsepi32_epi8(i0), l1 = _mm512_cvtsepi32_epi8(i1);
    if (plain) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(plain + b * 32), l0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(plain + b * 32 + 16), l1);
    }
    const __m128i lo = _mm_xor_si128(l0, offset), hi = _mm_xor_si128(l1, offset);
    std::uint8_t* pair = q + (b / 2) * 64;
    if (q8) {  // A0..31, B0..31
      _mm_storeu_si128(reinterpret_cast<__m128i*>(pair + (b % 2) * 32), lo);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(pair + (b % 2) * 32 + 16), hi);
    } else {   // A0..15, B0..15, A16..31, B16..31
      _mm_storeu_si128(reinterpret_cast<__m128i*>(pair + (b % 2) * 16), lo);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(pair + 32 + (b % 2) * 16), hi);
    }
    d[b] = db;
    s[b] = weight_offset * db * static_cast<float>(sum);
  }
  return -1;
}

void matmul_avx512(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
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
