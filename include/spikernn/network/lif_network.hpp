// The integrate-and-fire network a rate RNN converts into (spec §4): the per-step order of the
// original MATLAB code, the neuron a policy (leaky by default, quadratic as in the paper's SI),
// event-driven spike propagation (only the columns of units that fired are added), double- or
// single-exponential synapses, optional stimulation of chosen units, and recording chosen by
// the caller. It can run a whole trial or be driven one step at a time by a host simulator
// (set_input / step / read), with no allocation per step.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/neuron/lif.hpp"
#include "spikernn/neuron/qif.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace spikernn {

/// What a trial records besides the output. With nothing recorded memory stays O(N²).
struct lif_recording {
  bool spikes = false;    ///< (step, unit) of every spike
  bool voltages = false;  ///< N × nt, spikes drawn at +30 mV
  bool rates = false;     ///< N × (nt / rate_every) filtered spike trains (Hz)
  long rate_every = 1;    ///< record the rates at steps rate_every, 2·rate_every, … (1: every step)
  bool currents = false;  ///< N × nt synaptic currents (IPSC)
};

/// Optogenetic-like stimulation (spec §4.4 step 4): during steps [from, to) a coin per step
/// (p = 0.5, shared by the units) adds ±amplitude mV to every listed unit.
struct lif_stimulation {
  enum class mode { none, exc, inh };
  mode kind = mode::none;
  std::vector<index_t> units;
  long from = 0, to = 0;  ///< LIF step indices (1-based, as the original's loop counter)
  double amplitude = 0.5;
};

/// One simulated trial.
template <class S>
struct lif_trial {
  row_vector<S> out;                           ///< network output at each step (1 × nt)
  std::vector<std::pair<long, index_t>> spikes;  ///< (step 1…nt, unit) when recorded
  matrix<S> voltages, currents;              ///< N × nt when recorded
  matrix<S> rates;                           ///< N × (nt / rate_every) when recorded
  array<double> firing_rates;                 ///< Hz per unit (spikes from step 10 on, as the original)
  long total_spikes = 0;
  double dt = 0, duration = 0;                ///< s
  long steps = 0;                             ///< nt
};

/// The (downsampled) input column that drives integration step i (1-based) when each column
/// lasts `steps_per_column` steps: round(i / steps_per_column) with MATLAB's rounding (half
/// away from zero), as the original's loop, clamped to the last of `columns`.
inline index_t lif_column_of_step(long i, index_t steps_per_column, index_t columns) {
  return std::min<index_t>((index_t(i) + steps_per_column / 2) / steps_per_column, columns - 1);
}

/// A stimulus of input columns as the input of each integration step 1…nt, the way run() feeds
/// it (every downsample-th column; column lif_column_of_step(i) at step i): for simulators that
/// take one input per step (network/nir_network.hpp, exported scripts).
inline matrix<double> lif_step_inputs(const matrix<double>& u, const lif_params& p) {
  const index_t d = p.downsample, spc = p.steps_per_column;
  const index_t cols = (u.cols() + d - 1) / d;
  require(cols >= 2, "stimulus", "at least 2 columns after downsampling");
  matrix<double> steps(u.rows(), (cols - 1) * spc);
  for (index_t i = 1; i <= steps.cols(); ++i) steps.col(i - 1) = u.col(lif_column_of_step(long(i), spc, cols) * d);
  return steps;
}

template <real_scalar S = double, integrate_and_fire Neuron = leaky_if>
class lif_network {
 public:
  using neuron = Neuron;

  /// `w` (N×N) and `w_out` (1×N) already divided by the scaling factor; `w_in` unscaled;
  /// `tau_d` per-unit synaptic decay in seconds; the constants default to the neuron's own.
  lif_network(matrix<S> w, matrix<S> w_in, row_vector<S> w_out, array<S> tau_d, lif_params p = Neuron::defaults())
      : p_(p), w_(std::move(w)), w_in_(std::move(w_in)), w_out_(std::move(w_out)), tau_d_(std::move(tau_d)) {
    p_.validate();
    const index_t n = w_.rows();
    require(n > 0 && w_.cols() == n, "w", "a square N×N matrix");
    require(w_in_.rows() == n, "w_in", "N rows");
    require(w_out_.size() == n, "w_out", "N entries");
    require(tau_d_.size() == n && (tau_d_ > 0).all(), "tau_d", "N positive decay times");
    require(w_.allFinite() && w_in_.allFinite() && w_out_.allFinite(), "w", "finite weights");
    const S dt = static_cast<S>(p_.step());
    decay_ = (-dt / tau_d_).exp();
    rise_ = static_cast<S>(p_.tau_r > 0 ? std::exp(-p_.step() / p_.tau_r) : 0.0);
    kick_ = p_.tau_r > 0 ? (S(1) / (static_cast<S>(p_.tau_r) * tau_d_)).eval() : (S(1) / tau_d_).eval();
    for (auto* a : {&v_, &t_last_, &ipsc_, &h_, &r_, &hr_, &ext_, &jd_}) *a = array<S>::Zero(n);
    spiked_.reserve(static_cast<std::size_t>(n));
    noise_ = matrix<float>(n, noise_block);
  }

