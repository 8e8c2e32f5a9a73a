// What the training engine needs from a model — one contract for the rate RNN, GLIFR, the RNN
// and LSTM baselines, the spiking mode RNN and any user model:
//   * every trainable number in one flat vector with named blocks (parameters(), layout());
//   * forward(batch, tape): a deterministic pass over a batch that fills a preallocated tape,
//     whose outputs tape.o are n_out × (T_out·B), time-major (column t·B + b is output step t of
//     trial b) — the rate RNN's T_out = T − 1 outputs o_1 … o_{T−1} included;
//   * backward(tape, dL/do, grad): the hand-written adjoint, adding dL/dθ into grad.
// Which batches a model takes (core/batch.hpp) is part of its type: trainable_on<M, Batch>.
#pragma once

#include "spikernn/core/types.hpp"
#include "spikernn/core/param_store.hpp"

#include <concepts>

namespace spikernn {

template <class M>
concept trainable_model = requires(M& m, const M& cm, typename M::tape& tp, const matrix<typename M::scalar>& d_o,
                                   vector<typename M::scalar>& grad) {
  typename M::scalar;
  typename M::tape;
  { m.parameters() } -> std::same_as<vector<typename M::scalar>&>;
  { cm.layout() } -> std::same_as<const param_layout&>;
  cm.backward(tp, d_o, grad);
  { tp.o } -> std::convertible_to<matrix<typename M::scalar>>;
};

/// A model that runs forward on batches of kind B.
template <class M, class B>
concept trainable_on = trainable_model<M> && requires(const M& cm, B& batch, typename M::tape& tp) {
  cm.forward(batch, tp);
};

}  // namespace spikernn
