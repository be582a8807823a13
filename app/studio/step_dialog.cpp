#include "step_dialog.hpp"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "ebsd/core/error.hpp"
#include "ebsd/pipeline/parameter.hpp"
#include "step_form.hpp"

namespace ebsd::studio {

StepDialog::StepDialog(const pipeline::StepInfo& stepInfo, std::function<bool()> haveVolume, QWidget* parent, const QString& where)
    : QDialog(parent), info_(stepInfo), stepId_(stepInfo.id), haveVolume_(std::move(haveVolume)) {
  const pipeline::StepInfo& info = info_;
  setWindowTitle(QString::fromStdString(info.title.empty() ? info.id : info.title));
  setObjectName(QStringLiteral("step-dialog-") + QString::fromStdString(info.id));

  auto* description = new QLabel(QString::fromStdString(info.description), this);
  description->setWordWrap(true);
  form_ = new StepForm(info, this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  error_ = new QLabel(this);
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #c01010;"));
  error_->hide();

  auto* buttons = new QDialogButtonBox(this);
  run_ = buttons->addButton(tr("Run"), QDialogButtonBox::AcceptRole);
  run_->setDefault(true);
  buttons->addButton(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::accepted, this, &StepDialog::tryRun);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  auto* meta = new QLabel(tr("<small>%1 \u00b7 step <code>%2</code> \u00b7 %3</small>")
                              .arg(QString::fromStdString(info.category), QString::fromStdString(info.id),
                                   QString::fromStdString(info.origin)),
                          this);
  layout->addWidget(meta);
  if (!where.isEmpty()) {
    auto* note = new QLabel(where, this);
    note->setWordWrap(true);
    note->setObjectName(QStringLiteral("whereNote"));
    layout->addWidget(note);
  }
  layout->addWidget(description);
  layout->addWidget(scroll, 1);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  resize(480, std::min(640, 180 + 34 * int(info.parameters.size())));
}

void StepDialog::showError(const QString& text) {
  error_->setText(text);
  error_->setVisible(!text.isEmpty());
}

void StepDialog::tryRun() {
  try {
    const nlohmann::json values = form_->values();
    // The same check a pipeline file gets: names, types, ranges, required values.
    pipeline::resolve_parameters(info_.parameters, values, stepId_);
    if (info_.input == pipeline::StepInput::Volume && !(haveVolume_ && haveVolume_()))
      throw Error("this step works on a volume: open a file or make one first", stepId_);
    showError({});
    emit runRequested(stepId_, values);
  } catch (const Error& e) {
    showError(QString::fromStdString(e.what()));
  }
}

}  // namespace ebsd::studio
