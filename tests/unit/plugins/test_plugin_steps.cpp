// Plugin steps behave as pipeline steps: parameters, preflight, execute, errors, cancellation.
#include "ebsd/orientation/disorientation.hpp"
#include "plugin_test_support.hpp"

namespace ebsd::test {
namespace {

using ::testing::HasSubstr;

class PluginSteps : public ::testing::Test {
protected:
  void SetUp() override {
    plugins_ = load_from({fixture_dir("c_plugin"), fixture_dir("cpp_plugin"), fixture_dir("raw_throw")});
    for (const auto& r : plugins_->records) ASSERT_TRUE(r.loaded) << r.file << ": " << r.reason;
  }
  const pipeline::StepRegistry& steps() const { return plugins_->steps; }
  std::unique_ptr<LoadedPlugins> plugins_;
};

TEST_F(PluginSteps, DeclaredParametersBecomeParameterSpecs) {
  const auto& info = steps().get("fixture-c-fill").info();
  EXPECT_EQ(info.title, "Fill a channel");
  EXPECT_EQ(info.category, "Tests");
  EXPECT_EQ(info.origin, "fixture-c");
  EXPECT_EQ(info.input, pipeline::StepInput::Volume);
  ASSERT_EQ(info.parameters.size(), 3u);
  const auto& scale = info.parameters[0];
  EXPECT_EQ(scale.name, "scale");
  EXPECT_EQ(scale.type, pipeline::ParamType::Float);
  EXPECT_EQ(scale.default_value, nlohmann::json(1.5));
  EXPECT_EQ(scale.min, 0.0);
  EXPECT_EQ(scale.max, 100.0);
  EXPECT_EQ(scale.unit, "1/voxel");
  EXPECT_EQ(scale.help, "multiplier of the voxel index");
  EXPECT_EQ(info.parameters[1].default_value, nlohmann::json("fixture"));
  EXPECT_EQ(info.parameters[2].type, pipeline::ParamType::Choice);
  EXPECT_EQ(info.parameters[2].choices, (std::vector<std::string>{"index", "reverse"}));
  const auto& make = steps().get("fixture-c-make").info();
  EXPECT_EQ(make.input, pipeline::StepInput::None);
  EXPECT_EQ(make.parameters[0].list_size, 3u);
}

TEST_F(PluginSteps, CStepReadsParametersAndWritesAChannelThroughTheHostTable) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({3, 2, 2});
  const auto result = run(steps(), "fixture-c-fill", {{"scale", 2.0}, {"channel", "twice"}}, ws);
  const Channel& c = ws.volume->channel("twice");
  EXPECT_EQ(c.unit, "count");
  ASSERT_EQ(c.values.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(c.values[i], 2.0f * static_cast<float>(i));
  EXPECT_EQ(result.report["filled"], 12.0);
}

TEST_F(PluginSteps, CStepSeesChoiceValues) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 1, 1});
  run(steps(), "fixture-c-fill", {{"mode", "reverse"}}, ws);
  EXPECT_EQ(ws.volume->channel("fixture").values, (std::vector<float>{4.5f, 3.0f, 1.5f, 0.0f}));
}

TEST_F(PluginSteps, ParameterValuesAreCheckedByTheHostBeforeThePluginRuns) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  try {
    run(steps(), "fixture-c-fill", {{"scale", 500.0}}, ws);
    FAIL() << "a scale above the declared maximum was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("scale"));
  }
  EXPECT_FALSE(ws.volume->has_channel("fixture"));
}

TEST_F(PluginSteps, PluginErrorBecomesTheStepsErrorNamingPluginAndStep) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  try {
    run(steps(), "fixture-c-error", {}, ws);
    FAIL() << "the failing step did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "deliberate failure of the C fixture");
    EXPECT_THAT(e.place(), HasSubstr("plugin 'fixture-c'"));
    EXPECT_THAT(e.place(), HasSubstr("step 'fixture-c-error'"));
  }
}

TEST_F(PluginSteps, ExceptionInACppPluginBecomesTheStepsError) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  try {
    run(steps(), "fixture-throws", {}, ws);
    FAIL() << "the throwing step did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "deliberate failure from fixture-throws");
    EXPECT_THAT(e.place(), HasSubstr("plugin 'fixture-cpp'"));
  }
}

