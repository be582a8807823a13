#pragma once
// Typed step parameters: what a step declares (name, type, default, range or choices, unit,
// help), and the checked values a step receives. The CLI, the pipeline files and the GUI forms
// all go through the same declarations, so a value is validated the same way wherever it
// comes from (simplnx's parameter objects, without their class hierarchy).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"

namespace ebsd::pipeline {

enum class ParamType {
  Bool,
  Int,
  Float,
  String,      // free text: channel names, labels
  Choice,      // one of `choices`
  InputPath,   // an existing file (checked in preflight)
  InputPaths,  // one or more files or glob patterns (a slice stack)
  OutputPath,  // a file the step writes (atomically)
  IntList,     // e.g. slice indices; text form "10,11" or "10-12"
  FloatList,   // e.g. an affine transform; text form "1,0,0,1,0,0"
  StringList,  // several names; when `choices` is set, each must be one of them ("pl,bse")
};

std::string to_string(ParamType t);
std::optional<ParamType> param_type_from_string(const std::string& s);

struct ParameterSpec {
  std::string name;                // snake_case, unique within the step: "threshold_deg"
  ParamType type = ParamType::String;
  nlohmann::json default_value;    // null: required (no default)
  std::optional<double> min, max;  // inclusive bounds for Int, Float and list elements
  std::vector<std::string> choices;  // for Choice (and StringList, when restricted)
  std::string unit;                // "deg", "um", "" ...
  std::string help;                // one sentence for --help, forms and `ebsd steps`
  std::optional<std::size_t> list_size;  // exact element count for lists, when fixed

  bool required() const { return default_value.is_null(); }
  nlohmann::json to_json() const;
  static ParameterSpec from_json(const nlohmann::json& j);  // throws ebsd::Error
};

// Checks `value` against `spec` and returns it in canonical form (ints as integers, lists as
// arrays, a single InputPaths string as a one-element array). Throws ebsd::Error whose place
// is the parameter name and whose text says what was expected.
nlohmann::json check_value(const ParameterSpec& spec, const nlohmann::json& value);

// Converts command-line text ("5", "true", "10,11", "a.ang") into a checked value.
nlohmann::json parse_value_text(const ParameterSpec& spec, const std::string& text);

// The complete, checked parameter set of one step: every declared parameter has a value
// (defaults filled in). Built only by `resolve_parameters`, so a step can trust it.
class ParameterValues {
public:
  ParameterValues() = default;

  bool has(const std::string& name) const { return values_.contains(name) && !values_[name].is_null(); }
  bool get_bool(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  std::string get_string(const std::string& name) const;
  std::vector<std::string> get_strings(const std::string& name) const;
  std::vector<std::int64_t> get_int_list(const std::string& name) const;
  std::vector<double> get_double_list(const std::string& name) const;

  // Every parameter with its value: what provenance records.
  const nlohmann::json& json() const { return values_; }

private:
  friend ParameterValues resolve_parameters(const std::vector<ParameterSpec>&, const nlohmann::json&,
                                            const std::string&);
  const nlohmann::json& at(const std::string& name) const;
  nlohmann::json values_ = nlohmann::json::object();
};

// Checks `given` (a JSON object) against `specs`: unknown names, missing required values and
// bad values throw ebsd::Error whose place is `place` (e.g. "step 2 (segment)") plus the
// parameter.
ParameterValues resolve_parameters(const std::vector<ParameterSpec>& specs, const nlohmann::json& given,
                                   const std::string& place);

}  // namespace ebsd::pipeline
