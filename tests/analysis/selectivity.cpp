#include <spikernn/analysis/selectivity.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;

TEST_CASE("selectivity: regression recovers known coefficients; Mante variables come from the trial") {
  // 3 units × 2 bins over 60 trials: r = β0 + X β + noise (SD 0.05), X of 4 random variables.
  rng g(seed{9}, purpose::user);
  const index_t trials = 60, units = 3, bins = 2;
  matrix<double> x(trials, 4);
  for (index_t k = 0; k < x.size(); ++k) x(k) = g.normal();
  matrix<double> truth(4, units * bins);
  for (index_t k = 0; k < truth.size(); ++k) truth(k) = double(k % 7) - 3.0;  // includes exact zeros
  std::vector<matrix<double>> rates;
  for (index_t k = 0; k < trials; ++k) {
    matrix<double> r(units, bins);
    for (index_t c = 0; c < units * bins; ++c) r(c) = 2.0 + x.row(k).dot(truth.col(c)) + 0.05 * g.normal();
    rates.push_back(r);
  }
  const auto s = regress_rates(rates, x, mante_variables::names());
  REQUIRE(s.beta.size() == 4);
  CHECK(s.variables[3] == "choice");
  for (index_t v = 0; v < 4; ++v)
    for (index_t c = 0; c < units * bins; ++c) {
      CHECK(s.beta[std::size_t(v)](c) == doctest::Approx(truth(v, c)).scale(1.0).epsilon(0.03));
      // a true zero has |t| of order 1; a coefficient of 1 or more, |t| far above 10
      if (truth(v, c) == 0) CHECK(std::abs(s.t[std::size_t(v)](c)) < 5.0);
      else CHECK(std::abs(s.t[std::size_t(v)](c)) > 10.0);
    }
  CHECK(s.intercept(0, 0) == doctest::Approx(2.0).epsilon(0.03));
  // collinear regressors are refused, not silently solved
  matrix<double> twice = x;
  twice.col(1) = 2 * twice.col(0);
  bool refused = false;
  try {
    (void)regress_rates(rates, twice, mante_variables::names());
  } catch (const invalid_parameter&) {
    refused = true;
  }
  CHECK(refused);

  const mante tk{};
  const auto samples = tk.sample_spiking_trials();  // a context-1 and a context-2 trial
  const auto v1 = mante_trial_variables(samples[0], tk.params(), samples[0].label);
  const auto v2 = mante_trial_variables(samples[1], tk.params(), -1.0);
  CHECK(v1.context == 1.0);
  CHECK(v2.context == -1.0);
  CHECK(std::abs(std::abs(v1.motion) - 0.5) < 0.3);  // offset ± 0.5 plus the mean of 200 N(0, 1)
  CHECK(std::abs(std::abs(v1.colour) - 0.5) < 0.3);
  CHECK((v1.motion > 0 ? 1.0 : -1.0) == samples[0].label);  // context 1 reports channel 1
  CHECK((v2.colour > 0 ? 1.0 : -1.0) == samples[1].label);
  CHECK(v2.choice == -1.0);
  CHECK(mante_design({v1, v2}).row(1)(2) == -1.0);
}
