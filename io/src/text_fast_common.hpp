#pragma once
// Pieces both fast text readers (ang_fast.cpp, ctf_fast.cpp) use (private to io).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <limits>
#include <numbers>
#include <vector>

#include "column_format.hpp"
#include "ebsd/core/error.hpp"
#include "text_rows.hpp"
#include "text_scan.hpp"

namespace ebsd::io::fast {

// Thrown inside a fast path for anything it does not handle; the reader then takes the
// general path, which gives the result or the error message.
struct Decline {};
[[noreturn]] inline void decline() { throw Decline{}; }
#ifdef EBSD_FAST_DEBUG
// Says where a fast path declined (a debugging aid, off by default).
}  // namespace ebsd::io::fast
#include <cstdio>
#include <source_location>
namespace ebsd::io::fast {
inline void require(bool ok, std::source_location loc = std::source_location::current()) {
  if (!ok) {
    std::fprintf(stderr, "fast path declined at %s:%u\n", loc.file_name(), static_cast<unsigned>(loc.line()));
    decline();
  }
}
#else
inline void require(bool ok) {
  if (!ok) decline();
}
#endif

// The readers' per-block work (FastAng::process, FastCtf::process) is a run of per-column
// loops that the compiler vectorises; it is compiled twice, as is and for AVX-512 (x86-64 with
// GCC or clang), and the wide copy runs where the processor has AVX-512 F, BW, DQ and VL. The
// readers' files are compiled with -ffp-contract=off (io/CMakeLists.txt), so both copies make
// the same IEEE operations and give the same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define EBSD_FAST_WIDE 1
#include <immintrin.h>
#define EBSD_FAST_WIDE_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
inline bool wide_block_work() {
  static const bool wide = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                           __builtin_cpu_supports("avx512vl");
  return wide;
}
#else
#define EBSD_FAST_WIDE 0
inline bool wide_block_work() { return false; }
#endif

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// 0.5 / 10^k, as ColumnFormat::half_step computes it.
inline constexpr auto kHalfPow = [] {
  std::array<double, 23> t{};
  for (int k = 0; k < 23; ++k) t[static_cast<std::size_t>(k)] = 0.5 / text::kPow10[k];
  return t;
}();

// The shapes of a block's column of n numbers (info: text::TokenBlock's packed shapes, whose
// low two bytes are decimals and digits); numbers the reference scanner read must be finite.
inline void add_shapes(ColumnShapes& shapes, const std::uint32_t* info, const double* value, std::size_t n) {
  if (n == 0) return;
  std::uint32_t lo = ~0u, hi = 0, any = 0;  // per byte: the smallest and largest decimals, digits
  std::size_t head = 0;                       // numbers done four at a time
#if defined(__SSE2__)
  head = n & ~std::size_t{3};
  __m128i vlo = _mm_set1_epi8(-1), vhi = _mm_setzero_si128(), vany = _mm_setzero_si128();
  for (std::size_t k = 0; k < head; k += 4) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(info + k));
    vlo = _mm_min_epu8(vlo, x);
    vhi = _mm_max_epu8(vhi, x);
    vany = _mm_or_si128(vany, x);
  }
  alignas(16) std::uint32_t l[4], h[4], a[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(l), vlo);
  _mm_store_si128(reinterpret_cast<__m128i*>(h), vhi);
  _mm_store_si128(reinterpret_cast<__m128i*>(a), vany);
  for (int j = 0; j < 4; ++j) {
    lo = std::min(lo & 0xFF, l[j] & 0xFF) | std::min(lo & 0xFF00, l[j] & 0xFF00);
    hi = std::max(hi & 0xFF, h[j] & 0xFF) | std::max(hi & 0xFF00, h[j] & 0xFF00);
    any |= a[j];
  }
#endif
  for (const std::uint32_t* i = info + head; i != info + n; ++i) {
    lo = std::min(lo & 0xFF, *i & 0xFF) | std::min(lo & 0xFF00, *i & 0xFF00);
    hi = std::max(hi & 0xFF, *i & 0xFF) | std::max(hi & 0xFF00, *i & 0xFF00);
    any |= *i;
  }
  const bool plain = (any & text::TokenBlock::kSpecial) == 0;
  if (!plain)
    for (std::size_t r = 0; r < n; ++r) require((info[r] & text::TokenBlock::kSpecial) == 0 || std::isfinite(value[r]));
  shapes.add({static_cast<int>(lo & 0xFF), static_cast<int>(lo >> 8 & 0xFF), plain});
  shapes.add({static_cast<int>(hi & 0xFF), static_cast<int>(hi >> 8 & 0xFF), plain});
}

