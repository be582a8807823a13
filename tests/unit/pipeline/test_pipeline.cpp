// Pipeline files, the registry and the runner: preflight before work, provenance, overrides,
// progress and cancellation.
#include <gtest/gtest.h>

#include <atomic>

#include "ebsd/pipeline/runner.hpp"

namespace {

using namespace ebsd::pipeline;
using nlohmann::json;

// Counts executions so tests can prove that nothing ran.
std::atomic<int> g_executions{0};

std::unique_ptr<Step> counting_step(std::string id, StepInput input, bool writes = false) {
  StepInfo info;
  info.id = std::move(id);
  info.title = "t";
  info.category = "Test";
  info.input = input;
  info.writes_files = writes;
  info.parameters = {ParameterSpec{"n", ParamType::Int, 1, 0.0, 10.0, {}, "", "a number", {}}};
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        if (p.get_int("n") == 7) throw ebsd::Error("seven is refused in preflight");
        shape.has_volume = true;
      },
      [input](const ParameterValues& p, Workspace& ws, ebsd::Progress& progress) {
        ++g_executions;
        if (input == StepInput::None) ws.volume.emplace(ebsd::Index3{4, 3, 2}, std::array<double, 3>{1, 1, 1});
        for (int i = 0; i < 4; ++i) {
          progress.check();
          progress.report((i + 1) / 4.0, "working");
        }
        if (p.get_int("n") == 9) throw ebsd::Error("nine fails at run time", "data.bin");
        ws.report = {{"n", p.get_int("n")}};
      });
}

StepRegistry make_registry() {
  StepRegistry r;
  r.add(counting_step("make", StepInput::None));
  r.add(counting_step("work", StepInput::Volume));
  r.add(counting_step("save", StepInput::Volume, true));
  return r;
}

// Resolved steps point into their registry, so it outlives every test.
const StepRegistry& test_registry() {
  static const StepRegistry r = make_registry();
  return r;
}

Pipeline three_steps() {
  return parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1, "steps": [
      {"step": "make"}, {"step": "work", "label": "w", "params": {"n": 2}}, {"step": "save"}]})"),
                        "p.json");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ebsd::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(PipelineFile, RejectsWhatIsNotAPipeline) {
  EXPECT_THROW(parse_pipeline(json::parse(R"({"version": 1, "steps": [{"step": "a"}]})"), "f"), PipelineError);
  EXPECT_THROW(parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 2, "steps": [{"step": "a"}]})"), "f"),
               PipelineError);
  EXPECT_THROW(parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1, "steps": []})"), "f"), PipelineError);
  EXPECT_THROW(parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1, "steps": [{"id": "a"}]})"), "f"),
               PipelineError);
  EXPECT_THROW(parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1, "stepz": []})"), "f"), PipelineError);
  const auto dup = error_of([] {
    parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1,
        "steps": [{"step": "a", "label": "x"}, {"step": "b", "label": "x"}]})"),
                   "f.json");
  });
  EXPECT_NE(dup.find("label 'x' is used twice"), std::string::npos) << dup;
}

TEST(PipelineFile, OverridesNameStepsByLabelPositionOrUniqueId) {
  auto p = three_steps();
  apply_override(p, "w.n=3");
  apply_override(p, "1.n=4");
  apply_override(p, "save.n=5");
  const auto steps = resolve_pipeline(p, test_registry());
  EXPECT_EQ(steps[0].params.get_int("n"), 4);
  EXPECT_EQ(steps[1].params.get_int("n"), 3);
  EXPECT_EQ(steps[2].params.get_int("n"), 5);
  EXPECT_THROW(apply_override(p, "nosuch.n=1"), PipelineError);
  EXPECT_THROW(apply_override(p, "4.n=1"), PipelineError);
  EXPECT_THROW(apply_override(p, "w.n"), PipelineError);
  apply_override(p, "w.n=11");  // out of range: found when resolving against the declaration
  EXPECT_THROW(resolve_pipeline(p, test_registry()), PipelineError);
}

TEST(PipelineFile, SaveAndLoadRoundTrip) {
  const auto path = std::filesystem::temp_directory_path() / "ebsd-test-pipeline.json";
  save_pipeline(path, three_steps());
  const auto back = load_pipeline(path);
  EXPECT_EQ(back.to_json(), three_steps().to_json());
  std::filesystem::remove(path);
  EXPECT_THROW(load_pipeline(path), PipelineError);
}

TEST(Runner, AMisconfiguredLastStepFailsBeforeAnyWork) {
  auto p = three_steps();
  p.steps[2].params = {{"n", 7}};
  const auto steps = resolve_pipeline(p, test_registry());
  g_executions = 0;
  const auto msg = error_of([&] { preflight_pipeline(steps); });
  EXPECT_NE(msg.find("step 3 (save): seven is refused"), std::string::npos) << msg;
  EXPECT_EQ(g_executions, 0);
}

