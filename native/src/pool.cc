#include "pool.h"
#include <chrono>
#if defined(__x86_64__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() { std::this_thread::yield(); }
#endif

void Pool::resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  if (threads == this->threads()) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stop_ = false;
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { worker_loop(); });
}

// Claims one task of the current job and runs it; false when there is nothing left to claim.
bool Pool::claim_and_run() {
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t next = s & kMask, tasks = (s >> kBits) & kMask;
    if (next >= tasks) return false;
    if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      // The job cannot end (nor its slot be reused) before this task reports done.
      const Slot& slot = slots_[(s >> (2 * kBits)) & 3];
      slot.fn(slot.ctx, (int)next);
      done_.fetch_add(1, std::memory_order_acq_rel);
      return true;
    }
  }
}

void Pool::run(TaskFn fn, void* ctx, int tasks) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1 || tasks > (int)kMask) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
    return;
  }
  job_ = (job_ + 1) & 0xffffff;
  slots_[job_ & 3] = Slot{fn, ctx};
  done_.store(0, std::memory_order_relaxed);
  state_.store(((uint64_t)job_ << (2 * kBits)) | ((uint64_t)tasks << kBits), std::memory_order_seq_cst);
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lk(mu_); }
    cv_.notify_all();
  }
  while (claim_and_run()) {
  }
  int spins = 0;
  while (done_.load(std::memory_order_acquire) < tasks) {
    if (++spins < 4000) cpu_relax();
    else std::this_thread::yield();
  }
}

void Pool::worker_loop() {
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    int spins = 0;
    while (!has_work() && !stop_.load(std::memory_order_relaxed)) {
      cpu_relax();
      if (++spins % 64 == 0 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(spin_us_)) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lk, [&] { return has_work() || stop_.load(); });
        sleepers_.fetch_sub(1);
        break;
      }
    }
    if (stop_.load()) return;
    while (claim_and_run()) {
    }
  }
}