#if EBSD_FAST_WIDE
// GCC 12 warns of the undefined first operand some AVX-512 intrinsics start from (its own
// headers' _mm512_undefined_*), a false report.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// add_shapes with 512-bit registers, for the readers' AVX-512 copy of the block work (the one
// above keeps SSE2, the baseline; eleven columns took about 18 instructions a row there).
EBSD_FAST_WIDE_TARGET inline void add_shapes_wide(ColumnShapes& shapes, const std::uint32_t* info, const double* value, std::size_t n) {
  if (n == 0) return;
  __m512i vlo = _mm512_set1_epi8(-1), vhi = _mm512_setzero_si512(), vany = _mm512_setzero_si512();
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m512i x = _mm512_loadu_si512(info + k);
    vlo = _mm512_min_epu8(vlo, x);
    vhi = _mm512_max_epu8(vhi, x);
    vany = _mm512_or_si512(vany, x);
  }
  if (k < n) {  // the last numbers: lanes past n count as all ones (min) and zero (max, or)
    const auto m = static_cast<__mmask16>((1u << (n - k)) - 1);
    vlo = _mm512_min_epu8(vlo, _mm512_mask_loadu_epi32(_mm512_set1_epi8(-1), m, info + k));
    const __m512i x = _mm512_maskz_loadu_epi32(m, info + k);
    vhi = _mm512_max_epu8(vhi, x);
    vany = _mm512_or_si512(vany, x);
  }
  // Byte-wise over the sixteen 32-bit lanes: 256-bit halves, then 128-bit lanes, then 32-bit lanes folded.
  vlo = _mm512_min_epu8(vlo, _mm512_shuffle_i64x2(vlo, vlo, 0x4E));
  vlo = _mm512_min_epu8(vlo, _mm512_shuffle_i64x2(vlo, vlo, 0xB1));
  vhi = _mm512_max_epu8(vhi, _mm512_shuffle_i64x2(vhi, vhi, 0x4E));
  vhi = _mm512_max_epu8(vhi, _mm512_shuffle_i64x2(vhi, vhi, 0xB1));
  vany = _mm512_or_si512(vany, _mm512_shuffle_i64x2(vany, vany, 0x4E));
  vany = _mm512_or_si512(vany, _mm512_shuffle_i64x2(vany, vany, 0xB1));
  __m128i lo4 = _mm512_castsi512_si128(vlo), hi4 = _mm512_castsi512_si128(vhi), any4 = _mm512_castsi512_si128(vany);
  lo4 = _mm_min_epu8(lo4, _mm_shuffle_epi32(lo4, 0x4E));
  lo4 = _mm_min_epu8(lo4, _mm_shuffle_epi32(lo4, 0xB1));
  hi4 = _mm_max_epu8(hi4, _mm_shuffle_epi32(hi4, 0x4E));
  hi4 = _mm_max_epu8(hi4, _mm_shuffle_epi32(hi4, 0xB1));
  any4 = _mm_or_si128(any4, _mm_shuffle_epi32(any4, 0x4E));
  any4 = _mm_or_si128(any4, _mm_shuffle_epi32(any4, 0xB1));
  const auto lo = static_cast<std::uint32_t>(_mm_cvtsi128_si32(lo4)), hi = static_cast<std::uint32_t>(_mm_cvtsi128_si32(hi4));
  const auto any = static_cast<std::uint32_t>(_mm_cvtsi128_si32(any4));
  const bool plain = (any & text::TokenBlock::kSpecial) == 0;
  if (!plain)
    for (std::size_t r = 0; r < n; ++r) require((info[r] & text::TokenBlock::kSpecial) == 0 || std::isfinite(value[r]));
  shapes.add({static_cast<int>(lo & 0xFF), static_cast<int>(lo >> 8 & 0xFF), plain});
  shapes.add({static_cast<int>(hi & 0xFF), static_cast<int>(hi >> 8 & 0xFF), plain});
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

