// Volume::for_overwrite (arrays allocated, not filled, for readers that write every element) and
// the per-voxel storage (voxel_array.hpp): same shape, geometry and checks as the constructor;
// once written it equals a constructed volume written the same way; large arrays are aligned to
// 2 MiB so that transparent huge pages can back them.
#include <gtest/gtest.h>

#include <cstdint>

#include "ebsd/core/error.hpp"
#include "ebsd/volume/volume.hpp"

namespace {

using ebsd::Volume;

void fill(Volume& v) {
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    v.set_orientation(i, ebsd::Quat(1.0, 0.1 * static_cast<double>(i % 7), 0.0, 0.2).normalized());
    v.phase_ids()[k] = static_cast<std::int32_t>(i % 3);
    v.confidence()[k] = 0.01f * static_cast<float>(i % 100);
    v.image_quality()[k] = static_cast<float>(i % 250);
    v.valid()[k] = static_cast<std::uint8_t>(i % 2);
  }
}

TEST(VolumeForOverwrite, HasTheConstructorsShapeAndGeometry) {
  const Volume v = Volume::for_overwrite({5, 4, 3}, {0.5, 0.25, 2.0}, {1.0, -2.0, 3.0});
  EXPECT_EQ(v.dims(), (ebsd::Index3{5, 4, 3}));
  EXPECT_EQ(v.spacing(), (std::array<double, 3>{0.5, 0.25, 2.0}));
  EXPECT_EQ(v.origin(), (std::array<double, 3>{1.0, -2.0, 3.0}));
  EXPECT_EQ(v.quaternion_data().size(), 4u * 60u);
  EXPECT_EQ(v.phase_ids().size(), 60u);
  EXPECT_EQ(v.confidence().size(), 60u);
  EXPECT_EQ(v.image_quality().size(), 60u);
  EXPECT_EQ(v.valid().size(), 60u);
  EXPECT_FALSE(v.has_grain_ids());
  EXPECT_TRUE(v.channels().empty());
}

TEST(VolumeForOverwrite, OnceEveryElementIsWrittenEqualsAConstructedVolume) {
  Volume a({6, 5, 4}, {1, 1, 1}), b = Volume::for_overwrite({6, 5, 4}, {1, 1, 1});
  fill(a);
  fill(b);
  EXPECT_EQ(a, b);
  Volume c = b;  // copies keep the contents
  EXPECT_EQ(c, a);
}

TEST(VolumeForOverwrite, RejectsWhatTheConstructorRejects) {
  EXPECT_THROW(Volume::for_overwrite({0, 4, 3}), ebsd::Error);
  EXPECT_THROW(Volume::for_overwrite({4, 4, 3}, {1.0, 0.0, 1.0}), ebsd::Error);
  EXPECT_THROW(Volume::for_overwrite({1 << 20, 1 << 20, 1 << 20}), ebsd::Error);
}

TEST(VolumeForOverwrite, LargeArraysAreAlignedForHugePages) {
  Volume v = Volume::for_overwrite({256, 256, 16});  // 4 MiB of quaternions, 1 MiB per scalar array
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.quaternion_data().data()) % ebsd::detail::kHugePageBytes, 0u);
  Volume filled({256, 256, 16});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(filled.quaternion_data().data()) % ebsd::detail::kHugePageBytes, 0u);
  EXPECT_EQ(filled.quaternion_data()[4 * 12345], 1.0f);  // the constructor still fills: identity
  EXPECT_EQ(filled.quaternion_data()[4 * 12345 + 1], 0.0f);
}

}  // namespace
