// One-to-one conversion of a rate RNN into a LIF network (spec §4.1, §4.6): recurrent weights
// W = (relu(w)·m) ⊙ som_m / factor — relu applied for Dale networks, so a PyTorch-port file
// whose raw w has negative entries converts with the right signs (its bug 2) — readout
// w_out / factor (b_out is not used, as in the original), input weights unscaled, and each
// unit's synaptic decay the rate model's τ of that unit (steps × 5 ms). The network keeps which
// units are inhibitory.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/network/lif_network.hpp"
#include "spikernn/network/rate_model.hpp"

#include <cmath>
#include <string>

namespace spikernn {

struct conversion_options {
  bool use_initial_weights = false;  ///< build from w0 / taus_gaus0 (the untrained network)
  double step_seconds = 0.005;       ///< duration of one rate-model step (5 ms)
};

/// The spiking network of a rate model at scaling factor `factor` (the paper's 1/λ), with
/// leaky integrate-and-fire neurons unless another neuron policy is named.
template <real_scalar S = double, integrate_and_fire Neuron = leaky_if, class M>
lif_network<S, Neuron> to_lif(const rate_model<M>& m, double factor, lif_params p = Neuron::defaults(),
                              conversion_options opt = {}) {
  require(factor > 0 && std::isfinite(factor), "factor", "a positive scaling factor, got " + std::to_string(factor));
  const index_t n = m.params.n;
  const matrix<M>& w = opt.use_initial_weights ? m.w0 : m.w;
  require(w.rows() == n && w.cols() == n, "w", "an N×N matrix in " + m.origin());
  matrix<double> magnitudes = w.template cast<double>();
  if (m.apply_dale) magnitudes = magnitudes.cwiseMax(0.0);
  const vector<double> sign = m.types.sign.template cast<double>();
  matrix<double> w_lif = (magnitudes.array().rowwise() * sign.transpose().array() *
                          m.types.som_mask.template cast<double>().array())
                             .matrix() /
                         factor;
  const array<double> tau_d = m.tau_steps(opt.use_initial_weights).array() * opt.step_seconds;
  lif_network<S, Neuron> net(w_lif.template cast<S>(), m.w_in.template cast<S>(),
                             (m.w_out.template cast<double>() / factor).template cast<S>(), tau_d.template cast<S>(), p);
  net.set_inhibitory(m.types.inh);
  return net;
}

}  // namespace spikernn
