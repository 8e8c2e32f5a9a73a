// Summary statistics of populations of networks (the paper's tables: mean ± std over runs, the
// significance of a difference between two conditions) and the confidence interval of an
// accuracy measured on a finite number of trials. NaN where a statistic is undefined
// (the mean of nothing, the spread of one value), so a table shows the gap instead of a number.
#pragma once

#include "spikernn/core/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

namespace spikernn {

inline double mean(std::span<const double> v) {
  return v.empty() ? std::nan("") : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

/// The sample standard deviation (n − 1 in the denominator: MATLAB's std(x), numpy's ddof=1).
inline double sample_sd(std::span<const double> v) {
  if (v.size() < 2) return std::nan("");
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

/// The population standard deviation (n in the denominator: MATLAB's std(x, 1), numpy's default).
inline double population_sd(std::span<const double> v) {
  if (v.empty()) return std::nan("");
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size()));
}

/// Two-sided permutation test of a difference in means: the fraction of `rounds` random
/// relabellings of the pooled values whose |mean difference| is at least the observed one, as
/// (extreme + 1) / (rounds + 1). The relabellings come from the stream (s, user), so the
/// p-value is the same on every run. NaN when a group has fewer than two values.
inline double permutation_p(std::span<const double> a, std::span<const double> b, int rounds = 10000,
                            seed s = seed{12345}) {
  if (a.size() < 2 || b.size() < 2) return std::nan("");
  std::vector<double> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  const double observed = std::abs(mean(a) - mean(b));
  const std::span<const double> pooled(all);
  rng g(s, purpose::user);
  int extreme = 0;
  for (int k = 0; k < rounds; ++k) {
    shuffle(std::span<double>(all), g);
    const double d = std::abs(mean(pooled.first(a.size())) - mean(pooled.subspan(a.size())));
    if (d >= observed - 1e-12) ++extreme;
  }
  return double(extreme + 1) / double(rounds + 1);
}

/// A confidence interval of a proportion.
struct proportion_interval {
  double lo = 0, hi = 1;
};

/// The Wilson score interval of k successes in n trials (95 % for the default z): unlike the
/// normal approximation it stays inside [0, 1] and is honest at 0 and n successes (100 of 100
/// correct is [0.963, 1], not [1, 1]). n = 0 gives [0, 1].
inline proportion_interval wilson_interval(long k, long n, double z = 1.959963984540054) {
  if (n <= 0) return {};
  const double p = double(k) / double(n), z2 = z * z, nn = double(n);
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace spikernn
