// Conventions pinned against values computed by others.
//
// Source of the table below: the unit-test fixtures of orix (pyxem/orix,
// orix/tests/conftest.py and orix/tests/quaternion/test_conversions.py), which state that they
// were produced with 3Drotations (github.com/marcdegraef/3Drotations, the reference
// implementation of Rowenhorst et al. 2015 by a subset of its authors) as
// np.around(rotlib.qu2<rep>(qu), 4), i.e. Rowenhorst's passive P = +1 conventions. Each row is
// one rotation in all seven representations, rounded to four decimals; the comparisons allow
// 2e-4 because both the inputs and the expected values carry that rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"
#include "test_rotations_support.hpp"

namespace ebsd {
namespace {
using test::angle_difference;
using test::kPi;
using test::rotation_distance;

constexpr double kRounded = 2e-4;

struct ReferenceRotation {
  Cubochoric cu;
  Homochoric ho;
  Eigen::Vector3d ax_axis;
  double ax_angle;
  double ro_tan_half;
  double om[9];  // row-major
  Quat qu;
  Euler eu;
};

const ReferenceRotation kReference[] = {
    {{0, 0, 1}, {0, 0, 1.2407}, {0, 0, 1}, 2.8418, 6.6212,
     {-0.9554, -0.2953, 0.0000, 0.2953, -0.9554, 0.0000, 0.0000, 0.0000, 1.0000},
     {0.1493, 0, 0, 0.9888}, {3.4413, 0.0, 0.0}},
    {{0.1, 0.1, 0.2}, {0.0785, 0.0785, 0.2219}, {0.3164, 0.3164, 0.8943}, 0.4983, 0.2544,
     {0.8906, -0.4152, 0.1856, 0.4396, 0.8906, -0.1168, -0.1168, 0.1856, 0.9757},
     {0.9691, 0.0780, 0.0780, 0.2205}, {3.7033, 0.2211, 2.1325}},
    {{0.1, 0.1, -0.2}, {0.0785, 0.0785, -0.2219}, {0.3164, 0.3164, -0.8943}, 0.4983, 0.2544,
     {0.8906, 0.4396, 0.1168, -0.4152, 0.8906, -0.1856, -0.1856, 0.1168, 0.9757},
     {0.9691, 0.0780, 0.0780, -0.2205}, {4.1507, 0.2211, 2.5799}},
    {{0.5, 0.2, 0.1}, {0.5879, 0.1801, 0.0827}, {0.9476, 0.2903, 0.1333}, 1.2749, 0.7406,
     {0.9277, 0.0675, 0.3672, 0.3224, 0.3512, -0.879, -0.1883, 0.9339, 0.3041},
     {0.8036, 0.5640, 0.1728, 0.0793}, {3.3405, 1.2618, 2.7459}},
    {{-0.5, -0.2, 0.1}, {-0.5879, -0.1801, 0.0827}, {-0.9476, -0.2903, 0.1333}, 1.2749, 0.7406,
     {0.9277, 0.0675, -0.3672, 0.3224, 0.3512, 0.879, 0.1883, -0.9339, 0.3041},
     {0.8036, -0.5640, -0.1728, 0.0793}, {0.1989, 1.2618, 5.8875}},
    {{0.2, 0.5, 0.1}, {0.1801, 0.5879, 0.0827}, {0.2903, 0.9476, 0.1333}, 1.2749, 0.7406,
     {0.3512, 0.0675, 0.9339, 0.3224, 0.9277, -0.1883, -0.879, 0.3672, 0.3041},
     {0.8036, 0.1728, 0.5640, 0.0793}, {4.3167, 1.2618, 1.7697}},
    {{0.2, -0.5, 0.1}, {0.1801, -0.5879, 0.0827}, {0.2903, -0.9476, 0.1333}, 1.2749, 0.7406,
     {0.3512, -0.3224, -0.879, -0.0675, 0.9277, -0.3672, 0.9339, 0.1883, 0.3041},
     {0.8036, 0.1728, -0.5640, 0.0793}, {1.7697, 1.2618, 4.3167}},
};

RotationMatrix matrix_of(const double (&m)[9]) {
  RotationMatrix g;
  g << m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8];
  return g;
}

void expect_quat_near(const Quat& got, const Quat& want, double tol) {
  EXPECT_NEAR(got.w, want.w, tol);
  EXPECT_NEAR(got.x, want.x, tol);
  EXPECT_NEAR(got.y, want.y, tol);
  EXPECT_NEAR(got.z, want.z, tol);
}

TEST(RotationReferenceValues, FromCubochoricMatch3Drotations) {
  for (const auto& r : kReference) {
    SCOPED_TRACE(testing::Message() << "cu " << r.cu.transpose());
    EXPECT_LT((homochoric_from_cubochoric(r.cu) - r.ho).cwiseAbs().maxCoeff(), kRounded);
    const Quat q = quat_from_cubochoric(r.cu);
    expect_quat_near(q, r.qu, kRounded);
    const AxisAngle a = axis_angle_from_quat(q);
    EXPECT_LT((a.axis - r.ax_axis).cwiseAbs().maxCoeff(), kRounded);
    EXPECT_NEAR(a.angle, r.ax_angle, kRounded);
    const Rodrigues ro = rodrigues_from_quat(q);
    EXPECT_LT((ro.axis - r.ax_axis).cwiseAbs().maxCoeff(), kRounded);
    EXPECT_NEAR(ro.tan_half, r.ro_tan_half, 2e-3);  // tan amplifies the rounding of the angle
    EXPECT_LT((matrix_from_quat(q) - matrix_of(r.om)).cwiseAbs().maxCoeff(), kRounded);
    const Euler e = euler_from_quat(q);
    EXPECT_LT(angle_difference(e.phi1, r.eu.phi1), kRounded);
    EXPECT_NEAR(e.Phi, r.eu.Phi, kRounded);
    EXPECT_LT(angle_difference(e.phi2, r.eu.phi2), kRounded);
  }
}

TEST(RotationReferenceValues, FromQuaternionMatch3Drotations) {
  for (const auto& r : kReference) {
    const Quat q = r.qu.normalized();
    SCOPED_TRACE(testing::Message() << "qu " << q.w << " " << q.x << " " << q.y << " " << q.z);
    EXPECT_LT((cubochoric_from_quat(q) - r.cu).cwiseAbs().maxCoeff(), 3 * kRounded);
    EXPECT_LT((homochoric_from_quat(q) - r.ho).cwiseAbs().maxCoeff(), kRounded);
    EXPECT_LT((homochoric_from_axis_angle({r.ax_axis, r.ax_angle}) - r.ho).cwiseAbs().maxCoeff(), kRounded);
    const AxisAngle from_ho = axis_angle_from_homochoric(r.ho);
    EXPECT_LT((from_ho.axis - r.ax_axis).cwiseAbs().maxCoeff(), kRounded);
    EXPECT_NEAR(from_ho.angle, r.ax_angle, kRounded);
    EXPECT_LT((cubochoric_from_homochoric(r.ho) - r.cu).cwiseAbs().maxCoeff(), 3 * kRounded);
  }
}

TEST(RotationReferenceValues, EulerAnglesAndMatricesMatch3Drotations) {
  for (const auto& r : kReference) {
    SCOPED_TRACE(testing::Message() << "eu " << r.eu.phi1 << " " << r.eu.Phi << " " << r.eu.phi2);
    expect_quat_near(quat_from_euler(r.eu), r.qu, kRounded);
    EXPECT_LT((matrix_from_euler(r.eu) - matrix_of(r.om)).cwiseAbs().maxCoeff(), kRounded);
    expect_quat_near(quat_from_matrix(matrix_of(r.om)), r.qu, kRounded);
    const Euler e = euler_from_matrix(matrix_of(r.om));
    EXPECT_LT(rotation_distance(quat_from_euler(e), r.qu), kRounded);
    expect_quat_near(quat_from_axis_angle({r.ax_axis, r.ax_angle}), r.qu, kRounded);
    expect_quat_near(quat_from_rodrigues({r.ax_axis, r.ro_tan_half}), r.qu, kRounded);
  }
}

TEST(RotationReferenceValues, HalfTurnAboutXIsTheCubeFaceCentre) {
  // Same source, the edge-case row: cu (1.0725, 0, 0) ~ (pi^(2/3)/2, 0, 0) is ho (1.3307, 0, 0),
  // ax ([100], pi), qu (0, 1, 0, 0), eu (0, pi, 0) and om diag(1, -1, -1).
  const Cubochoric cu{1.0725, 0, 0};
  EXPECT_LT((homochoric_from_cubochoric(cu) - Homochoric{1.3307, 0, 0}).cwiseAbs().maxCoeff(), kRounded);
  const Quat q = quat_from_cubochoric(cu);
  EXPECT_LT(rotation_distance(q, {0, 1, 0, 0}), kRounded);
  // 1.0725 lies just inside the face, so the angle is just below pi and the Euler angles of that
  // rotation are (pi, pi - e, pi), not (0, pi - e, 0), which turns about -x: compare rotations.
  EXPECT_LT(rotation_distance(quat_from_euler(euler_from_quat(q)), quat_from_euler({0, kPi, 0})), kRounded);
  EXPECT_LT((matrix_from_quat(q) - RotationMatrix(Eigen::Vector3d(1, -1, -1).asDiagonal())).cwiseAbs().maxCoeff(), 1e-3);
  // The exact face centre is the exact half turn, with the Euler angles of the table.
  const Quat exact = quat_from_cubochoric({0.5 * std::pow(kPi, 2.0 / 3.0), 0, 0});
  EXPECT_LT(rotation_distance(exact, {0, 1, 0, 0}), 1e-12);
  const Euler e = euler_from_quat(exact);
  EXPECT_LT(angle_difference(e.phi1, 0.0), 1e-12);
  EXPECT_NEAR(e.Phi, kPi, 1e-12);
  EXPECT_LT(angle_difference(e.phi2, 0.0), 1e-12);
}

TEST(RotationReferenceValues, EulerNinetyZeroZeroUnderPassivePPlusOne) {
  // Rowenhorst et al. 2015 eu2qu with P = +1 at (phi1, 0, 0): q = (cos(phi1/2), 0, 0, -sin(phi1/2)),
  // the convention the 3Drotations row (3.4413, 0, 0) -> (0.1493, 0, 0, 0.9888) above confirms
  // (cos(1.72065) < 0, so that row is the negated, northern representative).
  const double h = std::numbers::sqrt2 / 2.0;
  const Euler e{0.5 * kPi, 0.0, 0.0};
  expect_quat_near(quat_from_euler(e), {h, 0, 0, -h}, 1e-15);
  // Its axis-angle pair is 90 deg about -z (qu2ax: n = (x, y, z) / |(x, y, z)|).
  const AxisAngle a = axis_angle_from_quat(quat_from_euler(e));
  EXPECT_NEAR(a.angle, 0.5 * kPi, 1e-15);
  EXPECT_LT((a.axis - Eigen::Vector3d(0, 0, -1)).norm(), 1e-15);
  // Bunge's passive matrix: the crystal x axis lies along sample y, so sample x has crystal
  // coordinates (0, -1, 0) and sample y has (1, 0, 0).
  RotationMatrix g;
  g << 0, 1, 0, -1, 0, 0, 0, 0, 1;
  EXPECT_LT((matrix_from_euler(e) - g).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LT((matrix_from_quat(quat_from_euler(e)) - g).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LT((rotate(quat_from_euler(e), {1, 0, 0}) - Eigen::Vector3d(0, -1, 0)).norm(), 1e-15);
}

TEST(RotationReferenceValues, BungePassiveMatrixAtAGeneralOrientation) {
  // Bunge 1982 (Texture Analysis in Materials Science, eq. 2.19) at (0.3, 1.1, 2.2) rad, evaluated
  // outside this code base (Python, as Rz(phi2) Rx(Phi) Rz(phi1) of passive frame rotations) and
  // written out to 12 decimals; e.g. g31 = sin(phi1) sin(Phi), g13 = sin(phi2) sin(Phi).
  RotationMatrix g;
  g << -0.670592962750, 0.176437374622, 0.720537945667,
       -0.693499412829, -0.493946289514, -0.524476527102,
       0.263369783223, -0.851402910444, 0.453596121426;
  const Euler e{0.3, 1.1, 2.2};
  EXPECT_LT((matrix_from_euler(e) - g).cwiseAbs().maxCoeff(), 1e-11);
  EXPECT_LT((matrix_from_quat(quat_from_euler(e)) - g).cwiseAbs().maxCoeff(), 1e-11);
  const Euler back = euler_from_matrix(g);
  EXPECT_NEAR(back.phi1, 0.3, 1e-11);
  EXPECT_NEAR(back.Phi, 1.1, 1e-11);
  EXPECT_NEAR(back.phi2, 2.2, 1e-11);
}

}  // namespace
}  // namespace ebsd
