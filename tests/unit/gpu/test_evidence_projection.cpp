// The evidence projection of diffusion inpainting (gpu/src/diffusion/evidence_projection.hpp): which
// measured grain each generated pixel takes, from the samples' votes, the side image and smoothness.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "diffusion/evidence_projection.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace {

using namespace ebsd;
using gpu::diffusion::project_to_evidence;
using gpu::diffusion::ProjectionInput;
using gpu::diffusion::ProjectionOptions;

constexpr double kDeg = std::numbers::pi / 180.0;
const Quat kA = quat_from_euler({10 * kDeg, 20 * kDeg, 30 * kDeg});
const Quat kB = quat_from_euler({50 * kDeg, 40 * kDeg, 5 * kDeg});
const Quat kC = quat_from_euler({80 * kDeg, 60 * kDeg, 15 * kDeg});

// A 64x64 slice of two grains (A left of x = 32 + a wave, B right), 10 % of the pixels measured,
// one side channel (A 0.3, B 0.7, noise 0.02), and N samples chosen by the test.
struct Slice {
  std::int64_t nx = 64, ny = 64;
  std::vector<std::uint8_t> observed;
  std::vector<Quat> truth, measured, generated;
  std::vector<std::vector<Quat>> samples;
  std::vector<double> spread;
  std::vector<float> side;
  explicit Slice(int n_samples) {
    const auto plane = static_cast<std::size_t>(nx * ny);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> noise(0.0, 0.02);
    observed.resize(plane), truth.resize(plane), measured.resize(plane), side.resize(plane);
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const auto p = static_cast<std::size_t>(x + nx * y);
        const bool b = static_cast<double>(x) >= 32.0 + 4.0 * std::sin(static_cast<double>(y) / 6.0);
        truth[p] = b ? kB : kA;
        side[p] = static_cast<float>((b ? 0.7 : 0.3) + noise(rng));
        observed[p] = u(rng) < 0.1;
        if (observed[p]) measured[p] = truth[p];
      }
    samples.assign(static_cast<std::size_t>(n_samples), truth);
    generated = truth;
    spread.assign(plane, 0.0);
  }
  ProjectionInput input() const {
    ProjectionInput in;
    in.nx = nx, in.ny = ny, in.laue = LaueGroup::CubicHigh;
    in.observed = observed, in.measured = measured, in.samples = samples, in.spread_deg = spread, in.generated = generated;
    in.side = side;
    return in;
  }
  // Fraction of the generated pixels within 1 deg of the truth.
  double accuracy(const std::vector<Quat>& out) const {
    std::int64_t good = 0, n = 0;
    for (std::size_t p = 0; p < truth.size(); ++p)
      if (!observed[p]) good += disorientation_angle(out[p], truth[p], LaueGroup::CubicHigh) < kDeg, ++n;
    return static_cast<double>(good) / static_cast<double>(n);
  }
};

TEST(EvidenceProjection, FollowsTheSamplesAndTakesOnlyMeasuredOrientations) {
  Slice s(4);
  // Samples: the truth with a few degrees of noise in every pixel.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> d(0.0, 1.5 * kDeg);
  for (auto& smp : s.samples)
    for (auto& q : smp) q = (quat_from_euler({d(rng), d(rng), d(rng)}) * q).normalized();
  ProjectionOptions o;
  o.side_weight = 0.0;
  const auto r = project_to_evidence(s.input(), o);
  EXPECT_GT(s.accuracy(r.orientation), 0.99);
  EXPECT_EQ(r.kept, 0);
  for (std::size_t p = 0; p < s.truth.size(); ++p) {
    if (s.observed[p]) {
      EXPECT_EQ(r.source[p], -1);
      continue;
    }
    ASSERT_GE(r.source[p], 0);
    ASSERT_TRUE(s.observed[static_cast<std::size_t>(r.source[p])]);
    EXPECT_LT(disorientation_angle(r.orientation[p], s.measured[static_cast<std::size_t>(r.source[p])], LaueGroup::CubicHigh), 1e-9);
  }
}

