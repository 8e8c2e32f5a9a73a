// Mini-batch training over a fixed dataset, in epochs — how the GLIFR paper trains its pattern
// and sequential-MNIST networks (glifr_smnn_spec.md A.7) — on the same engine as the rate RNN:
// the model's forward pass fills a tape, a loss gives dL/doutputs, the model's hand-written
// adjoint gives dL/dθ and the same Adam updates the trainable blocks. The order of the samples
// in epoch e comes from the stream (seed, batch_order, e), so a run repeats exactly.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/parameters.hpp"
#include "spikernn/train/sequence_loss.hpp"

#include <algorithm>
#include <chrono>
#include <concepts>
#include <numeric>
#include <span>
#include <vector>

namespace spikernn {

/// What mini-batch training needs from a model: a deterministic forward over a batch of input
/// matrices with outputs tp.o (n_out × (T·B), time-major), and its adjoint.
template <class M>
concept sequence_model = requires(M& m, const M& cm, typename M::tape& tp, std::span<const matrix<double>* const> in,
                                  const matrix<typename M::scalar>& d_o, vector<typename M::scalar>& grad) {
  typename M::scalar;
  { m.parameters() } -> std::same_as<vector<typename M::scalar>&>;
  { cm.layout() } -> std::same_as<const param_layout&>;
  cm.forward(in, tp);
  cm.backward(tp, d_o, grad);
  { tp.o } -> std::convertible_to<matrix<typename M::scalar>>;
};

struct epoch_options {
  int epochs = 1;
  int batch = 1;            ///< samples per step; the last batch of an epoch may be smaller
  bool shuffle = true;      ///< a fresh order every epoch (PyTorch's DataLoader shuffle=True)
  sequence_loss loss = sequence_loss::mse;
  spikernn::seed seed{1};

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

/// Loss (mean over samples) and, for classification, accuracy of a dataset.
struct sequence_score {
  double loss = 0;
  double accuracy = -1;
  long samples = 0;
};

namespace detail {
template <class Obs>
void notify_epoch(Obs& o, const epoch_progress& p) {
  if constexpr (requires { o.on_epoch(p); }) o.on_epoch(p);
}

/// Runs one batch forward and returns its loss (sum over samples, for averaging) with dL/do.
template <sequence_model M>
double run_batch(const M& model, std::span<const sequence_sample* const> batch, sequence_loss kind,
                 typename M::tape& tp, matrix<typename M::scalar>& d_o, int& correct) {
  std::vector<const matrix<double>*> inputs(batch.size());
  for (std::size_t b = 0; b < batch.size(); ++b) inputs[b] = &batch[b]->u;
  model.forward(std::span<const matrix<double>* const>(inputs), tp);
  correct = 0;
  return batch_loss(kind, tp.o, batch, d_o, &correct) * double(batch.size());
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
  std::vector<const sequence_sample*> ptrs;
  for (std::size_t first = 0; first < data.size(); first += std::size_t(batch)) {
    ptrs.clear();
    for (std::size_t k = first; k < std::min(data.size(), first + std::size_t(batch)); ++k) ptrs.push_back(&data[k]);
    int correct = 0;
    s.loss += detail::run_batch(model, std::span<const sequence_sample* const>(ptrs), kind, tp, d_o, correct);
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
  using S = typename M::scalar;
  opt.validate();
  require(!data.empty(), "dataset", "at least one sample");
  const auto t0 = std::chrono::steady_clock::now();
  typename M::tape tp;
  matrix<S> d_o;
  vector<S> grad(model.parameters().size());
  std::vector<std::size_t> order(data.size());
  std::vector<const sequence_sample*> batch;
  epoch_result res;
  for (int e = 0; e < opt.epochs; ++e) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (opt.shuffle) {  // Fisher–Yates from this epoch's own stream
      rng g(opt.seed, purpose::batch_order, static_cast<std::uint64_t>(e));
      for (std::size_t i = order.size() - 1; i > 0; --i)
        std::swap(order[i], order[std::min(i, static_cast<std::size_t>(g.uniform() * double(i + 1)))]);
    }
    double total = 0;
    long hits = 0;
    for (std::size_t first = 0; first < order.size(); first += std::size_t(opt.batch)) {
      batch.clear();
      for (std::size_t k = first; k < std::min(order.size(), first + std::size_t(opt.batch)); ++k)
        batch.push_back(&data[order[k]]);
      int correct = 0;
      total += detail::run_batch(model, std::span<const sequence_sample* const>(batch), opt.loss, tp, d_o, correct);
      hits += correct;
      grad.setZero();
      model.backward(tp, d_o, grad);
      optimizer.step(model.parameters(), grad, model.layout());
    }
    res.losses.push_back(total / double(data.size()));
    [[maybe_unused]] const epoch_progress p{
        e + 1, opt.epochs, res.losses.back(),
        opt.loss == sequence_loss::cross_entropy_last ? double(hits) / double(data.size()) : -1.0,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
    (detail::notify_epoch(observers, p), ...);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace spikernn
