// Mini-batch training over a fixed dataset, in epochs — how the GLIFR paper trains its pattern
// and sequential-MNIST networks (glifr_smnn_spec.md A.7) — on the engine (train/engine.hpp) that
// trains the rate RNN too: dataset_batches, sequence_objective, Adam, and observers shown each
// epoch. The order of the samples in epoch e comes from the stream (seed, batch_order, e), so a
// run repeats exactly, and a checkpointed one resumes to the same bits.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/engine.hpp"
#include "spikernn/core/param_store.hpp"
#include "spikernn/train/sequence_loss.hpp"

#include <algorithm>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

namespace spikernn {

/// What mini-batch training needs from a model: the engine's contract on batches of dataset
/// samples (train/model.hpp), outputs n_out × (T·B) time-major.
template <class M>
concept sequence_model = trainable_on<M, sample_batch>;

struct epoch_options {
  int epochs = 1;
  int batch = 1;            ///< samples per step; the last batch of an epoch may be smaller
  bool shuffle = true;      ///< a fresh order every epoch (PyTorch's DataLoader shuffle=True)
  sequence_loss loss = sequence_loss::mse;
  spikernn::seed seed{1};
  std::filesystem::path checkpoint{};  ///< checkpoint file (empty: none), see fit_options
  long checkpoint_every = 0;         ///< steps between checkpoints (0: only when interrupted)
  std::filesystem::path resume{};      ///< continue the run saved in this checkpoint

  void validate() const {
    require(epochs > 0, "epochs", "a positive number of epochs");
    require(batch > 0, "batch", "a positive batch size");
  }
};

/// What observers are shown after each epoch (on_epoch).
struct epoch_progress {
  int epoch = 0, epochs = 0;   ///< epoch just finished (1-based)
  double train_loss = 0;       ///< mean over the epoch's samples
  double train_accuracy = -1;  ///< cross_entropy_last only, else −1
  double seconds = 0;
};

struct epoch_result {
  std::vector<double> losses;  ///< per epoch, mean over samples
  double seconds = 0;
};

/// Observers of an epoch-wise run with what they need kept across a resume (save_state /
/// load_state, as engine hooks) — the hook that fit() gives the engine.
template <class... Observers>
struct epoch_monitor {
  int epochs;
  epoch_result& res;
  std::tuple<Observers&...> observers;

  bool on_epoch(const epoch_report& r) {
    res.losses.push_back(r.weighted_loss_sum / double(r.samples));
    [[maybe_unused]] const epoch_progress p{int(r.epoch + 1), epochs, res.losses.back(),
                                            r.correct >= 0 ? double(r.correct) / double(r.samples) : -1.0, r.seconds};
    std::apply([&](auto&... o) { (notify_epoch_observer(o, p), ...); }, observers);
    return false;
  }
  template <class Sec>
  void save_state(Sec& ck) const {
    ck.put("epoch_losses", res.losses);
    std::size_t i = 0;
    std::apply([&](const auto&... o) { (save_observer(o, ck, i++), ...); }, observers);
  }
  template <class Sec>
  void load_state(const Sec& ck) {
    res.losses = ck.get_doubles("epoch_losses");
    std::size_t i = 0;
    std::apply([&](auto&... o) { (load_observer(o, ck, i++), ...); }, observers);
  }

 private:
  template <class O>
  static void notify_epoch_observer(O& o, const epoch_progress& p) {
    if constexpr (requires { o.on_epoch(p); }) o.on_epoch(p);
  }
  template <class O, class Sec>
  static void save_observer(const O& o, Sec& ck, std::size_t i) {
    if constexpr (requires { o.save_state(ck); }) {
      auto sub = ck.section("observer" + std::to_string(i) + "/");
      o.save_state(sub);
    }
  }
  template <class O, class Sec>
  static void load_observer(O& o, const Sec& ck, std::size_t i) {
    if constexpr (requires { o.load_state(ck); }) {
      const auto sub = ck.section("observer" + std::to_string(i) + "/");
      o.load_state(sub);
    }
  }
};

/// Loss (mean over samples) and, for classification, accuracy of a dataset.
struct sequence_score {
  double loss = 0;
  double accuracy = -1;
  long samples = 0;
};

namespace detail {
/// Runs one batch forward and returns its loss (sum over samples, for averaging) with dL/do.
template <sequence_model M>
double run_batch(const M& model, const sample_batch& batch, sequence_loss kind, typename M::tape& tp,
                 matrix<typename M::scalar>& d_o, int& correct) {
  model.forward(batch, tp);
  loss_detail d;
  const double l = sequence_objective{kind}(tp.o, batch, d_o, d);
  correct = int(std::max(0L, d.correct));
  return l * double(batch.size());
}
}  // namespace detail

/// Scores a dataset without training, in batches of `batch`.
template <sequence_model M>
sequence_score evaluate_sequences(const M& model, std::span<const sequence_sample> data, sequence_loss kind,
                                  int batch = 256) {
  require(!data.empty(), "dataset", "at least one sample");
  require(batch > 0, "batch", "a positive batch size");
  typename M::tape tp;
  matrix<typename M::scalar> d_o;
  sequence_score s;
  long hits = 0;
  sample_batch b;
  for (std::size_t first = 0; first < data.size(); first += std::size_t(batch)) {
    b.clear();
    for (std::size_t k = first; k < std::min(data.size(), first + std::size_t(batch)); ++k) b.add(data[k]);
    int correct = 0;
    s.loss += detail::run_batch(model, b, kind, tp, d_o, correct);
    hits += correct;
  }
  s.samples = long(data.size());
  s.loss /= double(s.samples);
  if (kind == sequence_loss::cross_entropy_last) s.accuracy = double(hits) / double(s.samples);
  return s;
}

/// Trains `model` for opt.epochs epochs over `data` with Adam.
template <sequence_model M, class... Observers>
epoch_result fit(M& model, std::span<const sequence_sample> data, adam& optimizer, epoch_options opt,
                 Observers&&... observers) {
  opt.validate();
  require(!data.empty(), "dataset", "at least one sample");
  dataset_batches source(data, opt.batch, opt.shuffle, opt.seed);
  epoch_result res;
  epoch_monitor<std::remove_reference_t<Observers>...> monitor{
      opt.epochs, res, std::tuple<std::remove_reference_t<Observers>&...>(observers...)};
  const fit_outcome out = fit(model, source, sequence_objective{opt.loss}, optimizer,
                              fit_options{.steps = long(opt.epochs) * source.steps_per_epoch(),
                                          .checkpoint = opt.checkpoint,
                                          .checkpoint_every = opt.checkpoint_every,
                                          .resume = opt.resume},
                              monitor);
  res.seconds = out.seconds;
  return res;
}

}  // namespace spikernn
