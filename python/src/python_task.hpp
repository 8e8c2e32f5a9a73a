// A task written in Python (spikernn.python_task): a C++ type that models the `task` and
// `spiking_task` concepts (task/task.hpp) by calling back into a Python object. No pybind11 in
// this header — the simulations of spiking_core.cpp use it as any task — the calls are defined
// in tasks.cpp. Each call takes the GIL for its duration only, so training, search and evaluation
// run without it and worker threads take turns at the callbacks; a trial drawn inside its own
// stream (the Rng the generator is handed) keeps results independent of the thread count. A
// Python exception raised by a callback travels through the C++ run as itself.
#pragma once

#include <spikernn/core/records.hpp>
#include <spikernn/core/rng.hpp>
#include <spikernn/core/types.hpp>
#include <spikernn/task/registry.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spikernn::python {

class callback_task {
 public:
  struct impl;  ///< the Python callables (tasks.cpp)

  struct info {
    std::string name;
    int n_inputs = 1, n_steps = 2, min_trials_before_stop = 0;
    bool has_spiking_trial = false, has_spiking_correct = false;
  };

  callback_task(std::shared_ptr<const impl> p, info i) : impl_(std::move(p)), info_(std::move(i)) {}

  std::string_view name() const { return info_.name; }
  int n_inputs() const { return info_.n_inputs; }
  int n_steps() const { return info_.n_steps; }
  int min_trials_before_stop() const { return info_.min_trials_before_stop; }
  const info& description() const { return info_; }
  const impl& callbacks() const { return *impl_; }

  /// generate(rng): a rate trial of n_steps columns.
  trial generate(rng& g) const;
  /// correct(trial, outputs) on the T − 1 rate outputs.
  bool correct(const trial& tr, const vector<double>& o) const;
  /// spiking_trial(rng) when given, else generate(rng).
  trial spiking_trial(rng& g) const;
  /// spiking_correct(trial, output, dt); a ValueError when the task has none.
  bool spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const;
  /// sample_spiking_trials() when given, else no trials.
  std::vector<trial> sample_spiking_trials() const;

 private:
  std::shared_ptr<const impl> impl_;
  info info_;
};

static_assert(spiking_task<callback_task>, "a task written in Python is a task like the shipped ones");

/// Positive while a training run with a checkpoint file is under way on this thread (train()).
/// Then a Ctrl-C that lands in a callback (where Python raises its KeyboardInterrupt) does not
/// abort the step: the callback is called again, the step completes, and the engine writes the
/// checkpoint and stops, as it does for a shipped task.
std::atomic<int>& callbacks_defer_interrupt();

/// What the Python class Task holds: a shipped task or one written in Python.
using task_variant = std::variant<go_nogo, xor_task, mante, mante_port, callback_task>;

inline task_variant to_task_variant(any_task t) {
  return std::visit([](auto&& k) { return task_variant(std::move(k)); }, std::move(t));
}

}  // namespace spikernn::python
