// Data sources: what the engine trains on, one batch per step. A source fills the batch of step
// s from s alone (and its seed), so a run resumed at step s sees exactly the batches an
// uninterrupted one would: no random state has to be checkpointed. Sources with epochs say how
// many steps one takes (steps_per_epoch), and the engine reports each epoch's end.
//   task_trials      — fresh task trials: trial i from (seed, training_trial, i) (Kim 2019);
//   dataset_batches  — epochs over a fixed dataset, shuffled from (seed, batch_order, epoch)
//                      (GLIFR; PyTorch's DataLoader with shuffle=True; the last batch may be short);
//   encoded_batches  — a few random batches of static inputs per epoch, Bernoulli rate-coded
//                      afresh at every step (the spiking mode RNN on MNIST, B.4);
//   repeated_batches — a generated batch used for several consecutive steps (the mode RNN's
//                      context task, B.5).
#pragma once

#include "spikernn/core/batch.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/task/rate_encoding.hpp"
#include "spikernn/task/task.hpp"

#include <concepts>
#include <cstdint>
#include <functional>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

namespace spikernn {

template <class D>
concept data_source = requires(D& d, long step, typename D::batch_type& b) {
  typename D::batch_type;
  d.fill(step, b);
};

/// Sources with epochs: steps_per_epoch() steps make one.
template <class D>
concept epoch_source = data_source<D> && requires(const D& d) {
  { d.steps_per_epoch() } -> std::convertible_to<long>;
};

/// Fresh trials of a task, `batch` per step; trial i (counted over the whole run) and its noise
/// come from the stream (seed, training_trial, i), so they do not depend on the batch size.
template <task Task>
class task_trials {
 public:
  using batch_type = trial_batch;

  task_trials(const Task& t, int batch, seed s) : task_(&t), batch_(batch), seed_(s) {
    require(batch > 0, "batch", "a positive batch size");
  }
  void fill(long step, trial_batch& b) const {
    b.clear();
    for (int k = 0; k < batch_; ++k) {
      rng g(seed_, purpose::training_trial, static_cast<std::uint64_t>(step * batch_ + k));
      trial t = task_->generate(g);
      b.add(std::move(t), g);  // the noise continues the trial's stream
    }
  }

 private:
  const Task* task_;
  int batch_;
  seed seed_;
};

/// The order of a dataset's n samples in each epoch: shuffled from (seed, batch_order, epoch),
/// or as stored; the last epoch's order is kept, as a run asks for one epoch after another.
class epoch_order {
 public:
  epoch_order(std::size_t n, bool shuffle, seed s) : n_(n), shuffle_(shuffle), seed_(s) {}
  const std::vector<std::size_t>& of(long epoch) {
    if (epoch != epoch_) {
      order_.resize(n_);
      std::iota(order_.begin(), order_.end(), std::size_t{0});
      if (shuffle_) {
        rng g(seed_, purpose::batch_order, static_cast<std::uint64_t>(epoch));
        shuffle(std::span<std::size_t>(order_), g);
      }
      epoch_ = epoch;
    }
    return order_;
  }

 private:
  std::size_t n_;
  bool shuffle_;
  seed seed_;
  long epoch_ = -1;
  std::vector<std::size_t> order_;
};

/// Epochs over a fixed dataset: every sample once per epoch, in an order shuffled from
/// (seed, batch_order, epoch) or kept as stored.
class dataset_batches {
 public:
  using batch_type = sample_batch;

  dataset_batches(std::span<const sequence_sample> data, int batch, bool shuffle, seed s)
      : data_(data), batch_(batch), order_(data.size(), shuffle, s) {
    require(!data.empty(), "dataset", "at least one sample");
    require(batch > 0, "batch", "a positive batch size");
  }
  long steps_per_epoch() const { return long((data_.size() + std::size_t(batch_) - 1) / std::size_t(batch_)); }
  void fill(long step, sample_batch& b) {
    const long epoch = step / steps_per_epoch(), k = step % steps_per_epoch();
    const auto& order = order_.of(epoch);
    b.clear();
    const std::size_t first = std::size_t(k) * std::size_t(batch_);
    for (std::size_t i = first; i < std::min(data_.size(), first + std::size_t(batch_)); ++i) b.add(data_[order[i]]);
  }

 private:
  std::span<const sequence_sample> data_;
  int batch_;
  epoch_order order_;
};

/// The spiking mode RNN's MNIST protocol (B.4): each epoch shuffles the dataset from
/// (seed, batch_order, epoch) and takes its first batches_per_epoch batches (wrapping round a
/// small set); every step encodes its images afresh, image b of step s from the stream
/// (seed, spike_encoding, s·2³² + b), into `steps` steps of Bernoulli spikes.
class encoded_batches {
 public:
  using batch_type = event_batch;

  encoded_batches(std::span<const vector<double>> intensities, std::span<const int> labels, int steps, int batch,
                  int batches_per_epoch, seed s)
      : x_(intensities),
        labels_(labels),
        steps_(steps),
        batch_(batch),
        per_epoch_(batches_per_epoch),
        seed_(s),
        order_(intensities.size(), true, s) {
    require(!intensities.empty(), "dataset", "at least one sample");
    require(labels.size() == intensities.size(), "labels", "one label per sample");
    require(steps > 0, "steps", "a positive number of time steps");
    require(batch > 0, "batch", "a positive batch size");
    require(batches_per_epoch > 0, "batches_per_epoch", "a positive number of batches");
  }
  long steps_per_epoch() const { return per_epoch_; }
  void fill(long step, event_batch& b) {
    const long epoch = step / per_epoch_, k = step % per_epoch_;
    const auto& order = order_.of(epoch);
    b.clear();
    for (int j = 0; j < batch_; ++j) {
      const std::size_t i = order[(std::size_t(k) * std::size_t(batch_) + std::size_t(j)) % order.size()];
      rng enc(seed_, purpose::spike_encoding, (static_cast<std::uint64_t>(step) << 32) + std::uint64_t(j));
      b.add(bernoulli_rate_events(x_[i], steps_, enc), labels_[i]);
    }
  }

 private:
  std::span<const vector<double>> x_;
  std::span<const int> labels_;
  int steps_, batch_, per_epoch_;
  seed seed_;
  epoch_order order_;
};

/// A batch made by `make(round)` and trained on for `repeats` consecutive steps (one round).
class repeated_batches {
 public:
  using batch_type = sample_batch;

  repeated_batches(std::function<std::vector<sequence_sample>(long round)> make, int repeats)
      : make_(std::move(make)), repeats_(repeats) {
    require(repeats > 0, "repeats", "a positive number of steps per batch");
  }
  long steps_per_epoch() const { return repeats_; }
  void fill(long step, sample_batch& b) {
    const long round = step / repeats_;
    if (round != round_) {
      samples_ = make_(round);
      require(!samples_.empty(), "batch", "a non-empty batch from the generator");
      round_ = round;
    }
    b.clear();
    for (const auto& s : samples_) b.add(s);
  }

 private:
  std::function<std::vector<sequence_sample>(long)> make_;
  int repeats_;
  long round_ = -1;
  std::vector<sequence_sample> samples_;
};

}  // namespace spikernn
