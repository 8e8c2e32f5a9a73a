// The settings of the spiking mode RNN (network/mode_snn.hpp; glifr_smnn_spec.md B.2-B.5): the
// neuron, rate filter, readout and input-product choices, snnTorch Leaky's settings, the B.3
// constants, and the per-step factors one pass derives from them. Kept apart from the network so
// files, programs and bindings can describe a network without compiling its kernels.
#pragma once

#include "spikernn/core/error.hpp"

#include <cmath>
#include <string_view>

namespace spikernn {

/// The neuron of a mode network.
enum class mode_neuron {
  lif,    ///< SMNN-Oct23's hand-written LIF (B.3): the default
  leaky,  ///< snnTorch Leaky (B.2), non-init_hidden path
};
/// How spikes become the rates r the recurrence and the readout see (B.3 step 3).
enum class mode_filter {
  single,        ///< r ← ld·r + dt/τ_d·s
  double_mnist,  ///< h ← lr·h + dt/(τ_d·τ_r)·s; r ← ld·r + dt·h   (Figure/mnist_model.py)
  double_mante,  ///< h ← lr·h + s; r ← ld·r + (1 − ld)·h          (Figure/mante_model.py)
};
/// Where the outputs come from.
enum class mode_readout {
  max_over_time,  ///< MNIST: rm = max over steps of r per neuron and trial, y = W_out·rm (last step only)
  per_step,       ///< mante: y(t) = W_out·r(t) at every step
};
/// snnTorch Leaky's reset_mechanism.
enum class leaky_reset { subtract, zero };
/// How the input current W_in·x of every step is computed.
enum class input_product {
  sparse,     ///< event-driven: sums of the W_in columns of the non-zero inputs (sparse spike trains)
  dense,      ///< GEMM: over all steps for matrices, step by step for spike events
  automatic,  ///< sparse when at most auto_event_density of the batch's inputs are non-zero, else dense
};
/// input_product::automatic's threshold: the fraction of non-zero inputs (over all channels,
/// steps and trials of a batch) up to which the event-driven product is used. Measured with
/// bench_smnn (N = 100, B = 256, T = 50, 784 inputs, one thread): the event-driven step and the
/// GEMM step cost about the same at a density of 0.5 (0.1: 20 ms against 50 ms per forward and
/// backward; 0.3: 38 against 55; 0.5: 60 against 63).
inline constexpr double auto_event_density = 0.5;

constexpr std::string_view to_string(mode_neuron v) { return v == mode_neuron::lif ? "lif" : "leaky"; }
constexpr std::string_view to_string(mode_filter v) {
  return v == mode_filter::single ? "single" : v == mode_filter::double_mnist ? "double_mnist" : "double_mante";
}
constexpr std::string_view to_string(mode_readout v) {
  return v == mode_readout::max_over_time ? "max_over_time" : "per_step";
}

/// snnTorch Leaky's settings (B.2); the defaults are SMNN-May23's MNIST neuron.
struct leaky_params {
  double beta = 0.9;       ///< membrane decay per step, in [0, 1] (snnTorch clamps; we refuse)
  double threshold = 0.1;  ///< spike when mem > threshold
  leaky_reset reset = leaky_reset::subtract;

