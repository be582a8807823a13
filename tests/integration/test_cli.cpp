// The `ebsd` command as a user runs it: outputs, JSON, exit codes and error lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;

TEST(Cli, VersionAndHelp) {
  TempDir t;
  auto r = run(kEbsd + " --version", t);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("EBSD Studio"), std::string::npos);
  r = run(kEbsd + " --help", t);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"synth", "info", "segment", "orient"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  r = run(kEbsd + " orient disorientation --help", t);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--laue"), std::string::npos);
}

TEST(Cli, SynthThenInfoDescribesExactlyWhatWasAsked) {
  TempDir t;
  const auto file = (t / "a.ebsd.h5").string();
  auto r = run(kEbsd + " synth -o " + file + " --dims 40,30,20 --spacing 0.5,0.5,0.25 --grains 25 --seed 3 --laue 6/mmm" +
                   " --side pl,bse --missing-slices 5,6 --json",
               t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_GE(s["grain_count"].get<int>(), 25);
  r = run(kEbsd + " info --json " + file, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dims"], nlohmann::json::parse("[40,30,20]"));
  EXPECT_EQ(j["spacing"], nlohmann::json::parse("[0.5,0.5,0.25]"));
  EXPECT_EQ(j["length_unit"], "um");
  ASSERT_EQ(j["phases"].size(), 1u);
  EXPECT_EQ(j["phases"][0]["laue"], "6/mmm");
  EXPECT_EQ(j["missing_slices"], nlohmann::json::parse("[5,6]"));
  std::vector<std::string> channels;
  for (const auto& c : j["channels"]) channels.push_back(c["name"]);
  EXPECT_NE(std::find(channels.begin(), channels.end(), "pl"), channels.end());
  EXPECT_NE(std::find(channels.begin(), channels.end(), "bse"), channels.end());
  // Two of 20 slices are missing, everything else is indexed.
  EXPECT_NEAR(j["indexed_fraction"].get<double>(), 18.0 / 20.0, 0.02);
  ASSERT_GE(j["provenance"].size(), 1u);
  EXPECT_EQ(j["provenance"][0]["step"], "synth");
}

TEST(Cli, SegmentFindsTheGeneratedGrains) {
  TempDir t;
  const auto in = (t / "in.ebsd.h5").string(), out = (t / "seg.ebsd.h5").string();
  auto r = run(kEbsd + " synth -o " + in + " --dims 48,48,24 --grains 40 --twins 0.5 --seed 5 --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int generated = nlohmann::json::parse(r.out)["grain_count"];
  r = run(kEbsd + " segment " + in + " -o " + out + " --threshold-deg 5 --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["grain_count"].get<int>(), generated);
  EXPECT_GT(j["equivalent_diameter"]["mean"].get<double>(), 0.0);
  r = run(kEbsd + " info --json " + out, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  EXPECT_TRUE(info["segmented"].get<bool>());
  EXPECT_EQ(info["grain_count"].get<int>(), generated);
  EXPECT_EQ(info["provenance"].back()["step"], "segment");
}

TEST(Cli, OrientCalculatorGivesKnownValues) {
  TempDir t;
  auto r = run(kEbsd + " orient disorientation --laue m-3m --euler-deg 0,0,0 --euler-deg 45,0,0", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "45.000000 deg about [0.000000 0.000000 1.000000]\n");
  r = run(kEbsd + " orient ipf --laue m-3m --direction 0,0,1 --euler-deg 0,0,0", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "255 0 0\n");
  r = run(kEbsd + " orient convert --from euler-deg --to qu --json 90,0,0", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto q = nlohmann::json::parse(r.out)["outputs"]["qu"];
  // eu2qu with P = +1: (cos 45, 0, 0, -sin 45).
  EXPECT_NEAR(q[0].get<double>(), std::sqrt(0.5), 1e-9);
  EXPECT_NEAR(q[3].get<double>(), -std::sqrt(0.5), 1e-9);
  r = run(kEbsd + " orient key --laue 6/mmm -o " + (t / "key.png").string(), t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::file_size(t / "key.png") > 100);
}

TEST(Cli, BadUsageExitsTwoWithOneLine) {
  TempDir t;
  auto r = run(kEbsd + " synth --dims 10,10,10", t);  // no -o
  EXPECT_EQ(r.exit_code, 2);
  r = run(kEbsd + " synth -o " + (t / "x.ebsd.h5").string() + " --dims 10,10", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dims"), std::string::npos) << r.err;
  r = run(kEbsd + " frobnicate", t);
  EXPECT_EQ(r.exit_code, 2);
  r = run(kEbsd + " orient ipf --laue m-3m --euler-deg 1,2", t);
  EXPECT_NE(r.exit_code, 0);
}

TEST(Cli, BadInputExitsOneAndNamesTheFile) {
  TempDir t;
  const auto missing = (t / "nope.ebsd.h5").string();
  auto r = run(kEbsd + " info " + missing, t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  const auto junk = t / "junk.ebsd.h5";
  { std::ofstream(junk) << "not an hdf5 file\n"; }
  r = run(kEbsd + " info " + junk.string(), t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(junk.string()), std::string::npos) << r.err;
  r = run(kEbsd + " orient disorientation --laue m-4m --euler-deg 0,0,0 --euler-deg 1,0,0", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("m-4m"), std::string::npos) << r.err;
  // Twins are defined for cubic phases only.
  r = run(kEbsd + " synth -o " + (t / "h.ebsd.h5").string() + " --dims 10,10,10 --grains 5 --laue 6/mmm --twins 0.5", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(t / "h.ebsd.h5"));
}

}  // namespace
