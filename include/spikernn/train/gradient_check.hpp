// Central finite-difference check of a model's hand-written adjoint, for any model the engine
// trains, on any batch and objective: the noise streams are replayed identically for every
// perturbed evaluation, so the loss is a deterministic function of the parameters. Entries
// sitting on a kink (e.g. a Dale weight at exactly 0, where relu has no derivative) are detected
// by disagreeing one-sided slopes and reported separately instead of being compared.
#pragma once

#include "spikernn/core/rng.hpp"
#include "spikernn/train/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

struct gradient_check_options {
  int entries_per_block = 24;  ///< entries compared per block (all if the block is smaller)
  double step = 1e-5;          ///< finite-difference step h
  loss_fn loss = loss_fn::l2;
  spikernn::seed seed{7};      ///< picks the entries and seeds the noise streams
};

struct gradient_check_result {
  std::string block;
  int compared = 0;            ///< entries compared
  int at_kinks = 0;            ///< entries skipped because the loss has no derivative there
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;  ///< |analytic − numeric| / max(|analytic| + |numeric|, 1e-8)
};

/// Compares the adjoint gradient of `loss` on `batch` with central differences, block by
/// block (trainable blocks only), for any model the engine trains. The batch is copied for
/// every evaluation, so its noise streams replay identically and the loss is a deterministic
/// function of the parameters.
template <trainable_model M, class Batch, class Loss>
  requires trainable_on<M, Batch> && objective_for<Loss, Batch, typename M::scalar>
std::vector<gradient_check_result> check_gradients(M& model, const Batch& batch, const Loss& loss,
                                                   gradient_check_options opt = {}) {
  using S = typename M::scalar;
  typename M::tape tp;
  matrix<S> d_o;
  loss_detail info;
  const auto loss_of = [&](matrix<S>& grad_out) {
    Batch b = batch;
    model.forward(b, tp);
    return loss(tp.o, b, grad_out, info);
  };
  loss_of(d_o);
  vector<S> grad = vector<S>::Zero(model.parameters().size());
  model.backward(tp, d_o, grad);

  std::vector<gradient_check_result> out;
  rng pick(opt.seed, purpose::user);
  auto& theta = model.parameters();
  const double h = opt.step;
  matrix<S> scratch;
  const auto loss_at = [&](index_t k, double delta) {
    const S saved = theta[k];
    theta[k] = static_cast<S>(double(saved) + delta);
    const double l = loss_of(scratch);
    theta[k] = saved;
    return l;
  };
  for (const auto& blk : model.layout()) {
    if (!blk.trainable) continue;
    gradient_check_result r{blk.name};
    std::vector<index_t> idx;
    if (blk.size <= opt.entries_per_block) {
      for (index_t i = 0; i < blk.size; ++i) idx.push_back(blk.offset + i);
    } else {
      while (static_cast<int>(idx.size()) < opt.entries_per_block)
        idx.push_back(blk.offset + static_cast<index_t>(pick.uniform() * double(blk.size)));
    }
    for (index_t k : idx) {
      const double l0 = loss_at(k, 0.0), lp = loss_at(k, h), lm = loss_at(k, -h);
      const double fwd = (lp - l0) / h, bwd = (l0 - lm) / h;
      if (std::abs(fwd - bwd) > 1e-2 * (std::abs(fwd) + std::abs(bwd)) + 1e-6) {
        ++r.at_kinks;
        continue;
      }
      const double numeric = (lp - lm) / (2 * h), analytic = double(grad[k]);
      const double abs_err = std::abs(analytic - numeric);
      r.max_abs_error = std::max(r.max_abs_error, abs_err);
      r.max_rel_error = std::max(r.max_rel_error, abs_err / std::max(std::abs(analytic) + std::abs(numeric), 1e-8));
      ++r.compared;
    }
    out.push_back(r);
  }
  return out;
}

/// The same for task trials under the Kim 2019 loss (opt.loss), each trial with the noise
/// stream (opt.seed, trial_noise, its index).
template <rate_trainable M>
std::vector<gradient_check_result> check_gradients(M& model, const std::vector<trial>& trials,
                                                   gradient_check_options opt = {}) {
  trial_batch batch;
  for (std::size_t b = 0; b < trials.size(); ++b) batch.add(trials[b], rng(opt.seed, purpose::trial_noise, b));
  return check_gradients(model, batch, kim2019_objective{opt.loss}, opt);
}

}  // namespace spikernn
