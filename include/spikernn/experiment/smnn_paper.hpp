// The protocol of Lin & Huang, "Spiking mode-based neural networks" (arXiv 2310.14621;
// glifr_smnn_spec.md part B): spiking mode RNNs (network/mode_snn.hpp) trained on the paper's two
// tasks with its settings, on the library's engine (train/engine.hpp), and the paper
// repository's reported numbers.
//
//   MNIST (B.4)    digits as pixel intensities in [0, 1], Bernoulli-encoded over T = 50 steps of
//                  2 ms; max-over-time readout, softmax then cross entropy; Adam (PyTorch form)
//                  lr 1e-3, gradient norm clipped at 20; 101 epochs of 5 fresh random batches of
//                  256, tested every 10 epochs on fixed encodings of the test digits.
//   context (B.5)  the context-dependent task of T = 500 steps, per-step readout, L2-norm loss;
//                  rounds of a fresh batch of 100 trials trained on for 3 steps each, the test
//                  accuracy about 20 times in the run; the mean ± std output per condition.
//
// Every batch is made from its step number and the seed (train/data_source.hpp), and the curves
// are saved with the engine's checkpoints, so a resumed run gives the same bits as one never
// stopped. No files and no command line here: the program spikernn-smnn adds those.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/eval/statistics.hpp"
#include "spikernn/io/gnuplot.hpp"
#include "spikernn/network/mode_snn.hpp"
#include "spikernn/network/mode_snn_params.hpp"
#include "spikernn/neuron/surrogate.hpp"
#include "spikernn/task/context_dependent.hpp"
#include "spikernn/task/rate_encoding.hpp"
#include "spikernn/task/sequential_mnist.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/checkpoint.hpp"
#include "spikernn/train/data_source.hpp"
#include "spikernn/train/engine.hpp"
#include "spikernn/train/hooks.hpp"
#include "spikernn/train/objective.hpp"
#include "spikernn/train/spiking_loss.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikernn::smnn_paper {

// ---- networks ---------------------------------------------------------------------------------

enum class task_kind { mnist, context };

inline std::string_view to_string(task_kind t) { return t == task_kind::mnist ? "mnist" : "context"; }

/// "mnist" or "context" (the program's --task), refusing anything else.
inline task_kind parse_task(const std::string& name) {
  require(name == "mnist" || name == "context", "task", "mnist or context, got '" + name + "'");
  return name == "mnist" ? task_kind::mnist : task_kind::context;
}

/// "lif" or "leaky" (the program's --neuron), refusing anything else.
inline mode_neuron parse_neuron(const std::string& name) {
  require(name == "lif" || name == "leaky", "neuron", "lif or leaky, got '" + name + "'");
  return name == "lif" ? mode_neuron::lif : mode_neuron::leaky;
}

/// Calls f(std::type_identity<Surrogate>{}) with the shipped surrogate called `name`
/// (fast_sigmoid, arctan, sigmoid or straight_through: Surrogate::name), refusing other names.
template <class F>
decltype(auto) with_surrogate(const std::string& name, F&& f) {
  if (name == fast_sigmoid::name) return f(std::type_identity<fast_sigmoid>{});
  if (name == arctan::name) return f(std::type_identity<arctan>{});
  if (name == sigmoid_surrogate::name) return f(std::type_identity<sigmoid_surrogate>{});
  require(name == straight_through::name, "surrogate",
          "fast_sigmoid, arctan, sigmoid or straight_through, got '" + name + "'");
  return f(std::type_identity<straight_through>{});
}

/// One network of the paper's grid.
struct network_spec {
  task_kind task = task_kind::mnist;
  int n = 100;                           ///< spiking neurons N
  int p = 3;                             ///< modes P; 0: a full-rank N × N W_rec
  mode_neuron neuron = mode_neuron::lif;  ///< lif (B.3, the paper's) or leaky (snnTorch, B.2)
  bool single_filter = false;            ///< the single rate filter instead of the figures' double one
};

