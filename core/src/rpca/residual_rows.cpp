#include "residual_rows.hpp"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EBSD_RPCA_X86 1
#endif

namespace ebsd::rpca::detail {
namespace {

namespace portable {
struct Simd {
  using reg = double;
  static constexpr std::int64_t width = 1;
  static reg zero() { return 0.0; }
  static reg load(const double* p) { return *p; }
  static reg load_first(const double* base, std::int64_t offset, std::int64_t valid) {
    return valid > 0 ? base[offset] : 0.0;
  }
  static void store(double* p, reg v) { *p = v; }
  static reg set1(double v) { return v; }
  static reg fmadd(reg a, reg b, reg c) { return a * b + c; }
  static reg sub(reg a, reg b) { return a - b; }
  static reg min(reg a, reg b) { return a < b ? a : b; }
  static reg max(reg a, reg b) { return a > b ? a : b; }
  static double hsum(reg v) { return v; }
};
#define EBSD_SIMD_FN
#include "residual_rows_body.inc"
#undef EBSD_SIMD_FN
}  // namespace portable

#ifdef EBSD_RPCA_X86
namespace avx2 {
#define EBSD_SIMD_OP __attribute__((target("avx2,fma"), always_inline)) static inline
struct Simd {
  using reg = __m256d;
  static constexpr std::int64_t width = 4;
  EBSD_SIMD_OP reg zero() { return _mm256_setzero_pd(); }
  EBSD_SIMD_OP reg load(const double* p) { return _mm256_loadu_pd(p); }
  // The first `valid` lanes of base + offset, zeros after; reads nothing past them.
  EBSD_SIMD_OP reg load_first(const double* base, std::int64_t offset, std::int64_t valid) {
    if (valid >= width) return _mm256_loadu_pd(base + offset);
    if (valid <= 0) return _mm256_setzero_pd();
    const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(valid), _mm256_setr_epi64x(0, 1, 2, 3));
    return _mm256_maskload_pd(base + offset, mask);
  }
  EBSD_SIMD_OP void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
  EBSD_SIMD_OP reg set1(double v) { return _mm256_set1_pd(v); }
  EBSD_SIMD_OP reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
  EBSD_SIMD_OP reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
  EBSD_SIMD_OP reg min(reg a, reg b) { return _mm256_min_pd(a, b); }
  EBSD_SIMD_OP reg max(reg a, reg b) { return _mm256_max_pd(a, b); }
  EBSD_SIMD_OP double hsum(reg v) {
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
};
#undef EBSD_SIMD_OP
#define EBSD_SIMD_FN __attribute__((target("avx2,fma")))
#include "residual_rows_body.inc"
#undef EBSD_SIMD_FN
}  // namespace avx2

namespace avx512 {
#define EBSD_SIMD_OP __attribute__((target("avx512f"), always_inline)) static inline
struct Simd {
  using reg = __m512d;
  static constexpr std::int64_t width = 8;
  EBSD_SIMD_OP reg zero() { return _mm512_setzero_pd(); }
  EBSD_SIMD_OP reg load(const double* p) { return _mm512_loadu_pd(p); }
  EBSD_SIMD_OP reg load_first(const double* base, std::int64_t offset, std::int64_t valid) {
    if (valid >= width) return _mm512_loadu_pd(base + offset);
    if (valid <= 0) return _mm512_setzero_pd();
    return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << valid) - 1u), base + offset);
  }
  EBSD_SIMD_OP void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
  EBSD_SIMD_OP reg set1(double v) { return _mm512_set1_pd(v); }
  EBSD_SIMD_OP reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
  EBSD_SIMD_OP reg sub(reg a, reg b) { return _mm512_sub_pd(a, b); }
  // The masked forms with an explicit source: the unmasked ones (and _mm512_reduce_add_pd, _mm512_castpd512_pd256) pass
  // _mm512_undefined_pd(), which GCC 12 reports as maybe-uninitialized.
  EBSD_SIMD_OP reg min(reg a, reg b) { return _mm512_mask_min_pd(a, 0xFF, a, b); }
  EBSD_SIMD_OP reg max(reg a, reg b) { return _mm512_mask_max_pd(a, 0xFF, a, b); }
  EBSD_SIMD_OP double hsum(reg v) {
    const __m256d zero4 = _mm256_setzero_pd();
    const __m256d quad = _mm256_add_pd(_mm512_mask_extractf64x4_pd(zero4, 0xF, v, 0),
                                       _mm512_mask_extractf64x4_pd(zero4, 0xF, v, 1));
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(quad), _mm256_extractf128_pd(quad, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
};
#undef EBSD_SIMD_OP
#define EBSD_SIMD_FN __attribute__((target("avx512f")))
#include "residual_rows_body.inc"
#undef EBSD_SIMD_FN
}  // namespace avx512
#endif

}  // namespace

bool row_kernel_supported(RowKernel k) {
  switch (k) {
    case RowKernel::Portable:
      return true;
#ifdef EBSD_RPCA_X86
    case RowKernel::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case RowKernel::Avx512:
    case RowKernel::Avx512Blocked:
      return __builtin_cpu_supports("avx512f");
#else
    case RowKernel::Avx2:
    case RowKernel::Avx512:
    case RowKernel::Avx512Blocked:
      return false;
#endif
  }
  return false;
}

RowKernel best_row_kernel() {
  if (row_kernel_supported(RowKernel::Avx512)) return RowKernel::Avx512;
  if (row_kernel_supported(RowKernel::Avx2)) return RowKernel::Avx2;
  return RowKernel::Portable;
}

void residual_rows(RowKernel k, const RowPassInput& in, RowPassOutput& out, std::int64_t j_begin, std::int64_t j_end) {
  switch (k) {
#ifdef EBSD_RPCA_X86
    case RowKernel::Avx512:
    case RowKernel::Avx512Blocked:  // not dispatched here (see the enum); the row kernel is its equal
      avx512::rows(in, out, j_begin, j_end);
      return;
    case RowKernel::Avx2:
      avx2::rows(in, out, j_begin, j_end);
      return;
#else
    case RowKernel::Avx512:
    case RowKernel::Avx512Blocked:
    case RowKernel::Avx2:
#endif
    case RowKernel::Portable:
      portable::rows(in, out, j_begin, j_end);
      return;
  }
}

}  // namespace ebsd::rpca::detail
