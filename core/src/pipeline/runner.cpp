#include "ebsd/pipeline/runner.hpp"

#include <chrono>

#include "ebsd/core/version.hpp"
#include "ebsd/volume/provenance.hpp"

namespace ebsd::pipeline {
namespace {

using nlohmann::json;

// `--set` stores {"$text": "..."}: the declared type of the parameter turns it into a value.
json convert_overrides(const StepInfo& info, const json& params, const std::string& place) {
  json out = json::object();
  for (const auto& [name, value] : params.items()) {
    if (value.is_object() && value.size() == 1 && value.contains("$text")) {
      const ParameterSpec* spec = info.find_parameter(name);
      if (!spec) {
        out[name] = value;  // resolve_parameters reports the unknown name with the known ones
        continue;
      }
      try {
        out[name] = parse_value_text(*spec, value["$text"].get<std::string>());
      } catch (const Error& e) {
        throw PipelineError(e.problem(), "", place + ", " + e.place());
      }
    } else {
      out[name] = value;
    }
  }
  return out;
}

// Re-throws `e` with the step named in its place, keeping the file it names.
[[noreturn]] void rethrow_in_step(const Error& e, const ResolvedStep& s) {
  const std::string place = e.place().empty() ? s.display_name() : s.display_name() + ", " + e.place();
  throw Error(e.problem(), e.file(), place);
}

}  // namespace

std::string ResolvedStep::display_name() const {
  std::string s = "step " + std::to_string(index + 1) + " (" + step->info().id;
  if (!label.empty()) s += " '" + label + "'";
  return s + ")";
}

std::vector<ResolvedStep> resolve_pipeline(const Pipeline& p, const StepRegistry& registry) {
  std::vector<ResolvedStep> out;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const auto& ps = p.steps[i];
    const std::string place = "step " + std::to_string(i + 1) + " (" + ps.step + ")";
    const Step* step = registry.find(ps.step);
    if (!step) throw PipelineError("unknown step '" + ps.step + "' (see `ebsd steps`)", p.source, place);
    ResolvedStep r;
    r.step = step;
    r.label = ps.label;
    r.index = i;
    try {
      r.params = resolve_parameters(step->info().parameters, convert_overrides(step->info(), ps.params, place), place);
    } catch (const PipelineError& e) {
      throw PipelineError(e.problem(), p.source, e.place());
    } catch (const Error& e) {
      throw PipelineError(e.problem(), p.source, e.place());
    }
    out.push_back(std::move(r));
  }
  return out;
}

DataShape preflight_pipeline(const std::vector<ResolvedStep>& steps, DataShape shape) {
  for (const auto& s : steps) {
    if (s.step->info().input == StepInput::Volume && !shape.has_volume)
      throw Error("needs a volume, but no earlier step reads or makes one", "", s.display_name());
    try {
      s.step->preflight(s.params, shape);
    } catch (const Error& e) {
      rethrow_in_step(e, s);
    }
    if (s.step->info().input == StepInput::None && !s.step->info().writes_files) shape.has_volume = true;
  }
  return shape;
}

std::vector<StepResult> execute_pipeline(const std::vector<ResolvedStep>& steps, Workspace& ws, Progress& progress,
                                         const RunCallbacks& callbacks) {
  std::vector<StepResult> results;
  const double n = static_cast<double>(steps.size());
  bool pipeline_recorded = false;
  for (const auto& s : steps) {
    progress.check();
    const auto& info = s.step->info();
    if (callbacks.on_step_start) callbacks.on_step_start(s);
    // Each step reports 0..1; the pipeline's bar runs across all of them.
    Progress step_progress = progress.part(static_cast<double>(s.index) / n, static_cast<double>(s.index + 1) / n, info.id);
    if (info.writes_files && ws.volume && !ws.pipeline.is_null() && !pipeline_recorded) {
      ws.volume->add_provenance({"pipeline", ws.pipeline, EBSD_VERSION, utc_timestamp(), "the pipeline that made this file"});
      pipeline_recorded = true;
    }
    ws.report = json();
    const std::size_t records_before = ws.volume ? ws.volume->provenance().size() : 0;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      s.step->execute(s.params, ws, step_progress);
    } catch (const Error& e) {
      rethrow_in_step(e, s);
    }
    StepResult r;
    r.step = info.id;
    r.label = s.label;
    r.parameters = s.params.json();
    r.report = ws.report;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Steps that record richer provenance themselves (synth, align) keep theirs alone.
    const bool recorded = ws.volume && ws.volume->provenance().size() > records_before && info.input != StepInput::None;
    const bool fresh_source = info.input == StepInput::None && ws.volume && !ws.volume->provenance().empty() &&
                              ws.volume->provenance().back().step == info.id;
    if (ws.volume && !info.writes_files && !recorded && !fresh_source)
      ws.volume->add_provenance({info.id, s.params.json(), EBSD_VERSION, utc_timestamp(),
                                 info.origin == "builtin" ? std::string() : "from " + info.origin});
    if (callbacks.on_step_done) callbacks.on_step_done(s, r);
    results.push_back(std::move(r));
    progress.report(static_cast<double>(s.index + 1) / n, info.id + ": done");
  }
  return results;
}

StepResult run_step(const StepRegistry& registry, const std::string& id, const json& params, Workspace& ws,
                    Progress& progress) {
  Pipeline p;
  p.source = "";
  p.steps.push_back({id, "", params.is_null() ? json::object() : params});
  auto steps = resolve_pipeline(p, registry);
  DataShape start;
  if (ws.volume) start = DataShape::of(*ws.volume);
  preflight_pipeline(steps, start);
  auto results = execute_pipeline(steps, ws, progress);
  return results.front();
}

}  // namespace ebsd::pipeline
