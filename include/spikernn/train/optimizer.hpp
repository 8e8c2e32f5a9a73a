// What the engine needs from an optimizer: an update of the trainable blocks from a gradient, a
// learning rate that schedules can set, and its state in a checkpoint (train/adam.hpp models it).
#pragma once

#include "spikernn/core/types.hpp"
#include "spikernn/train/checkpoint.hpp"
#include "spikernn/core/param_store.hpp"

#include <concepts>

namespace spikernn {

template <class O, class S>
concept optimizer_for = requires(O& o, const O& co, vector<S>& theta, const vector<S>& g, const param_layout& layout,
                                 checkpoint_section& out, const checkpoint_section& in, double lr) {
  o.step(theta, g, layout);
  { co.steps() } -> std::convertible_to<long>;
  { co.learning_rate() } -> std::convertible_to<double>;
  o.set_learning_rate(lr);
  co.save_state(out);
  o.load_state(in);
};

}  // namespace spikernn
