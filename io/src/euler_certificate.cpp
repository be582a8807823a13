// fast::certify_euler (text_fast_common.hpp): for a block of rows, whether the Euler angles the
// writer derives from the stored float32 quaternion (EulerOutput::at: euler_from_quat, in the
// file's unit) provably print as the file's tokens, so that they need not be derived at the
// end of the read. Only rows whose tokens lie inside euler_from_quat's ranges with a margin of
// 1e-4 rad (phi1, phi2 in (0, 2 pi), Phi in (0, pi)) qualify, so that its wrapping into
// [0, 2 pi) does not move them. Two tests, the second only for the rows the first leaves open.
//
// 1. An error bound. The reader's quaternion is quat_from_euler of the token angles (in
//    double, within 1e-15 of exact) rounded to float32: each component with a relative error
//    of at most u = 2^-24. euler_from_quat takes phi1 as the angle of the vector (A, B) =
//    (-w y + x z, -w x - y z) (phi2 likewise with (w y + x z, -w x + y z)), whose length is
//    exactly sqrt((w^2 + z^2)(x^2 + y^2)) = c s (c, s = cos, sin of Phi / 2). Relative errors
//    of u in w, x, y, z move A by at most (2u + u^2)(|w y| + |x z|) <= (2u + u^2) c s (Cauchy-
//    Schwarz), B likewise, so the angle by at most sqrt(2)(2u + u^2) < 1.69e-7 rad whatever
//    Phi is; Phi, twice the angle of (s, c), moves by at most 2u. The double arithmetic adds
//    below 5e-15 / (c s) rad, and the margin on Phi keeps c s = sin(Phi) / 2 above 4.9e-5. So
//    each derived angle lies within kBound = 2e-7 rad of its token (the test file measures
//    below 1e-7), and an angle prints back where 4 kBound, in the file's unit, is below the
//    half step of its format. (The general path's euler_reproduction_certain bounds the same
//    error by absolute errors of u per component, 2e-7 (1/c + 1/s), which leaves about 7 % of
//    random orientations, those near Phi = 0 or pi, to be derived.)
// 2. For the rows left open (tokens with more decimals or digits than test 1 takes): the
//    angles derived as euler_from_quat derives them, with atan2_near (atan2_near.hpp, within
//    1e-15 of libm's atan2), each within its own half step of the token less 1e-12 rad, with a
//    margin of 1e-4 of a step for the rounding of the printing.
//
// The half steps: no larger than those of the column's final format, whichever of the two a
// column of same-shaped numbers ends up with (ColumnShapes::format): the token's decimals
// (Decimals), or its digit count less the integer digits of the value (Digits,
// ColumnFormat::half_step), the latter with one decimal more for a value of exactly 10 or 100
// (a Digits format prints 9.99994 as "9.9999", not "10.000"); the smaller of the two is the one
// at the larger decimal count `at` (info: the tokens' packed shapes, text::TokenBlock). Test 1
// takes tokens of at most `most` decimals and `most` + 1 digits, whose `at` is at most `most`,
// the largest count whose half step exceeds the bound: TSL's "0.85705" in radians, Oxford's
// "306.08", "47.799", "1.2345" in degrees. The row loop has no branches so that it vectorises;
// with GCC on x86-64 the function is also compiled for AVX-512 and AVX2 and picked at run time
// (this file is compiled with -ffp-contract=off, io/CMakeLists.txt).
// tests/unit/io/test_text_euler_certificate.cpp checks certified rows against the writer's
// derivation, and the bound of test 1 on random orientations.
#include <cmath>
#include <cstdint>
#include <numbers>

#include "atan2_near.hpp"
#include "text_fast_common.hpp"