  index_t size() const { return w_.rows(); }
  index_t n_inputs() const { return w_in_.cols(); }
  const lif_params& params() const { return p_; }
  const matrix<S>& w() const { return w_; }
  const matrix<S>& w_in() const { return w_in_; }
  const row_vector<S>& w_out() const { return w_out_; }
  S b_out() const { return b_out_; }
  const array<S>& tau_d() const { return tau_d_; }

  /// Which units are inhibitory (N entries), or empty when nobody said: what a converted Dale
  /// network keeps of its rate model's unit types, for E/I statistics and exports.
  const Eigen::Array<bool, Eigen::Dynamic, 1>& inhibitory() const { return inh_; }
  void set_inhibitory(Eigen::Array<bool, Eigen::Dynamic, 1> inh) {
    require(inh.size() == size(), "inhibitory", "one entry per unit (N=" + std::to_string(size()) + ")");
    inh_ = std::move(inh);
  }

  /// Replaces the readout (output = w_out · r + b_out): what a readout fitted to this network's
  /// own filtered spike trains installs (convert/readout_calibration.hpp). The one-to-one
  /// conversion has w_out / factor and no bias.
  void set_readout(row_vector<S> w_out, S b_out = 0) {
    require(w_out.size() == size(), "w_out", "N=" + std::to_string(size()) + " entries");
    require(w_out.allFinite() && std::isfinite(double(b_out)), "w_out", "finite readout weights and bias");
    w_out_ = std::move(w_out);
    b_out_ = b_out;
  }

  // ---- stepping, for embedding in another simulator -----------------------------------------
  /// Initial conditions (spec §4.3): v ~ U(v_init_lo, v_init_hi), synapses at 0, t_last = 0
  /// (so no unit integrates during the first t_ref).
  void reset(rng& g) {
    for (index_t k = 0; k < size(); ++k) v_[k] = static_cast<S>(g.uniform(p_.v_init_lo, p_.v_init_hi));
    for (auto* a : {&t_last_, &ipsc_, &h_, &r_, &hr_, &ext_}) a->setZero();
    spiked_.clear();
    step_ = 0;
    noise_used_ = noise_block;  // the next step draws a fresh block
  }

  /// External input current of the coming steps (N values, e.g. w_in · u_c), until set again.
  template <class D>
  void set_input(const Eigen::MatrixBase<D>& ext) {
    require(ext.size() == size(), "input", "N=" + std::to_string(size()) + " values");
    ext_ = ext.template cast<S>().array();
  }

  /// One integration step (spec §4.4 steps 1-10) with the input set last.
  void step(rng& g, const lif_stimulation* stim = nullptr) {
    const index_t n = size();
    ++step_;
    const S t = static_cast<S>(double(step_) * p_.step());
    if (noise_used_ == noise_block) {  // noise in blocks of steps: vectorised draws
      g.fill_normal(noise_, static_cast<float>(p_.noise_mv));
      noise_used_ = 0;
    }
    const auto noise = noise_.col(noise_used_++).array().template cast<S>();
    const S dt_tm = static_cast<S>(p_.step() / p_.tau_m);
    const S t_ref = static_cast<S>(p_.t_ref), bias = static_cast<S>(p_.bias);
    v_ = (t > t_last_ + t_ref).select(v_ + dt_tm * Neuron::drift(v_, ipsc_ + bias + ext_), v_) + noise;
    if (stim && stim->kind != lif_stimulation::mode::none && step_ >= stim->from && step_ < stim->to) {
      if (g.uniform() < 0.5) {
        const S dv = static_cast<S>(stim->kind == lif_stimulation::mode::exc ? stim->amplitude : -stim->amplitude);
        for (index_t k : stim->units) v_[k] += dv;
      }
    }
    spiked_.clear();
    const S peak = static_cast<S>(p_.v_peak);
    for (index_t k = 0; k < n; ++k)
      if (v_[k] >= peak) spiked_.push_back(k);
    // Synapses: the decaying variables take the rise variables from before this step.
    const S dt = static_cast<S>(p_.step());
    if (p_.tau_r > 0) {
      ipsc_ = ipsc_ * decay_ + h_ * dt;
      h_ *= rise_;
      r_ = r_ * decay_ + hr_ * dt;
      hr_ *= rise_;
    } else {
      ipsc_ *= decay_;
      r_ *= decay_;
    }
    if (!spiked_.empty()) {
      jd_.setZero();
      for (index_t j : spiked_) jd_ += w_.col(j).array();  // event-driven: only columns that fired
      auto& current_target = p_.tau_r > 0 ? h_ : ipsc_;
      auto& rate_target = p_.tau_r > 0 ? hr_ : r_;
      current_target += jd_ * kick_;
      for (index_t j : spiked_) {
        rate_target[j] += kick_[j];
        t_last_[j] = t;
      }
    }
  }