TEST_F(PluginSteps, ExceptionEscapingThroughTheCInterfaceIsCaughtByTheHost) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  try {
    run(steps(), "fixture-raw-throw", {}, ws);
    FAIL() << "the raw throw was not turned into an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.problem(), HasSubstr("let a C++ exception escape through its C interface"));
    EXPECT_THAT(e.problem(), HasSubstr("raw exception from fixture-raw-throw"));
    EXPECT_THAT(e.place(), HasSubstr("step 'fixture-raw-throw'"));
  }
}

TEST_F(PluginSteps, CancellationEndsTheStepWithCancelled) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  CancelToken token;
  int reports = 0;
  Progress progress(
      [&](double, const std::string&) {
        if (++reports == 10) token.cancel();
      },
      &token);
  EXPECT_THROW(run(steps(), "fixture-cancel", {}, ws, progress), Cancelled);
  EXPECT_GE(reports, 10);
}

TEST_F(PluginSteps, PreflightRefusalStopsThePipelineBeforeAnyStepRuns) {
  pipeline::Pipeline p;
  p.steps = {{"fixture-c-fill", "", {{"channel", "first"}}}, {"fixture-preflight", "", {{"ok", false}}}};
  const auto resolved = pipeline::resolve_pipeline(p, steps());
  Volume v = single_phase_volume({2, 2, 1});
  try {
    pipeline::preflight_pipeline(resolved, pipeline::DataShape::of(v));
    FAIL() << "preflight accepted ok = false";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "fixture-preflight refuses: ok is false");
    EXPECT_THAT(e.place(), HasSubstr("step 2"));
  }
}

TEST_F(PluginSteps, PreflightRecordsTheChannelsAStepWillWrite) {
  pipeline::Pipeline p;
  p.steps = {{"fixture-c-fill", "", {{"channel", "first"}}}, {"fixture-preflight", "", nlohmann::json::object()}};
  const auto shape = pipeline::preflight_pipeline(pipeline::resolve_pipeline(p, steps()),
                                                  pipeline::DataShape::of(single_phase_volume({2, 2, 1})));
  EXPECT_EQ(shape.channels, (std::set<std::string>{"first", "ran"}));
}

TEST_F(PluginSteps, SourceStepCreatesTheVolume) {
  pipeline::Workspace ws;
  run(steps(), "fixture-c-make", {{"dims", {4, 3, 2}}}, ws);
  ASSERT_TRUE(ws.volume.has_value());
  EXPECT_EQ(ws.volume->dims(), (Index3{4, 3, 2}));
  EXPECT_EQ(ws.volume->spacing(), (std::array<double, 3>{0.5, 0.5, 1.0}));
  ASSERT_EQ(ws.volume->phases().size(), 1u);
  EXPECT_EQ(ws.volume->phases()[0].name, "Fixturite");
  EXPECT_EQ(ws.volume->phases()[0].laue, LaueGroup::HexagonalHigh);
  EXPECT_DOUBLE_EQ(ws.volume->indexed_fraction(), 1.0);
}

TEST_F(PluginSteps, HostMathsHelpersUseTheHostsConventions) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 1, 1});
  // 93 deg about z is 3 deg from the identity under cubic symmetry.
  const Quat g = rotation_about_z(93.0);
  ws.volume->set_orientation(1, g);
  const auto result = run(steps(), "fixture-maths", {}, ws);
  EXPECT_NEAR(result.report["angle_deg"].get<double>(), 3.0, 1e-4);
  EXPECT_EQ(result.report["operators"], 24.0);
  EXPECT_EQ(result.report["symbol"], "m-3m");
  const Eigen::Vector3d x = rotate(g, {1.0, 0.0, 0.0});
  EXPECT_NEAR(result.report["rotated_x"].get<double>(), x.x(), 1e-6);
  EXPECT_NEAR(result.report["rotated_y"].get<double>(), x.y(), 1e-6);
  EXPECT_NEAR(result.report["rotated_z"].get<double>(), x.z(), 1e-6);
  EXPECT_NEAR(result.report["fz_angle_deg"].get<double>(), 3.0, 1e-4);
}

}  // namespace
}  // namespace ebsd::test
