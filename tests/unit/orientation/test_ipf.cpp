// IPF colouring and its key. Corner colours are pure by construction of the TSL-style key;
// interior values are computed by hand from the EbsdLib formula quoted in ipf_color.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ipf_color_reference.hpp"

namespace {

using ebsd::LaueGroup;
using ebsd::Quat;
using Rgb = std::array<std::uint8_t, 3>;

constexpr double kDeg = M_PI / 180.0;
const Eigen::Vector3d kZ(0, 0, 1);

Quat euler_deg(double phi1, double Phi, double phi2) {
  return ebsd::quat_from_euler({phi1 * kDeg, Phi * kDeg, phi2 * kDeg});
}

Quat random_quat(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  return Quat{n(rng), n(rng), n(rng), n(rng)}.normalized().positive();
}

Quat axis_angle_deg(const Eigen::Vector3d& axis, double deg) {
  const Eigen::Vector3d n = axis.normalized();
  const double h = 0.5 * deg * kDeg;
  return Quat{std::cos(h), std::sin(h) * n.x(), std::sin(h) * n.y(), std::sin(h) * n.z()}.positive();
}

// With Bunge angles the crystal direction along sample Z is the third column of the passive
// matrix, (sin phi2 sin Phi, cos phi2 sin Phi, cos Phi): Phi and phi2 place any direction on Z.
TEST(IpfColor, CubicCornersAlongZAreRedGreenBlue) {
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), kZ, LaueGroup::CubicHigh), (Rgb{255, 0, 0}));            // [001]
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 45, 90), kZ, LaueGroup::CubicHigh), (Rgb{0, 255, 0}));       // [101]
  const double phi_111 = std::acos(1.0 / std::sqrt(3.0)) / kDeg;
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, phi_111, 45), kZ, LaueGroup::CubicHigh), (Rgb{0, 0, 255}));  // [111]
}

TEST(IpfColor, CubicEquivalentDirectionsShareTheCornerColours) {
  // [100] and [010] are <001>, [011] and [-110] are <110>, [-1-11] is <111>.
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 90, 90), kZ, LaueGroup::CubicHigh), (Rgb{255, 0, 0}));
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), Eigen::Vector3d(0, 1, 0), LaueGroup::CubicHigh), (Rgb{255, 0, 0}));
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 45, 0), kZ, LaueGroup::CubicHigh), (Rgb{0, 255, 0}));
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), Eigen::Vector3d(-1, 1, 0), LaueGroup::CubicHigh), (Rgb{0, 255, 0}));
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), Eigen::Vector3d(-1, -1, 1), LaueGroup::CubicHigh), (Rgb{0, 0, 255}));
}

TEST(IpfColor, CubicInteriorValuesFollowTheTslFormula) {
  // [102]: chi = atan(1/2) = 26.565 deg, eta = 0, chi_max = 45 deg, f = 0.59034:
  //   (sqrt(1-f), sqrt(f), 0) / sqrt(f) = (0.83303, 1, 0) -> (212, 255, 0).
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), Eigen::Vector3d(1, 0, 2), LaueGroup::CubicHigh), (Rgb{212, 255, 0}));
  // [112]: chi = atan(sqrt2/2) = 35.264 deg, eta = 45 deg (t = 1), chi_max = 54.736 deg, f = 0.64427:
  //   (sqrt(1-f), 0, sqrt(f)) / sqrt(f) = (0.74306, 0, 1) -> (189, 0, 255).
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), Eigen::Vector3d(1, 1, 2), LaueGroup::CubicHigh), (Rgb{189, 0, 255}));
}

TEST(IpfColor, HexagonalCornersAlongZAreRedGreenBlue) {
  // a1 along x: [0001] = z, [2-1-10] = x, [10-10] at 30 degrees from x.
  EXPECT_EQ(ebsd::ipf_color(Quat::identity(), kZ, LaueGroup::HexagonalHigh), (Rgb{255, 0, 0}));
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 90, 90), kZ, LaueGroup::HexagonalHigh), (Rgb{0, 255, 0}));
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 90, 60), kZ, LaueGroup::HexagonalHigh), (Rgb{0, 0, 255}));
  // [-12-10] (120 deg) is another <2-1-10>; [01-10] (90 deg) another <10-10>.
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 90, -30), kZ, LaueGroup::HexagonalHigh), (Rgb{0, 255, 0}));
  EXPECT_EQ(ebsd::ipf_color(euler_deg(0, 90, 0), kZ, LaueGroup::HexagonalHigh), (Rgb{0, 0, 255}));
}

