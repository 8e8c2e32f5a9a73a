// The continuous-rate RNN of Kim, Li & Sejnowski 2019 (spec §1): Dale's principle through a
// connectivity policy, fixed input weights, a trained linear readout with bias, and fixed or
// trained per-unit synaptic time constants. It exposes the two halves BPTT needs — a forward
// pass that fills a tape and the adjoint pass over that tape — and keeps every trainable
// number in one flat vector (core/param_store.hpp), so the trainer stays model-agnostic.
#pragma once

#include "spikernn/activation/activation.hpp"
#include "spikernn/connectivity/dale.hpp"
#include "spikernn/connectivity/init.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/batch.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/core/param_store.hpp"

#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

struct rate_rnn_params {
  int n = 200;               ///< number of units (--N)
  double p_inh = 0.2;        ///< probability a unit is inhibitory (--P_inh)
  double p_rec = 0.2;        ///< connection probability (--P_rec)
  double gain = 1.5;         ///< initial weight gain (--gain)
  int som_n = 0;             ///< somatostatin units (--som_N)
  weight_init init = weight_init::gaussian;
  std::vector<double> taus = {4, 20};  ///< synaptic decay in steps: {τ} fixed or {τ_min, τ_max} trained
  int n_inputs = 1;          ///< input channels (the task's)
  double dt = 1.0;           ///< Euler step in units of steps (the original's DeltaT)
  double noise_sd = 0.1;     ///< SD of the per-step noise added outside the dt/τ factor
  double x0_sd = 0.01;       ///< SD of the initial synaptic current

  connectivity_params connectivity() const { return {n, p_inh, p_rec, gain, som_n, init}; }

  void validate() const {
    connectivity().validate();
    require(taus.size() == 1 || taus.size() == 2, "decay_taus",
            "one value (fixed τ) or two (τ_min τ_max), got " + std::to_string(taus.size()));
    for (double t : taus) require(t > 0 && std::isfinite(t), "decay_taus", "positive finite values (steps)");
    require(taus.size() == 1 || taus[0] <= taus[1], "decay_taus", "τ_min ≤ τ_max");
    require(n_inputs > 0, "n_inputs", "at least one input channel");
    require(dt > 0 && std::isfinite(dt), "dt", "a positive step");
    require(noise_sd >= 0 && std::isfinite(noise_sd), "noise_sd", "a non-negative, finite standard deviation");
    require(x0_sd >= 0 && std::isfinite(x0_sd), "x0_sd", "a non-negative, finite standard deviation");
  }
};

template <real_scalar S = float, activation Act = sigmoid, connectivity Conn = dale>
class rate_rnn {
 public:
  using scalar = S;
  using activation_type = Act;
  using connectivity_type = Conn;

  /// Everything the adjoint pass needs from one forward pass over a batch of B trials.
  /// Time-major columns: column t·B + b holds step t of trial b.
  struct tape {
    index_t steps = 0, batch = 0;
    matrix<S> w_eff;     ///< effective recurrent matrix used for this pass
    array<S> tau, a;     ///< per-unit τ and dt/τ
    matrix<S> input;     ///< w_in · u, N × (T·B)
    matrix<S> x, r;      ///< synaptic currents and rates, N × (T·B)
    matrix<S> drive;     ///< W r_{t−1} + w_in u_{t−1}, N × (T·B) (column block 0 unused)
    matrix<S> o;         ///< outputs o_1 … o_{T−1}, 1 × ((T−1)·B), time-major: column (t−1)·B + b is o_t of trial b
    matrix<S> noise;     ///< standard normals: x0 in column block 0, step t's noise in block t
    matrix<S> trial_noise;  ///< one trial's normals when B > 1, N × T
    // adjoint scratch
    matrix<S> w_eff_t, dx_next, dr, adj_drive, d_w_eff, d_o_by_trial;
  };

