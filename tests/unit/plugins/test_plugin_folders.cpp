// Where plugins are looked for: --plugin-dir, EBSD_PLUGIN_PATH, the XDG data folder, bundled.
#include <cstdlib>
#include <optional>

#include "plugin_test_support.hpp"
#include "run_command.hpp"

namespace ebsd::test {
namespace {

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::string> sources(const std::vector<plugins::PluginFolder>& folders) {
  std::vector<std::string> out;
  for (const auto& f : folders) out.push_back(f.source);
  return out;
}

TEST(PluginFolders, UserFolderFollowsXdgDataHome) {
  ScopedEnv xdg("XDG_DATA_HOME", "/data/alice");
  EXPECT_EQ(plugins::user_plugin_folder(), std::filesystem::path("/data/alice/ebsd-studio/plugins"));
}

TEST(PluginFolders, UserFolderFallsBackToLocalShareWhenXdgIsUnsetOrRelative) {
  ScopedEnv home("HOME", "/home/bob");
  {
    ScopedEnv xdg("XDG_DATA_HOME", nullptr);
    EXPECT_EQ(plugins::user_plugin_folder(), std::filesystem::path("/home/bob/.local/share/ebsd-studio/plugins"));
  }
  {
    ScopedEnv xdg("XDG_DATA_HOME", "relative/data");  // the XDG spec says: ignore it
    EXPECT_EQ(plugins::user_plugin_folder(), std::filesystem::path("/home/bob/.local/share/ebsd-studio/plugins"));
  }
}

TEST(PluginFolders, SearchOrderIsPluginDirThenPluginPathThenUserThenBundled) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "a");
  ScopedEnv path("EBSD_PLUGIN_PATH", ((tmp / "p1").string() + "::" + (tmp / "p2").string()).c_str());
  ScopedEnv xdg("XDG_DATA_HOME", (tmp / "xdg").c_str());
  plugins::PluginSearch search;
  search.extra_dirs = {tmp / "a", tmp / "b"};
  search.bundled_dir = tmp / "bundled";
  const auto folders = plugins::plugin_search_folders(search);
  ASSERT_EQ(folders.size(), 6u);
  EXPECT_EQ(sources(folders),
            (std::vector<std::string>{"--plugin-dir", "--plugin-dir", "EBSD_PLUGIN_PATH", "EBSD_PLUGIN_PATH", "user", "bundled"}));
  EXPECT_EQ(folders[0].path, tmp / "a");
  EXPECT_TRUE(folders[0].exists);
  EXPECT_EQ(folders[1].path, tmp / "b");
  EXPECT_FALSE(folders[1].exists);
  EXPECT_EQ(folders[2].path, tmp / "p1");
  EXPECT_EQ(folders[3].path, tmp / "p2");
  EXPECT_EQ(folders[4].path, tmp / "xdg" / "ebsd-studio" / "plugins");
  EXPECT_EQ(folders[5].path, tmp / "bundled");
}

TEST(PluginFolders, AFolderNamedTwiceIsSearchedOnce) {
  TempDir tmp;
  ScopedEnv path("EBSD_PLUGIN_PATH", tmp.path().c_str());
  plugins::PluginSearch search;
  search.extra_dirs = {tmp.path(), tmp.path() / "." };
  search.bundled = false;
  const auto folders = plugins::plugin_search_folders(search);
  ASSERT_GE(folders.size(), 1u);
  EXPECT_EQ(std::count_if(folders.begin(), folders.end(), [&](const auto& f) { return f.source != "user"; }), 1);
  EXPECT_EQ(folders[0].source, "--plugin-dir");
}

TEST(PluginFolders, UserDirsOffLeavesOutPluginPathAndXdg) {
  ScopedEnv path("EBSD_PLUGIN_PATH", "/somewhere");
  plugins::PluginSearch search;
  search.user_dirs = false;
  search.bundled = false;
  EXPECT_TRUE(plugins::plugin_search_folders(search).empty());
}

TEST(PluginFolders, LoadsPluginsFromEbsdPluginPath) {
  ScopedEnv path("EBSD_PLUGIN_PATH", fixture_dir("c_plugin").c_str());
  ScopedEnv xdg("XDG_DATA_HOME", "/nonexistent-ebsd-test-folder");
  pipeline::StepRegistry steps;
  io::FormatRegistry formats;
  plugins::PluginSearch search;
  search.bundled = false;
  const auto records = plugins::load_plugins(search, steps, formats);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].loaded) << records[0].reason;
  EXPECT_EQ(records[0].source, "EBSD_PLUGIN_PATH");
  EXPECT_NE(steps.find("fixture-c-fill"), nullptr);
}

TEST(PluginFolders, BundledFolderOfThisTestIsTheBuildTreePluginFolder) {
  // The test executable lives in <build>/plugins/, so <exe dir>/../lib/ebsd-studio/plugins is
  // the build tree's bundled folder: the same relative rule an installed bin/ebsd uses.
  EXPECT_EQ(std::filesystem::weakly_canonical(plugins::bundled_plugin_folder()),
            std::filesystem::weakly_canonical(bundled_dir()));
}

}  // namespace
}  // namespace ebsd::test
