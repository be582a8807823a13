#pragma once
// atan2 inline and without library calls, within 1e-15 of libm's (private to io): for the fast
// text readers' Euler certificate (euler_certificate.cpp), which derives the angles a writer
// would print for the rows its error bound leaves open.
#include <array>
#include <cmath>
#include <numbers>

namespace ebsd::io::fast {

// The Taylor coefficients of atan: 1, -1/3, 1/5, ...
inline constexpr int kAtanTerms = 19;  // r, r^3 / 3, ..., r^37 / 37
inline constexpr auto kAtanCoef = [] {
  std::array<double, kAtanTerms> c{};
  for (int i = 0; i < kAtanTerms; ++i) c[static_cast<std::size_t>(i)] = (i % 2 ? -1.0 : 1.0) / (2 * i + 1);
  return c;
}();

// atan2(y, x) within 1e-15 of libm's (itself within one ulp of the true value): the ratio of
// the smaller to the larger magnitude in [0, 1], reduced to |r| <= tan(pi/8) by atan(t) =
// pi/4 + atan((t - 1) / (t + 1)), then the Taylor series of atan to r^37, whose remainder, an
// alternating series of falling terms, is below the first term left out, 0.4143^39 / 39 <
// 4e-17; the quadrant from the signs. NaN where x = y = 0. The certificate allows 1e-12 rad for
// it (tests/unit/io/test_text_euler_certificate.cpp measures the error).
inline double atan2_near(double y, double x) {
  constexpr double kPi = std::numbers::pi, kTanPi8 = 0.41421356237309503;  // tan(pi/8), rounded down
  const double ax = std::fabs(x), ay = std::fabs(y);
  const bool swap = ay > ax;
  const double t = (swap ? ax : ay) / (swap ? ay : ax);
  const bool big = t > kTanPi8;
  const double r = big ? (t - 1.0) / (t + 1.0) : t;
  const double z = r * r;
  double p = kAtanCoef[kAtanTerms - 1];
#pragma GCC unroll 20
  for (int i = kAtanTerms - 2; i >= 0; --i) p = p * z + kAtanCoef[static_cast<std::size_t>(i)];
  double a = r * p + (big ? kPi / 4 : 0.0);
  a = swap ? kPi / 2 - a : a;
  a = x < 0 ? kPi - a : a;
  return std::signbit(y) ? -a : a;
}

}  // namespace ebsd::io::fast
