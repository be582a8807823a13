#pragma once
// A form generated from a step's declared parameters (ebsd/pipeline/parameter.hpp): one editor
// per ParameterSpec, chosen by its type, with its range, choices, unit and help as tooltip.
// The values come back as the JSON object run_step takes; checking them stays core's
// (resolve_parameters), so a form accepts exactly what a pipeline file would.
#include <QWidget>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/step.hpp"

namespace ebsd::studio {

class StepForm : public QWidget {
  Q_OBJECT
public:
  explicit StepForm(const pipeline::StepInfo& info, QWidget* parent = nullptr);

  // Every parameter that has a value (an empty optional field is left out so the step's default
  // applies). Throws ebsd::Error naming the parameter when a text field does not parse.
  nlohmann::json values() const;
  // Puts a value into a field (restoring the last values used, tests).
  void setValue(const std::string& name, const nlohmann::json& value);
  // The editor of a parameter, or nullptr.
  QWidget* editor(const std::string& name) const;

private:
  struct Field {
    pipeline::ParameterSpec spec;
    QWidget* editor = nullptr;
    std::function<nlohmann::json()> read;            // null json: no value
    std::function<void(const nlohmann::json&)> write;
  };
  Field makeField(const pipeline::ParameterSpec& spec);

  std::string stepId_;
  std::vector<Field> fields_;
};

}  // namespace ebsd::studio
