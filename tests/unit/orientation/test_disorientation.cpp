// Fundamental-zone reduction and disorientation. Expected values are written out from the
// literature or computed here by brute force over independently built operator sets.
#include <gtest/gtest.h>

#include <Eigen/LU>

#include <cmath>
#include <random>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf_sector.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace {

using ebsd::LaueGroup;
using ebsd::Quat;

constexpr double kDeg = M_PI / 180.0;

Quat axis_angle_deg(const Eigen::Vector3d& axis, double deg) {
  const Eigen::Vector3d n = axis.normalized();
  const double h = 0.5 * deg * kDeg;
  return Quat{std::cos(h), std::sin(h) * n.x(), std::sin(h) * n.y(), std::sin(h) * n.z()}.positive();
}

Quat random_quat(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  return Quat{n(rng), n(rng), n(rng), n(rng)}.normalized().positive();
}

// The 24 proper rotations of the cube as signed permutation matrices with det +1, built here
// without the library's tables.
std::vector<Eigen::Matrix3d> cube_rotations() {
  std::vector<Eigen::Matrix3d> out;
  const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& p : perms)
    for (int signs = 0; signs < 8; ++signs) {
      Eigen::Matrix3d m = Eigen::Matrix3d::Zero();
      for (int r = 0; r < 3; ++r) m(r, p[r]) = (signs >> r & 1) ? -1.0 : 1.0;
      if (m.determinant() > 0) out.push_back(m);
    }
  return out;
}

// Disorientation angle by brute force over both sides with rotation matrices.
double brute_force_cubic_angle(const Quat& a, const Quat& b) {
  const Eigen::Matrix3d m = ebsd::matrix_from_quat(b) * ebsd::matrix_from_quat(a).transpose();
  double best = 10.0;
  for (const auto& si : cube_rotations())
    for (const auto& sj : cube_rotations()) {
      const double c = std::clamp(((si * m * sj).trace() - 1.0) / 2.0, -1.0, 1.0);
      best = std::min(best, std::acos(c));
    }
  return best;
}

// Brute force with the library's operator list on both sides (cross-checks the one-sided and
// closed-form shortcuts of disorientation_angle).
double brute_force_angle(const Quat& a, const Quat& b, LaueGroup g) {
  const Quat d = b * a.conj();
  double best = 10.0;
  for (const Quat& si : ebsd::symmetry_operators(g))
    for (const Quat& sj : ebsd::symmetry_operators(g)) best = std::min(best, ebsd::rotation_angle(si * d * sj));
  return best;
}

void expect_axis(const Eigen::Vector3d& got, Eigen::Vector3d want, double tol = 1e-9) {
  want.normalize();
  EXPECT_NEAR(got.x(), want.x(), tol);
  EXPECT_NEAR(got.y(), want.y(), tol);
  EXPECT_NEAR(got.z(), want.z(), tol);
}

TEST(Disorientation, Sigma3TwinIs60DegreesAbout111) {
  std::mt19937_64 rng(3);
  const Quat a = random_quat(rng);
  const Quat b = axis_angle_deg({1, 1, 1}, 60.0) * a;
  const auto d = ebsd::disorientation(a, b, LaueGroup::CubicHigh);
  EXPECT_NEAR(d.angle / kDeg, 60.0, 1e-9);
  expect_axis(d.axis, {1, 1, 1});
  EXPECT_NEAR(ebsd::disorientation_angle(a, b, LaueGroup::CubicHigh) / kDeg, 60.0, 1e-9);
}

