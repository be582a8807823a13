#pragma once
// Shared by the test_rotations_*.cpp files: seeded uniform random rotations and a distance
// between rotations that does not care about the sign of a quaternion.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd::test {

constexpr double kPi = std::numbers::pi;
// Radius of the homochoric ball and half edge of the cubochoric cube (Rowenhorst et al. 2015,
// section 3.5-3.6): both solids have volume pi^2.
inline double ball_radius() { return std::cbrt(0.75 * kPi); }
inline double cube_half_edge() { return 0.5 * std::pow(kPi, 2.0 / 3.0); }

// Uniformly distributed unit quaternions (Shoemake 1992, "Uniform random rotations", Graphics
// Gems III), seeded so that every run sees the same rotations.
inline std::vector<Quat> random_rotations(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Quat> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u1 = u(rng), u2 = 2.0 * kPi * u(rng), u3 = 2.0 * kPi * u(rng);
    const double a = std::sqrt(1.0 - u1), b = std::sqrt(u1);
    out.push_back(Quat{b * std::cos(u3), a * std::sin(u2), a * std::cos(u2), b * std::sin(u3)}.positive());
  }
  return out;
}

// Distance between the rotations of two unit quaternions: q and -q are the same rotation.
inline double rotation_distance(const Quat& a, const Quat& b) {
  const double minus = std::sqrt((a.w - b.w) * (a.w - b.w) + (a.x - b.x) * (a.x - b.x) +
                                 (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z));
  const double plus = std::sqrt((a.w + b.w) * (a.w + b.w) + (a.x + b.x) * (a.x + b.x) +
                                (a.y + b.y) * (a.y + b.y) + (a.z + b.z) * (a.z + b.z));
  return std::min(minus, plus);
}

// Difference of two angles on the circle, in [0, pi].
inline double angle_difference(double a, double b) { return std::fabs(std::remainder(a - b, 2.0 * kPi)); }

}  // namespace ebsd::test
