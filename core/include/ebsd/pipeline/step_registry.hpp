#pragma once
// Every step of the product in one place: built-in core and io steps, GPU steps and plugin
// steps. The CLI, pipeline runner and GUI look steps up here by id.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/step.hpp"

namespace ebsd::pipeline {

class StepRegistry {
public:
  // Throws ebsd::Error when the id is taken or the declaration is malformed (bad id, duplicate
  // parameter names, a default outside its own range): a plugin cannot shadow a built-in step.
  void add(std::unique_ptr<Step> step);
  const Step* find(const std::string& id) const;
  const Step& get(const std::string& id) const;  // throws ebsd::Error naming the id
  std::vector<const Step*> steps() const;        // sorted by category, then id
  nlohmann::json to_json() const;                // what `ebsd steps --json` prints

private:
  std::map<std::string, std::unique_ptr<Step>> steps_;
};

// The core steps: synth, segment, align, damage, crop, ... (core/src/pipeline/core_steps.cpp).
void register_core_steps(StepRegistry& registry);

}  // namespace ebsd::pipeline
