// The SDK as a plugin author gets it: `cmake --install` of this build into a fresh prefix,
// plugins/template configured and built out of tree with find_package(EbsdSdk), and the
// plugin it produces loaded and run; the installed bundled plugins load too.
#include <cstdlib>
#include <optional>

#include "plugin_test_support.hpp"
#include "run_command.hpp"

namespace ebsd::test {
namespace {

namespace fs = std::filesystem;

// Single-quoted for /bin/sh (the paths of this build hold no quote).
std::string quoted(const fs::path& p) {
  std::string s(1, '\'');
  s += p.string();
  s += '\'';
  return s;
}

// Runs `command`, failing the test with its output when it does not exit 0.
bool succeeds(const std::string& command, const TempDir& tmp) {
  const CommandResult r = run(command + " 2>&1", tmp);
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.out << r.err;
  return r.exit_code == 0;
}

class SdkInstall : public ::testing::Test {
protected:
  void SetUp() override {
    const std::string install = std::string(EBSD_CMAKE_COMMAND) + " --install " + quoted(EBSD_BUILD_DIR) + " --prefix " +
                                quoted(prefix()) + " --component ";
    ASSERT_TRUE(succeeds(install + "ebsd_sdk", tmp_));
    ASSERT_TRUE(succeeds(install + "ebsd_plugins", tmp_));
  }
  fs::path prefix() const { return tmp_ / "prefix"; }
  TempDir tmp_;
};

TEST_F(SdkInstall, InstallsHeadersPackageConfigAndBundledPlugins) {
  EXPECT_TRUE(fs::is_regular_file(prefix() / "include/ebsd_sdk/ebsd_plugin.h"));
  EXPECT_TRUE(fs::is_regular_file(prefix() / "include/ebsd_sdk/plugin.hpp"));
  EXPECT_TRUE(fs::is_regular_file(prefix() / "lib/cmake/EbsdSdk/EbsdSdkConfig.cmake"));
  EXPECT_TRUE(fs::is_regular_file(prefix() / "lib/cmake/EbsdSdk/EbsdSdkConfigVersion.cmake"));
  EXPECT_TRUE(fs::is_regular_file(prefix() / "lib/cmake/EbsdSdk/EbsdSdkPlugin.cmake"));

  auto p = load_from({prefix() / "lib/ebsd-studio/plugins"});
  ASSERT_EQ(p->records.size(), 2u);
  for (const auto& r : p->records) EXPECT_TRUE(r.loaded) << r.file << ": " << r.reason;
  EXPECT_NE(p->steps.find("kam"), nullptr);
  EXPECT_NE(p->steps.find("import-sem"), nullptr);
}

TEST_F(SdkInstall, TemplateBuildsOutOfTreeAgainstTheInstalledSdkAndItsPluginRuns) {
  const fs::path build = tmp_ / "template-build";
  ASSERT_TRUE(succeeds(std::string(EBSD_CMAKE_COMMAND) + " -S " + quoted(fs::path(EBSD_SOURCE_DIR) / "plugins/template") +
                           " -B " + quoted(build) + " -G " + quoted(EBSD_CMAKE_GENERATOR) +
                           " -DCMAKE_MAKE_PROGRAM=" + quoted(EBSD_MAKE_PROGRAM) +
                           " -DCMAKE_CXX_COMPILER=" + quoted(EBSD_CXX_COMPILER) + " -DCMAKE_BUILD_TYPE=Release" +
                           " -DCMAKE_PREFIX_PATH=" + quoted(prefix()),
                       tmp_));
  ASSERT_TRUE(succeeds(std::string(EBSD_CMAKE_COMMAND) + " --build " + quoted(build), tmp_));
  ASSERT_TRUE(succeeds(std::string(EBSD_CMAKE_COMMAND) + " --install " + quoted(build) + " --prefix " +
                           quoted(tmp_ / "user"),
                       tmp_));
  const fs::path installed = tmp_ / "user/share/ebsd-studio/plugins";
  ASSERT_TRUE(fs::is_regular_file(installed / "ci_threshold.so"));

  auto p = load_from({installed});
  ASSERT_EQ(p->records.size(), 1u);
  const auto& r = p->records[0];
  ASSERT_TRUE(r.loaded) << r.reason;
  EXPECT_EQ(r.name, "example");
  EXPECT_EQ(r.version, "1.0.0");
  EXPECT_EQ(r.steps, std::vector<std::string>{"example-ci-threshold"});

  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 2});
  const std::vector<float> ci{0.05f, 0.5f, 0.09f, 0.2f, 0.0f, 1.0f, 0.15f, 0.3f};
  std::copy(ci.begin(), ci.end(), ws.volume->confidence().begin());
  const auto result = run(p->steps, "example-ci-threshold", {{"min_ci", 0.1}}, ws);
  const std::vector<std::uint8_t> expected{0, 1, 0, 1, 0, 1, 1, 1};
  EXPECT_EQ(std::vector<std::uint8_t>(ws.volume->valid().begin(), ws.volume->valid().end()), expected);
  EXPECT_EQ(result.report["voxels_invalidated"], 3.0);
}

}  // namespace
}  // namespace ebsd::test
