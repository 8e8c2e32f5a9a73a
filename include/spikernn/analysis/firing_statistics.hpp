// Per-unit firing statistics of spiking trials grouped by cell type and trial condition (the
// paper's SI Fig. S3 table: PYR / PV / SST rates, mean ± SD over the units of each type, per
// trial type): each unit's rate and the coefficient of variation of its inter-spike intervals
// (ISI CV: 0 for a clock, about 1 for a Poisson train), first per trial, then averaged over
// the trials of a condition, then summarised over the units of a group.
#pragma once

#include "spikernn/analysis/psth.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/eval/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace spikernn {

/// One trial's per-unit rate (Hz) and ISI CV (NaN for a unit with fewer than 3 spikes, whose
/// intervals say nothing about regularity).
struct unit_firing {
  array<double> rate, isi_cv;
};

/// The spikes of one trial in [from, to) seconds (to = 0: the trial's end); `n` units,
/// `dt` the LIF step (s), `steps` the trial's length.
inline unit_firing firing_of(const std::vector<spike_event>& spikes, index_t n, double dt, long steps, double from = 0,
                             double to = 0) {
  require(n > 0 && dt > 0 && steps > 0, "units", "at least one unit, a positive step and trial length");
  const double end = to > 0 ? std::min(to, dt * double(steps)) : dt * double(steps);
  require(end > from && from >= 0, "from/to", "a window 0 ≤ from < to inside the trial");
  std::vector<std::vector<double>> times(static_cast<std::size_t>(n));
  for (const auto& [step, unit] : spikes) {
    require(unit >= 0 && unit < n, "spikes", "units in [0, N)");
    const double t = double(step - 1) * dt;  // as psth.hpp: step i covers ((i − 1)·dt, i·dt]
    const double pos = spike_position(step, dt, from, end - from);
    if (pos >= 0 && pos < 1) times[std::size_t(unit)].push_back(t);
  }
  unit_firing f{array<double>(n), array<double>(n)};
  for (index_t i = 0; i < n; ++i) {
    auto& ts = times[std::size_t(i)];
    std::sort(ts.begin(), ts.end());
    f.rate[i] = double(ts.size()) / (end - from);
    f.isi_cv[i] = std::numeric_limits<double>::quiet_NaN();
    if (ts.size() >= 3) {
      std::vector<double> isi(ts.size() - 1);
      for (std::size_t k = 1; k < ts.size(); ++k) isi[k - 1] = ts[k] - ts[k - 1];
      const double m = mean(isi);
      if (m > 0) f.isi_cv[i] = population_sd(isi) / m;
    }
  }
  return f;
}

/// The names of the units' groups from the rate model's types: "exc" / "inh", and "som" for
/// somatostatin units (the first som_N inhibitory units), as SI Fig. S3 splits them.
inline std::vector<std::string> unit_groups(const Eigen::Array<bool, Eigen::Dynamic, 1>& inh,
                                            const std::vector<index_t>& som = {}) {
  std::vector<std::string> g(static_cast<std::size_t>(inh.size()));
  for (index_t i = 0; i < inh.size(); ++i) g[std::size_t(i)] = inh[i] ? "inh" : "exc";
  for (index_t s : som) {
    require(s >= 0 && s < inh.size(), "som", "unit indices in [0, N)");
    g[std::size_t(s)] = "som";
  }
  return g;
}

/// A group of units under one condition: the spread over units of their trial-averaged rate
/// and ISI CV.
struct firing_group {
  std::string group, condition;  ///< condition "all" pools every trial
  int units = 0, trials = 0;
  double rate_mean = 0, rate_sd = 0;  ///< Hz, over the units (sample SD)
  int cv_units = 0;                   ///< units with a defined ISI CV (≥ 3 spikes in some trial)
  double cv_mean = 0, cv_sd = 0;
};

/// Groups × conditions (each condition in order of first appearance, then "all"): per unit the
/// mean over the condition's trials of its rate and of its defined ISI CVs, then mean ± SD over
/// the units of each group (groups in order of first appearance in `groups`).
inline std::vector<firing_group> firing_statistics(const std::vector<unit_firing>& trials,
                                                   const std::vector<std::string>& conditions,
                                                   const std::vector<std::string>& groups) {
  require(!trials.empty() && trials.size() == conditions.size(), "conditions", "one condition per trial (and a trial)");
  const index_t n = trials[0].rate.size();
  require(index_t(groups.size()) == n, "groups", "one group per unit (N=" + std::to_string(n) + ")");
  std::vector<std::string> conds, names;
  for (const auto& c : conditions)
    if (std::find(conds.begin(), conds.end(), c) == conds.end()) conds.push_back(c);
  conds.push_back("all");
  for (const auto& g : groups)
    if (std::find(names.begin(), names.end(), g) == names.end()) names.push_back(g);
  std::vector<firing_group> out;
  for (const auto& c : conds) {
    array<double> rate = array<double>::Zero(n), cv = array<double>::Zero(n), cv_n = array<double>::Zero(n);
    int count = 0;
    for (std::size_t k = 0; k < trials.size(); ++k) {
      if (c != "all" && conditions[k] != c) continue;
      require(trials[k].rate.size() == n && trials[k].isi_cv.size() == n, "trials", "every trial with N units");
      ++count;
      rate += trials[k].rate;
      for (index_t i = 0; i < n; ++i)
        if (std::isfinite(trials[k].isi_cv[i])) {
          cv[i] += trials[k].isi_cv[i];
          cv_n[i] += 1;
        }
    }
    rate /= double(count);
    for (const auto& g : names) {
      std::vector<double> r, v;
      for (index_t i = 0; i < n; ++i) {
        if (groups[std::size_t(i)] != g) continue;
        r.push_back(rate[i]);
        if (cv_n[i] > 0) v.push_back(cv[i] / cv_n[i]);
      }
      firing_group f{g, c, int(r.size()), count, mean(r), sample_sd(r), int(v.size()), mean(v), sample_sd(v)};
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace spikernn
