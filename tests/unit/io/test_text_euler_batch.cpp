// Batched Euler -> float32 quaternion (io/src/euler_batch.hpp) against what
// Volume::set_orientation(i, quat_from_euler(e)) stores: bit-identical for random angles in and
// beyond the readers' ranges, for the special angles (0, pi, 2 pi, 4 pi markers, Phi = 0, near
// the quadrant boundaries of the reduction) and for non-finite or huge angles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "../../../io/src/euler_batch.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/volume/volume.hpp"

namespace {

constexpr double kPi = std::numbers::pi;

// What the volume stores for one triple.
void reference(double a, double b, double c, float* out) {
  ebsd::Volume v({1, 1, 1});
  v.set_orientation(0, ebsd::quat_from_euler({a, b, c}));
  std::memcpy(out, v.quaternion_data().data(), 16);
}

void expect_identical(const std::vector<double>& p1, const std::vector<double>& P, const std::vector<double>& p2) {
  std::vector<float> got(p1.size() * 4);
  ebsd::io::quats_from_euler(p1.data(), P.data(), p2.data(), p1.size(), got.data());
  std::size_t differing = 0;
  for (std::size_t k = 0; k < p1.size(); ++k) {
    float want[4];
    reference(p1[k], P[k], p2[k], want);
    if (std::memcmp(want, &got[4 * k], 16) != 0 && ++differing <= 5)
      ADD_FAILURE() << "angles " << p1[k] << " " << P[k] << " " << p2[k] << ": " << got[4 * k] << " " << got[4 * k + 1] << " "
                    << got[4 * k + 2] << " " << got[4 * k + 3] << " instead of " << want[0] << " " << want[1] << " " << want[2]
                    << " " << want[3];
  }
  EXPECT_EQ(differing, 0u) << "of " << p1.size();
}

TEST(TextEulerBatch, RandomAnglesAreBitIdentical) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> a, b, c;
  for (int i = 0; i < 2000000; ++i) {
    const int kind = i % 4;
    if (kind == 0) {  // .ang: radians with five decimals
      auto r5 = [](double x) { return std::round(x * 1e5) / 1e5; };
      a.push_back(r5(u(rng) * 2 * kPi));
      b.push_back(r5(std::acos(1 - 2 * u(rng))));
      c.push_back(r5(u(rng) * 2 * kPi));
    } else if (kind == 1) {  // .ctf: degrees with five digits, times pi / 180, maybe + 30 deg
      auto d5 = [](double x) { return x < 100 ? std::round(x * 1e3) / 1e3 : std::round(x * 1e2) / 1e2; };
      const double k = kPi / 180.0;
      a.push_back(d5(u(rng) * 360) * k);
      b.push_back(d5(u(rng) * 180) * k);
      c.push_back(d5(u(rng) * 360) * k + (i % 8 == 1 ? kPi / 6.0 : 0.0));
    } else {  // anything in a wide range, negative too
      a.push_back((u(rng) - 0.5) * 40);
      b.push_back((u(rng) - 0.5) * 40);
      c.push_back((u(rng) - 0.5) * 40);
    }
  }
  expect_identical(a, b, c);
}

TEST(TextEulerBatch, SpecialAnglesAreBitIdentical) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> specials = {0.0, -0.0, kPi, -kPi, 2 * kPi, 4 * kPi, 12.56637, kPi / 2, kPi / 4, 3 * kPi / 4, 1e-300, 1e-8,
                                  0.5, 1.0, 6.28318, 3.14159, 1.5707963267948966, 2.356194490192345, 1e5, -1e5, 999999.0,
                                  1e6, 1e7, 1e300, inf, -inf, nan, std::nextafter(kPi / 4, 0.0), std::nextafter(kPi / 4, 1.0)};
  std::vector<double> a, b, c;
  for (double x : specials)
    for (double y : specials)
      for (double z : specials) {
        a.push_back(x);
        b.push_back(y);
        c.push_back(z);
      }
  expect_identical(a, b, c);
  // Around the reduction's quadrant boundaries (odd multiples of pi / 4) in each argument.
  std::mt19937_64 rng(5);
  a.clear(), b.clear(), c.clear();
  for (int q = -12; q <= 12; ++q)
    for (int k = -200; k <= 200; ++k) {
      const double x = std::nextafter(q * kPi / 4, 0.0) + k * 1e-16 * (1 + std::abs(q));
      a.push_back(x), b.push_back(0.7), c.push_back(0.2);
      a.push_back(1.1), b.push_back(2 * x), c.push_back(0.3);
      a.push_back(x), b.push_back(1.3), c.push_back(-x);
    }
  expect_identical(a, b, c);
}

TEST(TextEulerBatch, SkippedRowsGetTheIdentity) {
  std::vector<double> a = {0.1, 12.56637, 0.3, 1.0}, b = {0.2, 12.56637, 0.4, 2.0}, c = {0.3, 12.56637, 0.5, 3.0};
  const std::vector<unsigned char> skip = {0, 1, 0, 1};
  std::vector<float> got(16, -7.0f);
  ebsd::io::quats_from_euler(a.data(), b.data(), c.data(), 4, got.data(), skip.data());
  for (std::size_t k = 0; k < 4; ++k) {
    float want[4] = {1.0f, 0.0f, 0.0f, 0.0f};
    if (!skip[k]) reference(a[k], b[k], c[k], want);
    EXPECT_EQ(std::memcmp(want, &got[4 * k], 16), 0) << k;
  }
}

}  // namespace
