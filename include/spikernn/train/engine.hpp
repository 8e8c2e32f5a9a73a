// The training engine: one loop for every model (Boost.Odeint's shape — one integrate() over any
// stepper, observers as parameters). Each step s:
//   data.fill(s, batch) → model.forward(batch, tape) → objective(tape.o, batch, dL/do) →
//   grad = 0, model.backward(tape, dL/do, grad) → hooks' on_gradient (clipping) →
//   optimizer.step → hooks' after_step (observers, evaluation, stop rules) → epoch end →
//   checkpoint every checkpoint_every steps, and on Ctrl-C / kill (train/interrupt.hpp).
// Stop rules, periodic evaluation, clipping, schedules and records are hooks (train/hooks.hpp),
// plain objects with any of these members, called when present:
//   before_step(step, optimizer)          — learning-rate schedules;
//   on_gradient(grad, layout)             — clipping, gradient noise;
//   after_step(step_report) -> bool/void  — true stops the run (a stop rule was met);
//   on_epoch(epoch_report) -> bool/void   — sources with epochs; true stops the run;
//   on_finish(finish_report)              — once, after the last step;
//   save_state(section) / load_state(section) — what the hook must keep across a resume.
// A checkpoint holds the parameters, the optimizer's state, the next step, the running epoch's
// sums and every hook's state; data sources derive each batch from its step (train/
// data_source.hpp), so a resumed run repeats an uninterrupted one bit for bit.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/train/checkpoint.hpp"
#include "spikernn/train/data_source.hpp"
#include "spikernn/train/interrupt.hpp"
#include "spikernn/train/model.hpp"
#include "spikernn/train/objective.hpp"
#include "spikernn/train/optimizer.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikernn {

struct fit_options {
  long steps = 1;                          ///< gradient steps of the whole run (resumed ones included)
  std::filesystem::path checkpoint{};        ///< where checkpoints are written; empty: none
  long checkpoint_every = 0;               ///< steps between checkpoints; 0: only when interrupted
  std::filesystem::path resume{};            ///< a checkpoint of this run to continue from; empty: start

  void validate() const {
    require(steps > 0, "steps", "a positive number of gradient steps");
    require(checkpoint_every >= 0, "checkpoint_every", "a non-negative number of steps");
    require(checkpoint_every == 0 || !checkpoint.empty(), "checkpoint_every", "a checkpoint file to write to");
  }
};

enum class fit_status { finished, stopped };

struct fit_outcome {
  fit_status status = fit_status::finished;
  long steps_done = 0;   ///< steps of the whole run, resumed ones included
  double seconds = 0;    ///< wall time of the whole run, resumed parts included
};

/// What after_step hooks are shown.
template <class M, class B>
struct step_report {
  long step = 0, steps = 0;  ///< step just done (0-based), steps of the run
  double loss = 0;           ///< the objective's value on this step's batch
  const loss_detail& detail;
  double seconds = 0;        ///< since the run began (resumed parts included)
  const M& model;
  const typename M::tape& tape;  ///< the forward pass of this step (before the update)
  const B& batch;
};

/// What on_epoch hooks are shown, after the last step of an epoch.
struct epoch_report {
  long epoch = 0;               ///< the epoch just finished (0-based)
  long epochs = 0;              ///< epochs of the run (steps / steps_per_epoch, rounded up)
  double loss_sum = 0;          ///< Σ over its steps of the batch loss
  double weighted_loss_sum = 0; ///< Σ batch loss × batch size (÷ samples: the mean per sample)
  long samples = 0, batches = 0;
  long correct = -1;            ///< Σ classified right, −1 when the objective does not classify
  double seconds = 0;
};

template <class M, class B>
struct finish_report {
  fit_outcome outcome;
  const M& model;
  const typename M::tape& tape;  ///< the last step's forward pass (empty if this call ran none)
  const B& batch;
  bool ran_steps = false;        ///< false when a resumed run had nothing left to do
};

namespace detail {
template <class H, class R>
bool hook_after_step(H& h, const R& r) {
  if constexpr (requires { { h.after_step(r) } -> std::convertible_to<bool>; }) return h.after_step(r);
  else if constexpr (requires { h.after_step(r); }) return h.after_step(r), false;
  else return false;
}
template <class H>
bool hook_on_epoch(H& h, const epoch_report& r) {
  if constexpr (requires { { h.on_epoch(r) } -> std::convertible_to<bool>; }) return h.on_epoch(r);
  else if constexpr (requires { h.on_epoch(r); }) return h.on_epoch(r), false;
  else return false;
}

struct epoch_sums {
  double loss_sum = 0, weighted = 0;
  long samples = 0, batches = 0, correct = 0;
  bool classifies = false;
};
}  // namespace detail

/// Trains `model` on `data` by minimising `loss` with `opt` for options.steps steps (or until
/// a hook stops it). Throws training_interrupted after writing a checkpoint when interrupted.
template <class M, data_source Data, class Loss, class Opt, class... Hooks>
  requires trainable_on<M, typename Data::batch_type> &&
           objective_for<Loss, typename Data::batch_type, typename M::scalar> &&
           optimizer_for<Opt, typename M::scalar>
