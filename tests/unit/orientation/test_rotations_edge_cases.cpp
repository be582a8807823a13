// Edge cases of the conversions: the identity, 180 degree rotations, rotations about each axis,
// Euler angles at and near Phi = 0 and pi, and the faces of the cubochoric cube.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "ebsd/orientation/rotations.hpp"
#include "test_rotations_support.hpp"

namespace ebsd {
namespace {
using test::angle_difference;
using test::ball_radius;
using test::cube_half_edge;
using test::kPi;
using test::rotation_distance;

constexpr double kTight = 1e-12;

void expect_matrix_near(const RotationMatrix& a, const RotationMatrix& b, double tol) {
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), tol) << "got\n" << a << "\nexpected\n" << b;
}

TEST(RotationEdgeCases, IdentityInEveryRepresentation) {
  const Quat id = Quat::identity();
  const Euler e = euler_from_quat(id);
  EXPECT_EQ(e.phi1, 0.0);
  EXPECT_EQ(e.Phi, 0.0);
  EXPECT_EQ(e.phi2, 0.0);
  EXPECT_TRUE(matrix_from_quat(id) == RotationMatrix::Identity());
  const AxisAngle a = axis_angle_from_quat(id);
  EXPECT_EQ(a.angle, 0.0);
  EXPECT_EQ(a.axis, Eigen::Vector3d(0, 0, 1));  // Rowenhorst's qu2ax choice for the identity
  const Rodrigues r = rodrigues_from_quat(id);
  EXPECT_EQ(r.tan_half, 0.0);
  EXPECT_EQ(homochoric_from_quat(id), Homochoric::Zero());
  EXPECT_EQ(cubochoric_from_quat(id), Cubochoric::Zero());
  // And back.
  EXPECT_EQ(rotation_distance(quat_from_euler({}), id), 0.0);
  EXPECT_EQ(rotation_distance(quat_from_matrix(RotationMatrix::Identity()), id), 0.0);
  EXPECT_EQ(rotation_distance(quat_from_axis_angle({}), id), 0.0);
  EXPECT_EQ(rotation_distance(quat_from_rodrigues({}), id), 0.0);
  EXPECT_EQ(rotation_distance(quat_from_homochoric(Homochoric::Zero()), id), 0.0);
  EXPECT_EQ(rotation_distance(quat_from_cubochoric(Cubochoric::Zero()), id), 0.0);
}

struct HalfTurn {
  Eigen::Vector3d axis;             // unit
  Eigen::Vector3d cube_direction;   // the cube point on the ray of the axis, in units of the half edge
};

// 180 degree rotations about <100>, <110> and <111>. The cube and ball are both symmetric under
// the permutations and sign changes of the axes and the map commutes with them, so a ray through
// a face centre, an edge midpoint or a corner of the cube is mapped onto itself: the cubochoric
// point of such a half turn is that face centre, edge midpoint or corner.
const HalfTurn kHalfTurns[] = {
    {{1, 0, 0}, {1, 0, 0}},
    {{0, 1, 0}, {0, 1, 0}},
    {{0, 0, 1}, {0, 0, 1}},
    {Eigen::Vector3d(1, 1, 0).normalized(), {1, 1, 0}},
    {Eigen::Vector3d(1, -1, 0).normalized(), {1, -1, 0}},
    {Eigen::Vector3d(1, 1, 1).normalized(), {1, 1, 1}},
    {Eigen::Vector3d(-1, 1, 1).normalized(), {-1, 1, 1}},
};

