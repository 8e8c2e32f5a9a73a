// The LSTM baseline of the GLIFR paper (glifr_smnn_spec.md A.6): PyTorch's nn.LSTMCell (gates
// i, f, g, o; two bias vectors; every tensor U(±1/√N)) stepped over the sequence from zero
// state, with a linear readout y(t) = W_out h(t) + b_out at every step, for a batch of B trials.
// The recurrence is the previous step's (h, c): the LSTM has no synaptic delay (A.5, both code
// versions). The interface mirrors glifr_network (flat parameters with named blocks, a tape,
// forward over a span of input matrices, an adjoint adding dL/dθ), so one trainer drives all
// three networks. Also here: the trainable count of A.6 and the matched hidden size.
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/param_store.hpp"

#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

struct lstm_params {
  int n = 64;        ///< hidden (and cell) units N
  int n_inputs = 1;  ///< input channels
  int n_outputs = 1; ///< readout outputs

  void validate() const {
    require(n > 0, "n", "at least one hidden unit");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(n_outputs > 0, "n_outputs", "at least one output");
  }
};

/// Trainable-parameter count of A.6 (utils_misc.py): 4N² + N(4·in + 8 + out) + out (weight_ih,
/// weight_hh, bias_ih and bias_hh of the cell, W_out; then b_out).
constexpr long lstm_trainable_count(long n, long n_in, long n_out) {
  return 4 * n * n + n * (4 * n_in + 8 + n_out) + n_out;
}

/// The largest N whose trainable count does not exceed `reference` (the rule glifr_matched_size
/// uses; it gives A.6's LSTM sizes: 64 for the v2021 pattern task, 123 for SMNIST, and with the
/// v2022 RNN as the reference 63 for sine, 122 for L-MNIST, 128 for P-MNIST).
constexpr long lstm_matched_size(long reference, long n_in, long n_out) {
  long n = 0;
  while (lstm_trainable_count(n + 1, n_in, n_out) <= reference) ++n;
  return n;
}

template <real_scalar S = float>
class lstm {
 public:
  using scalar = S;

  /// Everything the adjoint needs from one forward pass over B trials of T steps, time-major:
  /// column t·B + b holds step t of trial b. h and c are 0 before step 0.
  struct tape {
    index_t steps = 0, batch = 0;
    matrix<S> x;      ///< inputs, n_in × (T·B)
    matrix<S> gates;  ///< gate values after their nonlinearity, rows [i; f; g; o], 4N × (T·B)
    matrix<S> c;      ///< cell states, N × (T·B)
    matrix<S> tanh_c; ///< tanh(c), N × (T·B)
    matrix<S> h;      ///< hidden states o ⊙ tanh(c), N × (T·B)
    matrix<S> o;      ///< outputs W_out h(t) + b_out, n_out × (T·B)
    // adjoint scratch
    matrix<S> d_gates;       ///< dL/d(gate pre-activations), 4N × (T·B)
    matrix<S> d_h;           ///< dL/dh, N × (T·B)
    matrix<S> d_c;           ///< dL/dc(t), N × B
    matrix<S> d_c_carry;     ///< δc(t + 1) ⊙ f(t + 1), N × B
  };

  lstm(lstm_params p, seed s) : p_(std::move(p)) {
    p_.validate();
    allocate();
    // nn.LSTMCell.reset_parameters: every tensor U(±1/√N); the readout is nn.Linear's default,
    // U(±1/√N) for weight and bias (fan-in N). Each bias comes from the stream of the weights it
    // goes with.
    const double bound = 1.0 / std::sqrt(double(p_.n));
    rng g_in(s, purpose::input_weights), g_rec(s, purpose::recurrent_weights), g_out(s, purpose::output_weights);
    const auto fill = [&](auto m, rng& g) {
      for (index_t k = 0; k < m.size(); ++k) m(k) = static_cast<S>(g.uniform(-bound, bound));
    };
    fill(w_in(), g_in);
    fill(b_ih(), g_in);
    fill(w_rec(), g_rec);
    fill(b_hh(), g_rec);
    fill(w_out(), g_out);
    fill(b_out(), g_out);
  }

