// Every conversion of rotations.hpp undone by its inverse, over 100 000 uniformly distributed
// rotations (seeded), to 1e-6. Representations with a many-to-one part (Euler angles at
// Phi = 0 or pi, axes of 180 degree rotations, antipodal points on the surface of the
// homochoric ball or the cubochoric cube) are compared as rotations there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ebsd/orientation/rotations.hpp"
#include "test_rotations_support.hpp"

namespace ebsd {
namespace {
using test::angle_difference;
using test::ball_radius;
using test::cube_half_edge;
using test::kPi;
using test::random_rotations;
using test::rotation_distance;

constexpr std::size_t kCount = 100000;
constexpr double kTol = 1e-6;

// q -> X -> q for each representation X: the same rotation comes back.
template <class To, class From>
double worst_quaternion_round_trip(unsigned seed, To to, From from) {
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, seed)) worst = std::max(worst, rotation_distance(q, from(to(q))));
  return worst;
}

TEST(RotationRoundTrip, QuaternionThroughEulerAngles) {
  EXPECT_LT(worst_quaternion_round_trip(1, euler_from_quat, quat_from_euler), kTol);
}
TEST(RotationRoundTrip, QuaternionThroughMatrix) {
  EXPECT_LT(worst_quaternion_round_trip(2, matrix_from_quat, quat_from_matrix), kTol);
}
TEST(RotationRoundTrip, QuaternionThroughAxisAngle) {
  EXPECT_LT(worst_quaternion_round_trip(3, axis_angle_from_quat, quat_from_axis_angle), kTol);
}
TEST(RotationRoundTrip, QuaternionThroughRodrigues) {
  EXPECT_LT(worst_quaternion_round_trip(4, rodrigues_from_quat, quat_from_rodrigues), kTol);
}
TEST(RotationRoundTrip, QuaternionThroughHomochoric) {
  EXPECT_LT(worst_quaternion_round_trip(5, homochoric_from_quat, quat_from_homochoric), kTol);
}
TEST(RotationRoundTrip, QuaternionThroughCubochoric) {
  EXPECT_LT(worst_quaternion_round_trip(6, cubochoric_from_quat, quat_from_cubochoric), kTol);
}

TEST(RotationRoundTrip, EveryOutputQuaternionIsInTheNorthernHemisphere) {
  double lowest_w = 1.0;
  for (const Quat& q : random_rotations(kCount, 7)) {
    // Feed the southern representative: outputs must still have w >= 0.
    const Quat s = -q;
    for (const Quat& p : {quat_from_euler(euler_from_quat(s)), quat_from_matrix(matrix_from_quat(s)),
                          quat_from_axis_angle(axis_angle_from_quat(s)), quat_from_rodrigues(rodrigues_from_quat(s)),
                          quat_from_homochoric(homochoric_from_quat(s)), quat_from_cubochoric(cubochoric_from_quat(s))})
      lowest_w = std::min(lowest_w, p.w);
  }
  EXPECT_GE(lowest_w, 0.0);
}

// Euler angles are unique where sin(Phi) != 0; there each angle must come back. Nearer the
// degenerate cases only phi1 +- phi2 is defined, so the rotation is compared instead.
void expect_euler_angles_come_back(const Euler& e, const Euler& back, double& worst) {
  if (std::sin(e.Phi) > 1e-4) {
    worst = std::max({worst, angle_difference(e.phi1, back.phi1), std::fabs(e.Phi - back.Phi),
                      angle_difference(e.phi2, back.phi2)});
  } else {
    worst = std::max(worst, rotation_distance(quat_from_euler(e), quat_from_euler(back)));
  }
}

TEST(RotationRoundTrip, EulerAnglesOfUniformRotationsThroughQuaternion) {
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, 8)) {
    const Euler e = euler_from_quat(q);
    expect_euler_angles_come_back(e, euler_from_quat(quat_from_euler(e)), worst);
  }
  EXPECT_LT(worst, kTol);
}

TEST(RotationRoundTrip, EulerAnglesDrawnFromTheirBoxThroughQuaternionAndMatrix) {
  // Euler angles as files hold them: phi1, phi2 in [0, 2 pi), Phi in [0, pi], drawn uniformly
  // in that box (which is not uniform in rotations, and so visits Phi near 0 and pi more often).
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> turn(0.0, 2.0 * kPi), half_turn(0.0, kPi);
  double worst_q = 0.0, worst_m = 0.0;
  for (std::size_t i = 0; i < kCount; ++i) {
    const Euler e{turn(rng), half_turn(rng), turn(rng)};
    expect_euler_angles_come_back(e, euler_from_quat(quat_from_euler(e)), worst_q);
    expect_euler_angles_come_back(e, euler_from_matrix(matrix_from_euler(e)), worst_m);
  }
  EXPECT_LT(worst_q, kTol);
  EXPECT_LT(worst_m, kTol);
}

