// AMX prefill kernel (Sapphire Rapids and later): one tile multiply per weight block of 32
// values covers 16 weight rows x 16 tokens (8192 multiply-adds), then AVX-512 scales the 16x16
// int32 result by d_w (per row) x d_x (per token) into float accumulators. Q8_0 rows are loaded
// into the tile straight from the file (row stride = the matrix's row stride, skipping each
// block's 2-byte scale); Q4_0 rows are unpacked to one byte per value first (unsigned 0..15,
// tdpbusd) and the offset of 8 is taken off through the activations' sums, as in the AVX-512
// kernel. Two blocks are in flight at a time (tiles 0-2 and 3-5) so the scaling of one block
// overlaps the next block's multiply.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "amx_common.hpp"
#include "kernels.hpp"

#define EBSD_ISA_TARGETS "amx-tile,amx-int8,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,avx2"
#include "isa_section_begin.inc"

namespace ebsd::quant::detail {
namespace {

// Both kernels use one tile shape per role: tiles 0 and 3 hold 16 rows of 32 bytes (the file
// layout's weights, or the interleaved kernel's activations), tiles 1 and 4 hold 8 rows of 64
// bytes (the other operand: 16 columns x 4 values), tiles 2, 5, 6 and 7 hold 16 x 16 int32
// results (the file-layout kernel uses 2 and 5 only).
TileConfig make_config() {
  TileConfig c;
  for (int t : {0, 3}) {
    c.rows[t] = 16;
    c.colsb[t] = 32;
  }
  for (int t : {1, 4}) {
    c.rows[t] = 8;
    c.colsb[t] = 64;
  }
  for (int t : {2, 5, 6, 7}) {
    c.rows[t] = 16;
    c.colsb[t] = 64;
  }
  return c;
}

// d_w of block `b` of 16 rows, as floats.
inline void row_scales(const std::uint8_t* block0, std::int64_t stride, float* out) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                         _mm512_set1_epi32(static_cast<int>(stride)));
  const __m512i g = _mm512_i32gather_epi32(idx, block0, 1);
  _mm512_store_ps(out, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(g)));
}

// 16 Q4_0 rows' block -> 16 x 32 bytes, value k of the block at byte k (0..15 low nibbles,
// 16..31 high nibbles), the activation tiles' order.
inline void unpack_q4(const std::uint8_t* block0, std::int64_t stride, std::uint8_t* out) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int i = 0; i < 16; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block0 + i * stride + 2));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(v, 4), v);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out + 32 * i), _mm256_and_si256(both, low4));
  }
}

template <bool Q4>
inline void scale_into(const std::int32_t* c, const float* dw, const float* dx, const float* sx, __m512* acc) {
  const __m512 vdx = _mm512_load_ps(dx);
  if constexpr (Q4) {
    const __m512 vsx = _mm512_load_ps(sx);
    for (int i = 0; i < 16; ++i) {
      const __m512 v = _mm512_fmsub_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c + 16 * i)), vdx, vsx);
      acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(dw[i]), v, acc[i]);
    }
  } else {
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c + 16 * i)), _mm512_mul_ps(_mm512_set1_ps(dw[i]), vdx),
                               acc[i]);
  }
}

