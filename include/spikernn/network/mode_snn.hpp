// The spiking mode-based RNN of Lin & Huang, "Spiking mode-based neural networks" (arXiv
// 2310.14621; glifr_smnn_spec.md B.1-B.5, the SMNN-Oct23 model behind the paper's figures):
// N spiking neurons whose recurrence is W_r = ξ_in·diag(λ)·ξ_outᵀ of rank P (B.1), driven by
// W_in·x, read out linearly from filtered spike trains r, and trained with surrogate gradients
// (neuron/surrogate.hpp) through a hand-written BPTT adjoint.
//
// Like glifr_network it keeps every trainable number in one flat vector with named blocks
// (w_in, xi_in, lambda, xi_out, w_out, w_rec), fills a tape in forward() — time-major, column
// t·B + b is step t of trial b — and backward() adds dL/dθ given dL/doutputs, so the same
// mini-batch trainer drives it (it models train/epoch_trainer.hpp's sequence_model).
//
// The recurrence is applied as two thin products per step (ξ_outᵀ·r is P × B, then
// (ξ_in·diag λ)·that): the N × N matrix is never formed. full_rank trains an N × N W_rec
// instead (the P = N comparison). Choices:
//   neuron  lif   — the custom LIF of B.3 (synaptic current, reset to 0, 5-step refractory);
//           leaky — snnTorch's Leaky of B.2 (β, threshold, detached subtract or zero reset);
//   filter  single / double_mnist / double_mante (B.3 step 3), all fed the PREVIOUS spike;
//   readout max_over_time (MNIST: y = W_out·max_t r, at the last step) / per_step (mante);
//   input   sparse — W_in·x event-driven: each step's current is the sum of the columns of
//           W_in of the inputs that are non-zero (rate-encoded MNIST is ≈ 12% ones; there it
//           measured 2–3× faster than the GEMM, forward and backward; at 50% ones it is ≈ 2×
//           slower) — or dense — one GEMM over all steps (analog inputs, e.g. mante). They
//           differ only by rounding; a trial's result does not depend on its batch.
// forward() takes dense n_in × T matrices (any values) or spike_events (task/rate_encoding.hpp).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/neuron/surrogate.hpp"
#include "spikernn/task/rate_encoding.hpp"
#include "spikernn/train/parameters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spikernn {

/// The neuron of a mode network.
enum class mode_neuron {
  lif,    ///< SMNN-Oct23's hand-written LIF (B.3): the default
  leaky,  ///< snnTorch Leaky (B.2), non-init_hidden path
};
/// How spikes become the rates r the recurrence and the readout see (B.3 step 3).
enum class mode_filter {
  single,        ///< r ← ld·r + dt/τ_d·s
  double_mnist,  ///< h ← lr·h + dt/(τ_d·τ_r)·s; r ← ld·r + dt·h   (Figure/mnist_model.py)
  double_mante,  ///< h ← lr·h + s; r ← ld·r + (1 − ld)·h          (Figure/mante_model.py)
};
/// Where the outputs come from.
enum class mode_readout {
  max_over_time,  ///< MNIST: rm = max over steps of r per neuron and trial, y = W_out·rm (last step only)
  per_step,       ///< mante: y(t) = W_out·r(t) at every step
};
/// snnTorch Leaky's reset_mechanism.
enum class leaky_reset { subtract, zero };
/// How the input current W_in·x of every step is computed.
enum class input_product {
  sparse,  ///< event-driven: sums of the W_in columns of the non-zero inputs (sparse spike trains)
  dense,   ///< GEMM: over all steps for matrices, step by step for spike events
};

constexpr std::string_view to_string(mode_neuron v) { return v == mode_neuron::lif ? "lif" : "leaky"; }
constexpr std::string_view to_string(mode_filter v) {
  return v == mode_filter::single ? "single" : v == mode_filter::double_mnist ? "double_mnist" : "double_mante";
}
constexpr std::string_view to_string(mode_readout v) {
  return v == mode_readout::max_over_time ? "max_over_time" : "per_step";
}

/// snnTorch Leaky's settings (B.2); the defaults are SMNN-May23's MNIST neuron.
struct leaky_params {
  double beta = 0.9;       ///< membrane decay per step, in [0, 1] (snnTorch clamps; we refuse)
  double threshold = 0.1;  ///< spike when mem > threshold
  leaky_reset reset = leaky_reset::subtract;

  void validate() const {
    require(beta >= 0 && beta <= 1, "beta", "a decay factor in [0, 1]");
    require(std::isfinite(threshold), "threshold", "a finite threshold");
  }
};

struct mode_snn_params {
  int n = 100;             ///< spiking neurons N (hidden_shape)
  int n_inputs = 784;      ///< input channels
  int n_outputs = 10;      ///< readout outputs
  int p = 3;               ///< modes P (rank of W_r); ignored with full_rank
  bool full_rank = false;  ///< train an N × N W_rec instead of the modes
  mode_neuron neuron = mode_neuron::lif;
  mode_filter filter = mode_filter::double_mnist;  ///< the figures' MNIST models use 'double'
  mode_readout readout = mode_readout::max_over_time;
  /// The same numbers up to rounding; speed only: sparse while at most about a quarter of the
  /// inputs are non-zero per step (rate-coded MNIST: 12%), dense for analog or denser inputs.
  input_product input = input_product::sparse;
  // B.3 constants (times in seconds)
  double dt = 2e-3;
  double v_thr = 1.0;        ///< lif threshold (leaky has its own)
  double tau_s = 10e-3;      ///< synaptic current
  double tau_m = 20e-3;      ///< membrane
  double tau_d = 30e-3;      ///< rate filter decay
  double tau_r = 2e-3;       ///< rate filter rise (double filters)
  int refractory_steps = 5;  ///< t_ref = refractory_steps·dt
  leaky_params leaky = {};
  /// Tests only: spikes are Surrogate::smooth(u − threshold) instead of the step, so the whole
  /// forward pass is differentiable and backward() is its exact gradient.
  bool smooth_spikes = false;