TEST(IpfColor, EveryGroupColoursItsSectorCornersPureRedGreenBlue) {
  const Rgb pure[3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto corners = ebsd::ipf_sector_corners(g);
    for (int k = 0; k < 3; ++k) {
      EXPECT_TRUE(ebsd::in_ipf_sector(corners[k].direction, g)) << ebsd::laue_symbol(g) << " " << corners[k].label;
      const Eigen::Vector3d c = ebsd::ipf_color_of_direction(corners[k].direction, g);
      for (int ch = 0; ch < 3; ++ch)
        EXPECT_NEAR(c[ch] * 255.0, pure[k][ch], 0.5) << ebsd::laue_symbol(g) << " " << corners[k].label;
    }
  }
}

TEST(IpfColor, ColourIsTheSameForEverySymmetryEquivalentAndForOppositeSampleDirections) {
  std::mt19937_64 rng(1);
  for (LaueGroup g : ebsd::all_laue_groups())
    for (int i = 0; i < 20; ++i) {
      const Quat q = random_quat(rng);
      const Eigen::Vector3d d = Eigen::Vector3d(random_quat(rng).vec()).normalized();
      const Rgb ref = ebsd::ipf_color(q, d, g);
      for (const Quat& s : ebsd::symmetry_operators(g)) EXPECT_EQ(ebsd::ipf_color(s * q, d, g), ref) << ebsd::laue_symbol(g);
      EXPECT_EQ(ebsd::ipf_color(q, -d, g), ref) << ebsd::laue_symbol(g);
    }
}

TEST(IpfDirection, IsAnEquivalentOfTheCrystalDirectionInsideTheSector) {
  std::mt19937_64 rng(2);
  for (LaueGroup g : ebsd::all_laue_groups())
    for (int i = 0; i < 50; ++i) {
      const Quat q = random_quat(rng);
      const Eigen::Vector3d v = ebsd::matrix_from_quat(q) * kZ;
      const Eigen::Vector3d r = ebsd::ipf_direction(q, kZ, g);
      EXPECT_TRUE(ebsd::in_ipf_sector(r, g, 1e-12)) << ebsd::laue_symbol(g);
      bool equivalent = false;
      for (const Quat& s : ebsd::symmetry_operators(g)) {
        const Eigen::Vector3d u = ebsd::matrix_from_quat(s) * v;
        equivalent = equivalent || (u - r).norm() < 1e-12 || (u + r).norm() < 1e-12;
      }
      EXPECT_TRUE(equivalent) << ebsd::laue_symbol(g);
    }
}

// A direction equivalent to v under g (+-R_s v for some operator s).
bool is_equivalent(const Eigen::Vector3d& v, const Eigen::Vector3d& r, LaueGroup g) {
  for (const Quat& s : ebsd::symmetry_operators(g)) {
    const Eigen::Vector3d u = ebsd::matrix_from_quat(s) * v;
    if ((u - r).norm() < 1e-12 || (u + r).norm() < 1e-12) return true;
  }
  return false;
}

// The closed-form reduction against the definition (every operator tried): random directions
// have one equivalent in the sector, which both must find; on the special directions (sector
// corners and edges, axes, the equator) several may qualify, and any of them must lie in the
// sector and be an equivalent.
TEST(IpfSector, ClosedFormReductionAgreesWithTheOperatorLoop) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> n;
  for (LaueGroup g : ebsd::all_laue_groups()) {
    for (int i = 0; i < 20000; ++i) {
      const Eigen::Vector3d v = Eigen::Vector3d(n(rng), n(rng), n(rng)).normalized();
      const Eigen::Vector3d fast = ebsd::reduce_to_ipf_sector(v, g);
      const Eigen::Vector3d ref = ebsd::reduce_to_ipf_sector_by_operators(v, g);
      ASSERT_LT((fast - ref).norm(), 1e-12) << ebsd::laue_symbol(g) << " at " << v.transpose();
    }
    std::vector<Eigen::Vector3d> special;
    for (int x = -2; x <= 2; ++x)
      for (int y = -2; y <= 2; ++y)
        for (int z = -2; z <= 2; ++z)
          if (x || y || z) special.push_back(Eigen::Vector3d(x, y, z).normalized());
    for (int deg = 0; deg < 360; deg += 15)  // the equator and a circle of latitude, every 15 degrees
      for (double z : {0.0, 0.5}) special.push_back(Eigen::Vector3d(std::cos(deg * kDeg), std::sin(deg * kDeg), z).normalized());
    for (const Eigen::Vector3d& v : special) {
      const Eigen::Vector3d r = ebsd::reduce_to_ipf_sector(v, g);
      EXPECT_TRUE(ebsd::in_ipf_sector(r, g, 1e-12)) << ebsd::laue_symbol(g) << " at " << v.transpose();
      EXPECT_TRUE(is_equivalent(v, r, g)) << ebsd::laue_symbol(g) << " at " << v.transpose();
      EXPECT_NEAR(r.norm(), 1.0, 1e-12);
    }
  }
}