TEST(RotationEdgeCases, HalfTurnsInEveryRepresentation) {
  for (const HalfTurn& t : kHalfTurns) {
    const Eigen::Vector3d n = t.axis;
    const Quat q{0.0, n.x(), n.y(), n.z()};
    SCOPED_TRACE(testing::Message() << "axis " << n.transpose());
    // Rowenhorst ax2om at w = pi: g = 2 n n^T - I.
    const RotationMatrix g = 2.0 * n * n.transpose() - RotationMatrix::Identity();
    expect_matrix_near(matrix_from_quat(q), g, kTight);
    EXPECT_LT(rotation_distance(quat_from_matrix(g), q), kTight);

    const AxisAngle a = axis_angle_from_quat(q);
    EXPECT_NEAR(a.angle, kPi, kTight);
    EXPECT_NEAR(std::fabs(a.axis.dot(n)), 1.0, kTight);

    const Rodrigues r = rodrigues_from_quat(q);
    EXPECT_EQ(r.tan_half, std::numeric_limits<double>::infinity());
    EXPECT_LT(rotation_distance(quat_from_rodrigues(r), q), kTight);

    const Homochoric h = homochoric_from_quat(q);
    EXPECT_NEAR(h.norm(), ball_radius(), kTight);
    EXPECT_NEAR(std::fabs(h.normalized().dot(n)), 1.0, kTight);
    EXPECT_LT(rotation_distance(quat_from_homochoric(h), q), 1e-9);
    EXPECT_LT(rotation_distance(quat_from_homochoric(-h), q), 1e-9);  // antipodes: same rotation

    const Cubochoric c = cubochoric_from_quat(q);
    const Cubochoric expected = cube_half_edge() * t.cube_direction;
    EXPECT_LT(std::min((c - expected).cwiseAbs().maxCoeff(), (c + expected).cwiseAbs().maxCoeff()), 1e-9)
        << "cu " << c.transpose();
    EXPECT_LT(rotation_distance(quat_from_cubochoric(expected), q), 1e-9);
    EXPECT_LT(rotation_distance(quat_from_cubochoric(-expected), q), 1e-9);

    EXPECT_LT(rotation_distance(quat_from_euler(euler_from_quat(q)), q), kTight);
  }
}

TEST(RotationEdgeCases, HalfTurnEulerAnglesUseTheDegenerateConvention) {
  // 180 deg about x is Bunge (0, pi, 0); about z it is (pi, 0, 0); about y it is (pi, pi, 0):
  // at Phi = 0 or pi, phi2 is 0 and phi1 carries phi1 +- phi2 (Rowenhorst qu2eu).
  const Euler x = euler_from_quat({0, 1, 0, 0});
  EXPECT_NEAR(x.phi1, 0.0, kTight);
  EXPECT_NEAR(x.Phi, kPi, kTight);
  EXPECT_NEAR(x.phi2, 0.0, kTight);
  const Euler z = euler_from_quat({0, 0, 0, 1});
  EXPECT_NEAR(z.phi1, kPi, kTight);
  EXPECT_NEAR(z.Phi, 0.0, kTight);
  EXPECT_NEAR(z.phi2, 0.0, kTight);
  const Euler y = euler_from_quat({0, 0, 1, 0});
  EXPECT_NEAR(y.phi1, kPi, kTight);
  EXPECT_NEAR(y.Phi, kPi, kTight);
  EXPECT_NEAR(y.phi2, 0.0, kTight);
}