  rate_rnn(rate_rnn_params p, seed s) : p_(std::move(p)) {
    p_.validate();
    const auto c = p_.connectivity();
    types_ = draw_unit_types<S>(c, Conn::applies_dale, s);
    allocate();
    w() = draw_recurrent_weights<S>(c, Conn::applies_dale, s);
    rng g_in(s, purpose::input_weights), g_out(s, purpose::output_weights), g_tau(s, purpose::time_constants);
    w_in_.resize(p_.n, p_.n_inputs);
    for (index_t k = 0; k < w_in_.size(); ++k) w_in_(k) = static_cast<S>(g_in.normal());
    for (index_t k = 0; k < p_.n; ++k) w_out()(k) = static_cast<S>(g_out.normal() / 100.0);
    b_out() = S(0);
    for (index_t k = 0; k < p_.n; ++k) taus_gaus()(k) = static_cast<S>(g_tau.normal());
  }

  /// A network from stored parts (a MAT file); shapes are checked.
  rate_rnn(rate_rnn_params p, unit_types<S> types, const matrix<S>& w_raw, const matrix<S>& w_in,
           const row_vector<S>& w_out, S b_out, const vector<S>& taus_gaus)
      : p_(std::move(p)), types_(std::move(types)) {
    p_.validate();
    const index_t n = p_.n;
    require(types_.size() == n, "inh", "N=" + std::to_string(n) + " entries");
    require(w_raw.rows() == n && w_raw.cols() == n, "w", "an N×N matrix");
    require(w_in.rows() == n && w_in.cols() == p_.n_inputs, "w_in", "an N×n_inputs matrix");
    require(w_out.size() == n, "w_out", "a 1×N row");
    require(taus_gaus.size() == n, "taus_gaus", "N entries");
    allocate();
    w() = w_raw;
    w_in_ = w_in;
    this->w_out() = w_out;
    this->b_out() = b_out;
    this->taus_gaus() = taus_gaus;
  }

  // ---- structure ----------------------------------------------------------------------------
  const rate_rnn_params& params() const { return p_; }
  index_t size() const { return p_.n; }
  index_t n_inputs() const { return p_.n_inputs; }
  const unit_types<S>& types() const { return types_; }
  bool trains_taus() const { return p_.taus.size() == 2; }

  // ---- parameters: one flat vector, named blocks ---------------------------------------------
  vector<S>& parameters() { return params_.values(); }
  const vector<S>& parameters() const { return params_.values(); }
  const param_layout& layout() const { return params_.layout(); }

  Eigen::Map<matrix<S>> w() { return params_.block(0, p_.n, p_.n); }
  Eigen::Map<const matrix<S>> w() const { return params_.block(0, p_.n, p_.n); }
  Eigen::Map<row_vector<S>> w_out() { return {parameters().data() + off_w_out(), p_.n}; }
  Eigen::Map<const row_vector<S>> w_out() const { return {parameters().data() + off_w_out(), p_.n}; }
  S& b_out() { return parameters()[off_b_out()]; }
  S b_out() const { return parameters()[off_b_out()]; }
  Eigen::Map<vector<S>> taus_gaus() { return params_.segment(3); }
  Eigen::Map<const vector<S>> taus_gaus() const { return params_.segment(3); }
  const matrix<S>& w_in() const { return w_in_; }

  /// The effective recurrent matrix W = (relu(w)·m) ⊙ som_m (Dale) or w ⊙ som_m.
  matrix<S> effective_weights() const {
    matrix<S> out(p_.n, p_.n);
    Conn::effective(w(), types_.sign, types_.som_mask, out);
    return out;
  }
  /// w as the original saves it (after relu for Dale networks).
  matrix<S> exported_w() const {
    matrix<S> out;
    Conn::exported(w(), out);
    return out;
  }
  /// Per-unit synaptic decay in steps: sigmoid(taus_gaus)·(max − min) + min, or the fixed τ.
  array<S> taus() const {
    if (!trains_taus()) return array<S>::Constant(p_.n, static_cast<S>(p_.taus[0]));
    const S lo = static_cast<S>(p_.taus[0]), hi = static_cast<S>(p_.taus[1]);
    return sigmoid::apply(taus_gaus().array()) * (hi - lo) + lo;
  }

