// AVX-512 VNNI products on interleaved weights (QuantMatrix::interleaved), for decode and short
// prompts. A 64-byte weight vector holds 4 values of each of 16 rows, so one vpdpbusd with 4
// activation levels broadcast adds 4 products to each row's lane: 8 of them make a block's 16
// row dot products with no horizontal sums, and the 16 rows' scales are one 32-byte load (the
// file's layout needed a gather, a permute and a float multiply-add per two blocks and a
// horizontal sum per row). Weights are the unsigned operand (Q4_0 levels 0..15, Q8_0 stored as
// w + 128), activations the signed one; the offset (8 or 128) is taken off once per block
// through the activations' sums: d_w (d_x dot - o d_x sum(q)).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels.hpp"

#define EBSD_ISA_TARGETS "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,avx2"
#include "isa_section_begin.inc"

namespace ebsd::quant::detail {
namespace {

constexpr int kTile = 4;  // tokens per pass over a group of rows

// Decode streams every weight once per token; the groups are contiguous, and asking for the
// lines 8 KB ahead into L2 kept more misses in flight than the file layout's 4 KB into L1
// (bench_quant_kernels, 151936x896 head out of cache, one thread: Q4_0 12.0 against 10.5 GB per
// CPU-second with 2 KB into L1, Q8_0 10.8 against 9.2; the shared box was at load 2-4).
constexpr std::int64_t kPrefetchDistance = 8192;

inline __m512i broadcast4(const std::int8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

template <int T, bool Q4>
void groups(const QuantMatrix& w, const ActivationBlocks& x, std::int64_t t0, float* y, std::int64_t ldy, std::int64_t g0,
            std::int64_t g1) {
  const std::int64_t nb = x.blocks(), group_bytes = interleaved_group_bytes(w.format, nb);
  const std::int64_t scale_bytes = interleaved_scale_bytes(nb), block_bytes = interleaved_block_bytes(w.format);
  const std::int8_t* xq[T];
  const float *xd[T], *xs[T];
  for (int t = 0; t < T; ++t) {
    xq[t] = x.plain(t0 + t);
    xd[t] = x.scales(t0 + t);
    xs[t] = x.sums(t0 + t);
  }
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (std::int64_t g = g0; g < g1; ++g) {
    const std::uint8_t* base = w.interleaved + g * group_bytes;
    const std::uint8_t* quants = base + scale_bytes;
    __m512 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* qb = quants + b * block_bytes;
      if constexpr (T <= 2)
        for (std::int64_t o = 0; o < block_bytes; o += 64)
          _mm_prefetch(reinterpret_cast<const char*>(qb + kPrefetchDistance + o), _MM_HINT_T1);
      __m512i wv[8];
      if constexpr (Q4) {
        for (int v = 0; v < 4; ++v) {
          const __m512i raw = _mm512_load_si512(qb + 64 * v);
          wv[v] = _mm512_and_si512(raw, low4);                          // values 4v..4v+3
          wv[4 + v] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);  // values 16+4v..16+4v+3
        }
      } else {
        for (int v = 0; v < 8; ++v) wv[v] = _mm512_load_si512(qb + 64 * v);
      }
      const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(base + b * 32)));
      for (int t = 0; t < T; ++t) {
        const std::int8_t* xb = xq[t] + b * 32;
        // Two chains of four, so consecutive multiply-adds do not wait on each other.
        __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv[0], broadcast4(xb));
        __m512i i1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv[1], broadcast4(xb + 4));
        i0 = _mm512_dpbusd_epi32(i0, wv[2], broadcast4(xb + 8));
        i1 = _mm512_dpbusd_epi32(i1, wv[3], broadcast4(xb + 12));
        i0 = _mm512_dpbusd_epi32(i0, wv[4], broadcast4(xb + 16));
        i1 = _mm512_dpbusd_epi32(i1, wv[5], broadcast4(xb + 20));
        i0 = _mm512_dpbusd_epi32(i0, wv[6], broadcast4(xb + 24));
        i1 = _mm512_dpbusd_epi32(i1, wv[7], broadcast4(xb + 28));
        const __m512 f = _mm512_fmsub_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1)), _mm512_set1_ps(xd[t][b]),
                                         _mm512_set1_ps(xs[t][b]));
        acc[t] = _mm512_fmadd_ps(f, dw, acc[t]);
      }
    }
    for (int t = 0; t < T; ++t) _mm512_storeu_ps(y + (t0 + t) * ldy + g * 16, acc[t]);
  }
}

