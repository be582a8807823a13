#pragma once
// atan2 for IPF colouring, several times cheaper than libm's on this code's x86 machines (where
// atan2 was the largest single cost of an IPF colour), to within a few units in the last place.
// atan(a) for a in [0, 1] is atan(c) + atan(u) with c the nearest of 0, 1/8, ..., 1 (atan(c) from
// a table filled by std::atan) and u = (a - c) / (1 + a c), |u| <= 1/16, whose Taylor series
// u - u^3/3 + ... + u^9/9 leaves out less than |u|^11 / 11 < 5e-15. The octant of (x, y) gives the
// rest, as atan2 does: atan2(0, 0) = 0, signs of zero not kept (the colouring never needs them).
#include <array>
#include <cmath>
#include <numbers>

namespace ebsd::detail {

inline const std::array<double, 9>& atan_of_eighths() {
  static const std::array<double, 9> table = [] {
    std::array<double, 9> t{};
    for (int k = 0; k <= 8; ++k) t[static_cast<std::size_t>(k)] = std::atan(k / 8.0);
    return t;
  }();
  return table;
}

inline double table_atan2(double y, double x) {
  const double ax = std::fabs(x), ay = std::fabs(y);
  const double hi = ax > ay ? ax : ay, lo = ax > ay ? ay : ax;
  if (hi == 0.0) return 0.0;
  const double a = lo / hi;  // in [0, 1]
  const int k = static_cast<int>(a * 8.0 + 0.5);
  const double c = k / 8.0;
  const double u = (a - c) / (1.0 + a * c);
  const double u2 = u * u;
  const double series = u * (1.0 + u2 * (-1.0 / 3 + u2 * (1.0 / 5 + u2 * (-1.0 / 7 + u2 * (1.0 / 9)))));
  // Selects rather than branches: the octant of a voxel's direction is random.
  const double r0 = atan_of_eighths()[static_cast<std::size_t>(k)] + series;
  const double r1 = ay > ax ? std::numbers::pi / 2 - r0 : r0;
  const double r2 = x < 0.0 ? std::numbers::pi - r1 : r1;
  return y < 0.0 ? -r2 : r2;
}

}  // namespace ebsd::detail
