// Pairwise consistency: every path between two representations gives the same result, and each
// representation agrees with a definition written out here independently of the library
// (Rowenhorst et al. 2015 section 3 for the definitions, Bunge 1982 for the Euler matrix).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <Eigen/LU>  // determinant()

#include "ebsd/orientation/rotations.hpp"
#include "test_rotations_support.hpp"

namespace ebsd {
namespace {
using test::ball_radius;
using test::cube_half_edge;
using test::kPi;
using test::random_rotations;
using test::rotation_distance;

constexpr std::size_t kCount = 100000;
constexpr double kTol = 1e-6;

constexpr Representation kAll[] = {Representation::EulerRad, Representation::Matrix, Representation::AxisAngleRad,
                                   Representation::Rodrigues, Representation::Quaternion, Representation::Homochoric,
                                   Representation::Cubochoric};

// Largest component difference; 180 degree rotations (w = 0) are excluded by the caller since
// their axis sign, homochoric and cubochoric antipodes are a free choice of the path taken.
double component_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    d = std::max(d, std::isinf(a[i]) && a[i] == b[i] ? 0.0 : std::fabs(a[i] - b[i]));
  return d;
}

TEST(RotationConsistency, EveryRepresentationReachedThroughAnyOtherAgreesWithTheDirectOne) {
  // For each pair (A, B): q -> A -> q' -> B must equal q -> B, component by component.
  double worst = 0.0;
  int compared = 0;
  for (const Quat& q : random_rotations(20000, 21)) {
    if (q.w < 1e-5) continue;                                   // axis sign at 180 deg is free
    if (std::fabs(q.x) + std::fabs(q.y) < 1e-5) continue;       // Euler angles at Phi = 0 are not unique
    for (Representation a : kAll) {
      const Quat through_a = quat_from_components(a, components_from_quat(a, q));
      for (Representation b : kAll) {
        const double d = component_difference(components_from_quat(b, through_a), components_from_quat(b, q));
        worst = std::max(worst, b == Representation::EulerRad && d > kPi ? 2 * kPi - d : d);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 900000);
  EXPECT_LT(worst, kTol);
}

TEST(RotationConsistency, DirectConversionsAgreeWithTheRouteThroughTheQuaternion) {
  double eu_om = 0.0, om_eu = 0.0, ax_ho = 0.0, ho_ax = 0.0, ho_cu = 0.0, cu_ho = 0.0;
  for (const Quat& q : random_rotations(kCount, 22)) {
    const Euler e = euler_from_quat(q);
    const RotationMatrix m = matrix_from_quat(q);
    const AxisAngle a = axis_angle_from_quat(q);
    const Homochoric h = homochoric_from_quat(q);
    const Cubochoric c = cubochoric_from_quat(q);
    eu_om = std::max(eu_om, (matrix_from_euler(e) - m).cwiseAbs().maxCoeff());
    om_eu = std::max(om_eu, rotation_distance(quat_from_euler(euler_from_matrix(m)), q));
    ax_ho = std::max(ax_ho, (homochoric_from_axis_angle(a) - h).cwiseAbs().maxCoeff());
    ho_ax = std::max(ho_ax, rotation_distance(quat_from_axis_angle(axis_angle_from_homochoric(h)), q));
    ho_cu = std::max(ho_cu, (cubochoric_from_homochoric(h) - c).cwiseAbs().maxCoeff());
    cu_ho = std::max(cu_ho, (homochoric_from_cubochoric(c) - h).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(eu_om, kTol);
  EXPECT_LT(om_eu, kTol);
  EXPECT_LT(ax_ho, kTol);
  EXPECT_LT(ho_ax, kTol);
  EXPECT_LT(ho_cu, kTol);
  EXPECT_LT(cu_ho, kTol);
}

// Bunge's definition: the frame turns by phi1 about Z, then Phi about the new X, then phi2 about
// the new Z. Each passive elementary rotation maps sample to rotated-frame coordinates.
RotationMatrix passive_about_z(double t) {
  RotationMatrix r;
  r << std::cos(t), std::sin(t), 0, -std::sin(t), std::cos(t), 0, 0, 0, 1;
  return r;
}
RotationMatrix passive_about_x(double t) {
  RotationMatrix r;
  r << 1, 0, 0, 0, std::cos(t), std::sin(t), 0, -std::sin(t), std::cos(t);
  return r;
}

TEST(RotationConsistency, EulerMatrixIsTheProductOfBungesThreeFrameRotations) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> turn(0.0, 2.0 * kPi), half_turn(0.0, kPi);
  double worst = 0.0;
  for (int i = 0; i < 10000; ++i) {
    const Euler e{turn(rng), half_turn(rng), turn(rng)};
    const RotationMatrix g = passive_about_z(e.phi2) * passive_about_x(e.Phi) * passive_about_z(e.phi1);
    worst = std::max(worst, (matrix_from_euler(e) - g).cwiseAbs().maxCoeff());
    worst = std::max(worst, (matrix_from_quat(quat_from_euler(e)) - g).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(RotationConsistency, MatrixOfAnAxisAngleFollowsRowenhorstsFormulaWithPPlusOne) {
  // Rowenhorst et al. 2015, ax2om: g_ij = d_ij cos w + (1 - cos w) n_i n_j - P sin w e_ijk n_k.
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, 24)) {
    const AxisAngle a = axis_angle_from_quat(q);
    const Eigen::Vector3d n = a.axis;
    const double c = std::cos(a.angle), s = std::sin(a.angle);
    RotationMatrix cross;  // e_ijk n_k
    cross << 0, n.z(), -n.y(), -n.z(), 0, n.x(), n.y(), -n.x(), 0;
    const RotationMatrix g = c * RotationMatrix::Identity() + (1 - c) * n * n.transpose() - s * cross;
    worst = std::max(worst, (matrix_from_quat(q) - g).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(RotationConsistency, RodriguesVectorIsTheVectorPartOverTheScalarPart) {
  // Frank 1988: rho = n tan(w/2) = (x, y, z) / w for a unit quaternion.
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, 25)) {
    if (q.w < 1e-3) continue;
    const Rodrigues r = rodrigues_from_quat(q);
    worst = std::max(worst, (r.axis * r.tan_half - q.vec() / q.w).cwiseAbs().maxCoeff() * q.w);
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(RotationConsistency, HomochoricLengthCubedIsThreeQuartersOfAngleMinusSine) {
  // Rowenhorst et al. 2015 section 3.5: h = n (3/4 (w - sin w))^(1/3).
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, 26)) {
    const double w = rotation_angle(q);
    const Homochoric h = homochoric_from_quat(q);
    const Eigen::Vector3d n = q.vec().normalized();
    worst = std::max(worst, (h - n * std::cbrt(0.75 * (w - std::sin(w)))).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst, 1e-9);
}

TEST(RotationConsistency, ProductOfQuaternionsIsProductOfMatricesAndRotateIsTheMatrix) {
  const auto qs = random_rotations(20000, 27);
  double worst_product = 0.0, worst_rotate = 0.0;
  for (std::size_t i = 0; i + 1 < qs.size(); i += 2) {
    const Quat& a = qs[i];
    const Quat& b = qs[i + 1];
    worst_product = std::max(worst_product,
                             (matrix_from_quat(a * b) - matrix_from_quat(a) * matrix_from_quat(b)).cwiseAbs().maxCoeff());
    const Eigen::Vector3d v{0.3, -1.2, 2.0};
    worst_rotate = std::max(worst_rotate, (rotate(a, v) - matrix_from_quat(a) * v).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst_product, 1e-12);
  EXPECT_LT(worst_rotate, 1e-12);
}

TEST(RotationConsistency, CubochoricMapPreservesVolume) {
  // Rosca et al. 2014: cube and ball both have volume pi^2 and the map is equal-volume, so the
  // Jacobian determinant of cu -> ho is 1 everywhere inside a pyramid. Central differences.
  std::mt19937_64 rng(28);
  std::uniform_real_distribution<double> u(-0.95 * cube_half_edge(), 0.95 * cube_half_edge());
  const double step = 1e-5;
  double worst = 0.0;
  int checked = 0;
  while (checked < 2000) {
    const Cubochoric c{u(rng), u(rng), u(rng)};
    // Stay clear of pyramid boundaries (|largest| = |middle|) and of the diagonals of the square
    // map inside a pyramid (|middle| = |smallest|): the map is continuous there but has kinks.
    Eigen::Vector3d a = c.cwiseAbs();
    std::sort(a.data(), a.data() + 3);
    if (a[2] - a[1] < 10 * step || a[1] - a[0] < 10 * step) continue;
    Eigen::Matrix3d J;
    for (int k = 0; k < 3; ++k) {
      Cubochoric plus = c, minus = c;
      plus[k] += step;
      minus[k] -= step;
      J.col(k) = (homochoric_from_cubochoric(plus) - homochoric_from_cubochoric(minus)) / (2 * step);
    }
    worst = std::max(worst, std::fabs(J.determinant() - 1.0));
    ++checked;
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(RotationConsistency, CubochoricMapCommutesWithTheCubesSymmetries) {
  // Permuting or negating coordinates maps the cube and the ball onto themselves, and the
  // construction treats all axes and signs alike, so cu2ho commutes with those operations.
  std::mt19937_64 rng(29);
  std::uniform_real_distribution<double> u(-cube_half_edge(), cube_half_edge());
  double worst = 0.0;
  for (int i = 0; i < 20000; ++i) {
    const Cubochoric c{u(rng), u(rng), u(rng)};
    const Homochoric h = homochoric_from_cubochoric(c);
    const Homochoric swapped = homochoric_from_cubochoric(Cubochoric{c.y(), c.x(), c.z()});
    const Homochoric negated = homochoric_from_cubochoric(Cubochoric{-c.x(), c.y(), c.z()});
    const Homochoric cycled = homochoric_from_cubochoric(Cubochoric{c.z(), c.x(), c.y()});
    worst = std::max({worst, (swapped - Homochoric{h.y(), h.x(), h.z()}).cwiseAbs().maxCoeff(),
                      (negated - Homochoric{-h.x(), h.y(), h.z()}).cwiseAbs().maxCoeff(),
                      (cycled - Homochoric{h.z(), h.x(), h.y()}).cwiseAbs().maxCoeff()});
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(RotationConsistency, HomochoricVectorsStayInTheBallAndCubochoricInTheCube) {
  double longest = 0.0, farthest = 0.0;
  for (const Quat& q : random_rotations(kCount, 30)) {
    longest = std::max(longest, homochoric_from_quat(q).norm());
    farthest = std::max(farthest, cubochoric_from_quat(q).cwiseAbs().maxCoeff());
  }
  EXPECT_LE(longest, ball_radius() * (1 + 1e-12));
  EXPECT_LE(farthest, cube_half_edge() * (1 + 1e-12));
}

}  // namespace
}  // namespace ebsd
