#pragma once
// A fixed team of threads that runs one task per member and waits for all of them, reused
// from iteration to iteration: starting threads anew every iteration would cost a noticeable
// part of a millisecond-long iteration.
//
// Waits spin for a short while before they block: between two tasks of an iteration loop the
// calling thread is busy for some 0.1 ms, and a futex wake-up costs tens of microseconds on a
// virtual machine (measured 20-80 us for the helper to start), a few percent of an iteration
// each time.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ebsd::rpca::detail {

class WorkerTeam {
public:
  // size >= 1 members: the calling thread and size - 1 helpers.
  explicit WorkerTeam(int size);
  ~WorkerTeam();
  WorkerTeam(const WorkerTeam&) = delete;
  WorkerTeam& operator=(const WorkerTeam&) = delete;

  int size() const { return static_cast<int>(helpers_.size()) + 1; }
  // Runs task(member) for member = 0 .. size-1 at once (0 on the calling thread); returns when
  // all have finished. The task must not throw.
  void run(const std::function<void(int)>& task);

private:
  void helper_loop(int member);

  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> running_{0};
  bool stop_ = false;
};

}  // namespace ebsd::rpca::detail
