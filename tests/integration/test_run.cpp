// `ebsd run` and `ebsd steps` as a user runs them: the bundled example pipelines, preflight
// before work, exit codes 0/1/2/130, provenance in the written files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
namespace fs = std::filesystem;
const std::string kEbsd = EBSD_CLI;
const fs::path kPipelines = fs::path(EBSD_SOURCE_DIR) / "resources" / "pipelines";

std::string in_dir(const TempDir& t) { return "cd '" + t.path().string() + "' && "; }

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
}

bool has_part_files(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".part-") != std::string::npos) return true;
  return false;
}

TEST(Run, BundledExamplesRunAndRecordThePipeline) {
  TempDir t;
  auto r = run(in_dir(t) + kEbsd + " run " + (kPipelines / "synth-segment-export.json").string() + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["steps"].size(), 4u);
  // 60 grains and their twin lamellae; min_size 8 may merge none of them away at this size.
  EXPECT_GE(j["steps"][1]["report"]["grain_count"].get<int>(), 60);
  for (const char* f : {"synthetic.dream3d", "synthetic.xdmf", "synthetic-z16.png", "ipf-key.png"})
    EXPECT_TRUE(fs::exists(t / f)) << f;
  const auto v = ebsd::io::read_volume(t / "synthetic.dream3d");
  const auto& prov = v.provenance();
  ASSERT_FALSE(prov.empty());
  const auto it = std::find_if(prov.begin(), prov.end(), [](const auto& p) { return p.step == "pipeline"; });
  ASSERT_NE(it, prov.end());
  // Every parameter, defaults included, of every step.
  EXPECT_EQ(it->parameters["steps"][1]["params"]["min_size"], 8);
  EXPECT_EQ(it->parameters["steps"][3]["params"]["key_size"], 256);

  // The stack example reads what the stack maker writes.
  r = run(in_dir(t) + kEbsd + " run " + (kPipelines / "make-slice-stack.json").string(), t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(t / "S_011.ang"));
  r = run(in_dir(t) + kEbsd + " run " + (kPipelines / "stack-align-segment-dream3d.json").string() + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s["steps"][0]["report"]["dims"], nlohmann::json({48, 40, 12}));
  EXPECT_EQ(s["steps"][1]["report"]["slices"].size(), 12u);
  EXPECT_EQ(s["steps"][2]["report"]["grain_count"], 40);
  EXPECT_TRUE(fs::exists(t / "stack.dream3d"));
}

TEST(Run, AMisconfiguredLastStepFailsBeforeAnythingIsWritten) {
  TempDir t;
  const auto p = (kPipelines / "synth-segment-export.json").string();
  auto r = run(in_dir(t) + kEbsd + " run " + p + " --set png.index=99", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("step 4 (export-png 'png'), parameter 'index': slice 99 is outside the volume (32 along z)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(t / "synthetic.dream3d"));

  r = run(in_dir(t) + kEbsd + " run " + p + " --set out.path=nofolder/x.dream3d", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("output folder does not exist"), std::string::npos) << r.err;
}

TEST(Run, AnInvalidPipelineFileExitsTwo) {
  TempDir t;
  const auto p = (kPipelines / "synth-segment-export.json").string();
  auto r = run(in_dir(t) + kEbsd + " run " + p + " --set segment.threshold=3", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown parameter 'threshold' (known: threshold_deg, min_size)"), std::string::npos) << r.err;
  r = run(in_dir(t) + kEbsd + " run " + p + " --set make.grains=many", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("parameter 'grains': expected an integer"), std::string::npos) << r.err;
  write_text(t / "bad.json", "{\"format\": \"ebsd-pipeline\",\n \"version\": 1,\n \"steps\": [ {\"step\": \"synth\"} \n");
  r = run(in_dir(t) + kEbsd + " run bad.json", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.json: not valid JSON: parse error at line 4"), std::string::npos) << r.err;
  write_text(t / "unknown.json", R"({"format": "ebsd-pipeline", "version": 1, "steps": [{"step": "teleport"}]})");
  r = run(in_dir(t) + kEbsd + " run unknown.json", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown step 'teleport'"), std::string::npos) << r.err;
  r = run(in_dir(t) + kEbsd + " run missing.json", t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json: cannot open the pipeline file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(t / "synthetic.dream3d"));
}

TEST(Run, DryRunPreflightsAndRunsNothing) {
  TempDir t;
  auto r = run(in_dir(t) + kEbsd + " run " + (kPipelines / "synth-segment-export.json").string() + " --dry-run --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["preflight"], "ok");
  EXPECT_EQ(j["pipeline"]["steps"][0]["params"]["laue"], "m-3m");  // defaults resolved
  EXPECT_FALSE(fs::exists(t / "synthetic.dream3d"));
}

TEST(Run, AFailingStepExitsOneNamingTheStep) {
  TempDir t;
  write_text(t / "p.json", R"({"format": "ebsd-pipeline", "version": 1, "steps": [
      {"step": "read", "params": {"paths": "nosuch*.ang", "z_step": 1}}]})");
  auto r = run(in_dir(t) + kEbsd + " run p.json", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("step 1 (read)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nosuch*.ang"), std::string::npos) << r.err;
}

TEST(Run, CtrlCDuringALongStepExits130AndLeavesNoFile) {
  TempDir t;
  write_text(t / "long.json", R"({"format": "ebsd-pipeline", "version": 1, "steps": [
      {"step": "synth", "params": {"dims": [160, 160, 160], "grains": 2000}},
      {"step": "write", "params": {"path": "long.ebsd.h5"}}]})");
  // Start it, wait until the first progress line shows the step is running, then interrupt.
  // (cd first: `cd && cmd &` would background a subshell, and $! would not be ebsd.)
  const std::string script = "cd '" + t.path().string() + "'; " + kEbsd + " run long.json >/dev/null 2>log.txt & pid=$!; " +
                             "for i in $(seq 1 300); do grep -q synth log.txt 2>/dev/null && break; sleep 0.1; done; " +
                             "kill -INT $pid; wait $pid; echo $?";
  auto r = run(script, t);
  EXPECT_EQ(r.out, "130\n") << ebsd::test::read_file(t / "log.txt");
  EXPECT_NE(ebsd::test::read_file(t / "log.txt").find("interrupted"), std::string::npos);
  EXPECT_FALSE(fs::exists(t / "long.ebsd.h5"));
  EXPECT_FALSE(has_part_files(t.path()));
}

TEST(Steps, ListsEveryStepWithItsParameters) {
  TempDir t;
  auto r = run(kEbsd + " steps --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> ids;
  for (const auto& s : j) ids.insert(s["id"].get<std::string>());
  for (const char* id : {"read", "write", "synth", "segment", "align", "damage", "export-png", "add-side-image"})
    EXPECT_TRUE(ids.count(id)) << id;
  r = run(kEbsd + " steps segment", t);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("threshold_deg : float [deg] = 5.0  range 0 .. 180"), std::string::npos) << r.out;
  r = run(kEbsd + " steps nosuch", t);
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
