// EBSD denoising by tensor RPCA: spikes and dropped lines in a scalar channel and mis-indexed
// voxels in an orientation field are found, and the low-rank estimate restores them.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/rpca/volume_denoise.hpp"

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

// A smooth field of multilinear rank (2, 2, 3) around a mean of 1000, as IQ maps have.
float smooth_iq(std::int64_t x, std::int64_t y, std::int64_t z) {
  return static_cast<float>(1000.0 + 150.0 * std::sin(0.2 * x) * std::cos(0.15 * y) + 80.0 * std::cos(0.1 * z) +
                            30.0 * std::sin(0.2 * x) * std::sin(0.1 * z));
}

struct DamagedChannel {
  ebsd::Index3 dims{24, 20, 16};
  std::vector<float> clean, damaged;
  std::vector<std::uint8_t> corrupted;
};

DamagedChannel damaged_iq() {
  DamagedChannel c;
  const std::int64_t n = c.dims[0] * c.dims[1] * c.dims[2];
  c.clean.resize(static_cast<std::size_t>(n));
  for (std::int64_t z = 0; z < c.dims[2]; ++z)
    for (std::int64_t y = 0; y < c.dims[1]; ++y)
      for (std::int64_t x = 0; x < c.dims[0]; ++x)
        c.clean[static_cast<std::size_t>(x + c.dims[0] * (y + c.dims[1] * z))] = smooth_iq(x, y, z);
  c.damaged = c.clean;
  c.corrupted.assign(static_cast<std::size_t>(n), 0);
  std::mt19937 rng(4);
  std::uniform_int_distribution<std::int64_t> voxel(0, n - 1);
  std::uniform_real_distribution<double> spike(300.0, 900.0);
  for (int k = 0; k < n / 50; ++k) {  // 2 % spikes, up or down
    const auto i = static_cast<std::size_t>(voxel(rng));
    c.damaged[i] = c.clean[i] + static_cast<float>((k % 2 ? 1 : -1) * spike(rng));
    c.corrupted[i] = 1;
  }
  for (std::int64_t x = 0; x < c.dims[0]; ++x) {  // one dropped scan line (y = 7, z = 5) reads 0
    const auto i = static_cast<std::size_t>(x + c.dims[0] * (7 + c.dims[1] * 5));
    c.damaged[i] = 0.0f;
    c.corrupted[i] = 1;
  }
  return c;
}

ebsd::rpca::DenoiseOptions options(std::vector<std::int64_t> ranks) {
  ebsd::rpca::DenoiseOptions o;
  o.ranks = std::move(ranks);
  o.iterations = 100;
  return o;
}

TEST(RpcaVolumeDenoise, FindsSpikesAndADroppedLineInAScalarChannel) {
  const DamagedChannel c = damaged_iq();
  const auto d = ebsd::rpca::denoise_scalar_channel(c.damaged, c.dims, options({2, 2, 3}), ebsd::rpca::cpu_solver(),
                                                    ebsd::Progress::none());
  std::int64_t hit = 0, missed = 0, false_alarm = 0;
  double worst_clean_error = 0.0;
  for (std::size_t i = 0; i < c.clean.size(); ++i) {
    if (c.corrupted[i]) (d.outlier[i] ? hit : missed) += 1;
    else false_alarm += d.outlier[i];
    worst_clean_error = std::max(worst_clean_error, std::fabs(static_cast<double>(d.low_rank[i] - c.clean[i])));
  }
  EXPECT_EQ(missed, 0);
  EXPECT_LT(false_alarm, static_cast<std::int64_t>(c.clean.size()) / 1000);
  EXPECT_EQ(d.outlier_count, hit + false_alarm);
  EXPECT_LT(worst_clean_error, 1.0);  // IQ units; the damage is 300-1000
}

