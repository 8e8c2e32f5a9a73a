// snnTorch's Leaky neuron (v0.6.2, the non-init_hidden path used by SMNN-May23) as the spiking
// mode RNN runs it: the reset of a step is the Heaviside spike of the previous membrane,
// DETACHED (no gradient flows through it), and the membrane either subtracts the threshold
// scaled by β or is zeroed:
//   reset(t) = H(mem(t−1) − thr)
//   subtract: mem(t) = β·(mem(t−1) − reset(t)·thr) + input(t)
//   zero:     mem(t) = (β·mem(t−1) + input(t))·(1 − reset(t))
//   step 0:   mem(0) = input(0)
// Adjoint, with ext(t) what the spike S(mem(t) − thr) reaches and κ(t) = 1 (subtract) or
// 1 − reset(t) (zero):
//   δmem(t) = S'(mem(t) − thr)·ext(t) + β·κ(t+1)·δmem(t+1),   δinput(t) = κ(t)·δmem(t).
//
// The functions are templates over the value types, so one formula serves scalars (SPIKERNN_HD,
// what a CUDA kernel would run) and the Eigen array expressions of network/mode_snn.hpp's CPU
// loop (which Eigen vectorises); their operation order fixes the rounding. With Eigen arrays they
// return expressions over their arguments: assign the result before the arguments go.
#pragma once

#include "spikernn/config.hpp"

#include <string_view>

namespace spikernn {

struct snntorch_leaky {
  static constexpr std::string_view name = "leaky";

  /// mem(t), reset by subtraction.
  template <class M, class R, class I, class S>
  SPIKERNN_HD static auto membrane_subtract(const M& mem_prev, const R& reset, const I& input, S beta, S thr) {
    return beta * (mem_prev - reset * thr) + input;
  }
  /// mem(t), reset to zero.
  template <class M, class R, class I, class S>
  SPIKERNN_HD static auto membrane_zero(const M& mem_prev, const R& reset, const I& input, S beta) {
    return (beta * mem_prev + input) * (S(1) - reset);
  }
  /// δmem(t) with the subtract reset (κ = 1), given the surrogate slope S'(mem(t) − thr).
  template <class U, class E, class D, class S>
  SPIKERNN_HD static auto membrane_adjoint_subtract(const U& slope, const E& ext, const D& d_mem_next, S beta) {
    return slope * ext + beta * d_mem_next;
  }
  /// δmem(t) with the zero reset (κ(t+1) = 1 − reset(t+1)).
  template <class U, class E, class R, class D, class S>
  SPIKERNN_HD static auto membrane_adjoint_zero(const U& slope, const E& ext, const R& reset_next, const D& d_mem_next,
                                                S beta) {
    return slope * ext + beta * (S(1) - reset_next) * d_mem_next;
  }
};

}  // namespace spikernn
