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
//   neuron  lif   — the custom LIF of B.3 (synaptic current, reset to 0, 5-step refractory;
//                   its per-unit maths in neuron/synaptic_lif.hpp);
//           leaky — snnTorch's Leaky of B.2 (β, threshold, detached subtract or zero reset;
//                   neuron/snntorch_leaky.hpp);
//   filter  single / double_mnist / double_mante (B.3 step 3), all fed the PREVIOUS spike;
//   readout max_over_time (MNIST: y = W_out·max_t r, at the last step) / per_step (mante);
//   input   sparse — W_in·x event-driven: each step's current is the sum of the columns of
//           W_in of the inputs that are non-zero (rate-encoded MNIST is ≈ 13% ones; there it
//           measured ≈ 2.5× faster than the GEMM, forward and backward; at 50% ones about as
//           fast) — or dense — one GEMM over all steps (analog inputs, e.g. mante) — or
//           automatic (the default), which picks one per batch from the measured density
//           (auto_event_density). They differ only by rounding; a trial's result does not depend
//           on its batch.
// A tape reused from call to call keeps its storage: with the event-driven product and P ≤ 8
// modes, forward() and backward() allocate nothing once the shapes are set.
// forward() takes dense n_in × T matrices (any values) or spike_events (task/rate_encoding.hpp).
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/neuron/snntorch_leaky.hpp"
#include "spikernn/neuron/surrogate.hpp"
#include "spikernn/neuron/synaptic_lif.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/core/param_store.hpp"
#include "spikernn/network/event_product.hpp"
#include "spikernn/network/mode_snn_params.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// The elementwise passes of mode_snn read and write distinct arrays: tell the vectorizer so
// (GCC cannot prove it for a dozen pointers and gives up on versioning the loop).
#if defined(__clang__)
#define SPIKERNN_MODE_SNN_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define SPIKERNN_MODE_SNN_IVDEP _Pragma("GCC ivdep")
#else
#define SPIKERNN_MODE_SNN_IVDEP
#endif

namespace spikernn {

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
    matrix<S> x;                                    ///< dense: n_in × (T·B); events: empty
    std::vector<std::int32_t> x_start;              ///< events: T·B + 1 offsets
    std::vector<std::int32_t> x_index;              ///< events: the inputs that are non-zero
    std::vector<S> x_value;                         ///< events: their values
    bool event_product = false;                     ///< events: summed (input_product::sparse) or by GEMM
    bool unit_values = false;                       ///< events: every value is 1 (spike events, 0/1 matrices)
    matrix<S> w_pad, g_pad;                         ///< event sums: W_in and its gradient with padded rows
    detail::event_groups<S> groups;                 ///< event sums: the events grouped by input
    std::vector<const spike_events*> event_ptrs;    ///< forward(span<const spike_events>) scratch
    std::vector<const matrix<double>*> input_ptrs;  ///< forward(span<const matrix<double>>) scratch
    matrix<S> g_xi_in, g_xi_out;                    ///< modes: N × P gradient sums (backward)
    matrix<S> x_step;                               ///< events by GEMM: one step's inputs, n_in × B
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
    matrix<S> d_r, d_r_next, d_h, d_h_next, d_next, ext;  ///< N × B
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
  vector<S>& parameters() { return params_.values(); }
  const vector<S>& parameters() const { return params_.values(); }
  const param_layout& layout() const { return params_.layout(); }

