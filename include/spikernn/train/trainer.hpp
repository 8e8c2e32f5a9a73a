// The training protocol of the original (spec §3.1-3.2) on the engine (train/engine.hpp): fresh
// task trials (task_trials), the original's loss (kim2019_objective), Adam, and a hook that
// evaluates fresh trials every eval_every steps and stops by the original's criteria, keeping
// the per-trial losses and the evaluation history for the model file. Observers get progress.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/task/task.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/engine.hpp"
#include "spikernn/train/loss.hpp"
#include "spikernn/core/param_store.hpp"

#include <algorithm>
#include <concepts>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace spikernn {

/// A model the Kim 2019 trainer drives: trainable on batches of task trials (train/model.hpp).
template <class M>
concept rate_trainable = trainable_on<M, trial_batch> &&
                         requires(const M& cm, std::span<const trial* const> trials, std::span<rng> noise,
                                  typename M::tape& tp) { cm.forward(trials, noise, tp); };

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
  std::filesystem::path checkpoint{};  ///< checkpoint file (empty: none), see fit_options
  long checkpoint_every = 0;         ///< steps between checkpoints (0: only when interrupted)
  std::filesystem::path resume{};      ///< continue the run saved in this checkpoint

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
  rec.o = Eigen::Map<const row_vector<typename M::scalar>, 0, Eigen::InnerStride<>>(tp.o.data(), T - 1,
                                                                                   Eigen::InnerStride<>(B))
              .transpose();
}

/// Calls o.on_trial / o.on_evaluation when present; true when the observer asks to stop (its
/// member returns something convertible to bool that is true).
template <class Obs>
bool notify_trial(Obs& o, const train_progress& p) {
  if constexpr (requires { { o.on_trial(p) } -> std::convertible_to<bool>; }) return bool(o.on_trial(p));
  else if constexpr (requires { o.on_trial(p); }) o.on_trial(p);
  return false;
}
template <class Obs>
bool notify_evaluation(Obs& o, const train_progress& p) {
  if constexpr (requires { { o.on_evaluation(p) } -> std::convertible_to<bool>; }) return bool(o.on_evaluation(p));
  else if constexpr (requires { o.on_evaluation(p); }) o.on_evaluation(p);
  return false;
}
template <class Obs>
void notify_finish(Obs& o, const train_progress& p) {
  if constexpr (requires { o.on_finish(p); }) o.on_finish(p);
}

}  // namespace detail

/// Runs `count` fresh trials from (seed, stream, first …) through the model without training:
/// mean loss, fraction correct by the task's rule, and every output.
template <rate_trainable M, task Task>
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
      const Eigen::Map<const row_vector<S>, 0, Eigen::InnerStride<>> ob(tp.o.data() + b, tk.n_steps() - 1,
                                                                        Eigen::InnerStride<>(b_n));
      o = ob.transpose().template cast<double>();
      loss_sum += trial_loss(loss, ob, trials[b].z, d_o);
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

namespace detail {
/// The engine hook of the original protocol: records each trial's loss, shows observers every
/// trial, evaluates fresh trials every eval_every steps (after steps 1, 1 + eval_every, …) and
/// stops once the stop rule is met; on_finish keeps the last training trial.
template <class M, class Task, class... Observers>
struct kim2019_monitor {
  using S = typename M::scalar;
  const Task& task;
  stop_rule stop;
  train_options opts;
  train_result<S>& res;
  std::tuple<Observers&...> observers;
  long eval_count = 0;

  template <class R>
  bool after_step(const R& r) {
    const long B = long(r.batch.size());
    for (long b = 0; b < B; ++b) res.losses[std::size_t(r.step * B + b)] = r.detail.per_sample[std::size_t(b)];
    res.last_trial = (r.step + 1) * B - 1;
    [[maybe_unused]] train_progress prog{res.last_trial, opts.n_trials, r.loss, nullptr, r.seconds, false};
    bool asked = false;  // an observer asked to stop (every observer is still shown the step)
    std::apply([&](auto&... o) { ((asked = notify_trial(o, prog) || asked), ...); }, observers);
    if (asked) return true;
    if ((r.step - 1) % stop.eval_every != 0) return false;
    evaluation ev = evaluate_rate(r.model, task, stop.eval_trials, opts.seed,
                                  std::uint64_t(eval_count++) * std::uint64_t(stop.eval_trials), opts.loss);
    ev.trial = res.last_trial;
    const bool met = ev.loss_mean < stop.loss_below && ev.perf_mean > stop.perf_above &&
                     res.last_trial > stop.min_trials;
    prog.eval = &ev;
    prog.success = met;
    prog.seconds = r.seconds;
    std::apply([&](auto&... o) { ((asked = notify_evaluation(o, prog) || asked), ...); }, observers);
    res.last_eval = ev;
    ev.outputs.resize(0, 0);  // the history keeps summaries only
    res.history.push_back(std::move(ev));
    if (met) {
      res.success = true;
      res.trials_to_criterion = res.last_trial + 1;
    }
    return met || asked;
  }

