// The GLIFR layer network of glifr_smnn_spec.md A.5-A.6 (BNNFC in v2021, GLIFRN in v2022):
// inputs → one recurrent layer of GLIFR neurons (neuron/glifr.hpp) whose recurrence sees the
// firing rates of `delay` steps ago → a linear readout with bias, at every step, for a batch of
// B trials. Like rate_rnn it keeps every trainable number in one flat vector with named blocks
// (weights, readout, and each intrinsic neuron block, which can be frozen), fills a tape in the
// forward pass and runs the hand-written adjoint (BPTT) over it, adding dL/dθ given dL/doutputs.
// Unlike rate_rnn it has no noise, n_out outputs per step and an output at every step
// (n_out × T per trial); it is not yet wired to train/trainer.hpp, which handles one output.
// Also here: the network types of A.6 (Hom … RHetA), the v2022 delay rule, and the parameter
// counts and matched hidden sizes of A.6.
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/neuron/glifr.hpp"
#include "spikernn/core/param_store.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spikernn {

struct glifr_network_params {
  int n = 128;           ///< hidden GLIFR units N
  int n_inputs = 1;      ///< input channels
  int n_outputs = 1;     ///< readout outputs
  int n_asc = 2;         ///< after-spike currents J per unit; 0 disables them (Hom, LHet, …)
  int delay = 20;        ///< recurrent synaptic delay in steps (≥ 1): W_lat sees f(t − delay)
  glifr_init init = glifr_init::homogeneous;
  glifr_learn learn = {};  ///< intrinsic blocks trained; the weights always are
  glifr_constants neuron = {};

  void validate() const {
    require(n > 0, "n", "at least one hidden unit");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(n_outputs > 0, "n_outputs", "at least one output");
    require(n_asc >= 0, "n_asc", "a non-negative number of after-spike currents");
    require(delay >= 1, "delay", "a synaptic delay of at least one step");
    neuron.validate();
  }
};

/// The eight GLIFR network types of A.6 (seed README table).
enum class glifr_variant { hom, hom_a, l_het, l_het_a, f_het, f_het_a, r_het, r_het_a };

/// The name the paper uses for a type ("Hom", "HomA", "LHet", …).
constexpr std::string_view glifr_variant_name(glifr_variant v) {
  constexpr std::string_view names[] = {"Hom", "HomA", "LHet", "LHetA", "FHet", "FHetA", "RHet", "RHetA"};
  return names[static_cast<int>(v)];
}

/// `base` with the initialisation, learned intrinsics and ASC count of a type: "A" types have
/// J = 2 ASCs, the others none; L and R types learn every intrinsic block; F and R types start
/// heterogeneous (A.4).
inline glifr_network_params glifr_variant_params(glifr_variant v, glifr_network_params base = {}) {
  const int k = static_cast<int>(v);
  base.n_asc = (k % 2 == 1) ? 2 : 0;
  base.init = (v == glifr_variant::f_het || v == glifr_variant::f_het_a || v == glifr_variant::r_het ||
               v == glifr_variant::r_het_a)
                  ? glifr_init::heterogeneous
                  : glifr_init::homogeneous;
  const bool learns = v == glifr_variant::l_het || v == glifr_variant::l_het_a || v == glifr_variant::r_het ||
                      v == glifr_variant::r_het_a;
  base.learn = learns ? glifr_learn::all() : glifr_learn::none();
  return base;
}

/// The v2022 delay rule (A.5): int(synaptic_delay / dt) steps, at least 1 (1 ms at dt = 0.05 →
/// 20 steps; 15 ms → 300; 0 → 1).
inline int glifr_delay_steps(double synaptic_delay_ms, double dt_ms) {
  require(dt_ms > 0 && synaptic_delay_ms >= 0, "synaptic_delay", "a non-negative delay and a positive step");
  return std::max(1, static_cast<int>(synaptic_delay_ms / dt_ms));
}

