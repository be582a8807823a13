#include "gpu_step_catalog.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcess>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"

namespace ebsd::studio {

pipeline::StepInfo stepInfoFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty())
    throw Error("a step declaration needs a non-empty string 'id'", "", "step");
  pipeline::StepInfo info;
  info.id = j["id"].get<std::string>();
  const std::string place = "step '" + info.id + "'";
  try {
    info.title = j.value("title", std::string());
    info.category = j.value("category", std::string());
    info.description = j.value("description", std::string());
    const std::string input = j.value("input", std::string("volume"));
    if (input != "none" && input != "volume") throw Error("'input' must be \"none\" or \"volume\", got '" + input + "'", "", place);
    info.input = input == "none" ? pipeline::StepInput::None : pipeline::StepInput::Volume;
    info.writes_files = j.value("writes_files", false);
    info.origin = j.value("origin", std::string("builtin"));
    if (j.contains("parameters")) {
      if (!j["parameters"].is_array()) throw Error("'parameters' must be an array", "", place);
      for (const auto& p : j["parameters"]) info.parameters.push_back(pipeline::ParameterSpec::from_json(p));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed declaration: ") + e.what(), "", place);
  }
  return info;
}

GpuStepCatalog::GpuStepCatalog(QObject* parent) : QObject(parent) {}

GpuStepCatalog::~GpuStepCatalog() {
  if (process_) {
    process_->disconnect(this);
    process_->kill();
    process_->waitForFinished(2000);
  }
}

QString GpuStepCatalog::findEbsdExecutable() {
  const QString env = qEnvironmentVariable("EBSD_CLI");
  if (!env.isEmpty()) return QFileInfo(env).isExecutable() ? env : QString();
  const QString here = QCoreApplication::applicationDirPath();
  QStringList candidates{here + QStringLiteral("/ebsd"),                 // installed: bin/ebsd-studio beside bin/ebsd
                         here + QStringLiteral("/../cli/ebsd")};         // build tree: app/studio beside app/cli
#ifdef EBSD_BUILD_CLI
  candidates << QStringLiteral(EBSD_BUILD_CLI);  // the build tree's, for tests and tools built there
#endif
  for (const QString& c : candidates)
    if (QFileInfo(c).isExecutable() && QFileInfo(c).isFile()) return QDir::cleanPath(QFileInfo(c).absoluteFilePath());
  return {};
}

const pipeline::StepInfo* GpuStepCatalog::find(const std::string& id) const {
  for (const auto& s : steps_)
    if (s.id == id) return &s;
  return nullptr;
}

void GpuStepCatalog::query() {
  if (state_ != State::NotAsked) return;
  executable_ = findEbsdExecutable();
  if (executable_.isEmpty())
    return finish(State::Unavailable, tr("the ebsd program was not found beside ebsd-studio (%1); set EBSD_CLI to its path")
                                          .arg(QCoreApplication::applicationDirPath()));
  state_ = State::Asking;
  process_ = new QProcess(this);
  connect(process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    const QByteArray out = process_->readAllStandardOutput();
    const QString err = QString::fromUtf8(process_->readAllStandardError()).trimmed();
    process_->deleteLater();
    process_ = nullptr;
    if (status != QProcess::NormalExit || code != 0)
      return finish(State::Unavailable, tr("%1 steps --gpu-module failed (exit code %2): %3").arg(executable_).arg(code).arg(err));
    try {
      const nlohmann::json j = nlohmann::json::parse(out.constData(), out.constData() + out.size());
      if (!j.is_object() || !j.contains("steps")) throw Error("no \"steps\" in the answer", "", "ebsd steps --gpu-module");
      if (!j.value("loaded", false))
        return finish(State::Unavailable, tr("the GPU module is not available: %1").arg(QString::fromStdString(j.value("reason", std::string()))));
      steps_.clear();
      for (const auto& s : j["steps"]) steps_.push_back(stepInfoFromJson(s));
      if (steps_.empty()) return finish(State::Unavailable, tr("the GPU module declares no steps"));
      finish(State::Available, {});
    } catch (const std::exception& e) {
      finish(State::Unavailable, tr("%1 gave an answer the studio cannot read: %2").arg(executable_, QString::fromUtf8(e.what())));
    }
  });
  connect(process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart || !process_) return;
    process_->deleteLater();
    process_ = nullptr;
    finish(State::Unavailable, tr("%1 could not be started").arg(executable_));
  });
  process_->start(executable_, {QStringLiteral("steps"), QStringLiteral("--gpu-module"), QStringLiteral("--json")});
}

void GpuStepCatalog::finish(State state, const QString& reason) {
  state_ = state;
  reason_ = reason;
  emit answered();
}

bool GpuStepCatalog::waitForAnswer(int ms) {
  if (state_ == State::NotAsked) query();
  if (state_ != State::Asking) return true;
  QEventLoop loop;
  connect(this, &GpuStepCatalog::answered, &loop, &QEventLoop::quit);
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
  return state_ != State::Asking;
}

}  // namespace ebsd::studio
