#include "ebsd/pipeline/step.hpp"

namespace ebsd::pipeline {

const ParameterSpec* StepInfo::find_parameter(const std::string& name) const {
  for (const auto& p : parameters)
    if (p.name == name) return &p;
  return nullptr;
}

nlohmann::json StepInfo::to_json() const {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : parameters) params.push_back(p.to_json());
  return {{"id", id},
          {"title", title},
          {"category", category},
          {"description", description},
          {"input", input == StepInput::None ? "none" : "volume"},
          {"writes_files", writes_files},
          {"origin", origin},
          {"parameters", params}};
}

Volume& Workspace::require_volume(const std::string& step_id) {
  if (!volume) throw Error("needs a volume, but no earlier step read or made one", "", "step '" + step_id + "'");
  return *volume;
}

}  // namespace ebsd::pipeline