namespace ebsd::io::fast {

namespace {

constexpr double kBound = 2e-7;  // radians: test 1's bound on the derived angles' error

// The decimal count whose half step bounds how far an angle may move and still print as the
// token did (certify_euler's `at`, per angle), or -1: none.
inline int print_decimals(double v, std::uint32_t info) {
  const double a = std::fabs(v);
  const int dec = static_cast<int>(info & 0xFF), dig = static_cast<int>(info >> 8 & 0xFF);
  // A Digits format prints a value just below 10 or 100 with one decimal more: "10.000" is
  // left by 9.99994, which prints as "9.9999".
  const int by_digits = dig - 1 - static_cast<int>(a > 10.0) - static_cast<int>(a > 100.0);
  const int at = dec > by_digits ? dec : by_digits;
  return ((at > 15) | !(a < 1000.0)) ? -1 : at;
}

// Test 2 for one row (the caller has checked that the tokens lie inside euler_from_quat's
// ranges, away from 0, pi and 2 pi, so that its wrapping into [0, 2 pi) adds 2 pi exactly
// where atan2_near's result is negative too).
inline bool derived_prints_back(const float* qf, double e1, double e2, double e3, std::uint32_t info1, std::uint32_t info2,
                                std::uint32_t info3, double per_radian) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  const double flip = qf[0] < 0 ? -1.0 : 1.0;  // Quat::positive()
  const double w = flip * qf[0], x = flip * qf[1], y = flip * qf[2], z = flip * qf[3];
  const double q03 = w * w + z * z, q12 = x * x + y * y;
  const double chi = std::sqrt(q03 * q12);
  if (!(chi > 1e-6)) return false;  // euler_from_quat's degenerate cases are near chi = 0
  const double Phi = atan2_near(2.0 * chi, q03 - q12);
  double phi1 = atan2_near((-w * y + x * z) / chi, (-w * x - y * z) / chi);
  double phi2 = atan2_near((w * y + x * z) / chi, (-w * x + y * z) / chi);
  phi1 = phi1 < 0 ? phi1 + kTwoPi : phi1;
  phi2 = phi2 < 0 ? phi2 + kTwoPi : phi2;
  const double derived[3] = {phi1 * per_radian, Phi * per_radian, phi2 * per_radian};
  const double token[3] = {e1, e2, e3};
  const std::uint32_t info[3] = {info1, info2, info3};
  const double slack = 1e-12 * per_radian;
  bool ok = true;
  for (int k = 0; k < 3; ++k) {
    const int at = print_decimals(token[k], info[k]);
    const double scale = text::kPow10[at < 0 ? 0 : at];
    ok &= (at >= 0) & ((std::fabs(derived[k] - token[k]) + slack) * scale < 0.5 - 1e-4);
  }
  return ok;
}

}  // namespace

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void certify_euler(const double* e1, const double* e2, const double* e3, const std::uint32_t* info1, const std::uint32_t* info2,
                   const std::uint32_t* info3, const float* quats, const std::uint8_t* valid, std::size_t n, double per_radian,
                   std::uint8_t* certain) {
  const double to_rad = 1.0 / per_radian;
  constexpr double kMargin = 1e-4, kTwoPi = 2.0 * std::numbers::pi;
  // Test 1 holds for every angle whose token has at most `most` decimals and at most `most` + 1
  // digits: then at <= most (by_digits + 1 <= digits - 1 for a value of 10 or 100).
  std::uint32_t most = 0;
  while (most < 22 && 4.0 * kBound * per_radian < kHalfStepAt[most + 1]) ++most;
  constexpr std::size_t kMax = 512;
  std::uint8_t open[kMax];
  std::uint16_t open_row[kMax];
  for (std::size_t start = 0; start < n; start += kMax) {
    const std::size_t m = n - start < kMax ? n - start : kMax;
    unsigned any_open = 0;
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t r = start + k;
      const double a1 = e1[r] * to_rad, a2 = e2[r] * to_rad, a3 = e3[r] * to_rad;
      const bool inside = (a1 > kMargin) & (a1 < kTwoPi - kMargin) & (a3 > kMargin) & (a3 < kTwoPi - kMargin) & (a2 > kMargin) &
                          (a2 < std::numbers::pi - kMargin) & (valid[r] != 0);
      const bool short_tokens = ((info1[r] & 0xFF) <= most) & ((info1[r] >> 8 & 0xFF) <= most + 1) & ((info2[r] & 0xFF) <= most) &
                                ((info2[r] >> 8 & 0xFF) <= most + 1) & ((info3[r] & 0xFF) <= most) & ((info3[r] >> 8 & 0xFF) <= most + 1);
      certain[r] = static_cast<std::uint8_t>(inside & short_tokens);
      open[k] = static_cast<std::uint8_t>(inside & !short_tokens);
      any_open |= open[k];
    }
    if (!any_open) continue;
    std::size_t n_open = 0;
    for (std::size_t k = 0; k < m; ++k) {
      open_row[n_open] = static_cast<std::uint16_t>(k);
      n_open += open[k];
    }
    for (std::size_t j = 0; j < n_open; ++j) {
      const std::size_t r = start + open_row[j];
      certain[r] = static_cast<std::uint8_t>(derived_prints_back(quats + 4 * r, e1[r], e2[r], e3[r], info1[r], info2[r], info3[r], per_radian));
    }
  }
}

}  // namespace ebsd::io::fast
