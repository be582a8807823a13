// The bundled KAM plugin on a two-grain volume whose misorientation is known.
#include <cmath>

#include "plugin_test_support.hpp"

namespace ebsd::test {
namespace {

using ::testing::HasSubstr;

// 6 x 4 x 3 voxels, cubic; grain A (x < 3) at the identity, grain B (x >= 3) rotated by
// `b_deg` about z. The boundary runs between x = 2 and x = 3.
Volume two_grains(double b_deg) {
  Volume v = single_phase_volume({6, 4, 3});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.coords(i)[0] >= 3) v.set_orientation(i, rotation_about_z(b_deg));
  return v;
}

// What KAM must be for the two-grain volume with a boundary misorientation of `angle` below
// the threshold: angle times the fraction of the voxel's in-volume neighbours that lie across
// the boundary (all others are at 0 deg).
double expected_kam(const Volume& v, std::int64_t x, std::int64_t y, std::int64_t z, double angle, bool full, bool in_plane) {
  int total = 0, across = 0;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int steps = std::abs(dx) + std::abs(dy) + std::abs(dz);
        if (steps == 0 || (!full && steps > 1) || (in_plane && dz != 0)) continue;
        if (!v.contains(x + dx, y + dy, z + dz)) continue;
        ++total;
        across += (x < 3) != (x + dx < 3);
      }
  return angle * across / total;
}

class KamPlugin : public ::testing::Test {
protected:
  void SetUp() override {
    plugins_ = load_from({bundled_dir()});
    ASSERT_TRUE(plugins_->record("kam.so").loaded) << plugins_->record("kam.so").reason;
  }
  const Channel& run_kam(pipeline::Workspace& ws, const nlohmann::json& params) {
    last_ = run(plugins_->steps, "kam", params, ws);
    return ws.volume->channel(params.value("output", std::string("kam")));
  }
  std::unique_ptr<LoadedPlugins> plugins_;
  pipeline::StepResult last_;
};

TEST_F(KamPlugin, IsZeroInsideGrainsAndAFractionOfTheAngleAtTheBoundary) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  const Channel& kam = run_kam(ws, nlohmann::json::object());
  const Volume& v = *ws.volume;
  EXPECT_EQ(kam.unit, "deg");
  // Written out for three voxels: interior of grain A, boundary voxel with all 6 face
  // neighbours (one across: 3/6), boundary corner with 4 neighbours (one across: 3/4).
  EXPECT_NEAR(kam.values[static_cast<std::size_t>(v.index(0, 1, 1))], 0.0, 1e-4);
  EXPECT_NEAR(kam.values[static_cast<std::size_t>(v.index(2, 1, 1))], 0.5, 1e-4);
  EXPECT_NEAR(kam.values[static_cast<std::size_t>(v.index(3, 0, 0))], 0.75, 1e-4);
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto [x, y, z] = v.coords(i);
    EXPECT_NEAR(kam.values[static_cast<std::size_t>(i)], expected_kam(v, x, y, z, 3.0, false, false), 1e-4)
        << x << "," << y << "," << z;
  }
}

TEST_F(KamPlugin, UsesCrystalSymmetry) {
  // 93 deg about z is a 3 deg disorientation for a cubic crystal.
  pipeline::Workspace ws;
  ws.volume = two_grains(93.0);
  const Channel& kam = run_kam(ws, nlohmann::json::object());
  EXPECT_NEAR(kam.values[static_cast<std::size_t>(ws.volume->index(2, 1, 1))], 0.5, 1e-4);
}

TEST_F(KamPlugin, IgnoresNeighboursAboveTheThreshold) {
  pipeline::Workspace ws;
  ws.volume = two_grains(10.0);
  const Channel& kam = run_kam(ws, {{"threshold_deg", 5.0}});
  for (const float k : kam.values) EXPECT_NEAR(k, 0.0, 1e-4);
  const Channel& wide = run_kam(ws, {{"threshold_deg", 15.0}, {"output", "kam15"}});
  EXPECT_NEAR(wide.values[static_cast<std::size_t>(ws.volume->index(2, 1, 1))], 10.0 / 6.0, 1e-3);
}