  template <class F>
  void on_finish(const F& f) {
    if (f.ran_steps) record_trial<M>(f.tape, f.batch.trials[0], res.last);
  }

  template <class Sec>
  void save_state(Sec& ck) const {
    ck.put("seed", std::int64_t(opts.seed.value));  // a resume rebuilds the model from it
    ck.put("losses", res.losses);
    ck.put("last_trial", std::int64_t(res.last_trial));
    ck.put("eval_count", std::int64_t(eval_count));
    std::vector<double> trials, losses, perfs;
    for (const auto& e : res.history) {
      trials.push_back(double(e.trial));
      losses.push_back(e.loss_mean);
      perfs.push_back(e.perf_mean);
    }
    ck.put("history_trial", trials);
    ck.put("history_loss", losses);
    ck.put("history_perf", perfs);
    ck.put("last_eval_outputs", res.last_eval.outputs);
    ck.put("last_eval_labels", res.last_eval.labels);
    ck.put("last_eval_conditions", res.last_eval.conditions);
    ck.put("initial_parameters", res.initial_parameters);
    ck.put("initial_u", res.initial.u);
    ck.put("initial_z", res.initial.z);
    ck.put("initial_x", res.initial.x);
    ck.put("initial_r", res.initial.r);
    ck.put("initial_o", res.initial.o);
  }
  template <class Sec>
  void load_state(const Sec& ck) {
    if (std::uint64_t(ck.get_int("seed")) != opts.seed.value)
      throw invalid_parameter("seed", "the checkpoint's seed " + std::to_string(std::uint64_t(ck.get_int("seed"))) +
                                          ", as the run it continues (its network was built from it)");
    res.losses = ck.get_doubles("losses");
    if (res.losses.size() != std::size_t(opts.n_trials))
      throw invalid_parameter("n_trials", "the checkpoint's " + std::to_string(res.losses.size()) +
                                              " trials, as the run it continues");
    res.last_trial = long(ck.get_int("last_trial"));
    eval_count = long(ck.get_int("eval_count"));
    const auto trials = ck.get_doubles("history_trial"), losses = ck.get_doubles("history_loss"),
               perfs = ck.get_doubles("history_perf");
    res.history.clear();
    for (std::size_t i = 0; i < trials.size(); ++i) {
      evaluation e;
      e.trial = long(trials[i]);
      e.loss_mean = losses[i];
      e.perf_mean = perfs[i];
      res.history.push_back(std::move(e));
    }
    if (!res.history.empty()) {
      res.last_eval = res.history.back();
      res.last_eval.outputs = ck.template get_matrix<double>("last_eval_outputs");
      res.last_eval.labels = ck.get_doubles("last_eval_labels");
      res.last_eval.conditions = ck.get_strings("last_eval_conditions");
    }
    res.initial_parameters = ck.template get_vector<S>("initial_parameters");
    res.initial.u = ck.template get_matrix<double>("initial_u");
    res.initial.z = ck.template get_vector<double>("initial_z");
    res.initial.x = ck.template get_matrix<S>("initial_x");
    res.initial.r = ck.template get_matrix<S>("initial_r");
    res.initial.o = ck.template get_vector<S>("initial_o");
  }
};
}  // namespace detail

/// Trains `model` on `tk` until the stop rule is met or n_trials trials are used. Observers may
/// also end the run: an on_trial or on_evaluation that returns true stops it after that trial
/// (the result then has success == false unless the rule was met at that evaluation).
template <rate_trainable M, task Task, class... Observers>
train_result<typename M::scalar> train(M& model, const Task& tk, adam opt, stop_rule stop, train_options opts,
                                       Observers&&... observers) {
  using S = typename M::scalar;
  stop.validate();
  opts.validate();
  train_result<S> res;
  res.losses.assign(static_cast<std::size_t>(opts.n_trials), 0.0);
  res.initial_parameters = model.parameters();
  if (opts.resume.empty()) {  // the initial run the original saves as x0, r0 (a resumed run has it)
    trial_batch first;
    rng g(opts.seed, purpose::initial_run);
    first.add(tk.generate(g), g);
    typename M::tape tp;
    model.forward(first, tp);
    detail::record_trial<M>(tp, first.trials[0], res.initial);
  }
  detail::kim2019_monitor<M, Task, std::remove_reference_t<Observers>...> monitor{
      tk, stop, opts, res, std::tuple<std::remove_reference_t<Observers>&...>(observers...)};
  task_trials<Task> data(tk, opts.batch, opts.seed);
  const fit_outcome out =
      fit(model, data, kim2019_objective{opts.loss}, opt,
          fit_options{.steps = opts.n_trials / opts.batch, .checkpoint = opts.checkpoint,
                      .checkpoint_every = opts.checkpoint_every, .resume = opts.resume},
          monitor);
  res.seconds = out.seconds;
  [[maybe_unused]] train_progress fin{res.last_trial, opts.n_trials, 0.0, &res.last_eval, res.seconds, res.success};
  (detail::notify_finish(observers, fin), ...);
  return res;
}

}  // namespace spikernn