// ipf_color (closed-form reduction, chi_max from the coordinates) against the colour as it was
// computed before (tests/support/ipf_color_reference.hpp): within one step of 255 per channel on
// random orientations and sample directions, for every Laue group.
TEST(IpfColor, MatchesTheOperatorLoopColourWithinOneStep) {
  std::mt19937_64 rng(12);
  for (LaueGroup g : ebsd::all_laue_groups()) {
    int largest = 0, differing = 0;
    for (int i = 0; i < 20000; ++i) {
      const Quat q = random_quat(rng);
      const Eigen::Vector3d d = i % 3 == 0 ? kZ : Eigen::Vector3d(random_quat(rng).vec()).normalized();
      const Rgb fast = ebsd::ipf_color(q, d, g), ref = ebsd::test::ipf_color_reference(q, d, g);
      int diff = 0;
      for (int c = 0; c < 3; ++c) diff = std::max(diff, std::abs(int(fast[c]) - int(ref[c])));
      largest = std::max(largest, diff);
      differing += diff > 0;
    }
    EXPECT_LE(largest, 1) << ebsd::laue_symbol(g);
    EXPECT_LT(differing, 200) << ebsd::laue_symbol(g);  // rounding ties only, not a shifted key
  }
}

// The batch (single precision, near edges handed to ipf_color) against ipf_color: random
// orientations, and orientations that put sector corners and edges along the sample direction.
TEST(IpfColor, BatchColoursMatchIpfColorWithinOneStep) {
  std::mt19937_64 rng(13);
  std::vector<Quat> qs;
  for (int i = 0; i < 20000; ++i) qs.push_back(random_quat(rng));
  for (double phi1 : {0.0, 30.0, 45.0})
    for (double Phi = 0; Phi <= 180; Phi += 15)
      for (double phi2 = 0; phi2 < 360; phi2 += 15) qs.push_back(euler_deg(phi1, Phi, phi2));
  std::vector<float> flat;
  for (const Quat& q : qs)
    for (double c : {q.w, q.x, q.y, q.z}) flat.push_back(static_cast<float>(c));
  for (const Eigen::Vector3d& d : {kZ, Eigen::Vector3d(1, 0, 0), Eigen::Vector3d(1, 2, 3)})
    for (LaueGroup g : ebsd::all_laue_groups()) {
      std::vector<std::uint8_t> rgb(3 * qs.size());
      ebsd::ipf_colors(flat.data(), qs.size(), d, g, rgb.data());
      int largest = 0, differing = 0;
      for (std::size_t i = 0; i < qs.size(); ++i) {
        const Quat qf{flat[4 * i], flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3]};  // what the batch saw
        const Rgb ref = ebsd::ipf_color(qf, d, g);
        int diff = 0;
        for (int c = 0; c < 3; ++c) diff = std::max(diff, std::abs(int(rgb[3 * i + c]) - int(ref[c])));
        largest = std::max(largest, diff);
        differing += diff > 0;
      }
      EXPECT_LE(largest, 1) << ebsd::laue_symbol(g) << " along " << d.transpose();
      EXPECT_LT(differing, int(qs.size() / 50)) << ebsd::laue_symbol(g) << " along " << d.transpose();
    }
}

