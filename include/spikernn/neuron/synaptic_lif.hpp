// The leaky integrate-and-fire neuron of the spiking mode RNN (SMNN-Oct23, the model behind the
// Lin & Huang figures): a synaptic current I that decays by ls per step and takes the step's
// input, a membrane u that integrates I with decay lm while the unit is not refractory, and a
// multiplicative reset to 0 by the previous spike. The reset multiplies by (1 − s(t−1)) with s
// the output of the surrogate spike function, as in the original, so the adjoint carries the
// previous spike's surrogate gradient through it. The refractory gate 1[t − t_last > t_ref] is
// counted in steps and carries no gradient.
//
// One step, per unit (ls, lm: e^{−dt/τ_s}, e^{−dt/τ_m}; lm1 = 1 − lm; times in steps):
//   gate = 1[t − t_last > ref];  I = input + ls·I(t−1);
//   u = gate·(lm·u(t−1) + lm1·I)·(1 − s(t−1))   (step 0: gate·(lm1·I));
//   s = S(u − thr);  t_last ← t_last + (t − t_last)·s.
// Its adjoint, with q = gate·δu the membrane adjoint past the gate and v(t+1) = lm·u(t) +
// lm1·I(t+1) the next membrane before its reset:
//   δu(t) = S'(u(t) − thr)·(ext − v(t+1)·q(t+1)) + lm·(1 − s(t))·q(t+1)
//   δI(t) = lm1·(1 − s(t−1))·q(t) + ls·δI(t+1)   (step 0: lm1·q(t) + ls·δI(t+1))
// where ext is what the spike s(t) reaches besides the next membrane (the rate filter).
//
// Written once for scalars (SPIKERNN_HD: what the CPU loop of network/mode_snn.hpp runs, and
// what a CUDA kernel would), Eigen-free; the expressions keep the order of the operations, which
// fixes the rounding.
#pragma once

#include "spikernn/config.hpp"

#include <concepts>
#include <string_view>

namespace spikernn {

struct synaptic_lif {
  static constexpr std::string_view name = "lif";

  /// 1 while the unit may integrate at step t: more than `ref` steps after its last spike.
  template <std::floating_point S>
  SPIKERNN_HD static S gate(S t, S t_last, S ref) {
    return (t - t_last) > ref ? S(1) : S(0);
  }
  /// I(t) = input(t) + ls·I(t−1).
  template <std::floating_point S>
  SPIKERNN_HD static S current(S input, S current_prev, S ls) {
    return input + ls * current_prev;
  }
  /// u(t) = gate·(lm·u(t−1) + lm1·I(t))·(1 − s(t−1)).
  template <std::floating_point S>
  SPIKERNN_HD static S membrane(S gate, S u_prev, S current, S s_prev, S lm, S lm1) {
    return gate * (lm * u_prev + lm1 * current) * (S(1) - s_prev);
  }
  /// u(0) = gate·(lm1·I(0)): every state is 0 before the first step.
  template <std::floating_point S>
  SPIKERNN_HD static S first_membrane(S gate, S current, S lm1) {
    return gate * (lm1 * current);
  }
  /// t_last ← t_last + (t − t_last)·s: the step of the last spike (no gradient).
  template <std::floating_point S>
  SPIKERNN_HD static S last_spike(S t_last, S t, S s) {
    return t_last + (t - t_last) * s;
  }

  /// δu(t), given the surrogate slope S'(u(t) − thr) and the next step's q and current.
  template <std::floating_point S>
  SPIKERNN_HD static S membrane_adjoint(S slope, S u, S s, S current_next, S ext, S q_next, S lm, S lm1) {
    const S v_next = lm * u + lm1 * current_next;
    return slope * (ext - v_next * q_next) + lm * (S(1) - s) * q_next;
  }
  /// δI(t) = lm1·(1 − s(t−1))·q(t) + ls·δI(t+1).
  template <std::floating_point S>
  SPIKERNN_HD static S current_adjoint(S q, S s_prev, S d_current_next, S lm1, S ls) {
    return lm1 * (S(1) - s_prev) * q + ls * d_current_next;
  }
  /// δI(0) = lm1·q(0) + ls·δI(1).
  template <std::floating_point S>
  SPIKERNN_HD static S first_current_adjoint(S q, S d_current_next, S lm1, S ls) {
    return lm1 * q + ls * d_current_next;
  }
};

}  // namespace spikernn
