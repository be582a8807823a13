// Grain segmentation on hand-built volumes whose grains are known by construction.
#include <gtest/gtest.h>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "grain_test_volumes.hpp"

namespace {

using ebsd::Quat;
using ebsd::Volume;
using ebsd::analysis::segment_grains;
using ebsd::analysis::SegmentationOptions;
using ebsd::test::base_orientation;
using ebsd::test::deg;
using ebsd::test::rotation;
using ebsd::test::uniform_volume;
using Ids = std::vector<std::int32_t>;

// 4 x 2 x 2 volume: the half x >= 2 turned by `q_right` relative to the half x < 2.
Volume two_blocks(const Quat& right, ebsd::LaueGroup laue = ebsd::LaueGroup::CubicHigh) {
  Volume v = uniform_volume({4, 2, 2}, laue);
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.coords(i)[0] >= 2) v.set_orientation(i, right);
  return v;
}

const Ids kOneGrain(16, 1);
const Ids kLeftRight{1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2};

SegmentationOptions threshold_deg(double d) {
  SegmentationOptions o;
  o.threshold_rad = deg(d);
  return o;
}

TEST(Segmentation, DefaultThresholdIsFiveDegreesAndKeepsEveryGrain) {
  const SegmentationOptions o;
  EXPECT_NEAR(o.threshold_rad, 0.0872664626, 1e-9);
  EXPECT_EQ(o.min_grain_voxels, 1);
}

TEST(Segmentation, BlocksThreeDegreesApartAreOneGrain) {
  const Volume v = two_blocks(rotation({0.3, -1.0, 0.2}, 3.0) * base_orientation());
  const auto r = segment_grains(v, threshold_deg(5));
  EXPECT_EQ(r.grain_count, 1);
  EXPECT_EQ(r.grain_ids, kOneGrain);
}

TEST(Segmentation, BlocksTenDegreesApartAreTwoGrains) {
  const Volume v = two_blocks(rotation({0.3, -1.0, 0.2}, 10.0) * base_orientation());
  const auto r = segment_grains(v, threshold_deg(5));
  EXPECT_EQ(r.grain_count, 2);
  EXPECT_EQ(r.grain_ids, kLeftRight);
}

TEST(Segmentation, ThresholdDecidesBetweenOneAndTwoGrains) {
  const Volume v = two_blocks(rotation({0.0, 0.0, 1.0}, 10.0) * base_orientation());
  EXPECT_EQ(segment_grains(v, threshold_deg(9.9)).grain_count, 2);
  EXPECT_EQ(segment_grains(v, threshold_deg(10.1)).grain_count, 1);
}

TEST(Segmentation, CubicSymmetryEquivalentsAreTheSameGrain) {
  // 90 deg about [001] is an operator of m-3m, so s * g is the same orientation as g.
  const Quat equivalent = rotation({0.0, 0.0, 1.0}, 90.0) * base_orientation();
  const auto r = segment_grains(two_blocks(equivalent, ebsd::LaueGroup::CubicHigh));
  EXPECT_EQ(r.grain_count, 1);
  EXPECT_EQ(r.grain_ids, kOneGrain);
  // The same two quaternions are 90 deg apart for a triclinic phase, which has no such operator.
  EXPECT_EQ(segment_grains(two_blocks(equivalent, ebsd::LaueGroup::Triclinic)).grain_ids, kLeftRight);
}

TEST(Segmentation, HexagonalSymmetryEquivalentsAreTheSameGrain) {
  // 60 deg about [0001] is an operator of 6/mmm, but not of cubic groups.
  const Quat equivalent = rotation({0.0, 0.0, 1.0}, 60.0) * base_orientation();
  EXPECT_EQ(segment_grains(two_blocks(equivalent, ebsd::LaueGroup::HexagonalHigh)).grain_ids, kOneGrain);
  EXPECT_EQ(segment_grains(two_blocks(equivalent, ebsd::LaueGroup::CubicHigh)).grain_ids, kLeftRight);
}

TEST(Segmentation, DifferentPhasesNeverMerge) {
  Volume v = two_blocks(base_orientation());  // one orientation everywhere
  v.phases().push_back({"Second", ebsd::LaueGroup::CubicHigh, {3.6, 3.6, 3.6, 90, 90, 90}});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.coords(i)[0] >= 2) v.phase_ids()[static_cast<std::size_t>(i)] = 2;
  EXPECT_EQ(segment_grains(v).grain_ids, kLeftRight);
}

TEST(Segmentation, InvalidAndUnphasedVoxelsGetZeroAndSeparateGrains) {
  // A wall at x = 2 that is invalid in z = 0 and valid but of phase 0 in z = 1 cuts the volume.
  Volume v = uniform_volume({5, 2, 2});
  for (std::int64_t y = 0; y < 2; ++y) {
    v.valid()[static_cast<std::size_t>(v.index(2, y, 0))] = 0;
    v.phase_ids()[static_cast<std::size_t>(v.index(2, y, 1))] = 0;
  }
  const auto r = segment_grains(v);
  EXPECT_EQ(r.grain_count, 2);
  EXPECT_EQ(r.grain_ids, (Ids{1, 1, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2}));
}