TEST(RotationEdgeCases, RotationsAboutEachAxisHaveTheElementaryMatrices) {
  // Rowenhorst ax2om with P = +1 for n = x, y, z (g_ij = d_ij c + (1 - c) n_i n_j - s e_ijk n_k).
  for (double w : {0.1, 0.5 * kPi, 2.0, kPi - 1e-9}) {
    const double c = std::cos(w), s = std::sin(w);
    RotationMatrix gx, gy, gz;
    gx << 1, 0, 0, 0, c, -s, 0, s, c;
    gy << c, 0, s, 0, 1, 0, -s, 0, c;
    gz << c, -s, 0, s, c, 0, 0, 0, 1;
    const Eigen::Vector3d axes[] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const RotationMatrix gs[] = {gx, gy, gz};
    for (int k = 0; k < 3; ++k) {
      SCOPED_TRACE(testing::Message() << "axis " << k << " angle " << w);
      const Quat q = quat_from_axis_angle({axes[k], w});
      expect_matrix_near(matrix_from_quat(q), gs[k], kTight);
      const AxisAngle back = axis_angle_from_quat(quat_from_matrix(gs[k]));
      EXPECT_NEAR(back.angle, w, 1e-9);
      EXPECT_LT((back.axis - axes[k]).norm(), 1e-9);
      // Homochoric and cubochoric vectors of a rotation about a cube axis lie on that axis.
      const Homochoric h = homochoric_from_quat(q);
      const Cubochoric cu = cubochoric_from_quat(q);
      EXPECT_NEAR(h[k], std::cbrt(0.75 * (w - std::sin(w))), 1e-9);
      EXPECT_NEAR(h.norm(), std::fabs(h[k]), 1e-12);
      EXPECT_NEAR(cu.norm(), std::fabs(cu[k]), 1e-12);
      EXPECT_GT(cu[k], 0.0);
    }
  }
}

TEST(RotationEdgeCases, EulerAnglesAtPhiZeroKeepOnlyTheSum) {
  const Euler e{0.7, 0.0, 1.1};
  const Euler back = euler_from_quat(quat_from_euler(e));
  EXPECT_NEAR(back.phi1, 1.8, kTight);
  EXPECT_EQ(back.Phi, 0.0);
  EXPECT_EQ(back.phi2, 0.0);
  const Euler from_matrix = euler_from_matrix(matrix_from_euler(e));
  EXPECT_NEAR(from_matrix.phi1, 1.8, kTight);
  EXPECT_NEAR(from_matrix.Phi, 0.0, kTight);
  EXPECT_NEAR(from_matrix.phi2, 0.0, kTight);
  // A sum beyond 2 pi wraps into [0, 2 pi).
  EXPECT_NEAR(euler_from_quat(quat_from_euler({5.0, 0.0, 4.0})).phi1, 9.0 - 2 * kPi, kTight);
}

TEST(RotationEdgeCases, EulerAnglesAtPhiPiKeepOnlyTheDifference) {
  const Euler e{2.0, kPi, 0.5};
  const Euler back = euler_from_quat(quat_from_euler(e));
  EXPECT_NEAR(back.phi1, 1.5, kTight);
  EXPECT_NEAR(back.Phi, kPi, kTight);
  EXPECT_EQ(back.phi2, 0.0);
  const Euler from_matrix = euler_from_matrix(matrix_from_euler(e));
  EXPECT_NEAR(from_matrix.phi1, 1.5, kTight);
  EXPECT_NEAR(from_matrix.Phi, kPi, kTight);
  EXPECT_NEAR(from_matrix.phi2, 0.0, kTight);
  EXPECT_NEAR(euler_from_quat(quat_from_euler({0.5, kPi, 2.0})).phi1, 2 * kPi - 1.5, kTight);
}

TEST(RotationEdgeCases, EulerAnglesNearlyDegenerateStayAccurateThroughTheMatrix) {
  // Phi of 1e-6 .. 1e-9 and within that of pi: the matrix route must keep the rotation, not
  // round Phi to 0 (a cut-off at |g33| = 1 - 1e-12 would drop Phi up to 1.4e-6).
  for (double Phi : {1.3e-6, 1.0e-6, 3e-8, 1e-9, kPi - 1.3e-6, kPi - 1e-9}) {
    SCOPED_TRACE(Phi);
    const Euler e{0.4, Phi, 2.9};
    const RotationMatrix g = matrix_from_euler(e);
    expect_matrix_near(matrix_from_euler(euler_from_matrix(g)), g, 1e-12);
    expect_matrix_near(matrix_from_euler(euler_from_quat(quat_from_euler(e))), g, 1e-12);
  }
}