  /// MNIST as in Figure/mnist_model.py with fig2's filter (these are the defaults).
  static mode_snn_params mnist() { return {}; }
  /// The context-dependent task as in Figure/mante_model.py: 4 inputs, 1 output per step.
  static mode_snn_params mante() {
    mode_snn_params q;
    q.n_inputs = 4;
    q.n_outputs = 1;
    q.filter = mode_filter::double_mante;
    q.readout = mode_readout::per_step;
    q.input = input_product::dense;
    return q;
  }

  void validate() const {
    require(n > 0, "n", "at least one neuron");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(n_outputs > 0, "n_outputs", "at least one output");
    require(full_rank || p > 0, "p", "at least one mode (or full_rank)");
    require(dt > 0 && std::isfinite(dt), "dt", "a positive step in seconds");
    require(std::isfinite(v_thr), "v_thr", "a finite threshold");
    require(tau_s > 0, "tau_s", "a positive synaptic time constant");
    require(tau_m > 0, "tau_m", "a positive membrane time constant");
    require(tau_d > 0, "tau_d", "a positive decay time constant");
    require(tau_r > 0, "tau_r", "a positive rise time constant");
    require(refractory_steps >= 0, "refractory_steps", "a non-negative number of steps");
    leaky.validate();
  }
};

/// The per-step factors of one pass (exponential-Euler decays e^{−dt/τ} and the filter gains).
template <class S>
struct mode_snn_constants {
  S ls, lm, ld, lr;  ///< decays of I, u, r and h
  S cs;              ///< single filter: gain of s into r
  S ch, cr;          ///< double filters: gain of s into h, of h into r
  S v_thr;           ///< spike threshold of the neuron in use
  S beta;            ///< leaky decay
  S ref;             ///< refractory period in steps
  S t_last0;         ///< t_last at the start (−1 s) in steps

  static mode_snn_constants from(const mode_snn_params& p) {
    mode_snn_constants c{};
    c.ls = S(std::exp(-p.dt / p.tau_s));
    c.lm = S(std::exp(-p.dt / p.tau_m));
    const double ld = std::exp(-p.dt / p.tau_d);
    c.ld = S(ld);
    c.lr = S(std::exp(-p.dt / p.tau_r));
    c.cs = S(p.dt / p.tau_d);
    c.ch = p.filter == mode_filter::double_mante ? S(1) : S(p.dt / p.tau_d / p.tau_r);
    c.cr = p.filter == mode_filter::double_mante ? S(1 - ld) : S(p.dt);
    c.v_thr = p.neuron == mode_neuron::lif ? S(p.v_thr) : S(p.leaky.threshold);
    c.beta = S(p.leaky.beta);
    c.ref = S(p.refractory_steps);
    c.t_last0 = S(-1.0 / p.dt);
    return c;
  }
};

namespace detail {
/// Rows per block of the event-driven input product: 256 bytes (4 AVX-512 / 8 AVX registers),
/// so a block's sums stay in registers while the events of a step stream past.
template <class S>
inline constexpr index_t event_block = index_t(256 / sizeof(S));

/// out(:, c) = Σ_k value[k]·W(:, index[k]) over the events k of column c, for every column;
/// `wp` is W with its rows padded with zeros to a multiple of event_block, out has n rows.
template <class S>
void event_product(const matrix<S>& wp, const std::vector<std::int32_t>& start, const std::vector<std::int32_t>& index,
                   const std::vector<S>& value, matrix<S>& out) {
  constexpr index_t R = event_block<S>;
  using block_t = Eigen::Array<S, R, 1>;
  const index_t np = wp.rows(), n = out.rows(), cols = out.cols();
  for (index_t c = 0; c < cols; ++c) {
    const std::int32_t k0 = start[std::size_t(c)], k1 = start[std::size_t(c + 1)];
    for (index_t r0 = 0; r0 < n; r0 += R) {
      block_t acc = block_t::Zero();
      for (std::int32_t k = k0; k < k1; ++k)
        acc += value[std::size_t(k)] * Eigen::Map<const block_t>(wp.data() + index[std::size_t(k)] * np + r0);
      const index_t m = std::min(R, n - r0);
      out.col(c).segment(r0, m) = acc.head(m).matrix();
    }
  }
}

/// gp(:, index[k]) += value[k]·d(:, c) over the events k of every column c (the transpose of
/// event_product); gp has d's rows padded as wp, `pad` is scratch. (Grouping a step's events
/// by input, so that each input's sum forms in registers, was measured no faster: the traffic
/// of one padded column through the L2 cache per event bounds both.)
template <class S>
void event_gradient(const matrix<S>& d, const std::vector<std::int32_t>& start, const std::vector<std::int32_t>& index,
                    const std::vector<S>& value, matrix<S>& gp, vector<S>& pad) {
  constexpr index_t R = event_block<S>;
  using block_t = Eigen::Array<S, R, 1>;
  const index_t np = gp.rows(), n = d.rows(), cols = d.cols();
  pad.setZero(np);
  for (index_t c = 0; c < cols; ++c) {
    const std::int32_t k0 = start[std::size_t(c)], k1 = start[std::size_t(c + 1)];
    if (k0 == k1) continue;
    pad.head(n) = d.col(c);
    for (std::int32_t k = k0; k < k1; ++k) {
      S* g = gp.data() + index[std::size_t(k)] * np;
      const S v = value[std::size_t(k)];
      for (index_t r0 = 0; r0 < np; r0 += R)
        Eigen::Map<block_t>(g + r0) += v * Eigen::Map<const block_t>(pad.data() + r0);
    }
  }
}
}  // namespace detail

