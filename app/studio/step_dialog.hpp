#pragma once
// The dialog of one step: its description, the generated form, and Run. Running is the main
// window's job (on a worker thread); the dialog only hands over the checked parameters.
#include <QDialog>

#include <functional>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/step.hpp"

class QLabel;
class QPushButton;

namespace ebsd::studio {

class StepForm;

class StepDialog : public QDialog {
  Q_OBJECT
public:
  // haveVolume: asked on Run, so a step on the volume is refused with a reason when there is none.
  // `where` is a note under the title (e.g. that the step runs in a separate process).
  StepDialog(const pipeline::StepInfo& info, std::function<bool()> haveVolume, QWidget* parent = nullptr,
             const QString& where = {});

  StepForm* form() const { return form_; }
  QPushButton* runButton() const { return run_; }
  const std::string& stepId() const { return stepId_; }
  // Shows why the last Run was refused (bad value, no volume), or clears it.
  void showError(const QString& text);

signals:
  // Parameters resolved by core without error; the owner starts the job.
  void runRequested(const std::string& stepId, const nlohmann::json& parameters);

private:
  void tryRun();

  pipeline::StepInfo info_;
  std::string stepId_;
  std::function<bool()> haveVolume_;
  StepForm* form_ = nullptr;
  QLabel* error_ = nullptr;
  QPushButton* run_ = nullptr;
};

}  // namespace ebsd::studio
