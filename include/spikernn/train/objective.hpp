// Objectives: the losses the engine minimises, as policies of one concept. An objective takes a
// model's outputs on a batch (tape.o, n_out × (T_out·B) time-major), returns the batch's loss and
// writes dL/do in the same layout; it also reports each sample's loss or the number classified
// right where it has them. The formulas live in train/loss.hpp (Kim 2019), sequence_loss.hpp
// (GLIFR) and spiking_loss.hpp (mode SNN); here they meet the batches of core/batch.hpp:
//   kim2019_objective  — trial_batch: the original's per-trial l2/l1 loss, mean over the batch;
//   sequence_objective — sample_batch: mse or last-step cross entropy (GLIFR, RNN, LSTM);
//   spiking_objective  — sample_batch or event_batch: softmax-then-cross-entropy or l2 norm.
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/train/loss.hpp"
#include "spikernn/train/sequence_loss.hpp"
#include "spikernn/train/spiking_loss.hpp"

#include <concepts>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

/// What an objective says of a batch besides its loss.
struct loss_detail {
  std::vector<double> per_sample;  ///< each trial's own loss (objectives that have one), else empty
  long correct = -1;               ///< trials classified right (classifying objectives), else −1
};

/// An objective for batches of kind B and outputs of scalar S.
template <class L, class B, class S>
concept objective_for = requires(const L& l, const matrix<S>& o, const B& b, matrix<S>& d_o, loss_detail& d) {
  { l(o, b, d_o, d) } -> std::convertible_to<double>;
};

/// The loss of Kim et al. 2019 (train/loss.hpp) on each trial of a batch; the batch's loss is
/// the mean, so dL/do is each trial's gradient over B.
struct kim2019_objective {
  loss_fn kind = loss_fn::l2;

  template <class S>
  double operator()(const matrix<S>& o, const trial_batch& batch, matrix<S>& d_o, loss_detail& d) const {
    const index_t B = index_t(batch.size());
    require(B > 0 && o.rows() == 1 && o.cols() % B == 0, "outputs", "1 × ((T−1)·B) outputs, time-major");
    const index_t steps = o.cols() / B;
    d_o.resize(1, o.cols());
    d.per_sample.resize(std::size_t(B));
    d.correct = -1;
    double sum = 0;
    for (index_t b = 0; b < B; ++b) {
      const Eigen::Map<const row_vector<S>, 0, Eigen::InnerStride<>> ob(o.data() + b, steps, Eigen::InnerStride<>(B));
      Eigen::Map<row_vector<S>, 0, Eigen::InnerStride<>> db(d_o.data() + b, steps, Eigen::InnerStride<>(B));
      const double l = trial_loss(kind, ob, batch.trials[std::size_t(b)].z, db);
      d.per_sample[std::size_t(b)] = l;
      sum += l;
    }
    d_o /= static_cast<S>(B);  // a batch minimises the mean trial loss
    return sum / double(B);
  }
};

/// The GLIFR paper's losses (train/sequence_loss.hpp) on a batch of dataset samples.
struct sequence_objective {
  sequence_loss kind = sequence_loss::mse;

  template <class S>
  double operator()(const matrix<S>& o, const sample_batch& batch, matrix<S>& d_o, loss_detail& d) const {
    int correct = 0;
    const double l = batch_loss(kind, o, std::span<const sequence_sample* const>(batch.samples), d_o, &correct);
    d.per_sample.clear();
    d.correct = kind == sequence_loss::cross_entropy_last ? correct : -1;
    return l;
  }
};

/// The spiking mode RNN's losses (train/spiking_loss.hpp), on samples or on event inputs.
struct spiking_objective {
  spiking_loss kind = spiking_loss::softmax_then_cross_entropy;

  template <class S>
  double operator()(const matrix<S>& o, const sample_batch& batch, matrix<S>& d_o, loss_detail& d) const {
    int correct = 0;
    const double l = spiking_batch_loss(kind, o, std::span<const sequence_sample* const>(batch.samples), d_o, &correct);
    d.per_sample.clear();
    d.correct = kind == spiking_loss::softmax_then_cross_entropy ? correct : -1;
    return l;
  }
  template <class S>
  double operator()(const matrix<S>& o, const event_batch& batch, matrix<S>& d_o, loss_detail& d) const {
    require(kind == spiking_loss::softmax_then_cross_entropy, "loss",
            "softmax_then_cross_entropy for event inputs with labels (l2_norm needs target sequences)");
    int correct = 0;
    const double l = softmax_then_cross_entropy_loss(o, std::span<const int>(batch.labels), d_o, &correct);
    d.per_sample.clear();
    d.correct = correct;
    return l;
  }
};

}  // namespace spikernn
