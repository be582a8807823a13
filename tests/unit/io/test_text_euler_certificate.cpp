// The fast text readers' Euler certificate (io/src/euler_certificate.cpp, fast::certify_euler)
// and its atan2 (io/src/atan2_near.hpp). A certified row must print back exactly as the writer
// derives it (euler_from_quat of the stored float32 quaternion, in the file's unit, printed in
// the column's format): checked on random triples in TSL's and Oxford's formats, with many
// triples near Phi = 0 and pi (where the a-priori error bound fails and the derived angles
// decide) and near the 10 and 100 degree boundaries of Oxford's digit counts.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "../../../io/src/atan2_near.hpp"
#include "../../../io/src/column_format.hpp"
#include "../../../io/src/text_fast_common.hpp"
#include "../../../io/src/text_rows.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/volume/volume.hpp"

namespace {

constexpr double kPi = std::numbers::pi;
using ebsd::io::ColumnFormat;

TEST(Atan2Near, WithinOneEminus15OfLibm) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0), e(-30.0, 30.0);
  double worst = 0;
  auto check = [&](double y, double x) {
    const double d = std::fabs(ebsd::io::fast::atan2_near(y, x) - std::atan2(y, x));
    worst = std::max(worst, d);
  };
  for (int i = 0; i < 2000000; ++i) check(u(rng), u(rng));
  // Magnitudes far apart, and ratios near the reduction's switch (tan(pi/8)) and near 1.
  for (int i = 0; i < 500000; ++i) check(u(rng) * std::pow(10.0, e(rng)), u(rng) * std::pow(10.0, e(rng)));
  for (int i = 0; i < 500000; ++i) {
    const double x = u(rng), t = 0.41421356237309503 * (1 + 1e-6 * u(rng));
    check(x * t, x);
    check(x, x * t);
    check(x * (1 + 1e-9 * u(rng)), -x);
  }
  for (double y : {0.0, -0.0, 1.0, -1.0})
    for (double x : {1.0, -1.0, 0.5, -2.0}) check(y, x);
  EXPECT_LT(worst, 1e-15);
}

// The text a writer prints for v in format f, the value read back from it, and its packed
// shape as the scanners give it (decimals, digits, scale).
struct Token {
  double value;
  std::uint32_t info;
};
Token token(double v, const ColumnFormat& f) {
  char buf[64];
  const int len = f.print(v, buf);
  Token t{};
  std::from_chars(buf, buf + len, t.value);
  int digits = 0, decimals = 0;
  bool after = false;
  for (int i = 0; i < len; ++i) {
    if (buf[i] == '.') after = true;
    if (buf[i] >= '0' && buf[i] <= '9') {
      ++digits;
      decimals += after;
    }
  }
  t.info = ebsd::io::text::TokenBlock::pack(static_cast<unsigned>(decimals), static_cast<unsigned>(digits), static_cast<unsigned>(decimals),
                                            t.value < 0, false);
  return t;
}

// Certifies n random triples (angles in radians drawn by `draw`, written in format f in the
// unit per_radian) and checks every certified row against the writer's derivation; returns
// the share certified.
template <class Draw>
double certified_rows_print_back(const ColumnFormat& f, double per_radian, int n, Draw draw, std::mt19937_64& rng) {
  std::vector<double> e[3];
  std::vector<std::uint32_t> info[3];
  std::vector<float> quats(static_cast<std::size_t>(n) * 4);
  ebsd::Volume v({n, 1, 1});
  for (int i = 0; i < n; ++i) {
    double a[3];
    draw(a, rng);
    for (int k = 0; k < 3; ++k) {
      const Token t = token(a[k] * per_radian, f);
      e[k].push_back(t.value);
      info[k].push_back(t.info);
    }
    // The reader's quaternion: from the angles read, in radians.
    v.set_orientation(i, ebsd::quat_from_euler({e[0].back() / per_radian, e[1].back() / per_radian, e[2].back() / per_radian}));
  }
  std::memcpy(quats.data(), v.quaternion_data().data(), quats.size() * sizeof(float));
  const std::vector<std::uint8_t> valid(static_cast<std::size_t>(n), 1);
  std::vector<std::uint8_t> certain(static_cast<std::size_t>(n), 0);
  ebsd::io::fast::certify_euler(e[0].data(), e[1].data(), e[2].data(), info[0].data(), info[1].data(), info[2].data(), quats.data(),
                                valid.data(), static_cast<std::size_t>(n), per_radian, certain.data());
  int count = 0;
  for (int i = 0; i < n; ++i) {
    if (!certain[static_cast<std::size_t>(i)]) continue;
    ++count;
    // EulerOutput::at for a valid voxel without kept angles.
    const ebsd::Euler d = ebsd::euler_from_quat(v.orientation(i));
    const double derived[3] = {d.phi1 * per_radian, d.Phi * per_radian, d.phi2 * per_radian};
    for (int k = 0; k < 3; ++k)
      EXPECT_TRUE(f.reproduces(derived[k], e[k][static_cast<std::size_t>(i)]))
          << "row " << i << " angle " << k << ": token " << e[k][static_cast<std::size_t>(i)] << ", derived " << derived[k];
  }
  return static_cast<double>(count) / n;
}

