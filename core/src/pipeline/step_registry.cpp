#include "ebsd/pipeline/step_registry.hpp"

#include <algorithm>
#include <set>

namespace ebsd::pipeline {
namespace {

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

void check_declaration(const StepInfo& info) {
  const std::string place = "step '" + info.id + "' (" + info.origin + ")";
  if (!valid_id(info.id)) throw Error("a step id is lower-case letters, digits and '-', at most 64 characters", "", place);
  std::set<std::string> names;
  for (const auto& p : info.parameters) {
    if (p.name.empty() || !names.insert(p.name).second)
      throw Error("parameter names must be unique and non-empty ('" + p.name + "')", "", place);
    if (p.type == ParamType::Choice && p.choices.empty())
      throw Error("choice parameter '" + p.name + "' declares no choices", "", place);
    if (!p.required()) {
      // Empty text and empty lists mean "not given" for optional parameters; anything else
      // must pass the parameter's own check.
      const auto& d = p.default_value;
      const bool empty = (d.is_string() && d.get<std::string>().empty()) || (d.is_array() && d.empty());
      if (!empty) {
        try {
          (void)check_value(p, d);
        } catch (const Error& e) {
          throw Error("the default of '" + p.name + "' fails its own check: " + e.problem(), "", place);
        }
      }
    }
  }
}

}  // namespace

void StepRegistry::add(std::unique_ptr<Step> step) {
  if (!step) throw Error("null step");
  const auto& info = step->info();
  check_declaration(info);
  if (const auto it = steps_.find(info.id); it != steps_.end())
    throw Error("a step with this id is already registered by " + it->second->info().origin, "",
                "step '" + info.id + "' (" + info.origin + ")");
  steps_.emplace(info.id, std::move(step));
}

const Step* StepRegistry::find(const std::string& id) const {
  const auto it = steps_.find(id);
  return it == steps_.end() ? nullptr : it->second.get();
}

const Step& StepRegistry::get(const std::string& id) const {
  if (const Step* s = find(id)) return *s;
  throw Error("unknown step '" + id + "' (see `ebsd steps`)");
}

std::vector<const Step*> StepRegistry::steps() const {
  std::vector<const Step*> out;
  for (const auto& [id, s] : steps_) out.push_back(s.get());
  std::stable_sort(out.begin(), out.end(),
                   [](const Step* a, const Step* b) { return a->info().category < b->info().category; });
  return out;
}

nlohmann::json StepRegistry::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const Step* s : steps()) out.push_back(s->info().to_json());
  return out;
}

}  // namespace ebsd::pipeline
