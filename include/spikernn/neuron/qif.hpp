// The quadratic integrate-and-fire neuron of the paper's SI (Table S1, Fig. S7): the same
// network and synapses as the LIF conversion, with τ_m dv/dt = v² + I, threshold +30 mV,
// reset −65 mV and no bias (the variant left commented out in the original MATLAB code).
#pragma once

#include "spikernn/neuron/lif.hpp"

#include <string_view>

namespace spikernn {

/// Type-I excitable: with I < 0 the potential rests at −√(−I); with I > 0 it escapes to the
/// threshold after ≈ π τ_m / √I, so the firing rate grows as √I rather than linearly.
struct quadratic_if {
  static constexpr std::string_view name = "qif";
  static constexpr lif_params defaults() {
    lif_params p;
    p.v_peak = 30.0;
    p.bias = 0.0;
    return p;
  }
  template <class V, class I>
  SPIKERNN_HD static auto drift(const V& v, const I& current) {
    return v * v + current;
  }
};

}  // namespace spikernn