// The certificate's error bound: euler_from_quat of the float32 quaternion lies within
// sqrt(2)(2u + u^2) < 1.69e-7 rad (u = 2^-24) of the angles the quaternion was made from, for
// any Phi with cos(Phi/2) sin(Phi/2) > 1e-4.
TEST(CertifyEuler, DerivedAnglesLieWithinTheBound) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double worst = 0;
  for (int i = 0; i < 400000; ++i) {
    const double Phi = i % 4 == 0 ? std::acos(1 - 2 * u(rng)) : i % 4 == 1 ? 2.1e-4 + u(rng) * 0.01 : i % 4 == 2 ? kPi - 2.1e-4 - u(rng) * 0.01 : u(rng) * kPi;
    const double a[3] = {u(rng) * 2 * kPi, Phi, u(rng) * 2 * kPi};
    ebsd::Volume v({1, 1, 1});
    v.set_orientation(0, ebsd::quat_from_euler({a[0], a[1], a[2]}));
    const double c = std::cos(Phi / 2), s = std::sin(Phi / 2);
    if (!(c * s > 1e-4)) continue;
    const ebsd::Euler d = ebsd::euler_from_quat(v.orientation(0));
    const double got[3] = {d.phi1, d.Phi, d.phi2};
    for (int k = 0; k < 3; ++k) worst = std::max(worst, std::fabs(std::remainder(got[k] - a[k], 2 * kPi)));
  }
  EXPECT_LT(worst, 1.69e-7);
}

TEST(CertifyEuler, CertifiedRowsPrintBackAsTheWriterDerivesThem) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double deg = 180.0 / kPi;
  // Random orientations (uniform in cos Phi), and Phi within a few degrees of 0 or pi.
  auto uniform = [&](double* a, std::mt19937_64& g) {
    a[0] = u(g) * 2 * kPi;
    a[1] = std::acos(1 - 2 * u(g));
    a[2] = u(g) * 2 * kPi;
  };
  auto polar = [&](double* a, std::mt19937_64& g) {
    a[0] = u(g) * 2 * kPi;
    a[1] = u(g) < 0.5 ? u(g) * 0.05 : kPi - u(g) * 0.05;
    a[2] = u(g) * 2 * kPi;
  };
  // Oxford's digit counts change at 10 and 100 degrees: angles just around them.
  auto decades = [&](double* a, std::mt19937_64& g) {
    auto near = [&](double at) { return (at + (u(g) - 0.5) * 2e-3) / deg; };
    a[0] = near(u(g) < 0.5 ? 10.0 : 100.0);
    a[1] = u(g) < 0.7 ? u(g) * 0.05 : near(u(g) < 0.5 ? 10.0 : 100.0);
    a[2] = near(u(g) < 0.5 ? 10.0 : 100.0);
  };
  const double tsl = certified_rows_print_back(ColumnFormat::decimals(5), 1.0, 20000, uniform, rng);
  const double oxford = certified_rows_print_back(ColumnFormat::digits(5), deg, 20000, uniform, rng);
  certified_rows_print_back(ColumnFormat::decimals(5), 1.0, 20000, polar, rng);
  certified_rows_print_back(ColumnFormat::digits(5), deg, 20000, polar, rng);
  certified_rows_print_back(ColumnFormat::decimals(3), deg, 20000, polar, rng);
  certified_rows_print_back(ColumnFormat::digits(5), deg, 20000, decades, rng);
  certified_rows_print_back(ColumnFormat::digits(6), deg, 20000, decades, rng);
  // More decimals than the error bound takes: every row is decided by the derived angles.
  const double six = certified_rows_print_back(ColumnFormat::decimals(6), 1.0, 20000, uniform, rng);
  certified_rows_print_back(ColumnFormat::decimals(6), 1.0, 20000, polar, rng);
  certified_rows_print_back(ColumnFormat::digits(7), deg, 20000, polar, rng);
  EXPECT_GT(six, 0.9);
  // TSL's and Oxford's formats: every row inside the ranges is certain (none is derived at the
  // end of a read).
  EXPECT_GT(tsl, 0.999);
  EXPECT_GT(oxford, 0.999);
}

}  // namespace
