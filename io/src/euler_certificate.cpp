// fast::certify_euler (text_fast_common.hpp): euler_reproduction_certain (source_columns.cpp)
// for a block of rows at once.
//
// The half steps are no larger than those of the column's final format, whichever of the two
// a column of same-shaped numbers ends up with (ColumnShapes::format): the token's decimals
// (Decimals), or its digit count less the integer digits of the value (Digits,
// ColumnFormat::half_step); the smaller of the two is the one at the larger decimal count
// (info: the tokens' packed shapes, text::TokenBlock). So a row certified here is certified
// by the general path too. Angles of 1000 or more (neither radians nor degrees) get a half
// step of 0: never certain.
//
// The arithmetic is euler_reproduction_certain's, operation for operation; the three
// comparisons need < step[j] are made as one, need < min(step[0], step[1], step[2]), which is
// the same for every value (the steps are never NaN), and that smallest step is the one at the
// largest decimal count: at = max(decimals, decimals by digits), 23 (a step of 0) for 23 or
// more or for an angle of 1000 or more, else at least 0 (decimals are never negative). The
// loops have no branches so that they vectorise; with GCC on x86-64 the function is also compiled for AVX-512 and AVX2 and picked
// at run time. This file is compiled with -ffp-contract=off (io/CMakeLists.txt): no fused
// multiply-add, so every clone computes the same bits.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "text_fast_common.hpp"

namespace ebsd::io::fast {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void certify_euler(const double* e1, const double* e2, const double* e3, const std::uint32_t* info1, const std::uint32_t* info2,
                   const std::uint32_t* info3, const float* quats, const std::uint8_t* valid, std::size_t n, double per_radian,
                   std::uint8_t* certain) {
  constexpr std::size_t kMax = 512;
  double need[kMax], step[kMax];
  int at_max[kMax];
  const double* const e[3] = {e1, e2, e3};
  const std::uint32_t* const info[3] = {info1, info2, info3};
  const double to_rad = 1.0 / per_radian;
  constexpr double kMargin = 1e-4, kTwoPi = 2.0 * std::numbers::pi;
  for (std::size_t start = 0; start < n; start += kMax) {
    const std::size_t m = n - start < kMax ? n - start : kMax;
    // The angle error float32 rounding can cause, times four, in the file's unit; infinite
    // where the quaternion is too close to Phi = 0 or pi for the bound.
    const float* const q = quats + 4 * start;
    for (std::size_t k = 0; k < m; ++k) {
      const double q0 = q[4 * k], q1 = q[4 * k + 1], q2 = q[4 * k + 2], q3 = q[4 * k + 3];
      const double c = std::sqrt(q0 * q0 + q3 * q3), s = std::sqrt(q1 * q1 + q2 * q2);
      const double err = 2.0e-7 * (1.0 / c + 1.0 / s) + 1e-12;
      need[k] = ((c > 1e-3) & (s > 1e-3)) ? 4.0 * err * per_radian : std::numeric_limits<double>::infinity();
    }
    // The smallest of the three half steps is the one at the largest decimal count
    // (kHalfStepAt decreases): one lookup a row.
    for (std::size_t k = 0; k < m; ++k) at_max[k] = 0;
    for (int j = 0; j < 3; ++j) {
      const double* v = e[j] + start;
      const std::uint32_t* in = info[j] + start;
      // Every valid row's token of the first valid row's shape, with one integer digit, and a
      // value below 10 (TSL's "0.85705"): at = the decimals for all valid rows (the others are
      // not certified at all). Tried on 32 rows at a time, so that a column of varied shapes
      // (Oxford's "306.08") soon goes row by row.
      const std::uint8_t* ok = valid + start;
      std::size_t first = 0;
      while (first < m && !ok[first]) ++first;
      const std::uint32_t shape = first < m ? in[first] & 0xFFFF : 0;
      const int dec0 = static_cast<int>(shape & 0xFF), dig0 = static_cast<int>(shape >> 8 & 0xFF);
      unsigned odd = static_cast<unsigned>(dig0 != dec0 + 1);
      for (std::size_t k0 = first; k0 < m && odd == 0; k0 += 32) {
        const std::size_t k1 = m - k0 < 32 ? m : k0 + 32;
        for (std::size_t k = k0; k < k1; ++k)
          odd |= static_cast<unsigned>(ok[k] != 0) & (static_cast<unsigned>((in[k] & 0xFFFF) != shape) | static_cast<unsigned>(!(std::fabs(v[k]) < 10.0)));
      }
      if (odd == 0) {
        const int at = dec0 > 23 ? 23 : dec0;
        for (std::size_t k = 0; k < m; ++k) at_max[k] = at_max[k] > at ? at_max[k] : at;
        continue;
      }
      for (std::size_t k = 0; k < m; ++k) {
        const double a = std::fabs(v[k]);
        const int dec = static_cast<int>(in[k] & 0xFF), dig = static_cast<int>(in[k] >> 8 & 0xFF);
        const int by_digits = dig - 1 - static_cast<int>(a >= 10.0) - static_cast<int>(a >= 100.0);
        int at = dec > by_digits ? dec : by_digits;
        at = ((at > 23) | !(a < 1000.0)) ? 23 : at;
        at_max[k] = at_max[k] > at ? at_max[k] : at;
      }
    }
    for (std::size_t k = 0; k < m; ++k) step[k] = kHalfStepAt[static_cast<std::size_t>(at_max[k])];
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t r = start + k;
      const double a1 = e1[r] * to_rad, a2 = e2[r] * to_rad, a3 = e3[r] * to_rad;
      const bool ok = (a1 > kMargin) & (a1 < kTwoPi - kMargin) & (a3 > kMargin) & (a3 < kTwoPi - kMargin) & (a2 > kMargin) &
                      (a2 < std::numbers::pi - kMargin) & (valid[r] != 0) & (need[k] < step[k]);
      certain[r] = static_cast<std::uint8_t>(ok);
    }
  }
}

}  // namespace ebsd::io::fast