TEST(EvidenceProjection, TheSideImageOverrulesSamplesThatDrewTheBoundaryWrong) {
  Slice s(4);
  // Every sample puts the boundary 6 px too far right.
  for (auto& smp : s.samples)
    for (std::int64_t y = 0; y < s.ny; ++y)
      for (std::int64_t x = 0; x < s.nx; ++x)
        smp[static_cast<std::size_t>(x + s.nx * y)] = static_cast<double>(x) >= 38.0 + 4.0 * std::sin(static_cast<double>(y) / 6.0) ? kB : kA;
  ProjectionOptions votes_only;
  votes_only.side_weight = 0.0;
  const double without = s.accuracy(project_to_evidence(s.input(), votes_only).orientation);
  const double with = s.accuracy(project_to_evidence(s.input(), ProjectionOptions{}).orientation);
  EXPECT_LT(without, 0.93);  // the band the samples got wrong (about 6/64 of the pixels)
  EXPECT_GT(with, 0.99);
  // Without the side image in the input (side channels unobserved), the votes decide.
  auto in = s.input();
  in.side = {};
  EXPECT_DOUBLE_EQ(s.accuracy(project_to_evidence(in, ProjectionOptions{}).orientation), without);
}

TEST(EvidenceProjection, SmoothnessRemovesIslandsTheVotesAlonePlace) {
  Slice s(4);
  // Uninformative side image; grain B measured at (33, 20) and (33, 21), so it is a candidate for
  // the 2x2 patch at x 28-29, y 20-21 inside grain A, whose samples all vote for B.
  std::fill(s.side.begin(), s.side.end(), 0.5f);
  for (std::int64_t y = 20; y < 22; ++y) {
    const auto q = static_cast<std::size_t>(33 + s.nx * y);
    s.observed[q] = 1, s.measured[q] = kB;
  }
  std::vector<std::size_t> island;
  for (std::int64_t y = 20; y < 22; ++y)
    for (std::int64_t x = 28; x < 30; ++x) {
      const auto p = static_cast<std::size_t>(x + s.nx * y);
      ASSERT_EQ(s.truth[p].w, kA.w);
      s.observed[p] = 0;
      island.push_back(p);
      for (auto& smp : s.samples) smp[p] = kB;
    }
  ProjectionOptions o;
  o.vote_radius = 0;
  o.smoothness = 0.0;
  const auto rough = project_to_evidence(s.input(), o);
  o.smoothness = 3.0;
  const auto smooth = project_to_evidence(s.input(), o);
  for (auto p : island) {
    EXPECT_LT(disorientation_angle(rough.orientation[p], kB, LaueGroup::CubicHigh), 1e-9);
    EXPECT_LT(disorientation_angle(smooth.orientation[p], kA, LaueGroup::CubicHigh), 1e-9);
  }
  EXPECT_LT(s.accuracy(rough.orientation), s.accuracy(smooth.orientation));
}

TEST(EvidenceProjection, AGrainNothingMeasuredKeepsTheGeneratedOrientation) {
  Slice s(4);
  // A 5x5 grain C around (12, 40) that no measurement saw: the samples agree on C and the side
  // image shows a value no measured grain has.
  std::vector<std::size_t> grain;
  for (std::int64_t y = 38; y < 43; ++y)
    for (std::int64_t x = 10; x < 15; ++x) {
      const auto p = static_cast<std::size_t>(x + s.nx * y);
      s.observed[p] = 0;
      s.truth[p] = s.generated[p] = kC;
      s.side[p] = 0.95f;
      for (auto& smp : s.samples) smp[p] = kC;
      grain.push_back(p);
    }
  ProjectionOptions own;  // each pixel's own samples vote (its neighbours' would bring grain A in at the rim)
  own.vote_radius = 0;
  const auto r = project_to_evidence(s.input(), own);
  EXPECT_EQ(r.kept, static_cast<std::int64_t>(grain.size()));
  for (auto p : grain) {
    EXPECT_EQ(r.source[p], -1);
    EXPECT_LT(disorientation_angle(r.orientation[p], kC, LaueGroup::CubicHigh), 1e-9);
  }
  // The same pixels with a side value of grain A: the side image names a measured grain.
  for (auto p : grain) s.side[p] = 0.3f;
  const auto r2 = project_to_evidence(s.input(), own);
  EXPECT_EQ(r2.kept, 0);
}

TEST(EvidenceProjection, WithoutMeasurementsOrWithSnappingOffTheGeneratedOrientationsStay) {
  Slice s(2);
  ProjectionOptions off;
  off.snap_deg = 0.0;
  auto r = project_to_evidence(s.input(), off);
  EXPECT_EQ(r.orientation.size(), s.truth.size());
  std::fill(s.observed.begin(), s.observed.end(), 0);
  r = project_to_evidence(s.input(), ProjectionOptions{});
  EXPECT_EQ(r.kept, s.nx * s.ny);
}

}  // namespace
