// Data sources: the batch of a step is a function of the step (and the seed) alone, so a
// resumed run sees the batches of an uninterrupted one.
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/data_source.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace spikernn;

TEST_CASE("data sources: each step's batch depends on the step alone") {
  const go_nogo task({.T = 40, .stim_on = 5, .stim_dur = 5});
  task_trials<go_nogo> trials(task, 3, seed{1});
  trial_batch a, b;
  trials.fill(5, a);
  trials.fill(2, b);
  trials.fill(5, b);
  REQUIRE(a.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) CHECK(a.trials[k].u == b.trials[k].u);
  // trial i of the run comes from (seed, training_trial, i), whatever the batch size
  rng g(seed{1}, purpose::training_trial, 5 * 3 + 1);
  CHECK(task.generate(g).u == a.trials[1].u);

  std::vector<sequence_sample> data(6);
  for (int i = 0; i < 6; ++i) data[std::size_t(i)].u = matrix<double>::Constant(1, 4, double(i));
  dataset_batches epochs(data, 4, true, seed{3});
  CHECK(epochs.steps_per_epoch() == 2);
  sample_batch s;
  std::vector<const sequence_sample*> seen;
  for (long step = 2; step < 4; ++step) {  // epoch 1: every sample once, the last batch short
    epochs.fill(step, s);
    seen.insert(seen.end(), s.samples.begin(), s.samples.end());
  }
  CHECK(seen.size() == 6);
  std::sort(seen.begin(), seen.end());
  CHECK(std::unique(seen.begin(), seen.end()) == seen.end());
}

TEST_CASE("data sources: encoded batches wrap round a small set and encode afresh at every step") {
  std::vector<vector<double>> x(3, vector<double>::Constant(5, 0.5));
  const std::vector<int> labels{0, 1, 2};
  encoded_batches source(x, labels, 8, 4, 2, seed{1});  // 4 a batch from 3 samples: wraps
  event_batch a, b;
  source.fill(0, a);
  source.fill(1, b);
  REQUIRE(a.size() == 4);
  CHECK(a.labels[3] == a.labels[0]);                    // the order wrapped round
  CHECK(a.events[0].index != b.events[0].index);        // fresh draws each step
  event_batch again;
  source.fill(0, again);
  CHECK(again.events[2].index == a.events[2].index);     // … from the step alone
  CHECK_THROWS_AS(encoded_batches(x, std::vector<int>{0}, 8, 4, 2, seed{1}), invalid_parameter);
}
