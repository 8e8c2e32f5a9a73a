// Losses of the sequence tasks trained in mini-batches (GLIFR, glifr_smnn_spec.md A.7), on the
// outputs of a batch laid out time-major (column t·B + b is step t of trial b, n_out rows):
//   mse: the mean over outputs, steps and trials of (o − z)² (PyTorch's F.mse_loss);
//   cross_entropy_last: softmax cross-entropy of the last step's n_out logits against the
//   trial's class, averaged over the batch (nn.CrossEntropyLoss on the final output).
// Each returns the loss and writes dL/do in the same layout, ready for a model's backward().
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/records.hpp"

#include <cmath>
#include <span>
#include <string>
#include <string_view>

namespace spikernn {

enum class sequence_loss { mse, cross_entropy_last };

inline std::string_view to_string(sequence_loss l) { return l == sequence_loss::mse ? "mse" : "cross_entropy_last"; }

/// Mean squared error over everything; `o` is n_out × (T·B) time-major, samples[b].z n_out × T.
template <class S>
double mse_loss(const matrix<S>& o, std::span<const sequence_sample* const> samples, matrix<S>& d_o) {
  const index_t B = static_cast<index_t>(samples.size());
  require(B > 0 && o.cols() % B == 0, "outputs", "n_out × (T·B) outputs for B trials");
  const index_t T = o.cols() / B, n = o.rows();
  d_o.resize(n, o.cols());
  const double scale = 1.0 / double(n * T * B);
  double sum = 0;
  for (index_t b = 0; b < B; ++b) {
    const matrix<double>& z = samples[static_cast<std::size_t>(b)]->z;
    require(z.rows() == n && z.cols() == T, "target",
            std::to_string(n) + " × " + std::to_string(T) + " (outputs × steps), got " + std::to_string(z.rows()) +
                " × " + std::to_string(z.cols()));
    for (index_t t = 0; t < T; ++t)
      for (index_t k = 0; k < n; ++k) {
        const double e = static_cast<double>(o(k, t * B + b)) - z(k, t);
        sum += e * e;
        d_o(k, t * B + b) = static_cast<S>(2 * e * scale);
      }
  }
  return sum * scale;
}

/// Softmax cross-entropy of the last step's logits, mean over the batch; the gradient is zero at
/// every other step. Also counts the trials whose largest logit is their class.
template <class S>
double cross_entropy_last_loss(const matrix<S>& o, std::span<const sequence_sample* const> samples, matrix<S>& d_o,
                               int* correct = nullptr) {
  const index_t B = static_cast<index_t>(samples.size());
  require(B > 0 && o.cols() % B == 0, "outputs", "n_out × (T·B) outputs for B trials");
  const index_t T = o.cols() / B, n = o.rows();
  d_o = matrix<S>::Zero(n, o.cols());
  double sum = 0;
  int hits = 0;
  for (index_t b = 0; b < B; ++b) {
    const int label = samples[static_cast<std::size_t>(b)]->label;
    require(label >= 0 && label < n, "label", "a class in [0, " + std::to_string(n) + "), got " + std::to_string(label));
    const index_t col = (T - 1) * B + b;
    const vector<double> logits = o.col(col).template cast<double>();
    const double top = logits.maxCoeff();
    const vector<double> p = (logits.array() - top).exp().matrix();
    const double z = p.sum();
    sum += std::log(z) + top - logits[label];  // −log softmax(label), computed stably
    index_t arg = 0;
    logits.maxCoeff(&arg);
    hits += arg == label;
    for (index_t k = 0; k < n; ++k) d_o(k, col) = static_cast<S>((p[k] / z - (k == label ? 1.0 : 0.0)) / double(B));
  }
  if (correct) *correct = hits;
  return sum / double(B);
}

/// The chosen loss.
template <class S>
double batch_loss(sequence_loss kind, const matrix<S>& o, std::span<const sequence_sample* const> samples,
                  matrix<S>& d_o, int* correct = nullptr) {
  if (kind == sequence_loss::mse) return mse_loss(o, samples, d_o);
  return cross_entropy_last_loss(o, samples, d_o, correct);
}

}  // namespace spikernn
