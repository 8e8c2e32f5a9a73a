// The vanilla RNN baseline of the GLIFR paper (glifr_smnn_spec.md A.6, `RNNC`):
// h(t) = tanh(W_in x(t) + W_rec h(t − delay) + b_rec), y(t) = W_out h(t) + b_out at every step,
// for a batch of B trials. The recurrence sees the hidden state `delay` steps back with zero
// history before, the same f(t − delay) semantics as glifr_network (A.5: v2022 gives the RNN the
// GLIFR delay, 20 steps for sine and L-MNIST; v2021's RNNC used delay 1). The interface mirrors
// glifr_network (flat parameters with named blocks, a tape, forward over a span of input
// matrices, an adjoint adding dL/dθ), so one trainer drives both. Also here: the trainable
// count of A.6 and the matched hidden size.
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/param_store.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

struct vanilla_rnn_params {
  int n = 128;       ///< hidden units N
  int n_inputs = 1;  ///< input channels
  int n_outputs = 1; ///< readout outputs
  int delay = 20;    ///< recurrent delay in steps (≥ 1): W_rec sees h(t − delay); as glifr_network

  void validate() const {
    require(n > 0, "n", "at least one hidden unit");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(n_outputs > 0, "n_outputs", "at least one output");
    require(delay >= 1, "delay", "a synaptic delay of at least one step");
  }
};

/// Trainable-parameter count of A.6 (utils_misc.py): N(N + in + out + 1) + out (W_in, W_rec,
/// the recurrent bias, W_out; then b_out).
constexpr long vanilla_rnn_trainable_count(long n, long n_in, long n_out) { return n * (n + n_in + n_out + 1) + n_out; }

/// The largest N whose trainable count does not exceed `reference` (the rule glifr_matched_size
/// uses; it gives A.6's RNN sizes: 131 for the v2021 pattern task, 259 for SMNIST).
constexpr long vanilla_rnn_matched_size(long reference, long n_in, long n_out) {
  long n = 0;
  while (vanilla_rnn_trainable_count(n + 1, n_in, n_out) <= reference) ++n;
  return n;
}

template <real_scalar S = float>
class vanilla_rnn {
 public:
  using scalar = S;

  /// Everything the adjoint needs from one forward pass over B trials of T steps, time-major:
  /// column t·B + b holds step t of trial b. The hidden state is 0 before step 0.
  struct tape {
    index_t steps = 0, batch = 0;
    matrix<S> x;    ///< inputs, n_in × (T·B)
    matrix<S> h;    ///< hidden states tanh(a), N × (T·B)
    matrix<S> o;    ///< outputs W_out h(t) + b_out, n_out × (T·B)
    matrix<S> d_a;  ///< adjoint scratch: dL/d(pre-activation a), N × (T·B)
  };

  vanilla_rnn(vanilla_rnn_params p, seed s) : p_(std::move(p)) {
    p_.validate();
    allocate();
    // A.6: W_ih, W_lat and b all U(±1/√N); the readout is nn.Linear's default, U(±1/√N) for
    // weight and bias (fan-in N). Each bias comes from the stream of the weights it goes with.
    const double bound = 1.0 / std::sqrt(double(p_.n));
    rng g_in(s, purpose::input_weights), g_rec(s, purpose::recurrent_weights), g_out(s, purpose::output_weights);
    const auto fill = [&](auto m, rng& g) {
      for (index_t k = 0; k < m.size(); ++k) m(k) = static_cast<S>(g.uniform(-bound, bound));
    };
    fill(w_in(), g_in);
    fill(w_rec(), g_rec);
    fill(b_rec(), g_rec);
    fill(w_out(), g_out);
    fill(b_out(), g_out);
  }

  // ---- structure ----------------------------------------------------------------------------
  const vanilla_rnn_params& params() const { return p_; }
  index_t size() const { return p_.n; }
  index_t n_inputs() const { return p_.n_inputs; }
  index_t n_outputs() const { return p_.n_outputs; }
  index_t delay() const { return p_.delay; }

  // ---- parameters: one flat vector, named blocks ---------------------------------------------
  // Orientation as glifr_network (postsynaptic rows): a = w_in·x + w_rec·h_del + b_rec, so w_in
  // and w_rec are the transposes of the original's W_ih (in × N) and W_lat (N × N). The first
  // four blocks are named and shaped as glifr_network's.
  vector<S>& parameters() { return params_.values(); }
  const vector<S>& parameters() const { return params_.values(); }
  const param_layout& layout() const { return params_.layout(); }