  // ---- structure ----------------------------------------------------------------------------
  const lstm_params& params() const { return p_; }
  index_t size() const { return p_.n; }
  index_t n_inputs() const { return p_.n_inputs; }
  index_t n_outputs() const { return p_.n_outputs; }

  // ---- parameters: one flat vector, named blocks ---------------------------------------------
  // w_in and w_rec are PyTorch's weight_ih (4N × in) and weight_hh (4N × N) as they are (rows
  // are gates i, f, g, o of unit 0..N−1 in turn); b_ih and b_hh its bias_ih and bias_hh. The
  // first four blocks are named as glifr_network's.
  vector<S>& parameters() { return params_.values(); }
  const vector<S>& parameters() const { return params_.values(); }
  const param_layout& layout() const { return params_.layout(); }

  Eigen::Map<matrix<S>> w_in() { return block(0, 4 * p_.n, p_.n_inputs); }
  Eigen::Map<const matrix<S>> w_in() const { return block(0, 4 * p_.n, p_.n_inputs); }
  Eigen::Map<matrix<S>> w_rec() { return block(1, 4 * p_.n, p_.n); }
  Eigen::Map<const matrix<S>> w_rec() const { return block(1, 4 * p_.n, p_.n); }
  Eigen::Map<matrix<S>> w_out() { return block(2, p_.n_outputs, p_.n); }
  Eigen::Map<const matrix<S>> w_out() const { return block(2, p_.n_outputs, p_.n); }
  Eigen::Map<matrix<S>> b_out() { return block(3, p_.n_outputs, 1); }
  Eigen::Map<const matrix<S>> b_out() const { return block(3, p_.n_outputs, 1); }
  Eigen::Map<matrix<S>> b_ih() { return block(4, 4 * p_.n, 1); }
  Eigen::Map<const matrix<S>> b_ih() const { return block(4, 4 * p_.n, 1); }
  Eigen::Map<matrix<S>> b_hh() { return block(5, 4 * p_.n, 1); }
  Eigen::Map<const matrix<S>> b_hh() const { return block(5, 4 * p_.n, 1); }

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
    const index_t N = p_.n;
    // Input part and both biases of every step's gate pre-activations at once.
    tp.gates.noalias() = w_in() * tp.x;
    tp.gates.colwise() += (b_ih() + b_hh()).col(0);
    for (index_t t = 0; t < T; ++t) {
      auto g = tp.gates.middleCols(t * B, B);
      if (t > 0) g.noalias() += w_rec() * tp.h.middleCols((t - 1) * B, B);  // h(−1) = 0
      g.topRows(2 * N) = sigmoid(g.topRows(2 * N).array()).matrix();        // i, f
      g.middleRows(2 * N, N) = g.middleRows(2 * N, N).array().tanh().matrix();  // g
      g.bottomRows(N) = sigmoid(g.bottomRows(N).array()).matrix();          // o
      auto c = tp.c.middleCols(t * B, B);
      c = (g.topRows(N).array() * g.middleRows(2 * N, N).array()).matrix();  // i ⊙ g
      if (t > 0) c.array() += g.middleRows(N, N).array() * tp.c.middleCols((t - 1) * B, B).array();  // c(−1) = 0
      tp.tanh_c.middleCols(t * B, B) = c.array().tanh().matrix();
      tp.h.middleCols(t * B, B) = (g.bottomRows(N).array() * tp.tanh_c.middleCols(t * B, B).array()).matrix();
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
    const index_t T = tp.steps, B = tp.batch, N = p_.n;
    require(d_o.rows() == p_.n_outputs && d_o.cols() == T * B, "d_o", "n_out × (T·B) output gradients");
    require(grad.size() == params_.size(), "grad", "the parameter vector's size");
    // From the last step back, with δG(t + 1) (gate pre-activations) and δc(t + 1) known:
    //   δh(t) = W_outᵀ δy(t) + W_recᵀ δG(t + 1)
    //   δc(t) = δh(t) ⊙ o ⊙ (1 − tanh²c) + δc(t + 1) ⊙ f(t + 1)
    //   δG_i = δc ⊙ g ⊙ i(1 − i), δG_f = δc ⊙ c(t − 1) ⊙ f(1 − f), δG_g = δc ⊙ i ⊙ (1 − g²),
    //   δG_o = δh ⊙ tanh c ⊙ o(1 − o).
    tp.d_h.noalias() = w_out().transpose() * d_o;  // the readout part for all steps at once
    tp.d_c_carry.setZero();
    for (index_t t = T - 1; t >= 0; --t) {
      auto dh = tp.d_h.middleCols(t * B, B);
      if (t + 1 < T) dh.noalias() += w_rec().transpose() * tp.d_gates.middleCols((t + 1) * B, B);
      const auto g = tp.gates.middleCols(t * B, B);
      const auto gi = g.topRows(N).array(), gf = g.middleRows(N, N).array(), gg = g.middleRows(2 * N, N).array(),
                 go = g.bottomRows(N).array();
      const auto tc = tp.tanh_c.middleCols(t * B, B).array();
      tp.d_c = (dh.array() * go * (S(1) - tc.square()) + tp.d_c_carry.array()).matrix();
      const auto dc = tp.d_c.array();
      auto dg = tp.d_gates.middleCols(t * B, B);
      dg.topRows(N) = (dc * gg * gi * (S(1) - gi)).matrix();
      if (t > 0)
        dg.middleRows(N, N) = (dc * tp.c.middleCols((t - 1) * B, B).array() * gf * (S(1) - gf)).matrix();
      else
        dg.middleRows(N, N).setZero();
      dg.middleRows(2 * N, N) = (dc * gi * (S(1) - gg.square())).matrix();
      dg.bottomRows(N) = (dh.array() * tc * go * (S(1) - go)).matrix();
      tp.d_c_carry = (dc * gf).matrix();  // the carry for step t − 1
    }
    block_of(grad, 0, 4 * N, p_.n_inputs).noalias() += tp.d_gates * tp.x.transpose();
    if (T > 1) {
      const index_t late = (T - 1) * B;
      block_of(grad, 1, 4 * N, N).noalias() += tp.d_gates.rightCols(late) * tp.h.leftCols(late).transpose();
    }
    block_of(grad, 2, p_.n_outputs, N).noalias() += d_o * tp.h.transpose();
    block_of(grad, 3, p_.n_outputs, 1) += d_o.rowwise().sum();
    const vector<S> d_bias = tp.d_gates.rowwise().sum();
    block_of(grad, 4, 4 * N, 1) += d_bias;
    block_of(grad, 5, 4 * N, 1) += d_bias;
  }