// Coincidence-site-lattice misorientations given as 180-degree rotations about <hkl>, whose
// disorientations are tabulated (Grimmer, Bollmann & Warrington 1974, Acta Cryst. A30, 197;
// Randle 1996, "The Role of the CSL in Grain Boundary Engineering", table 1; MTEX CSL()):
//   Sigma3 = 180 <211> = 60.00 <111>, Sigma5 = 180 <210> = 36.87 <100>,
//   Sigma7 = 180 <321> = 38.21 <111>, Sigma9 = 180 <221> = 38.94 <110>,
//   Sigma11 = 180 <311> = 50.48 <110>.
// Exact angles: 2 atan(1/3), 2 atan(sqrt3/5), 2 atan(sqrt2/4), 2 atan(sqrt2/3).
struct CslCase {
  const char* name;
  Eigen::Vector3d half_turn_axis;
  double angle_deg;  // exact value from the closed form
  double published_deg;
  Eigen::Vector3d axis;  // in the m-3m standard triangle z >= x >= y >= 0
};

TEST(Disorientation, CoincidenceSiteLatticeMisorientationsMatchPublishedValues) {
  const CslCase cases[] = {
      {"Sigma3", {2, 1, 1}, 60.0, 60.00, {1, 1, 1}},
      {"Sigma5", {2, 1, 0}, 2 * std::atan(1.0 / 3.0) / kDeg, 36.87, {0, 0, 1}},
      {"Sigma7", {3, 2, 1}, 2 * std::atan(std::sqrt(3.0) / 5.0) / kDeg, 38.21, {1, 1, 1}},
      {"Sigma9", {2, 2, 1}, 2 * std::atan(std::sqrt(2.0) / 4.0) / kDeg, 38.94, {1, 0, 1}},
      {"Sigma11", {3, 1, 1}, 2 * std::atan(std::sqrt(2.0) / 3.0) / kDeg, 50.48, {1, 0, 1}},
  };
  for (const auto& c : cases) {
    const auto d = ebsd::disorientation(Quat::identity(), axis_angle_deg(c.half_turn_axis, 180.0), LaueGroup::CubicHigh);
    EXPECT_NEAR(d.angle / kDeg, c.angle_deg, 1e-9) << c.name;
    EXPECT_NEAR(d.angle / kDeg, c.published_deg, 0.005) << c.name;
    expect_axis(d.axis, c.axis);
  }
}

TEST(Disorientation, EulerZeroVersus45DegreesIs45About001) {
  const Quat a = ebsd::quat_from_euler({0, 0, 0});
  const Quat b = ebsd::quat_from_euler({45 * kDeg, 0, 0});
  const auto d = ebsd::disorientation(a, b, LaueGroup::CubicHigh);
  EXPECT_NEAR(d.angle / kDeg, 45.0, 1e-9);
  expect_axis(d.axis, {0, 0, 1});
}

// EMsoft EMDisorientations example (github.com/EMsoft-org/EMsoft/wiki/EMDisorientations), cubic
// point group 32: (60, 45, 60) vs (60, 45, 0) -> 30.000 deg; (10, 20, 30) vs (40, 50, 60) -> 47.866 deg.
TEST(Disorientation, MatchesEmsoftPublishedExample) {
  auto eu = [](double a, double b, double c) { return ebsd::quat_from_euler({a * kDeg, b * kDeg, c * kDeg}); };
  EXPECT_NEAR(ebsd::disorientation_angle(eu(60, 45, 60), eu(60, 45, 0), LaueGroup::CubicHigh) / kDeg, 30.000, 0.0005);
  EXPECT_NEAR(ebsd::disorientation_angle(eu(10, 20, 30), eu(40, 50, 60), LaueGroup::CubicHigh) / kDeg, 47.866, 0.0005);
}

TEST(Disorientation, AgreesWithBruteForceOverIndependentCubeRotations) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 50; ++i) {
    const Quat a = random_quat(rng), b = random_quat(rng);
    EXPECT_NEAR(ebsd::disorientation_angle(a, b, LaueGroup::CubicHigh), brute_force_cubic_angle(a, b), 1e-9);
  }
}

TEST(Disorientation, OneSidedAngleEqualsTwoSidedMinimumForEveryGroup) {
  std::mt19937_64 rng(12);
  for (LaueGroup g : ebsd::all_laue_groups())
    for (int i = 0; i < 40; ++i) {
      const Quat a = random_quat(rng), b = random_quat(rng);
      const double expected = brute_force_angle(a, b, g);
      EXPECT_NEAR(ebsd::disorientation_angle(a, b, g), expected, 1e-9) << ebsd::laue_symbol(g);
      EXPECT_NEAR(ebsd::disorientation(a, b, g).angle, expected, 1e-9) << ebsd::laue_symbol(g);
    }
}