TEST(RotationEdgeCases, CubeFacesAreHalfTurnsAndOppositeFacePointsAgree) {
  // The faces of the cube map onto the surface of the ball: 180 degree rotations. The points p
  // and -p lie on opposite faces and are the same rotation (Rosca et al. 2014, section 4).
  std::mt19937_64 rng(41);
  const double a = cube_half_edge();
  std::uniform_real_distribution<double> u(-a, a);
  for (int face = 0; face < 6; ++face) {
    for (int i = 0; i < 500; ++i) {
      Cubochoric p{u(rng), u(rng), u(rng)};
      p[face % 3] = face < 3 ? a : -a;
      const Homochoric h = homochoric_from_cubochoric(p);
      ASSERT_NEAR(h.norm(), ball_radius(), 1e-12) << p.transpose();
      const Quat q = quat_from_cubochoric(p);
      ASSERT_NEAR(q.w, 0.0, 1e-7) << p.transpose();
      ASSERT_LT(rotation_distance(q, quat_from_cubochoric(-p)), 1e-7) << p.transpose();
      ASSERT_LT((cubochoric_from_homochoric(h) - p).cwiseAbs().maxCoeff(), 1e-9) << p.transpose();
      const Cubochoric back = cubochoric_from_quat(q);
      ASSERT_LT(std::min((back - p).cwiseAbs().maxCoeff(), (back + p).cwiseAbs().maxCoeff()), 1e-6) << p.transpose();
    }
  }
}

TEST(RotationEdgeCases, CubeEdgesAndCornersAndPyramidBoundariesAreContinuous) {
  // Points on a pyramid boundary (|x| = |z|) and on the square map's diagonal (|x| = |y|) give
  // the same image from either side.
  const double d = 1e-12;
  for (double z : {0.3, 0.8, cube_half_edge()}) {
    for (double y : {0.0, 0.1, 0.25}) {
      const Homochoric on = homochoric_from_cubochoric({z, y, z});
      EXPECT_LT((homochoric_from_cubochoric({z - d, y, z}) - on).norm(), 1e-9);
      EXPECT_LT((homochoric_from_cubochoric({z, y, z - d}) - on).norm(), 1e-9);
    }
    const Homochoric diag = homochoric_from_cubochoric({0.2, 0.2, z});
    EXPECT_LT((homochoric_from_cubochoric({0.2 + d, 0.2, z}) - diag).norm(), 1e-9);
    EXPECT_LT((homochoric_from_cubochoric({0.2, 0.2 + d, z}) - diag).norm(), 1e-9);
    EXPECT_NEAR(std::fabs(diag.x()), std::fabs(diag.y()), 1e-12);
  }
}

TEST(RotationEdgeCases, AnglesOutsideZeroToPiStillDescribeTheRightRotation) {
  const Eigen::Vector3d n = Eigen::Vector3d(2, -1, 2) / 3.0;
  const Quat q = quat_from_axis_angle({n, 1.0});
  // 2 pi - 1 about -n, and -1 about -n, are the same rotation as 1 about n.
  EXPECT_LT(rotation_distance(quat_from_axis_angle({-n, 2 * kPi - 1.0}), q), kTight);
  EXPECT_LT(rotation_distance(quat_from_axis_angle({-n, -1.0}), q), kTight);
  EXPECT_LT((homochoric_from_axis_angle({-n, 2 * kPi - 1.0}) - homochoric_from_quat(q)).norm(), 1e-12);
  EXPECT_LT((homochoric_from_axis_angle({-n, -1.0}) - homochoric_from_quat(q)).norm(), 1e-12);
  // A southern-hemisphere quaternion is the same rotation as its negative.
  EXPECT_LT((homochoric_from_quat(-q) - homochoric_from_quat(q)).norm(), 1e-15);
  EXPECT_NEAR(axis_angle_from_quat(-q).angle, 1.0, 1e-15);
  EXPECT_LT(angle_difference(euler_from_quat(-q).phi1, euler_from_quat(q).phi1), 1e-15);
}

}  // namespace
}  // namespace ebsd