/// Trainable-parameter count of A.6 (utils_misc.py): N² + N(in + out + 3J + 2) + out with
/// learned intrinsics, N² + N(in + out) + out without.
constexpr long glifr_trainable_count(long n, long n_in, long n_out, long n_asc, bool learned) {
  return n * n + n * (n_in + n_out + (learned ? 3 * n_asc + 2 : 0)) + n_out;
}

/// The v2021 parameter-matched hidden size: the largest N whose trainable count does not exceed
/// `reference` (the count of the reference network). The rule is inferred, not read: it gives
/// every v2021 size of A.6 (pattern 131 / 130 / 128, SMNIST 259 / 258 / 256). v2022 hard-codes
/// its sizes instead.
constexpr long glifr_matched_size(long reference, long n_in, long n_out, long n_asc, bool learned) {
  long n = 0;
  while (glifr_trainable_count(n + 1, n_in, n_out, n_asc, learned) <= reference) ++n;
  return n;
}

template <real_scalar S = float>
class glifr_network {
 public:
  using scalar = S;

  /// Everything the adjoint needs from one forward pass over B trials of T steps, time-major:
  /// column t·B + b holds step t of trial b. All states start at 0 before step 0 (A.1).
  struct tape {
    index_t steps = 0, batch = 0;
    matrix<S> x;                 ///< inputs, n_in × (T·B)
    matrix<S> syn;               ///< synaptic currents I_syn, N × (T·B)
    std::vector<matrix<S>> asc;  ///< J after-spike currents, each N × (T·B)
    matrix<S> v;                 ///< voltages, N × (T·B)
    matrix<S> f;                 ///< firing rates carried forward (after silencing), N × (T·B)
    matrix<S> o;                 ///< outputs W_out f(t) + b_out, n_out × (T·B)
    // model values of this pass
    array<S> k_m_dt;             ///< N
    matrix<S> k_j_dt, r_j;       ///< J × N
    glifr_step_constants<S> c{};
    // per unit, one array of N per after-spike current: the rows of k_j_dt, r_j and a_j
    std::vector<array<S>> kj, rj, aj;
    array<S> th;                 ///< thresholds V_th, N
    // adjoint scratch
    matrix<S> d_v;               ///< dL/dV(t) = dL/dI_syn(t), N × (T·B)
    matrix<S> d_f, d_v_next;     ///< N × B
    std::vector<matrix<S>> d_asc_next;  ///< J of N × B
    array<S> scratch;            ///< N
    array<S> g_thresh, g_k_m;    ///< per-unit sums over steps and trials, N
    std::vector<array<S>> g_kj, g_rj, g_aj;  ///< J of them, N each
  };

  glifr_network(glifr_network_params p, seed s) : p_(std::move(p)) {
    p_.validate();
    allocate();
    const index_t n = p_.n;
    // Weights U(±1/√N), W_in included (A.4); the readout is nn.Linear's default U(±1/√N) for
    // weights and bias (fan-in N).
    const double bound = 1.0 / std::sqrt(double(n));
    rng g_in(s, purpose::input_weights), g_rec(s, purpose::recurrent_weights), g_out(s, purpose::output_weights);
    auto w_in_ = w_in();
    for (index_t k = 0; k < w_in_.size(); ++k) w_in_(k) = static_cast<S>(g_in.uniform(-bound, bound));
    auto w_rec_ = w_rec();
    for (index_t k = 0; k < w_rec_.size(); ++k) w_rec_(k) = static_cast<S>(g_rec.uniform(-bound, bound));
    auto w_out_ = w_out();
    for (index_t k = 0; k < w_out_.size(); ++k) w_out_(k) = static_cast<S>(g_out.uniform(-bound, bound));
    auto b_out_ = b_out();
    for (index_t k = 0; k < b_out_.size(); ++k) b_out_(k) = static_cast<S>(g_out.uniform(-bound, bound));
    // The intrinsic parameters (thresholds, decay factors, after-spike currents) have a stream of their own.
    rng g_neuron(s, purpose::neuron_parameters);
    set_intrinsic(glifr_initial<S>(p_.init, n, p_.n_asc, p_.neuron.dt, g_neuron));
    keep_ = array<S>::Ones(n);
  }