fit_outcome fit(M& model, Data& data, const Loss& loss, Opt& opt, const fit_options& options, Hooks&&... hooks) {
  using S = typename M::scalar;
  using B = typename Data::batch_type;
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  double seconds_before = 0;  // of the parts of a resumed run
  const auto elapsed = [&] {
    return seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  long steps_per_epoch = 0;
  if constexpr (epoch_source<Data>) steps_per_epoch = data.steps_per_epoch();
  const long epochs = steps_per_epoch > 0 ? (options.steps + steps_per_epoch - 1) / steps_per_epoch : 0;

  detail::epoch_sums sums;
  long first = 0;
  const auto hook_prefix = [](std::size_t i) { return "hook" + std::to_string(i) + "/"; };

  const auto save = [&](long next_step) {
    checkpoint ck;
    ck.put("engine/step", std::int64_t(next_step));
    ck.put("engine/seconds", elapsed());
    ck.put("engine/epoch_loss_sum", sums.loss_sum);
    ck.put("engine/epoch_weighted", sums.weighted);
    ck.put("engine/epoch_samples", std::int64_t(sums.samples));
    ck.put("engine/epoch_batches", std::int64_t(sums.batches));
    ck.put("engine/epoch_correct", std::int64_t(sums.classifies ? sums.correct : -1));
    ck.put("model/parameters", model.parameters());
    std::vector<std::string> names;
    for (const auto& b : model.layout()) names.push_back(b.name);
    ck.put("model/blocks", names);
    checkpoint_section os(ck, "optimizer/");
    opt.save_state(os);
    std::size_t i = 0;
    (
        [&] {
          checkpoint_section hs(ck, hook_prefix(i++));
          if constexpr (requires { hooks.save_state(hs); }) hooks.save_state(hs);
        }(),
        ...);
    ck.save(options.checkpoint);
  };

  if (!options.resume.empty()) {
    const checkpoint ck = checkpoint::load(options.resume);
    const vector<S> theta = ck.get_vector<S>("model/parameters");
    std::vector<std::string> names;
    for (const auto& b : model.layout()) names.push_back(b.name);
    if (theta.size() != model.parameters().size() || ck.get_strings("model/blocks") != names)
      throw file_error(ck.origin(), "the checkpoint is of another model (" + std::to_string(theta.size()) +
                                        " parameters, the model has " + std::to_string(model.parameters().size()) + ")");
    first = long(ck.get_int("engine/step"));
    if (first > options.steps)
      throw file_error(ck.origin(), "the checkpoint is at step " + std::to_string(first) + ", past the run's " +
                                        std::to_string(options.steps) + " steps");
    model.parameters() = theta;
    seconds_before = ck.get_double("engine/seconds");
    sums.loss_sum = ck.get_double("engine/epoch_loss_sum");
    sums.weighted = ck.get_double("engine/epoch_weighted");
    sums.samples = long(ck.get_int("engine/epoch_samples"));
    sums.batches = long(ck.get_int("engine/epoch_batches"));
    sums.correct = long(ck.get_int("engine/epoch_correct"));
    sums.classifies = sums.correct >= 0;
    if (!sums.classifies) sums.correct = 0;
    opt.load_state(checkpoint_section(ck, "optimizer/"));
    std::size_t i = 0;
    (
        [&] {
          const checkpoint_section hs(ck, hook_prefix(i++));
          if constexpr (requires { hooks.load_state(hs); }) hooks.load_state(hs);
        }(),
        ...);
  }

  typename M::tape tp;
  B batch;
  matrix<S> d_o;
  loss_detail info;
  vector<S> grad = vector<S>::Zero(model.parameters().size());
  fit_outcome out;
  long step = first;
  bool ran = false;
  for (; step < options.steps; ++step) {
    (
        [&] {
          if constexpr (requires { hooks.before_step(step, opt); }) hooks.before_step(step, opt);
        }(),
        ...);
    data.fill(step, batch);
    model.forward(batch, tp);
    const double l = loss(tp.o, batch, d_o, info);
    grad.setZero();
    model.backward(tp, d_o, grad);
    (
        [&] {
          if constexpr (requires { hooks.on_gradient(grad, model.layout()); }) hooks.on_gradient(grad, model.layout());
        }(),
        ...);
    opt.step(model.parameters(), grad, model.layout());
    ran = true;

    const step_report<M, B> rep{step, options.steps, l, info, elapsed(), model, tp, batch};
    bool stop = false;
    ((stop = detail::hook_after_step(hooks, rep) || stop), ...);

    sums.loss_sum += l;
    sums.weighted += l * double(batch.size());
    sums.samples += long(batch.size());
    sums.batches += 1;
    if (info.correct >= 0) {
      sums.correct += info.correct;
      sums.classifies = true;
    }
    if (steps_per_epoch > 0 && ((step + 1) % steps_per_epoch == 0 || step + 1 == options.steps)) {
      const epoch_report er{step / steps_per_epoch, epochs,   sums.loss_sum,
                            sums.weighted,          sums.samples, sums.batches,
                            sums.classifies ? sums.correct : -1, elapsed()};
      ((stop = detail::hook_on_epoch(hooks, er) || stop), ...);
      sums = {};
    }
    if (stop) {
      out.status = fit_status::stopped;
      ++step;
      break;
    }
    if (!options.checkpoint.empty()) {
      const bool due = options.checkpoint_every > 0 && (step + 1) % options.checkpoint_every == 0;
      if (interrupt_requested() && step + 1 < options.steps) {  // after the last step: just finish
        save(step + 1);
        throw training_interrupted(options.checkpoint.string(), step + 1);
      }
      if (due && step + 1 < options.steps) save(step + 1);
    }
  }
  out.steps_done = step;
  out.seconds = elapsed();
  const finish_report<M, B> fin{out, model, tp, batch, ran};
  (
      [&] {
        if constexpr (requires { hooks.on_finish(fin); }) hooks.on_finish(fin);
      }(),
      ...);
  return out;
}

}  // namespace spikernn
