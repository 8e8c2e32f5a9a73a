// Training observers: a progress line for a terminal and a per-trial loss record. Observers
// are plain objects with optional on_trial / on_evaluation / on_finish members; the trainer
// calls whichever exist (see train/trainer.hpp).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/train/trainer.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <iostream>
#include <vector>

namespace spikernn {

/// Prints trial, loss, evaluation accuracy, elapsed time and ETA at every evaluation. On a
/// terminal the line is rewritten in place; in a log each evaluation gets its own line.
class progress {
 public:
  explicit progress(std::ostream& out = std::cerr) : out_(&out), tty_(&out == &std::cerr && ::isatty(2)) {}

  void on_evaluation(const train_progress& p) {
    const double per_trial = p.seconds / double(p.trial + 1);
    const double eta = per_trial * double(p.n_trials - p.trial - 1);
    char line[200];
    std::snprintf(line, sizeof line, "trial %6ld/%ld  loss %7.3f  eval loss %7.3f  accuracy %5.3f  %6.1f s  ETA ≤ %5.1f s",
                  p.trial, p.n_trials, p.loss, p.eval->loss_mean, p.eval->perf_mean, p.seconds, eta);
    *out_ << (tty_ ? "\r" : "") << line << (tty_ ? "" : "\n") << std::flush;
  }
  void on_finish(const train_progress& p) {
    if (tty_) *out_ << '\n';
    *out_ << (p.success ? "stop rule met after " : "stop rule not met; used ") << (p.trial + 1) << " trials in "
          << p.seconds << " s\n";
  }

 private:
  std::ostream* out_;
  bool tty_;
};

/// Keeps (trial, loss) for every trial and writes them as CSV.
class loss_record {
 public:
  void on_trial(const train_progress& p) { losses_.push_back({p.trial, p.loss}); }

  struct entry {
    long trial;
    double loss;
  };
  const std::vector<entry>& entries() const { return losses_; }

  void write_csv(const std::filesystem::path& path) const {
    std::ofstream f(path);
    if (!f) throw file_error(path.string(), "cannot open for writing");
    f << "trial,loss\n";
    for (const auto& e : losses_) f << e.trial << ',' << e.loss << '\n';
    if (!f) throw file_error(path.string(), "write failed");
  }

 private:
  std::vector<entry> losses_;
};

}  // namespace spikernn
