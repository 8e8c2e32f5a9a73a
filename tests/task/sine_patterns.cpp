#include <spikernn/task/sine_patterns.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

using namespace spikernn;

// Reference numbers: numpy 1.24 running the original create_sine_dataset / create_sines_amp
// (10 ** linspace(log10 0.08, log10 0.6, 6), arange(0, 5, 0.05), offset i/6 + 0.25).

TEST_CASE("sine_patterns: six sequences of 100 steps at dt 0.05 ms as spec A.7") {
  const sine_patterns task{};
  CHECK(task.size() == 6);
  CHECK(task.n_steps() == 100);
  const auto samples = task.samples();  // the training form: (input, target) pairs
  REQUIRE(samples.size() == 6);
  CHECK(samples[4].u == task.input(4));
  CHECK(samples[4].z == task.target(4));
  CHECK(task.n_inputs() == 1);
  CHECK(task.n_outputs() == 1);
  CHECK(task.time(0) == 0.0);
  CHECK(task.time(1) == doctest::Approx(0.05));
  CHECK(task.time(99) == doctest::Approx(4.95));
  const double freqs[6] = {0.08, 0.11970222957910756, 0.17910779707761723, 0.2679950330649144, 0.4009950371749613, 0.6};
  const double offsets[6] = {0.25, 0.41666666666666663, 0.5833333333333333, 0.75, 0.9166666666666666, 1.0833333333333335};
  for (int i = 0; i < 6; ++i) {
    CHECK(task.frequency(i) == doctest::Approx(freqs[i]).epsilon(1e-14));
    CHECK(task.offset(i) == offsets[i]);  // bit-identical to Python's i / 6 + 0.25
    const auto& u = task.input(i);
    REQUIRE(u.rows() == 1);
    REQUIRE(u.cols() == 100);
    CHECK((u.array() == offsets[i]).all());
    const auto& z = task.target(i);
    REQUIRE(z.rows() == 1);
    REQUIRE(z.cols() == 100);
    for (int t = 0; t < 100; ++t)
      CHECK(z(0, t) == doctest::Approx(std::sin(2 * std::numbers::pi * freqs[i] * 0.05 * t) + offsets[i]).epsilon(1e-12));
  }
  // the spec's rounded frequencies
  CHECK(task.frequency(1) == doctest::Approx(0.1197).epsilon(1e-3));
  CHECK(task.frequency(3) == doctest::Approx(0.2680).epsilon(1e-3));
  CHECK(task.frequency(4) == doctest::Approx(0.4010).epsilon(1e-3));
}

TEST_CASE("sine_patterns: targets match numpy's values of the original code") {
  const sine_patterns task{};
  const int steps[5] = {0, 1, 17, 50, 99};
  const double p0[5] = {0.25, 0.2751300954433375, 0.66437558099328409, 1.2010565162951536, 0.8579302976946056};
  const double p2[5] = {0.58333333333333326, 0.63957201981981404, 1.4005485082899973, 0.90564830757922321,
                        -0.070482296199829542};
  const double p5[5] = {1.0833333333333335, 1.2707146479190581, 1.0205428138040196, 1.0833333333333337, 0.8959520187476091};
  for (int k = 0; k < 5; ++k) {
    CHECK(task.target(0)(0, steps[k]) == doctest::Approx(p0[k]).epsilon(1e-13));
    CHECK(task.target(2)(0, steps[k]) == doctest::Approx(p2[k]).epsilon(1e-13));
    CHECK(task.target(5)(0, steps[k]) == doctest::Approx(p5[k]).epsilon(1e-13));
  }
  CHECK(task.inputs().size() == 6);
  CHECK(task.targets()[3] == task.target(3));
}

TEST_CASE("sine_patterns: mse over all steps and settings") {
  const sine_patterns task{};
  CHECK(task.mse(2, task.target(2)) == 0.0);
  const matrix<double> shifted = task.target(1).array() + 0.5;
  CHECK(task.mse(1, shifted) == doctest::Approx(0.25));
  const matrix<float> zeros_f = matrix<float>::Zero(1, 100);
  CHECK(task.mse(0, zeros_f) == doctest::Approx(task.target(0).squaredNorm() / 100));
  CHECK(testing::refused([&] { (void)task.mse(0, matrix<double>::Zero(1, 99)); }) == "output");
  CHECK(testing::refused([&] { (void)task.target(6); }) == "pattern");

  const sine_patterns three({.sim_time = 0.3, .dt = 0.1, .n_patterns = 3, .amplitude = 2});
  CHECK(three.n_steps() == 3);  // Python's int(0.3 / 0.1) would say 2
  CHECK(three.offset(2) == doctest::Approx(2.0 / 3 + 0.25));
  CHECK(three.frequency(2) == doctest::Approx(0.6));
  CHECK(three.target(1)(0, 2) == doctest::Approx(2 * std::sin(2 * std::numbers::pi * three.frequency(1) * 0.2) + 1.0 / 3 + 0.25));
  CHECK(testing::refused([] { sine_patterns bad({.dt = 0}); }) == "dt");
  CHECK(testing::refused([] { sine_patterns bad({.n_patterns = 0}); }) == "n_patterns");
  CHECK(testing::refused([] { sine_patterns bad({.freq_min = 0.7}); }) == "freq_max");
}
