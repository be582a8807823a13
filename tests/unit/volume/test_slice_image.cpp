// Slice images: known voxels get the colours the IPF key, the palette and the grey ramp say.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/volume/slice_image.hpp"

namespace {

using ebsd::SliceAxis;

std::array<int, 3> pixel(const ebsd::RgbImage& img, int x, int y) {
  const auto* p = img.at(x, y);
  return {p[0], p[1], p[2]};
}

// 4 x 3 x 2 voxels, all valid phase 1 (m-3m) with the identity orientation except voxel
// (0, 0, 1), which is not valid, and (3, 1, 1), which is phase 2; IQ = the voxel index.
ebsd::Volume test_volume() {
  ebsd::Volume v({4, 3, 2});
  v.phases() = {ebsd::Phase{"Ni", ebsd::LaueGroup::CubicHigh}, ebsd::Phase{"Fe", ebsd::LaueGroup::CubicHigh}};
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.valid()[static_cast<std::size_t>(i)] = 1;
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.image_quality()[static_cast<std::size_t>(i)] = static_cast<float>(i);  // 0 .. 23
  }
  v.valid()[static_cast<std::size_t>(v.index(0, 0, 1))] = 0;
  v.phase_ids()[static_cast<std::size_t>(v.index(3, 1, 1))] = 2;
  return v;
}

TEST(SliceImage, IdentityOrientationIsRedInIpfZForCubic) {
  const auto v = test_volume();
  const auto img = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("ipf-z", v));
  EXPECT_EQ(img.width, 4);
  EXPECT_EQ(img.height, 3);
  EXPECT_EQ(pixel(img, 1, 2), (std::array<int, 3>{255, 0, 0}));  // [001] || z: red
  EXPECT_EQ(pixel(img, 0, 0), (std::array<int, 3>{0, 0, 0}));    // invalid: black
}

TEST(SliceImage, SampleDirectionsSelectTheCrystalDirection) {
  auto v = test_volume();
  // Bunge (0, 45 deg, 0), passive: the crystal direction of sample z is g z = (0, +-sin 45,
  // cos 45), a <101>-type direction: green.
  v.set_orientation(v.index(2, 0, 1), ebsd::quat_from_euler({0.0, std::numbers::pi / 4, 0.0}));
  const auto z = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("ipf-z", v));
  EXPECT_EQ(pixel(z, 2, 0), (std::array<int, 3>{0, 255, 0}));
  // Identity along x and along (1,1,1): crystal [100] (red, a <001> direction) and [111] (blue).
  const auto x = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("ipf-x", v));
  EXPECT_EQ(pixel(x, 1, 2), (std::array<int, 3>{255, 0, 0}));
  const auto d = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("ipf:1,1,1", v));
  EXPECT_EQ(pixel(d, 1, 2), (std::array<int, 3>{0, 0, 255}));
}

TEST(SliceImage, PhaseGreyScaleAndAxes) {
  auto v = test_volume();
  const auto phase = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("phase", v));
  EXPECT_NE(pixel(phase, 3, 1), pixel(phase, 1, 1));  // phase 2 differs from phase 1
  EXPECT_EQ(pixel(phase, 1, 1), pixel(phase, 2, 2));
  // IQ = voxel index: the range over valid voxels is 0..23, so voxel 23 is white, voxel 1 dark.
  const auto iq = ebsd::slice_image(v, SliceAxis::Z, 1, ebsd::slice_coloring_from_name("iq", v));
  EXPECT_EQ(pixel(iq, 3, 2), (std::array<int, 3>{255, 255, 255}));
  const auto iq0 = ebsd::slice_image(v, SliceAxis::Z, 0, ebsd::slice_coloring_from_name("iq", v));
  EXPECT_EQ(pixel(iq0, 0, 0), (std::array<int, 3>{0, 0, 0}));
  EXPECT_EQ(pixel(iq0, 1, 0)[0], 11);  // round(255 * 1 / 23)
  // Axis y: width nx, height nz, pixel (x, z); voxel (3, 2, 1) = index 23: white.
  const auto y = ebsd::slice_image(v, SliceAxis::Y, 2, ebsd::slice_coloring_from_name("iq", v));
  EXPECT_EQ(y.width, 4);
  EXPECT_EQ(y.height, 2);
  EXPECT_EQ(pixel(y, 3, 1), (std::array<int, 3>{255, 255, 255}));
  // Axis x: width ny, height nz, pixel (y, z).
  const auto x = ebsd::slice_image(v, SliceAxis::X, 3, ebsd::slice_coloring_from_name("iq", v));
  EXPECT_EQ(x.width, 3);
  EXPECT_EQ(x.height, 2);
  EXPECT_EQ(pixel(x, 2, 1), (std::array<int, 3>{255, 255, 255}));
  // A channel by name, and grains.
  v.set_channel("bse", {std::vector<float>(24, 2.0f), "", ""});
  v.channel("bse").values[static_cast<std::size_t>(v.index(1, 1, 0))] = 4.0f;
  const auto bse = ebsd::slice_image(v, SliceAxis::Z, 0, ebsd::slice_coloring_from_name("bse", v));
  EXPECT_EQ(pixel(bse, 1, 1), (std::array<int, 3>{255, 255, 255}));
  EXPECT_EQ(pixel(bse, 0, 1), (std::array<int, 3>{0, 0, 0}));
  std::vector<std::int32_t> grains(24, 5);
  grains[0] = 9;
  v.set_grain_ids(grains);
  const auto g = ebsd::slice_image(v, SliceAxis::Z, 0, ebsd::slice_coloring_from_name("grain", v));
  EXPECT_EQ(pixel(g, 1, 0), pixel(g, 2, 2));
  EXPECT_NE(pixel(g, 0, 0), pixel(g, 1, 0));
}

TEST(SliceImage, BadRequestsAreErrors) {
  auto v = test_volume();
  EXPECT_THROW(ebsd::slice_coloring_from_name("bogus", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("ipf:1,1", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("ipf:0,0,0", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_axis_from_name("w"), ebsd::Error);
  EXPECT_THROW(ebsd::slice_image(v, SliceAxis::Z, 2, {}), ebsd::Error);
  EXPECT_THROW(ebsd::slice_image(v, SliceAxis::Z, 0, ebsd::slice_coloring_from_name("grain", v)), ebsd::Error);
}

}  // namespace
