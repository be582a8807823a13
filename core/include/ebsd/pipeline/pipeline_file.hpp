#pragma once
// Pipeline files: JSON with a format name and version and a list of steps with parameters.
//
//   {"format": "ebsd-pipeline", "version": 1, "name": "...", "description": "...",
//    "steps": [{"step": "read", "label": "in", "params": {"path": "scan.ang"}}, ...]}
//
// A label (optional, unique) lets `--set in.path=other.ang` name a step; otherwise steps are
// named by their 1-based position or, when it occurs once, by their id.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"
#include "ebsd/pipeline/parameter.hpp"

namespace ebsd::pipeline {

inline constexpr const char* kPipelineFormat = "ebsd-pipeline";
inline constexpr int kPipelineVersion = 1;

// The pipeline file itself is wrong (syntax, unknown step or parameter, bad value): the CLI
// exits 2 for these, 1 for failures of the data or of a step.
class PipelineError : public Error {
public:
  using Error::Error;
};

struct PipelineStep {
  std::string step;         // step id
  std::string label;        // optional
  nlohmann::json params = nlohmann::json::object();
};

struct Pipeline {
  std::string name;
  std::string description;
  std::vector<PipelineStep> steps;
  std::string source;  // file it came from, for messages

  nlohmann::json to_json() const;
};

Pipeline parse_pipeline(const nlohmann::json& j, const std::string& source);
Pipeline load_pipeline(const std::filesystem::path& path);  // throws PipelineError
void save_pipeline(const std::filesystem::path& path, const Pipeline& p);  // atomic

// Index of the step that `name` designates (label, 1-based position, or a unique id).
std::size_t find_pipeline_step(const Pipeline& p, const std::string& name);
// Applies "STEP.PARAM=VALUE" (VALUE as JSON when it parses as JSON, else as text; the step's
// declared type decides later). Throws PipelineError.
void apply_override(Pipeline& p, const std::string& assignment);

}  // namespace ebsd::pipeline
