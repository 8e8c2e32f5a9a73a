// Bernoulli rate encoding of static inputs (glifr_smnn_spec.md B.2, snnTorch spikegen.rate, as
// the SMNN MNIST model feeds its images): each value p, clamped to [0, 1] as spikegen.rate
// does, becomes a spike train of T steps, independently Bernoulli(p) for every element and
// every step. Two forms of the same trains:
//   bernoulli_rate_encode → an n × T matrix of 0/1 (column t = step t), the form every
//     network's forward() takes per trial;
//   bernoulli_rate_events → spike_events, the channels that spiked at each step, which
//     mode_snn::forward also takes: rate-encoded MNIST is ≈ 12% ones, and the events skip
//     both the dense matrix and reading it back.
// The draws come from the caller's stream; for a dataset use one stream per sample,
// rng(seed, purpose::spike_encoding, sample index), so an encoding can be regenerated alone.
// Draw order: step by step, each step over the entries in order, one draw u = g.uniform() per
// entry with p > 0 (spike when u < p); entries with p = 0 never spike and take no draw (the
// distribution is the same, and blank MNIST pixels cost nothing).
// PyTorch's generator differs, so the trains match the original only in distribution.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace spikernn {

namespace detail {
template <class D>
vector<double> rate_probabilities(const Eigen::DenseBase<D>& values, index_t steps) {
  require(values.rows() == 1 || values.cols() == 1, "values",
          "a vector of intensities, got " + std::to_string(values.rows()) + " × " + std::to_string(values.cols()));
  require(steps >= 1, "steps", "at least one time step, got " + std::to_string(steps));
  vector<double> p = values.derived().template cast<double>().reshaped();
  for (index_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p(i))) throw invalid_parameter("values", "numbers (entry " + std::to_string(i) + " is NaN)");
    p(i) = std::clamp(p(i), 0.0, 1.0);
  }
  return p;
}
}  // namespace detail

/// T steps of Bernoulli(clamp(p, 0, 1)) spikes for every entry p of `values`, a vector of n
/// intensities (e.g. 784 pixels scaled to [0, 1]), as events. NaN is refused ("values").
template <class D>
spike_events bernoulli_rate_events(const Eigen::DenseBase<D>& values, index_t steps, rng& g) {
  const vector<double> p = detail::rate_probabilities(values, steps);
  const index_t n = p.size();
  require(double(n) * double(steps) <= double(std::numeric_limits<std::int32_t>::max()), "steps",
          "fewer than 2³¹ entries × steps");
  // The entries that can spike, with u < p written as the exact integer test on the 53 bits
  // uniform() uses: (x >> 11)·2⁻⁵³ < p ⟺ (x >> 11) < ⌈p·2⁵³⌉ (p = 1: always).
  std::vector<std::int32_t> active;
  std::vector<std::uint64_t> below;
  for (index_t i = 0; i < n; ++i)
    if (p(i) > 0.0) {
      active.push_back(std::int32_t(i));
      below.push_back(static_cast<std::uint64_t>(std::ceil(std::ldexp(p(i), 53))));
    }
  spike_events e;
  e.channels = n;
  e.steps = steps;
  e.start.resize(std::size_t(steps + 1));
  e.index.resize(std::size_t(steps) * active.size());
  std::size_t count = 0;
  for (index_t t = 0; t < steps; ++t) {
    e.start[std::size_t(t)] = std::int32_t(count);
    for (std::size_t a = 0; a < active.size(); ++a) {  // branch-free: write, then keep if it spiked
      e.index[count] = active[a];
      count += (g.next_u64() >> 11) < below[a];
    }
  }
  e.start[std::size_t(steps)] = std::int32_t(count);
  e.index.resize(count);
  return e;
}

/// The same trains (the same draws) as an n × T matrix of 0.0 / 1.0.
template <class D>
matrix<double> bernoulli_rate_encode(const Eigen::DenseBase<D>& values, index_t steps, rng& g) {
  return bernoulli_rate_events(values, steps, g).dense();
}

}  // namespace spikernn
