// Missing and damaged slices, option checks, progress and cancellation.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "ebsd/core/error.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "synth_test_support.hpp"

namespace ebsd::synth {
namespace {

TEST(SynthDamage, MissingSlicesAreMarkedAndInvalid) {
  SynthOptions o = test::small_options(40);
  o.missing_slices = {10, 11, 47};
  o.side_modalities = {"bse"};
  SynthResult r = generate_microstructure(o);
  EXPECT_EQ(r.volume.missing_slices(), (std::set<std::int64_t>{10, 11, 47}));
  const Volume& v = r.volume;
  for (std::int64_t z = 0; z < v.nz(); ++z) {
    const bool missing = z == 10 || z == 11 || z == 47;
    for (std::int64_t y = 0; y < v.ny(); ++y)
      for (std::int64_t x = 0; x < v.nx(); ++x) {
        const std::int64_t i = v.index(x, y, z);
        const auto k = static_cast<std::size_t>(i);
        if (missing) {
          ASSERT_FALSE(v.is_valid(i));
          ASSERT_EQ(v.phase_ids()[k], 0);
          ASSERT_EQ(v.confidence()[k], 0.0f);
          ASSERT_EQ(v.grain_ids()[k], 0);
          ASSERT_EQ(v.orientation(i).w, 1.0);
        } else {
          ASSERT_TRUE(v.is_valid(i));
          ASSERT_EQ(v.grain_ids()[k], r.feature_ids[k]);
        }
        ASSERT_GE(r.feature_ids[k], 1);  // the ground truth is kept for every slice
      }
  }
  // The side modality is a separate image: it exists on the lost slices.
  double lost_bse = 0;
  for (std::int64_t i = v.index(0, 0, 10); i < v.index(0, 0, 11); ++i) lost_bse += v.channel("bse").values[static_cast<std::size_t>(i)];
  EXPECT_GT(lost_bse, 0.0);
}

TEST(SynthDamage, DamagedSlicesHaveSpeckleNoiseAndLowerConfidence) {
  SynthOptions o = test::small_options(40);
  o.damage.slices = {5};
  o.damage.speckle_fraction = 0.1;
  o.damage.orientation_noise_deg = 2.0;
  o.damage.ci_factor = 0.5;
  SynthResult r = generate_microstructure(o);
  SynthOptions clean_o = o;
  clean_o.damage.slices.clear();
  SynthResult clean = generate_microstructure(clean_o);
  EXPECT_EQ(r.volume.damaged_slices(), (std::set<std::int64_t>{5}));
  const Volume& v = r.volume;
  const std::int64_t plane = v.nx() * v.ny();
  double invalid = 0, ci = 0, ci_clean = 0, moved = 0;
  for (std::int64_t i = 5 * plane; i < 6 * plane; ++i) {
    const auto k = static_cast<std::size_t>(i);
    invalid += !v.is_valid(i);
    if (v.is_valid(i)) {
      ci += v.confidence()[k];
      ci_clean += clean.volume.confidence()[k];
      moved += rotation_angle(v.orientation(i) * clean.volume.orientation(i).conj()) > 0.1 * test::kDeg;
    }
  }
  const double valid = static_cast<double>(plane) - invalid;
  EXPECT_NEAR(invalid / static_cast<double>(plane), 0.1, 0.02);
  EXPECT_NEAR(ci / ci_clean, 0.5, 1e-3);
  EXPECT_GT(moved / valid, 0.95);
  // Other slices are untouched.
  for (std::int64_t i = 6 * plane; i < 7 * plane; ++i) {
    ASSERT_EQ(v.confidence()[static_cast<std::size_t>(i)], clean.volume.confidence()[static_cast<std::size_t>(i)]);
    ASSERT_EQ(v.orientation(i).w, clean.volume.orientation(i).w);
  }
}

TEST(SynthOptionsCheck, InvalidOptionsThrow) {
  auto throws = [](auto change) {
    SynthOptions o = test::small_options(10);
    change(o);
    EXPECT_THROW(validate(o), Error);
    EXPECT_THROW(generate_microstructure(o), Error);
  };
  throws([](SynthOptions& o) { o.grains = 0; });
  throws([](SynthOptions& o) { o.grains = -3; });
  throws([](SynthOptions& o) {
    o.dims = {4, 4, 4};
    o.grains = 65;  // more grains than voxels
  });
  throws([](SynthOptions& o) {
    o.dims = {4, 4, 4};
    o.grains = 9;  // fewer than 8 voxels per grain
  });
  throws([](SynthOptions& o) {
    o.phases = {test::magnesium()};
    o.twin_fraction = 0.1;
  });
  throws([](SynthOptions& o) { o.missing_slices = {48}; });
  throws([](SynthOptions& o) { o.missing_slices = {-1}; });
  throws([](SynthOptions& o) { o.damage.slices = {60}; });
  throws([](SynthOptions& o) {
    o.missing_slices = {3};
    o.damage.slices = {3};
  });
  throws([](SynthOptions& o) { o.side_modalities = {"sem"}; });
  throws([](SynthOptions& o) { o.phases.clear(); });
  throws([](SynthOptions& o) { o.phase_fractions = {0.5, 0.5}; });
  throws([](SynthOptions& o) { o.size_sigma = -0.1; });
  throws([](SynthOptions& o) { o.spacing = {1, 0, 1}; });
  throws([](SynthOptions& o) { o.dims = {48, 0, 48}; });
  throws([](SynthOptions& o) { o.twin_fraction = 1.5; });
}

TEST(SynthOptionsCheck, TheErrorNamesTheOption) {
  SynthOptions o = test::small_options(10);
  o.missing_slices = {99};
  try {
    generate_microstructure(o);
    FAIL() << "expected ebsd::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.place(), "missing_slices");
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos);
  }
}

TEST(SynthProgress, ReportsUpToOneAndCancels) {
  double last = -1.0;
  bool monotone = true;
  Progress p([&](double f, const std::string&) {
    monotone &= f >= last;
    last = f;
  }, nullptr);
  generate_microstructure(test::small_options(20), p);
  EXPECT_TRUE(monotone);
  EXPECT_DOUBLE_EQ(last, 1.0);

  CancelToken token;
  Progress cancelling([&](double f, const std::string&) {
    if (f > 0.1) token.cancel();  // cancel in the middle of the tessellation
  }, &token);
  EXPECT_THROW(generate_microstructure(test::small_options(20), cancelling), Cancelled);
}

}  // namespace
}  // namespace ebsd::synth