  // ---- structure ----------------------------------------------------------------------------
  const glifr_network_params& params() const { return p_; }
  index_t size() const { return p_.n; }
  index_t n_inputs() const { return p_.n_inputs; }
  index_t n_outputs() const { return p_.n_outputs; }
  index_t n_asc() const { return p_.n_asc; }
  index_t delay() const { return p_.delay; }

  /// The rate sigmoid's sharpness σ_V (A.3); the anneal schedule changes it between epochs.
  void set_sigma_v(double sigma_v) {
    glifr_constants c = p_.neuron;
    c.sigma_v = sigma_v;
    c.validate();
    p_.neuron = c;
  }

  /// Silences units for ablation (A.6 step 3, A.7): their firing is multiplied by 0 after each
  /// step, in the readout and in what is carried forward.
  void silence(std::span<const index_t> units) {
    for (index_t i : units) {
      require(i >= 0 && i < p_.n, "silence", "unit indices in [0, N)");
      keep_(i) = S(0);
    }
  }
  void unsilence_all() { keep_.setOnes(); }
  /// 1 for active units, 0 for silenced ones.
  const array<S>& keep() const { return keep_; }

  // ---- parameters: one flat vector, named blocks ---------------------------------------------
  // Orientation follows rate_rnn (postsynaptic rows): I_syn = w_in·x + w_rec·f_del, so w_in and
  // w_rec are the transposes of the original's weight_iv (in × N) and weight_lat (N × N, rows
  // presynaptic). ASC blocks are J × N (row j = ASC j), as the original's (J, 1, N).
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
  Eigen::Map<matrix<S>> thresh() { return block(4, p_.n, 1); }
  Eigen::Map<const matrix<S>> thresh() const { return block(4, p_.n, 1); }
  Eigen::Map<matrix<S>> trans_k_m() { return block(5, p_.n, 1); }
  Eigen::Map<const matrix<S>> trans_k_m() const { return block(5, p_.n, 1); }
  Eigen::Map<matrix<S>> trans_k_j() { return block(6, p_.n_asc, p_.n); }
  Eigen::Map<const matrix<S>> trans_k_j() const { return block(6, p_.n_asc, p_.n); }
  Eigen::Map<matrix<S>> trans_r_j() { return block(7, p_.n_asc, p_.n); }
  Eigen::Map<const matrix<S>> trans_r_j() const { return block(7, p_.n_asc, p_.n); }
  Eigen::Map<matrix<S>> a_j() { return block(8, p_.n_asc, p_.n); }
  Eigen::Map<const matrix<S>> a_j() const { return block(8, p_.n_asc, p_.n); }

  /// The trained intrinsic values, and their model values (k in 1/ms).
  glifr_intrinsic<S> intrinsic() const { return {thresh(), trans_k_m(), trans_k_j(), trans_r_j(), a_j()}; }
  glifr_physical<S> physical() const { return glifr_to_physical(intrinsic(), p_.neuron.dt); }
  void set_intrinsic(const glifr_intrinsic<S>& in) {
    require(in.size() == p_.n && in.n_asc() == p_.n_asc, "intrinsic", "N units with J after-spike currents");
    detail::require_glifr_shapes(in.thresh, in.trans_k_m, p_.n, in.trans_k_j, in.trans_r_j, in.a_j, "intrinsic");
    thresh() = in.thresh;
    trans_k_m() = in.trans_k_m;
    trans_k_j() = in.trans_k_j;
    trans_r_j() = in.trans_r_j;
    a_j() = in.a_j;
  }