/// The network's settings: Figure/mnist_model.py's (784 inputs, 10 outputs, max over time) or
/// Figure/mante_model.py's (4 inputs, 1 output per step), with its size and choices.
inline mode_snn_params network_params(const network_spec& s) {
  require(s.n > 0, "N", "a positive number of neurons");
  require(s.p >= 0, "P", "a positive number of modes, or 0 for full rank");
  mode_snn_params p = s.task == task_kind::mnist ? mode_snn_params::mnist() : mode_snn_params::mante();
  p.n = s.n;
  p.p = std::max(s.p, 1);  // ignored with full_rank
  p.full_rank = s.p == 0;
  p.neuron = s.neuron;
  if (s.single_filter) p.filter = mode_filter::single;
  return p;
}

/// The paper repository's final MNIST accuracy for (N, P) (B.6: mean of 5 runs, 3 for
/// P = 200), or nothing where it reports none.
inline std::optional<double> paper_mnist_accuracy(int n, int p) {
  static const std::map<std::pair<int, int>, double> table = {  // one line per N
      {{30, 1}, 0.927}, {{30, 3}, 0.908}, {{30, 10}, 0.903}, {{30, 30}, 0.912}, {{30, 100}, 0.915}, {{30, 200}, 0.929},
      {{50, 1}, 0.937}, {{50, 3}, 0.935}, {{50, 10}, 0.933}, {{50, 30}, 0.927}, {{50, 100}, 0.925}, {{50, 200}, 0.933},
      {{100, 1}, 0.949}, {{100, 3}, 0.947}, {{100, 10}, 0.940}, {{100, 30}, 0.935}, {{100, 100}, 0.942}, {{100, 200}, 0.948},
      {{200, 1}, 0.957}, {{200, 3}, 0.958}, {{200, 10}, 0.953}, {{200, 30}, 0.948}, {{200, 100}, 0.945}, {{200, 200}, 0.961},
      {{300, 1}, 0.929}, {{300, 3}, 0.925}, {{300, 10}, 0.922}, {{300, 30}, 0.916}, {{300, 100}, 0.919}};
  const auto it = table.find({n, p});
  if (it == table.end()) return std::nullopt;
  return it->second;
}

/// A trained network's final test accuracy, a row of accuracy_table's input.
struct network_accuracy {
  int n = 0, p = 0;  ///< p = 0: full rank
  double accuracy = 0;
};

/// A Markdown table of the test accuracy per (N, P) — the mean and min–max over runs — and,
/// for MNIST, the paper repository's beside it (B.6; "—" where it reports none).
inline std::string accuracy_table(const std::vector<network_accuracy>& rows, task_kind task) {
  const bool mnist = task == task_kind::mnist;
  std::map<std::pair<int, int>, std::vector<double>> acc;  // over runs per (N, P), in order of N then P
  for (const auto& r : rows) acc[{r.n, r.p}].push_back(r.accuracy);
  std::string md = std::string("| N | P | test accuracy (mean, min–max over runs) |") +
                   (mnist ? " paper repository (B.6) |" : "") + "\n|---|---|---|" + (mnist ? "---|" : "") + "\n";
  for (const auto& [key, v] : acc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.4f (%.4f–%.4f)", mean(v), *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    md += "| " + std::to_string(key.first) + " | " + (key.second > 0 ? std::to_string(key.second) : "full") + " | " +
          buf + " |";
    if (mnist) {
      const auto paper = paper_mnist_accuracy(key.first, key.second);
      md += " " + (paper ? std::to_string(*paper).substr(0, 5) : std::string("—")) + " |";
    }
    md += "\n";
  }
  return md;
}

// ---- MNIST (B.4) ------------------------------------------------------------------------------

/// Digits as pixel intensities in [0, 1] (torchvision's ToTensor, no normalisation: B.4).
struct digit_set {
  std::vector<vector<double>> pixels;
  std::vector<int> labels;
  std::size_t size() const { return labels.size(); }
};

/// The first `limit` digits of `set` (0: all).
inline digit_set to_digits(const sequential_mnist& set, std::size_t limit = 0) {
  digit_set d;
  const std::size_t count = limit > 0 ? std::min(limit, set.size()) : set.size();
  for (std::size_t i = 0; i < count; ++i) {
    const auto px = set.pixels(i);
    vector<double> v(static_cast<index_t>(px.size()));
    for (std::size_t k = 0; k < px.size(); ++k) v(index_t(k)) = double(px[k]) / 255.0;
    d.pixels.push_back(std::move(v));
    d.labels.push_back(set.label(i));
  }
  return d;
}

