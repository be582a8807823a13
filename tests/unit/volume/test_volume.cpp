// The Volume data model: sizes, validation of everything a file or a user can get wrong, and
// the index <-> coordinate layout (x fastest, then y, then z).
#include <gtest/gtest.h>

#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/volume/volume.hpp"

namespace {

using ebsd::Channel;
using ebsd::Index3;
using ebsd::Volume;

TEST(Volume, ConstructionAllocatesEveryPerVoxelArray) {
  const Volume v({3, 4, 5}, {0.5, 0.25, 2.0}, {1.0, -2.0, 3.0});
  EXPECT_EQ(v.voxel_count(), 60);
  EXPECT_EQ(v.nx(), 3);
  EXPECT_EQ(v.ny(), 4);
  EXPECT_EQ(v.nz(), 5);
  EXPECT_EQ(v.quaternion_data().size(), 240u);
  EXPECT_EQ(v.phase_ids().size(), 60u);
  EXPECT_EQ(v.confidence().size(), 60u);
  EXPECT_EQ(v.image_quality().size(), 60u);
  EXPECT_EQ(v.valid().size(), 60u);
  EXPECT_FALSE(v.has_grain_ids());
  EXPECT_EQ(v.spacing(), (std::array<double, 3>{0.5, 0.25, 2.0}));
  EXPECT_EQ(v.origin(), (std::array<double, 3>{1.0, -2.0, 3.0}));
  EXPECT_EQ(v.length_unit(), "um");
}

TEST(Volume, NewVoxelsAreIdentityUnindexedAndInvalid) {
  const Volume v({2, 2, 2});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const ebsd::Quat q = v.orientation(i);
    EXPECT_EQ(q.w, 1.0);
    EXPECT_EQ(q.x, 0.0);
    EXPECT_EQ(q.y, 0.0);
    EXPECT_EQ(q.z, 0.0);
    EXPECT_EQ(v.phase_ids()[i], 0);
    EXPECT_FALSE(v.is_valid(i));
    EXPECT_EQ(v.phase_of(i), nullptr);
  }
  EXPECT_EQ(v.indexed_fraction(), 0.0);
}

TEST(Volume, NonPositiveDimensionsThrow) {
  EXPECT_THROW(Volume({0, 4, 5}), ebsd::Error);
  EXPECT_THROW(Volume({3, -1, 5}), ebsd::Error);
  EXPECT_THROW(Volume({3, 4, 0}), ebsd::Error);
}

TEST(Volume, AbsurdDimensionsThrowWithoutAllocating) {
  // 10^15 voxels: the check must come before any allocation (which would fail or be killed).
  EXPECT_THROW(Volume({100000, 100000, 100000}), ebsd::Error);
  // Three factors whose int64 product overflows must not wrap around to a small count.
  EXPECT_THROW(Volume({std::int64_t{1} << 32, std::int64_t{1} << 32, 4}), ebsd::Error);
  // Just over the limit of 2^33 voxels.
  EXPECT_THROW(Volume({(std::int64_t{1} << 31) + 1, 2, 2}), ebsd::Error);
}

TEST(Volume, InvalidSpacingThrows) {
  EXPECT_THROW(Volume({2, 2, 2}, {0.0, 1.0, 1.0}), ebsd::Error);
  EXPECT_THROW(Volume({2, 2, 2}, {1.0, -1.0, 1.0}), ebsd::Error);
  EXPECT_THROW(Volume({2, 2, 2}, {1.0, 1.0, std::nan("")}), ebsd::Error);
  Volume v({2, 2, 2});
  EXPECT_THROW(v.set_spacing({1.0, INFINITY, 1.0}), ebsd::Error);
  EXPECT_EQ(v.spacing(), (std::array<double, 3>{1.0, 1.0, 1.0}));  // unchanged after the failure
}

TEST(Volume, IndexAndCoordsFollowXFastestThenYThenZ) {
  const Volume v({3, 4, 5});
  EXPECT_EQ(v.index(0, 0, 0), 0);
  EXPECT_EQ(v.index(1, 0, 0), 1);
  EXPECT_EQ(v.index(0, 1, 0), 3);
  EXPECT_EQ(v.index(0, 0, 1), 12);
  EXPECT_EQ(v.index(2, 1, 3), 2 + 3 * 1 + 12 * 3);  // 41
  EXPECT_EQ(v.coords(41), (Index3{2, 1, 3}));
  EXPECT_EQ(v.coords(59), (Index3{2, 3, 4}));
}

TEST(Volume, CoordsAndIndexAreInverseForEveryVoxel) {
  const Volume v({3, 4, 5});
  std::int64_t expected = 0;
  for (std::int64_t z = 0; z < 5; ++z)
    for (std::int64_t y = 0; y < 4; ++y)
      for (std::int64_t x = 0; x < 3; ++x) {
        EXPECT_EQ(v.index(x, y, z), expected);
        EXPECT_EQ(v.coords(expected), (Index3{x, y, z}));
        ++expected;
      }
}