  // ---- forward ------------------------------------------------------------------------------
  /// Runs B trials, each an n_inputs × T matrix (the same T for all; doubles like trial::u,
  /// converted once to S), filling `tp`; the outputs are tp.o, n_out × (T·B) time-major (see
  /// time_major_trial). Deterministic: the model has no noise.
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
    const index_t J = p_.n_asc, d = p_.delay;
    for (index_t b = 0; b < B; ++b) {
      const matrix<double>& u = *inputs[static_cast<std::size_t>(b)];
      for (index_t t = 0; t < T; ++t) tp.x.col(t * B + b) = u.col(t).template cast<S>();
    }
    tp.k_m_dt = trans_k_m().array().unaryExpr([](S th) { return glifr_decay_factor(th); });
    tp.k_j_dt = trans_k_j().unaryExpr([](S th) { return glifr_decay_factor(th); });
    tp.r_j = trans_r_j().unaryExpr([](S th) { return glifr_asc_r(th); });
    tp.c = p_.neuron.template step<S>();
    per_unit_rows(tp);
    tp.syn.noalias() = w_in() * tp.x;  // the input half of A.3 step 1, all steps at once
    // Then step by step, one trial's column of N units at a time (contiguous, and small enough
    // to stay in L1 cache): the array form of glifr_asc_step, glifr_voltage_step and glifr_rate
    // (neuron/glifr.hpp, whose scalar forms the tests hold this loop to).
    const S dtt = tp.c.dt_over_tau, r_m = tp.c.r_m, i0 = tp.c.i0, v_reset = tp.c.v_reset, gain = tp.c.gain;
    const auto km = tp.k_m_dt;
    for (index_t t = 0; t < T; ++t) {
      if (t >= d)  // the recurrent half of step 1; zero history before
        tp.syn.middleCols(t * B, B).noalias() += w_rec() * tp.f.middleCols((t - d) * B, B);
      for (index_t b = 0; b < B; ++b) {
        const index_t c = t * B + b, p = c - B;
        auto v = tp.v.col(c).array();
        const auto syn = tp.syn.col(c).array();
        if (t == 0) {  // every state is 0 before step 0: the ASCs stay 0, V = I_syn + k_m·dt·R·I0
          for (std::size_t j = 0; j < std::size_t(J); ++j) tp.asc[j].col(c).setZero();
          v = syn + km * (r_m * i0);
        } else {
          const auto f_prev = tp.f.col(p).array();
          const auto v_prev = tp.v.col(p).array();
          auto& asc_sum = tp.scratch;
          asc_sum.setConstant(i0);
          for (std::size_t j = 0; j < std::size_t(J); ++j) {
            const auto asc_prev = tp.asc[j].col(p).array();
            auto asc = tp.asc[j].col(c).array();
            asc = (tp.rj[j] * asc_prev + tp.aj[j]) * f_prev * dtt + (S(1) - tp.kj[j]) * asc_prev;
            asc_sum += asc;
          }
          v = syn + km * r_m * asc_sum + (S(1) - km) * v_prev - dtt * f_prev * (v_prev - v_reset);
        }
        // logistic; where exp overflows to ∞ the rate is 0, as it should be
        tp.f.col(c).array() = keep_ / (S(1) + (gain * (tp.th - v)).exp());
      }
    }
    tp.o.noalias() = w_out() * tp.f;
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
  /// parameters()) for the trainable blocks; frozen blocks are left untouched.
  void backward(tape& tp, const matrix<S>& d_o, vector<S>& grad) const {
    const index_t T = tp.steps, B = tp.batch, N = p_.n, J = p_.n_asc, d = p_.delay;
    require(d_o.rows() == p_.n_outputs && d_o.cols() == T * B, "d_o", "n_out × (T·B) output gradients");
    require(grad.size() == params_.size(), "grad", "the parameter vector's size");
    const S dtt = tp.c.dt_over_tau, r_m = tp.c.r_m, i0 = tp.c.i0, v_reset = tp.c.v_reset, gain = tp.c.gain;
    // Frozen intrinsic blocks (Hom, FHet, …) need no sums at all.
    const bool learn_th = params_[4].trainable, learn_km = params_[5].trainable;
    const bool learn_kj = J > 0 && params_[6].trainable, learn_rj = J > 0 && params_[7].trainable,
               learn_aj = J > 0 && params_[8].trainable;
    tp.g_thresh.setZero(N);
    tp.g_k_m.setZero(N);
    for (std::size_t j = 0; j < std::size_t(J); ++j) {
      tp.g_kj[j].setZero(N);
      tp.g_rj[j].setZero(N);
      tp.g_aj[j].setZero(N);
    }
    const auto km = tp.k_m_dt;

    // From the last step back, one trial's column at a time as in forward() (the array form of
    // the partials in neuron/glifr.hpp). At step t, with the adjoints of step t+1 complete:
    //   δf(t) = W_outᵀ δo(t) + W_recᵀ δV(t+d) + Σ_j δI_j(t+1) ∂I_j(t+1)/∂f(t) + δV(t+1) ∂V(t+1)/∂f(t)
    //   δV(t) = keep ⊙ δf(t) ∂f/∂V + δV(t+1) ∂V(t+1)/∂V(t)
    //   δI_j(t) = δV(t) k_m·dt·R + δI_j(t+1) ∂I_j(t+1)/∂I_j(t)
    // δI_syn(t) = δV(t) is kept for the weight gradients (and the delayed recurrence); the
    // intrinsic partials are summed over steps and trials per unit (g_*).
    for (index_t t = T - 1; t >= 0; --t) {
      const bool has_next = t + 1 < T;
      tp.d_f.noalias() = w_out().transpose() * d_o.middleCols(t * B, B);
      if (t + d < T) tp.d_f.noalias() += w_rec().transpose() * tp.d_v.middleCols((t + d) * B, B);
      for (index_t b = 0; b < B; ++b) {
        const index_t c = t * B + b, p = c - B;
        auto d_f = tp.d_f.col(b).array();
        auto d_v_next = tp.d_v_next.col(b).array();
        const auto f = tp.f.col(c).array();
        if (has_next) {
          for (std::size_t j = 0; j < std::size_t(J); ++j)
            d_f += tp.d_asc_next[j].col(b).array() * (tp.rj[j] * tp.asc[j].col(c).array() + tp.aj[j]) * dtt;
          d_f -= d_v_next * dtt * (tp.v.col(c).array() - v_reset);
        }
        auto d_v = tp.d_v.col(c).array();
        d_v = keep_ * d_f * gain * f * (S(1) - f);  // the rate's share; ∂f/∂V_th = −∂f/∂V
        if (learn_th) tp.g_thresh -= d_v;
        if (has_next) d_v += d_v_next * (S(1) - km - dtt * f);

        // Partials of step t itself (previous state t−1, zero before step 0).
        if (learn_km) {
          auto& drive = tp.scratch;  // ∂V/∂(k_m·dt) = R·(ΣI_j(t) + I0) − V(t−1)
          drive.setConstant(i0);
          for (std::size_t j = 0; j < std::size_t(J); ++j) drive += tp.asc[j].col(c).array();
          if (t > 0)
            tp.g_k_m += d_v * (r_m * drive - tp.v.col(p).array());
          else
            tp.g_k_m += d_v * (r_m * drive);
        }
        for (std::size_t j = 0; j < std::size_t(J); ++j) {
          auto d_asc = tp.d_asc_next[j].col(b).array();  // becomes δI_j(t)
          if (has_next)
            d_asc = d_v * km * r_m + d_asc * (tp.rj[j] * f * dtt + S(1) - tp.kj[j]);
          else
            d_asc = d_v * km * r_m;
          if (t > 0) {  // before step 0 the ASCs and rates are 0, and so are these partials
            const auto asc_prev = tp.asc[j].col(p).array();
            const auto f_prev = tp.f.col(p).array();
            if (learn_kj) tp.g_kj[j] -= d_asc * asc_prev;
            if (learn_rj) tp.g_rj[j] += d_asc * asc_prev * f_prev * dtt;
            if (learn_aj) tp.g_aj[j] += d_asc * f_prev * dtt;
          }
        }
        d_v_next = d_v;
      }
    }

    // Weights, each as one product over all steps: δI_syn = δV.
    const index_t cols = T * B;
    if (params_[0].trainable) block_of(grad, 0, N, p_.n_inputs).noalias() += tp.d_v * tp.x.transpose();
    if (params_[1].trainable && T > d) {
      const index_t late = (T - d) * B;
      block_of(grad, 1, N, N).noalias() += tp.d_v.rightCols(late) * tp.f.leftCols(late).transpose();
    }
    if (params_[2].trainable) block_of(grad, 2, p_.n_outputs, N).noalias() += d_o * tp.f.leftCols(cols).transpose();
    if (params_[3].trainable) block_of(grad, 3, p_.n_outputs, 1) += d_o.rowwise().sum();
    // Intrinsic blocks, through the transforms of A.2.
    if (params_[4].trainable) block_of(grad, 4, N, 1).array() += tp.g_thresh;
    if (params_[5].trainable)
      block_of(grad, 5, N, 1).array() +=
          tp.g_k_m * tp.k_m_dt.unaryExpr([](S k) { return glifr_decay_factor_slope(k); });
    for (index_t j = 0; j < J; ++j) {
      const std::size_t k = std::size_t(j);
      if (learn_kj)
        block_of(grad, 6, J, N).row(j).array() +=
            (tp.g_kj[k] * tp.kj[k].unaryExpr([](S x) { return glifr_decay_factor_slope(x); })).transpose();
      if (learn_rj)
        block_of(grad, 7, J, N).row(j).array() +=
            (tp.g_rj[k] * tp.rj[k].unaryExpr([](S r) { return glifr_asc_r_slope(r); })).transpose();
      if (learn_aj) block_of(grad, 8, J, N).row(j).array() += tp.g_aj[k].transpose();
    }
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
    const index_t n = p_.n, in = p_.n_inputs, out = p_.n_outputs, j = p_.n_asc;
    const glifr_learn& l = p_.learn;
    params_.allocate({{"w_in", n * in},
                      {"w_rec", n * n},
                      {"w_out", out * n},
                      {"b_out", out},
                      {"thresh", n, l.thresh},
                      {"trans_k_m", n, l.k_m},
                      {"trans_k_j", j * n, l.k_j},
                      {"trans_r_j", j * n, l.r_j},
                      {"a_j", j * n, l.a_j}});
  }

