// The training loop of the original (spec §3.1-3.2), generic over the model: generate trials,
// forward, loss, adjoint, optimizer step; evaluate fresh trials periodically and stop by the
// original's criteria. The model only has to provide forward/backward over a tape and a flat
// parameter vector (see network/rate_rnn.hpp); observers get progress and records.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/task/task.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/loss.hpp"
#include "spikernn/train/parameters.hpp"

#include <algorithm>
#include <chrono>
#include <concepts>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

/// What the trainer needs from a model.
template <class M>
concept trainable_model = requires(M& m, const M& cm, typename M::tape& tp, std::span<const trial* const> trials,
                                   std::span<rng> noise, const matrix<typename M::scalar>& d_o,
                                   vector<typename M::scalar>& grad) {
  typename M::scalar;
  { m.parameters() } -> std::same_as<vector<typename M::scalar>&>;
  { cm.layout() } -> std::same_as<const param_layout&>;
  cm.forward(trials, noise, tp);
  cm.backward(tp, d_o, grad);
  { tp.o } -> std::convertible_to<matrix<typename M::scalar>>;
};

/// When to evaluate and when to stop. Defaults are the original's (spec §3.2).
struct stop_rule {
  int eval_every = 100;       ///< evaluate after steps 1, 1 + eval_every, … (the original: (tr − 1) mod 100 = 0)
  int eval_trials = 100;      ///< fresh trials per evaluation
  double loss_below = 7.0;    ///< stop needs the mean evaluation loss below this …
  double perf_above = 0.95;   ///< … and the fraction correct above this …
  long min_trials = 0;        ///< … and the last trial index above this (Go-NoGo: 1500)

  void validate() const {
    require(eval_every > 0, "eval_every", "a positive number of steps");
    require(eval_trials > 0, "eval_trials", "a positive number of trials");
    require(min_trials >= 0, "min_trials", "a non-negative trial count");
  }
};

/// The original stop rule for a task (its minimum trial count included).
template <task Task>
stop_rule kim2019_stop(const Task& t) {
  return {.min_trials = t.min_trials_before_stop()};
}

struct train_options {
  long n_trials = 6000;       ///< give up after this many trials (--n_trials)
  int batch = 1;              ///< trials per gradient step; 1 is the original
  loss_fn loss = loss_fn::l2;
  spikernn::seed seed{};      ///< trial streams; trial i is regenerated from (seed, i) alone

  void validate() const {
    require(n_trials > 0, "n_trials", "a positive number of trials");
    require(batch > 0, "batch", "a positive batch size");
    require(n_trials >= batch, "n_trials", "at least one batch of trials");
  }
};

/// One evaluation: mean loss and fraction correct over fresh trials, with their outputs.
struct evaluation {
  long trial = -1;            ///< index of the last training trial before it
  double loss_mean = 0.0;
  double perf_mean = 0.0;
  matrix<double> outputs;     ///< eval_trials × (T − 1)
  std::vector<double> labels;
  std::vector<std::string> conditions;
};

/// One trial with its trajectories, as the original saves its first and last runs.
template <class S>
struct trial_record {
  matrix<double> u;   ///< n_inputs × T
  vector<double> z;   ///< T targets
  matrix<S> x, r;     ///< N × T
  vector<S> o;        ///< T − 1 outputs
};

template <class S>
struct train_result {
  std::vector<double> losses;        ///< per trial, n_trials long (zeros after an early stop)
  std::vector<evaluation> history;   ///< every evaluation (outputs kept for the last only)
  evaluation last_eval;
  long last_trial = -1;              ///< the original's `tr`
  bool success = false;              ///< the stop rule was met
  long trials_to_criterion = -1;     ///< trials consumed when it was (last_trial + 1)
  double seconds = 0.0;              ///< wall time of the loop, evaluations included
  trial_record<S> initial, last;     ///< the initial run (x0, r0) and the last training trial
  vector<S> initial_parameters;      ///< θ before training (w0, taus_gaus0 …)
};

/// What observers are shown.
struct train_progress {
  long trial = 0;          ///< last trial consumed (0-based)
  long n_trials = 0;
  double loss = 0.0;       ///< mean loss of the last step's trials
  const evaluation* eval = nullptr;  ///< set in on_evaluation
  double seconds = 0.0;
  bool success = false;
};

namespace detail {

template <class M>
void record_trial(const typename M::tape& tp, const trial& tr, trial_record<typename M::scalar>& rec) {
  const index_t T = tp.steps, B = tp.batch;
  rec.u = tr.u;
  rec.z = tr.z;
  rec.x.resize(tp.x.rows(), T);
  rec.r.resize(tp.r.rows(), T);
  for (index_t t = 0; t < T; ++t) {
    rec.x.col(t) = tp.x.col(t * B);
    rec.r.col(t) = tp.r.col(t * B);
  }
  rec.o = tp.o.col(0);
}

template <class Obs>
void notify_trial(Obs& o, const train_progress& p) {
  if constexpr (requires { o.on_trial(p); }) o.on_trial(p);
}
template <class Obs>
void notify_evaluation(Obs& o, const train_progress& p) {
  if constexpr (requires { o.on_evaluation(p); }) o.on_evaluation(p);
}
template <class Obs>
void notify_finish(Obs& o, const train_progress& p) {
  if constexpr (requires { o.on_finish(p); }) o.on_finish(p);
}

}  // namespace detail