// The largest disorientation (Mackenzie 1958, Biometrika 45, 229; Handscomb 1958): the vertex of
// the Rodrigues fundamental zone. m-3m: r = (sqrt2-1, sqrt2-1, 3-2 sqrt2), 62.80 deg about
// [1 1 sqrt2-1]; 6/mmm: r = (1, tan 15, tan 15), 93.84 deg.
double mackenzie_cubic_deg() {
  const double s = std::sqrt(2.0) - 1.0, t = 3.0 - 2.0 * std::sqrt(2.0);
  return 2.0 * std::atan(std::sqrt(2 * s * s + t * t)) / kDeg;
}
double mackenzie_hexagonal_deg() {
  const double t = 2.0 - std::sqrt(3.0);  // tan 15 deg
  return 2.0 * std::atan(std::sqrt(1.0 + 2 * t * t)) / kDeg;
}

TEST(Disorientation, MackenzieVerticesGiveThePublishedMaxima) {
  EXPECT_NEAR(mackenzie_cubic_deg(), 62.80, 0.005);
  EXPECT_NEAR(mackenzie_hexagonal_deg(), 93.84, 0.005);

  const double s = std::sqrt(2.0) - 1.0;
  const auto c = ebsd::disorientation(Quat::identity(), axis_angle_deg({1, 1, s}, mackenzie_cubic_deg()), LaueGroup::CubicHigh);
  EXPECT_NEAR(c.angle / kDeg, mackenzie_cubic_deg(), 1e-9);
  expect_axis(c.axis, {1, s, 1});  // [1 1 sqrt2-1] moved into z >= x >= y

  const double t = 2.0 - std::sqrt(3.0);
  const auto h = ebsd::disorientation(Quat::identity(), axis_angle_deg({1, t, t}, mackenzie_hexagonal_deg()),
                                      LaueGroup::HexagonalHigh);
  EXPECT_NEAR(h.angle / kDeg, mackenzie_hexagonal_deg(), 1e-9);
}

void expect_random_maximum_approaches(LaueGroup g, double limit_deg, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  double largest = 0.0;
  for (int i = 0; i < 200000; ++i) largest = std::max(largest, ebsd::disorientation_angle(random_quat(rng), random_quat(rng), g));
  EXPECT_LE(largest / kDeg, limit_deg + 1e-6) << ebsd::laue_symbol(g);
  EXPECT_GE(largest / kDeg, limit_deg - 0.5) << ebsd::laue_symbol(g);
}

TEST(Disorientation, RandomPairsApproachButNeverExceedMackenzieMaximumCubic) {
  expect_random_maximum_approaches(LaueGroup::CubicHigh, mackenzie_cubic_deg(), 21);
}

TEST(Disorientation, RandomPairsApproachButNeverExceedMackenzieMaximumHexagonal) {
  expect_random_maximum_approaches(LaueGroup::HexagonalHigh, mackenzie_hexagonal_deg(), 22);
}

TEST(Disorientation, IdentityVersusEverySymmetryOperatorIsZero) {
  for (LaueGroup g : ebsd::all_laue_groups())
    for (const Quat& s : ebsd::symmetry_operators(g)) {
      EXPECT_NEAR(ebsd::disorientation_angle(Quat::identity(), s, g), 0.0, 1e-7) << ebsd::laue_symbol(g);
      EXPECT_NEAR(ebsd::disorientation(Quat::identity(), s, g).angle, 0.0, 1e-7) << ebsd::laue_symbol(g);
    }
}