  // ---- forward ------------------------------------------------------------------------------
  /// Runs B trials (all of the same length) with one noise stream each, filling `tp`.
  /// Noise is drawn per trial in a fixed order (x0, then each step), so a trial's result does
  /// not depend on which batch it ran in.
  void forward(std::span<const trial* const> trials, std::span<rng> noise, tape& tp) const {
    const index_t B = static_cast<index_t>(trials.size());
    require(B > 0 && noise.size() == trials.size(), "batch", "one noise stream per trial");
    const index_t T = trials[0]->n_steps();
    require(T >= 2, "trial", "at least 2 steps");
    resize_tape(tp, T, B);
    Conn::effective(w(), types_.sign, types_.som_mask, tp.w_eff);
    tp.tau = taus();
    tp.a = static_cast<S>(p_.dt) / tp.tau;

    matrix<S> u(p_.n_inputs, T * B);
    for (index_t b = 0; b < B; ++b) {
      const trial& tr = *trials[static_cast<std::size_t>(b)];
      require(tr.u.rows() == p_.n_inputs, "trial.u",
              std::to_string(p_.n_inputs) + " input rows, got " + std::to_string(tr.u.rows()));
      require(tr.n_steps() == T, "trial.u", "every trial of a batch with the same length");
      for (index_t t = 0; t < T; ++t) u.col(t * B + b) = tr.u.col(t).template cast<S>();
    }
    tp.input.noalias() = w_in_ * u;

    // All of a trial's normals are drawn up front, in one block: column 0 becomes x0 (SD
    // x0_sd) and column t the noise of step t (SD noise_sd).
    for (index_t b = 0; b < B; ++b) {
      auto& g = noise[static_cast<std::size_t>(b)];
      if (B == 1) {
        g.fill_normal(tp.noise, S(1));
      } else {
        g.fill_normal(tp.trial_noise, S(1));
        for (index_t t = 0; t < T; ++t) tp.noise.col(t * B + b) = tp.trial_noise.col(t);
      }
    }
    tp.x.leftCols(B) = tp.noise.leftCols(B) * static_cast<S>(p_.x0_sd);
    tp.r.leftCols(B) = Act::apply(tp.x.leftCols(B).array()).matrix();
    const auto a = tp.a.matrix().asDiagonal();
    const array<S> keep = S(1) - tp.a;
    const S noise_sd = static_cast<S>(p_.noise_sd);
    for (index_t t = 1; t < T; ++t) {
      auto drive = tp.drive.middleCols(t * B, B);
      drive.noalias() = tp.w_eff * tp.r.middleCols((t - 1) * B, B);
      drive += tp.input.middleCols((t - 1) * B, B);
      auto x = tp.x.middleCols(t * B, B);
      x.noalias() = a * drive;
      x.array() += tp.x.middleCols((t - 1) * B, B).array().colwise() * keep +
                   tp.noise.middleCols(t * B, B).array() * noise_sd;
      tp.r.middleCols(t * B, B) = Act::apply(x.array()).matrix();
    }
    // o_t = w_out r_t + b_out for t = 1 … T−1, as one product over all steps.
    tp.o.noalias() = w_out() * tp.r.rightCols((T - 1) * B);
    tp.o.array() += b_out();
  }
  /// The same for a batch of trials with their noise streams (the engine's form).
  void forward(trial_batch& batch, tape& tp) const { forward(batch.pointers(), std::span<rng>(batch.noise), tp); }