template <real_scalar S = float, surrogate_function Surrogate = fast_sigmoid>
class mode_snn {
 public:
  using scalar = S;
  using surrogate = Surrogate;
  using index_array = Eigen::Array<index_t, Eigen::Dynamic, Eigen::Dynamic>;

  /// Everything the adjoint needs from one forward pass over B trials of T steps, time-major:
  /// column t·B + b holds step t of trial b (N × (T·B) unless said). Every state is 0 before
  /// step 0, and t_last is −1 s.
  struct tape {
    index_t steps = 0, batch = 0;
    // the inputs: dense (x) or as events (column c's non-zero inputs x_index[x_start[c] …])
    bool events = false;
    matrix<S> x;                        ///< dense: n_in × (T·B); events: empty
    std::vector<std::int32_t> x_start;  ///< events: T·B + 1 offsets
    std::vector<std::int32_t> x_index;  ///< events: the inputs that are non-zero
    std::vector<S> x_value;             ///< events: their values
    bool event_product = false;         ///< events: summed (input_product::sparse) or by GEMM
    matrix<S> w_pad, g_pad;             ///< event sums: W_in and its gradient with padded rows
    vector<S> pad;
    matrix<S> x_step;  ///< events by GEMM: one step's inputs, n_in × B
    // the states
    matrix<S> cur;      ///< lif: synaptic current I; leaky: its input W_in·x + W_r·r(t−1)
    matrix<S> u;        ///< membrane potential (lif: after clamp and reset; leaky: mem)
    matrix<S> s;        ///< spikes, 0 or 1 (smooth values with smooth_spikes)
    matrix<S> gate;     ///< lif: the refractory indicator 1[t > t_last + t_ref]; leaky: the detached reset
    matrix<S> r;        ///< filtered rates
    matrix<S> z;        ///< modes: ξ_outᵀ·r(t − 1), P × (T·B) (0 at step 0); full rank: empty
    array2d<S> t_last;  ///< lif: time of the last spike in steps, after the last step, N × B
    array2d<S> h;       ///< double filters: the rise variable after the last step, N × B
    matrix<S> rm;       ///< max_over_time: max over steps of r, N × B
    index_array arg;    ///< max_over_time: the (first) step where r reaches rm, N × B
    /// Outputs, n_out × (T·B). per_step: W_out·r(t) at every step. max_over_time: W_out·rm in
    /// the columns of the last step, (T − 1)·B + b, and 0 in every other column (those
    /// depend on no parameter, so a loss may ignore them or not).
    matrix<S> o;
    matrix<S> xl;      ///< ξ_in·diag(λ) of this pass, N × P
    matrix<S> xl_out;  ///< ξ_out·diag(λ), N × P (adjoint)
    // adjoint scratch
    matrix<S> d_c;     ///< dL/d(cur), N × (T·B)
    matrix<S> d_z;     ///< ξ_inᵀ·dL/d(cur), P × (T·B)
    matrix<S> d_read;  ///< per_step: W_outᵀ·dL/do, N × (T·B); max_over_time: N × B
    matrix<S> d_r, d_r_next, d_h, d_h_next, d_next, ext, scratch;  ///< N × B
  };

  mode_snn(mode_snn_params p, seed s) : p_(std::move(p)) {
    p_.validate();
    allocate();
    // B.4 / B.5 (std values): W_in ~ N(0, 1/√n_in), ξ ~ N(0, 1/√P), λ ~ N(0, 1/√N),
    // W_out ~ N(0, 1/√n_out), one stream per block. Full rank: W_rec ~ N(0, 1/N), the
    // variance Σ_μ λ_μ²·ξ_in²·ξ_out² of the mode product's entries at P = N.
    const double n = p_.n;
    rng(s, purpose::input_weights).fill_normal(w_in(), S(1 / std::sqrt(double(p_.n_inputs))));
    rng(s, purpose::output_weights).fill_normal(w_out(), S(1 / std::sqrt(double(p_.n_outputs))));
    if (p_.full_rank) {
      rng(s, purpose::recurrent_weights).fill_normal(w_rec(), S(1 / n));
    } else {
      const S sd_mode = S(1 / std::sqrt(double(p_.p)));
      rng(s, purpose::input_modes).fill_normal(xi_in(), sd_mode);
      rng(s, purpose::output_modes).fill_normal(xi_out(), sd_mode);
      rng(s, purpose::mode_scores).fill_normal(lambda(), S(1 / std::sqrt(n)));
    }
  }

  // ---- structure ----------------------------------------------------------------------------
  const mode_snn_params& params() const { return p_; }
  index_t size() const { return p_.n; }
  index_t n_inputs() const { return p_.n_inputs; }
  index_t n_outputs() const { return p_.n_outputs; }
  /// P; 0 with full_rank.
  index_t modes() const { return p_.full_rank ? 0 : p_.p; }
  bool full_rank() const { return p_.full_rank; }
  mode_snn_constants<S> constants() const { return mode_snn_constants<S>::from(p_); }