TEST(Volume, ContainsChecksEveryAxis) {
  const Volume v({3, 4, 5});
  EXPECT_TRUE(v.contains(0, 0, 0));
  EXPECT_TRUE(v.contains(2, 3, 4));
  EXPECT_FALSE(v.contains(3, 0, 0));
  EXPECT_FALSE(v.contains(0, 4, 0));
  EXPECT_FALSE(v.contains(0, 0, 5));
  EXPECT_FALSE(v.contains(-1, 0, 0));
}

TEST(Volume, IndexedFractionCountsValidVoxels) {
  Volume v({4, 3, 1});
  v.valid()[0] = 1;
  v.valid()[5] = 1;
  v.valid()[11] = 1;
  EXPECT_DOUBLE_EQ(v.indexed_fraction(), 0.25);
  EXPECT_EQ(Volume().indexed_fraction(), 0.0);
}

TEST(Volume, OrientationsAreStoredInTheNorthernHemisphere) {
  Volume v({1, 1, 1});
  v.set_orientation(0, ebsd::Quat(-0.5, 0.5, -0.5, 0.5));
  const ebsd::Quat q = v.orientation(0);
  EXPECT_EQ(q.w, 0.5);
  EXPECT_EQ(q.x, -0.5);
  EXPECT_EQ(q.y, 0.5);
  EXPECT_EQ(q.z, -0.5);
  EXPECT_EQ(v.quaternion_data()[0], 0.5f);
}

TEST(Volume, PhaseOfMapsOneBasedIdsAndRejectsOthers) {
  Volume v({3, 1, 1});
  v.phases().push_back({"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}});
  v.phase_ids()[0] = 0;
  v.phase_ids()[1] = 1;
  v.phase_ids()[2] = 2;
  EXPECT_EQ(v.phase_of(0), nullptr);
  ASSERT_NE(v.phase_of(1), nullptr);
  EXPECT_EQ(v.phase_of(1)->name, "Nickel");
  EXPECT_EQ(v.phase_of(2), nullptr);
}

TEST(Volume, ChannelOfTheWrongSizeOrWithoutANameThrows) {
  Volume v({2, 3, 1});
  EXPECT_THROW(v.set_channel("BSE", Channel{std::vector<float>(5), "", ""}), ebsd::Error);
  EXPECT_THROW(v.set_channel("BSE", Channel{std::vector<float>(7), "", ""}), ebsd::Error);
  EXPECT_THROW(v.set_channel("", Channel{std::vector<float>(6), "", ""}), ebsd::Error);
  EXPECT_TRUE(v.channels().empty());
  v.set_channel("BSE", Channel{std::vector<float>(6, 2.0f), "counts", "detector"});
  ASSERT_TRUE(v.has_channel("BSE"));
  EXPECT_EQ(v.channel("BSE").values, std::vector<float>(6, 2.0f));
  EXPECT_EQ(v.channel("BSE").unit, "counts");
  EXPECT_THROW(v.channel("SE"), ebsd::Error);
  v.remove_channel("BSE");
  EXPECT_FALSE(v.has_channel("BSE"));
}

TEST(Volume, GrainIdsOfTheWrongSizeThrow) {
  Volume v({2, 2, 2});
  EXPECT_THROW(v.set_grain_ids(std::vector<std::int32_t>(7, 1)), ebsd::Error);
  EXPECT_FALSE(v.has_grain_ids());
  v.set_grain_ids(std::vector<std::int32_t>(8, 1));
  EXPECT_TRUE(v.has_grain_ids());
  v.clear_grain_ids();
  EXPECT_FALSE(v.has_grain_ids());
}

TEST(Volume, SliceMarksOutsideTheVolumeThrow) {
  Volume v({2, 2, 4});
  EXPECT_THROW(v.mark_missing(-1), ebsd::Error);
  EXPECT_THROW(v.mark_missing(4), ebsd::Error);
  EXPECT_THROW(v.mark_damaged(4), ebsd::Error);
  v.mark_missing(0);
  v.mark_missing(3);
  v.mark_missing(3);
  v.mark_damaged(1);
  EXPECT_EQ(v.missing_slices(), (std::set<std::int64_t>{0, 3}));
  EXPECT_EQ(v.damaged_slices(), (std::set<std::int64_t>{1}));
  v.clear_slice_marks();
  EXPECT_TRUE(v.missing_slices().empty());
  EXPECT_TRUE(v.damaged_slices().empty());
}

TEST(Volume, EqualityComparesEveryPart) {
  Volume a({2, 2, 1});
  a.set_channel("BSE", Channel{std::vector<float>(4, 1.0f), "", ""});
  Volume b = a;
  EXPECT_EQ(a, b);
  b.channel("BSE").description = "changed";
  EXPECT_NE(a, b);
  b = a;
  b.add_provenance({"step", {{"k", 1}}, "0.1.0", "", ""});
  EXPECT_NE(a, b);
  b = a;
  b.confidence()[3] = 0.5f;
  EXPECT_NE(a, b);
}

}  // namespace
