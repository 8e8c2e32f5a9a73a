// Peri-stimulus time histograms of spiking trials: each unit's spike count in fixed bins,
// turned into a rate (Hz), optionally smoothed by a Gaussian kernel, and averaged over the
// trials of each condition — the per-unit and population traces the paper's spiking figures
// show, and the binned trial-by-trial rates the selectivity regression and PCA start from.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace spikernn {

/// A spike as a LIF trial records it: (step 1…nt, unit).
using spike_event = std::pair<long, index_t>;

struct psth_params {
  double bin = 0.01;        ///< bin width (s)
  double smooth_sd = 0.0;   ///< SD of the Gaussian smoothing kernel (s); 0: none
  double from = 0.0;        ///< start of the first bin (s)
  double to = 0.0;          ///< end of the last bin (s); 0: the trial's end

  void validate() const {
    require(std::isfinite(bin) && bin > 0, "bin", "a positive bin width (s)");
    require(std::isfinite(smooth_sd) && smooth_sd >= 0, "smooth_sd", "a non-negative kernel SD (s)");
    require(std::isfinite(from) && from >= 0 && std::isfinite(to) && to >= 0, "from/to", "times ≥ 0 (s)");
  }
};

/// Bin k covers [from + k·bin, from + (k+1)·bin); a partial last bin is dropped, so that every
/// bin's rate has the same denominator. The number of bins for a trial of `duration` seconds.
inline index_t psth_bins(const psth_params& p, double duration) {
  p.validate();
  const double end = p.to > 0 ? std::min(p.to, duration) : duration;
  return std::max<index_t>(0, index_t(std::floor((end - p.from) / p.bin + 1e-9)));
}

/// The bins' centres (s).
inline std::vector<double> psth_centres(const psth_params& p, index_t bins) {
  std::vector<double> c(static_cast<std::size_t>(bins));
  for (index_t k = 0; k < bins; ++k) c[std::size_t(k)] = p.from + (double(k) + 0.5) * p.bin;
  return c;
}

/// Smooths each row of `rates` (units × bins) with a Gaussian of `sd_bins` bins, truncated at
/// 3 SD and renormalised at the edges (so a constant rate stays constant up to the edges).
inline matrix<double> gaussian_smooth(const matrix<double>& rates, double sd_bins) {
  if (!(sd_bins > 0) || rates.cols() == 0) return rates;
  const index_t half = std::max<index_t>(1, index_t(std::ceil(3 * sd_bins)));
  vector<double> kernel(2 * half + 1);
  for (index_t k = -half; k <= half; ++k) kernel[k + half] = std::exp(-0.5 * double(k * k) / (sd_bins * sd_bins));
  matrix<double> out = matrix<double>::Zero(rates.rows(), rates.cols());
  for (index_t t = 0; t < rates.cols(); ++t) {
    const index_t lo = std::max<index_t>(0, t - half), hi = std::min<index_t>(rates.cols() - 1, t + half);
    const auto w = kernel.segment(lo - t + half, hi - lo + 1);
    out.col(t) = rates.middleCols(lo, hi - lo + 1) * w / w.sum();
  }
  return out;
}

/// Where a spike at step i (1 … nt) falls, in units of `width` from `from`: step i integrates
/// over ((i − 1)·dt, i·dt], so it counts at (i − 1)·dt, and the last step of a trial lands in
/// its last bin. The small tolerance keeps a spike on a bin edge (20 · 0.001 / 0.02) in the bin
/// it starts, whatever the rounding of dt.
inline double spike_position(long step, double dt, double from, double width) {
  return (double(step - 1) * dt - from) / width + 1e-9;
}

/// One trial's spikes as rates (Hz) in bins: units × bins; `n` is the number of units.
inline matrix<double> binned_rates(const std::vector<spike_event>& spikes, index_t n, double dt, long steps,
                                   const psth_params& p) {
  require(n > 0, "units", "at least one unit");
  require(dt > 0 && steps > 0, "dt", "a positive step and trial length");
  const index_t bins = psth_bins(p, dt * double(steps));
  matrix<double> counts = matrix<double>::Zero(n, bins);
  for (const auto& [step, unit] : spikes) {
    require(unit >= 0 && unit < n, "spikes", "units in [0, N)");
    const double pos = spike_position(step, dt, p.from, p.bin);
    if (pos >= 0 && pos < double(bins)) counts(unit, index_t(pos)) += 1;
  }
  return gaussian_smooth(counts / p.bin, p.smooth_sd / p.bin);
}

/// Per-unit and population PSTHs by condition.
struct psth {
  std::vector<double> centres;          ///< bin centres (s)
  std::vector<std::string> conditions;  ///< in order of first appearance
  std::vector<int> trials;              ///< trials per condition
  std::vector<matrix<double>> units;    ///< per condition: units × bins, mean rate over its trials (Hz)
  matrix<double> population;            ///< conditions × bins: mean over units of `units` (Hz)
};

/// Averages trial-by-trial binned rates (each units × bins, all the same shape) over the trials
/// of each condition (`conditions[k]` names trial k's).
inline psth condition_psth(const std::vector<matrix<double>>& rates, const std::vector<std::string>& conditions,
                           const psth_params& p) {
  require(!rates.empty() && rates.size() == conditions.size(), "conditions", "one condition per trial (and a trial)");
  psth out;
  const index_t n = rates[0].rows(), bins = rates[0].cols();
  out.centres = psth_centres(p, bins);
  for (std::size_t k = 0; k < rates.size(); ++k) {
    require(rates[k].rows() == n && rates[k].cols() == bins, "rates", "every trial with the same units × bins");
    const auto it = std::find(out.conditions.begin(), out.conditions.end(), conditions[k]);
    const auto c = std::size_t(it - out.conditions.begin());
    if (it == out.conditions.end()) {
      out.conditions.push_back(conditions[k]);
      out.trials.push_back(0);
      out.units.push_back(matrix<double>::Zero(n, bins));
    }
    out.units[c] += rates[k];
    ++out.trials[c];
  }
  out.population.resize(index_t(out.conditions.size()), bins);
  for (std::size_t c = 0; c < out.units.size(); ++c) {
    out.units[c] /= double(out.trials[c]);
    out.population.row(index_t(c)) = out.units[c].colwise().mean();
  }
  return out;
}

}  // namespace spikernn