  /// Tests only: switch the smooth forward pass (see mode_snn_params::smooth_spikes).
  void set_smooth_spikes(bool on) { p_.smooth_spikes = on; }
  /// How W_in·x is computed (the results agree up to rounding).
  void set_input_product(input_product how) { p_.input = how; }

  // ---- parameters: one flat vector, named blocks ---------------------------------------------
  // Orientation: postsynaptic rows, as the original (Win is hidden × input, pin/pout hidden × P,
  // l has P entries, Wout output × hidden). Blocks absent in a mode have size 0 and are frozen.
  vector<S>& parameters() { return theta_; }
  const vector<S>& parameters() const { return theta_; }
  const param_layout& layout() const { return layout_; }

  Eigen::Map<matrix<S>> w_in() { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<const matrix<S>> w_in() const { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<matrix<S>> xi_in() { return block(1, p_.n, modes()); }
  Eigen::Map<const matrix<S>> xi_in() const { return block(1, p_.n, modes()); }
  Eigen::Map<vector<S>> lambda() { return {theta_.data() + layout_[2].offset, modes()}; }
  Eigen::Map<const vector<S>> lambda() const { return {theta_.data() + layout_[2].offset, modes()}; }
  Eigen::Map<matrix<S>> xi_out() { return block(3, p_.n, modes()); }
  Eigen::Map<const matrix<S>> xi_out() const { return block(3, p_.n, modes()); }
  Eigen::Map<matrix<S>> w_out() { return block(4, p_.n_outputs, p_.n); }
  Eigen::Map<const matrix<S>> w_out() const { return block(4, p_.n_outputs, p_.n); }
  Eigen::Map<matrix<S>> w_rec() { return block(5, rec_n(), rec_n()); }
  Eigen::Map<const matrix<S>> w_rec() const { return block(5, rec_n(), rec_n()); }

  /// The recurrent matrix W_r (N × N), formed explicitly — for analysis and tests; the
  /// simulation never forms it in mode form.
  matrix<S> recurrent_matrix() const {
    if (p_.full_rank) return w_rec();
    return xi_in() * lambda().asDiagonal() * xi_out().transpose();
  }

  // ---- forward ------------------------------------------------------------------------------
  /// Runs B trials, each an n_inputs × T matrix (the same T for all; doubles, any values,
  /// converted once to S), filling `tp`; the outputs are tp.o (see tape::o). Deterministic.
  void forward(std::span<const matrix<double>* const> inputs, tape& tp) const {
    const index_t B = static_cast<index_t>(inputs.size());
    require(B > 0, "inputs", "at least one trial");
    const index_t T = inputs[0]->cols(), n_in = p_.n_inputs;
    require(T >= 1, "inputs", "at least one step");
    for (index_t b = 0; b < B; ++b) {
      const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
      require(u.rows() == n_in, "inputs", std::to_string(n_in) + " input rows, got " + std::to_string(u.rows()));
      require(u.cols() == T, "inputs", "every trial of a batch with the same length");
    }
    resize_tape(tp, T, B, p_.input == input_product::sparse);
    if (!tp.events) {
      for (index_t b = 0; b < B; ++b) {
        const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
        for (index_t t = 0; t < T; ++t) tp.x.col(t * B + b) = u.col(t).template cast<S>();
      }
    } else {
      // the non-zero inputs of every column, found without branches, in column order
      std::size_t count = 0;
      for (index_t t = 0; t < T; ++t)
        for (index_t b = 0; b < B; ++b) {
          tp.x_start[std::size_t(t * B + b)] = std::int32_t(count);
          if (tp.x_index.size() < count + std::size_t(n_in)) {
            tp.x_index.resize(std::max(2 * tp.x_index.size(), count + std::size_t(n_in)));
            tp.x_value.resize(tp.x_index.size());
          }
          const double* col = inputs[static_cast<std::size_t>(b)]->data() + t * n_in;
          std::int32_t* idx = tp.x_index.data() + count;
          S* val = tp.x_value.data() + count;
          std::size_t m = 0;
          for (index_t j = 0; j < n_in; ++j) {
            idx[m] = std::int32_t(j);
            val[m] = static_cast<S>(col[j]);
            m += col[j] != 0.0;
          }
          count += m;
        }
      require(count <= std::size_t(INT32_MAX), "inputs", "fewer than 2³¹ non-zero inputs in a batch");
      tp.x_start[std::size_t(T * B)] = std::int32_t(count);
      tp.x_index.resize(count);
      tp.x_value.resize(count);
    }
    run(tp);
  }

  /// The same for a vector of input matrices.
  void forward(std::span<const matrix<double>> inputs, tape& tp) const {
    const auto ptrs = input_pointers(inputs);
    forward(std::span<const matrix<double>* const>(ptrs), tp);
  }

  /// Runs B trials given as binary spike events (e.g. bernoulli_rate_events): the same as the
  /// 0/1 matrices, without them. input_product::sparse sums the W_in columns of the events;
  /// dense expands each step's events into an n_in × B block for a GEMM (better when more
  /// than about a quarter of the inputs spike at each step).
  void forward(std::span<const spike_events* const> inputs, tape& tp) const {
    const index_t B = static_cast<index_t>(inputs.size());
    require(B > 0, "inputs", "at least one trial");
    const index_t T = inputs[0]->steps;
    require(T >= 1, "inputs", "at least one step");
    std::size_t total = 0;
    for (index_t b = 0; b < B; ++b) {
      const spike_events& e = *inputs[static_cast<std::size_t>(b)];
      require(e.channels == p_.n_inputs, "inputs",
              std::to_string(p_.n_inputs) + " input channels, got " + std::to_string(e.channels));
      require(e.steps == T, "inputs", "every trial of a batch with the same length");
      require(e.start.size() == std::size_t(T + 1) && e.start.front() == 0 &&
                  std::size_t(e.start.back()) == e.index.size() && std::is_sorted(e.start.begin(), e.start.end()),
              "inputs", "spike events with T + 1 non-decreasing offsets from 0 to the number of spikes");
      total += e.index.size();
    }
    require(total <= std::size_t(INT32_MAX), "inputs", "fewer than 2³¹ spikes in a batch");
    resize_tape(tp, T, B, true);
    tp.x_index.resize(total);
    tp.x_value.assign(total, S(1));
    std::size_t count = 0;
    bool in_range = true;
    for (index_t t = 0; t < T; ++t)
      for (index_t b = 0; b < B; ++b) {
        const spike_events& e = *inputs[static_cast<std::size_t>(b)];
        tp.x_start[std::size_t(t * B + b)] = std::int32_t(count);
        const std::int32_t k0 = e.start[std::size_t(t)], k1 = e.start[std::size_t(t + 1)];
        if (k0 == k1) continue;
        const auto first = e.index.begin() + k0, last = e.index.begin() + k1;
        const auto [lo, hi] = std::minmax_element(first, last);
        in_range = in_range && *lo >= 0 && *hi < p_.n_inputs;
        std::copy(first, last, tp.x_index.begin() + std::ptrdiff_t(count));
        count += std::size_t(k1 - k0);
      }
    require(in_range, "inputs", "spike channels in [0, n_inputs)");
    tp.x_start[std::size_t(T * B)] = std::int32_t(count);
    run(tp);
  }

  /// The same for a vector of spike events.
  void forward(std::span<const spike_events> inputs, tape& tp) const {
    std::vector<const spike_events*> ptrs;
    for (const auto& e : inputs) ptrs.push_back(&e);
    forward(std::span<const spike_events* const>(ptrs), tp);
  }

  // ---- adjoint ------------------------------------------------------------------------------
  /// Given dL/do (n_out × (T·B), time-major like tp.o; with max_over_time only the last step's
  /// columns are read), adds dL/dθ into `grad` (the layout of parameters()).
  void backward(tape& tp, const matrix<S>& d_o, vector<S>& grad) const {
    const index_t T = tp.steps, B = tp.batch, N = p_.n, P = modes();
    require(d_o.rows() == p_.n_outputs && d_o.cols() == T * B, "d_o", "n_out × (T·B) output gradients");
    require(grad.size() == theta_.size(), "grad", "the parameter vector's size");
    const mode_snn_constants<S> k = constants();
    const bool lif = p_.neuron == mode_neuron::lif, single = p_.filter == mode_filter::single;
    const bool max_read = p_.readout == mode_readout::max_over_time;
    const bool zero_reset = p_.leaky.reset == leaky_reset::zero;
    if (!p_.full_rank) tp.xl_out.noalias() = xi_out() * lambda().asDiagonal();

    // The readout: per_step y(t) = W_out·r(t); max_over_time y = W_out·rm at the last step.
    if (max_read) {
      const auto d_y = d_o.rightCols(B);
      tp.d_read.noalias() = w_out().transpose() * d_y;  // dL/drm, N × B
      block_of(grad, 4, p_.n_outputs, N).noalias() += d_y * tp.rm.transpose();
    } else {
      tp.d_read.noalias() = w_out().transpose() * d_o;
      block_of(grad, 4, p_.n_outputs, N).noalias() += d_o * tp.r.transpose();
    }

    // From the last step back, for all neurons and trials at once. With the adjoints of step
    // i+1 complete (δr, δh, δc of step i+1 and, lif, q = gate·δu; leaky, δmem):
    //   δr(i) = readout(i) + ld·δr(i+1) + W_rᵀ·δc(i+1)
    //   δh(i) = cr·δr(i) + lr·δh(i+1)                                   (double filters)
    //   ext(i) = cs·δr(i+1) | ch·δh(i+1)        (the filter of step i+1 reads s(i))
    //   lif:   δs(i) = ext(i) − v(i+1)·q(i+1)   (the reset (1 − s(i)) of step i+1, with
    //          v(i+1) = lm·u(i) + (1 − lm)·I(i+1) the membrane before clamp and reset)
    //          δu(i) = S'(u(i) − thr)·δs(i) + lm·(1 − s(i))·q(i+1);  q(i) = gate(i)·δu(i)
    //          δc(i) = δI(i) = (1 − lm)·(1 − s(i−1))·q(i) + ls·δI(i+1)
    //   leaky: δmem(i) = S'(mem(i) − thr)·ext(i) + β·κ(i+1)·δmem(i+1);  δc(i) = κ(i)·δmem(i)
    //          with κ = 1 (subtract) or 1 − reset (zero); the reset itself is detached.
    // At the last step s(T−1) reaches nothing, so δs = δu = 0 there.
    auto d_next = tp.d_next.array();  // lif: q(i+1); leaky: δmem(i+1)
    auto ext = tp.ext.array();
    auto tmp = tp.scratch.array();
    for (index_t i = T - 1; i >= 0; --i) {
      const index_t c0 = i * B, n0 = (i + 1) * B;
      const bool has_next = i + 1 < T;
      auto d_r = tp.d_r.array();
      auto d_r_next = tp.d_r_next.array();
      auto d_h = tp.d_h.array();
      auto d_h_next = tp.d_h_next.array();
      // δr(i)
      if (max_read)
        d_r = (tp.arg == i).select(tp.d_read.array(), S(0));
      else
        d_r = tp.d_read.middleCols(c0, B).array();
      if (has_next) {
        d_r += k.ld * d_r_next;
        if (p_.full_rank)
          tp.d_r.noalias() += w_rec().transpose() * tp.d_c.middleCols(n0, B);
        else
          tp.d_r.noalias() += tp.xl_out.lazyProduct(tp.d_z.middleCols(n0, B));  // ξ_out·diag(λ)·d_z
        if (single)
          ext = k.cs * d_r_next;
        else
          ext = k.ch * d_h_next;
      }
      if (!single) {
        if (has_next)
          d_h = k.cr * d_r + k.lr * d_h_next;
        else
          d_h = k.cr * d_r;
      }
      // the neuron: δc(i) into tp.d_c
      auto d_c = tp.d_c.middleCols(c0, B).array();
      const auto u = tp.u.middleCols(c0, B).array();
      const auto gate = tp.gate.middleCols(c0, B).array();
      if (lif) {
        if (has_next) {  // tmp = δu(i)
          const auto s = tp.s.middleCols(c0, B).array();
          const auto v_next = k.lm * u + (S(1) - k.lm) * tp.cur.middleCols(n0, B).array();
          tmp = Surrogate::grad(u - k.v_thr) * (ext - v_next * d_next) + k.lm * (S(1) - s) * d_next;
          d_next = gate * tmp;  // q(i)
        } else {
          d_next.setZero();
        }
        if (i > 0)
          d_c = (S(1) - k.lm) * (S(1) - tp.s.middleCols(c0 - B, B).array()) * d_next;
        else
          d_c = (S(1) - k.lm) * d_next;
        if (has_next) d_c += k.ls * tp.d_c.middleCols(n0, B).array();
      } else {
        if (has_next) {
          if (zero_reset)
            d_next = Surrogate::grad(u - k.v_thr) * ext + k.beta * (S(1) - tp.gate.middleCols(n0, B).array()) * d_next;
          else
            d_next = Surrogate::grad(u - k.v_thr) * ext + k.beta * d_next;
        } else {
          d_next.setZero();
        }
        if (zero_reset)
          d_c = (S(1) - gate) * d_next;
        else
          d_c = d_next;
      }
      if (!p_.full_rank) tp.d_z.middleCols(c0, B).noalias() = xi_in().transpose().lazyProduct(tp.d_c.middleCols(c0, B));
      tp.d_r.swap(tp.d_r_next);  // δr(i) and δh(i) become "next" for step i − 1
      tp.d_h.swap(tp.d_h_next);
    }

    // Weights, each as one product over all steps (W_in: event-driven for event inputs).
    if (tp.events && tp.event_product) {
      tp.g_pad.setZero();
      detail::event_gradient(tp.d_c, tp.x_start, tp.x_index, tp.x_value, tp.g_pad, tp.pad);
      block_of(grad, 0, N, p_.n_inputs) += tp.g_pad.topRows(N);
    } else if (tp.events) {
      for (index_t i = 0; i < T; ++i) {
        expand_step(tp, i);
        block_of(grad, 0, N, p_.n_inputs).noalias() += tp.d_c.middleCols(i * B, B) * tp.x_step.transpose();
      }
    } else {
      block_of(grad, 0, N, p_.n_inputs).noalias() += tp.d_c * tp.x.transpose();
    }
    if (T > 1) {
      const index_t late = (T - 1) * B;  // steps 1 … T−1 see r of steps 0 … T−2
      if (p_.full_rank) {
        block_of(grad, 5, N, N).noalias() += tp.d_c.rightCols(late) * tp.r.leftCols(late).transpose();
      } else {
        // rec(i) = ξ_in·diag(λ)·z(i), z(i) = ξ_outᵀ·r(i−1); d_z(i) = ξ_inᵀ·δc(i)
        block_of(grad, 1, N, P).noalias() +=
            (tp.d_c.rightCols(late) * tp.z.rightCols(late).transpose()) * lambda().asDiagonal();
        grad.segment(layout_[2].offset, P) +=
            (tp.d_z.rightCols(late).array() * tp.z.rightCols(late).array()).rowwise().sum().matrix();
        block_of(grad, 3, N, P).noalias() +=
            (tp.r.leftCols(late) * tp.d_z.rightCols(late).transpose()) * lambda().asDiagonal();
      }
    }
  }

 private:
  index_t rec_n() const { return p_.full_rank ? p_.n : 0; }

  /// The network over the inputs placed in the tape (B.3 step by step).
  void run(tape& tp) const {
    const index_t T = tp.steps, B = tp.batch;
    const mode_snn_constants<S> k = constants();
    const bool lif = p_.neuron == mode_neuron::lif, single = p_.filter == mode_filter::single;
    const bool max_read = p_.readout == mode_readout::max_over_time;
    if (!p_.full_rank) tp.xl.noalias() = xi_in() * lambda().asDiagonal();
    // W_in·x of every step at once
    if (tp.events && tp.event_product) {
      tp.w_pad.topRows(p_.n) = w_in();
      tp.w_pad.bottomRows(tp.w_pad.rows() - p_.n).setZero();
      detail::event_product(tp.w_pad, tp.x_start, tp.x_index, tp.x_value, tp.cur);
    } else if (tp.events) {
      for (index_t i = 0; i < T; ++i) {
        expand_step(tp, i);
        tp.cur.middleCols(i * B, B).noalias() = w_in() * tp.x_step;
      }
    } else {
      tp.cur.noalias() = w_in() * tp.x;  // one GEMM
    }
    if (lif) tp.t_last.setConstant(k.t_last0);

    for (index_t i = 0; i < T; ++i) {
      const index_t c0 = i * B, p0 = (i - 1) * B;  // this step's and the previous step's columns
      auto cur = tp.cur.middleCols(c0, B);
      // 1. the recurrent input W_r·r(t − 1): none at step 0 (r = 0 before)
      if (i > 0) {
        const auto r_prev = tp.r.middleCols(p0, B);
        if (p_.full_rank) {
          cur.noalias() += w_rec() * r_prev;
        } else {
          auto zi = tp.z.middleCols(c0, B);
          // thin products, P ≪ N: coefficient-wise (lazy) beats GEMM's packing here
          zi.noalias() = xi_out().transpose().lazyProduct(r_prev);  // P × B
          cur.noalias() += tp.xl.lazyProduct(zi);                   // (ξ_in·diag λ)·(ξ_outᵀ·r)
        }
      } else if (!p_.full_rank) {
        tp.z.middleCols(0, B).setZero();
      }
      auto u = tp.u.middleCols(c0, B).array();
      auto gate = tp.gate.middleCols(c0, B).array();
      // 2. the neuron (its membrane; the spike comes after the filter, as in B.3)
      if (lif) {
        auto I = cur.array();
        // refractory indicator 1[t_i > t_last + t_ref], in steps: i − t_last > refractory_steps.
        // With 0/1 spikes t_last is a whole number of steps, so the comparison is exact (the
        // original compares float32 seconds, where t_i = t_last + 5·dt can round either way;
        // here a spike at step k clamps steps k+1 … k+5). It carries no gradient.
        gate = ((S(i) - tp.t_last) > k.ref).template cast<S>();
        if (i > 0) {
          I += k.ls * tp.cur.middleCols(p0, B).array();
          // (1 − s) multiplies by the previous spike. In the original s is the output of the
          // surrogate spike function, not detached, so this reset carries the surrogate gradient
          // of the previous spike (backward() follows it).
          u = gate * (k.lm * tp.u.middleCols(p0, B).array() + (S(1) - k.lm) * I) *
              (S(1) - tp.s.middleCols(p0, B).array());
        } else {
          u = gate * ((S(1) - k.lm) * I);
        }
      } else {
        // snnTorch Leaky, state passed explicitly: reset = S(mem(t−1) − thr), DETACHED (the
        // Heaviside value, also with smooth_spikes, so it stays piecewise constant); subtract:
        // mem = β·(mem(t−1) − reset·thr) + input (β scales the threshold on this path); zero:
        // mem = (β·mem(t−1) + input)·(1 − reset).
        const auto c = cur.array();
        if (i > 0) {
          const auto m_prev = tp.u.middleCols(p0, B).array();
          gate = Surrogate::spike(m_prev - k.v_thr);
          if (p_.leaky.reset == leaky_reset::subtract)
            u = k.beta * (m_prev - gate * k.v_thr) + c;
          else
            u = (k.beta * m_prev + c) * (S(1) - gate);
        } else {
          gate.setZero();
          u = c;
        }
      }
      // 3. the filter, fed the PREVIOUS spike (0 before step 0, so r = h = 0 at step 0)
      auto r = tp.r.middleCols(c0, B).array();
      if (i > 0) {
        const auto s_prev = tp.s.middleCols(p0, B).array();
        const auto r_prev = tp.r.middleCols(p0, B).array();
        if (single) {
          r = k.ld * r_prev + k.cs * s_prev;
        } else {
          tp.h = k.lr * tp.h + k.ch * s_prev;
          r = k.ld * r_prev + k.cr * tp.h;
        }
      } else {
        r.setZero();
        if (!single) tp.h.setZero();
      }
      // 4. the spike S(u − thr), with the surrogate's gradient in backward
      auto s = tp.s.middleCols(c0, B).array();
      if (p_.smooth_spikes)
        s = Surrogate::smooth(u - k.v_thr);
      else
        s = Surrogate::spike(u - k.v_thr);
      // 5. t_last ← t_last + (t_i − t_last)·s (no gradient)
      if (lif) tp.t_last += (S(i) - tp.t_last) * s;
      // running max of r for the MNIST readout (ties keep the first step)
      if (max_read) {
        if (i == 0) {
          tp.rm = tp.r.middleCols(0, B);
          tp.arg.setZero();
        } else {
          auto rm = tp.rm.array();
          tp.arg = (r > rm).select(i, tp.arg);
          rm = rm.max(r);
        }
      }
    }
    if (max_read) {
      tp.o.setZero();
      tp.o.rightCols(B).noalias() = w_out() * tp.rm;
    } else {
      tp.o.noalias() = w_out() * tp.r;
    }
  }

  Eigen::Map<matrix<S>> block(std::size_t k, index_t rows, index_t cols) {
    return {theta_.data() + layout_[k].offset, rows, cols};
  }
  Eigen::Map<const matrix<S>> block(std::size_t k, index_t rows, index_t cols) const {
    return {theta_.data() + layout_[k].offset, rows, cols};
  }
  Eigen::Map<matrix<S>> block_of(vector<S>& v, std::size_t k, index_t rows, index_t cols) const {
    return {v.data() + layout_[k].offset, rows, cols};
  }

  void allocate() {
    const index_t n = p_.n, in = p_.n_inputs, out = p_.n_outputs, P = modes(), nr = rec_n();
    const index_t sizes[] = {n * in, n * P, P, n * P, out * n, nr * nr};
    const char* names[] = {"w_in", "xi_in", "lambda", "xi_out", "w_out", "w_rec"};
    layout_.clear();
    index_t offset = 0;
    for (int b = 0; b < 6; ++b) {
      layout_.push_back({names[b], offset, sizes[b], sizes[b] > 0});
      offset += sizes[b];
    }
    theta_ = vector<S>::Zero(offset);
  }

  /// Step i's events as the dense n_in × B block tp.x_step.
  void expand_step(tape& tp, index_t i) const {
    const index_t B = tp.batch;
    tp.x_step.setZero();
    for (index_t b = 0; b < B; ++b) {
      const std::size_t c = std::size_t(i * B + b);
      for (std::int32_t k = tp.x_start[c]; k < tp.x_start[c + 1]; ++k)
        tp.x_step(tp.x_index[std::size_t(k)], b) = tp.x_value[std::size_t(k)];
    }
  }

  void resize_tape(tape& tp, index_t T, index_t B, bool events) const {
    const index_t N = p_.n, TB = T * B, P = modes();
    const bool lif = p_.neuron == mode_neuron::lif, dbl = p_.filter != mode_filter::single;
    const bool max_read = p_.readout == mode_readout::max_over_time;
    tp.steps = T;
    tp.batch = B;
    tp.events = events;
    tp.event_product = events && p_.input == input_product::sparse;
    tp.x.resize(p_.n_inputs, events ? 0 : TB);
    if (events) tp.x_start.resize(std::size_t(TB + 1));
    if (tp.event_product) {
      const index_t R = detail::event_block<S>, np = (N + R - 1) / R * R;
      tp.w_pad.resize(np, p_.n_inputs);
      tp.g_pad.resize(np, p_.n_inputs);
    } else if (events) {
      tp.x_step.resize(p_.n_inputs, B);
    }
    tp.cur.resize(N, TB);
    tp.u.resize(N, TB);
    tp.s.resize(N, TB);
    tp.gate.resize(N, TB);
    tp.r.resize(N, TB);
    tp.z.resize(P, P > 0 ? TB : 0);
    tp.t_last.resize(N, lif ? B : 0);
    tp.h.resize(N, dbl ? B : 0);
    tp.rm.resize(N, max_read ? B : 0);
    tp.arg.resize(N, max_read ? B : 0);
    tp.o.resize(p_.n_outputs, TB);
    tp.xl.resize(N, P);
    tp.xl_out.resize(N, P);
    tp.d_c.resize(N, TB);
    tp.d_z.resize(P, P > 0 ? TB : 0);
    tp.d_read.resize(N, max_read ? B : TB);
    for (matrix<S>* m : {&tp.d_r, &tp.d_r_next, &tp.d_h, &tp.d_h_next, &tp.d_next, &tp.ext, &tp.scratch})
      m->resize(N, B);
  }

  mode_snn_params p_;
  vector<S> theta_;
  param_layout layout_;
};

/// B.1's mode importance (Figure/mnist_utils.py rank()): τ_μ = γ‖ξ_in,μ‖ + γ‖ξ_out,μ‖ + |λ_μ|
/// with γ = Σ_μ|λ_μ| / Σ_μ(‖ξ_in,μ‖ + ‖ξ_out,μ‖) (Euclidean column norms).
struct mode_ranking {
  vector<double> score;        ///< τ_μ per mode, in mode order
  std::vector<index_t> order;  ///< modes from the most to the least important (ties keep mode order)
  double gamma = 0;
};

template <class D1, class D2, class D3>
mode_ranking mode_importance(const Eigen::MatrixBase<D1>& xi_in, const Eigen::MatrixBase<D2>& lambda,
                             const Eigen::MatrixBase<D3>& xi_out) {
  const index_t P = xi_in.cols();
  require(P > 0, "xi_in", "at least one mode");
  require(xi_out.cols() == P && xi_out.rows() == xi_in.rows(), "xi_out", "the shape of xi_in (N × P)");
  require(lambda.size() == P, "lambda", "one score per mode (" + std::to_string(P) + ")");
  const vector<double> n_in = xi_in.template cast<double>().colwise().norm().transpose();
  const vector<double> n_out = xi_out.template cast<double>().colwise().norm().transpose();
  const vector<double> abs_l = lambda.template cast<double>().cwiseAbs().reshaped();
  const double norms = (n_in + n_out).sum();
  require(norms > 0, "xi_in", "modes that are not all zero");
  mode_ranking m;
  m.gamma = abs_l.sum() / norms;
  m.score = m.gamma * (n_in + n_out) + abs_l;
  m.order.resize(static_cast<std::size_t>(P));
  std::iota(m.order.begin(), m.order.end(), index_t{0});
  std::stable_sort(m.order.begin(), m.order.end(), [&](index_t a, index_t b) { return m.score[a] > m.score[b]; });
  return m;
}

/// The importance of a network's modes (not defined with full_rank).
template <class S, class Sur>
mode_ranking mode_importance(const mode_snn<S, Sur>& net) {
  require(!net.full_rank(), "full_rank", "a network with modes (full_rank = false)");
  return mode_importance(net.xi_in(), net.lambda(), net.xi_out());
}

}  // namespace spikernn