/// Test digit i as spikes: each test digit has one fixed encoding, from its own stream (the
/// training encodings use the same purpose with step·2³² + b, so never this one).
inline spike_events test_encoding(const digit_set& set, std::size_t i, int steps, seed s) {
  rng g(s, purpose::spike_encoding, (std::uint64_t(0xFFFFFFFFu) << 32) + i);
  return bernoulli_rate_events(set.pixels.at(i), steps, g);
}

struct mnist_score {
  double accuracy = 0;
  double hidden_rate_hz = 0;  ///< the mean firing rate of the hidden neurons over the set
};

/// The accuracy and hidden rate on `set`, each digit in its fixed encoding, 256 at a time.
template <class Net>
mnist_score mnist_test(const Net& net, const digit_set& set, int steps, seed s) {
  typename Net::tape tp;
  matrix<typename Net::scalar> d_o;
  std::vector<spike_events> ev;
  long hits = 0;
  double spikes = 0;
  for (std::size_t first = 0; first < set.size(); first += 256) {
    const std::size_t last = std::min(set.size(), first + 256);
    ev.clear();
    for (std::size_t i = first; i < last; ++i) ev.push_back(test_encoding(set, i, steps, s));
    net.forward(std::span<const spike_events>(ev), tp);
    int correct = 0;
    softmax_then_cross_entropy_loss(tp.o, std::span<const int>(set.labels.data() + first, last - first), d_o, &correct);
    hits += correct;
    spikes += double(tp.s.sum());
  }
  const double n = double(set.size());
  const double dt = net.params().dt;
  return {double(hits) / n, spikes / (n * double(net.size()) * steps * dt)};
}

struct mnist_settings {
  int steps = 50;             ///< T
  int epochs = 101;
  int batches_per_epoch = 5;  ///< fresh random batches (a shuffled DataLoader's first ones)
  int batch = 256;
  int test_every = 10;        ///< epochs between tests (and the last epoch)
  double lr = 1e-3, clip = 20;

  long updates() const { return long(epochs) * batches_per_epoch; }
  void validate() const {
    require(steps > 0, "steps", "a positive number of steps per trial");
    require(epochs > 0, "epochs", "a positive number of epochs");
    require(batches_per_epoch > 0, "batches_per_epoch", "a positive number of batches");
    require(batch > 0, "batch", "a positive batch size");
    require(test_every > 0, "test_every", "a positive number of epochs");
    require(lr > 0, "lr", "a positive learning rate");
    require(clip > 0, "clip", "a positive gradient-norm clip");
  }
};

/// A training run's curves: the test accuracy at test_x (epochs from 0, or rounds from 1) and
/// the training loss per epoch (the mean batch loss) or per round (its last step's loss).
struct training_curves {
  std::vector<double> test_x, test_accuracy, train_loss;
};

/// What a test during training reports (to print progress).
struct test_report {
  long at = 0, of = 0;  ///< epoch (0-based) of `of` epochs, or round (1-based) of `of` rounds
  double loss = 0, accuracy = 0;
  double hidden_rate_hz = std::nan("");  ///< MNIST only
};
using test_callback = std::function<void(const test_report&)>;

/// A test as one progress line (no line break): "<name> epoch e/E  loss …  test accuracy …
/// hidden rate … Hz" (MNIST) or "<name> round r/R  loss …  test accuracy …" (context).
inline std::string progress_line(const std::string& name, const test_report& t, task_kind task) {
  const auto format = [&](char* buf, std::size_t size) {
    return task == task_kind::mnist
               ? std::snprintf(buf, size, "%-12s epoch %4ld/%ld  loss %.4f  test accuracy %.4f  hidden rate %.1f Hz",
                               name.c_str(), t.at, t.of, t.loss, t.accuracy, t.hidden_rate_hz)
               : std::snprintf(buf, size, "%-12s round %4ld/%ld  loss %.3f  test accuracy %.3f", name.c_str(), t.at,
                               t.of, t.loss, t.accuracy);
  };
  std::string line(std::size_t(std::max(0, format(nullptr, 0))), '\0');
  format(line.data(), line.size() + 1);  // C++17 strings hold the terminating null past size()
  return line;
}

/// The engine hook of the MNIST protocol: the loss of every epoch and the test accuracy every
/// test_every epochs, kept across a resume.
template <class Net>
struct mnist_curves {
  const Net& net;
  const digit_set& test;
  const mnist_settings& settings;
  seed s;
  test_callback report;
  training_curves curves{};

