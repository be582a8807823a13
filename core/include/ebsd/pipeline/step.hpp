#pragma once
// A step: one operation of the product (read, write, segment, align, denoise, recover ...)
// with declared parameters, a preflight that validates without touching voxel data, and an
// execute that reports progress and honours cancellation. CLI subcommands, pipeline files,
// GUI forms and plugins all run operations through this interface.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"
#include "ebsd/pipeline/data_shape.hpp"
#include "ebsd/pipeline/parameter.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::pipeline {

enum class StepInput {
  None,    // a source: starts (or replaces) the volume, e.g. read, synth
  Volume,  // works on the current volume
};

struct StepInfo {
  std::string id;           // stable, kebab-case: "segment", "read", "kam"
  std::string title;        // "Segment grains"
  std::string category;     // "Input/Output", "Analysis", "Repair", "Synthetic data", ...
  std::string description;  // a few sentences for `ebsd steps` and the GUI
  std::vector<ParameterSpec> parameters;
  StepInput input = StepInput::Volume;
  bool writes_files = false;      // outputs go to disk (the runner records the pipeline first)
  std::string origin = "builtin"; // "builtin", "gpu" or the plugin's name

  const ParameterSpec* find_parameter(const std::string& name) const;
  nlohmann::json to_json() const;
};

// What a step sees while it runs. The runner owns it; a view or a step never keeps a pointer
// to its volume beyond the call.
struct Workspace {
  std::optional<Volume> volume;
  // The pipeline being run with every parameter resolved (provenance for written files);
  // null when a single step is run outside a pipeline.
  nlohmann::json pipeline;
  // The running step's machine-readable result (counts, shifts, metrics); the runner collects
  // one per step and clears it before the next.
  nlohmann::json report;
  // Human-readable lines (e.g. "wrote out.dream3d"); the CLI prints them, the GUI logs them.
  std::function<void(const std::string&)> log;

  void say(const std::string& line) const {
    if (log) log(line);
  }
  // The current volume or an ebsd::Error naming `step_id` when there is none.
  Volume& require_volume(const std::string& step_id);
};

class Step {
public:
  virtual ~Step() = default;
  virtual const StepInfo& info() const = 0;
  // Validates `params` against `shape` without touching voxel data (it may look at files:
  // existence, a header) and updates `shape` to what execute will produce. Throws ebsd::Error.
  virtual void preflight(const ParameterValues& params, DataShape& shape) const = 0;
  // Does the work. Throws ebsd::Error on bad data and ebsd::Cancelled when progress says so.
  virtual void execute(const ParameterValues& params, Workspace& ws, Progress& progress) const = 0;
};

// A step made of two functions: how almost every built-in step is written.
class FunctionStep final : public Step {
public:
  using PreflightFn = std::function<void(const ParameterValues&, DataShape&)>;
  using ExecuteFn = std::function<void(const ParameterValues&, Workspace&, Progress&)>;
  FunctionStep(StepInfo info, PreflightFn preflight, ExecuteFn execute)
      : info_(std::move(info)), preflight_(std::move(preflight)), execute_(std::move(execute)) {}
  const StepInfo& info() const override { return info_; }
  void preflight(const ParameterValues& p, DataShape& s) const override {
    if (preflight_) preflight_(p, s);
  }
  void execute(const ParameterValues& p, Workspace& ws, Progress& pr) const override { execute_(p, ws, pr); }

private:
  StepInfo info_;
  PreflightFn preflight_;
  ExecuteFn execute_;
};

}  // namespace ebsd::pipeline
