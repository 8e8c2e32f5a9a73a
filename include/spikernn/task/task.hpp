// What a task is: a generator of single trials (stimulus, target, label) plus the rule that
// says whether a rate network's output on a trial was correct (spec §2). Tasks are plain
// values; the programs choose one by name at their edge.
#pragma once

#include "spikernn/core/records.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace spikernn {

/// A task: names itself, generates trials from a stream, and judges a rate output sequence
/// (T − 1 values, o_1 … o_{T−1}) by its training-evaluation rule (spec §2.5).
template <class T>
concept task = requires(const T& t, rng& g, const trial& tr, const vector<double>& o) {
  { t.name() } -> std::convertible_to<std::string_view>;
  { t.n_inputs() } -> std::convertible_to<int>;
  { t.n_steps() } -> std::convertible_to<int>;
  { t.generate(g) } -> std::same_as<trial>;
  { t.correct(tr, o) } -> std::same_as<bool>;
  { t.min_trials_before_stop() } -> std::convertible_to<int>;
};

/// The samples of a LIF output (dt seconds apart) from `start` seconds on; sample k is time (k+1)·dt,
/// so start = 0.5 s at dt = 0.05 ms begins at the original's sample 10000 (index 9999).
inline auto output_from(const row_vector<double>& out, double start, double dt) {
  const index_t from = std::clamp<index_t>(index_t(std::lround(start / dt)) - 1, 0, out.size());
  return out.tail(out.size() - from);
}

/// The rule of the original's XOR and Mante tasks: for label +1 the window must rise above
/// +threshold, for −1 fall below −threshold (wrong-sign excursions are not penalised).
template <class D>
bool signed_response(double label, const Eigen::DenseBase<D>& window, double threshold) {
  if (window.size() == 0) return false;
  return label > 0 ? window.maxCoeff() > threshold : window.minCoeff() < -threshold;
}

/// A task that can also judge a spiking network: random stimuli for LIF trials (one more
/// input column than the rate trial, as the original's grid search) and the rule on the LIF
/// output, whose samples are dt seconds apart (spec §5.1).
template <class T>
concept spiking_task = task<T> && requires(const T& t, rng& g, const trial& tr, const row_vector<double>& out) {
  { t.spiking_trial(g) } -> std::same_as<trial>;
  { t.spiking_correct(tr, out, 0.0) } -> std::same_as<bool>;
  { t.sample_spiking_trials() } -> std::same_as<std::vector<trial>>;
};

}  // namespace spikernn