  bool on_epoch(const epoch_report& r) {
    curves.train_loss.push_back(r.loss_sum / settings.batches_per_epoch);
    const int e = int(r.epoch);
    if (e % settings.test_every == 0 || e + 1 == settings.epochs) {
      const mnist_score score = mnist_test(net, test, settings.steps, s);
      curves.test_x.push_back(e);
      curves.test_accuracy.push_back(score.accuracy);
      if (report) report({e, settings.epochs, curves.train_loss.back(), score.accuracy, score.hidden_rate_hz});
    }
    return false;
  }
  void save_state(checkpoint_section& ck) const {
    ck.put_curves(
        {{"test_epochs", &curves.test_x}, {"test_accuracy", &curves.test_accuracy}, {"losses", &curves.train_loss}});
  }
  void load_state(const checkpoint_section& ck) {
    ck.get_curves(
        {{"test_epochs", &curves.test_x}, {"test_accuracy", &curves.test_accuracy}, {"losses", &curves.train_loss}});
  }
};

struct mnist_result {
  training_curves curves;
  double accuracy = 0, loss = 0;  ///< the last test's accuracy, the last epoch's loss
  double hidden_rate_hz = 0;      ///< on the test set after training
};

/// Trains `net` on `train` by the B.4 protocol, testing on `test`. `run` holds the checkpoint
/// settings (its steps are set here: epochs × batches_per_epoch); `hooks` join the protocol's.
template <class Net, class... Hooks>
mnist_result train_mnist(Net& net, const digit_set& train, const digit_set& test, const mnist_settings& settings,
                         seed s, fit_options run, const test_callback& report = {}, Hooks&&... hooks) {
  settings.validate();
  require(train.size() > 0 && test.size() > 0, "data", "at least one training and one test digit");
  adam opt({.lr = settings.lr, .form = adam_form::pytorch});
  encoded_batches data(train.pixels, train.labels, settings.steps, settings.batch, settings.batches_per_epoch, s);
  mnist_curves<Net> rec{net, test, settings, s, report};
  run.steps = settings.updates();
  fit(net, data, spiking_objective{spiking_loss::softmax_then_cross_entropy}, opt, run,
      clip_gradient_norm{settings.clip}, rec, std::forward<Hooks>(hooks)...);
  mnist_result r{rec.curves, rec.curves.test_accuracy.back(), rec.curves.train_loss.back(), 0};
  r.hidden_rate_hz = mnist_test(net, test, settings.steps, s).hidden_rate_hz;
  return r;
}

/// One raster panel: the spikes of trial b in a time-major spike matrix (N × (T·B), as a tape's
/// s), at dt seconds per step, as dots (time in ms, neuron 1..N).
template <class S>
io::figure raster_panel(const matrix<S>& spikes, index_t batch, index_t b, double dt, const std::string& title) {
  const index_t n = spikes.rows(), steps = spikes.cols() / batch;
  io::series dots{"", {}, {}, "points pt 7 ps 0.4"};  // no key entry
  for (index_t t = 0; t < steps; ++t)
    for (index_t i = 0; i < n; ++i)
      if (spikes(i, t * batch + b) > S(0.5)) {
        dots.x.push_back(double(t + 1) * dt * 1e3);
        dots.y.push_back(double(i + 1));
      }
  io::figure f{title, "time (ms)", "neuron", {dots}};
  f.xrange = {0, double(steps) * dt * 1e3};
  f.yrange = {0, double(n) + 1};
  return f;
}

/// Raster panels of the hidden spikes of the first `count` test digits, in their fixed encodings.
template <class Net>
std::vector<io::figure> mnist_raster(const Net& net, const digit_set& test, int steps, seed s, std::size_t count = 4) {
  std::vector<spike_events> shown;
  for (std::size_t i = 0; i < std::min(count, test.size()); ++i) shown.push_back(test_encoding(test, i, steps, s));
  typename Net::tape tp;
  net.forward(std::span<const spike_events>(shown), tp);
  std::vector<io::figure> panels;
  for (std::size_t b = 0; b < shown.size(); ++b)
    panels.push_back(raster_panel(tp.s, index_t(shown.size()), index_t(b), net.params().dt,
                                  "digit " + std::to_string(test.labels[b])));
  return panels;
}

