#pragma once
// Tasks: named operations that are not volume steps (benchmarks, training runs, model
// inference from a prompt). Each takes JSON arguments and returns a JSON result, with progress
// and cancellation, so the GPU module can offer them to the CLI and the GUI without either
// linking LibTorch.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"

namespace ebsd::pipeline {

struct Task {
  std::string name;         // "bench-rpca", "train-recovery", ...
  std::string description;
  std::function<nlohmann::json(const nlohmann::json& args, Progress& progress)> run;
};

class TaskRegistry {
public:
  void add(Task task);                       // throws ebsd::Error for a taken name
  const Task* find(const std::string& name) const;
  const Task& get(const std::string& name) const;  // throws ebsd::Error naming what is missing
  std::vector<std::string> names() const;

private:
  std::map<std::string, Task> tasks_;
};

}  // namespace ebsd::pipeline