TEST(IpfColor, SmallRotationsAwayFromSectorEdgesGiveSmallColourChanges) {
  std::mt19937_64 rng(4);
  for (LaueGroup g : ebsd::all_laue_groups()) {
    int checked = 0;
    for (int i = 0; i < 4000 && checked < 200; ++i) {
      const Quat q = random_quat(rng);
      const Eigen::Vector3d v = ebsd::ipf_direction(q, kZ, g);
      // Keep directions at least ~1 degree inside the sector: every 1-degree tilt stays inside.
      bool interior = true;
      for (const Eigen::Vector3d& axis : {Eigen::Vector3d(1, 0, 0), Eigen::Vector3d(0, 1, 0), Eigen::Vector3d(0, 0, 1),
                                         Eigen::Vector3d(1, 1, 0), Eigen::Vector3d(1, -1, 0)})
        for (double sign : {1.0, -1.0})
          interior = interior && ebsd::in_ipf_sector(ebsd::matrix_from_quat(axis_angle_deg(axis, sign * 1.0)) * v, g, 0.0);
      if (!interior) continue;
      ++checked;
      const Eigen::Vector3d c0 = ebsd::ipf_color_of_direction(v, g);
      const Quat nudged = axis_angle_deg(Eigen::Vector3d(random_quat(rng).vec()), 0.05) * q;
      const Eigen::Vector3d c1 = ebsd::ipf_color_of_direction(ebsd::ipf_direction(nudged, kZ, g), g);
      EXPECT_LT((c1 - c0).cwiseAbs().maxCoeff(), 0.05) << ebsd::laue_symbol(g) << " at " << v.transpose();
    }
    EXPECT_GT(checked, 50) << ebsd::laue_symbol(g);
  }
}

TEST(IpfKey, CornerPixelsCarryTheCornerColours) {
  const int size = 256;
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const ebsd::RgbImage key = ebsd::ipf_key_image(g, size);
    ASSERT_EQ(key.width, size);
    ASSERT_GT(key.height, 0);
    const auto corners = ebsd::ipf_sector_corners(g);
    // The sector's centroid, from random directions reduced into it.
    std::mt19937_64 rng(3);
    Eigen::Vector3d middle = Eigen::Vector3d::Zero();
    for (int i = 0; i < 2000; ++i) middle += ebsd::ipf_direction(random_quat(rng), kZ, g);
    middle.normalize();
    for (int k = 0; k < 3; ++k) {
      // A little in from the corner, so the outline and rounding at the vertex do not matter.
      const Eigen::Vector3d near = (0.92 * corners[k].direction + 0.08 * middle).normalized();
      const Eigen::Vector2d p = ebsd::ipf_key_pixel(g, size, near);
      const int x = static_cast<int>(std::floor(p.x())), y = static_cast<int>(std::floor(p.y()));
      ASSERT_TRUE(x >= 0 && y >= 0 && x < key.width && y < key.height) << ebsd::laue_symbol(g);
      const std::uint8_t* px = key.at(x, y);
      EXPECT_EQ(px[k], 255) << ebsd::laue_symbol(g) << " " << corners[k].label;
      for (int ch = 0; ch < 3; ++ch) {
        if (ch == k) continue;
        EXPECT_LT(px[ch], 160) << ebsd::laue_symbol(g) << " " << corners[k].label << " channel " << ch;
      }
    }
    // White background in the image corner, and some black label text.
    EXPECT_EQ(key.at(0, key.height - 1)[0], 255);
    std::size_t black = 0;
    for (std::size_t i = 0; i + 2 < key.pixels.size(); i += 3)
      black += key.pixels[i] == 0 && key.pixels[i + 1] == 0 && key.pixels[i + 2] == 0;
    EXPECT_GT(black, 30u) << ebsd::laue_symbol(g);
  }
}

TEST(IpfKey, InteriorPixelsShowTheColourOfTheirDirection) {
  const int size = 512;
  std::mt19937_64 rng(5);
  // Groups whose three corners span the sector (for -1 and 2/m they lie on one great circle).
  for (LaueGroup g : {LaueGroup::CubicHigh, LaueGroup::CubicLow, LaueGroup::HexagonalHigh, LaueGroup::TrigonalHigh,
                      LaueGroup::TetragonalHigh, LaueGroup::Orthorhombic}) {
    const ebsd::RgbImage key = ebsd::ipf_key_image(g, size);
    const auto corners = ebsd::ipf_sector_corners(g);
    for (int i = 0; i < 30; ++i) {
      // Barycentric mixes of the corners with every weight >= 0.2 lie well inside the sector.
      std::uniform_real_distribution<double> u(0.2, 1.0);
      const double a = u(rng), b = u(rng), c = u(rng);
      const Eigen::Vector3d v = (a * corners[0].direction + b * corners[1].direction + c * corners[2].direction).normalized();
      const Eigen::Vector2d p = ebsd::ipf_key_pixel(g, size, v);
      const std::uint8_t* px = key.at(static_cast<int>(p.x()), static_cast<int>(p.y()));
      const Eigen::Vector3d want = ebsd::ipf_color_of_direction(v, g) * 255.0;
      for (int ch = 0; ch < 3; ++ch) EXPECT_NEAR(px[ch], want[ch], 12.0) << ebsd::laue_symbol(g);
    }
  }
}

}  // namespace