  Eigen::Map<matrix<S>> w_in() { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<const matrix<S>> w_in() const { return block(0, p_.n, p_.n_inputs); }
  Eigen::Map<matrix<S>> xi_in() { return block(1, p_.n, modes()); }
  Eigen::Map<const matrix<S>> xi_in() const { return block(1, p_.n, modes()); }
  Eigen::Map<vector<S>> lambda() { return params_.segment(2); }
  Eigen::Map<const vector<S>> lambda() const { return params_.segment(2); }
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
    if (!(B > 0)) require(false, "inputs", "at least one trial");
    const index_t T = inputs[0]->cols(), n_in = p_.n_inputs;
    if (!(T >= 1)) require(false, "inputs", "at least one step");
    for (index_t b = 0; b < B; ++b) {
      const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
      if (!(u.rows() == n_in))
        require(false, "inputs", std::to_string(n_in) + " input rows, got " + std::to_string(u.rows()));
      if (!(u.cols() == T)) require(false, "inputs", "every trial of a batch with the same length");
    }
    bool events = p_.input == input_product::sparse;
    if (p_.input == input_product::automatic) {
      std::size_t nonzero = 0;
      for (index_t b = 0; b < B; ++b) {
        const double* x = inputs[static_cast<std::size_t>(b)]->data();
        for (index_t j = 0; j < n_in * T; ++j) nonzero += x[j] != 0.0;
      }
      events = double(nonzero) <= auto_event_density * double(n_in) * double(T) * double(B);
    }
    resize_tape(tp, T, B, events, events);
    if (!tp.events) {
      for (index_t b = 0; b < B; ++b) {
        const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
        for (index_t t = 0; t < T; ++t) tp.x.col(t * B + b) = u.col(t).template cast<S>();
      }
    } else {
      // the non-zero inputs of every column, found without branches, in column order
      std::size_t count = 0;
      bool unit = true;
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
          bool ones = true;
          for (index_t j = 0; j < n_in; ++j) {
            idx[m] = std::int32_t(j);
            val[m] = static_cast<S>(col[j]);
            ones = ones && (col[j] == 0.0 || col[j] == 1.0);
            m += col[j] != 0.0;
          }
          unit = unit && ones;
          count += m;
        }
      if (!(count <= std::size_t(INT32_MAX))) require(false, "inputs", "fewer than 2³¹ non-zero inputs in a batch");
      tp.x_start[std::size_t(T * B)] = std::int32_t(count);
      tp.x_index.resize(count);
      tp.x_value.resize(count);
      tp.unit_values = unit;
    }
    run(tp);
  }

  /// The same for a vector of input matrices.
  void forward(std::span<const matrix<double>> inputs, tape& tp) const {
    tp.input_ptrs.clear();
    for (const auto& u : inputs) tp.input_ptrs.push_back(&u);
    forward(std::span<const matrix<double>* const>(tp.input_ptrs), tp);
  }

  /// Runs B trials given as binary spike events (e.g. bernoulli_rate_events): the same as the
  /// 0/1 matrices, without them. input_product::sparse sums the W_in columns of the events;
  /// dense expands each step's events into an n_in × B block for a GEMM (better when more
  /// than about a quarter of the inputs spike at each step).
  void forward(std::span<const spike_events* const> inputs, tape& tp) const {
    const index_t B = static_cast<index_t>(inputs.size());
    if (!(B > 0)) require(false, "inputs", "at least one trial");
    const index_t T = inputs[0]->steps;
    if (!(T >= 1)) require(false, "inputs", "at least one step");
    std::size_t total = 0;
    for (index_t b = 0; b < B; ++b) {
      const spike_events& e = *inputs[static_cast<std::size_t>(b)];
      if (!(e.channels == p_.n_inputs))
        require(false, "inputs", std::to_string(p_.n_inputs) + " input channels, got " + std::to_string(e.channels));
      if (!(e.steps == T)) require(false, "inputs", "every trial of a batch with the same length");
      if (!(e.start.size() == std::size_t(T + 1) && e.start.front() == 0 &&
            std::size_t(e.start.back()) == e.index.size() && std::is_sorted(e.start.begin(), e.start.end())))
        require(false, "inputs", "spike events with T + 1 non-decreasing offsets from 0 to the number of spikes");
      total += e.index.size();
    }
    if (!(total <= std::size_t(INT32_MAX))) require(false, "inputs", "fewer than 2³¹ spikes in a batch");
    const bool sum_events = p_.input == input_product::sparse ||
                            (p_.input == input_product::automatic &&
                             double(total) <= auto_event_density * double(p_.n_inputs) * double(T) * double(B));
    resize_tape(tp, T, B, true, sum_events);
    tp.unit_values = true;
    tp.x_index.resize(total);
    tp.x_value.assign(total, S(1));
    // the offsets (time-major), then each trial's events copied in one sequential read
    std::size_t count = 0;
    for (index_t t = 0; t < T; ++t)
      for (index_t b = 0; b < B; ++b) {
        const spike_events& e = *inputs[static_cast<std::size_t>(b)];
        tp.x_start[std::size_t(t * B + b)] = std::int32_t(count);
        count += std::size_t(e.start[std::size_t(t + 1)] - e.start[std::size_t(t)]);
      }
    tp.x_start[std::size_t(T * B)] = std::int32_t(count);
    std::uint32_t out_of_range = 0;
    const auto n_in = std::uint32_t(p_.n_inputs);
    for (index_t b = 0; b < B; ++b) {
      const spike_events& e = *inputs[static_cast<std::size_t>(b)];
      for (index_t t = 0; t < T; ++t) {
        const std::int32_t k0 = e.start[std::size_t(t)], k1 = e.start[std::size_t(t + 1)];
        const std::int32_t* __restrict src = e.index.data() + k0;
        std::int32_t* __restrict dst = tp.x_index.data() + tp.x_start[std::size_t(t * B + b)];
        for (std::int32_t k = 0; k < k1 - k0; ++k) {
          dst[k] = src[k];
          out_of_range |= std::uint32_t(std::uint32_t(src[k]) >= n_in);  // negatives wrap high
        }
      }
    }
    if (!(out_of_range == 0)) require(false, "inputs", "spike channels in [0, n_inputs)");
    run(tp);
  }

  /// The same for a vector of spike events.
  void forward(std::span<const spike_events> inputs, tape& tp) const {
    tp.event_ptrs.clear();
    for (const auto& e : inputs) tp.event_ptrs.push_back(&e);
    forward(std::span<const spike_events* const>(tp.event_ptrs), tp);
  }
  /// The same for a batch of dataset samples or of spike events (the engine's forms).
  void forward(const sample_batch& batch, tape& tp) const {
    forward(std::span<const matrix<double>* const>(batch.inputs), tp);
  }
  void forward(const event_batch& batch, tape& tp) const { forward(std::span<const spike_events>(batch.events), tp); }

  // ---- adjoint ------------------------------------------------------------------------------
  /// Given dL/do (n_out × (T·B), time-major like tp.o; with max_over_time only the last step's
  /// columns are read), adds dL/dθ into `grad` (the layout of parameters()).
  void backward(tape& tp, const matrix<S>& d_o, vector<S>& grad) const {
    const index_t T = tp.steps, B = tp.batch, N = p_.n, P = modes();
    if (!(d_o.rows() == p_.n_outputs && d_o.cols() == T * B)) require(false, "d_o", "n_out × (T·B) output gradients");
    if (!(grad.size() == params_.size())) require(false, "grad", "the parameter vector's size");
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
    for (index_t i = T - 1; i >= 0; --i) {
      const index_t c0 = i * B, n0 = (i + 1) * B;
      const bool has_next = i + 1 < T;
      auto d_r = tp.d_r.array();
      auto d_r_next = tp.d_r_next.array();
      auto d_h = tp.d_h.array();
      auto d_h_next = tp.d_h_next.array();
      // δr(i)
      {
        const index_t len = N * B;
        S* __restrict const dr = tp.d_r.data();
        const S* __restrict const drn = tp.d_r_next.data();
        const S* __restrict const dread = tp.d_read.data() + (max_read ? 0 : c0 * N);
        const index_t* __restrict const arg = tp.arg.data();
        const S ld = k.ld;
        if (max_read && has_next) {
          SPIKERNN_MODE_SNN_IVDEP
          for (index_t e = 0; e < len; ++e) dr[e] = (arg[e] == i ? dread[e] : S(0)) + ld * drn[e];
        } else if (max_read) {
          SPIKERNN_MODE_SNN_IVDEP
          for (index_t e = 0; e < len; ++e) dr[e] = arg[e] == i ? dread[e] : S(0);
        } else if (has_next) {
          SPIKERNN_MODE_SNN_IVDEP
          for (index_t e = 0; e < len; ++e) dr[e] = dread[e] + ld * drn[e];
        } else {
          std::copy(dread, dread + len, dr);
        }
      }
      if (has_next) {
        if (p_.full_rank)
          tp.d_r.noalias() += w_rec().transpose() * tp.d_c.middleCols(n0, B);
        else
          thin_product_add(tp.xl_out, tp.d_z.middleCols(n0, B), tp.d_r);  // ξ_out·diag(λ)·d_z
        if (lif) {  // the rest of the step in one pass (lif_adjoint_step)
          lif_adjoint_dispatch(tp, i, k, single);
          if (!p_.full_rank) thin_product_set(xi_in().transpose(), tp.d_c.middleCols(c0, B), tp.d_z.middleCols(c0, B));
          tp.d_r.swap(tp.d_r_next);
          tp.d_h.swap(tp.d_h_next);
          continue;
        }
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
      if (lif) {  // the last step (the others went through lif_adjoint_step): s(T−1) reaches nothing
        d_next.setZero();
        d_c.setZero();
      } else {  // snnTorch Leaky (neuron/snntorch_leaky.hpp); κ = 1 − reset with the zero reset
        const auto u = tp.u.middleCols(c0, B).array();
        const auto gate = tp.gate.middleCols(c0, B).array();
        if (has_next) {
          if (zero_reset)
            d_next = snntorch_leaky::membrane_adjoint_zero(Surrogate::grad(u - k.v_thr), ext,
                                                           tp.gate.middleCols(n0, B).array(), d_next, k.beta);
          else
            d_next = snntorch_leaky::membrane_adjoint_subtract(Surrogate::grad(u - k.v_thr), ext, d_next, k.beta);
        } else {
          d_next.setZero();
        }
        if (zero_reset)
          d_c = (S(1) - gate) * d_next;
        else
          d_c = d_next;
      }
      if (!p_.full_rank) thin_product_set(xi_in().transpose(), tp.d_c.middleCols(c0, B), tp.d_z.middleCols(c0, B));
      tp.d_r.swap(tp.d_r_next);  // δr(i) and δh(i) become "next" for step i − 1
      tp.d_h.swap(tp.d_h_next);
    }

    // Weights, each as one product over all steps (W_in: event-driven for event inputs).
    if (tp.events && tp.event_product) {
      tp.g_pad.setZero();
      tp.groups.build(tp.x_start, tp.x_index, tp.x_value, T * B, p_.n_inputs, event_group, tp.unit_values);
      detail::event_gradient(tp.d_c, tp.groups, tp.g_pad);
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
        // rec(i) = ξ_in·diag(λ)·z(i), z(i) = ξ_outᵀ·r(i−1); d_z(i) = ξ_inᵀ·δc(i). The N × P
        // sums over T·B columns as column updates (P ≪ N: a GEMM would copy δc and r to pack them)
        tp.g_xi_in.setZero();
        tp.g_xi_out.setZero();
        if (P > thin_modes) {
          tp.g_xi_in.noalias() = tp.d_c.rightCols(late) * tp.z.rightCols(late).transpose();
          tp.g_xi_out.noalias() = tp.r.leftCols(late) * tp.d_z.rightCols(late).transpose();
        }
        for (index_t c = 0; P <= thin_modes && c < late; ++c) {
          const S* dc = tp.d_c.data() + (B + c) * N;
          const S* rr = tp.r.data() + c * N;
          const S* zc = tp.z.data() + (B + c) * P;
          const S* dz = tp.d_z.data() + (B + c) * P;
          for (index_t q = 0; q < P; ++q) {
            S* gi = tp.g_xi_in.data() + q * N;
            S* go = tp.g_xi_out.data() + q * N;
            const S zq = zc[q], dq = dz[q];
            for (index_t n = 0; n < N; ++n) {
              gi[n] += dc[n] * zq;
              go[n] += rr[n] * dq;
            }
          }
        }
        block_of(grad, 1, N, P).noalias() += tp.g_xi_in * lambda().asDiagonal();
        grad.segment(params_[2].offset, P) +=
            (tp.d_z.rightCols(late).array() * tp.z.rightCols(late).array()).rowwise().sum().matrix();
        block_of(grad, 3, N, P).noalias() += tp.g_xi_out * lambda().asDiagonal();
      }
    }
  }

 private:
  index_t rec_n() const { return p_.full_rank ? p_.n : 0; }
  /// Up to this many modes the N × P products are coefficient-wise (lazy; GEMM's packing costs
  /// more than it saves), above it GEMMs (P = 100: 2× faster than lazy).
  static constexpr index_t thin_modes = 8;
  template <class A, class X, class Y>
  void thin_product_set(const A& a, const X& x, Y&& y) const {
    if (a.rows() <= thin_modes || a.cols() <= thin_modes)
      y.noalias() = a.lazyProduct(x);
    else
      y.noalias() = a * x;
  }
  template <class A, class X, class Y>
  void thin_product_add(const A& a, const X& x, Y&& y) const {
    if (a.rows() <= thin_modes || a.cols() <= thin_modes)
      y.noalias() += a.lazyProduct(x);
    else
      y.noalias() += a * x;
  }
  /// Columns per group of the event-driven W_in gradient (detail::event_gradient).
  static constexpr index_t event_group = 64;

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
      detail::event_product(tp.w_pad, tp.x_start, tp.x_index, tp.x_value, tp.cur, tp.unit_values);
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
          thin_product_set(xi_out().transpose(), r_prev, zi);  // P × B
          thin_product_add(tp.xl, zi, cur);                    // (ξ_in·diag λ)·(ξ_outᵀ·r)
        }
      } else if (!p_.full_rank) {
        tp.z.middleCols(0, B).setZero();
      }
      if (lif) {  // steps 2–5 and the running max in one pass (lif_step)
        lif_dispatch(tp, i, k, single, max_read);
        continue;
      }
      // 2. the neuron, snnTorch Leaky (neuron/snntorch_leaky.hpp), state passed explicitly; its
      // spike comes after the filter, as in B.3. The reset H(mem(t−1) − thr) is DETACHED (the
      // Heaviside value, also with smooth_spikes, so it stays piecewise constant).
      auto u = tp.u.middleCols(c0, B).array();
      auto gate = tp.gate.middleCols(c0, B).array();
      const auto c = cur.array();
      if (i > 0) {
        const auto m_prev = tp.u.middleCols(p0, B).array();
        gate = Surrogate::spike(m_prev - k.v_thr);
        if (p_.leaky.reset == leaky_reset::subtract)
          u = snntorch_leaky::membrane_subtract(m_prev, gate, c, k.beta, k.v_thr);
        else
          u = snntorch_leaky::membrane_zero(m_prev, gate, c, k.beta);
      } else {
        gate.setZero();
        u = c;
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

  void lif_adjoint_dispatch(tape& tp, index_t i, const mode_snn_constants<S>& k, bool single) const {
    if (single)
      i > 0 ? lif_adjoint_step<true, true>(tp, i, k) : lif_adjoint_step<true, false>(tp, i, k);
    else
      i > 0 ? lif_adjoint_step<false, true>(tp, i, k) : lif_adjoint_step<false, false>(tp, i, k);
  }
  /// backward()'s lif step i < T − 1 after δr(i) is complete, as one pass over N × B: ext, δh(i),
  /// q(i) (into d_next), δc(i) (neuron/synaptic_lif.hpp's adjoint).
  template <bool Single, bool HasPrev>
  void lif_adjoint_step(tape& tp, index_t i, const mode_snn_constants<S>& k) const {
    const index_t len = p_.n * tp.batch, c0 = i * len, n0 = c0 + len;
    const S* __restrict const dr = tp.d_r.data();
    const S* __restrict const drn = tp.d_r_next.data();
    S* __restrict const dh = tp.d_h.data();
    const S* __restrict const dhn = tp.d_h_next.data();
    S* __restrict const dn = tp.d_next.data();
    S* __restrict const dc = tp.d_c.data() + c0;
    const S* __restrict const dcn = tp.d_c.data() + n0;
    const S* __restrict const u = tp.u.data() + c0;
    const S* __restrict const s = tp.s.data() + c0;
    const S* __restrict const sp = tp.s.data() + (HasPrev ? c0 - len : c0);
    const S* __restrict const gate = tp.gate.data() + c0;
    const S* __restrict const cur_next = tp.cur.data() + n0;
    const S lm = k.lm, lm1 = S(1) - k.lm, ls = k.ls, cs = k.cs, ch = k.ch, cr = k.cr, lr = k.lr, thr = k.v_thr;
    SPIKERNN_MODE_SNN_IVDEP
    for (index_t e = 0; e < len; ++e) {
      S ext;
      if constexpr (Single) {
        ext = cs * drn[e];
      } else {
        ext = ch * dhn[e];
        dh[e] = cr * dr[e] + lr * dhn[e];
      }
      const S ue = u[e];
      const S du = synaptic_lif::membrane_adjoint(Surrogate::grad(ue - thr), ue, s[e], cur_next[e], ext, dn[e], lm, lm1);
      const S q = gate[e] * du;
      dn[e] = q;
      if constexpr (HasPrev)
        dc[e] = synaptic_lif::current_adjoint(q, sp[e], dcn[e], lm1, ls);
      else
        dc[e] = synaptic_lif::first_current_adjoint(q, dcn[e], lm1, ls);
    }
  }

  /// Steps 2–5 of run() for the lif neuron at step i, with the running max of r, as one pass
  /// over the N × B states (the neuron's maths from neuron/synaptic_lif.hpp, the filter's as in
  /// the leaky branch's array expressions, written per element):
  ///   I = cur + ls·I(i−1); gate = 1[i − t_last > ref]; u = gate·(lm·u(i−1) + (1 − lm)·I)·(1 − s(i−1));
  ///   h = lr·h + ch·s(i−1), r = ld·r(i−1) + cr·h (double) | r = ld·r(i−1) + cs·s(i−1) (single);
  ///   s = S(u − thr); t_last += (i − t_last)·s; rm, arg: running max of r (first step on ties).
  void lif_dispatch(tape& tp, index_t i, const mode_snn_constants<S>& k, bool single, bool max_read) const {
    const bool sm = p_.smooth_spikes;
    if (single) {
      if (max_read)
        sm ? lif_step<true, true, true>(tp, i, k) : lif_step<true, true, false>(tp, i, k);
      else
        sm ? lif_step<true, false, true>(tp, i, k) : lif_step<true, false, false>(tp, i, k);
    } else {
      if (max_read)
        sm ? lif_step<false, true, true>(tp, i, k) : lif_step<false, true, false>(tp, i, k);
      else
        sm ? lif_step<false, false, true>(tp, i, k) : lif_step<false, false, false>(tp, i, k);
    }
  }
  // (the arrays are distinct: __restrict lets the compiler vectorize the pass)
  template <bool Single, bool MaxRead, bool Smooth>
  void lif_step(tape& tp, index_t i, const mode_snn_constants<S>& k) const {
    const index_t len = p_.n * tp.batch, c0 = i * len;
    S* __restrict const I = tp.cur.data() + c0;
    S* __restrict const u = tp.u.data() + c0;
    S* __restrict const gate = tp.gate.data() + c0;
    S* __restrict const r = tp.r.data() + c0;
    S* __restrict const s = tp.s.data() + c0;
    S* __restrict const tl = tp.t_last.data();
    S* __restrict const h = Single ? nullptr : tp.h.data();
    S* __restrict const rm = MaxRead ? tp.rm.data() : nullptr;
    index_t* __restrict const arg = MaxRead ? tp.arg.data() : nullptr;
    const S ti = S(i), ls = k.ls, lm = k.lm, lm1 = S(1) - k.lm, ld = k.ld, lr = k.lr, ch = k.ch, cr = k.cr, cs = k.cs,
            thr = k.v_thr, ref = k.ref;
    const auto spike = [](S v) {
      if constexpr (Smooth)
        return Surrogate::smooth(v);
      else
        return Surrogate::spike(v);
    };
    if (i == 0) {
      SPIKERNN_MODE_SNN_IVDEP
      for (index_t e = 0; e < len; ++e) {
        const S g = synaptic_lif::gate(ti, tl[e], ref);
        const S ue = synaptic_lif::first_membrane(g, I[e], lm1);
        gate[e] = g;
        u[e] = ue;
        r[e] = S(0);
        if constexpr (!Single) h[e] = S(0);
        const S se = spike(ue - thr);
        s[e] = se;
        tl[e] = synaptic_lif::last_spike(tl[e], ti, se);
        if constexpr (MaxRead) {
          rm[e] = S(0);
          arg[e] = 0;
        }
      }
      return;
    }
    const S* __restrict const Ip = I - len;
    const S* __restrict const up = u - len;
    const S* __restrict const sp = s - len;
    const S* __restrict const rp = r - len;
    SPIKERNN_MODE_SNN_IVDEP
    for (index_t e = 0; e < len; ++e) {
      const S g = synaptic_lif::gate(ti, tl[e], ref);
      const S Ie = synaptic_lif::current(I[e], Ip[e], ls);
      const S sprev = sp[e];
      const S ue = synaptic_lif::membrane(g, up[e], Ie, sprev, lm, lm1);
      I[e] = Ie;
      gate[e] = g;
      u[e] = ue;
      S re;
      if constexpr (Single) {
        re = ld * rp[e] + cs * sprev;
      } else {
        const S he = lr * h[e] + ch * sprev;
        h[e] = he;
        re = ld * rp[e] + cr * he;
      }
      r[e] = re;
      const S se = spike(ue - thr);
      s[e] = se;
      tl[e] = synaptic_lif::last_spike(tl[e], ti, se);
      if constexpr (MaxRead) {
        const S m = rm[e];
        arg[e] = re > m ? i : arg[e];
        rm[e] = m < re ? re : m;
      }
    }
  }

  Eigen::Map<matrix<S>> block(std::size_t k, index_t rows, index_t cols) { return params_.block(k, rows, cols); }
  Eigen::Map<const matrix<S>> block(std::size_t k, index_t rows, index_t cols) const {
    return params_.block(k, rows, cols);
  }
  Eigen::Map<matrix<S>> block_of(vector<S>& v, std::size_t k, index_t rows, index_t cols) const {
    return params_.block_of(v, k, rows, cols);
  }

  void allocate() {
    const index_t n = p_.n, in = p_.n_inputs, out = p_.n_outputs, P = modes(), nr = rec_n();
    // blocks absent in this mode (modes with full_rank, w_rec without) have size 0: frozen
    params_.allocate({{"w_in", n * in},
                      {"xi_in", n * P},
                      {"lambda", P},
                      {"xi_out", n * P},
                      {"w_out", out * n},
                      {"w_rec", nr * nr}});
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

  void resize_tape(tape& tp, index_t T, index_t B, bool events, bool sum_events) const {
    const index_t N = p_.n, TB = T * B, P = modes();
    const bool lif = p_.neuron == mode_neuron::lif, dbl = p_.filter != mode_filter::single;
    const bool max_read = p_.readout == mode_readout::max_over_time;
    tp.steps = T;
    tp.batch = B;
    tp.events = events;
    tp.event_product = events && sum_events;
    tp.x.resize(p_.n_inputs, events ? 0 : TB);
    if (events) tp.x_start.resize(std::size_t(TB + 1));
    if (tp.event_product) {
      const index_t np = detail::event_rows<S>(N);
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
    tp.g_xi_in.resize(N, P);
    tp.g_xi_out.resize(N, P);
    tp.d_c.resize(N, TB);
    tp.d_z.resize(P, P > 0 ? TB : 0);
    tp.d_read.resize(N, max_read ? B : TB);
    for (matrix<S>* m : {&tp.d_r, &tp.d_r_next, &tp.d_h, &tp.d_h_next, &tp.d_next, &tp.ext})
      m->resize(N, B);
  }

  mode_snn_params p_;
  param_store<S> params_;
};

}  // namespace spikernn
