// The leaky integrate-and-fire neuron of the rate-to-spike conversion (spec §4.2-4.4, after
// Nicola & Clopath 2017): the constants of an integrate-and-fire network, with the original
// MATLAB values as defaults; the concept every integrate-and-fire neuron policy models (how
// the membrane drifts, and its own constants); the leaky policy; and the per-unit update as
// SPIKERNN_HD functions shared by the CPU loop and GPU kernels.
#pragma once

#include "spikernn/config.hpp"
#include "spikernn/core/error.hpp"

#include <cmath>
#include <concepts>
#include <string>
#include <string_view>

namespace spikernn {

/// Every constant of the LIF network (spec §4.2); times in seconds, potentials in mV.
struct lif_params {
  double dt = 5e-5;          ///< integration step at downsample 1 (0.05 ms)
  int downsample = 1;        ///< use every d-th input column; the step becomes d·dt
  double tau_m = 0.010;      ///< membrane time constant
  double t_ref = 0.002;      ///< absolute refractory period
  double v_reset = -65.0;    ///< reset potential
  double v_peak = -40.0;     ///< threshold
  double bias = -40.0;       ///< constant bias current (the original sets it to v_peak)
  double tau_r = 0.002;      ///< synaptic rise time; 0 selects the single-exponential synapse
  double noise_mv = 0.1;     ///< SD of the voltage noise added every step (also when refractory)
  double v_init_lo = -65.0;  ///< initial voltages ~ U(v_init_lo, v_init_hi)
  double v_init_hi = 30.0;
  double spike_display = 30.0;  ///< value drawn in recorded voltages at a spike
  int steps_per_column = 100;   ///< LIF steps per (downsampled) input column: 5 ms / 0.05 ms

  double step() const { return dt * downsample; }

  void validate() const {
    require(dt > 0 && std::isfinite(dt), "dt", "a positive step in seconds");
    require(downsample >= 1, "downsample", "an integer ≥ 1");
    require(tau_m > 0, "tau_m", "a positive membrane time constant");
    require(t_ref >= 0, "t_ref", "a non-negative refractory period");
    require(tau_r >= 0, "tau_r", "a non-negative rise time (0: single exponential)");
    require(v_peak > v_reset, "v_peak", "a threshold above v_reset");
    require(std::isfinite(bias), "bias", "a finite bias current");
    require(std::isfinite(spike_display), "spike_display", "a finite display value");
    require(std::isfinite(v_init_lo), "v_init_lo", "a finite potential");
    require(noise_mv >= 0, "noise_mv", "a non-negative noise SD");
    require(v_init_hi >= v_init_lo, "v_init_hi", "v_init_hi ≥ v_init_lo");
    require(steps_per_column > 0, "steps_per_column", "a positive count");
  }
};

/// An integrate-and-fire neuron policy: the membrane drift dv/dt · τ_m as a function of the
/// potential v and the input current I — written once for scalars and Eigen arrays, so the
/// network's vectorised loop and a per-unit GPU kernel share it — and the constants the
/// neuron comes with (threshold, reset, bias, …).
template <class N>
concept integrate_and_fire = requires(double v, double current) {
  { N::name } -> std::convertible_to<std::string_view>;
  { N::defaults() } -> std::same_as<lif_params>;
  { N::drift(v, current) } -> std::convertible_to<double>;
};

/// The leaky integrate-and-fire neuron of the original: τ_m dv/dt = −v + I, threshold −40 mV
/// with a −40 bias (spec §4.2).
struct leaky_if {
  static constexpr std::string_view name = "lif";
  static constexpr lif_params defaults() { return {}; }
  template <class V, class I>
  SPIKERNN_HD static auto drift(const V& v, const I& current) {
    return current - v;
  }
};

/// Membrane update of one unit for one step: the neuron's drift under the current I unless the
/// unit is refractory (t ≤ t_last + t_ref), then the noise (spec §4.4 step 3).
template <class S, class Neuron = leaky_if>
SPIKERNN_HD inline S lif_membrane(S v, S current, bool integrating, S dt_over_tau_m, S noise) {
  if (integrating) v += dt_over_tau_m * Neuron::drift(v, current);
  return v + noise;
}

/// Double-exponential synaptic filter of one unit (spec §4.4 step 7): the decaying variable
/// takes the rise variable's value from before this step's update.
template <class S>
SPIKERNN_HD inline void lif_double_exp(S& decay_var, S& rise_var, S input, S decay_factor, S rise_factor,
                                       S dt, S input_scale) {
  decay_var = decay_var * decay_factor + rise_var * dt;
  rise_var = rise_var * rise_factor + input * input_scale;
}

}  // namespace spikernn