  /// After step(): the network output w_out · r + b_out, the units that fired, and the unit state.
  S output() const { return w_out_.dot(r_.matrix()) + b_out_; }
  const std::vector<index_t>& spiked() const { return spiked_; }
  const array<S>& v() const { return v_; }  ///< membrane potentials (units that fired are still above threshold)
  const array<S>& rates() const { return r_; }
  const array<S>& currents() const { return ipsc_; }
  long step_index() const { return step_; }

  /// Applies the reset to the units that fired (spec §4.4 step 10). step() leaves it to the
  /// caller so that a recorder can see the spike first; run() does both.
  void reset_spiked() {
    for (index_t j : spiked_) v_[j] = static_cast<S>(p_.v_reset);
  }

  // ---- a whole trial ------------------------------------------------------------------------
  /// Simulates one trial driven by u (n_inputs × columns at 5 ms per column, downsampled by
  /// the params): nt = (columns after downsampling − 1) · steps_per_column steps.
  lif_trial<S> run(const matrix<double>& u, rng& g, const lif_recording& rec = {},
                   const lif_stimulation& stim = {}) {
    require(u.rows() == n_inputs(), "stimulus",
            std::to_string(n_inputs()) + " input channels (rows), got " + std::to_string(u.rows()));
    const index_t d = p_.downsample;
    const index_t cols = (u.cols() + d - 1) / d;
    require(cols >= 2, "stimulus", "at least 2 columns after downsampling");
    matrix<S> u_ds(u.rows(), cols);
    for (index_t c = 0; c < cols; ++c) u_ds.col(c) = u.col(c * d).template cast<S>();
    const matrix<S> ext = w_in_ * u_ds;
    const index_t spc = p_.steps_per_column;
    const long nt = static_cast<long>((cols - 1) * spc);
    for (index_t k : stim.units) require(k >= 0 && k < size(), "stimulation units", "indices in [0, N)");

    lif_trial<S> tr;
    tr.dt = p_.step();
    tr.steps = nt;
    tr.duration = double(nt) * tr.dt;
    tr.out.resize(nt);
    if (rec.voltages) tr.voltages.resize(size(), nt);
    require(rec.rate_every >= 1, "rate_every", "a recording interval of at least one step");
    if (rec.rates) tr.rates.resize(size(), nt / rec.rate_every);
    if (rec.currents) tr.currents.resize(size(), nt);
    array<double> counts = array<double>::Zero(size());
    reset(g);
    index_t current_col = -1;
    for (long i = 1; i <= nt; ++i) {
      if (rec.currents) tr.currents.col(i - 1) = ipsc_.matrix();  // recorded before the update
      const index_t c = lif_column_of_step(i, spc, cols);
      if (c != current_col) {
        ext_ = ext.col(c).array();
        current_col = c;
      }
      step(g, &stim);
      tr.out[i - 1] = output();
      if (rec.rates && i % rec.rate_every == 0) tr.rates.col(i / rec.rate_every - 1) = r_.matrix();
      tr.total_spikes += long(spiked_.size());
      for (index_t j : spiked_) {
        if (i >= 10) counts[j] += 1;
        if (rec.spikes) tr.spikes.emplace_back(i, j);
      }
      if (rec.voltages) {
        tr.voltages.col(i - 1) = v_.matrix();
        for (index_t j : spiked_) tr.voltages(j, i - 1) = static_cast<S>(p_.spike_display);
      }
      reset_spiked();
    }
    tr.firing_rates = counts / tr.duration;
    return tr;
  }

 private:
  static constexpr index_t noise_block = 64;

  lif_params p_;
  matrix<S> w_, w_in_;
  row_vector<S> w_out_;
  array<S> tau_d_, decay_, kick_;
  S b_out_ = 0;
  Eigen::Array<bool, Eigen::Dynamic, 1> inh_;
  S rise_ = 0;
  array<S> v_, t_last_, ipsc_, h_, r_, hr_, ext_, jd_;
  std::vector<index_t> spiked_;
  // Voltage noise is drawn in single precision even for a double network: 0.1 mV needs no
  // more, and Eigen vectorises float sin/cos/log (its double sin/cos are scalar).
  matrix<float> noise_;
  index_t noise_used_ = noise_block;
  long step_ = 0;
};

}  // namespace spikernn
