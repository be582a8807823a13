#include "step_form.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include <cmath>
#include <limits>

#include "ebsd/core/error.hpp"

namespace ebsd::studio {
namespace {

using pipeline::ParamType;

// How a list or path value is typed: "10,11", "a.ang".
QString textOf(const nlohmann::json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return QString::fromStdString(value.get<std::string>());
  if (value.is_array()) {
    QStringList parts;
    for (const auto& e : value) parts << textOf(e);
    return parts.join(QLatin1Char(','));
  }
  if (value.is_number_float()) return QString::number(value.get<double>(), 'g', 10);
  return QString::fromStdString(value.dump());
}

QString suffixFor(const std::string& unit) {
  if (unit.empty()) return {};
  if (unit == "um") return QStringLiteral(" \u00b5m");
  if (unit == "deg") return QStringLiteral("\u00b0");
  return QStringLiteral(" ") + QString::fromStdString(unit);
}

}  // namespace

StepForm::StepForm(const pipeline::StepInfo& info, QWidget* parent) : QWidget(parent), stepId_(info.id) {
  auto* layout = new QFormLayout(this);
  layout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
  for (const auto& spec : info.parameters) {
    Field field = makeField(spec);
    QString help = QString::fromStdString(spec.help);
    if (spec.min || spec.max)
      help += tr(" (range %1 to %2)")
                  .arg(spec.min ? QString::number(*spec.min, 'g', 10) : QStringLiteral("-inf"))
                  .arg(spec.max ? QString::number(*spec.max, 'g', 10) : QStringLiteral("inf"));
    field.editor->setToolTip(help);
    field.editor->setObjectName(QString::fromStdString(spec.name));
    QString label = QString::fromStdString(spec.name);
    label.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (spec.required()) label += QStringLiteral(" *");
    auto* labelWidget = new QLabel(label, this);
    labelWidget->setToolTip(help);
    layout->addRow(labelWidget, field.editor);
    if (!spec.default_value.is_null()) field.write(spec.default_value);
    fields_.push_back(std::move(field));
  }
}

StepForm::Field StepForm::makeField(const pipeline::ParameterSpec& spec) {
  Field f;
  f.spec = spec;
  switch (spec.type) {
    case ParamType::Bool: {
      auto* box = new QCheckBox(this);
      f.editor = box;
      f.read = [box] { return nlohmann::json(box->isChecked()); };
      f.write = [box](const nlohmann::json& v) { box->setChecked(v.is_boolean() && v.get<bool>()); };
      return f;
    }
    case ParamType::Int: {
      // QSpinBox holds an int; a wider range (seeds, voxel counts) is typed as text instead.
      const double lo = spec.min.value_or(std::numeric_limits<int>::min());
      const double hi = spec.max.value_or(std::numeric_limits<int>::max());
      if (lo >= std::numeric_limits<int>::min() && hi <= std::numeric_limits<int>::max()) {
        auto* spin = new QSpinBox(this);
        spin->setRange(int(lo), int(hi));
        spin->setSuffix(suffixFor(spec.unit));
        f.editor = spin;
        f.read = [spin] { return nlohmann::json(spin->value()); };
        f.write = [spin](const nlohmann::json& v) {
          if (v.is_number()) spin->setValue(int(v.get<double>()));
        };
        return f;
      }
      break;
    }
    case ParamType::Float: {
      auto* spin = new QDoubleSpinBox(this);
      spin->setDecimals(6);
      spin->setRange(spec.min.value_or(-1e12), spec.max.value_or(1e12));
      spin->setSuffix(suffixFor(spec.unit));
      spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
      f.editor = spin;
      f.read = [spin] { return nlohmann::json(spin->value()); };
      f.write = [spin](const nlohmann::json& v) {
        if (v.is_number()) spin->setValue(v.get<double>());
      };
      return f;
    }
    case ParamType::Choice: {
      auto* combo = new QComboBox(this);
      for (const auto& c : spec.choices) combo->addItem(QString::fromStdString(c));
      f.editor = combo;
      f.read = [combo] { return nlohmann::json(combo->currentText().toStdString()); };
      f.write = [combo](const nlohmann::json& v) {
        if (v.is_string()) combo->setCurrentText(QString::fromStdString(v.get<std::string>()));
      };
      return f;
    }
    case ParamType::StringList:
      if (!spec.choices.empty()) {
        // A fixed set of names: one check box each.
        auto* row = new QWidget(this);
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        std::vector<QCheckBox*> boxes;
        for (const auto& c : spec.choices) {
          auto* box = new QCheckBox(QString::fromStdString(c), row);
          box->setObjectName(QString::fromStdString(spec.name + ":" + c));
          h->addWidget(box);
          boxes.push_back(box);
        }
        h->addStretch(1);
        f.editor = row;
        f.read = [boxes] {
          nlohmann::json a = nlohmann::json::array();
          for (auto* b : boxes)
            if (b->isChecked()) a.push_back(b->text().toStdString());
          return a;
        };
        f.write = [boxes](const nlohmann::json& v) {
          for (auto* b : boxes) {
            bool on = false;
            if (v.is_array())
              for (const auto& e : v) on = on || (e.is_string() && e.get<std::string>() == b->text().toStdString());
            b->setChecked(on);
          }
        };
        return f;
      }
      break;
    default: break;
  }

  // Everything else is text that core parses as the command line would (paths, lists, text).
  auto* edit = new QLineEdit(this);
  QWidget* editor = edit;
  if (spec.type == ParamType::InputPath || spec.type == ParamType::InputPaths || spec.type == ParamType::OutputPath) {
    auto* row = new QWidget(this);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(edit, 1);
    auto* browse = new QPushButton(tr("Browse\u2026"), row);
    h->addWidget(browse);
    const ParamType type = spec.type;
    connect(browse, &QPushButton::clicked, this, [this, edit, type] {
      if (type == ParamType::OutputPath) {
        const QString p = QFileDialog::getSaveFileName(this, tr("Output file"), edit->text());
        if (!p.isEmpty()) edit->setText(p);
      } else if (type == ParamType::InputPaths) {
        const QStringList p = QFileDialog::getOpenFileNames(this, tr("Input files"), edit->text());
        if (!p.isEmpty()) edit->setText(p.join(QLatin1Char(',')));
      } else {
        const QString p = QFileDialog::getOpenFileName(this, tr("Input file"), edit->text());
        if (!p.isEmpty()) edit->setText(p);
      }
    });
    editor = row;
  }
  if (spec.type == ParamType::IntList || spec.type == ParamType::FloatList || spec.type == ParamType::StringList)
    edit->setPlaceholderText(spec.list_size ? tr("%1 values, comma separated").arg(*spec.list_size)
                                            : tr("comma separated (ranges like 10-12 for slices)"));
  if (!spec.unit.empty()) edit->setPlaceholderText(edit->placeholderText() + suffixFor(spec.unit));
  f.editor = editor;
  const pipeline::ParameterSpec copy = spec;
  f.read = [edit, copy] {
    const QString text = edit->text().trimmed();
    if (text.isEmpty()) {
      // An empty list is a value ("no slices"); an empty path or text leaves the default.
      if (copy.type == ParamType::IntList || copy.type == ParamType::FloatList || copy.type == ParamType::StringList)
        return nlohmann::json::array();
      return nlohmann::json();
    }
    return pipeline::parse_value_text(copy, text.toStdString());  // throws ebsd::Error
  };
  f.write = [edit](const nlohmann::json& v) { edit->setText(textOf(v)); };
  return f;
}

nlohmann::json StepForm::values() const {
  nlohmann::json out = nlohmann::json::object();
  for (const Field& f : fields_) {
    nlohmann::json v = f.read();
    if (!v.is_null()) out[f.spec.name] = std::move(v);
  }
  return out;
}

void StepForm::setValue(const std::string& name, const nlohmann::json& value) {
  for (Field& f : fields_)
    if (f.spec.name == name) return f.write(value);
  throw Error("the step has no parameter '" + name + "'", stepId_, name);
}

QWidget* StepForm::editor(const std::string& name) const {
  for (const Field& f : fields_)
    if (f.spec.name == name) return f.editor;
  return nullptr;
}

}  // namespace ebsd::studio
