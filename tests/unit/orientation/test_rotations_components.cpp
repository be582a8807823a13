// Representations at the user boundary: names, component counts, degree variants, and the
// errors a user gets for what cannot be a rotation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "test_rotations_support.hpp"

namespace ebsd {
namespace {
using test::kPi;
using test::rotation_distance;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(RotationComponents, NamesAndCountsAreThoseOfTheCommandLine) {
  const struct {
    const char* name;
    Representation r;
    std::size_t count;
  } table[] = {{"euler", Representation::EulerRad, 3},    {"euler-deg", Representation::EulerDeg, 3},
               {"om", Representation::Matrix, 9},         {"ax", Representation::AxisAngleRad, 4},
               {"ax-deg", Representation::AxisAngleDeg, 4}, {"ro", Representation::Rodrigues, 4},
               {"qu", Representation::Quaternion, 4},     {"ho", Representation::Homochoric, 3},
               {"cu", Representation::Cubochoric, 3}};
  for (const auto& t : table) {
    EXPECT_EQ(representation_from_name(t.name), t.r) << t.name;
    EXPECT_EQ(representation_name(t.r), t.name);
    EXPECT_EQ(component_count(t.r), t.count) << t.name;
  }
}

TEST(RotationComponents, UnknownNameThrowsListingTheKnownOnes) {
  try {
    representation_from_name("bunge");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bunge"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("euler-deg"), std::string::npos);
  }
}

TEST(RotationComponents, DegreeVariantsEqualTheRadianOnes) {
  const std::vector<double> deg{90, 30, 45};
  const std::vector<double> rad{kPi / 2, kPi / 6, kPi / 4};
  EXPECT_LT(rotation_distance(quat_from_components(Representation::EulerDeg, deg),
                              quat_from_components(Representation::EulerRad, rad)), 1e-15);
  const std::vector<double> ax_deg{0, 0, 1, 90};
  const std::vector<double> ax_rad{0, 0, 1, kPi / 2};
  EXPECT_LT(rotation_distance(quat_from_components(Representation::AxisAngleDeg, ax_deg),
                              quat_from_components(Representation::AxisAngleRad, ax_rad)), 1e-15);
  // Euler (90, 0, 0) deg is 90 deg about -z (Rowenhorst eu2qu, P = +1).
  const std::vector<double> euler_90{90, 0, 0};
  const auto ax = components_from_quat(Representation::AxisAngleDeg, quat_from_components(Representation::EulerDeg, euler_90));
  ASSERT_EQ(ax.size(), 4u);
  EXPECT_NEAR(ax[0], 0.0, 1e-15);
  EXPECT_NEAR(ax[1], 0.0, 1e-15);
  EXPECT_NEAR(ax[2], -1.0, 1e-15);
  EXPECT_NEAR(ax[3], 90.0, 1e-12);
  const auto eu = components_from_quat(Representation::EulerDeg, quat_from_components(Representation::AxisAngleDeg, ax));
  EXPECT_NEAR(eu[0], 90.0, 1e-12);
  EXPECT_NEAR(eu[1], 0.0, 1e-12);
  EXPECT_NEAR(eu[2], 0.0, 1e-12);
}

TEST(RotationComponents, MatrixComponentsAreRowMajor) {
  // Euler (90, 0, 0) deg: g = [[0, 1, 0], [-1, 0, 0], [0, 0, 1]] (Bunge passive).
  const std::vector<double> e{90, 0, 0};
  const auto m = components_from_quat(Representation::Matrix, quat_from_components(Representation::EulerDeg, e));
  const double expected[9] = {0, 1, 0, -1, 0, 0, 0, 0, 1};
  ASSERT_EQ(m.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(m[i], expected[i], 1e-15) << i;
  EXPECT_LT(rotation_distance(quat_from_components(Representation::Matrix, m),
                              quat_from_components(Representation::EulerDeg, e)), 1e-15);
}

TEST(RotationComponents, EveryRepresentationRoundTripsThroughItsComponents) {
  for (const Quat& q : test::random_rotations(2000, 51)) {
    for (Representation r : {Representation::EulerRad, Representation::EulerDeg, Representation::Matrix,
                             Representation::AxisAngleRad, Representation::AxisAngleDeg, Representation::Rodrigues,
                             Representation::Quaternion, Representation::Homochoric, Representation::Cubochoric}) {
      const auto c = components_from_quat(r, q);
      ASSERT_EQ(c.size(), component_count(r));
      ASSERT_LT(rotation_distance(quat_from_components(r, c), q), 1e-9) << representation_name(r);
    }
  }
}

TEST(RotationComponents, HalfTurnRodriguesWithInfiniteLengthIsAccepted) {
  const Quat half_turn{0, 0, 1, 0};
  const auto ro = components_from_quat(Representation::Rodrigues, half_turn);
  ASSERT_EQ(ro.size(), 4u);
  EXPECT_EQ(ro[3], kInf);
  EXPECT_LT(rotation_distance(quat_from_components(Representation::Rodrigues, ro), half_turn), 1e-15);
}

// The error names the representation and says what was wrong.
void expect_error(Representation r, const std::vector<double>& c, const std::string& fragment) {
  try {
    quat_from_components(r, c);
    ADD_FAILURE() << "no exception for " << representation_name(r);
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(std::string(representation_name(r))), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(RotationComponents, WrongCountThrowsNamingTheRepresentation) {
  expect_error(Representation::EulerDeg, {1, 2}, "expected 3 components, got 2");
  expect_error(Representation::Matrix, {1, 0, 0, 0, 1, 0, 0, 0}, "expected 9 components, got 8");
  expect_error(Representation::Quaternion, {1, 0, 0, 0, 0}, "expected 4 components, got 5");
  expect_error(Representation::Cubochoric, {}, "expected 3 components, got 0");
}

TEST(RotationComponents, NonFiniteValuesThrowNamingTheRepresentation) {
  expect_error(Representation::EulerRad, {0, kNaN, 0}, "component 2 is not a finite number");
  expect_error(Representation::AxisAngleDeg, {0, 0, 1, kInf}, "component 4 is not a finite number");
  expect_error(Representation::Homochoric, {kInf, 0, 0}, "component 1 is not a finite number");
  expect_error(Representation::Rodrigues, {0, 0, 1, kNaN}, "component 4 is not a finite number");
  expect_error(Representation::Rodrigues, {0, 0, 1, -kInf}, "component 4 is not a finite number");
}

TEST(RotationComponents, ValuesThatAreNoRotationThrow) {
  expect_error(Representation::Quaternion, {1, 1, 0, 0}, "quaternion length");
  expect_error(Representation::Quaternion, {0, 0, 0, 0}, "quaternion length");
  expect_error(Representation::AxisAngleRad, {1, 1, 0, 0.5}, "axis length");
  expect_error(Representation::AxisAngleRad, {0, 0, 0, 0.5}, "axis length");
  expect_error(Representation::Rodrigues, {0, 2, 0, 0.5}, "axis length");
  expect_error(Representation::Matrix, {1, 0, 0, 0, 1, 0, 0, 0, 2}, "not orthonormal");
  expect_error(Representation::Matrix, {1, 0, 0, 0, 1, 0, 0, 0, -1}, "reflection");
  expect_error(Representation::Homochoric, {1.4, 0, 0}, "outside the homochoric ball");
  expect_error(Representation::Cubochoric, {0, 1.1, 0}, "outside the cubochoric cube");
}

TEST(RotationComponents, NearlyUnitInputIsNormalisedAndZeroAxisIsTheIdentity) {
  const std::vector<double> q{1.0 + 5e-7, 0, 0, 0};
  const Quat got = quat_from_components(Representation::Quaternion, q);
  EXPECT_DOUBLE_EQ(got.norm(), 1.0);
  const std::vector<double> southern{-0.5, 0.5, 0.5, 0.5};
  EXPECT_GE(quat_from_components(Representation::Quaternion, southern).w, 0.0);
  const std::vector<double> zero_axis_no_turn{0, 0, 0, 0};
  EXPECT_LT(rotation_distance(quat_from_components(Representation::AxisAngleDeg, zero_axis_no_turn), Quat::identity()), 1e-300);
  EXPECT_LT(rotation_distance(quat_from_components(Representation::Rodrigues, zero_axis_no_turn), Quat::identity()), 1e-300);
}

}  // namespace
}  // namespace ebsd
