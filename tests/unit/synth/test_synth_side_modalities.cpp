// Polarized-light and BSE forward models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/side_modalities.hpp"
#include "synth_test_support.hpp"

namespace ebsd::synth {
namespace {

// The orientation whose crystal c-axis points along sample direction c (unit): the third row
// of the passive matrix is c, completed to a right-handed orthonormal basis.
Quat c_axis_along(const Eigen::Vector3d& c) {
  const Eigen::Vector3d a = std::fabs(c.z()) < 0.9 ? Eigen::Vector3d::UnitZ() : Eigen::Vector3d::UnitX();
  const Eigen::Vector3d r0 = a.cross(c).normalized();
  const Eigen::Vector3d r1 = c.cross(r0);
  Eigen::Matrix3d g;
  g.row(0) = r0;
  g.row(1) = r1;
  g.row(2) = c;
  return quat_from_matrix(g);
}

Eigen::Vector3d polar(double theta_deg, double phi_deg) {
  const double t = theta_deg * test::kDeg, p = phi_deg * test::kDeg;
  return {std::sin(t) * std::cos(p), std::sin(t) * std::sin(p), std::cos(t)};
}

TEST(SynthSideModalities, PolarizedLightFollowsTheExtinctionLaw) {
  const auto hex = LaueGroup::HexagonalHigh;
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(0, 0)), hex, 0.0), 0.0, 1e-12);    // c along the view
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(90, 0)), hex, 0.0), 0.0, 1e-12);   // c along the polarizer
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(90, 45)), hex, 0.0), 1.0, 1e-12);  // diagonal: brightest
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(90, 22.5)), hex, 0.0), 0.5, 1e-12);
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(30, 45)), hex, 0.0), 0.25, 1e-12);  // sin^2 30
  // Turning the polarizer with the crystal leaves the intensity unchanged.
  EXPECT_NEAR(polarized_light_intensity(c_axis_along(polar(90, 67.5)), hex, 22.5 * test::kDeg), 1.0, 1e-12);
  // Cubic crystals are isotropic.
  EXPECT_EQ(polarized_light_intensity(c_axis_along(polar(90, 45)), LaueGroup::CubicHigh, 0.0), 0.0);
}

TEST(SynthSideModalities, ChannellingIsBrightAlong100AndDarkAlong111ForCubic) {
  // Beam along sample Z; the crystal direction along it is g * z.
  EXPECT_NEAR(channelling_contrast(Quat::identity(), LaueGroup::CubicHigh), 1.0, 1e-9);
  const Quat along111 = c_axis_along(Eigen::Vector3d(1, 1, 1).normalized()).conj();  // g * z = [111]
  ASSERT_NEAR((matrix_from_quat(along111) * Eigen::Vector3d::UnitZ() - Eigen::Vector3d(1, 1, 1).normalized()).norm(), 0.0, 1e-9);
  EXPECT_NEAR(channelling_contrast(along111, LaueGroup::CubicHigh), 0.0, 1e-3);
  // Symmetry-equivalent orientations give the same contrast.
  const Quat g = quat_from_euler({0.4, 0.9, 1.3});
  for (const Quat& s : test::cubic_rotations())
    EXPECT_NEAR(channelling_contrast(s * g, LaueGroup::CubicHigh), channelling_contrast(g, LaueGroup::CubicHigh), 1e-9);
}

TEST(SynthSideModalities, ChannelsHaveTheVolumeSizeAndUnitRange) {
  SynthOptions o = test::small_options(40);
  o.phases = {test::magnesium()};
  o.side_modalities = {"pl", "bse"};
  SynthResult r = generate_microstructure(o);
  for (const char* name : {"pl", "bse"}) {
    ASSERT_TRUE(r.volume.has_channel(name)) << name;
    const auto& v = r.volume.channel(name).values;
    ASSERT_EQ(v.size(), static_cast<std::size_t>(r.volume.voxel_count()));
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    EXPECT_GE(*lo, 0.0f);
    EXPECT_LE(*hi, 1.0f);
    EXPECT_GT(*hi - *lo, 0.3f) << name << " should vary from grain to grain";
    EXPECT_FALSE(r.volume.channel(name).description.empty());
  }
  // Without noise, PL is constant inside a grain.
  std::vector<float> first(static_cast<std::size_t>(r.grain_count) + 1, -1.0f);
  const auto& pl = r.volume.channel("pl").values;
  for (std::size_t i = 0; i < pl.size(); ++i) {
    auto& f = first[static_cast<std::size_t>(r.feature_ids[i])];
    if (f < 0) f = pl[i];
    ASSERT_EQ(pl[i], f);
  }
}

TEST(SynthSideModalities, PolarizedLightIsZeroEverywhereForCubic) {
  SynthOptions o = test::small_options(30);
  o.side_modalities = {"pl"};
  SynthResult r = generate_microstructure(o);
  for (float v : r.volume.channel("pl").values) ASSERT_EQ(v, 0.0f);
  EXPECT_FALSE(r.volume.has_channel("bse"));
}

TEST(SynthSideModalities, BseIsDarkerAtGrainBoundaries) {
  SynthOptions o = test::small_options(40);
  o.side_modalities = {"bse"};
  SynthResult r = generate_microstructure(o);
  const auto& bse = r.volume.channel("bse").values;
  const Index3 d = o.dims;
  double b = 0, nb = 0, in = 0, nin = 0;
  for (std::int64_t z = 0; z < d[2]; ++z)
    for (std::int64_t y = 1; y + 1 < d[1]; ++y)
      for (std::int64_t x = 1; x + 1 < d[0]; ++x) {
        const std::int64_t i = r.volume.index(x, y, z);
        const auto id = r.feature_ids[static_cast<std::size_t>(i)];
        bool boundary = false;
        for (std::int64_t j : {i - 1, i + 1, i - d[0], i + d[0]}) boundary |= r.feature_ids[static_cast<std::size_t>(j)] != id;
        (boundary ? b : in) += bse[static_cast<std::size_t>(i)];
        (boundary ? nb : nin) += 1;
      }
  EXPECT_LT(b / nb, 0.85 * (in / nin));
}

}  // namespace
}  // namespace ebsd::synth
