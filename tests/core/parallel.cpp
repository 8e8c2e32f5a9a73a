#include <spikernn/core/parallel.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace spikernn;

TEST_CASE("parallel_for: every item exactly once for 1 / 2 / 7 threads and 0 / 1 / 100 items") {
  for (int threads : {1, 2, 7}) {
    for (long count : {0L, 1L, 100L}) {
      CAPTURE(threads);
      CAPTURE(count);
      std::vector<std::atomic<int>> visits(static_cast<std::size_t>(count));
      std::atomic<int> calls{0}, bad_worker{0};
      std::vector<std::atomic<int>> per_worker(8);
      parallel_for(count, threads, [&](long i, int worker) {
        ++calls;
        if (i < 0 || i >= count) return;
        ++visits[static_cast<std::size_t>(i)];
        if (worker < 0 || worker >= threads) ++bad_worker;
        else ++per_worker[static_cast<std::size_t>(worker)];
      });
      CHECK(calls == count);
      CHECK(bad_worker == 0);
      long visited_once = 0;
      for (const auto& v : visits) visited_once += v == 1;
      CHECK(visited_once == count);
      // never more workers than items
      int used = 0;
      for (const auto& w : per_worker) used += w > 0;
      CHECK(used <= std::max<long>(1, std::min<long>(threads, count)));
    }
  }
}

TEST_CASE("parallel_for: workers really run concurrently when asked for 2 threads") {
  // item 0 waits until another worker has started item 1: with one worker this would hang,
  // so it gives up after a while and the check fails instead
  std::atomic<bool> second_started{false};
  std::atomic<bool> overlapped{false};
  std::set<int> workers;
  std::mutex m;
  parallel_for(2, 2, [&](long i, int worker) {
    {
      std::lock_guard lock(m);
      workers.insert(worker);
    }
    if (i == 1) second_started = true;
    if (i == 0) {
      for (int k = 0; k < 2000 && !second_started; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      overlapped = second_started.load();
    }
  });
  CHECK(overlapped);
  CHECK(workers == std::set<int>{0, 1});
}

TEST_CASE("parallel_for: a body's exception is rethrown after the workers stop") {
  for (int threads : {1, 2, 7}) {
    CAPTURE(threads);
    std::atomic<int> after{0};
    CHECK_THROWS_WITH_AS(parallel_for(100, threads,
                                      [&](long i, int) {
                                        if (i == 37) throw std::runtime_error("item 37 failed");
                                        if (i > 37) ++after;
                                      }),
                         "item 37 failed", std::runtime_error);
    if (threads == 1) CHECK(after == 0);  // one worker: nothing after the failing item
  }
  // the exception's type is kept
  CHECK_THROWS_AS(parallel_for(5, 2, [](long i, int) {
                    if (i == 3) throw std::out_of_range("x");
                  }),
                  std::out_of_range);
  // a loop without failures does not throw
  CHECK_NOTHROW(parallel_for(5, 2, [](long, int) {}));
}

TEST_CASE("thread_count: a positive request as given - 0 means the hardware's count (at least 1)") {
  CHECK(thread_count(0) >= 1);
  CHECK(thread_count(-3) >= 1);
  CHECK(thread_count(0) == std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  CHECK(thread_count(3) == 3);
  CHECK(thread_count(1) == 1);
}
