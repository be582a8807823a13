// Same options and seed -> the same bytes; another seed -> another microstructure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "ebsd/synth/microstructure.hpp"
#include "synth_test_support.hpp"

namespace ebsd::synth {
namespace {

SynthOptions everything_on(std::uint64_t seed) {
  SynthOptions o = test::small_options(50, seed);
  o.dims = {40, 36, 32};
  o.twin_fraction = 0.4;
  o.orientation_scatter_deg = 0.5;
  o.side_modalities = {"pl", "bse"};
  o.missing_slices = {10};
  o.damage.slices = {20};
  return o;
}

TEST(SynthDeterminism, SameSeedGivesIdenticalVolume) {
  SynthResult a = generate_microstructure(everything_on(11));
  SynthResult b = generate_microstructure(everything_on(11));
  // The provenance timestamp records when it ran; everything else must match byte for byte.
  ASSERT_EQ(a.volume.provenance().size(), 1u);
  ASSERT_EQ(b.volume.provenance().size(), 1u);
  EXPECT_EQ(a.volume.provenance()[0].parameters, b.volume.provenance()[0].parameters);
  const auto qa = a.volume.quaternion_data(), qb = b.volume.quaternion_data();
  ASSERT_EQ(qa.size(), qb.size());
  EXPECT_EQ(0, std::memcmp(qa.data(), qb.data(), qa.size_bytes()));
  EXPECT_TRUE(std::equal(a.volume.confidence().begin(), a.volume.confidence().end(), b.volume.confidence().begin()));
  EXPECT_TRUE(std::equal(a.volume.image_quality().begin(), a.volume.image_quality().end(), b.volume.image_quality().begin()));
  EXPECT_TRUE(std::equal(a.volume.phase_ids().begin(), a.volume.phase_ids().end(), b.volume.phase_ids().begin()));
  EXPECT_TRUE(std::equal(a.volume.valid().begin(), a.volume.valid().end(), b.volume.valid().begin()));
  EXPECT_EQ(a.volume.channels(), b.volume.channels());
  EXPECT_EQ(a.feature_ids, b.feature_ids);
  EXPECT_EQ(a.grain_count, b.grain_count);
  EXPECT_EQ(a.twin_count, b.twin_count);
  EXPECT_TRUE(std::equal(a.volume.grain_ids().begin(), a.volume.grain_ids().end(), b.volume.grain_ids().begin()));
  EXPECT_EQ(a.volume.missing_slices(), b.volume.missing_slices());
  EXPECT_EQ(a.volume.damaged_slices(), b.volume.damaged_slices());
  EXPECT_EQ(a.volume.phases(), b.volume.phases());
  EXPECT_EQ(a.volume.dims(), b.volume.dims());
}

TEST(SynthDeterminism, DifferentSeedGivesDifferentVolume) {
  SynthResult a = generate_microstructure(test::small_options(50, 1));
  SynthResult b = generate_microstructure(test::small_options(50, 2));
  EXPECT_NE(a.feature_ids, b.feature_ids);
  const auto qa = a.volume.quaternion_data(), qb = b.volume.quaternion_data();
  EXPECT_NE(0, std::memcmp(qa.data(), qb.data(), qa.size_bytes()));
}

TEST(SynthDeterminism, SideModalitiesDoNotShiftTheMicrostructure) {
  // Each stage has its own random stream: adding a channel changes nothing else.
  SynthOptions plain = test::small_options(40, 5);
  SynthOptions with_bse = plain;
  with_bse.side_modalities = {"bse"};
  SynthResult a = generate_microstructure(plain);
  SynthResult b = generate_microstructure(with_bse);
  EXPECT_EQ(a.feature_ids, b.feature_ids);
  const auto qa = a.volume.quaternion_data(), qb = b.volume.quaternion_data();
  EXPECT_EQ(0, std::memcmp(qa.data(), qb.data(), qa.size_bytes()));
  EXPECT_TRUE(std::equal(a.volume.confidence().begin(), a.volume.confidence().end(), b.volume.confidence().begin()));
}

}  // namespace
}  // namespace ebsd::synth