// Decode (one token): kStreams groups from kStreams equal parts of the range at once, block by
// block. Each part is read front to back, so the memory sees kStreams sequential streams, and
// the hardware prefetchers keep more requests in flight for several streams than for one: a
// plain read on 2 threads of this machine gave 33-34 GB/s with four streams a thread against
// 26-27 with one and software prefetch 8 KB ahead (19-22 with one and no prefetch). One
// decode token's products of the Qwen2.5-0.5B shape, tokens alternating between this and
// groups<1> in one process (2 threads, 3 runs of 29 each): Q4_0 25.2 / 34.1 / 21.0 GB/s ->
// 28.2 / 35.0 / 25.1, Q8_0 25.9 / 25.9 / 30.7 -> 25.1 / 29.8 / 36.0; two streams were slower
// than one, six and eight no better than four, and software prefetch on top slowed Q4_0. The
// activations' broadcasts and scales are shared by the groups; each group's arithmetic is
// groups<1>'s, in the same order, so the results are the same bits.
constexpr int kStreams = 4;

template <bool Q4>
void groups_streams(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t g0,
                    std::int64_t g1) {
  const std::int64_t per = (g1 - g0) / kStreams;
  const std::int64_t nb = x.blocks(), group_bytes = interleaved_group_bytes(w.format, nb);
  const std::int64_t scale_bytes = interleaved_scale_bytes(nb), block_bytes = interleaved_block_bytes(w.format);
  const std::int8_t* xq = x.plain(0);
  const float *xd = x.scales(0), *xs = x.sums(0);
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (std::int64_t i = 0; i < per; ++i) {
    const std::uint8_t* base[kStreams];
    __m512 acc[kStreams];
    for (int s = 0; s < kStreams; ++s) {
      base[s] = w.interleaved + (g0 + s * per + i) * group_bytes;
      acc[s] = _mm512_setzero_ps();
    }
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::int8_t* xb = xq + b * 32;
      __m512i xv[8];
      for (int k = 0; k < 8; ++k) xv[k] = broadcast4(xb + 4 * k);
      const __m512 vd = _mm512_set1_ps(xd[b]), vs = _mm512_set1_ps(xs[b]);
      for (int s = 0; s < kStreams; ++s) {
        const std::uint8_t* qb = base[s] + scale_bytes + b * block_bytes;
        __m512i wv[8];
        if constexpr (Q4) {
          for (int v = 0; v < 4; ++v) {
            const __m512i raw = _mm512_load_si512(qb + 64 * v);
            wv[v] = _mm512_and_si512(raw, low4);
            wv[4 + v] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);
          }
        } else {
          for (int v = 0; v < 8; ++v) wv[v] = _mm512_load_si512(qb + 64 * v);
        }
        __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv[0], xv[0]);
        __m512i i1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv[1], xv[1]);
        i0 = _mm512_dpbusd_epi32(i0, wv[2], xv[2]);
        i1 = _mm512_dpbusd_epi32(i1, wv[3], xv[3]);
        i0 = _mm512_dpbusd_epi32(i0, wv[4], xv[4]);
        i1 = _mm512_dpbusd_epi32(i1, wv[5], xv[5]);
        i0 = _mm512_dpbusd_epi32(i0, wv[6], xv[6]);
        i1 = _mm512_dpbusd_epi32(i1, wv[7], xv[7]);
        const __m512 f = _mm512_fmsub_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1)), vd, vs);
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(base[s] + b * 32)));
        acc[s] = _mm512_fmadd_ps(f, dw, acc[s]);
      }
    }
    for (int s = 0; s < kStreams; ++s) _mm512_storeu_ps(y + (g0 + s * per + i) * 16, acc[s]);  // token 0's row
  }
  if (g0 + kStreams * per < g1) groups<1, Q4>(w, x, 0, y, ldy, g0 + kStreams * per, g1);
}

template <bool Q4>
void all_tokens(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t g0, std::int64_t g1) {
  const std::int64_t tokens = x.tokens();
  if (tokens == 1) {
    groups_streams<Q4>(w, x, y, ldy, g0, g1);
    return;
  }
  // Groups in chunks, so a chunk of weights stays in cache while every tile of tokens passes.
  constexpr std::int64_t kGroupChunk = 2;
  for (std::int64_t c = g0; c < g1; c += kGroupChunk) {
    const std::int64_t ce = std::min(g1, c + kGroupChunk);
    std::int64_t t = 0;
    for (; t + kTile <= tokens; t += kTile) groups<kTile, Q4>(w, x, t, y, ldy, c, ce);
    switch (tokens - t) {
      case 3: groups<3, Q4>(w, x, t, y, ldy, c, ce); break;
      case 2: groups<2, Q4>(w, x, t, y, ldy, c, ce); break;
      case 1: groups<1, Q4>(w, x, t, y, ldy, c, ce); break;
      default: break;
    }
  }
}

}  // namespace

void matmul_avx512_interleaved(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                               std::int64_t r1) {
  if (w.format == BlockFormat::Q4_0)
    all_tokens<true>(w, x, y, ldy, r0 / 16, r1 / 16);
  else
    all_tokens<false>(w, x, y, ldy, r0 / 16, r1 / 16);
}

}  // namespace ebsd::quant::detail

#include "isa_section_end.inc"