/// The panels of accuracy.png: the test accuracy, and the training loss per epoch (MNIST, from
/// 0) or round (context, from 1).
inline std::vector<io::figure> curve_panels(const training_curves& c, task_kind task, const std::string& name) {
  const bool mnist = task == task_kind::mnist;
  std::vector<double> x(c.train_loss.size());
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = double(k) + (mnist ? 0.0 : 1.0);
  const std::string unit = mnist ? "epoch" : "round";
  return {{name + (mnist ? ": test accuracy" : ": test accuracy (sign of the late output)"), unit, "accuracy",
           {{"test", c.test_x, c.test_accuracy, "linespoints pt 7"}}},
          {name + ": training loss", unit, mnist ? "loss (softmax, then cross entropy)" : "L2-norm loss",
           {{"train", x, c.train_loss}}}};
}

// ---- the context-dependent task (B.5) ----------------------------------------------------------

struct context_settings {
  int steps = 500;  ///< T
  int rounds = 400;
  int steps_per_round = 3;  ///< updates on each round's batch
  int batch = 100;
  int test_trials = 200;
  double lr = 1e-3, clip = 20;

  long updates() const { return long(rounds) * steps_per_round; }
  /// The round (1-based) after which the accuracy is tested: about 20 times in the run, and last.
  bool tests_after(long round) const { return round % std::max(1, rounds / 20) == 0 || round == rounds; }
  void validate() const {
    require(steps > 0, "steps", "a positive number of steps per trial");
    require(rounds > 0, "rounds", "a positive number of rounds");
    require(steps_per_round > 0, "steps_per_round", "a positive number of updates per batch");
    require(batch > 0, "batch", "a positive batch size");
    require(test_trials > 0, "test_trials", "a positive number of test trials");
    require(lr > 0, "lr", "a positive learning rate");
    require(clip > 0, "clip", "a positive gradient-norm clip");
  }
};

inline context_dependent context_task(const context_settings& s) {
  context_dependent_params cp;
  cp.T = s.steps;
  return context_dependent(cp);
}

/// The test trials: from a seed of their own, so never seen in training.
inline std::vector<sequence_sample> context_test_set(const context_dependent& task, int count, seed s) {
  return task.batch(seed{s.value ^ 0x5DEECE66DULL}, 0, count);
}

inline std::vector<const matrix<double>*> input_pointers(const std::vector<sequence_sample>& set) {
  std::vector<const matrix<double>*> in;
  for (const auto& x : set) in.push_back(&x.u);
  return in;
}

/// The fraction of `set` answered right (the sign of the late output, context_dependent::correct).
template <class Net>
double context_accuracy(const Net& net, const context_dependent& task, const std::vector<sequence_sample>& set) {
  typename Net::tape t;
  const auto in = input_pointers(set);
  net.forward(std::span<const matrix<double>* const>(in), t);
  int hits = 0;
  for (std::size_t b = 0; b < set.size(); ++b)
    hits += task.correct(set[b], time_major_trial(t.o, index_t(set.size()), index_t(b)));
  return double(hits) / double(set.size());
}

/// The engine hook of the context protocol: each round's last loss and, after the rounds
/// context_settings::tests_after picks, the test accuracy, kept across a resume.
template <class Net>
struct context_curves {
  const Net& net;
  const context_dependent& task;
  const std::vector<sequence_sample>& test_set;
  const context_settings& settings;
  test_callback report;
  training_curves curves{};

  void after_step(const step_report<Net, sample_batch>& r) {
    if ((r.step + 1) % settings.steps_per_round != 0) return;
    const long round = r.step / settings.steps_per_round + 1;
    curves.train_loss.push_back(r.loss);
    if (settings.tests_after(round)) {
      curves.test_x.push_back(double(round));
      curves.test_accuracy.push_back(context_accuracy(net, task, test_set));
      if (report) report({round, settings.rounds, r.loss, curves.test_accuracy.back()});
    }
  }
  void save_state(checkpoint_section& ck) const {
    ck.put_curves(
        {{"rounds", &curves.test_x}, {"test_accuracy", &curves.test_accuracy}, {"losses", &curves.train_loss}});
  }
  void load_state(const checkpoint_section& ck) {
    ck.get_curves(
        {{"rounds", &curves.test_x}, {"test_accuracy", &curves.test_accuracy}, {"losses", &curves.train_loss}});
  }
};

