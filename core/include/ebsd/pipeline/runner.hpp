#pragma once
// Runs pipelines: resolve every step's parameters, preflight the whole chain (no work is done
// when any step is misconfigured), then execute in order with progress and cancellation.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/pipeline_file.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::pipeline {

// Points into the registry it was resolved against: the registry must outlive it.
struct ResolvedStep {
  const Step* step = nullptr;
  std::string label;
  ParameterValues params;
  std::string display_name() const;  // "step 3 (segment)" or "step 3 (segment 'clean')"
  std::size_t index = 0;             // 0-based
};

// Unknown steps, unknown or bad parameters: PipelineError naming the step.
std::vector<ResolvedStep> resolve_pipeline(const Pipeline& p, const StepRegistry& registry);

// Preflights every step in order from an empty shape (or `start`). Throws ebsd::Error whose
// place names the step. Returns the shape after the last step.
DataShape preflight_pipeline(const std::vector<ResolvedStep>& steps, DataShape start = {});

struct StepResult {
  std::string step;
  std::string label;
  nlohmann::json parameters;
  nlohmann::json report;
  double seconds = 0.0;
};

struct RunCallbacks {
  std::function<void(const ResolvedStep&)> on_step_start;
  std::function<void(const ResolvedStep&, const StepResult&)> on_step_done;
};

// Executes already-preflighted steps on `ws`. Overall progress runs 0..1 across the steps.
// Each step that leaves a volume gets a provenance record; before the first step that writes
// files, the whole pipeline is recorded in the volume's provenance ("pipeline").
// A step's ebsd::Error is re-thrown with the step named in its place.
std::vector<StepResult> execute_pipeline(const std::vector<ResolvedStep>& steps, Workspace& ws, Progress& progress,
                                         const RunCallbacks& callbacks = {});

// Resolve + preflight + execute one step on an existing workspace (GUI, CLI subcommands).
StepResult run_step(const StepRegistry& registry, const std::string& id, const nlohmann::json& params, Workspace& ws,
                    Progress& progress);

}  // namespace ebsd::pipeline
