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

namespace {

// Voxel (x, 0, 0) of a 6 x 1 x 1 cubic volume turned about [001] by the angle in `turns_deg`
// (the reference is voxel 0, the identity).
ebsd::Volume turned_row(const std::array<double, 6>& turns_deg) {
  ebsd::Volume v({6, 1, 1});
  v.phases() = {ebsd::Phase{"Ni", ebsd::LaueGroup::CubicHigh}, ebsd::Phase{"Fe", ebsd::LaueGroup::CubicHigh}};
  for (std::int64_t i = 0; i < 6; ++i) {
    v.valid()[static_cast<std::size_t>(i)] = 1;
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.set_orientation(i, ebsd::quat_from_axis_angle({Eigen::Vector3d::UnitZ(), turns_deg[static_cast<std::size_t>(i)] * std::numbers::pi / 180.0}));
  }
  return v;
}

std::array<int, 3> ints(const std::array<std::uint8_t, 3>& c) { return {c[0], c[1], c[2]}; }

TEST(SliceImage, MisorientationToAReferenceVoxel) {
  // 0: the reference; 1: 10 deg about [001]; 2: 90 deg, a symmetry operator of m-3m; 3: 100 deg,
  // equivalent to 10 deg; 4: another phase; 5: not indexed.
  auto v = turned_row({0.0, 10.0, 90.0, 100.0, 10.0, 10.0});
  v.phase_ids()[4] = 2;
  v.valid()[5] = 0;
  const auto c = ebsd::slice_coloring_from_name("misorientation:0,0,0,20", v);
  EXPECT_EQ(c.kind, ebsd::SliceColoring::Kind::Misorientation);
  EXPECT_DOUBLE_EQ(c.max_angle_deg, 20.0);
  // Volumes store float quaternions: an angle near 0 comes back within a few hundredths of a degree.
  constexpr double kFloatTolerance = 0.05;
  EXPECT_NEAR(ebsd::misorientation_to_reference_deg(v, c, 0), 0.0, 1e-6);
  EXPECT_NEAR(ebsd::misorientation_to_reference_deg(v, c, 1), 10.0, kFloatTolerance);
  EXPECT_NEAR(ebsd::misorientation_to_reference_deg(v, c, 2), 0.0, kFloatTolerance);
  EXPECT_NEAR(ebsd::misorientation_to_reference_deg(v, c, 3), 10.0, kFloatTolerance);
  EXPECT_TRUE(std::isnan(ebsd::misorientation_to_reference_deg(v, c, 4)));
  EXPECT_TRUE(std::isnan(ebsd::misorientation_to_reference_deg(v, c, 5)));

  const auto img = ebsd::slice_image(v, SliceAxis::Z, 0, c);
  const std::array<int, 3> bottom{68, 1, 84}, middle{33, 145, 140};  // viridis at 0 and 1/2
  EXPECT_EQ(pixel(img, 0, 0), bottom);   // the reference itself: 0 deg
  EXPECT_EQ(pixel(img, 1, 0), middle);   // 10 deg of a ramp to 20 deg
  EXPECT_EQ(pixel(img, 2, 0), bottom);   // a symmetric equivalent: 0 deg
  EXPECT_EQ(pixel(img, 3, 0), middle);
  EXPECT_EQ(pixel(img, 4, 0), (std::array<int, 3>{0, 0, 0}));  // other phase: black
  EXPECT_EQ(pixel(img, 5, 0), (std::array<int, 3>{0, 0, 0}));  // not indexed: black
}

TEST(SliceImage, MisorientationRampRangeFromTheData) {
  // The largest angle present is 12 deg: the ramp runs to 15 deg.
  auto v = turned_row({0.0, 12.0, 3.0, 0.0, 5.0, 7.5});
  const auto c = ebsd::slice_coloring_from_name("misorientation:0,0,0", v);
  EXPECT_DOUBLE_EQ(c.max_angle_deg, 0.0);
  EXPECT_DOUBLE_EQ(ebsd::misorientation_ramp_max_deg(v, c), 15.0);
  const auto img = ebsd::slice_image(v, SliceAxis::Z, 0, c);
  EXPECT_EQ(pixel(img, 0, 0), ints(ebsd::misorientation_ramp_color(0.0)));  // the reference
  EXPECT_EQ(pixel(img, 3, 0), ints(ebsd::misorientation_ramp_color(0.0)));  // equal to it
  EXPECT_EQ(pixel(img, 2, 0), ints(ebsd::misorientation_ramp_color(3.0 / 15.0)));
  EXPECT_EQ(pixel(img, 4, 0), ints(ebsd::misorientation_ramp_color(5.0 / 15.0)));
  EXPECT_EQ(pixel(img, 5, 0), ints(ebsd::misorientation_ramp_color(7.5 / 15.0)));
  EXPECT_EQ(pixel(img, 1, 0), ints(ebsd::misorientation_ramp_color(12.0 / 15.0)));
  // The ramp's ends and a point between two of its colours.
  EXPECT_EQ(ints(ebsd::misorientation_ramp_color(1.0)), (std::array<int, 3>{253, 231, 37}));
  EXPECT_EQ(ints(ebsd::misorientation_ramp_color(2.0)), (std::array<int, 3>{253, 231, 37}));
  EXPECT_EQ(ints(ebsd::misorientation_ramp_color(1.0 / 16.0)), (std::array<int, 3>{70, 23, 104}));  // halfway 0 .. 1/8
  EXPECT_DOUBLE_EQ(ebsd::misorientation_nice_max_deg(0.0), 1.0);
  EXPECT_DOUBLE_EQ(ebsd::misorientation_nice_max_deg(1.5), 2.0);
  EXPECT_DOUBLE_EQ(ebsd::misorientation_nice_max_deg(10.0), 10.0);
  EXPECT_DOUBLE_EQ(ebsd::misorientation_nice_max_deg(62.8), 65.0);
  EXPECT_DOUBLE_EQ(ebsd::misorientation_nice_max_deg(179.0), 180.0);
}

TEST(SliceImage, MisorientationReferenceMustBeAnIndexedVoxelInside) {
  auto v = turned_row({0.0, 10.0, 90.0, 100.0, 10.0, 10.0});
  v.valid()[5] = 0;
  EXPECT_THROW(ebsd::slice_coloring_from_name("misorientation:6,0,0", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("misorientation:5,0,0", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("misorientation:1,0", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("misorientation:1.5,0,0", v), ebsd::Error);
  EXPECT_THROW(ebsd::slice_coloring_from_name("misorientation:1,0,0,0", v), ebsd::Error);
  try {
    ebsd::slice_coloring_from_name("misorientation:5,0,0", v);
  } catch (const ebsd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not indexed"), std::string::npos) << e.what();
  }
}

}  // namespace