  void validate() const {
    require(beta >= 0 && beta <= 1, "beta", "a decay factor in [0, 1]");
    require(std::isfinite(threshold), "threshold", "a finite threshold");
  }
};

struct mode_snn_params {
  int n = 100;             ///< spiking neurons N (hidden_shape)
  int n_inputs = 784;      ///< input channels
  int n_outputs = 10;      ///< readout outputs
  int p = 3;               ///< modes P (rank of W_r); ignored with full_rank
  bool full_rank = false;  ///< train an N × N W_rec instead of the modes
  mode_neuron neuron = mode_neuron::lif;
  mode_filter filter = mode_filter::double_mnist;  ///< the figures' MNIST models use 'double'
  mode_readout readout = mode_readout::max_over_time;
  /// The same numbers up to rounding; speed only: sparse while few inputs are non-zero per step
  /// (rate-coded MNIST: 13%), dense for analog or denser inputs; automatic (the default) decides
  /// per batch from the measured density (auto_event_density).
  input_product input = input_product::automatic;
  // B.3 constants (times in seconds)
  double dt = 2e-3;
  double v_thr = 1.0;        ///< lif threshold (leaky has its own)
  double tau_s = 10e-3;      ///< synaptic current
  double tau_m = 20e-3;      ///< membrane
  double tau_d = 30e-3;      ///< rate filter decay
  double tau_r = 2e-3;       ///< rate filter rise (double filters)
  int refractory_steps = 5;  ///< t_ref = refractory_steps·dt
  leaky_params leaky = {};
  /// Tests only: spikes are Surrogate::smooth(u − threshold) instead of the step, so the whole
  /// forward pass is differentiable and backward() is its exact gradient.
  bool smooth_spikes = false;

  /// MNIST as in Figure/mnist_model.py with fig2's filter (these are the defaults).
  static mode_snn_params mnist() { return {}; }
  /// The context-dependent task as in Figure/mante_model.py: 4 inputs, 1 output per step.
  static mode_snn_params mante() {
    mode_snn_params q;
    q.n_inputs = 4;
    q.n_outputs = 1;
    q.filter = mode_filter::double_mante;
    q.readout = mode_readout::per_step;
    q.input = input_product::dense;
    return q;
  }

  void validate() const {
    require(n > 0, "n", "at least one neuron");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(n_outputs > 0, "n_outputs", "at least one output");
    require(full_rank || p > 0, "p", "at least one mode (or full_rank)");
    require(dt > 0 && std::isfinite(dt), "dt", "a positive step in seconds");
    require(std::isfinite(v_thr), "v_thr", "a finite threshold");
    require(tau_s > 0, "tau_s", "a positive synaptic time constant");
    require(tau_m > 0, "tau_m", "a positive membrane time constant");
    require(tau_d > 0, "tau_d", "a positive decay time constant");
    require(tau_r > 0, "tau_r", "a positive rise time constant");
    require(refractory_steps >= 0, "refractory_steps", "a non-negative number of steps");
    leaky.validate();
  }
};

/// The per-step factors of one pass (exponential-Euler decays e^{−dt/τ} and the filter gains).
template <class S>
struct mode_snn_constants {
  S ls, lm, ld, lr;  ///< decays of I, u, r and h
  S cs;              ///< single filter: gain of s into r
  S ch, cr;          ///< double filters: gain of s into h, of h into r
  S v_thr;           ///< spike threshold of the neuron in use
  S beta;            ///< leaky decay
  S ref;             ///< refractory period in steps
  S t_last0;         ///< t_last at the start (−1 s) in steps

  static mode_snn_constants from(const mode_snn_params& p) {
    mode_snn_constants c{};
    c.ls = S(std::exp(-p.dt / p.tau_s));
    c.lm = S(std::exp(-p.dt / p.tau_m));
    const double ld = std::exp(-p.dt / p.tau_d);
    c.ld = S(ld);
    c.lr = S(std::exp(-p.dt / p.tau_r));
    c.cs = S(p.dt / p.tau_d);
    c.ch = p.filter == mode_filter::double_mante ? S(1) : S(p.dt / p.tau_d / p.tau_r);
    c.cr = p.filter == mode_filter::double_mante ? S(1 - ld) : S(p.dt);
    c.v_thr = p.neuron == mode_neuron::lif ? S(p.v_thr) : S(p.leaky.threshold);
    c.beta = S(p.leaky.beta);
    c.ref = S(p.refractory_steps);
    c.t_last0 = S(-1.0 / p.dt);
    return c;
  }
};

}  // namespace spikernn
