#include <spikernn/connectivity/init.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("init: unit types follow Bernoulli(P_inh) - no inhibitory units without Dale") {
  const connectivity_params p{.n = 2000, .p_inh = 0.2};
  const auto types = draw_unit_types<float>(p, true, seed{1});
  CHECK(double(types.n_inh()) / p.n == doctest::Approx(0.2).epsilon(0.1));
  CHECK(types.n_exc() + types.n_inh() == p.n);
  for (index_t i = 0; i < p.n; ++i) CHECK(types.sign[i] == (types.inh[i] ? -1.f : 1.f));
  const auto free_types = draw_unit_types<float>(p, false, seed{1});
  CHECK(free_types.n_inh() == 0);
  CHECK((free_types.sign.array() == 1.f).all());
  // the original's m: an N×N diagonal matrix with the signs on its diagonal
  const matrix<float> m = draw_unit_types<float>({.n = 5}, true, seed{2}).sign_matrix();
  CHECK(m.rows() == 5);
  CHECK((m - matrix<float>(m.diagonal().asDiagonal())).cwiseAbs().maxCoeff() == 0.f);
}

TEST_CASE("init: SOM units are the first som_N inhibitory units and receive no inhibition") {
  const connectivity_params p{.n = 100, .p_inh = 0.3, .som_n = 4};
  const auto t = draw_unit_types<double>(p, true, seed{3});
  REQUIRE(t.som.size() == 4);
  index_t expect = 0, found = 0;
  for (index_t i = 0; i < p.n && found < 4; ++i)
    if (t.inh[i]) {
      CHECK(t.som[std::size_t(found++)] == i);
      expect = i;
    }
  (void)expect;
  for (index_t i = 0; i < p.n; ++i)
    for (index_t j = 0; j < p.n; ++j) {
      const bool som_row = std::find(t.som.begin(), t.som.end(), i) != t.som.end();
      CHECK(t.som_mask(i, j) == ((som_row && t.inh[j]) ? 0.0 : 1.0));
    }
  // more SOM units than inhibitory ones: all inhibitory units become SOM
  const auto few = draw_unit_types<double>({.n = 10, .p_inh = 0.2, .som_n = 10}, true, seed{4});
  CHECK(index_t(few.som.size()) == few.n_inh());
}

TEST_CASE("init: gaussian weights are sparse Bernoulli(P_rec) with SD gain/sqrt(N·P_rec) / |w| for Dale") {
  const connectivity_params p{.n = 400, .p_rec = 0.2, .gain = 1.5};
  const matrix<double> w = draw_recurrent_weights<double>(p, true, seed{5});
  const double density = double((w.array() != 0).count()) / double(w.size());
  CHECK(density == doctest::Approx(0.2).epsilon(0.03));
  CHECK(w.minCoeff() >= 0.0);
  const double nz = double((w.array() != 0).count());
  const double rms = std::sqrt(w.array().square().sum() / nz);
  CHECK(rms == doctest::Approx(1.5 / std::sqrt(400 * 0.2)).epsilon(0.03));
  const matrix<double> free_w = draw_recurrent_weights<double>(p, false, seed{5});
  CHECK(free_w.minCoeff() < 0.0);
  CHECK(free_w.cwiseAbs() == w);  // the same draws; Dale only takes magnitudes
}

TEST_CASE("init: gamma weights have mean 0.006 and are unscaled") {
  const connectivity_params p{.n = 300, .p_rec = 0.5, .gain = 100, .init = weight_init::gamma};
  const matrix<double> w = draw_recurrent_weights<double>(p, true, seed{6});
  const double nz = double((w.array() != 0).count());
  CHECK(w.sum() / nz == doctest::Approx(0.006).epsilon(0.03));
}

TEST_CASE("init: impossible settings are refused naming the parameter") {
  CHECK_THROWS_WITH_AS(draw_unit_types<float>({.n = 0}, true, seed{}), doctest::Contains("'N'"), invalid_parameter);
  CHECK_THROWS_WITH_AS(draw_unit_types<float>({.p_inh = 1.5}, true, seed{}), doctest::Contains("'P_inh'"), invalid_parameter);
  CHECK_THROWS_WITH_AS(draw_unit_types<float>({.p_rec = -0.1}, true, seed{}), doctest::Contains("'P_rec'"), invalid_parameter);
  CHECK_THROWS_WITH_AS(draw_unit_types<float>({.n = 10, .som_n = 11}, true, seed{}), doctest::Contains("'som_N'"), invalid_parameter);
  CHECK_THROWS_WITH_AS(draw_unit_types<float>({.gain = 0}, true, seed{}), doctest::Contains("'gain'"), invalid_parameter);
}