TEST_F(KamPlugin, FullKernelAndInPlaneNeighbourhoods) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  const Volume& v = *ws.volume;
  const Channel& full = run_kam(ws, {{"kernel", "full"}, {"output", "full"}});
  // (2,1,1) has all 26 neighbours, the 9 with x = 3 across the boundary.
  EXPECT_NEAR(full.values[static_cast<std::size_t>(v.index(2, 1, 1))], 3.0 * 9.0 / 26.0, 1e-4);
  const Channel& flat = run_kam(ws, {{"dimensions", "2d"}, {"output", "flat"}});
  // In the plane (2,1,1) has 4 face neighbours, one across.
  EXPECT_NEAR(flat.values[static_cast<std::size_t>(v.index(2, 1, 1))], 0.75, 1e-4);
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto [x, y, z] = v.coords(i);
    EXPECT_NEAR(full.values[static_cast<std::size_t>(i)], expected_kam(v, x, y, z, 3.0, true, false), 1e-4);
    EXPECT_NEAR(flat.values[static_cast<std::size_t>(i)], expected_kam(v, x, y, z, 3.0, false, true), 1e-4);
  }
}

TEST_F(KamPlugin, UnindexedVoxelsAndVoxelsWithoutCountedNeighboursAreNaN) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({3, 1, 1});
  ws.volume->valid()[1] = 0;  // the middle voxel: its two neighbours are then isolated
  const Channel& kam = run_kam(ws, nlohmann::json::object());
  for (const float k : kam.values) EXPECT_TRUE(std::isnan(k));
  EXPECT_EQ(last_.report["voxels_with_kam"], 0.0);
}

TEST_F(KamPlugin, NeighboursOfAnotherPhaseDoNotCount) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  ws.volume->phases().push_back({"Other", LaueGroup::CubicHigh, {3.6, 3.6, 3.6, 90, 90, 90}});
  for (std::int64_t i = 0; i < ws.volume->voxel_count(); ++i)
    if (ws.volume->coords(i)[0] >= 3) ws.volume->phase_ids()[static_cast<std::size_t>(i)] = 2;
  const Channel& kam = run_kam(ws, nlohmann::json::object());
  for (const float k : kam.values) EXPECT_NEAR(k, 0.0, 1e-4);
}

TEST_F(KamPlugin, SameGrainOnlyIgnoresNeighboursOfOtherGrains) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(ws.volume->voxel_count()));
  for (std::int64_t i = 0; i < ws.volume->voxel_count(); ++i)
    ids[static_cast<std::size_t>(i)] = ws.volume->coords(i)[0] >= 3 ? 2 : 1;
  ws.volume->set_grain_ids(ids);
  const Channel& kam = run_kam(ws, {{"same_grain_only", true}});
  for (const float k : kam.values) EXPECT_NEAR(k, 0.0, 1e-4);
}

TEST_F(KamPlugin, SameGrainOnlyWithoutGrainIdsIsRefusedInPreflight) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  try {
    run_kam(ws, {{"same_grain_only", true}});
    FAIL() << "same_grain_only ran without grain ids";
  } catch (const Error& e) {
    EXPECT_THAT(e.problem(), HasSubstr("needs grain ids"));
  }
  EXPECT_FALSE(ws.volume->has_channel("kam"));
}

TEST_F(KamPlugin, ReportsTheMeanAndProgress) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  std::vector<double> fractions;
  CancelToken token;
  Progress progress([&](double f, const std::string&) { fractions.push_back(f); }, &token);
  last_ = run(plugins_->steps, "kam", nlohmann::json::object(), ws, progress);
  double sum = 0.0;
  for (const float k : ws.volume->channel("kam").values) sum += k;
  EXPECT_NEAR(last_.report["mean_kam_deg"].get<double>(), sum / 72.0, 1e-5);
  EXPECT_EQ(last_.report["voxels_with_kam"], 72.0);
  // One report per z slice from the plugin (1/3, 2/3, 1), then the runner's own 1.
  ASSERT_GE(fractions.size(), 3u);
  EXPECT_NEAR(fractions[0], 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(fractions[1], 2.0 / 3.0, 1e-9);
}

TEST_F(KamPlugin, StopsAtTheNextSliceWhenCancelled) {
  pipeline::Workspace ws;
  ws.volume = two_grains(3.0);
  CancelToken token;
  int reports = 0;
  // The plugin reports once per z slice; cancelling at the first report must stop it there.
  Progress progress(
      [&](double, const std::string&) {
        ++reports;
        token.cancel();
      },
      &token);
  EXPECT_THROW(run(plugins_->steps, "kam", nlohmann::json::object(), ws, progress), Cancelled);
  EXPECT_EQ(reports, 1);
  EXPECT_FALSE(ws.volume->has_channel("kam"));
}

}  // namespace
}  // namespace ebsd::test
