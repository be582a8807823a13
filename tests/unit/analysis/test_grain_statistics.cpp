// Per-grain statistics and the summary, on grains whose sizes and positions are known.
#include <gtest/gtest.h>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "grain_test_volumes.hpp"

namespace {

using ebsd::Quat;
using ebsd::Volume;
using ebsd::analysis::DiameterKind;
using ebsd::analysis::grain_statistics;
using ebsd::analysis::GrainStatistics;
using ebsd::analysis::summarize;
using ebsd::test::base_orientation;
using ebsd::test::rotation;
using ebsd::test::uniform_volume;

// 6 x 6 x 6 voxels of 0.5 um from origin (10, 20, 30); grain 2 is the 4 x 4 x 4 cube at voxel
// indices 1..4 on every axis, grain 1 the shell around it.
struct CubeInShell {
  Volume v = uniform_volume({6, 6, 6});
  std::vector<std::int32_t> ids = std::vector<std::int32_t>(216, 1);
  CubeInShell() {
    v.set_spacing({0.5, 0.5, 0.5});
    v.set_origin({10.0, 20.0, 30.0});
    for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
      const auto c = v.coords(i);
      if (c[0] >= 1 && c[0] <= 4 && c[1] >= 1 && c[1] <= 4 && c[2] >= 1 && c[2] <= 4) ids[static_cast<std::size_t>(i)] = 2;
    }
  }
};

TEST(GrainStatistics, CubeGrainHasItsKnownSizeAndPlace) {
  const CubeInShell c;
  const auto stats = grain_statistics(c.v, c.ids);
  ASSERT_EQ(stats.size(), 2u);
  const GrainStatistics& g = stats[1];
  EXPECT_EQ(g.id, 2);
  EXPECT_EQ(g.phase_id, 1);
  EXPECT_EQ(g.voxel_count, 64);
  EXPECT_DOUBLE_EQ(g.volume, 64 * 0.125);
  EXPECT_EQ(g.diameter_kind, DiameterKind::Sphere);
  EXPECT_NEAR(g.equivalent_diameter, std::cbrt(6.0 * 64 / std::numbers::pi) * 0.5, 1e-12);  // 4.9237 voxels
  EXPECT_NEAR(g.centroid[0], 10.0 + 2.5 * 0.5, 1e-12);
  EXPECT_NEAR(g.centroid[1], 20.0 + 2.5 * 0.5, 1e-12);
  EXPECT_NEAR(g.centroid[2], 30.0 + 2.5 * 0.5, 1e-12);
  EXPECT_EQ(g.bbox_min, (ebsd::Index3{1, 1, 1}));
  EXPECT_EQ(g.bbox_max, (ebsd::Index3{4, 4, 4}));
  EXPECT_FALSE(g.touches_border);
  EXPECT_LT(ebsd::disorientation_angle(g.mean_orientation, base_orientation(), ebsd::LaueGroup::CubicHigh), 1e-6);
}

TEST(GrainStatistics, ShellAroundTheCubeTouchesTheBorder) {
  const CubeInShell c;
  const auto stats = grain_statistics(c.v, c.ids);
  ASSERT_EQ(stats.size(), 2u);
  const GrainStatistics& g = stats[0];
  EXPECT_EQ(g.id, 1);
  EXPECT_EQ(g.voxel_count, 216 - 64);
  EXPECT_TRUE(g.touches_border);
  EXPECT_EQ(g.bbox_min, (ebsd::Index3{0, 0, 0}));
  EXPECT_EQ(g.bbox_max, (ebsd::Index3{5, 5, 5}));
  // The shell is symmetric about the volume's centre.
  EXPECT_NEAR(g.centroid[0], 10.0 + 2.5 * 0.5, 1e-12);
}

TEST(GrainStatistics, MeanOrientationIsSymmetryAware) {
  // Half the cube's voxels hold s * g with s = 90 deg about [001] (the same cubic orientation),
  // each voxel tilted by +-1 deg about x. A plain quaternion average would land 45 deg away.
  CubeInShell c;
  const Quat s = rotation({0.0, 0.0, 1.0}, 90.0);
  int k = 0;
  for (std::int64_t i = 0; i < c.v.voxel_count(); ++i) {
    if (c.ids[static_cast<std::size_t>(i)] != 2) continue;
    const Quat tilt = rotation({1.0, 0.0, 0.0}, (k % 4 < 2) ? 1.0 : -1.0);
    c.v.set_orientation(i, k % 2 ? s * tilt * base_orientation() : tilt * base_orientation());
    ++k;
  }
  const auto stats = grain_statistics(c.v, c.ids);
  EXPECT_LT(ebsd::disorientation_angle(stats[1].mean_orientation, base_orientation(), ebsd::LaueGroup::CubicHigh),
            ebsd::test::deg(0.01));
}

