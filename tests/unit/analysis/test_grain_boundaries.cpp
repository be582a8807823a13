// The grain boundary mask: voxels with a face neighbour of another id.
#include <gtest/gtest.h>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"

namespace {

using ebsd::Volume;
using ebsd::analysis::grain_boundary_mask;

TEST(GrainBoundaryMask, MarksBothSidesOfAFace) {
  const Volume v({4, 1, 1});
  EXPECT_EQ(grain_boundary_mask(v, std::vector<std::int32_t>{1, 1, 2, 2}), (std::vector<std::uint8_t>{0, 1, 1, 0}));
}

TEST(GrainBoundaryMask, UsesFaceNeighboursOnly) {
  // A single voxel of grain 2 at the centre of a 3 x 3 x 3 cube of grain 1: the centre and its
  // six face neighbours are on the boundary; edge and corner voxels touch it only diagonally.
  const Volume v({3, 3, 3});
  std::vector<std::int32_t> ids(27, 1);
  ids[13] = 2;
  const auto mask = grain_boundary_mask(v, ids);
  std::vector<std::uint8_t> expected(27, 0);
  for (std::size_t i : {13u, 12u, 14u, 10u, 16u, 4u, 22u}) expected[i] = 1;
  EXPECT_EQ(mask, expected);
}

TEST(GrainBoundaryMask, OneGrainHasNoBoundary) {
  const Volume v({3, 2, 2});
  EXPECT_EQ(grain_boundary_mask(v, std::vector<std::int32_t>(12, 5)), std::vector<std::uint8_t>(12, 0));
}

TEST(GrainBoundaryMask, WrongSizeIsRejected) {
  const Volume v({3, 2, 2});
  EXPECT_THROW(grain_boundary_mask(v, std::vector<std::int32_t>(11, 1)), ebsd::Error);
}

}  // namespace
