#include "worker_team.hpp"

namespace ebsd::rpca::detail {

WorkerTeam::WorkerTeam(int size) {
  for (int m = 1; m < size; ++m) helpers_.emplace_back([this, m] { helper_loop(m); });
}

WorkerTeam::~WorkerTeam() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& t : helpers_) t.join();
}

void WorkerTeam::run(const std::function<void(int)>& task) {
  if (helpers_.empty()) {
    task(0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    task_ = &task;
    running_ = static_cast<int>(helpers_.size());
    ++generation_;
  }
  start_.notify_all();
  task(0);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return running_ == 0; });
  task_ = nullptr;
}

void WorkerTeam::helper_loop(int member) {
  std::uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* task = nullptr;
    {
      std::unique_lock lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
    }
    (*task)(member);
    {
      std::lock_guard lock(mutex_);
      if (--running_ == 0) done_.notify_one();
    }
  }
}

}  // namespace ebsd::rpca::detail