/// The output per condition over a set of trials, as the paper plots it.
struct condition_outputs {
  matrix<double> mean, sd;      ///< n_conditions × T: mean and (population) std over the trials of each
  std::vector<double> time_s;   ///< the time of each step, (t + 1)·dt
  double hidden_rate_hz = 0;    ///< the mean firing rate of the hidden neurons over the set
};

template <class Net>
condition_outputs outputs_per_condition(const Net& net, const context_dependent& task,
                                        const std::vector<sequence_sample>& set) {
  typename Net::tape tp;
  const auto in = input_pointers(set);
  net.forward(std::span<const matrix<double>* const>(in), tp);
  const index_t B = index_t(set.size());
  const int T = task.n_steps();
  const double dt = net.params().dt;
  condition_outputs c;
  c.hidden_rate_hz = double(tp.s.sum()) / (double(set.size()) * double(net.size()) * T * dt);
  c.mean.resize(context_dependent::n_conditions, T);
  c.sd.resize(context_dependent::n_conditions, T);
  for (int t = 0; t < T; ++t) c.time_s.push_back((t + 1) * dt);
  for (int k = 0; k < context_dependent::n_conditions; ++k)
    for (int t = 0; t < T; ++t) {
      double sum = 0, sq = 0;
      int count = 0;
      for (index_t b = 0; b < B; ++b)
        if (set[std::size_t(b)].label == k) {
          const double y = tp.o(0, t * B + b);
          sum += y;
          sq += y * y;
          ++count;
        }
      const double m = count ? sum / count : 0;
      c.mean(k, t) = m;
      c.sd(k, t) = count ? std::sqrt(std::max(0.0, sq / count - m * m)) : 0;
    }
  return c;
}

/// The mean output of each condition with dashed ± std lines, one colour per condition.
inline io::figure condition_figure(const condition_outputs& c, const std::string& title) {
  io::figure f{title, "time (s)", "output", {}};
  for (int k = 0; k < context_dependent::n_conditions; ++k) {
    std::vector<double> m, lo, hi;
    for (index_t t = 0; t < c.mean.cols(); ++t) {
      m.push_back(c.mean(k, t));
      lo.push_back(c.mean(k, t) - c.sd(k, t));
      hi.push_back(c.mean(k, t) + c.sd(k, t));
    }
    const std::string lc = " lc " + std::to_string(k + 1);
    f.lines.push_back({context_dependent::condition_name(k), c.time_s, m, "lines lw 2" + lc});
    f.lines.push_back({"± std", c.time_s, lo, "lines dt 2" + lc});
    f.lines.push_back({"", c.time_s, hi, "lines dt 2" + lc});
  }
  return f;
}

struct context_result {
  training_curves curves;
  double accuracy = 0, loss = 0;  ///< the last test's accuracy, the last round's loss
  condition_outputs outputs;      ///< on the test trials after training
};

/// Trains `net` by the B.5 protocol. `run` holds the checkpoint settings (its steps are set
/// here: rounds × steps_per_round); `hooks` join the protocol's.
template <class Net, class... Hooks>
context_result train_context(Net& net, const context_settings& settings, seed s, fit_options run,
                             const test_callback& report = {}, Hooks&&... hooks) {
  settings.validate();
  const context_dependent task = context_task(settings);
  const std::vector<sequence_sample> test_set = context_test_set(task, settings.test_trials, s);
  adam opt({.lr = settings.lr, .form = adam_form::pytorch});
  const int batch = settings.batch;
  repeated_batches data([&task, s, batch](long round) { return task.batch(s, std::uint64_t(round), batch); },
                        settings.steps_per_round);
  context_curves<Net> rec{net, task, test_set, settings, report};
  run.steps = settings.updates();
  fit(net, data, spiking_objective{spiking_loss::l2_norm}, opt, run, clip_gradient_norm{settings.clip}, rec,
      std::forward<Hooks>(hooks)...);
  return {rec.curves, rec.curves.test_accuracy.back(), rec.curves.train_loss.back(),
          outputs_per_condition(net, task, test_set)};
}

}  // namespace spikernn::smnn_paper