template <bool Q4>
void rows_amx(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0, std::int64_t r1) {
  const std::int64_t nb = x.blocks(), tokens = x.tokens();
  const std::int64_t stride = static_cast<std::int64_t>(w.row_stride), bb = Q4 ? 18 : 34;
  alignas(64) std::int32_t c0[256], c1[256];
  alignas(64) float out[256];
  // Per group of 16 rows, once for all token groups: the rows' block scales (16 floats a block)
  // and, for Q4_0, the blocks unpacked to bytes (512 a block). Before, every token group
  // gathered and unpacked them again (8 times for a 128-token prompt).
  thread_local std::vector<float> scales_buf;
  thread_local AlignedVector<std::uint8_t> unpacked_buf;
  scales_buf.resize(static_cast<std::size_t>(nb * 16 + 16));
  float* dw = reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(scales_buf.data()) + 63) & ~std::uintptr_t{63});
  if constexpr (Q4) unpacked_buf.resize(static_cast<std::size_t>(nb * 512));
  for (std::int64_t rg = r0; rg + 16 <= r1; rg += 16) {
    const std::uint8_t* rows = w.data + rg * stride;
    for (std::int64_t b = 0; b < nb; ++b) {
      row_scales(rows + b * bb, stride, dw + 16 * b);
      if constexpr (Q4) unpack_q4(rows + b * bb, stride, unpacked_buf.data() + 512 * b);
    }
    const std::uint8_t* unpacked = unpacked_buf.data();
    for (std::int64_t g = 0; g < x.tile_groups(); ++g) {
      __m512 acc[16];
      for (auto& a : acc) a = _mm512_setzero_ps();
      std::int64_t b = 0;
      for (; b + 2 <= nb; b += 2) {
        if constexpr (Q4) {
          _tile_loadd(0, unpacked + 512 * b, 32);
          _tile_loadd(3, unpacked + 512 * (b + 1), 32);
        } else {
          _tile_loadd(0, rows + b * bb + 2, stride);
          _tile_loadd(3, rows + (b + 1) * bb + 2, stride);
        }
        _tile_loadd(1, x.tile(g, b), 64);
        _tile_loadd(4, x.tile(g, b + 1), 64);
        _tile_zero(2);
        _tile_zero(5);
        if constexpr (Q4) {
          _tile_dpbusd(2, 0, 1);
          _tile_dpbusd(5, 3, 4);
        } else {
          _tile_dpbssd(2, 0, 1);
          _tile_dpbssd(5, 3, 4);
        }
        _tile_stored(2, c0, 64);
        scale_into<Q4>(c0, dw + 16 * b, x.tile_scales(g, b), x.tile_sums(g, b), acc);
        _tile_stored(5, c1, 64);
        scale_into<Q4>(c1, dw + 16 * (b + 1), x.tile_scales(g, b + 1), x.tile_sums(g, b + 1), acc);
      }
      if (b < nb) {
        if constexpr (Q4)
          _tile_loadd(0, unpacked + 512 * b, 32);
        else
          _tile_loadd(0, rows + b * bb + 2, stride);
        _tile_loadd(1, x.tile(g, b), 64);
        _tile_zero(2);
        if constexpr (Q4)
          _tile_dpbusd(2, 0, 1);
        else
          _tile_dpbssd(2, 0, 1);
        _tile_stored(2, c0, 64);
        scale_into<Q4>(c0, dw + 16 * b, x.tile_scales(g, b), x.tile_sums(g, b), acc);
      }
      // acc[i] lane n = row rg + i, token 16 g + n.
      for (int i = 0; i < 16; ++i) _mm512_store_ps(out + 16 * i, acc[i]);
      const std::int64_t n_end = std::min<std::int64_t>(16, tokens - 16 * g);
      for (std::int64_t n = 0; n < n_end; ++n) {
        float* dst = y + (16 * g + n) * ldy + rg;
        for (int i = 0; i < 16; ++i) dst[i] = out[16 * i + n];
      }
    }
  }
}

// Interleaved weights (QuantMatrix::interleaved): the roles turn round. The activations' plain
// levels are the A tile (16 tokens x 32 values, straight from ActivationBlocks::plain), a block
// of 16 interleaved rows is the B tile as it is stored (Q8_0, w + 128) or after one and / shift
// per 64 values (Q4_0, once per group of rows for all tokens), and tdpbsud (signed x unsigned)
// gives C[token][row]: row m of C is 16 consecutive outputs of token m, scaled with one
// broadcast d_x, one broadcast offset term and the rows' 16 scales (one load), and stored
// without the transpose the other layout needs. No activation tile copy is read.