/// Runs `count` fresh trials from (seed, stream, first …) through the model without training:
/// mean loss, fraction correct by the task's rule, and every output.
template <trainable_model M, task Task>
evaluation evaluate_rate(const M& model, const Task& tk, int count, seed s, std::uint64_t first,
                         loss_fn loss = loss_fn::l2, purpose stream = purpose::evaluation_trial) {
  using S = typename M::scalar;
  require(count > 0, "eval_trials", "a positive number of trials");
  evaluation ev;
  ev.outputs.resize(count, tk.n_steps() - 1);
  constexpr int chunk = 25;  // trials per forward: matrix-matrix work without a huge tape
  typename M::tape tp;
  std::vector<trial> trials;
  std::vector<const trial*> ptrs;
  std::vector<rng> streams;
  vector<S> d_o(tk.n_steps() - 1);
  vector<double> o;
  double loss_sum = 0;
  int correct = 0;
  for (int start = 0; start < count; start += chunk) {
    const int b_n = std::min(chunk, count - start);
    trials.clear();
    ptrs.clear();
    streams.clear();
    for (int b = 0; b < b_n; ++b) {
      streams.emplace_back(s, stream, first + std::uint64_t(start + b));
      trials.push_back(tk.generate(streams.back()));
    }
    for (auto& t : trials) ptrs.push_back(&t);
    model.forward(ptrs, streams, tp);
    for (int b = 0; b < b_n; ++b) {
      o = tp.o.col(b).template cast<double>();
      loss_sum += trial_loss(loss, tp.o.col(b), trials[b].z, d_o);
      correct += tk.correct(trials[b], o) ? 1 : 0;
      ev.outputs.row(start + b) = o.transpose();
      ev.labels.push_back(trials[b].label);
      ev.conditions.push_back(trials[b].condition);
    }
  }
  ev.loss_mean = loss_sum / count;
  ev.perf_mean = double(correct) / count;
  return ev;
}

/// Trains `model` on `tk` until the stop rule is met or n_trials trials are used.
template <trainable_model M, task Task, class... Observers>
train_result<typename M::scalar> train(M& model, const Task& tk, adam opt, stop_rule stop, train_options opts,
                                       Observers&&... observers) {
  using S = typename M::scalar;
  stop.validate();
  opts.validate();
  const auto t_start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  };
  train_result<S> res;
  res.losses.assign(static_cast<std::size_t>(opts.n_trials), 0.0);
  res.initial_parameters = model.parameters();

  const int B = opts.batch;
  typename M::tape tp;
  std::vector<trial> trials(static_cast<std::size_t>(B));
  std::vector<const trial*> ptrs(static_cast<std::size_t>(B));
  std::vector<rng> streams;
  vector<S> grad = vector<S>::Zero(model.parameters().size());
  matrix<S> d_o(tk.n_steps() - 1, B);

  {  // the initial run the original saves as x0, r0
    streams.assign(1, rng(opts.seed, purpose::initial_run));
    trials[0] = tk.generate(streams[0]);
    ptrs[0] = &trials[0];
    model.forward(std::span<const trial* const>(ptrs.data(), 1), streams, tp);
    detail::record_trial<M>(tp, trials[0], res.initial);
  }

  const long n_steps = opts.n_trials / B;
  long eval_count = 0;
  for (long step = 0; step < n_steps; ++step) {
    streams.clear();
    for (int b = 0; b < B; ++b) {
      const auto index = static_cast<std::uint64_t>(step * B + b);
      streams.emplace_back(opts.seed, purpose::training_trial, index);
      trials[static_cast<std::size_t>(b)] = tk.generate(streams.back());
      ptrs[static_cast<std::size_t>(b)] = &trials[static_cast<std::size_t>(b)];
    }
    model.forward(ptrs, streams, tp);
    double step_loss = 0;
    for (int b = 0; b < B; ++b) {
      auto d_col = d_o.col(b);
      const double l = trial_loss(opts.loss, tp.o.col(b), trials[static_cast<std::size_t>(b)].z, d_col);
      res.losses[static_cast<std::size_t>(step * B + b)] = l;
      step_loss += l;
    }
    d_o /= static_cast<S>(B);  // a batch minimises the mean trial loss
    grad.setZero();
    model.backward(tp, d_o, grad);
    opt.step(model.parameters(), grad, model.layout());

    res.last_trial = (step + 1) * B - 1;
    [[maybe_unused]] train_progress prog{res.last_trial, opts.n_trials, step_loss / B, nullptr, elapsed(), false};
    (detail::notify_trial(observers, prog), ...);

    if ((step - 1) % stop.eval_every == 0) {
      evaluation ev = evaluate_rate(model, tk, stop.eval_trials, opts.seed,
                                    std::uint64_t(eval_count++) * std::uint64_t(stop.eval_trials), opts.loss);
      ev.trial = res.last_trial;
      const bool met = ev.loss_mean < stop.loss_below && ev.perf_mean > stop.perf_above &&
                       res.last_trial > stop.min_trials;
      prog.eval = &ev;
      prog.success = met;
      prog.seconds = elapsed();
      (detail::notify_evaluation(observers, prog), ...);
      res.last_eval = ev;
      ev.outputs.resize(0, 0);  // the history keeps summaries only
      res.history.push_back(std::move(ev));
      if (met) {
        res.success = true;
        res.trials_to_criterion = res.last_trial + 1;
        break;
      }
    }
  }
  detail::record_trial<M>(tp, trials[0], res.last);
  res.seconds = elapsed();
  [[maybe_unused]] train_progress fin{res.last_trial, opts.n_trials, 0.0, &res.last_eval, res.seconds, res.success};
  (detail::notify_finish(observers, fin), ...);
  return res;
}

}  // namespace spikernn
