// The GLIFR sinusoid pattern-generation task (glifr_smnn_spec.md A.7; v2021 utils_task.py
// create_sines_amp, v2022 datasets/sine.py): exactly n_patterns = 6 fixed sequences. Pattern i
// has a constant 1-D input offset_i = i/6 + 0.25 and the 1-D target sin(2π f_i t) + offset_i on
// the grid t = 0, dt, …, (T−1)·dt with dt = 0.05 ms and T = 5 ms / dt = 100 steps; the f_i are
// log-spaced from 0.08 to 0.6 kHz. Inputs and targets are 1 × T matrices in double, the
// per-trial shape glifr_network::forward and its time-major outputs use. The original's noise
// options default to 0 and every reported run used 0, so they are not offered.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/task/task.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

namespace spikernn {

struct sine_patterns_params {
  double sim_time = 5;     ///< ms of each sequence
  double dt = 0.05;        ///< ms per step
  int n_patterns = 6;      ///< number of sinusoids (frequencies)
  double freq_min = 0.08;  ///< kHz (cycles per ms)
  double freq_max = 0.6;   ///< kHz
  double amplitude = 1;

  void validate() const {
    require(std::isfinite(dt) && dt > 0, "dt", "a positive step in ms");
    require(std::isfinite(sim_time) && sim_time >= dt, "sim_time", "at least one step (sim_time >= dt)");
    require(n_patterns >= 1, "n_patterns", "at least one sinusoid");
    require(std::isfinite(freq_min) && freq_min > 0, "freq_min", "a positive frequency in kHz");
    require(std::isfinite(freq_max) && freq_max >= freq_min, "freq_max", "a frequency >= freq_min");
    require(std::isfinite(amplitude), "amplitude", "a finite amplitude");
  }

  /// int(sim_time / dt) as the original, except that a quotient within 1e-9 of an integer is
  /// taken as that integer, so sim_time = 0.3, dt = 0.1 gives 3 steps, not Python's 2.
  int n_steps() const {
    const double q = sim_time / dt;
    const double r = std::round(q);
    return static_cast<int>(std::abs(q - r) <= 1e-9 * std::max(1.0, r) ? r : std::floor(q));
  }
};

class sine_patterns {
 public:
  explicit sine_patterns(sine_patterns_params p = {}) : p_(p) {
    p_.validate();
    const int n = p_.n_patterns, T = p_.n_steps();
    // numpy's 10 ** linspace(log10(min), log10(max), n): start + i·step, the last point set to
    // the stop exactly. Matching it keeps the frequencies bit-identical to the original.
    const double lo = std::log10(p_.freq_min), hi = std::log10(p_.freq_max);
    const double step = n > 1 ? (hi - lo) / double(n - 1) : 0.0;
    freqs_.resize(std::size_t(n));
    inputs_.resize(std::size_t(n));
    targets_.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) {
      const double e = (i == n - 1 && n > 1) ? hi : lo + double(i) * step;
      const auto k = std::size_t(i);
      freqs_[k] = std::pow(10.0, e);
      const double off = offset(i);
      inputs_[k] = matrix<double>::Constant(1, T, off);
      targets_[k].resize(1, T);
      for (int t = 0; t < T; ++t)
        targets_[k](0, t) = p_.amplitude * std::sin(2 * std::numbers::pi * freqs_[k] * time(t)) + off;
    }
  }

  const sine_patterns_params& params() const noexcept { return p_; }
  std::size_t size() const noexcept { return freqs_.size(); }
  int n_inputs() const noexcept { return 1; }
  int n_outputs() const noexcept { return 1; }
  int n_steps() const { return p_.n_steps(); }

  /// Time of step t in ms: t·dt (numpy's arange(0, sim_time, dt) computes it the same way).
  double time(int t) const noexcept { return double(t) * p_.dt; }
  /// Frequency of pattern i in kHz.
  double frequency(int i) const { return freqs_[checked(i)]; }
  /// Constant input (and target offset) of pattern i: i / n_patterns + 0.25.
  double offset(int i) const {
    checked(i);
    return double(i) / double(p_.n_patterns) + 0.25;
  }

  /// 1 × T constant input of pattern i.
  const matrix<double>& input(int i) const { return inputs_[checked(i)]; }
  /// 1 × T target of pattern i.
  const matrix<double>& target(int i) const { return targets_[checked(i)]; }
  /// All inputs in pattern order: one batch of every pattern for glifr_network::forward.
  const std::vector<matrix<double>>& inputs() const noexcept { return inputs_; }
  const std::vector<matrix<double>>& targets() const noexcept { return targets_; }
  /// The dataset as training samples (input, target) in pattern order, for fit().
  std::vector<sequence_sample> samples() const {
    std::vector<sequence_sample> s(size());
    for (std::size_t i = 0; i < size(); ++i) s[i] = {inputs_[i], targets_[i], -1};
    return s;
  }

  /// Mean squared error of a 1 × T output of pattern i over all steps (F.mse_loss). The v2021
  /// test metric sums it over the patterns, v2022 averages it.
  template <class D>
  double mse(int i, const Eigen::MatrixBase<D>& output) const {
    const auto& z = target(i);
    require(output.rows() == z.rows() && output.cols() == z.cols(), "output",
            "a 1 x " + std::to_string(z.cols()) + " sequence, got " + std::to_string(output.rows()) + " x " +
                std::to_string(output.cols()));
    return (output.template cast<double>() - z).squaredNorm() / double(z.size());
  }

 private:
  std::size_t checked(int i) const {
    require(i >= 0 && i < p_.n_patterns, "pattern", "an index 0.." + std::to_string(p_.n_patterns - 1) + ", got " + std::to_string(i));
    return std::size_t(i);
  }

  sine_patterns_params p_;
  std::vector<double> freqs_;
  std::vector<matrix<double>> inputs_, targets_;
};

}  // namespace spikernn