// acc[m] += d_w (d_x[m] C[m] - s[m]): xd and xs point at token 0's scale and sum of the block,
// the next token's `pb` floats on.
inline void scale_interleaved(const std::int32_t* c, const __m512 dw, const float* xd, const float* xs, std::int64_t pb,
                              __m512* acc) {
#pragma GCC unroll 16
  for (int m = 0; m < 16; ++m) {
    const __m512 v = _mm512_fmsub_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c + 16 * m)), _mm512_set1_ps(xd[m * pb]),
                                     _mm512_set1_ps(xs[m * pb]));
    acc[m] = _mm512_fmadd_ps(v, dw, acc[m]);
  }
}

// One pair of blocks (b, b + 1) into result tiles C0 and C1: A tiles 0 and 3 (activations), B
// tiles 1 and 4 (weights). A macro: the tile intrinsics take their tile numbers as literals.
#define EBSD_AMX_ISSUE_PAIR(C0, C1, xa, xstride, wt, b)  \
  do {                                                  \
    _tile_loadd(0, (xa) + 32 * (b), (xstride));         \
    _tile_loadd(1, (wt) + 512 * (b), 64);               \
    _tile_loadd(3, (xa) + 32 * ((b) + 1), (xstride));   \
    _tile_loadd(4, (wt) + 512 * ((b) + 1), 64);         \
    _tile_zero(C0);                                     \
    _tile_zero(C1);                                     \
    _tile_dpbsud(C0, 0, 1);                             \
    _tile_dpbsud(C1, 3, 4);                             \
  } while (0)

