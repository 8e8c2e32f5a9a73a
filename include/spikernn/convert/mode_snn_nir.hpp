// A spiking mode RNN (network/mode_snn.hpp, the LIF neuron) as a NIR graph (io/nir_graph.hpp;
// io/nir_file.hpp writes it), so a network trained with surrogate gradients here runs in the
// neuromorphic tools that read NIR.
//
// The mode network is a discrete-time model: per step, I ← ls·I + W_in·x + W_r·r(t−1);
// u ← gate·(lm·u + (1 − lm)·I)·(1 − s(t−1)); the rate filter fed the previous spike; s = 1[u > thr].
// NIR's nodes are continuous-time equations. The graph below is chosen so that its continuous
// meaning is the model's (the same time constants and charge per spike), and so that stepped at
// the model's dt as network/nir_network.hpp steps (the order of its header comment) it gives the
// model's outputs step for step, up to rounding:
//
//   input ─ w_in (Linear) ─▶ lif (CubaLIF) ─▶ filter ─▶ rate (LI, τ_d) ─┬─ recurrence ─▶ lif
//                                                                        └─ readout ─▶ output
//   lif        CubaLIF: τ_syn = τ_s, w_in = τ_s/dt (a step's input adds its full value to I, as in
//              the model), τ_mem = dt/(1 − e^{−dt/τ_m}) (forward Euler at dt decays by exactly
//              e^{−dt/τ_m}: 21.0 ms for τ_m = 20 ms at dt = 2 ms), r = 1, v_leak = 0,
//              v_threshold = the model's, v_reset = 0.
//   filter     single: lif ─▶ rate, LI(τ_d, r = dt) (a spike adds dt/τ_d).
//              double: lif ─▶ rate_rise, LI(τ_r) with the model's gain of s into h; the model's r
//              takes the h of the same step, which a chain of NIR stages sees one step late, so
//              rate takes both: rate_rise ─ rise_to_rate (Scale, e^{−dt/τ_r}) ─▶ rate, and
//              lif ─ spike_to_rate (Scale) ─▶ rate for the spike's share of the new h. The charge
//              a spike brings to r is the model's; the rise is split between the two paths.
//   recurrence modes (default): rate ─ xi_out (Linear, ξ_outᵀ, P × N) ─ lambda (Scale, λ) ─ xi_in
//              (Linear, ξ_in, N × P) ─▶ lif, the trained rank-P factors as they are;
//              folded (fold_modes) or full rank: rate ─ w_rec (Linear, N × N) ─▶ lif.
//   readout    per_step: rate ─ w_out (Linear) ─▶ output. max_over_time (MNIST: y = W_out·max_t r)
//              has no NIR node: the output is r itself (N wide), and the graph's metadata holds
//              readout = "max_over_time" and readout_weight = W_out (n_out × N): take the maximum
//              of each output over the steps, then multiply.
//
// Step alignment: feed the model's input of step k at the graph's step k, read the graph's
// output of step k as the model's. Inside, the graph's membrane runs one step behind the model's
// (the model's membrane sees the current of its own step, a CubaLIF's the current before it), so
// its spikes come one step later; the filter and recurrence above absorb that exactly.
//
// Metadata on lif (what NIR cannot say): refractory_steps (the model's count), t_ref =
// (max(refractory_steps, 1) + ½)·dt — a unit that spiked is held at 0 for that many steps (the
// model's reset by the previous spike holds it for one step even without a refractory period;
// any t_ref in [steps·dt, (steps + 1)·dt) means the same at dt, the midpoint keeps rounding
// from deciding) — and t_last_init = −1 s (no unit is refractory at the start). On the graph:
// source, model ("mode_snn"), dt, neuron, filter, readout, surrogate (training only), n, p
// (0: full rank), and whatever the caller adds (task, accuracy, …).
//
// Refused, with the reason: snnTorch's Leaky neuron (its reset subtracts the threshold, scaled
// by β: NIR's LIF resets to a value), the tests' smooth spikes, and a negative threshold (the
// graph's first step, at rest, would have to stay silent).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/nir_graph.hpp"
#include "spikernn/network/mode_snn.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace spikernn {

struct mode_nir_options {
  nir::dtype precision = nir::dtype::float32;  ///< NIR's usual; float64 keeps a network exactly
  bool fold_modes = false;                     ///< one N × N Linear instead of the three factors
  nir::metadata_map metadata{};                ///< added to the graph's metadata (task, accuracy, …)
};

