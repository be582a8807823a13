// The continuous symmetry-reduced orientation embedding and its projection back to orientations.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/orientation_embedding.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

std::vector<Quat> random_orientations(int n, std::uint64_t seed) {
  std::mt19937_64 e(seed);
  std::normal_distribution<double> nd;
  std::vector<Quat> q;
  for (int i = 0; i < n; ++i) q.push_back(Quat(nd(e), nd(e), nd(e), nd(e)).normalized().positive());
  return q;
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

class Embedding : public ::testing::TestWithParam<LaueGroup> {};

TEST_P(Embedding, HasTheDimensionsOfItsHarmonics) {
  const auto& e = orientation_embedding(GetParam());
  EXPECT_EQ(e.dims(), GetParam() == LaueGroup::CubicHigh ? 9 : 18);
  // Channels of about 0.5 root mean square over SO(3), bounded.
  double ms = 0, peak = 0;
  const auto qs = random_orientations(2000, 3);
  for (const Quat& q : qs)
    for (float v : e.encode(q)) ms += v * v, peak = std::max(peak, std::fabs(static_cast<double>(v)));
  ms /= static_cast<double>(qs.size()) * e.dims();
  EXPECT_NEAR(std::sqrt(ms), 0.5, 0.05);
  EXPECT_LT(peak, 2.5);  // the sampler clips its estimates at 2.5
}

TEST_P(Embedding, IsTheSameForSymmetryEquivalentOrientations) {
  const auto& e = orientation_embedding(GetParam());
  for (const Quat& q : random_orientations(50, 1)) {
    const auto ref = e.encode(q);
    EXPECT_LT(distance(e.encode(-q), ref), 1e-5);
    for (const Quat& s : symmetry_operators(GetParam())) EXPECT_LT(distance(e.encode(s * q), ref), 1e-5);
  }
}

TEST_P(Embedding, SeparatesInequivalentOrientationsAndIsContinuous) {
  const auto& e = orientation_embedding(GetParam());
  const auto qs = random_orientations(300, 2);
  for (std::size_t i = 0; i + 1 < qs.size(); ++i) {
    const double angle = disorientation_angle(qs[i], qs[i + 1], GetParam());
    const double d = distance(e.encode(qs[i]), e.encode(qs[i + 1]));
    if (angle > 5 * kDeg) {
      EXPECT_GT(d, 0.02) << angle / kDeg;
    }
    // A small rotation moves the embedding a little: Lipschitz-like, no jump at zone faces.
    const Quat small = quat_from_axis_angle({Eigen::Vector3d(0.3, -0.5, 0.8).normalized(), 0.2 * kDeg});
    EXPECT_LT(distance(e.encode(small * qs[i]), e.encode(qs[i])), 0.05);
  }
}

TEST_P(Embedding, RoundTripRecoversTheOrientation) {
  const auto& e = orientation_embedding(GetParam());
  for (const Quat& q : random_orientations(200, 4)) {
    const Quat r = e.decode(e.encode(q));
    EXPECT_LT(disorientation_angle(q, r, GetParam()), 0.01 * kDeg);
  }
}

TEST_P(Embedding, ProjectionGivesValidNearestOrientations) {
  const auto& e = orientation_embedding(GetParam());
  std::mt19937_64 g(9);
  std::normal_distribution<float> nd;
  const auto qs = random_orientations(100, 5);
  const auto probes = random_orientations(400, 6);
  std::vector<float> values;
  for (int i = 0; i < 100; ++i)
    for (int c = 0; c < e.dims(); ++c) values.push_back(0.6f * nd(g));  // arbitrary network outputs
  std::vector<Quat> out(100);
  std::vector<float> residual(100);
  e.decode_many(values, out, residual);
  for (int i = 0; i < 100; ++i) {
    const Quat& r = out[static_cast<std::size_t>(i)];
    EXPECT_NEAR(r.norm(), 1.0, 1e-9);
    EXPECT_GE(r.w, 0.0);
    // In the fundamental zone: no equivalent has a smaller rotation angle.
    EXPECT_LE(rotation_angle(r), rotation_angle(reduce_to_fundamental_zone(r, GetParam())) + 1e-9);
    // Nearest: no probe orientation is closer to the vector than the projection.
    const std::vector<float> v(values.begin() + i * e.dims(), values.begin() + (i + 1) * e.dims());
    EXPECT_NEAR(distance(e.encode(r), v), residual[static_cast<std::size_t>(i)], 1e-4);
    // (to 1 %: far from the manifold, the nearest point is found among several local minima)
    for (const Quat& p : probes) EXPECT_LE(residual[static_cast<std::size_t>(i)], 1.01 * distance(e.encode(p), v) + 1e-4);
  }
  // A slightly perturbed embedding projects close to the original orientation.
  for (const Quat& q : qs) {
    auto v = e.encode(q);
    for (auto& x : v) x += 0.01f * nd(g);
    EXPECT_LT(disorientation_angle(q, e.decode(v), GetParam()), 3 * kDeg);
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, Embedding, ::testing::Values(LaueGroup::CubicHigh, LaueGroup::HexagonalHigh));

TEST(EmbeddingErrors, OtherGroupsAreRefusedByName) {
  EXPECT_FALSE(OrientationEmbedding::supports(LaueGroup::Orthorhombic));
  try {
    OrientationEmbedding e(LaueGroup::TetragonalHigh);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("4/mmm"), std::string::npos);
  }
}

}  // namespace
}  // namespace ebsd