TEST(RpcaVolumeDenoise, DefaultRanksFitATuckerCoreAndDenoiseASingleSlice) {
  // A map of one slice (Small_IN100_Slice1.dream3d is 189 x 201 x 1) once got ranks (19, 20, 1),
  // which no Tucker core has (20 > 19 x 1): `ebsd denoise` failed on it.
  EXPECT_EQ(ebsd::rpca::default_ranks({189, 201, 1}), (std::vector<std::int64_t>{19, 19, 1}));
  EXPECT_EQ(ebsd::rpca::default_ranks({100, 100, 100}), (std::vector<std::int64_t>{10, 10, 10}));
  EXPECT_EQ(ebsd::rpca::default_ranks({200, 2, 1}), (std::vector<std::int64_t>{2, 2, 1}));
  for (const ebsd::Index3 dims : {ebsd::Index3{189, 201, 1}, ebsd::Index3{1, 1, 1}, ebsd::Index3{300, 5, 1},
                                  ebsd::Index3{7, 400, 3}, ebsd::Index3{64, 64, 2}}) {
    const auto r = ebsd::rpca::default_ranks(dims);
    for (int k = 0; k < 3; ++k) {
      EXPECT_GE(r[k], 1);
      EXPECT_LE(r[k], dims[k]);
      EXPECT_LE(r[k], r[(k + 1) % 3] * r[(k + 2) % 3]) << dims[0] << " " << dims[1] << " " << dims[2];
    }
  }
  // One slice (a 2-D map of rank 2 with 31 spikes of 600). With the default ranks (5, 5, 1) it
  // runs; the three spare rank-one terms may each take up a spike (a spike is rank one), so
  // most but not all are found. With the field's own ranks (2, 2, 1) every spike is found and
  // the field restored between them.
  const ebsd::Index3 dims{60, 50, 1};
  std::vector<float> clean(60 * 50), damaged;
  for (std::int64_t y = 0; y < 50; ++y)
    for (std::int64_t x = 0; x < 60; ++x) clean[static_cast<std::size_t>(x + 60 * y)] = smooth_iq(x, y, 0);
  damaged = clean;
  std::vector<std::uint8_t> spiked(clean.size(), 0);
  std::int64_t spikes = 0;
  for (std::size_t i = 13; i < clean.size(); i += 97, ++spikes) {
    damaged[i] += (i % 2 ? 600.0f : -600.0f);
    spiked[i] = 1;
  }
  for (const bool default_ranks : {true, false}) {
    SCOPED_TRACE(default_ranks ? "default ranks" : "ranks 2, 2, 1");
    ebsd::rpca::DenoiseOptions o;
    if (!default_ranks) o.ranks = {2, 2, 1};
    const auto d = ebsd::rpca::denoise_scalar_channel(damaged, dims, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
    std::int64_t missed = 0, false_alarm = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < clean.size(); ++i) {
      if (spiked[i]) missed += d.outlier[i] ? 0 : 1;
      else false_alarm += d.outlier[i];
      if (!spiked[i]) worst = std::max(worst, std::fabs(static_cast<double>(d.low_rank[i] - clean[i])));
    }
    EXPECT_LE(missed, default_ranks ? 3 : 0) << "of " << spikes;
    EXPECT_LT(false_alarm, 30);  // of 2969 clean pixels
    if (!default_ranks) {
      EXPECT_LT(worst, 20.0);  // IQ units; the spikes are 600
    }
  }
}

TEST(RpcaVolumeDenoise, RejectsAChannelOfTheWrongSizeAnInfiniteValueOrNoValueAtAll) {
  const DamagedChannel c = damaged_iq();
  const auto denoise = [&](const std::vector<float>& values) {
    return ebsd::rpca::denoise_scalar_channel(values, c.dims, options({2, 2, 3}), ebsd::rpca::cpu_solver(),
                                              ebsd::Progress::none());
  };
  EXPECT_THROW(denoise(std::vector<float>(c.damaged.begin(), c.damaged.end() - 1)), ebsd::Error);
  auto inf = c.damaged;
  inf[10] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(denoise(inf), ebsd::Error);
  EXPECT_THROW(denoise(std::vector<float>(c.damaged.size(), std::numeric_limits<float>::quiet_NaN())), ebsd::Error);
}

