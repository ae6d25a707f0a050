// A small persistent thread pool: the calling thread plus (threads − 1) workers run the tasks of one job,
// claiming task indices from one atomic word that also names the job. The caller never waits for a worker
// that has not started: it runs every unclaimed task itself and waits only for tasks already claimed, so a
// worker that the OS does not schedule (a busy machine) costs nothing. Idle workers spin briefly (kernels
// arrive back to back during a training step), then sleep.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

class Pool {
 public:
  typedef void (*TaskFn)(void* ctx, int task);
  Pool() {}
  ~Pool() { resize(1); }
  /** Sets the total number of threads (≥ 1), the caller included. */
  void resize(int threads);
  int threads() const { return (int)workers_.size() + 1; }
  void set_spin_us(int us) { spin_us_ = us; }
  /** Runs fn(ctx, t) for t in [0, tasks) on all threads and returns when every task is done. */
  void run(TaskFn fn, void* ctx, int tasks);

 private:
  // state_ = job (24 bits) | tasks (20 bits) | next task (20 bits)
  static constexpr int kBits = 20;
  static constexpr uint64_t kMask = (1u << kBits) - 1;
  struct Slot {
    TaskFn fn;
    void* ctx;
  };
  bool claim_and_run();
  bool has_work() const {
    uint64_t s = state_.load(std::memory_order_seq_cst);  // pairs with the seq_cst store in run() (sleepers)
    return (s & kMask) < ((s >> kBits) & kMask);
  }
  void worker_loop();
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> state_{0};
  std::atomic<int> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  Slot slots_[4] = {};
  uint32_t job_ = 0;
  int spin_us_ = 100;
  std::mutex mu_;
  std::condition_variable cv_;
};
