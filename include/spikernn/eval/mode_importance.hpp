// Which modes of a trained spiking mode RNN matter (Lin & Huang B.1, Figure/mnist_utils.py
// rank()): an analysis of the trained ξ_in, λ, ξ_out, for pruning the low-rank recurrence.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/network/mode_snn.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace spikernn {

/// B.1's mode importance (Figure/mnist_utils.py rank()): τ_μ = γ‖ξ_in,μ‖ + γ‖ξ_out,μ‖ + |λ_μ|
/// with γ = Σ_μ|λ_μ| / Σ_μ(‖ξ_in,μ‖ + ‖ξ_out,μ‖) (Euclidean column norms).
struct mode_ranking {
  vector<double> score;        ///< τ_μ per mode, in mode order
  std::vector<index_t> order;  ///< modes from the most to the least important (ties keep mode order)
  double gamma = 0;
};

template <class D1, class D2, class D3>
mode_ranking mode_importance(const Eigen::MatrixBase<D1>& xi_in, const Eigen::MatrixBase<D2>& lambda,
                             const Eigen::MatrixBase<D3>& xi_out) {
  const index_t P = xi_in.cols();
  require(P > 0, "xi_in", "at least one mode");
  require(xi_out.cols() == P && xi_out.rows() == xi_in.rows(), "xi_out", "the shape of xi_in (N × P)");
  require(lambda.size() == P, "lambda", "one score per mode (" + std::to_string(P) + ")");
  const vector<double> n_in = xi_in.template cast<double>().colwise().norm().transpose();
  const vector<double> n_out = xi_out.template cast<double>().colwise().norm().transpose();
  const vector<double> abs_l = lambda.template cast<double>().cwiseAbs().reshaped();
  const double norms = (n_in + n_out).sum();
  require(std::isfinite(norms) && std::isfinite(abs_l.sum()), "xi_in",
          "finite modes, found NaN or Inf (the training diverged: try a lower learning rate)");
  require(norms > 0, "xi_in", "modes that are not all zero");
  mode_ranking m;
  m.gamma = abs_l.sum() / norms;
  m.score = m.gamma * (n_in + n_out) + abs_l;
  m.order.resize(static_cast<std::size_t>(P));
  std::iota(m.order.begin(), m.order.end(), index_t{0});
  std::stable_sort(m.order.begin(), m.order.end(), [&](index_t a, index_t b) { return m.score[a] > m.score[b]; });
  return m;
}

/// The importance of a network's modes (not defined with full_rank).
template <class S, class Sur>
mode_ranking mode_importance(const mode_snn<S, Sur>& net) {
  require(!net.full_rank(), "full_rank", "a network with modes (full_rank = false)");
  return mode_importance(net.xi_in(), net.lambda(), net.xi_out());
}

}  // namespace spikernn
