// The loader's report: what loads, what is refused, and why.
#include <fstream>

#include "plugin_test_support.hpp"
#include "run_command.hpp"

namespace ebsd::test {
namespace {

using ::testing::HasSubstr;

TEST(PluginLoader, LoadsBothBundledPluginsWithTheirStepsAndOrigins) {
  auto p = load_from({bundled_dir()});
  const auto& kam = p->record("kam.so");
  EXPECT_TRUE(kam.loaded) << kam.reason;
  EXPECT_EQ(kam.name, "kam");
  EXPECT_EQ(kam.sdk_version, plugins::host_sdk_version());
  EXPECT_EQ(kam.steps, std::vector<std::string>{"kam"});
  const auto& sem = p->record("sem_images.so");
  EXPECT_TRUE(sem.loaded) << sem.reason;
  EXPECT_EQ(sem.name, "sem");
  EXPECT_EQ(sem.modalities, std::vector<std::string>{"sem"});
  EXPECT_EQ(sem.steps, (std::vector<std::string>{"import-sem", "predict-sem"}));

  ASSERT_NE(p->steps.find("kam"), nullptr);
  EXPECT_EQ(p->steps.get("kam").info().origin, "kam");
  EXPECT_EQ(p->steps.get("import-sem").info().origin, "sem");
  EXPECT_EQ(p->steps.get("predict-sem").info().origin, "sem");
}

TEST(PluginLoader, RefusesAPluginBuiltForAnotherMajorVersionNamingFileAndBothVersions) {
  auto p = load_from({fixture_dir("wrong_major")});
  ASSERT_EQ(p->records.size(), 1u);
  const auto& r = p->records[0];
  EXPECT_FALSE(r.loaded);
  const std::string plugin_version = std::to_string(EBSD_SDK_VERSION_MAJOR + 1) + ".0";
  EXPECT_EQ(r.sdk_version, plugin_version);
  EXPECT_THAT(r.reason, HasSubstr(r.file.string()));
  EXPECT_THAT(r.reason, HasSubstr("built against EBSD plugin SDK " + plugin_version));
  EXPECT_THAT(r.reason, HasSubstr("provides SDK " + plugins::host_sdk_version()));
  EXPECT_THAT(r.reason, HasSubstr("major versions must match"));
  EXPECT_TRUE(p->steps.steps().empty());
}

TEST(PluginLoader, ReportsASharedLibraryWithoutEntryPointAsNotAPlugin) {
  auto p = load_from({fixture_dir("not_a_plugin")});
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_FALSE(p->records[0].loaded);
  EXPECT_THAT(p->records[0].reason, HasSubstr("not an EBSD Studio plugin"));
  EXPECT_THAT(p->records[0].reason, HasSubstr("ebsd_plugin_sdk_version"));
}

TEST(PluginLoader, ReportsAFileNamedSoThatIsNotALibrary) {
  TempDir tmp;
  std::ofstream(tmp / "notes.so") << "these are notes, not machine code\n";
  auto p = load_from({tmp.path()});
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_FALSE(p->records[0].loaded);
  EXPECT_THAT(p->records[0].reason, HasSubstr("not a loadable shared library"));
}

TEST(PluginLoader, IgnoresFilesThatAreNotSharedLibraries) {
  TempDir tmp;
  std::ofstream(tmp / "README.md") << "plugins go here\n";
  std::ofstream(tmp / "kam.so.bak") << "old\n";
  auto p = load_from({tmp.path()});
  EXPECT_TRUE(p->records.empty());
}

TEST(PluginLoader, ReportsAMissingRegistrationEntryPoint) {
  auto p = load_from({fixture_dir("no_register")});
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_FALSE(p->records[0].loaded);
  EXPECT_THAT(p->records[0].reason, HasSubstr("no ebsd_plugin_register entry point"));
}

TEST(PluginLoader, ReportsThePluginsOwnMessageWhenRegistrationFails) {
  auto p = load_from({fixture_dir("register_fails")});
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_FALSE(p->records[0].loaded);
  EXPECT_EQ(p->records[0].reason, "registration failed: the fixture needs a licence file that does not exist");
}

TEST(PluginLoader, RefusesAMalformedDeclarationEvenWhenThePluginIgnoresTheRefusal) {
  auto p = load_from({fixture_dir("bad_declaration")});
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_FALSE(p->records[0].loaded);
  EXPECT_THAT(p->records[0].reason, HasSubstr("registration failed"));
  EXPECT_THAT(p->records[0].reason, HasSubstr("parameter 'label'"));
  EXPECT_THAT(p->records[0].reason, HasSubstr("not JSON"));
  EXPECT_EQ(p->steps.find("fixture-bad-declaration"), nullptr);
}

TEST(PluginLoader, RefusesAPluginWhoseStepIdIsTakenAndAddsNoneOfItsSteps) {
  auto p = load_from({bundled_dir()});
  plugins::PluginSearch search;
  search.extra_dirs = {fixture_dir("duplicate_kam")};
  search.user_dirs = false;
  search.bundled = false;
  const auto records = plugins::load_plugins(search, p->steps, p->formats);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].loaded);
  EXPECT_EQ(records[0].name, "duplicate-kam");
  EXPECT_EQ(records[0].reason, "its step 'kam' has the id of a step already registered by plugin 'kam'");
  EXPECT_EQ(p->steps.find("fixture-duplicate-own"), nullptr);
  EXPECT_EQ(p->steps.get("kam").info().origin, "kam");
}

