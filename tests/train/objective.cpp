// Objectives: the engine's losses on batches, in the one output layout (time-major).
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/objective.hpp>

#include <doctest/doctest.h>

#include <vector>

using namespace spikernn;

TEST_CASE("objective: kim2019 on a time-major batch is the mean of each trial's loss") {
  const go_nogo task({.T = 12, .stim_on = 2, .stim_dur = 3});
  trial_batch batch;
  batch.add(task.make(go_nogo::type::go), rng(seed{1}, purpose::user));
  batch.add(task.make(go_nogo::type::nogo), rng(seed{2}, purpose::user));
  matrix<double> o(1, 11 * 2);
  rng g(seed{3}, purpose::user);
  g.fill_normal(o, 1.0);
  for (const loss_fn kind : {loss_fn::l2, loss_fn::l1}) {
    matrix<double> d_o;
    loss_detail d;
    const double l = kim2019_objective{kind}(o, batch, d_o, d);
    double sum = 0;
    for (index_t b = 0; b < 2; ++b) {
      const vector<double> ob = time_major_trial(o, 2, b).transpose();  // trial b: every other column
      vector<double> g1(11);
      const double lb = trial_loss(kind, ob, batch.trials[std::size_t(b)].z, g1);
      CHECK(d.per_sample[std::size_t(b)] == doctest::Approx(lb).epsilon(1e-12));
      CHECK((time_major_trial(d_o, 2, b).transpose() - g1 / 2.0).cwiseAbs().maxCoeff() < 1e-12);
      sum += lb;
    }
    CHECK(l == doctest::Approx(sum / 2).epsilon(1e-12));
    CHECK(d.correct == -1);
  }
  matrix<double> wrong(11, 2), d_o;
  loss_detail d;
  CHECK_THROWS_AS(kim2019_objective{}(wrong, batch, d_o, d), invalid_parameter);
}

TEST_CASE("objective: the spiking objective counts hits on events and refuses l2_norm without targets") {
  event_batch batch;
  batch.add(spike_events{2, 3, {0, 0, 0, 0}, {}}, 1);
  batch.add(spike_events{2, 3, {0, 0, 0, 0}, {}}, 0);
  matrix<float> o = matrix<float>::Zero(2, 3 * 2), d_o;
  o(1, 4) = 2.0f;  // last step (columns 4, 5), trial 0 says class 1: right
  o(1, 5) = 2.0f;  // trial 1 says class 1: wrong
  loss_detail d;
  spiking_objective{}(o, batch, d_o, d);
  CHECK(d.correct == 1);
  CHECK_THROWS_AS(spiking_objective{spiking_loss::l2_norm}(o, batch, d_o, d), invalid_parameter);
}
