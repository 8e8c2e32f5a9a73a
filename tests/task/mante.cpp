#include <spikernn/task/mante.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("mante: noisy sensory channels / whole-trial context / label of the cued channel (spec §2.3)") {
  const mante task{};
  CHECK(task.n_steps() == 500);
  CHECK(task.n_inputs() == 4);
  int contexts[2] = {0, 0};
  for (int i = 0; i < 400; ++i) {
    rng g(seed{3}, purpose::training_trial, std::uint64_t(i));
    const trial tr = task.generate(g);
    REQUIRE(tr.u.cols() == 500);
    CHECK(tr.u.block(0, 0, 2, 50).isZero());
    CHECK(tr.u.block(0, 250, 2, 250).isZero());
    const bool first = tr.u(2, 0) == 1.0;
    CHECK(tr.u.row(first ? 2 : 3).minCoeff() == 1.0);  // the context lasts the whole trial
    CHECK(tr.u.row(first ? 3 : 2).isZero());
    ++contexts[first ? 0 : 1];
    // the cued channel's mean sits at ±0.5, and the label is its sign
    const double mean = tr.u.row(first ? 0 : 1).segment(50, 200).mean();
    CHECK(std::abs(std::abs(mean) - 0.5) < 0.35);
    const double noise_sd = std::sqrt((tr.u.row(0).segment(50, 200).array() - tr.u.row(0).segment(50, 200).mean()).square().mean());
    CHECK(noise_sd == doctest::Approx(1.0).epsilon(0.3));
    CHECK(tr.z.head(250).isZero());
    CHECK((tr.z.tail(250).array() == tr.label).all());
    CHECK(tr.condition == (first ? "context1" : "context2"));
  }
  CHECK(contexts[0] / 400.0 == doctest::Approx(0.5).epsilon(0.15));
}

TEST_CASE("mante: the TF rate rule on the last 200 outputs and the ML spiking rule from 1.3 s") {
  const mante task{};
  rng g(seed{4}, purpose::user);
  trial tr = task.generate(g);
  tr.label = 1;
  vector<double> o = vector<double>::Zero(499);
  o[298] = 0.9;  // outside the last 200 (indices 299…498)
  CHECK_FALSE(task.correct(tr, o));
  o[299] = 0.9;
  CHECK(task.correct(tr, o));
  tr.label = -1;
  CHECK_FALSE(task.correct(tr, o));
  o[400] = -0.71;
  CHECK(task.correct(tr, o));
  row_vector<double> out = row_vector<double>::Zero(50000);
  out[25998] = -1;
  CHECK_FALSE(task.spiking_correct(tr, out, 5e-5));
  out[25999] = -1;
  CHECK(task.spiking_correct(tr, out, 5e-5));
  const auto samples = task.sample_spiking_trials();
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].condition == "context1");
  CHECK(samples[1].condition == "context2");
  CHECK(samples[0].u.cols() == 501);
  static_assert(spiking_task<mante>);
}
