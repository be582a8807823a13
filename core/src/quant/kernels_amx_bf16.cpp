// AMX bf16 prompt kernel (quant/bf16_prompt_matmul.hpp). Per pair of row groups (32 rows), every
// block of 32 weights is dequantized from the interleaved copy into a bf16 B tile (16 rows of 16
// output rows x 2 values: the pair layout tdpbf16ps reads), once for the whole prompt (for rows of
// up to 64 blocks while the previous pair is multiplied); then each tile of 32 tokens runs all
// blocks through four tdpbf16ps (2 token tiles x 2 row groups) whose f32 results stay in tiles
// 4-7 until the row is done and are stored straight into y.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "amx_common.hpp"
#include "kernels.hpp"

#define EBSD_ISA_TARGETS "amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,avx512bf16,fma,f16c,avx2"
#include "isa_section_begin.inc"

namespace ebsd::quant::detail {
namespace {

// Every tile 16 rows of 64 bytes: tiles 0, 1 the two token tiles (16 tokens x 32 values), 2, 3
// the two row groups' weights (16 value pairs x 16 rows), 4-7 the four f32 results.
TileConfig make_config() {
  TileConfig c;
  for (int t = 0; t < 8; ++t) {
    c.rows[t] = 16;
    c.colsb[t] = 64;
  }
  return c;
}

// Bytes 0..63 of an interleaved vector (lane n = values 4j..4j+3 of row n) reordered so that its
// four 16-byte quarters are: rows 0-7 values (4j, 4j+1), rows 8-15 the same, rows 0-7 values
// (4j+2, 4j+3), rows 8-15 the same; each quarter then widens to one f32 vector of pairs.
alignas(64) constexpr std::uint8_t kPairOrder[64] = {
    0,  1,  4,  5,  8,  9,  12, 13, 16, 17, 20, 21, 24, 25, 28, 29, 32, 33, 36, 37, 40, 41,
    44, 45, 48, 49, 52, 53, 56, 57, 60, 61, 2,  3,  6,  7,  10, 11, 14, 15, 18, 19, 22, 23,
    26, 27, 30, 31, 34, 35, 38, 39, 42, 43, 46, 47, 50, 51, 54, 55, 58, 59, 62, 63};

// 16 unsigned bytes -> 16 floats.
inline __m512 widen(__m128i v) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v)); }

// Block b of the group at `group` (its scales first, then its quants from `quants`) -> one bf16
// B tile at out (1 KB). The levels are stored unsigned (Q8_0: w + 128, Q4_0: 0..15); value =
// (u - offset) d is exact in f32 (at most 19 significant bits), then rounded to bf16.
template <bool Q4>
inline void dequantize_block(const std::uint8_t* group, const std::uint8_t* quants, std::int64_t b, std::uint16_t* out) {
  const __m512 d = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(group + b * 32)));
  const __m512i rows_lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512 d_lo = _mm512_permutexvar_ps(rows_lo, d);
  const __m512 d_hi = _mm512_permutexvar_ps(_mm512_add_epi32(rows_lo, _mm512_set1_epi32(8)), d);
  const __m512 offset = _mm512_set1_ps(Q4 ? -8.0f : -128.0f);
  const __m512 o_lo = _mm512_mul_ps(d_lo, offset), o_hi = _mm512_mul_ps(d_hi, offset);
  const __m512i order = _mm512_load_si512(kPairOrder), low4 = _mm512_set1_epi8(0x0F);
  const std::uint8_t* q = quants + b * interleaved_block_bytes(Q4 ? BlockFormat::Q4_0 : BlockFormat::Q8_0);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {  // values 4j..4j+3 of the 16 rows -> B rows 2j and 2j + 1
    __m512i u;
    if constexpr (Q4) {
      const __m512i raw = _mm512_load_si512(q + 64 * (j & 3));
      u = _mm512_and_si512(j < 4 ? raw : _mm512_srli_epi16(raw, 4), low4);
    } else {
      u = _mm512_load_si512(q + 64 * j);
    }
    const __m512i p = _mm512_permutexvar_epi8(order, u);
    const __m512 a0 = _mm512_fmadd_ps(widen(_mm512_castsi512_si128(p)), d_lo, o_lo);
    const __m512 a1 = _mm512_fmadd_ps(widen(_mm512_extracti32x4_epi32(p, 1)), d_hi, o_hi);
    const __m512 a2 = _mm512_fmadd_ps(widen(_mm512_extracti32x4_epi32(p, 2)), d_lo, o_lo);
    const __m512 a3 = _mm512_fmadd_ps(widen(_mm512_extracti32x4_epi32(p, 3)), d_hi, o_hi);
    _mm512_store_si512(out + 32 * (2 * j), reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(a1, a0)));
    _mm512_store_si512(out + 32 * (2 * j + 1), reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(a3, a2)));
  }
}