TEST(Runner, AStepThatNeedsAVolumeNeedsASourceBeforeIt) {
  const auto p = parse_pipeline(json::parse(R"({"format": "ebsd-pipeline", "version": 1, "steps": [{"step": "work"}]})"), "f");
  const auto msg = error_of([&] { preflight_pipeline(resolve_pipeline(p, test_registry())); });
  EXPECT_NE(msg.find("needs a volume"), std::string::npos) << msg;
}

TEST(Runner, ExecutesInOrderWithProgressReportsAndProvenance) {
  const auto steps = resolve_pipeline(three_steps(), test_registry());
  preflight_pipeline(steps);
  Workspace ws;
  ws.pipeline = three_steps().to_json();
  std::vector<double> fractions;
  ebsd::Progress progress([&](double f, const std::string&) { fractions.push_back(f); }, nullptr);
  const auto results = execute_pipeline(steps, ws, progress);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].report["n"], 2);
  EXPECT_EQ(results[1].label, "w");
  ASSERT_TRUE(ws.volume);
  // make, work, then the pipeline recorded before the writing step (which adds none itself).
  const auto& prov = ws.volume->provenance();
  ASSERT_EQ(prov.size(), 3u);
  EXPECT_EQ(prov[0].step, "make");
  EXPECT_EQ(prov[1].step, "work");
  EXPECT_EQ(prov[1].parameters["n"], 2);
  EXPECT_EQ(prov[2].step, "pipeline");
  EXPECT_EQ(prov[2].parameters["steps"].size(), 3u);
  ASSERT_FALSE(fractions.empty());
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
}

TEST(Runner, StepErrorsNameTheStepAndTheFile) {
  auto p = three_steps();
  p.steps[1].params = {{"n", 9}};
  const auto steps = resolve_pipeline(p, test_registry());
  Workspace ws;
  const auto msg = error_of([&] { execute_pipeline(steps, ws, ebsd::Progress::none()); });
  EXPECT_EQ(msg, "data.bin:step 2 (work 'w'): nine fails at run time");
}

TEST(Runner, CancellationStopsBetweenAndWithinSteps) {
  const auto steps = resolve_pipeline(three_steps(), test_registry());
  ebsd::CancelToken token;
  int reports = 0;
  ebsd::Progress progress(
      [&](double, const std::string&) {
        if (++reports == 3) token.cancel();
      },
      &token);
  Workspace ws;
  g_executions = 0;
  EXPECT_THROW(execute_pipeline(steps, ws, progress), ebsd::Cancelled);
  EXPECT_EQ(g_executions, 1);
}

TEST(Registry, RefusesDuplicatesAndMalformedDeclarations) {
  auto r = make_registry();
  EXPECT_THROW(r.add(counting_step("make", StepInput::None)), ebsd::Error);
  EXPECT_THROW(r.add(counting_step("Bad Id", StepInput::None)), ebsd::Error);
  StepInfo info;
  info.id = "bad-default";
  info.parameters = {ParameterSpec{"x", ParamType::Int, 50, 0.0, 10.0, {}, "", "", {}}};
  EXPECT_THROW(r.add(std::make_unique<FunctionStep>(info, nullptr, [](auto&, auto&, auto&) {})), ebsd::Error);
  EXPECT_EQ(r.steps().size(), 3u);
  EXPECT_EQ(r.to_json().size(), 3u);
  EXPECT_THROW(r.get("nope"), ebsd::Error);
}

TEST(Registry, BuiltinCoreStepsAreDeclaredWell) {
  StepRegistry r;
  register_core_steps(r);
  for (const char* id : {"synth", "segment", "align", "damage"}) {
    const Step* s = r.find(id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_FALSE(s->info().description.empty());
    for (const auto& p : s->info().parameters) EXPECT_FALSE(p.help.empty()) << id << "." << p.name;
  }
  // synth + segment through run_step on a workspace, as the GUI does.
  Workspace ws;
  const auto made = run_step(r, "synth", {{"dims", {24, 24, 8}}, {"grains", 10}, {"seed", 3}}, ws, ebsd::Progress::none());
  EXPECT_EQ(made.report["grain_count"], 10);
  const auto seg = run_step(r, "segment", json::object(), ws, ebsd::Progress::none());
  EXPECT_EQ(seg.report["grain_count"], 10);
  EXPECT_TRUE(ws.volume->has_grain_ids());
  EXPECT_THROW(run_step(r, "damage", {{"remove_slices", {8}}}, ws, ebsd::Progress::none()), ebsd::Error);
}

}  // namespace