  // ---- adjoint ------------------------------------------------------------------------------
  /// Given dL/do (1 × ((T−1)·B), the layout of tape::o), adds dL/dθ into `grad` (same layout
  /// as parameters()).
  void backward(tape& tp, const matrix<S>& d_o, vector<S>& grad) const {
    const index_t T = tp.steps, B = tp.batch, N = p_.n;
    require(d_o.rows() == 1 && d_o.cols() == (T - 1) * B, "d_o", "1 × ((T−1)·B) output gradients, time-major");
    require(grad.size() == params_.size(), "grad", "the parameter vector's size");
    // Readout: dL/dw_out = Σ_t dL/do_t r_tᵀ, dL/db_out = Σ_t dL/do_t.
    const Eigen::Map<const row_vector<S>> d_o_flat(d_o.data(), (T - 1) * B);  // a vector product, not GEMM
    Eigen::Map<row_vector<S>>(grad.data() + off_w_out(), N).noalias() +=
        d_o_flat * tp.r.rightCols((T - 1) * B).transpose();
    if (B == 1) {
      grad[off_b_out()] += d_o_flat.sum();
    } else {  // summed trial by trial, as in every release before the time-major layout: same bits
      tp.d_o_by_trial = Eigen::Map<const matrix<S>>(d_o.data(), B, T - 1).transpose();
      grad[off_b_out()] += tp.d_o_by_trial.sum();
    }

    // Recurrence, from the last step back: δr_t = w_outᵀ dL/do_t + Wᵀ (a ⊙ δx_{t+1}),
    // δx_t = φ'(x_t) ⊙ δr_t + (1 − a) ⊙ δx_{t+1}. adj_drive keeps a ⊙ δx_t for the weight product.
    auto& dx_next = tp.dx_next;
    auto& dr = tp.dr;
    auto& adj = tp.adj_drive;
    const array<S> keep = S(1) - tp.a;
    dx_next.setZero();
    tp.w_eff_t = tp.w_eff.transpose();  // a column-major Wᵀ: the same fast product as the forward pass
    for (index_t t = T - 1; t >= 1; --t) {
      dr.noalias() = w_out().transpose() * d_o_flat.segment((t - 1) * B, B);
      if (t < T - 1) dr.noalias() += tp.w_eff_t * adj.middleCols(t * B, B);
      auto x = tp.x.middleCols(t * B, B).array();
      auto r = tp.r.middleCols(t * B, B).array();
      dx_next = (Act::derivative(x, r) * dr.array() + dx_next.array().colwise() * keep).matrix();
      adj.middleCols((t - 1) * B, B) = (dx_next.array().colwise() * tp.a).matrix();
    }
    // dL/dW_eff = Σ_t (a ⊙ δx_t) r_{t−1}ᵀ as one matrix product; adj column block t−1 holds step t.
    tp.d_w_eff.noalias() = adj.leftCols((T - 1) * B) * tp.r.leftCols((T - 1) * B).transpose();
    Conn::gradient(w(), types_.sign, types_.som_mask, tp.d_w_eff, tp.d_w_eff);  // in place
    Eigen::Map<matrix<S>>(grad.data(), N, N) += tp.d_w_eff;
    if (trains_taus()) {
      // dL/da = Σ_t δx_t ⊙ (drive_t − x_{t−1}), with δx_t = adj_t / a.
      const index_t cols = (T - 1) * B;
      const array<S> d_a =
          (adj.leftCols(cols).array() * (tp.drive.rightCols(cols) - tp.x.leftCols(cols)).array()).rowwise().sum() /
          tp.a;
      // a = dt/τ, τ = σ(g)(max − min) + min  ⇒  da/dg = −dt/τ² · (max − min) σ(g)(1 − σ(g)).
      const S span = static_cast<S>(p_.taus[1] - p_.taus[0]);
      const array<S> sg = sigmoid::apply(taus_gaus().array());
      Eigen::Map<vector<S>>(grad.data() + off_taus(), N).array() +=
          d_a * (-static_cast<S>(p_.dt) / tp.tau.square()) * span * sg * (S(1) - sg);
    }
  }

 private:
  index_t off_w_out() const { return params_[1].offset; }
  index_t off_b_out() const { return params_[2].offset; }
  index_t off_taus() const { return params_[3].offset; }

  void allocate() {
    const index_t n = p_.n;
    params_.allocate({{"w", n * n}, {"w_out", n}, {"b_out", 1}, {"taus_gaus", n, trains_taus()}});
  }

  void resize_tape(tape& tp, index_t T, index_t B) const {
    const index_t N = p_.n;
    tp.steps = T;
    tp.batch = B;
    tp.w_eff.resize(N, N);
    tp.input.resize(N, T * B);
    tp.x.resize(N, T * B);
    tp.r.resize(N, T * B);
    tp.drive.resize(N, T * B);
    tp.noise.resize(N, T * B);
    if (B > 1) tp.trial_noise.resize(N, T);
    tp.dx_next.resize(N, B);
    tp.dr.resize(N, B);
    tp.adj_drive.resize(N, T * B);
    tp.d_w_eff.resize(N, N);
  }

  rate_rnn_params p_;
  unit_types<S> types_;
  param_store<S> params_;
  matrix<S> w_in_;
};

}  // namespace spikernn