/// The NIR graph of a spiking mode RNN with the LIF neuron (see the header comment).
template <real_scalar S, surrogate_function Surrogate>
nir::graph to_nir(const mode_snn<S, Surrogate>& net, const mode_nir_options& opt = {}) {
  const mode_snn_params& p = net.params();
  require(p.neuron == mode_neuron::lif, "neuron",
          "the mode network's LIF neuron: snnTorch's Leaky resets by subtracting β·threshold, which NIR's LIF "
          "(reset to v_reset) cannot say");
  require(!p.smooth_spikes, "smooth_spikes", "spiking units (the smooth forward pass is for tests)");
  require(p.v_thr >= 0, "v_thr", "a threshold ≥ 0 to export (the graph's first step at rest must not spike), got " +
                                     std::to_string(p.v_thr));
  const nir::dtype t = opt.precision;
  const index_t n = net.size();
  const double dt = p.dt;
  const auto linear = [&](const auto& w) {
    return nir::node{"Linear", {{"weight", nir::tensor::mat(w.template cast<double>(), t)}}, {}, {}};
  };
  const auto scale = [&](const auto& v) {
    return nir::node{"Scale", {{"scale", nir::tensor::vec(v, t)}}, {}, {}};
  };
  const auto li = [&](double tau, double r) {
    return nir::node{"LI",
                     {{"tau", nir::tensor::filled(n, tau, t)}, {"r", nir::tensor::filled(n, r, t)},
                      {"v_leak", nir::tensor::filled(n, 0.0, t)}},
                     {},
                     {}};
  };
  const auto io = [](const std::string& type, index_t width) {
    return nir::node{type, {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(double(width)), nir::dtype::int64)}}, {}, {}};
  };
  // the model's per-step factors, computed as mode_snn_constants does (in double)
  const double lm1 = 1 - std::exp(-dt / p.tau_m), lr = std::exp(-dt / p.tau_r);
  const double ch = p.filter == mode_filter::double_mante ? 1.0 : dt / p.tau_d / p.tau_r;
  const double cr = p.filter == mode_filter::double_mante ? 1 - std::exp(-dt / p.tau_d) : dt;

  nir::graph g;
  g.add("input", io("Input", net.n_inputs()));
  g.add("w_in", linear(net.w_in()));
  nir::node cell{"CubaLIF",
                 {{"tau_syn", nir::tensor::filled(n, p.tau_s, t)},
                  {"tau_mem", nir::tensor::filled(n, dt / lm1, t)},
                  {"w_in", nir::tensor::filled(n, p.tau_s / dt, t)},
                  {"r", nir::tensor::filled(n, 1.0, t)},
                  {"v_leak", nir::tensor::filled(n, 0.0, t)},
                  {"v_threshold", nir::tensor::filled(n, p.v_thr, t)},
                  {"v_reset", nir::tensor::filled(n, 0.0, t)}},
                 {},
                 {}};
  cell.metadata = {{"refractory_steps", nir::tensor::scalar(double(p.refractory_steps), nir::dtype::int64)},
                   {"t_ref", nir::tensor::scalar((std::max(p.refractory_steps, 1) + 0.5) * dt)},
                   {"t_last_init", nir::tensor::scalar(-1.0)}};
  g.add("lif", std::move(cell));
  g.connect("input", "w_in");
  g.connect("w_in", "lif");

  if (p.filter == mode_filter::single) {
    g.add("rate", li(p.tau_d, dt));  // gain r/τ_d = dt/τ_d per spike
    g.connect("lif", "rate");
  } else {
    // h = lr·h + ch·s; r = ld·r + cr·h_new = ld·r + cr·lr·h_prev + cr·ch·s: rate's gain is cr/dt
    g.add("rate_rise", li(p.tau_r, ch * p.tau_r));
    g.add("rate", li(p.tau_d, cr * p.tau_d / dt));
    g.add("rise_to_rate", scale(array<double>::Constant(n, lr)));
    g.add("spike_to_rate", scale(array<double>::Constant(n, dt * ch)));
    g.connect("lif", "rate_rise");
    g.connect("rate_rise", "rise_to_rate");
    g.connect("rise_to_rate", "rate");
    g.connect("lif", "spike_to_rate");
    g.connect("spike_to_rate", "rate");
  }

  if (net.full_rank() || opt.fold_modes) {
    g.add("w_rec", linear(net.recurrent_matrix()));
    g.connect("rate", "w_rec");
    g.connect("w_rec", "lif");
  } else {
    g.add("xi_out", linear(net.xi_out().transpose()));
    g.add("lambda", scale(net.lambda().template cast<double>()));
    g.add("xi_in", linear(net.xi_in()));
    g.connect("rate", "xi_out");
    g.connect("xi_out", "lambda");
    g.connect("lambda", "xi_in");
    g.connect("xi_in", "lif");
  }

  if (p.readout == mode_readout::per_step) {
    g.add("w_out", linear(net.w_out()));
    g.add("output", io("Output", net.n_outputs()));
    g.connect("rate", "w_out");
    g.connect("w_out", "output");
  } else {
    g.add("output", io("Output", n));
    g.connect("rate", "output");
  }

  g.metadata = {{"source", std::string("spikernn")},
                {"model", std::string("mode_snn")},
                {"dt", nir::tensor::scalar(dt)},
                {"neuron", std::string(to_string(p.neuron))},
                {"filter", std::string(to_string(p.filter))},
                {"readout", std::string(to_string(p.readout))},
                {"surrogate", std::string(Surrogate::name)},
                {"n", nir::tensor::scalar(double(n), nir::dtype::int64)},
                {"p", nir::tensor::scalar(double(net.modes()), nir::dtype::int64)}};
  if (p.readout == mode_readout::max_over_time)
    g.metadata["readout_weight"] = nir::tensor::mat(net.w_out().template cast<double>(), t);
  for (const auto& [key, v] : opt.metadata) g.metadata[key] = v;
  return g;
}

}  // namespace spikernn
