#include "ebsd/pipeline/task_registry.hpp"

#include "ebsd/core/error.hpp"

namespace ebsd::pipeline {

void TaskRegistry::add(Task task) {
  if (task.name.empty() || !task.run) throw Error("a task needs a name and a function");
  if (tasks_.count(task.name)) throw Error("a task with this name is already registered", "", "task '" + task.name + "'");
  auto name = task.name;
  tasks_.emplace(std::move(name), std::move(task));
}

const Task* TaskRegistry::find(const std::string& name) const {
  const auto it = tasks_.find(name);
  return it == tasks_.end() ? nullptr : &it->second;
}

const Task& TaskRegistry::get(const std::string& name) const {
  if (const Task* t = find(name)) return *t;
  throw Error("this build has no task '" + name + "' (the GPU module may be missing: see `ebsd steps`)");
}

std::vector<std::string> TaskRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : tasks_) out.push_back(name);
  return out;
}

}  // namespace ebsd::pipeline
