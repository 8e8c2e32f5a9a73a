// The per-unit maths of the rate RNN (spec §1.6): one forward Euler step of a unit's synaptic
// current and its adjoint. It lives here once, as SPIKERNN_HD functions, so the CUDA kernels
// (backend/cuda/rate_kernels.cuh) run exactly the maths the CPU tests check; for that this
// header stays free of Eigen and of anything nvcc cannot compile for the device.
#pragma once

#include "spikernn/config.hpp"

#include <concepts>

namespace spikernn {

/// The scalar half of an activation policy (value and derivative of φ), all a unit needs.
template <class A, class S>
concept scalar_activation = std::floating_point<S> && requires(S x, S r) {
  { A::value(x) } -> std::same_as<S>;
  { A::derivative(x, r) } -> std::same_as<S>;
};

/// x_t = (1 − a)·x_{t−1} + a·drive + noise, with a = dt/τ of the unit, drive = (W r_{t−1} +
/// w_in u_{t−1}) for the unit and noise = noise_sd·z already scaled (it is added outside the
/// dt/τ factor, as the original does). The activation does not enter the step; it is a template
/// parameter so that a step and its rate read alike at call sites.
template <class Act, std::floating_point S>
  requires scalar_activation<Act, S>
SPIKERNN_HD inline S rate_unit_step(S x_prev, S drive, S a, S noise) {
  return a * drive + ((S(1) - a) * x_prev + noise);
}

/// r_t = φ(x_t).
template <class Act, std::floating_point S>
  requires scalar_activation<Act, S>
SPIKERNN_HD inline S rate_unit_rate(S x) {
  return Act::value(x);
}

/// δx_t = φ'(x_t, r_t)·δr_t + (1 − a)·δx_{t+1}: the adjoint of rate_unit_step with respect to
/// x, given δr_t = ∂L/∂r_t (readout and recurrent terms already summed) and the adjoint of the
/// next step's current δx_{t+1} (zero after the last step). The drive receives a·δx_t.
template <class Act, std::floating_point S>
  requires scalar_activation<Act, S>
SPIKERNN_HD inline S rate_unit_adjoint(S x, S r, S d_r, S a, S d_x_next) {
  return Act::derivative(x, r) * d_r + (S(1) - a) * d_x_next;
}

}  // namespace spikernn
