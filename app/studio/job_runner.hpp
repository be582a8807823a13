#pragma once
// Runs one long operation at a time (opening a file, a pipeline step) on a worker thread, with
// progress and cancellation, so the window never freezes. The work is a function of a
// ebsd::Progress; it returns its results through what it captured, and the owner picks them up
// in the completion callback, which runs on the GUI thread.
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

#include "ebsd/core/progress.hpp"

class QThread;

namespace ebsd::studio {

class JobRunner : public QObject {
  Q_OBJECT
public:
  enum class Outcome { Succeeded, Failed, Cancelled };
  Q_ENUM(Outcome)
  using Work = std::function<void(Progress&)>;
  // Called on the GUI thread when the job ends: error text is empty unless Failed.
  using Completion = std::function<void(Outcome, const QString& error)>;

  explicit JobRunner(QObject* parent = nullptr);
  ~JobRunner() override;  // cancels a running job and waits for it

  bool isBusy() const { return thread_ != nullptr; }
  const QString& title() const { return title_; }
  // False (and nothing starts) while another job runs.
  bool start(const QString& title, Work work, Completion completion);
  // Asks the running job to stop at its next check; it ends with Outcome::Cancelled.
  void cancel();
  // Blocks, processing events, until no job runs (tests, --screenshot).
  void waitForIdle();

signals:
  void started(const QString& title);
  // Throttled: at most about 20 a second. fraction in [0, 1].
  void progressed(double fraction, const QString& message);
  void finished(const QString& title, ebsd::studio::JobRunner::Outcome outcome, const QString& error, double seconds);

private:
  void complete();

  QThread* thread_ = nullptr;
  QString title_;
  CancelToken cancel_;
  Completion completion_;
  Outcome outcome_ = Outcome::Succeeded;
  QString error_;
  QElapsedTimer clock_;
  std::shared_ptr<std::atomic<qint64>> lastReport_;
};

}  // namespace ebsd::studio