TEST(RpcaVolumeDenoise, NaNVoxelsHaveNoValueAreNeverOutliersAndStayNaN) {
  // NaN marks a voxel without a value (outside a side-modality image, a KAM without neighbours).
  // A block of them (a corner outside the image) and scattered ones (unindexed points) must not
  // stop the denoising, nor become outliers, nor hide the spikes elsewhere.
  const DamagedChannel c = damaged_iq();
  auto values = c.damaged;
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 5.0f);  // measurement noise, as real maps have
  for (float& v : values) v += noise(rng);
  std::vector<std::uint8_t> missing(values.size(), 0);
  for (std::int64_t z = 0; z < c.dims[2]; ++z)
    for (std::int64_t y = 0; y < 5; ++y)
      for (std::int64_t x = 0; x < 6; ++x) missing[static_cast<std::size_t>(x + c.dims[0] * (y + c.dims[1] * z))] = 1;
  for (std::size_t i = 5; i < values.size(); i += 61) missing[i] = 1;
  std::int64_t n_missing = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (missing[i]) values[i] = std::numeric_limits<float>::quiet_NaN(), ++n_missing;
  const auto d = ebsd::rpca::denoise_scalar_channel(values, c.dims, options({2, 2, 3}), ebsd::rpca::cpu_solver(),
                                                    ebsd::Progress::none());
  EXPECT_EQ(d.missing_count, n_missing);
  std::int64_t missed = 0, false_alarm = 0, spikes = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (missing[i]) {
      EXPECT_EQ(d.outlier[i], 0) << i;
      EXPECT_EQ(d.sparse[i], 0.0f) << i;
      continue;
    }
    if (c.corrupted[i]) ++spikes, missed += d.outlier[i] ? 0 : 1;
    else false_alarm += d.outlier[i];
  }
  EXPECT_GT(spikes, 100);
  EXPECT_EQ(missed, 0);
  // (One solve from the smooth fill alone, without the rounds that refill the NaN voxels with
  // the estimate, flagged 60 clean voxels here.)
  EXPECT_LT(false_alarm, static_cast<std::int64_t>(values.size()) / 1000);
  std::printf("NaN voxels %lld: spikes found %lld of %lld, clean voxels flagged %lld, threshold %.1f (noise 5)\n",
              static_cast<long long>(n_missing), static_cast<long long>(spikes - missed), static_cast<long long>(spikes),
              static_cast<long long>(false_alarm), d.threshold);

  // Through denoise_volume, in every replace mode, the NaN voxels stay NaN; among "all the
  // channels" one without any value is left out, named explicitly it is an error naming it.
  for (const auto mode : {ebsd::rpca::ReplaceMode::Outliers, ebsd::rpca::ReplaceMode::All}) {
    ebsd::Volume v(c.dims);
    v.set_channel("bse", ebsd::Channel{values, "", "backscatter"});
    v.set_channel("empty", ebsd::Channel{std::vector<float>(values.size(), std::numeric_limits<float>::quiet_NaN()), "", ""});
    ebsd::rpca::VolumeDenoiseOptions o;
    o.denoise = options({2, 2, 3});
    o.channels = {"bse"};
    o.replace = mode;
    const auto reports = ebsd::rpca::denoise_volume(v, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].missing_count, n_missing);
    const auto& out = v.channel("bse").values;
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(std::isnan(out[i]), static_cast<bool>(missing[i])) << i;
    o.channels = {"empty"};
    try {
      ebsd::rpca::denoise_volume(v, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
      ADD_FAILURE() << "a channel without any value was denoised";
    } catch (const ebsd::Error& e) {
      EXPECT_NE(std::string(e.what()).find("channel 'empty'"), std::string::npos) << e.what();
    }
    o.channels = {};  // all of them: "empty" is skipped, the others are done
    const auto all = ebsd::rpca::denoise_volume(v, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
    bool saw_empty = false;
    for (const auto& r : all) {
      if (r.channel != "empty") {
        EXPECT_TRUE(r.skipped.empty()) << r.channel;
        continue;
      }
      saw_empty = true;
      EXPECT_FALSE(r.skipped.empty());
      EXPECT_TRUE(r.mask_channel.empty());
    }
    EXPECT_TRUE(saw_empty);
    EXPECT_FALSE(v.has_channel("empty_rpca_outliers"));
    EXPECT_TRUE(v.has_channel("bse_rpca_outliers"));
  }
}

// Four columnar grains (cubic) in a 2 x 2 arrangement across x and y, running through z, so each
// quaternion component has multilinear rank (2, 2, 1); one grain lies near a fundamental-zone
// boundary (44, 54, 46 degrees). 2 % of the voxels are mis-indexed (random orientations) and
// every other voxel has 0.1 degree of scatter per rotation-vector component.
struct ColumnarGrains {
  ebsd::Volume volume{ebsd::Index3{20, 20, 24}};
  std::vector<ebsd::Quat> truth;
  std::vector<std::uint8_t> misindexed;
};

ColumnarGrains columnar_grains() {
  ColumnarGrains g;
  ebsd::Volume& v = g.volume;
  v.phases().push_back(ebsd::Phase{"Ni", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}});
  const ebsd::Quat grains[4] = {ebsd::quat_from_euler({10 * kDeg, 20 * kDeg, 30 * kDeg}),
                                ebsd::quat_from_euler({80 * kDeg, 40 * kDeg, 5 * kDeg}),
                                ebsd::quat_from_euler({44 * kDeg, 54 * kDeg, 46 * kDeg}),
                                ebsd::quat_from_euler({200 * kDeg, 10 * kDeg, 70 * kDeg})};
  std::mt19937 rng(9);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::int64_t n = v.voxel_count();
  g.truth.resize(static_cast<std::size_t>(n));
  g.misindexed.assign(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto c = v.coords(i);
    g.truth[k] = grains[(c[0] < 12 ? 0 : 1) + (c[1] < 7 ? 0 : 2)];
    ebsd::Quat measured = g.truth[k];
    if (unit(rng) < 0.02) {
      measured = ebsd::Quat{normal(rng), normal(rng), normal(rng), normal(rng)}.normalized();
      g.misindexed[k] = 1;
    } else {  // 0.2 degree scatter
      const double s = 0.1 * kDeg;
      measured = (ebsd::Quat{1.0, s * normal(rng), s * normal(rng), s * normal(rng)}.normalized() * measured);
    }
    v.set_orientation(i, measured);
    v.phase_ids()[k] = 1;
    v.valid()[k] = 1;
  }
  return g;
}