TEST(Disorientation, IsSymmetricInvariantUnderSymmetryAndNoLargerThanTheRawAngle) {
  std::mt19937_64 rng(5);
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto ops = ebsd::symmetry_operators(g);
    for (int i = 0; i < 30; ++i) {
      const Quat a = random_quat(rng), b = random_quat(rng);
      const auto ab = ebsd::disorientation(a, b, g);
      const auto ba = ebsd::disorientation(b, a, g);
      EXPECT_NEAR(ab.angle, ba.angle, 1e-12) << ebsd::laue_symbol(g);
      EXPECT_NEAR((ab.axis - ba.axis).norm(), 0.0, 1e-9) << ebsd::laue_symbol(g);
      EXPECT_LE(ab.angle, ebsd::rotation_angle(b * a.conj()) + 1e-12);
      const Quat sa = ops[static_cast<std::size_t>(i) % ops.size()] * a;
      const Quat sb = ops[static_cast<std::size_t>(i * 7 + 3) % ops.size()] * b;
      const auto moved = ebsd::disorientation(sa, sb, g);
      EXPECT_NEAR(moved.angle, ab.angle, 1e-12) << ebsd::laue_symbol(g);
      EXPECT_NEAR((moved.axis - ab.axis).norm(), 0.0, 1e-9) << ebsd::laue_symbol(g);
    }
  }
}

TEST(Disorientation, EqualMisorientationsInRotatedSamplesReportEqualAxes) {
  // Rotating the sample frame (g -> g r) leaves b conj(a) unchanged; picking other symmetry
  // equivalents conjugates it. Either way the reported axis must not change.
  std::mt19937_64 rng(6);
  for (LaueGroup g : {LaueGroup::CubicHigh, LaueGroup::HexagonalHigh, LaueGroup::TetragonalHigh, LaueGroup::TrigonalLow}) {
    const auto ops = ebsd::symmetry_operators(g);
    for (int i = 0; i < 20; ++i) {
      const Quat a = random_quat(rng), b = random_quat(rng), r = random_quat(rng);
      const auto reference = ebsd::disorientation(a, b, g);
      const Quat a2 = ops[static_cast<std::size_t>(i) % ops.size()] * a * r;
      const Quat b2 = ops[static_cast<std::size_t>(i + 1) % ops.size()] * b * r;
      const auto other = ebsd::disorientation(b2, a2, g);
      EXPECT_NEAR(other.angle, reference.angle, 1e-9);
      EXPECT_NEAR((other.axis - reference.axis).norm(), 0.0, 1e-7) << ebsd::laue_symbol(g);
    }
  }
}

TEST(Disorientation, RotationIsAnEquivalentMisorientationWithAxisInTheStandardTriangle) {
  std::mt19937_64 rng(7);
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto ops = ebsd::symmetry_operators(g);
    for (int i = 0; i < 20; ++i) {
      const Quat a = random_quat(rng), b = random_quat(rng);
      const auto dis = ebsd::disorientation(a, b, g);
      EXPECT_TRUE(ebsd::in_ipf_sector(dis.axis, g, 1e-9)) << ebsd::laue_symbol(g);
      EXPECT_NEAR(dis.axis.norm(), 1.0, 1e-12);
      EXPECT_NEAR(ebsd::rotation_angle(dis.rotation), dis.angle, 1e-9);
      // s_i d s_j, or s_i d^-1 s_j (a and b swapped), equals the reported rotation.
      const Quat d = b * a.conj();
      bool found = false;
      for (const Quat& si : ops)
        for (const Quat& sj : ops)
          for (const Quat& m : {d, d.conj()})
            found = found || std::fabs(std::fabs((si * m * sj).dot(dis.rotation)) - 1.0) < 1e-9;
      EXPECT_TRUE(found) << ebsd::laue_symbol(g);
    }
  }
}