  /// The per-unit values of each after-spike current as arrays of N, and the thresholds.
  void per_unit_rows(tape& tp) const {
    const index_t J = p_.n_asc;
    tp.th = thresh().array();
    tp.kj.resize(std::size_t(J));
    tp.rj.resize(std::size_t(J));
    tp.aj.resize(std::size_t(J));
    for (index_t j = 0; j < J; ++j) {
      tp.kj[std::size_t(j)] = tp.k_j_dt.row(j).transpose().array();
      tp.rj[std::size_t(j)] = tp.r_j.row(j).transpose().array();
      tp.aj[std::size_t(j)] = a_j().row(j).transpose().array();
    }
  }

  void resize_tape(tape& tp, index_t T, index_t B) const {
    const index_t N = p_.n, J = p_.n_asc;
    tp.steps = T;
    tp.batch = B;
    tp.x.resize(p_.n_inputs, T * B);
    tp.syn.resize(N, T * B);
    tp.asc.resize(static_cast<std::size_t>(J));
    for (auto& a : tp.asc) a.resize(N, T * B);
    tp.v.resize(N, T * B);
    tp.f.resize(N, T * B);
    tp.o.resize(p_.n_outputs, T * B);
    tp.d_v.resize(N, T * B);
    tp.d_f.resize(N, B);
    tp.scratch.resize(N);
    tp.d_v_next.resize(N, B);
    tp.d_asc_next.resize(static_cast<std::size_t>(J));
    for (auto& a : tp.d_asc_next) a.resize(N, B);
    tp.g_thresh.resize(N);
    tp.g_k_m.resize(N);
    tp.g_kj.resize(static_cast<std::size_t>(J));
    tp.g_rj.resize(static_cast<std::size_t>(J));
    tp.g_aj.resize(static_cast<std::size_t>(J));
  }

  glifr_network_params p_;
  param_store<S> params_;
  array<S> keep_;
};

}  // namespace spikernn