  Eigen::Map<matrix<S>> w_in() { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<const matrix<S>> w_in() const { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<matrix<S>> w_rec() { return block(1, p_.n, p_.n); }
  Eigen::Map<const matrix<S>> w_rec() const { return block(1, p_.n, p_.n); }
  Eigen::Map<matrix<S>> w_out() { return block(2, p_.n_outputs, p_.n); }
  Eigen::Map<const matrix<S>> w_out() const { return block(2, p_.n_outputs, p_.n); }
  Eigen::Map<matrix<S>> b_out() { return block(3, p_.n_outputs, 1); }
  Eigen::Map<const matrix<S>> b_out() const { return block(3, p_.n_outputs, 1); }
  Eigen::Map<matrix<S>> b_rec() { return block(4, p_.n, 1); }
  Eigen::Map<const matrix<S>> b_rec() const { return block(4, p_.n, 1); }

  // ---- forward ------------------------------------------------------------------------------
  /// Runs B trials, each an n_inputs × T matrix (the same T for all; doubles, converted once to
  /// S), filling `tp`; the outputs are tp.o, n_out × (T·B) time-major as glifr_network's.
  void forward(std::span<const matrix<double>* const> inputs, tape& tp) const {
    const index_t B = static_cast<index_t>(inputs.size());
    require(B > 0, "inputs", "at least one trial");
    const index_t T = inputs[0]->cols();
    require(T >= 1, "inputs", "at least one step");
    for (index_t b = 0; b < B; ++b) {
      const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
      require(u.rows() == p_.n_inputs, "inputs",
              std::to_string(p_.n_inputs) + " input rows, got " + std::to_string(u.rows()));
      require(u.cols() == T, "inputs", "every trial of a batch with the same length");
    }
    resize_tape(tp, T, B);
    for (index_t b = 0; b < B; ++b) {
      const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
      for (index_t t = 0; t < T; ++t) tp.x.col(t * B + b) = u.col(t).template cast<S>();
    }
    const index_t d = p_.delay;
    // Pre-activations of every step from the input and the bias at once (into h, in place).
    tp.h.noalias() = w_in() * tp.x;
    tp.h.colwise() += b_rec().col(0);
    // The states of steps [t0, t0 + d) see only those of [t0 − d, t0), all known: one product
    // per block of `delay` steps (the whole recurrence is one product per step when d = 1).
    for (index_t t0 = 0; t0 < T; t0 += d) {
      const index_t m = std::min(d, T - t0);
      auto a = tp.h.middleCols(t0 * B, m * B);
      if (t0 >= d) a.noalias() += w_rec() * tp.h.middleCols((t0 - d) * B, m * B);  // zero history before
      a = a.array().tanh().matrix();
    }
    tp.o.noalias() = w_out() * tp.h;
    tp.o.colwise() += b_out().col(0);
  }

  /// The same for a vector of input matrices.
  void forward(std::span<const matrix<double>> inputs, tape& tp) const {
    const auto ptrs = input_pointers(inputs);
    forward(std::span<const matrix<double>* const>(ptrs), tp);
  }
  /// The same for a batch of dataset samples (the engine's form).
  void forward(const sample_batch& batch, tape& tp) const {
    forward(std::span<const matrix<double>* const>(batch.inputs), tp);
  }

  // ---- adjoint ------------------------------------------------------------------------------
  /// Given dL/do (n_out × (T·B), time-major like tp.o), adds dL/dθ into `grad` (the layout of
  /// parameters()).
  void backward(tape& tp, const matrix<S>& d_o, vector<S>& grad) const {
    const index_t T = tp.steps, B = tp.batch, N = p_.n, d = p_.delay;
    require(d_o.rows() == p_.n_outputs && d_o.cols() == T * B, "d_o", "n_out × (T·B) output gradients");
    require(grad.size() == params_.size(), "grad", "the parameter vector's size");
    // δh(t) = W_outᵀ δo(t) + W_recᵀ δa(t + d);  δa(t) = δh(t) ⊙ (1 − h(t)²).
    // The readout part for all steps at once, then blocks of `delay` steps from the end: the
    // steps [t0, t1) need δa of [t0 + d, t1 + d), all in later blocks.
    tp.d_a.noalias() = w_out().transpose() * d_o;
    for (index_t t1 = T; t1 > 0; t1 -= std::min(d, t1)) {
      const index_t m = std::min(d, t1), t0 = t1 - m;
      const index_t seen = std::min(m, T - (t0 + d));  // steps of the block whose t + d < T
      auto da = tp.d_a.middleCols(t0 * B, m * B);
      if (seen > 0)
        da.leftCols(seen * B).noalias() += w_rec().transpose() * tp.d_a.middleCols((t0 + d) * B, seen * B);
      da = (da.array() * (S(1) - tp.h.middleCols(t0 * B, m * B).array().square())).matrix();
    }
    block_of(grad, 0, N, p_.n_inputs).noalias() += tp.d_a * tp.x.transpose();
    if (T > d) {
      const index_t late = (T - d) * B;
      block_of(grad, 1, N, N).noalias() += tp.d_a.rightCols(late) * tp.h.leftCols(late).transpose();
    }
    block_of(grad, 2, p_.n_outputs, N).noalias() += d_o * tp.h.transpose();
    block_of(grad, 3, p_.n_outputs, 1) += d_o.rowwise().sum();
    block_of(grad, 4, N, 1) += tp.d_a.rowwise().sum();
  }

 private:
  Eigen::Map<matrix<S>> block(std::size_t k, index_t rows, index_t cols) { return params_.block(k, rows, cols); }
  Eigen::Map<const matrix<S>> block(std::size_t k, index_t rows, index_t cols) const {
    return params_.block(k, rows, cols);
  }
  Eigen::Map<matrix<S>> block_of(vector<S>& v, std::size_t k, index_t rows, index_t cols) const {
    return params_.block_of(v, k, rows, cols);
  }

  void allocate() {
    const index_t n = p_.n, in = p_.n_inputs, out = p_.n_outputs;
    params_.allocate({{"w_in", n * in}, {"w_rec", n * n}, {"w_out", out * n}, {"b_out", out}, {"b_rec", n}});
  }

  void resize_tape(tape& tp, index_t T, index_t B) const {
    tp.steps = T;
    tp.batch = B;
    tp.x.resize(p_.n_inputs, T * B);
    tp.h.resize(p_.n, T * B);
    tp.o.resize(p_.n_outputs, T * B);
    tp.d_a.resize(p_.n, T * B);
  }

  vanilla_rnn_params p_;
  param_store<S> params_;
};

}  // namespace spikernn
