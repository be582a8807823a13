#pragma once
// Shared by the plugin tests: registries filled from chosen plugin folders, and small volumes.
#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ebsd_sdk/ebsd_plugin.h>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/pipeline/runner.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/plugins/plugin_loader.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::test {

// The folder holding only the test fixture `name` (tests/unit/plugins/fixtures/<name>.c[pp]).
inline std::filesystem::path fixture_dir(const std::string& name) {
  return std::filesystem::path(EBSD_PLUGIN_FIXTURE_DIR) / name;
}
inline std::filesystem::path bundled_dir() { return EBSD_BUNDLED_PLUGIN_DIR; }

struct LoadedPlugins {
  pipeline::StepRegistry steps;
  io::FormatRegistry formats;
  std::vector<plugins::PluginRecord> records;

  // The record of the candidate whose file name is `file_name` ("kam.so"); fails the test
  // when there is none.
  const plugins::PluginRecord& record(const std::string& file_name) const {
    for (const auto& r : records)
      if (r.file.filename() == file_name) return r;
    ADD_FAILURE() << "no record for " << file_name;
    static const plugins::PluginRecord none;
    return none;
  }
};

// Loads the plugins of exactly `dirs`: no user folders, no EBSD_PLUGIN_PATH, no bundled folder.
inline std::unique_ptr<LoadedPlugins> load_from(const std::vector<std::filesystem::path>& dirs) {
  auto out = std::make_unique<LoadedPlugins>();
  plugins::PluginSearch search;
  search.extra_dirs = dirs;
  search.user_dirs = false;
  search.bundled = false;
  out->records = plugins::load_plugins(search, out->steps, out->formats);
  return out;
}

// Runs one step of `registry` on `ws` the way a one-step pipeline does.
inline pipeline::StepResult run(const pipeline::StepRegistry& registry, const std::string& id,
                                const nlohmann::json& params, pipeline::Workspace& ws,
                                Progress& progress = Progress::none()) {
  return pipeline::run_step(registry, id, params, ws, progress);
}

// Rotation by `deg` degrees about sample z.
inline Quat rotation_about_z(double deg) {
  const double half = deg * std::numbers::pi / 360.0;
  return {std::cos(half), 0.0, 0.0, std::sin(half)};
}

// An all-valid volume of one phase with every orientation the identity.
inline Volume single_phase_volume(Index3 dims, LaueGroup laue = LaueGroup::CubicHigh) {
  Volume v(dims);
  v.phases().push_back({"Phase", laue, {3.6, 3.6, 3.6, 90.0, 90.0, 90.0}});
  for (auto& p : v.phase_ids()) p = 1;
  for (auto& ok : v.valid()) ok = 1;
  return v;
}

}  // namespace ebsd::test