TEST(GrainStatistics, SingleSliceUsesTheEquivalentCircleDiameter) {
  Volume v = uniform_volume({5, 5, 1});
  v.set_spacing({2.0, 2.0, 1.0});
  const auto stats = grain_statistics(v, std::vector<std::int32_t>(25, 1));
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].diameter_kind, DiameterKind::Circle);
  // Area 25 * 4 = 100 um^2, so the circle's diameter is 2 sqrt(100 / pi) = 11.2838 um.
  EXPECT_NEAR(stats[0].equivalent_diameter, 11.283791670955126, 1e-12);
  EXPECT_TRUE(stats[0].touches_border);
}

TEST(GrainStatistics, OnlyTheInPlaneFacesCountAsBorderOfASingleSlice) {
  Volume v = uniform_volume({5, 5, 1});
  std::vector<std::int32_t> ids(25, 1);
  ids[static_cast<std::size_t>(v.index(2, 2, 0))] = 2;  // one voxel in the middle of the slice
  const auto stats = grain_statistics(v, ids);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_FALSE(stats[1].touches_border);
}

TEST(GrainStatistics, AbsentIdsAndIdZeroAreSkipped) {
  Volume v = uniform_volume({4, 1, 1});
  const auto stats = grain_statistics(v, std::vector<std::int32_t>{0, 3, 3, 1});
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].id, 1);
  EXPECT_EQ(stats[0].voxel_count, 1);
  EXPECT_EQ(stats[1].id, 3);
  EXPECT_EQ(stats[1].voxel_count, 2);
  EXPECT_EQ(stats[1].bbox_min, (ebsd::Index3{1, 0, 0}));
  EXPECT_EQ(stats[1].bbox_max, (ebsd::Index3{2, 0, 0}));
}

TEST(GrainStatistics, MalformedIdsAreRejected) {
  Volume v = uniform_volume({4, 1, 1});
  EXPECT_THROW(grain_statistics(v, std::vector<std::int32_t>{1, 1, 1}), ebsd::Error);        // too few
  EXPECT_THROW(grain_statistics(v, std::vector<std::int32_t>{1, -1, 1, 1}), ebsd::Error);    // negative
  EXPECT_THROW(grain_statistics(v, std::vector<std::int32_t>{1, 1, 1, 2000000000}), ebsd::Error);  // absurd
}

TEST(GrainStatistics, StatisticsOfASegmentationMatchItsGrains) {
  // Two halves 20 deg apart: 2 grains of 8 voxels each in a 4 x 2 x 2 volume of unit voxels.
  Volume v = uniform_volume({4, 2, 2});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.coords(i)[0] >= 2) v.set_orientation(i, rotation({0.0, 1.0, 0.0}, 20.0) * base_orientation());
  const auto seg = ebsd::analysis::segment_grains(v);
  const auto stats = grain_statistics(v, seg.grain_ids);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].voxel_count, 8);
  EXPECT_EQ(stats[1].voxel_count, 8);
  EXPECT_NEAR(stats[1].centroid[0], 2.5, 1e-12);
  EXPECT_LT(ebsd::disorientation_angle(stats[1].mean_orientation, rotation({0.0, 1.0, 0.0}, 20.0) * base_orientation(),
                                       ebsd::LaueGroup::CubicHigh),
            1e-6);
}

GrainStatistics grain_of(double diameter, std::int64_t voxels) {
  GrainStatistics g;
  g.equivalent_diameter = diameter;
  g.voxel_count = voxels;
  return g;
}

TEST(GrainSummary, SummarisesDiametersAndSizes) {
  const std::vector<GrainStatistics> grains{grain_of(10, 1000), grain_of(1, 1), grain_of(3, 27), grain_of(2, 8)};
  const auto s = summarize(grains);
  EXPECT_EQ(s.grain_count, 4);
  EXPECT_EQ(s.diameter_kind, "sphere");
  EXPECT_DOUBLE_EQ(s.mean_diameter, 4.0);
  EXPECT_DOUBLE_EQ(s.median_diameter, 2.5);
  EXPECT_DOUBLE_EQ(s.min_diameter, 1.0);
  EXPECT_DOUBLE_EQ(s.max_diameter, 10.0);
  EXPECT_DOUBLE_EQ(s.mean_voxels, 259.0);
}

TEST(GrainSummary, OddCountTakesTheMiddleDiameterAndKeepsTheKind) {
  std::vector<GrainStatistics> grains{grain_of(5, 1), grain_of(1, 1), grain_of(3, 1)};
  for (auto& g : grains) g.diameter_kind = DiameterKind::Circle;
  const auto s = summarize(grains);
  EXPECT_DOUBLE_EQ(s.median_diameter, 3.0);
  EXPECT_EQ(s.diameter_kind, "circle");
}

TEST(GrainSummary, NoGrainsGiveZerosAndKindNone) {
  const auto s = summarize({});
  EXPECT_EQ(s.grain_count, 0);
  EXPECT_EQ(s.diameter_kind, "none");
  EXPECT_EQ(s.mean_diameter, 0.0);
  EXPECT_EQ(s.mean_voxels, 0.0);
}

}  // namespace