TEST(RotationRoundTrip, MatrixThroughQuaternionAndThroughEulerAngles) {
  double worst_q = 0.0, worst_e = 0.0;
  for (const Quat& q : random_rotations(kCount, 10)) {
    const RotationMatrix m = matrix_from_quat(q);
    worst_q = std::max(worst_q, (matrix_from_quat(quat_from_matrix(m)) - m).cwiseAbs().maxCoeff());
    worst_e = std::max(worst_e, (matrix_from_euler(euler_from_matrix(m)) - m).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst_q, kTol);
  EXPECT_LT(worst_e, kTol);
}

// Axis-angle pairs are unique for angles in (0, pi); at pi the axis sign is free.
void expect_axis_angle_comes_back(const AxisAngle& a, const AxisAngle& back, double& worst) {
  if (a.angle < kPi - 1e-6) {
    worst = std::max({worst, std::fabs(a.angle - back.angle), (a.axis - back.axis).cwiseAbs().maxCoeff()});
  } else {
    worst = std::max(worst, rotation_distance(quat_from_axis_angle(a), quat_from_axis_angle(back)));
  }
}

TEST(RotationRoundTrip, AxisAngleThroughQuaternionAndThroughHomochoric) {
  double worst_q = 0.0, worst_h = 0.0;
  for (const Quat& q : random_rotations(kCount, 11)) {
    const AxisAngle a = axis_angle_from_quat(q);
    expect_axis_angle_comes_back(a, axis_angle_from_quat(quat_from_axis_angle(a)), worst_q);
    expect_axis_angle_comes_back(a, axis_angle_from_homochoric(homochoric_from_axis_angle(a)), worst_h);
  }
  EXPECT_LT(worst_q, kTol);
  EXPECT_LT(worst_h, kTol);
}

TEST(RotationRoundTrip, RodriguesThroughQuaternion) {
  double worst = 0.0;
  for (const Quat& q : random_rotations(kCount, 12)) {
    const Rodrigues r = rodrigues_from_quat(q);
    const Rodrigues back = rodrigues_from_quat(quat_from_rodrigues(r));
    // tan(w/2) grows without bound towards 180 deg, so compare the half angle it encodes.
    worst = std::max({worst, std::fabs(std::atan(r.tan_half) - std::atan(back.tan_half)),
                      (r.axis - back.axis).cwiseAbs().maxCoeff()});
  }
  EXPECT_LT(worst, kTol);
}

// Uniform points of the homochoric ball (rejection from its bounding cube).
std::vector<Homochoric> points_in_ball(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  const double r = ball_radius();
  std::uniform_real_distribution<double> u(-r, r);
  std::vector<Homochoric> out;
  while (out.size() < n) {
    const Homochoric h{u(rng), u(rng), u(rng)};
    if (h.norm() <= r) out.push_back(h);
  }
  return out;
}

// Uniform points of the cubochoric cube.
std::vector<Cubochoric> points_in_cube(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-cube_half_edge(), cube_half_edge());
  std::vector<Cubochoric> out(n);
  for (auto& c : out) c = {u(rng), u(rng), u(rng)};
  return out;
}

TEST(RotationRoundTrip, HomochoricThroughQuaternionAndThroughCubochoric) {
  double worst_q = 0.0, worst_c = 0.0;
  for (const Homochoric& h : points_in_ball(kCount, 13)) {
    worst_q = std::max(worst_q, (homochoric_from_quat(quat_from_homochoric(h)) - h).cwiseAbs().maxCoeff());
    worst_c = std::max(worst_c, (homochoric_from_cubochoric(cubochoric_from_homochoric(h)) - h).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst_q, kTol);
  EXPECT_LT(worst_c, kTol);
}

TEST(RotationRoundTrip, CubochoricThroughQuaternionAndThroughHomochoric) {
  double worst_q = 0.0, worst_h = 0.0;
  for (const Cubochoric& c : points_in_cube(kCount, 14)) {
    worst_q = std::max(worst_q, (cubochoric_from_quat(quat_from_cubochoric(c)) - c).cwiseAbs().maxCoeff());
    worst_h = std::max(worst_h, (cubochoric_from_homochoric(homochoric_from_cubochoric(c)) - c).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst_q, kTol);
  EXPECT_LT(worst_h, kTol);
}

TEST(RotationRoundTrip, SmallRotationsKeepTheirAccuracy) {
  // Grain-internal misorientations are small; acos-based formulas lose digits there.
  for (double angle : {1e-12, 1e-9, 1e-6, 1e-4, 1e-2}) {
    const AxisAngle a{Eigen::Vector3d(1.0, -2.0, 2.0) / 3.0, angle};
    const Quat q = quat_from_axis_angle(a);
    EXPECT_NEAR(axis_angle_from_homochoric(homochoric_from_axis_angle(a)).angle, angle, 1e-9 * angle) << angle;
    EXPECT_NEAR(axis_angle_from_quat(quat_from_cubochoric(cubochoric_from_quat(q))).angle, angle, 1e-9 * angle) << angle;
    EXPECT_NEAR(axis_angle_from_quat(q).angle, angle, 1e-12 * angle) << angle;
  }
}

}  // namespace
}  // namespace ebsd
