// The losses of the spiking mode-based networks (glifr_smnn_spec.md B.4, B.5), on a batch's
// outputs laid out time-major as every sequence model's (n_out rows, column t·B + b is step t of
// trial b), each returning the loss and writing dL/do in the same layout for the model's
// backward():
//   softmax_then_cross_entropy: MNIST. The original model returns softmax(W_out·rm) and trains
//     it with nn.CrossEntropyLoss, which applies log-softmax again, so the loss is
//     mean_b [ logsumexp(p_b) − p_b[label_b] ] with p_b = softmax(o_b): softmax twice, on the
//     last step's n_out outputs (where mode_snn's max-over-time readout puts its logits).
//     The prediction is argmax p_b = argmax o_b.
//   l2_norm: mante. sqrt(Σ over outputs, steps and trials of (o − z)²), the L2 norm of the
//     error (not its square, not a mean).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/records.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spikernn {

enum class spiking_loss { softmax_then_cross_entropy, l2_norm };

inline std::string_view to_string(spiking_loss l) {
  return l == spiking_loss::softmax_then_cross_entropy ? "softmax_then_cross_entropy" : "l2_norm";
}

/// Softmax applied to the last step's outputs, then nn.CrossEntropyLoss (log-softmax and the
/// negative log-likelihood of the label, mean over the batch) on the result. `o` is
/// n_out × (T·B) with B = labels.size(); d_o gets the same shape, zero except the last step.
/// `correct` (when given) counts the trials whose largest output is their label.
template <class S>
double softmax_then_cross_entropy_loss(const matrix<S>& o, std::span<const int> labels, matrix<S>& d_o,
                                       int* correct = nullptr) {
  const index_t B = static_cast<index_t>(labels.size());
  require(B > 0 && o.cols() >= B && o.cols() % B == 0, "outputs",
          "n_out × (T·B) outputs for B = " + std::to_string(B) + " trials, got " + std::to_string(o.rows()) + " × " +
              std::to_string(o.cols()));
  const index_t n = o.rows(), last = o.cols() - B;
  require(n > 0, "outputs", "at least one output row");
  d_o = matrix<S>::Zero(n, o.cols());
  double sum = 0;
  int hits = 0;
  for (index_t b = 0; b < B; ++b) {
    const int label = labels[static_cast<std::size_t>(b)];
    require(label >= 0 && label < n, "label",
            "a class in [0, " + std::to_string(n) + "), got " + std::to_string(label));
    const vector<double> logits = o.col(last + b).template cast<double>();
    // the model's output p = softmax(o), computed stably
    const vector<double> e = (logits.array() - logits.maxCoeff()).exp().matrix();
    const vector<double> p = e / e.sum();
    // nn.CrossEntropyLoss on p: log-softmax again (p ∈ [0, 1], no overflow)
    const vector<double> ep = p.array().exp().matrix();
    const double z = ep.sum();
    sum += std::log(z) - p[label];
    index_t arg = 0;
    logits.maxCoeff(&arg);
    hits += arg == label;
    // dL/dp = (softmax(p) − onehot)/B, then through the first softmax: dL/do = p ⊙ (g − p·g)
    vector<double> g = ep / z;
    g[label] -= 1.0;
    g /= double(B);
    const double pg = p.dot(g);
    d_o.col(last + b) = (p.array() * (g.array() - pg)).matrix().template cast<S>();
  }
  if (correct) *correct = hits;
  return sum / double(B);
}

/// sqrt(Σ (o − z)²) over every output, step and trial; `z` has o's shape and layout. dL/do =
/// (o − z)/L, and 0 where the loss is exactly 0 (the norm has no derivative there).
template <class S, class D>
double l2_norm_loss(const matrix<S>& o, const Eigen::MatrixBase<D>& z, matrix<S>& d_o) {
  require(z.rows() == o.rows() && z.cols() == o.cols(), "target",
          "the outputs' shape " + std::to_string(o.rows()) + " × " + std::to_string(o.cols()) + ", got " +
              std::to_string(z.rows()) + " × " + std::to_string(z.cols()));
  const matrix<double> e = o.template cast<double>() - z.derived().template cast<double>();
  const double loss = e.norm();
  if (loss > 0)
    d_o = (e / loss).template cast<S>();
  else
    d_o = matrix<S>::Zero(o.rows(), o.cols());
  return loss;
}

/// The targets of a batch of samples (n_out × T each) laid out time-major as the outputs.
inline matrix<double> time_major_targets(std::span<const sequence_sample* const> samples) {
  const index_t B = static_cast<index_t>(samples.size());
  require(B > 0, "samples", "at least one sample");
  const index_t n = samples[0]->z.rows(), T = samples[0]->z.cols();
  matrix<double> z(n, T * B);
  for (index_t b = 0; b < B; ++b) {
    const matrix<double>& zb = samples[static_cast<std::size_t>(b)]->z;
    require(zb.rows() == n && zb.cols() == T, "target", "every sample's target with the same shape");
    for (index_t t = 0; t < T; ++t) z.col(t * B + b) = zb.col(t);
  }
  return z;
}

/// The chosen loss for a batch of samples: their labels (softmax_then_cross_entropy) or their
/// targets (l2_norm, each n_out × T).
template <class S>
double spiking_batch_loss(spiking_loss kind, const matrix<S>& o, std::span<const sequence_sample* const> samples,
                          matrix<S>& d_o, int* correct = nullptr) {
  if (kind == spiking_loss::softmax_then_cross_entropy) {
    std::vector<int> labels(samples.size());
    for (std::size_t b = 0; b < samples.size(); ++b) labels[b] = samples[b]->label;
    return softmax_then_cross_entropy_loss(o, std::span<const int>(labels), d_o, correct);
  }
  const matrix<double> z = time_major_targets(samples);
  require(z.rows() == o.rows() && z.cols() == o.cols(), "target",
          std::to_string(o.rows()) + " × " + std::to_string(o.cols() / std::max<index_t>(1, index_t(samples.size()))) +
              " (outputs × steps) per sample");
  return l2_norm_loss(o, z, d_o);
}

}  // namespace spikernn
