// Slice-recovery baselines and the symmetry-aware projection on synthetic volumes.
#include <gtest/gtest.h>
#include <cmath>
#include <numbers>
#include <set>
#include "ebsd/analysis/recovery_metrics.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/analysis/slice_recovery.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/synth/microstructure.hpp"

using namespace ebsd;
using namespace ebsd::analysis;

namespace {
synth::SynthResult make(std::uint64_t seed = 3) {
  synth::SynthOptions o;
  o.dims = {48, 48, 12};
  o.grains = 60;
  o.seed = seed;
  return synth::generate_microstructure(o);
}
Volume truth_of(const synth::SynthResult& r) {
  Volume v = r.volume;
  v.set_grain_ids(r.feature_ids);
  return v;
}
RecoveryMetrics run(const Volume& truth, std::vector<std::int64_t> slices, RecoveryMethod m) {
  Volume v = truth;
  RecoveryOptions o;
  o.method = m;
  recover_slices(v, slices, o);
  return evaluate_recovery(truth, v, slices);
}
}  // namespace

TEST(SliceRecovery, RunsAreFilledFromTheOutsideIn) {
  const auto runs = consecutive_runs({12, 3, 4, 5, 6, 4});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(outside_in_order(runs), (std::vector<std::int64_t>{3, 6, 4, 5, 12}));
}

TEST(SliceRecovery, NearestCopiesTheSliceBelowExactly) {
  const Volume truth = truth_of(make());
  Volume v = truth;
  RecoveryOptions o;
  const std::vector<std::int64_t> s{5};
  recover_slices(v, s, o);
  for (std::int64_t y = 0; y < v.ny(); ++y)
    for (std::int64_t x = 0; x < v.nx(); ++x)
      ASSERT_EQ(v.grain_ids()[static_cast<std::size_t>(v.index(x, y, 5))],
                truth.grain_ids()[static_cast<std::size_t>(truth.index(x, y, 4))]);
  EXPECT_TRUE(v.has_channel(kRecoveryConfidenceChannel));
}

TEST(SliceRecovery, BaselinesRecoverMostVoxelsOfOneAndTwoMissingSlices) {
  const Volume truth = truth_of(make());
  for (auto m : {RecoveryMethod::Nearest, RecoveryMethod::Interp, RecoveryMethod::Fill}) {
    const auto one = run(truth, {6}, m);
    EXPECT_GT(one.grains.voxel_accuracy, 0.8) << static_cast<int>(m);
    EXPECT_GT(one.orientation.within_5deg, 0.75) << static_cast<int>(m);
    EXPECT_LT(one.grains.boundary_accuracy, one.grains.voxel_accuracy);  // the boundaries are what is hard
    const auto two = run(truth, {6, 7}, m);
    EXPECT_GT(two.grains.voxel_accuracy, 0.7) << static_cast<int>(m);
    EXPECT_EQ(two.orientation.unrecovered, 0);
  }
}

TEST(SliceRecovery, BorderSlicesAreCopiedFromTheOnlyNeighbour) {
  const Volume truth = truth_of(make());
  Volume v = truth;
  RecoveryOptions o;
  o.method = RecoveryMethod::Interp;
  const std::vector<std::int64_t> s{0};
  recover_slices(v, s, o);
  for (std::int64_t i = 0; i < v.nx() * v.ny(); ++i)
    ASSERT_EQ(v.grain_ids()[static_cast<std::size_t>(i)], truth.grain_ids()[static_cast<std::size_t>(i + v.nx() * v.ny())]);
}

TEST(SliceRecovery, SymmetricSlerpTakesTheShortWayUnderCubicSymmetry) {
  // 0 and 88 deg about z are 2 deg apart under cubic symmetry: the midpoint is 1 deg from both.
  const Quat a = Quat::identity();
  const double h = 88.0 * std::numbers::pi / 360.0;
  const Quat b{std::cos(h), 0, 0, std::sin(h)};
  const Quat m = symmetric_slerp(a, b, 0.5, LaueGroup::CubicHigh);
  EXPECT_NEAR(disorientation_angle(m, a, LaueGroup::CubicHigh) * 180 / std::numbers::pi, 1.0, 1e-6);
  EXPECT_NEAR(disorientation_angle(m, b, LaueGroup::CubicHigh) * 180 / std::numbers::pi, 1.0, 1e-6);
}

