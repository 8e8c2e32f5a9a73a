// A minimal parallel loop over independent items. Work is handed out by an atomic counter, and
// every item writes only its own result slot and draws only from its own random stream, so the
// results do not depend on the thread count or the scheduling.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace spikernn {

/// Threads to use: `requested` if positive, else the hardware's count (at least 1).
inline int thread_count(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

/// Calls body(item, worker) for item in [0, count) on `threads` workers (worker in [0, threads)).
/// The first exception thrown by a body is rethrown here after all workers stop.
template <class Body>
void parallel_for(long count, int threads, Body&& body) {
  const int workers = static_cast<int>(std::min<long>(thread_count(threads), std::max(1L, count)));
  std::atomic<long> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&](int worker) {
    for (long i = next++; i < count; i = next++) {
      try {
        body(i, worker);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop handing out work
      }
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int k = 1; k < workers; ++k) pool.emplace_back(work, k);
    work(0);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace spikernn
