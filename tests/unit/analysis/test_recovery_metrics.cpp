// Recovery metrics against hand-computed cases.
#include <gtest/gtest.h>
#include <cmath>
#include <numbers>
#include <vector>
#include "ebsd/analysis/recovery_metrics.hpp"
#include "ebsd/core/error.hpp"

using namespace ebsd;
using namespace ebsd::analysis;

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
Quat about_z(double deg) { return {std::cos(deg * kDeg / 2), 0, 0, std::sin(deg * kDeg / 2)}; }
Volume cubic(Index3 dims) {
  Volume v(dims);
  v.phases().push_back(Phase{});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.valid()[static_cast<std::size_t>(i)] = 1;
  }
  return v;
}
}  // namespace

TEST(RecoveryMetrics, MisorientationErrorOverOneSliceIsSymmetryAware) {
  Volume truth = cubic({2, 1, 2}), test = cubic({2, 1, 2});
  // Slice 1: voxel 0 off by 1 deg, voxel 1 by 93 deg about z, which is 3 deg under cubic symmetry.
  test.set_orientation(test.index(0, 0, 1), about_z(1.0));
  test.set_orientation(test.index(1, 0, 1), about_z(93.0));
  test.set_orientation(test.index(0, 0, 0), about_z(40.0));  // slice 0 is not evaluated
  const std::vector<std::int64_t> s{1};
  const auto e = orientation_error(truth, test, s);
  EXPECT_EQ(e.voxels, 2);
  EXPECT_NEAR(e.mean_deg, 2.0, 1e-4);
  EXPECT_NEAR(e.median_deg, 2.0, 1e-4);
  EXPECT_DOUBLE_EQ(e.within_2deg, 0.5);
  EXPECT_DOUBLE_EQ(e.within_5deg, 1.0);
}

TEST(RecoveryMetrics, InvalidTestVoxelsCountAsUnrecovered) {
  Volume truth = cubic({2, 1, 1}), test = cubic({2, 1, 1});
  test.valid()[1] = 0;
  const auto e = orientation_error(truth, test, {});
  EXPECT_EQ(e.unrecovered, 1);
  EXPECT_DOUBLE_EQ(e.within_5deg, 0.5);
  EXPECT_DOUBLE_EQ(e.mean_deg, 0.0);
}

TEST(RecoveryMetrics, GrainAccuracyMatchesRenumberedIdsByMajorityOverlap) {
  // 4 x 1 x 3: truth ids 1 1 2 2 in every slice; the test names the grains 7 and 9 and gets
  // voxel x=2 of slice 1 (a boundary voxel) wrong.
  Volume g({4, 1, 3});
  std::vector<std::int32_t> truth, test;
  for (int z = 0; z < 3; ++z)
    for (int x = 0; x < 4; ++x) {
      truth.push_back(x < 2 ? 1 : 2);
      test.push_back(x < 2 ? 7 : 9);
    }
  test[static_cast<std::size_t>(g.index(2, 0, 1))] = 7;
  const std::vector<std::int64_t> s{1};
  const auto a = grain_accuracy(g, truth, test, s);
  EXPECT_EQ(a.voxels, 4);
  EXPECT_EQ(a.boundary_voxels, 2);  // x = 1 and x = 2
  EXPECT_DOUBLE_EQ(a.voxel_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(a.boundary_accuracy, 0.5);
}

TEST(RecoveryMetrics, RejectsVolumesOfDifferentSizeAndSlicesOutside) {
  Volume a = cubic({2, 2, 2}), b = cubic({2, 2, 3});
  EXPECT_THROW(orientation_error(a, b, {}), Error);
  const std::vector<std::int64_t> s{5};
  EXPECT_THROW(orientation_error(a, a, s), Error);
}
