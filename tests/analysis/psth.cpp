#include <spikernn/analysis/firing_statistics.hpp>
#include <spikernn/analysis/psth.hpp>

#include <doctest/doctest.h>

#include "../support.hpp"

#include <cmath>
#include <string>
#include <vector>

using namespace spikernn;

TEST_CASE("psth: spikes counted in bins as rates, averaged per condition, smoothed without bias") {
  // dt = 1 ms, 100 steps (0.1 s), 20 ms bins: 5 bins. Step i covers ((i−1)·dt, i·dt].
  const psth_params p{.bin = 0.02};
  const std::vector<spike_event> a{{5, 0}, {15, 0}, {25, 0}, {100, 1}, {21, 1}};
  const matrix<double> r = binned_rates(a, 2, 0.001, 100, p);
  REQUIRE(r.rows() == 2);
  REQUIRE(r.cols() == 5);
  CHECK(r(0, 0) == doctest::Approx(100.0));  // 2 spikes in 20 ms
  CHECK(r(0, 1) == doctest::Approx(50.0));
  CHECK(r(0, 2) == 0.0);
  CHECK(r(1, 4) == doctest::Approx(50.0));  // the last step falls in the last bin
  CHECK(r(1, 0) == 0.0);                    // step 21 covers (20, 21] ms: the second bin
  CHECK(r(1, 1) == doctest::Approx(50.0));
  CHECK(r.sum() * p.bin == doctest::Approx(5.0));  // every spike counted once
  const auto c = psth_centres(p, 5);
  CHECK(c[0] == doctest::Approx(0.01));
  CHECK(c[4] == doctest::Approx(0.09));

  const matrix<double> b = binned_rates({{30, 0}}, 2, 0.001, 100, p);
  const auto ps = condition_psth({r, b, r}, {"go", "nogo", "go"}, p);
  REQUIRE(ps.conditions == std::vector<std::string>{"go", "nogo"});
  CHECK(ps.trials == std::vector<int>{2, 1});
  CHECK(ps.units[0].isApprox(r));
  CHECK(ps.units[1](0, 1) == doctest::Approx(50.0));
  CHECK(ps.population(0, 0) == doctest::Approx(50.0));  // (100 + 0) / 2 units

  const matrix<double> flat = matrix<double>::Constant(1, 9, 7.0);
  CHECK(gaussian_smooth(flat, 1.5).isApprox(flat));
  const matrix<double> smoothed = binned_rates(a, 2, 0.001, 100, {.bin = 0.02, .smooth_sd = 0.02});
  CHECK(smoothed(0, 2) > 0.0);
  CHECK(smoothed.row(0).maxCoeff() < 100.0);
  CHECK(testing::refused([] { (void)psth_bins({.bin = 0}, 1.0); }) == "bin");
}
