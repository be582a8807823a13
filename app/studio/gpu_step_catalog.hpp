#pragma once
// The GPU module's steps (denoise, recover ...), offered by the studio without loading the
// module: on Debian its LibTorch pulls in OpenCV's highgui and with it Qt 5, which must not enter
// this Qt 6 process. Their declarations come from the `ebsd` executable beside the studio
// (`ebsd steps --gpu-module --json`, asked in a child process, without blocking the window), and
// they run there too (child_step_run.hpp).
#include <QObject>
#include <QString>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/step.hpp"

class QProcess;

namespace ebsd::studio {

// A step declaration as StepInfo::to_json writes it (what `ebsd steps --json` prints), read
// back. Throws ebsd::Error naming what is missing or malformed.
pipeline::StepInfo stepInfoFromJson(const nlohmann::json& j);

class GpuStepCatalog : public QObject {
  Q_OBJECT
public:
  enum class State { NotAsked, Asking, Available, Unavailable };

  explicit GpuStepCatalog(QObject* parent = nullptr);
  ~GpuStepCatalog() override;

  // The `ebsd` executable: $EBSD_CLI when set, else `ebsd` beside the studio (installed), else
  // the build tree's; empty when none exists.
  static QString findEbsdExecutable();

  // Asks `ebsd` once, in the background; answered() follows. Does nothing once asked.
  void query();
  // Processes events until answered (tests, scripts); false after `ms` milliseconds.
  bool waitForAnswer(int ms = 60000);

  State state() const { return state_; }
  const QString& executable() const { return executable_; }
  // Why no GPU step is offered (no ebsd executable, the module did not load, ...); empty
  // while asking or when steps are available.
  const QString& reason() const { return reason_; }
  const std::vector<pipeline::StepInfo>& steps() const { return steps_; }
  const pipeline::StepInfo* find(const std::string& id) const;

signals:
  void answered();

private:
  void finish(State state, const QString& reason);

  State state_ = State::NotAsked;
  QString executable_;
  QString reason_;
  std::vector<pipeline::StepInfo> steps_;
  QProcess* process_ = nullptr;
};

}  // namespace ebsd::studio