TEST(SliceRecovery, ProjectionOutputsOnlyCandidateOrientations) {
  const Volume truth = truth_of(make(5));
  Volume v = truth;
  RecoveryOptions o;
  o.method = RecoveryMethod::Projection;
  // A deliberately poor predictor: a fixed orientation everywhere.
  o.predictor = [](const Volume& vol, std::int64_t) {
    return std::vector<Quat>(static_cast<std::size_t>(vol.nx() * vol.ny()), Quat{0.9, 0.3, 0.3, 0.1}.normalized());
  };
  const std::vector<std::int64_t> s{4};
  recover_slices(v, s, o);
  for (std::int64_t y = 0; y < v.ny(); ++y)
    for (std::int64_t x = 0; x < v.nx(); ++x) {
      const Quat q = v.orientation(v.index(x, y, 4));
      bool found = false;
      for (auto [dx, dy, dz] : std::vector<std::array<int, 3>>{{0, 0, -1}, {0, 0, 1}, {-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}}) {
        const std::int64_t xx = x + dx, yy = y + dy, zz = 4 + dz;
        if (!v.contains(xx, yy, zz)) continue;
        const Quat c = v.orientation(v.index(xx, yy, zz));
        if (std::fabs(std::fabs(c.dot(q)) - 1.0) < 1e-6) found = true;
      }
      ASSERT_TRUE(found) << x << "," << y;
    }
}

TEST(SliceRecovery, ProjectionWithAPerfectPredictorBeatsNearest) {
  const Volume truth = truth_of(make(7));
  Volume v = truth;
  RecoveryOptions o;
  o.method = RecoveryMethod::Projection;
  o.predictor = [&truth](const Volume& vol, std::int64_t z) {
    std::vector<Quat> q;
    for (std::int64_t i = 0; i < vol.nx() * vol.ny(); ++i) q.push_back(truth.orientation(z * vol.nx() * vol.ny() + i));
    return q;
  };
  const std::vector<std::int64_t> s{6};
  recover_slices(v, s, o);
  const auto proj = evaluate_recovery(truth, v, s);
  const auto near = run(truth, s, RecoveryMethod::Nearest);
  EXPECT_GT(proj.grains.boundary_accuracy, near.grains.boundary_accuracy + 0.1);
  EXPECT_GT(proj.grains.voxel_accuracy, near.grains.voxel_accuracy);
}

TEST(SliceRecovery, EvidenceProjectionWithoutThePredictionsVoteIsTheNeighbourFill) {
  const Volume truth = truth_of(make(9));
  const std::vector<std::int64_t> s{5, 6};
  Volume fill = truth, vote = truth;
  RecoveryOptions f;
  f.method = RecoveryMethod::Fill;
  recover_slices(fill, s, f);
  RecoveryOptions o;
  o.method = RecoveryMethod::Projection;
  o.prediction_weight = 0.0;
  o.predictor = [](const Volume& vol, std::int64_t) {
    return std::vector<Quat>(static_cast<std::size_t>(vol.nx() * vol.ny()), Quat::identity());
  };
  recover_slices(vote, s, o);
  for (std::int64_t i = 0; i < truth.voxel_count(); ++i)
    ASSERT_EQ(fill.grain_ids()[static_cast<std::size_t>(i)], vote.grain_ids()[static_cast<std::size_t>(i)]) << i;
}

TEST(SliceRecovery, EvidenceProjectionFollowsAGoodPredictionWhereTheVotesAreClose) {
  // With the truth as the prediction, the prediction's vote can only move the choice towards the
  // truth: better than the fill at the boundaries, never worse in the interiors.
  const Volume truth = truth_of(make(11));
  const std::vector<std::int64_t> s{6};
  Volume v = truth;
  RecoveryOptions o;
  o.method = RecoveryMethod::Projection;
  o.predictor = [&truth](const Volume& vol, std::int64_t z) {
    std::vector<Quat> q;
    for (std::int64_t i = 0; i < vol.nx() * vol.ny(); ++i) q.push_back(truth.orientation(z * vol.nx() * vol.ny() + i));
    return q;
  };
  o.prediction_weight = 3.0;
  recover_slices(v, s, o);
  const auto proj = evaluate_recovery(truth, v, s);
  const auto fill = run(truth, s, RecoveryMethod::Fill);
  EXPECT_GT(proj.grains.boundary_accuracy, fill.grains.boundary_accuracy + 0.03);
  EXPECT_GE(proj.grains.voxel_accuracy, fill.grains.voxel_accuracy);
  EXPECT_EQ(proj.orientation.unrecovered, 0);
}

TEST(SliceRecovery, DetectFindsMarkedAndLowQualitySlices) {
  Volume v = make().volume;
  v.mark_missing(2);
  const std::int64_t plane = v.nx() * v.ny();
  for (std::int64_t i = 8 * plane; i < 9 * plane; ++i) v.confidence()[static_cast<std::size_t>(i)] *= 0.2f;
  EXPECT_EQ(detect_bad_slices(v), (std::vector<std::int64_t>{2, 8}));
}

TEST(SliceRecovery, RecoveringEverySliceIsAnError) {
  Volume v({4, 4, 2});
  const std::vector<std::int64_t> s{0, 1};
  EXPECT_THROW(recover_slices(v, s, {}), Error);
}