template <bool Q4>
void groups_amx(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t g0, std::int64_t g1) {
  const std::int64_t nb = x.blocks(), tokens = x.tokens(), pb = x.padded_blocks();
  const std::int64_t group_bytes = interleaved_group_bytes(w.format, nb), scale_bytes = interleaved_scale_bytes(nb);
  const std::int64_t xstride = x.plain_stride();
  alignas(64) std::int32_t c0[256], c1[256], c2[256], c3[256];
  thread_local AlignedVector<std::uint8_t> unpacked_buf;
  unpacked_buf.resize(static_cast<std::size_t>(nb * 512));
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (std::int64_t g = g0; g < g1; ++g) {
    const std::uint8_t* base = w.interleaved + g * group_bytes;
    const std::uint8_t* wt = base + scale_bytes;  // B tiles, 512 bytes a block
    if constexpr (Q4) {
      for (std::int64_t b = 0; b < nb; ++b)
        for (int v = 0; v < 4; ++v) {
          const __m512i raw = _mm512_load_si512(base + scale_bytes + b * 256 + 64 * v);
          std::uint8_t* dst = unpacked_buf.data() + 512 * b;
          _mm512_store_si512(dst + 64 * v, _mm512_and_si512(raw, low4));
          _mm512_store_si512(dst + 64 * (4 + v), _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4));
        }
      wt = unpacked_buf.data();
    } else {
      // Q8_0's B tiles are copied once per group too: tile loads that miss L1 were slow enough
      // to make Q8_0 run at 137-151 GMAC/s against Q4_0's 235-266 (one thread, weights in L3);
      // after the copy both run at 236-265.
      for (std::int64_t b = 0; b < nb * 8; ++b)
        _mm512_store_si512(unpacked_buf.data() + 64 * b, _mm512_load_si512(wt + 64 * b));
      wt = unpacked_buf.data();
    }
    const auto dw = [&](std::int64_t b) {
      return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(base + b * 32)));
    };
    // The next group's weights come from DRAM in a prefill (each matrix is read once), and the
    // first token tile would wait for them: ask for them into L2 a few lines per pair of blocks
    // while this group is worked on, spread so they have all been asked for by its end.
    const std::uint8_t* next = g + 1 < g1 ? base + group_bytes : nullptr;
    const std::int64_t pair_steps = std::max<std::int64_t>(1, (tokens + 15) / 16 * (nb / 2));
    const std::int64_t lines_per_step = (group_bytes / 64 + pair_steps - 1) / pair_steps;
    std::int64_t prefetched = 0;
    const auto prefetch_next = [&] {
      if (!next) return;
      for (std::int64_t i = 0; i < lines_per_step && prefetched < group_bytes; ++i, prefetched += 64)
        _mm_prefetch(reinterpret_cast<const char*>(next + prefetched), _MM_HINT_T1);
    };
    for (std::int64_t t0 = 0; t0 < tokens; t0 += 16) {
      const std::int8_t* xa = x.plain(t0);
      const float* xd = x.scales(t0);
      const float* xs = x.sums(t0);
      __m512 acc[16];
#pragma GCC unroll 16
      for (int m = 0; m < 16; ++m) acc[m] = _mm512_setzero_ps();
      // Software pipeline over pairs of blocks: the next pair's multiplies are issued into the
      // other pair of result tiles before this pair's results are stored and scaled, so the
      // tile unit works while AVX-512 scales (a store right after its multiply waits for it).
      const std::int64_t pairs = nb / 2;
      const auto drain = [&](const std::int32_t* ca, const std::int32_t* cb, std::int64_t b) {
        prefetch_next();
        scale_interleaved(ca, dw(b), xd + b, xs + b, pb, acc);
        scale_interleaved(cb, dw(b + 1), xd + b + 1, xs + b + 1, pb, acc);
      };
      std::int64_t p = 0;
      if (pairs > 0) EBSD_AMX_ISSUE_PAIR(2, 5, xa, xstride, wt, 0);
      for (; p + 2 <= pairs; p += 2) {
        // pair p is in tiles 2, 5; pair p + 1 goes to 6, 7.
        EBSD_AMX_ISSUE_PAIR(6, 7, xa, xstride, wt, 2 * (p + 1));
        _tile_stored(2, c0, 64);
        _tile_stored(5, c1, 64);
        drain(c0, c1, 2 * p);
        if (p + 2 < pairs) EBSD_AMX_ISSUE_PAIR(2, 5, xa, xstride, wt, 2 * (p + 2));
        _tile_stored(6, c2, 64);
        _tile_stored(7, c3, 64);
        drain(c2, c3, 2 * (p + 1));
      }
      if (p < pairs) {  // an odd number of pairs: the last one is in tiles 2, 5
        _tile_stored(2, c0, 64);
        _tile_stored(5, c1, 64);
        drain(c0, c1, 2 * p);
      }
      if (nb % 2) {
        const std::int64_t b = nb - 1;
        _tile_loadd(0, xa + 32 * b, xstride);
        _tile_loadd(1, wt + 512 * b, 64);
        _tile_zero(2);
        _tile_dpbsud(2, 0, 1);
        _tile_stored(2, c0, 64);
        scale_interleaved(c0, dw(b), xd + b, xs + b, pb, acc);
      }
      // Constant indices only (unrolled), so acc stays in registers: a loop to the run-time
      // token count kept it on the stack, a load and a store around every multiply-add.
      const std::int64_t m_end = std::min<std::int64_t>(16, tokens - t0);
#pragma GCC unroll 16
      for (int m = 0; m < 16; ++m)
        if (m < m_end) _mm512_storeu_ps(y + (t0 + m) * ldy + g * 16, acc[m]);
    }
  }
}

}  // namespace

void matmul_amx_interleaved(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                            std::int64_t r1) {
  static const TileConfig config = make_config();
  _tile_loadconfig(&config);
  if (w.format == BlockFormat::Q4_0)
    groups_amx<true>(w, x, y, ldy, r0 / 16, r1 / 16);
  else
    groups_amx<false>(w, x, y, ldy, r0 / 16, r1 / 16);
  _tile_release();
}

void matmul_amx(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                std::int64_t r1) {
  static const TileConfig config = make_config();
  _tile_loadconfig(&config);  // per thread: tile state is per thread
  if (w.format == BlockFormat::Q4_0)
    rows_amx<true>(w, x, y, ldy, r0, r1);
  else
    rows_amx<false>(w, x, y, ldy, r0, r1);
  _tile_release();
}

}  // namespace ebsd::quant::detail

#include "isa_section_end.inc"

namespace ebsd::quant::detail {

bool amx_usable() {
  static const bool ok = [] {
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return ::syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return ok;
}

}  // namespace ebsd::quant::detail
