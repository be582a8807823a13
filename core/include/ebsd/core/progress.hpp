#pragma once
// Progress reporting and cancellation for every long operation (ARCHITECTURE.md, conventions).
// Algorithms take a `Progress&`; callers that do not care pass `Progress::none()`.
#include <atomic>
#include <functional>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd {

class CancelToken {
public:
  void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
  void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }

private:
  std::atomic<bool> flag_{false};
};

class Progress {
public:
  // fraction in [0,1]; message says what is being done.
  using Sink = std::function<void(double fraction, const std::string& message)>;

  Progress() = default;
  Progress(Sink sink, const CancelToken* cancel) : sink_(std::move(sink)), cancel_(cancel) {}

  // A progress object that reports nowhere and never cancels.
  static Progress& none();

  void report(double fraction, const std::string& message = {}) const {
    if (sink_) sink_(fraction, message);
  }
  bool cancelled() const noexcept { return cancel_ && cancel_->cancelled(); }
  // A progress for one part of a longer job: its 0..1 maps to [begin, end] of this one, its
  // messages get `prefix`, and it shares this one's cancellation. It refers to *this, so it
  // must not outlive it.
  Progress part(double begin, double end, std::string prefix = {}) const {
    return Progress(
        [this, begin, end, prefix = std::move(prefix)](double f, const std::string& m) {
          const double c = f < 0 ? 0 : (f > 1 ? 1 : f);
          report(begin + (end - begin) * c, prefix.empty() ? m : (m.empty() ? prefix : prefix + ": " + m));
        },
        cancel_);
  }
  // Throws ebsd::Cancelled when cancellation was requested: call it at safe points in loops.
  void check() const {
    if (cancelled()) throw Cancelled();
  }

private:
  Sink sink_;
  const CancelToken* cancel_ = nullptr;
};

}  // namespace ebsd
