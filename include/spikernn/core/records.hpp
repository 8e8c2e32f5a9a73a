// The records every layer passes around: a task's trial, a dataset's sample, a spike train as
// events. They sit here, below tasks, networks and the trainer, so that a network never includes
// a task header to learn what its input is.
#pragma once

#include "spikernn/core/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace spikernn {

/// One trial. Stimulus and target are kept in double: they are small (inputs × T), and the
/// network converts them once per trial to its own scalar type.
struct trial {
  matrix<double> u;     ///< n_inputs × T stimulus; column t drives step t + 1
  vector<double> z;     ///< T targets; output o_{k+1} is compared with z[k] (spec §2.1)
  double label = 0;     ///< task-specific label (Go-NoGo: 1 go / 0 nogo)
  std::string condition;  ///< human-readable trial type ("go", "nogo", ...)

  index_t n_steps() const { return u.cols(); }
};

/// One sample of a fixed dataset trained in mini-batches (GLIFR's tasks): the input
/// (n_in × T), and either a target sequence (n_out × T, regression) or a class (classification).
struct sequence_sample {
  matrix<double> u;
  matrix<double> z;
  int label = -1;
};

/// Binary spike trains of `channels` inputs over `steps` steps, as events: the channels that
/// spiked at step t are index[start[t]] … index[start[t+1] − 1], ascending.
struct spike_events {
  index_t channels = 0, steps = 0;
  std::vector<std::int32_t> start;  ///< steps + 1 offsets into index
  std::vector<std::int32_t> index;  ///< channels that spiked, step by step

  index_t count() const { return static_cast<index_t>(index.size()); }
  /// The channels × steps matrix of 0/1.
  matrix<double> dense() const {
    matrix<double> m = matrix<double>::Zero(channels, steps);
    for (index_t t = 0; t < steps; ++t)
      for (std::int32_t k = start[std::size_t(t)]; k < start[std::size_t(t + 1)]; ++k)
        m(index[std::size_t(k)], t) = 1.0;
    return m;
  }
};

}  // namespace spikernn
