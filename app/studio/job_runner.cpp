#include "job_runner.hpp"

#include <QEventLoop>
#include <QThread>

#include <atomic>
#include <exception>

#include "ebsd/core/error.hpp"

namespace ebsd::studio {

JobRunner::JobRunner(QObject* parent) : QObject(parent) {}

JobRunner::~JobRunner() {
  if (thread_) {
    cancel_.cancel();
    thread_->wait();
    delete thread_;
    thread_ = nullptr;
  }
}

bool JobRunner::start(const QString& title, Work work, Completion completion) {
  if (thread_) return false;
  title_ = title;
  completion_ = std::move(completion);
  outcome_ = Outcome::Succeeded;
  error_.clear();
  cancel_.reset();
  clock_.start();
  lastReport_ = std::make_shared<std::atomic<qint64>>(-1000);

  // The sink runs on the worker: hand reports to the GUI thread, at most every 50 ms (the
  // last report before the end can be dropped; completion says the rest).
  QElapsedTimer clock = clock_;
  auto last = lastReport_;
  Progress::Sink sink = [this, clock, last](double fraction, const std::string& message) {
    const qint64 now = clock.elapsed();
    qint64 before = last->load();
    if (now - before < 50 || !last->compare_exchange_strong(before, now)) return;
    const QString text = QString::fromStdString(message);
    QMetaObject::invokeMethod(this, [this, fraction, text] { emit progressed(fraction, text); }, Qt::QueuedConnection);
  };

  thread_ = QThread::create([this, work = std::move(work), sink = std::move(sink)]() mutable {
    Progress progress(std::move(sink), &cancel_);
    try {
      work(progress);
      if (cancel_.cancelled()) outcome_ = Outcome::Cancelled;
    } catch (const Cancelled&) {
      outcome_ = Outcome::Cancelled;
    } catch (const std::bad_alloc&) {
      outcome_ = Outcome::Failed;
      error_ = tr("not enough memory");
    } catch (const std::exception& e) {
      outcome_ = Outcome::Failed;
      error_ = QString::fromStdString(e.what());
    }
  });
  connect(thread_, &QThread::finished, this, &JobRunner::complete);
  emit started(title_);
  thread_->start();
  return true;
}

void JobRunner::cancel() {
  if (thread_) cancel_.cancel();
}

void JobRunner::complete() {
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
  const double seconds = clock_.elapsed() / 1000.0;
  // The completion may start the next job: take everything it needs first.
  Completion completion = std::move(completion_);
  const Outcome outcome = outcome_;
  const QString error = error_;
  const QString title = title_;
  if (completion) completion(outcome, error);
  emit finished(title, outcome, error, seconds);
}

void JobRunner::waitForIdle() {
  // A nested loop that sleeps until the job's end arrives: spinning processEvents() here would
  // take a core from the worker.
  while (thread_) {
    QEventLoop loop;
    connect(this, &JobRunner::finished, &loop, &QEventLoop::quit);
    loop.exec();
  }
}

}  // namespace ebsd::studio