TEST(Segmentation, UShapedGrainStaysOneGrain) {
  // Slice (y down):   A B B B A     The two arms of A first meet in the last row, after the
  //                   A B B B A     scan has seen both; they must still be one grain.
  //                   A A A A A
  Volume v = uniform_volume({5, 3, 1});
  const Quat b = rotation({1.0, 1.0, 0.0}, 30.0) * base_orientation();
  for (std::int64_t y = 0; y < 2; ++y)
    for (std::int64_t x = 1; x < 4; ++x) v.set_orientation(v.index(x, y, 0), b);
  const auto r = segment_grains(v);
  EXPECT_EQ(r.grain_count, 2);
  EXPECT_EQ(r.grain_ids, (Ids{1, 2, 2, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1}));
}

TEST(Segmentation, GradualGradientIsComparedBetweenNeighbours) {
  // Ten voxels turning 3 deg per step: the ends differ by 27 deg, but no neighbours by 5.
  Volume v = uniform_volume({10, 1, 1});
  for (std::int64_t x = 0; x < 10; ++x)
    v.set_orientation(x, rotation({0.0, 1.0, 0.0}, 3.0 * static_cast<double>(x)) * base_orientation());
  EXPECT_EQ(segment_grains(v).grain_ids, Ids(10, 1));
}

TEST(Segmentation, GrainsAreNumberedByFirstVoxelWithXFastest) {
  // Two grains split along z: the grain of z = 0 comes first whatever its orientation.
  Volume v = uniform_volume({2, 2, 2});
  for (std::int64_t i = 0; i < 4; ++i) v.set_orientation(i, rotation({1.0, 0.0, 0.0}, 20.0) * base_orientation());
  EXPECT_EQ(segment_grains(v).grain_ids, (Ids{1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST(Segmentation, SmallGrainsAreDroppedAndTheRestRenumbered) {
  // Line A A A B C C with B and C 20 and 40 deg away from A.
  Volume v = uniform_volume({6, 1, 1});
  v.set_orientation(3, rotation({0.0, 0.0, 1.0}, 20.0) * base_orientation());
  v.set_orientation(4, rotation({0.0, 1.0, 0.0}, 40.0) * base_orientation());
  v.set_orientation(5, rotation({0.0, 1.0, 0.0}, 40.0) * base_orientation());
  SegmentationOptions keep_all;
  EXPECT_EQ(segment_grains(v, keep_all).grain_ids, (Ids{1, 1, 1, 2, 3, 3}));
  SegmentationOptions at_least_two;
  at_least_two.min_grain_voxels = 2;
  const auto r = segment_grains(v, at_least_two);
  EXPECT_EQ(r.grain_count, 2);
  EXPECT_EQ(r.grain_ids, (Ids{1, 1, 1, 0, 2, 2}));
  at_least_two.min_grain_voxels = 4;
  EXPECT_EQ(segment_grains(v, at_least_two).grain_ids, Ids(6, 0));
}

TEST(Segmentation, CancellationThrows) {
  const Volume v = uniform_volume({8, 8, 8});
  ebsd::CancelToken token;
  token.cancel();
  ebsd::Progress p([](double, const std::string&) {}, &token);
  EXPECT_THROW(segment_grains(v, {}, p), ebsd::Cancelled);
}

TEST(Segmentation, CancellationMidwayThrows) {
  const Volume v = uniform_volume({8, 8, 8});
  ebsd::CancelToken token;
  int reports = 0;
  ebsd::Progress p([&](double, const std::string&) { if (++reports == 3) token.cancel(); }, &token);
  EXPECT_THROW(segment_grains(v, {}, p), ebsd::Cancelled);
  EXPECT_EQ(reports, 3);
}

TEST(Segmentation, ProgressRisesToOne) {
  const Volume v = uniform_volume({4, 4, 6});
  std::vector<double> seen;
  ebsd::Progress p([&](double f, const std::string&) { seen.push_back(f); }, nullptr);
  segment_grains(v, {}, p);
  ASSERT_GE(seen.size(), 6u);
  EXPECT_TRUE(std::ranges::is_sorted(seen));
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST(Segmentation, InvalidOptionsAreRejected) {
  const Volume v = uniform_volume({2, 2, 2});
  SegmentationOptions o;
  o.threshold_rad = 0.0;
  EXPECT_THROW(segment_grains(v, o), ebsd::Error);
  o.threshold_rad = std::nan("");
  EXPECT_THROW(segment_grains(v, o), ebsd::Error);
  o = {};
  o.min_grain_voxels = 0;
  EXPECT_THROW(segment_grains(v, o), ebsd::Error);
}

}  // namespace
