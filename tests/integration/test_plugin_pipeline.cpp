// Plugins through the `ebsd` command: the bundled plugins load, a pipeline with a plugin step
// runs headless, and --plugin-dir adds a folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
namespace fs = std::filesystem;
const std::string kEbsd = EBSD_CLI;

TEST(PluginPipeline, KamExampleRunsAndWritesTheChannel) {
  TempDir t;
  const auto pipeline = (fs::path(EBSD_SOURCE_DIR) / "resources" / "pipelines" / "kam-map.json").string();
  const auto r = run("cd '" + t.path().string() + "' && " + kEbsd + " run " + pipeline, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(t / "kam.ebsd.h5"));
  EXPECT_TRUE(fs::file_size(t / "kam-z8.png") > 200);
  const auto v = ebsd::io::read_volume(t / "kam.ebsd.h5");
  const auto& kam = v.channels().at("kam");
  EXPECT_EQ(kam.unit, "deg");
  // 0.5 deg scatter per rotation-vector component: neighbour misorientations of about 1 deg.
  double sum = 0;
  std::size_t n = 0;
  for (float x : kam.values)
    if (std::isfinite(x)) sum += x, ++n;
  ASSERT_GT(n, kam.values.size() / 2);
  EXPECT_GT(sum / n, 0.5);
  EXPECT_LT(sum / n, 2.0);
  // Provenance names the plugin that made the channel.
  bool found = false;
  for (const auto& p : v.provenance()) found = found || (p.step == "kam" && p.note.find("kam") != std::string::npos);
  EXPECT_TRUE(found);
}

TEST(PluginPipeline, PluginsCommandListsTheBundledPlugins) {
  TempDir t;
  const auto r = run(kEbsd + " plugins --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> loaded;
  for (const auto& p : j["plugins"])
    if (p["loaded"].get<bool>()) loaded.insert(p["name"].get<std::string>());
  EXPECT_TRUE(loaded.count("kam"));
  EXPECT_TRUE(loaded.count("sem"));
  // A folder that does not exist is bad usage.
  EXPECT_EQ(run(kEbsd + " --plugin-dir " + (t / "nope").string() + " plugins", t).exit_code, 2);
}

}  // namespace
