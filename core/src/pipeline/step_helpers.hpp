#pragma once
// Small builders that keep the built-in step declarations short and uniform.
#include <string>
#include <vector>

#include "ebsd/pipeline/parameter.hpp"

namespace ebsd::pipeline::detail {

inline ParameterSpec param(std::string name, ParamType type, nlohmann::json def, std::string help, std::string unit = {}) {
  ParameterSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(def);
  s.help = std::move(help);
  s.unit = std::move(unit);
  return s;
}

inline ParameterSpec ranged(ParameterSpec s, std::optional<double> min, std::optional<double> max) {
  s.min = min;
  s.max = max;
  return s;
}

inline ParameterSpec choice(std::string name, std::vector<std::string> choices, std::string def, std::string help) {
  ParameterSpec s = param(std::move(name), ParamType::Choice, std::move(def), std::move(help));
  s.choices = std::move(choices);
  return s;
}

inline ParameterSpec sized(ParameterSpec s, std::size_t n) {
  s.list_size = n;
  return s;
}

}  // namespace ebsd::pipeline::detail
