// What one training or evaluation step feeds a model: a batch of trials or samples. A data source
// (train/data_source.hpp) fills one per step; every trainable model takes the batch kinds it
// understands in forward(batch, tape), so one engine drives all of them:
//   trial_batch  — task trials, each with its own noise stream (the rate RNN);
//   sample_batch — samples of a dataset, by pointer (GLIFR, the RNN/LSTM baselines, mode SNN);
//   event_batch  — spike-event inputs with class labels (Bernoulli-coded MNIST for the mode SNN).
#pragma once

#include "spikernn/core/records.hpp"
#include "spikernn/core/rng.hpp"

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace spikernn {

/// Trials of a task with one noise stream each; a trial's draws come from its own stream, so
/// its result does not depend on the batch it ran in.
class trial_batch {
 public:
  std::vector<trial> trials;
  std::vector<rng> noise;

  std::size_t size() const { return trials.size(); }
  void clear() {
    trials.clear();
    noise.clear();
  }
  void add(trial t, rng stream) {
    trials.push_back(std::move(t));
    noise.push_back(stream);
  }
  /// The trials by pointer, the form rate_rnn::forward takes (rebuilt: adds may move them).
  std::span<const trial* const> pointers() const {
    ptrs_.clear();
    for (const auto& t : trials) ptrs_.push_back(&t);
    return ptrs_;
  }

 private:
  mutable std::vector<const trial*> ptrs_;
};

/// Samples of a dataset by pointer: the data stay where they are.
struct sample_batch {
  std::vector<const sequence_sample*> samples;
  std::vector<const matrix<double>*> inputs;  ///< samples[b]->u

  std::size_t size() const { return samples.size(); }
  void clear() {
    samples.clear();
    inputs.clear();
  }
  void add(const sequence_sample& s) {
    samples.push_back(&s);
    inputs.push_back(&s.u);
  }
};

/// Spike-event inputs with their classes.
struct event_batch {
  std::vector<spike_events> events;
  std::vector<int> labels;

  std::size_t size() const { return events.size(); }
  void clear() {
    events.clear();
    labels.clear();
  }
  void add(spike_events e, int label) {
    events.push_back(std::move(e));
    labels.push_back(label);
  }
};

}  // namespace spikernn
