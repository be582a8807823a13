// Joint images for diffusion inpainting: side channels from the forward models, the embedding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/synth/inpainting_data.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"
#include "ebsd/synth/side_modalities.hpp"

namespace ebsd::synth {
namespace {

SynthResult small(LaueGroup g) {
  SynthOptions o;
  o.dims = {32, 24, 3};
  o.grains = 12;
  o.seed = 5;
  o.phases = {representative_phase(g)};
  return generate_microstructure(o);
}

TEST(InpaintingData, SideModelsDependOnlyOnTheSymmetryReducedOrientation) {
  for (double polarizer : {0.0, 0.5, 1.0})
    for (int k = 0; k < 20; ++k) {
      const Quat q = quat_from_euler({0.3 * k, 0.11 * k, 0.7 + 0.05 * k});
      for (const Quat& s : symmetry_operators(LaueGroup::HexagonalHigh))
        EXPECT_NEAR(polarized_light_intensity(s * q, LaueGroup::HexagonalHigh, polarizer),
                    polarized_light_intensity(q, LaueGroup::HexagonalHigh, polarizer), 1e-12);
    }
  // A whole volume with every orientation replaced by a symmetry equivalent gives the same joint image.
  for (LaueGroup g : {LaueGroup::HexagonalHigh, LaueGroup::CubicHigh}) {
    auto r = small(g);
    Volume a = r.volume, b = r.volume;
    const auto ops = symmetry_operators(g);
    for (std::int64_t i = 0; i < b.voxel_count(); ++i) b.set_orientation(i, ops[static_cast<std::size_t>(i) % ops.size()] * b.orientation(i));
    add_inpainting_side_channels(a, g, 0.0, 3);
    add_inpainting_side_channels(b, g, 0.0, 3);
    const auto side = inpainting_side_channels(g);
    const auto& e = orientation_embedding(g);
    const auto ja = joint_image(a, 1, e, side), jb = joint_image(b, 1, e, side);
    ASSERT_EQ(ja.size(), static_cast<std::size_t>(32 * 24 * (e.dims() + static_cast<int>(side.size()))));
    for (std::size_t i = 0; i < ja.size(); ++i) ASSERT_NEAR(ja[i], jb[i], 1e-5);
  }
}

TEST(InpaintingData, JointImageHoldsTheEmbeddingAndScaledSideChannels) {
  auto r = small(LaueGroup::HexagonalHigh);
  Volume v = r.volume;
  add_inpainting_side_channels(v, LaueGroup::HexagonalHigh, 0.02, 9);
  for (const auto& n : {"pl0", "pl30", "pl60"}) ASSERT_TRUE(v.has_channel(n));
  EXPECT_FALSE(v.has_channel("pl"));
  const auto& e = orientation_embedding(LaueGroup::HexagonalHigh);
  const auto side = inpainting_side_channels(LaueGroup::HexagonalHigh);
  const auto j = joint_image(v, 2, e, side);
  const std::int64_t plane = 32 * 24;
  // Decoding the orientation channels gives back the slice's orientations.
  for (std::int64_t p = 0; p < plane; p += 17) {
    std::vector<float> x(static_cast<std::size_t>(e.dims()));
    for (int c = 0; c < e.dims(); ++c) x[static_cast<std::size_t>(c)] = j[static_cast<std::size_t>(c * plane + p)];
    EXPECT_LT(disorientation_angle(e.decode(x), v.orientation(v.index(0, 0, 2) + p), LaueGroup::HexagonalHigh), 1e-3);
  }
  for (std::size_t i = static_cast<std::size_t>(e.dims() * plane); i < j.size(); ++i) {
    EXPECT_GE(j[i], -1.0f);
    EXPECT_LE(j[i], 1.0f);
  }
  // The three polarizer settings differ: together they carry the c-axis azimuth.
  EXPECT_NE(v.channel("pl0").values, v.channel("pl30").values);
  EXPECT_THROW(joint_image(v, 3, e, side), Error);
  EXPECT_THROW(joint_image(v, 0, e, {"bse"}), Error);
  EXPECT_THROW(inpainting_side_channels(LaueGroup::Orthorhombic), Error);
}

}  // namespace
}  // namespace ebsd::synth