// std::llround(x), inline (the library call ran once per row).
inline long long round_half_away(double x) {
  if (!(std::fabs(x) < 4.5e15)) return std::llround(x);
  const auto t = static_cast<long long>(x);  // truncates; exact below 2^53
  const double f = x - static_cast<double>(t);  // exact
  return t + static_cast<long long>(f >= 0.5) - static_cast<long long>(f <= -0.5);
}

// kHalfStepAt[k] = 0.5 / 10^k for k <= 22 (kHalfPow), 0 for k = 23: a step no format has.
inline constexpr auto kHalfStepAt = [] {
  std::array<double, 24> t{};
  for (int k = 0; k < 23; ++k) t[static_cast<std::size_t>(k)] = kHalfPow[static_cast<std::size_t>(k)];
  return t;
}();

// certain[r] for the valid rows r < n of a block: the Euler angles the writer derives from the
// float32 quaternion quats[4 r ..] provably print as the tokens e1[r], e2[r], e3[r] (of packed
// shapes info1[r] ..; per_radian: the file's unit). A tighter test than the general path's
// euler_reproduction_certain (source_columns.cpp); euler_certificate.cpp says how and why.
// Angles of 1000 or more (neither radians nor degrees) are never certain.
void certify_euler(const double* e1, const double* e2, const double* e3, const std::uint32_t* info1, const std::uint32_t* info2,
                   const std::uint32_t* info3, const float* quats, const std::uint8_t* valid, std::size_t n, double per_radian,
                   std::uint8_t* certain);

// Rows in raster order, checked as they come: the first run of nx rows shares the first row's
// y and gives the x values; every later run repeats those x values with one y of its own
// (place_on_grid's raster_width, decided row by row).
class RasterCheck {
public:
  explicit RasterCheck(std::int64_t nx) : nx_(nx) { run_x_.reserve(static_cast<std::size_t>(nx)); }
  // Rows row0 .. row0 + n - 1 (0-based, in file order) with coordinates x[], y[].
  // Inlined always, so that the block work's AVX-512 copy compares eight rows at a time.
  [[gnu::always_inline]] inline void add(std::int64_t row0, const double* x, const double* y, std::size_t n) {
    std::size_t r = 0;
    for (; r < n && row0 + static_cast<std::int64_t>(r) < nx_; ++r) {
      if (row0 + static_cast<std::int64_t>(r) == 0) run_y_.push_back(y[r]);
      require(y[r] == run_y_[0]);
      run_x_.push_back(x[r]);
    }
    while (r < n) {
      if (column_ == nx_) column_ = 0;
      if (column_ == 0) {
        // raster_width stops at the first y that differs from the first row's.
        if (row0 + static_cast<std::int64_t>(r) == nx_) require(!(y[r] == run_y_[0]));
        run_y_.push_back(y[r]);
      }
      const std::size_t m = std::min(n - r, static_cast<std::size_t>(nx_ - column_));
      const double yr = run_y_.back();
      const double* rx = run_x_.data() + column_;
      unsigned bad = 0;
      for (std::size_t k = 0; k < m; ++k) bad |= static_cast<unsigned>(x[r + k] != rx[k]) | static_cast<unsigned>(y[r + k] != yr);
      require(bad == 0);
      column_ += static_cast<std::int64_t>(m);
      r += m;
    }
  }
  const std::vector<double>& run_x() const { return run_x_; }
  const std::vector<double>& run_y() const { return run_y_; }

private:
  std::int64_t nx_, column_ = 0;
  std::vector<double> run_x_, run_y_;
};

// Runs a fast reader. Any decline, error or failed allocation returns false, and the general
// reader then runs and gives the error with the file's line.
template <class Reader, class Options, class Result>
bool try_fast_reader(const std::filesystem::path& path, const Options& options, Result& result) {
  try {
    auto reader = std::make_unique<Reader>(path, options);
    Result r;
    reader->read(r);
    result = std::move(r);
    return true;
  } catch (const Decline&) {
    return false;
  } catch (const Error& e) {
#ifdef EBSD_FAST_DEBUG
    std::fprintf(stderr, "fast path declined: %s\n", e.what());
#else
    (void)e;
#endif
    return false;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace ebsd::io::fast