TEST(FundamentalZone, ReducedOrientationIsAnEquivalentWithTheSmallestAngle) {
  std::mt19937_64 rng(8);
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto ops = ebsd::symmetry_operators(g);
    for (int i = 0; i < 50; ++i) {
      const Quat q = random_quat(rng);
      const Quat r = ebsd::reduce_to_fundamental_zone(q, g);
      EXPECT_GE(r.w, 0.0);
      bool equivalent = false;
      for (const Quat& s : ops) {
        equivalent = equivalent || std::fabs(std::fabs((s * q).dot(r)) - 1.0) < 1e-12;
        EXPECT_LE(ebsd::rotation_angle(r), ebsd::rotation_angle(s * q) + 1e-12) << ebsd::laue_symbol(g);
      }
      EXPECT_TRUE(equivalent) << ebsd::laue_symbol(g);
      // Reducing an equivalent gives the same representative.
      const Quat r2 = ebsd::reduce_to_fundamental_zone(ops[ops.size() - 1] * q, g);
      EXPECT_NEAR(std::fabs(r2.dot(r)), 1.0, 1e-12) << ebsd::laue_symbol(g);
    }
  }
}

TEST(FundamentalZone, CubicRotationOf100DegreesAbout001ReducesTo10Degrees) {
  const Quat r = ebsd::reduce_to_fundamental_zone(axis_angle_deg({0, 0, 1}, 100.0), LaueGroup::CubicHigh);
  EXPECT_NEAR(ebsd::rotation_angle(r) / kDeg, 10.0, 1e-9);
  EXPECT_NEAR(r.z / std::sin(ebsd::rotation_angle(r) / 2), 1.0, 1e-9);  // still about +z
}

TEST(MeanOrientation, ClusterScatteredOverSymmetryCopiesRecoversTheCentre) {
  // Pairs p c and p^-1 c average to c exactly (Markley's matrix has c as its principal
  // eigenvector); each member is then moved to an arbitrary symmetry copy.
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> spread(0.5, 4.0);
  for (LaueGroup g : {LaueGroup::CubicHigh, LaueGroup::HexagonalHigh, LaueGroup::Orthorhombic, LaueGroup::CubicLow}) {
    const auto ops = ebsd::symmetry_operators(g);
    const Quat centre = random_quat(rng);
    std::vector<Quat> members;
    for (int i = 0; i < 20; ++i) {
      const Eigen::Vector3d axis(random_quat(rng).x, random_quat(rng).y, random_quat(rng).z);
      const Quat p = axis_angle_deg(axis, spread(rng));
      members.push_back(ops[static_cast<std::size_t>(i) % ops.size()] * p * centre);
      members.push_back(ops[static_cast<std::size_t>(i * 5 + 2) % ops.size()] * p.conj() * centre);
    }
    const Quat mean = ebsd::mean_orientation(members, g);
    EXPECT_NEAR(ebsd::disorientation_angle(mean, centre, g), 0.0, 1e-7) << ebsd::laue_symbol(g);
  }
}

TEST(MeanOrientation, WeightsPullTheMeanTowardTheHeavierMember) {
  const Quat a = Quat::identity();
  const Quat b = axis_angle_deg({0, 0, 1}, 10.0);
  const double w[] = {3.0, 1.0};
  const Quat qs[] = {a, b};
  const Quat mean = ebsd::mean_orientation(qs, LaueGroup::CubicHigh, w);
  // Markley's mean of two rotations about one axis lies between them, nearer the heavier one.
  const double angle = ebsd::rotation_angle(mean) / kDeg;
  EXPECT_GT(angle, 0.5);
  EXPECT_LT(angle, 5.0);
  EXPECT_GT(mean.z, 0.0);
}

TEST(MeanOrientation, RejectsEmptySetsAndBadWeights) {
  EXPECT_THROW(ebsd::mean_orientation({}, LaueGroup::CubicHigh), ebsd::Error);
  const Quat qs[] = {Quat::identity(), Quat::identity()};
  const double wrong_count[] = {1.0};
  EXPECT_THROW(ebsd::mean_orientation(qs, LaueGroup::CubicHigh, wrong_count), ebsd::Error);
  const double negative[] = {1.0, -1.0};
  EXPECT_THROW(ebsd::mean_orientation(qs, LaueGroup::CubicHigh, negative), ebsd::Error);
}

}  // namespace