 private:
  template <class E>
  static auto sigmoid(const E& a) {
    return (S(1) + (-a).exp()).inverse();
  }

  Eigen::Map<matrix<S>> block(std::size_t k, index_t rows, index_t cols) { return params_.block(k, rows, cols); }
  Eigen::Map<const matrix<S>> block(std::size_t k, index_t rows, index_t cols) const {
    return params_.block(k, rows, cols);
  }
  Eigen::Map<matrix<S>> block_of(vector<S>& v, std::size_t k, index_t rows, index_t cols) const {
    return params_.block_of(v, k, rows, cols);
  }

  void allocate() {
    const index_t n = p_.n, in = p_.n_inputs, out = p_.n_outputs;
    params_.allocate({{"w_in", 4 * n * in},
                      {"w_rec", 4 * n * n},
                      {"w_out", out * n},
                      {"b_out", out},
                      {"b_ih", 4 * n},
                      {"b_hh", 4 * n}});
  }

  void resize_tape(tape& tp, index_t T, index_t B) const {
    const index_t N = p_.n;
    tp.steps = T;
    tp.batch = B;
    tp.x.resize(p_.n_inputs, T * B);
    tp.gates.resize(4 * N, T * B);
    tp.c.resize(N, T * B);
    tp.tanh_c.resize(N, T * B);
    tp.h.resize(N, T * B);
    tp.o.resize(p_.n_outputs, T * B);
    tp.d_gates.resize(4 * N, T * B);
    tp.d_h.resize(N, T * B);
    tp.d_c.resize(N, B);
    tp.d_c_carry.resize(N, B);
  }

  lstm_params p_;
  param_store<S> params_;
};

}  // namespace spikernn
