// Ctrl-C and kill (SIGINT, SIGTERM) during training: while an interrupt_guard lives, the first
// such signal only sets a flag; the engine sees it after the step in progress, writes its
// checkpoint and stops with training_interrupted, so a long run loses nothing. A second signal
// ends the process as usual.
#pragma once

#include "spikernn/core/error.hpp"

#include <atomic>
#include <csignal>
#include <string>

namespace spikernn {

/// Thrown by the engine after it saved a checkpoint because it was interrupted.
struct training_interrupted : error {
  training_interrupted(const std::string& checkpoint, long step)
      : error("interrupted after step " + std::to_string(step) + "; checkpoint written to " + checkpoint),
        checkpoint_file(checkpoint),
        steps_done(step) {}
  std::string checkpoint_file;
  long steps_done;
};

namespace detail {
inline std::atomic<int>& pending_signal() {
  static std::atomic<int> s{0};
  return s;
}
inline void spikernn_on_interrupt(int sig) {
  pending_signal().store(sig);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the process
}
}  // namespace detail

/// True once SIGINT or SIGTERM arrived under an interrupt_guard (or request_interrupt() ran).
inline bool interrupt_requested() { return detail::pending_signal().load() != 0; }
/// Asks running trainings to checkpoint and stop, as a signal would (tests, embedding code).
inline void request_interrupt() { detail::pending_signal().store(SIGINT); }

/// Installs the handlers for its lifetime and restores the previous ones after.
class interrupt_guard {
 public:
  interrupt_guard() {
    detail::pending_signal().store(0);
    old_int_ = std::signal(SIGINT, detail::spikernn_on_interrupt);
    old_term_ = std::signal(SIGTERM, detail::spikernn_on_interrupt);
  }
  ~interrupt_guard() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
    detail::pending_signal().store(0);
  }
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

 private:
  using handler = void (*)(int);
  handler old_int_ = SIG_DFL, old_term_ = SIG_DFL;
};

}  // namespace spikernn