// Result tile `c` (16 tokens from t) into y's columns col..col+15, or its first `valid` rows only
// (the prompt's last, partial tile of tokens) through a bounce buffer.
#define EBSD_AMX_STORE_RESULT(c, y, ldy, t, col, valid)                                                        \
  do {                                                                                                          \
    if ((valid) >= 16) {                                                                                        \
      _tile_stored(c, (y) + (t) * (ldy) + (col), (ldy) * 4);                                                    \
    } else if ((valid) > 0) {                                                                                   \
      alignas(64) float bounce[256];                                                                            \
      _tile_stored(c, bounce, 64);                                                                              \
      for (std::int64_t m = 0; m < (valid); ++m) std::memcpy((y) + ((t) + m) * (ldy) + (col), bounce + 16 * m, 64); \
    }                                                                                                           \
  } while (0)

// Rows of at most this many blocks dequantize the next pair of groups while the current pair is
// multiplied (two buffers of two groups' B tiles, 4 KB a block in all): the weights are then read
// and converted spread over the tile work instead of in one burst the tiles wait for. Longer
// rows keep one buffer: two of them beside a prompt's activations of that width no longer fit
// L2. One thread, 128 tokens, weights in cache, calls alternating between the two ways (GMAC/s,
// mean of 99 each, two runs): 896 x 896 Q8_0 279/195 -> 291/225, Q4_0 327/219 -> 349/234;
// 4864 x 896 Q4_0 209/250 -> 258/303; but 896 x 4864 (152 blocks) Q8_0 274/255 -> 258/238.
constexpr std::int64_t kPipelinedMaxBlocks = 64;

