#include <spikernn/eval/statistics.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;

TEST_CASE("statistics: mean and the two standard deviations as MATLAB's std(x) and std(x, 1)") {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(mean(v) == 5.0);
  CHECK(population_sd(v) == doctest::Approx(2.0).epsilon(1e-14));
  CHECK(sample_sd(v) == doctest::Approx(std::sqrt(32.0 / 7.0)).epsilon(1e-14));
  CHECK(std::isnan(mean(std::vector<double>{})));
  CHECK(std::isnan(sample_sd(std::vector<double>{3})));
  CHECK(population_sd(std::vector<double>{3}) == 0.0);
}

TEST_CASE("statistics: the permutation test separates shifted groups and not equal ones, the same every run") {
  std::vector<double> a, b, c;
  for (int k = 0; k < 12; ++k) {
    a.push_back(0.1 * k);
    b.push_back(0.1 * k + 2.0);  // far apart: no relabelling is as extreme
    c.push_back(0.1 * (11 - k));  // the same values as a
  }
  const double far = permutation_p(a, b, 2000);
  CHECK(far == doctest::Approx(1.0 / 2001.0));
  CHECK(permutation_p(a, c, 2000) == 1.0);  // equal means: every relabelling is at least as extreme
  CHECK(permutation_p(a, b, 2000) == far);
  CHECK(std::isnan(permutation_p(std::vector<double>{1}, b)));
  // a modest shift gives a p-value between the two
  std::vector<double> d;
  for (double x : a) d.push_back(x + 0.35);
  const double p = permutation_p(a, d, 4000);
  CHECK(p > 0.01);
  CHECK(p < 0.5);
}

TEST_CASE("statistics: the Wilson interval of an accuracy, as tabulated") {
  // Wilson (1927) / Newcombe (1998) table: 81 of 263 → [0.2553, 0.3662]
  const auto a = wilson_interval(81, 263);
  CHECK(a.lo == doctest::Approx(0.2553).epsilon(2e-4));
  CHECK(a.hi == doctest::Approx(0.3662).epsilon(2e-4));
  const auto all = wilson_interval(100, 100);  // 100 of 100 is not certainty
  CHECK(all.hi == 1.0);
  CHECK(all.lo == doctest::Approx(0.963).epsilon(1e-3));
  const auto none = wilson_interval(0, 10);
  CHECK(none.lo == 0.0);
  CHECK(none.hi == doctest::Approx(0.2775).epsilon(1e-3));
  const auto nothing = wilson_interval(0, 0);
  CHECK(nothing.lo == 0.0);
  CHECK(nothing.hi == 1.0);
}
