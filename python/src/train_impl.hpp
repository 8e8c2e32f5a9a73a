// spikernn.train for one activation: the dispatch over connectivity and task, and the observer
// that connects the C++ training loop to Python — progress callbacks at every evaluation, and
// Ctrl-C. Included by train_sigmoid.cpp, train_softplus.cpp and train_clipped_relu.cpp only.
#pragma once

#include "common.hpp"

#include <chrono>
#include <optional>

namespace spikernn::python {

/// An observer of train() (train/trainer.hpp) run without the GIL. Every ~0.1 s it takes the GIL
/// to let Python run its signal handlers: when one raises (Ctrl-C: KeyboardInterrupt) the error
/// is kept and the run ends after the trial in progress — through the engine's interrupt
/// (checkpoint, then training_interrupted) when a checkpoint file is set, else by asking train()
/// to stop. The progress callback runs at every evaluation and once at the end; a truthy
/// return value stops the run.
class py_observer {
 public:
  py_observer(const py::object& callback, bool has_checkpoint) : callback_(callback), checkpoint_(has_checkpoint) {}

  bool on_trial(const train_progress& p) {
    last_loss_ = p.loss;
    if (!interrupted_) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_check_) {
        next_check_ = now + std::chrono::milliseconds(100);
        py::gil_scoped_acquire gil;
        check_signals();
      }
    }
    return stop_now();
  }

  bool on_evaluation(const train_progress& p) {
    py::gil_scoped_acquire gil;
    if (!interrupted_) check_signals();
    if (interrupted_) return stop_now();
    if (!callback_.is_none()) {
      const py::object r = callback_(record(p, true, false));
      if (PyObject_IsTrue(r.ptr()) == 1) stopped_ = true;
    }
    return stopped_;
  }

  void on_finish(const train_progress& p) {
    if (callback_.is_none() || interrupted_) return;
    py::gil_scoped_acquire gil;
    train_progress_record r = record(p, p.eval != nullptr && p.eval->trial >= 0, true);
    r.loss = last_loss_;  // train() reports no loss at the end: the last trial's
    callback_(r);
  }

  bool interrupted() const { return interrupted_; }
  bool stopped() const { return stopped_; }
  /// The error a signal handler raised (GIL held).
  std::optional<py::error_already_set>& pending() { return pending_; }

 private:
  void check_signals() {  // GIL held
    if (PyErr_CheckSignals() != 0) {
      pending_.emplace();  // fetches and clears the Python error
      interrupted_ = true;
      request_interrupt();  // the engine checkpoints and throws training_interrupted
    }
  }
  /// With a checkpoint file the engine ends the run itself (it must not be stopped first).
  bool stop_now() const { return interrupted_ && !checkpoint_; }

  static train_progress_record record(const train_progress& p, bool evaluated, bool final) {
    train_progress_record r;
    r.trial = p.trial;
    r.n_trials = p.n_trials;
    r.loss = p.loss;
    r.seconds = p.seconds;
    r.success = p.success;
    r.evaluated = evaluated && p.eval != nullptr;
    if (r.evaluated) {
      r.eval_loss = p.eval->loss_mean;
      r.eval_perf = p.eval->perf_mean;
    }
    r.final = final;
    return r;
  }

  const py::object& callback_;
  bool checkpoint_;
  bool interrupted_ = false, stopped_ = false;
  double last_loss_ = 0;
  std::optional<py::error_already_set> pending_;
  std::chrono::steady_clock::time_point next_check_ = std::chrono::steady_clock::now();
};

/// While a checkpointed run trains on a task written in Python, a Ctrl-C inside a callback ends the
/// run through the engine (checkpoint first) rather than from the callback (python_task.hpp).
struct defer_interrupts {
  bool on;
  explicit defer_interrupts(bool checkpointed) : on(checkpointed) {
    if (on) ++callbacks_defer_interrupt();
  }
  ~defer_interrupts() {
    if (!on) return;
    --callbacks_defer_interrupt();
    detail::pending_signal().store(0);  // a stop asked for on the last step: the run is complete
  }
  defer_interrupts(const defer_interrupts&) = delete;
  defer_interrupts& operator=(const defer_interrupts&) = delete;
};

/// Clears the interrupt flag this module raised, whatever way train() ends.
struct interrupt_reset {
  const py_observer& obs;
  ~interrupt_reset() {
    if (obs.interrupted()) detail::pending_signal().store(0);
  }
};

template <class Net, class Task>
train_result<float> run_train(Net& net, const Task& tk, train_call& call, py_observer& obs) {
  return train(net, tk, adam{call.adam}, call.stop, call.opts, obs);
}

/// Trains a network of activation Act (either connectivity) on the task; called with the GIL
/// released. A Ctrl-C becomes KeyboardInterrupt (with a checkpoint: after it is written).
template <class Act>
py_train_result train_activation(any_rnn& net, const py_task& task, train_call& call) {
  py_train_result out;
  out.task = task.name();
  out.loss = call.opts.loss;
  out.seed = call.opts.seed.value;
  out.n_trials = call.opts.n_trials;
  py_observer obs(call.progress, !call.opts.checkpoint.empty());
  {
    const interrupt_reset reset{obs};
    const defer_interrupts defer{!call.opts.checkpoint.empty()};
    try {
      out.res = std::visit(
          [&](auto& tk) -> train_result<float> {
            if (auto* d = std::get_if<rnn<Act, dale>>(&net)) return run_train(*d, tk, call, obs);
            return run_train(std::get<rnn<Act, no_dale>>(net), tk, call, obs);
          },
          task.task);
    } catch (const training_interrupted& e) {
      detail::pending_signal().store(0);  // also when a Python task's callback asked for the stop
      py::gil_scoped_acquire gil;
      PyErr_SetString(PyExc_KeyboardInterrupt,
                      (std::string(e.what()) + " (continue with train(..., resume='" + e.checkpoint_file + "'))").c_str());
      obs.pending().reset();
      throw py::error_already_set();
    }
  }
  if (obs.interrupted()) {  // stopped without a checkpoint (or on the last trial): raise the error
    const py::error_already_set e = *obs.pending();
    throw e;
  }
  out.stopped = obs.stopped();
  return out;
}

template <class Act>
evaluation evaluate_activation(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss) {
  return std::visit(
      [&](const auto& tk) {
        if (const auto* d = std::get_if<rnn<Act, dale>>(&net)) return evaluate_rate(*d, tk, trials, s, 0, loss);
        return evaluate_rate(std::get<rnn<Act, no_dale>>(net), tk, trials, s, 0, loss);
      },
      task.task);
}

}  // namespace spikernn::python