template <bool Q4>
void groups_bf16(const QuantMatrix& w, const std::uint16_t* x, std::int64_t tokens, std::int64_t padded_tokens, float* y,
                 std::int64_t ldy, std::int64_t g0, std::int64_t g1) {
  const std::int64_t cols = w.cols, nb = cols / 32;
  const std::int64_t group_bytes = interleaved_group_bytes(w.format, nb), scale_bytes = interleaved_scale_bytes(nb);
  const std::int64_t xstride = cols * 2;
  const bool pipelined = nb <= kPipelinedMaxBlocks;
  thread_local AlignedVector<std::uint16_t> scratch;  // grows, kept per thread
  scratch.resize(static_cast<std::size_t>((pipelined ? 4 : 2) * nb * 512));
  std::uint16_t* const scratch_base = scratch.data();
  std::uint16_t* buffers[2] = {scratch_base, pipelined ? scratch_base + 2 * nb * 512 : scratch_base};
  // Item i of the pair starting at group g: block i % nb of group g + i / nb (if it exists).
  const auto dequantize_item = [&](std::int64_t g, std::int64_t i, std::uint16_t* into) {
    const std::int64_t which = i / nb, b = i % nb;
    if (g + which >= g1) return;
    const std::uint8_t* group = w.interleaved + (g + which) * group_bytes;
    dequantize_block<Q4>(group, group + scale_bytes, b, into + (which * nb + b) * 512);
  };
  const std::int64_t steps = padded_tokens / 32 * nb, items_per_step = (2 * nb + steps - 1) / steps;
  int current = 0;
  for (std::int64_t g = g0; g < g1; g += 2) {
    const bool two = g + 1 < g1, next = pipelined && g + 2 < g1;
    if (!pipelined || g == g0)
      for (std::int64_t i = 0; i < 2 * nb; ++i) dequantize_item(g, i, buffers[current]);
    const std::uint16_t* wt = buffers[current];
    const std::uint16_t* wt1 = wt + nb * 512;
    std::uint16_t* upcoming = buffers[current ^ 1];
    std::int64_t done = 0;  // items of the next pair dequantized so far
    // Without the pipeline, the next pair's weights are prefetched into L2 instead, a few lines
    // per block step.
    const std::uint8_t* prefetch_from = !pipelined && g + 2 < g1 ? w.interleaved + (g + 2) * group_bytes : nullptr;
    const std::int64_t prefetch_bytes = prefetch_from ? std::min<std::int64_t>(2, g1 - g - 2) * group_bytes : 0;
    const std::int64_t lines_per_step = (prefetch_bytes / 64 + steps - 1) / steps;
    std::int64_t prefetched = 0;
    for (std::int64_t t = 0; t < padded_tokens; t += 32) {
      const std::uint16_t* a = x + t * cols;
      _tile_zero(4);
      _tile_zero(6);
      if (two) {
        _tile_zero(5);
        _tile_zero(7);
        for (std::int64_t b = 0; b < nb; ++b) {
          _tile_loadd(0, a + 32 * b, xstride);
          _tile_loadd(1, a + 16 * cols + 32 * b, xstride);
          _tile_loadd(2, wt + 512 * b, 64);
          _tile_loadd(3, wt1 + 512 * b, 64);
          _tile_dpbf16ps(4, 0, 2);
          _tile_dpbf16ps(5, 0, 3);
          _tile_dpbf16ps(6, 1, 2);
          _tile_dpbf16ps(7, 1, 3);
          if (next)
            for (std::int64_t k = 0; k < items_per_step && done < 2 * nb; ++k, ++done) dequantize_item(g + 2, done, upcoming);
          for (std::int64_t i = 0; i < lines_per_step && prefetched < prefetch_bytes; ++i, prefetched += 64)
            _mm_prefetch(reinterpret_cast<const char*>(prefetch_from + prefetched), _MM_HINT_T1);
        }
      } else {  // the range's last, single group: nothing follows it
        for (std::int64_t b = 0; b < nb; ++b) {
          _tile_loadd(0, a + 32 * b, xstride);
          _tile_loadd(1, a + 16 * cols + 32 * b, xstride);
          _tile_loadd(2, wt + 512 * b, 64);
          _tile_dpbf16ps(4, 0, 2);
          _tile_dpbf16ps(6, 1, 2);
        }
      }
      const std::int64_t first = std::min<std::int64_t>(16, tokens - t), second = std::min<std::int64_t>(16, tokens - t - 16);
      EBSD_AMX_STORE_RESULT(4, y, ldy, t, g * 16, first);
      EBSD_AMX_STORE_RESULT(6, y, ldy, t + 16, g * 16, second);
      if (two) {
        EBSD_AMX_STORE_RESULT(5, y, ldy, t, g * 16 + 16, first);
        EBSD_AMX_STORE_RESULT(7, y, ldy, t + 16, g * 16 + 16, second);
      }
    }
    if (next) {
      for (; done < 2 * nb; ++done) dequantize_item(g + 2, done, upcoming);
      current ^= 1;
    }
  }
}

#undef EBSD_AMX_STORE_RESULT

}  // namespace

void matmul_amx_bf16(const QuantMatrix& w, const std::uint16_t* x, std::int64_t tokens, std::int64_t padded_tokens, float* y,
                     std::int64_t ldy, std::int64_t g0, std::int64_t g1) {
  static const TileConfig config = make_config();
  _tile_loadconfig(&config);  // per thread: tile state is per thread
  if (w.format == BlockFormat::Q4_0)
    groups_bf16<true>(w, x, tokens, padded_tokens, y, ldy, g0, g1);
  else
    groups_bf16<false>(w, x, tokens, padded_tokens, y, ldy, g0, g1);
  _tile_release();
}

void round_to_bf16_avx512(const float* x, std::int64_t n, std::uint16_t* out) {
  for (std::int64_t i = 0; i < n; i += 32)
    _mm512_storeu_si512(out + i, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i))));
}

}  // namespace ebsd::quant::detail

#include "isa_section_end.inc"