TEST(RpcaVolumeDenoise, FindsMisindexedVoxelsInAnOrientationField) {
  const ColumnarGrains g = columnar_grains();
  const auto d = ebsd::rpca::denoise_orientations(g.volume, options({2, 2, 1}), ebsd::rpca::cpu_solver(),
                                                  ebsd::Progress::none());
  std::int64_t missed = 0, false_alarm = 0, misindexed = 0;
  double worst = 0.0;
  for (std::size_t k = 0; k < g.truth.size(); ++k) {
    const double angle = ebsd::disorientation_angle(d.low_rank[k], g.truth[k], ebsd::LaueGroup::CubicHigh) / kDeg;
    worst = std::max(worst, angle);
    // A random orientation can land within 5 degrees of the grain's; count only clear ones.
    const double true_deviation =
        ebsd::disorientation_angle(g.volume.orientation(static_cast<std::int64_t>(k)), g.truth[k], ebsd::LaueGroup::CubicHigh) / kDeg;
    if (g.misindexed[k] && true_deviation > 6.0) {
      ++misindexed;
      missed += !d.outlier[k];
    }
    if (!g.misindexed[k]) false_alarm += d.outlier[k];
  }
  EXPECT_GT(misindexed, 100);
  EXPECT_EQ(missed, 0);
  EXPECT_EQ(false_alarm, 0);
  EXPECT_LT(worst, 1.0) << "the low-rank orientation of every voxel is within 1 degree of its grain";
}

TEST(RpcaVolumeDenoise, ReplacesOutliersInPlaceAddsMasksAndProvenance) {
  ColumnarGrains g = columnar_grains();
  const DamagedChannel c = damaged_iq();
  ebsd::Volume& v = g.volume;
  std::vector<float> side(static_cast<std::size_t>(v.voxel_count()), 2.0f);
  side[123] = 50.0f;
  v.set_channel("bse", ebsd::Channel{side, "", "backscatter"});
  ebsd::rpca::VolumeDenoiseOptions o;
  o.denoise = options({2, 2, 1});
  o.channels = {"orientation", "bse"};
  const auto reports = ebsd::rpca::denoise_volume(v, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(v.has_channel("orientation_rpca_outliers"));
  EXPECT_TRUE(v.has_channel("bse_rpca_outliers"));
  EXPECT_EQ(v.channel("bse_rpca_outliers").values[123], 1.0f);
  EXPECT_NEAR(v.channel("bse").values[123], 2.0f, 1e-3);
  EXPECT_EQ(reports[1].outlier_count, 1);
  double worst = 0.0;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    worst = std::max(worst, ebsd::disorientation_angle(v.orientation(i), g.truth[static_cast<std::size_t>(i)],
                                                       ebsd::LaueGroup::CubicHigh) / kDeg);
  EXPECT_LT(worst, 2.0) << "every mis-indexed voxel was replaced";
  ASSERT_FALSE(v.provenance().empty());
  EXPECT_EQ(v.provenance().back().step, "rpca-denoise");

  o.channels = {"no-such-channel"};
  EXPECT_THROW(ebsd::rpca::denoise_volume(v, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none()), ebsd::Error);
}

TEST(RpcaVolumeDenoise, LeavesTheVolumeUnchangedWhenCancelled) {
  ColumnarGrains g = columnar_grains();
  const ebsd::Volume before = g.volume;
  ebsd::CancelToken token;
  ebsd::Progress progress([&](double f, const std::string&) { if (f > 0.3) token.cancel(); }, &token);
  ebsd::rpca::VolumeDenoiseOptions o;
  o.denoise = options({2, 2, 1});
  o.channels = {"orientation", "iq"};
  EXPECT_THROW(ebsd::rpca::denoise_volume(g.volume, o, ebsd::rpca::cpu_solver(), progress), ebsd::Cancelled);
  EXPECT_TRUE(g.volume == before);
}

}  // namespace