TEST(PluginLoader, RefusesASecondPluginOfTheSameNameFoundInALaterFolder) {
  TempDir tmp;
  std::filesystem::copy_file(bundled_dir() / "kam.so", tmp / "kam.so");
  auto p = load_from({tmp.path(), bundled_dir()});
  const auto first = std::find_if(p->records.begin(), p->records.end(), [&](const auto& r) { return r.file == tmp / "kam.so"; });
  const auto second =
      std::find_if(p->records.begin(), p->records.end(), [&](const auto& r) { return r.file == bundled_dir() / "kam.so"; });
  ASSERT_NE(first, p->records.end());
  ASSERT_NE(second, p->records.end());
  EXPECT_TRUE(first->loaded) << first->reason;
  EXPECT_EQ(first->source, "--plugin-dir");
  EXPECT_FALSE(second->loaded);
  EXPECT_EQ(second->reason, "a plugin named 'kam' was already loaded from " + (tmp / "kam.so").string());
}

TEST(PluginLoader, KeepsEveryLoadInTheProcessHistory) {
  const auto before = plugins::plugin_load_history().size();
  auto p = load_from({fixture_dir("register_fails"), fixture_dir("c_plugin")});
  const auto history = plugins::plugin_load_history();
  ASSERT_EQ(history.size(), before + 2);
  EXPECT_EQ(history[before].file.filename(), "register_fails.so");
  EXPECT_EQ(history[before + 1].file.filename(), "c_plugin.so");
  EXPECT_TRUE(history[before + 1].loaded);
}

TEST(PluginLoader, DescribesARecordInJson) {
  auto p = load_from({fixture_dir("c_plugin")});
  const nlohmann::json j = plugins::to_json(p->records);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "fixture-c");
  EXPECT_EQ(j[0]["version"], "0.3.1");
  EXPECT_EQ(j[0]["description"], "C ABI test fixture");
  EXPECT_EQ(j[0]["loaded"], true);
  EXPECT_EQ(j[0]["reason"], "");
  EXPECT_EQ(j[0]["source"], "--plugin-dir");
  EXPECT_EQ(j[0]["steps"], nlohmann::json({"fixture-c-fill", "fixture-c-error", "fixture-c-make"}));
  EXPECT_EQ(j[0]["formats"], nlohmann::json({"fixture-text"}));
  EXPECT_EQ(j[0]["file"], (fixture_dir("c_plugin") / "c_plugin.so").string());
}

}  // namespace
}  // namespace ebsd::test
