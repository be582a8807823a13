// A fresh install (`cmake --install` into an empty prefix) runs a pipeline with a plugin step
// and finds its GPU module and bundled plugins beside the installed program, not in the build tree.
#include <gtest/gtest.h>

#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
namespace fs = std::filesystem;

TEST(FreshInstall, InstalledEbsdRunsAPluginPipeline) {
  TempDir t;
  const auto prefix = t / "prefix";
  auto r = run("cmake --install '" + std::string(EBSD_BUILD_DIR) + "' --prefix '" + prefix.string() + "' >/dev/null", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ebsd = (prefix / "bin" / "ebsd").string();
  ASSERT_TRUE(fs::exists(ebsd));
  ASSERT_TRUE(fs::exists(prefix / "lib" / "ebsd-studio" / "plugins" / "kam.so"));

  const auto work = t / "work";
  fs::create_directories(work);
  const auto pipeline = (fs::path(EBSD_SOURCE_DIR) / "resources" / "pipelines" / "kam-map.json").string();
  r = run("cd '" + work.string() + "' && '" + ebsd + "' run " + pipeline, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(work / "kam.ebsd.h5"));

  r = run("'" + ebsd + "' plugins --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find((prefix / "lib" / "ebsd-studio" / "plugins" / "kam.so").string()), std::string::npos) << r.out;
  r = run("'" + ebsd + "' steps", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GPU module: " + (prefix / "lib" / "ebsd-studio" / "ebsd-gpu-steps.so").string()), std::string::npos)
      << r.out;
}

}  // namespace
