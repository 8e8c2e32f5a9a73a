#include <spikernn/core/types.hpp>
#include <spikernn/neuron/qif.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

TEST_CASE("quadratic_if: the constants of SI Table S1 - threshold +30 mV - reset -65 mV - no bias") {
  const lif_params q = quadratic_if::defaults(), l = leaky_if::defaults();
  CHECK(q.v_peak == 30.0);
  CHECK(q.v_reset == -65.0);
  CHECK(q.bias == 0.0);
  // everything else is the LIF network's (spec §4.2): same synapses, refractoriness, noise, time base
  CHECK(q.dt == l.dt);
  CHECK(q.tau_m == l.tau_m);
  CHECK(q.t_ref == l.t_ref);
  CHECK(q.tau_r == l.tau_r);
  CHECK(q.noise_mv == l.noise_mv);
  CHECK(q.v_init_lo == l.v_init_lo);
  CHECK(q.v_init_hi == l.v_init_hi);
  CHECK(q.steps_per_column == l.steps_per_column);
  CHECK_NOTHROW(q.validate());
  CHECK(quadratic_if::name == "qif");
  CHECK(leaky_if::name == "lif");
}

TEST_CASE("quadratic_if: drift is v squared plus I - the leaky one is I minus v") {
  CHECK(quadratic_if::drift(-65.0, 0.0) == 4225.0);
  CHECK(quadratic_if::drift(-10.0, -100.0) == 0.0);  // the resting point for I = −100
  CHECK(quadratic_if::drift(3.0f, 2.0f) == 11.0f);
  CHECK(leaky_if::drift(-65.0, -40.0) == 25.0);
  // the same expression serves Eigen arrays, element by element
  array<double> v(3), current(3);
  v << -65, 0, 10;
  current << 0, 5, -100;
  const array<double> d = quadratic_if::drift(v, current);
  CHECK(d[0] == 4225.0);
  CHECK(d[1] == 5.0);
  CHECK(d[2] == 0.0);
}

TEST_CASE("lif_membrane: with the quadratic neuron the original's commented-out QIF line") {
  // v + dt·(v² + I)/τ_m, exact in binary with a = 0.25: −4 + 0.25·(16 + 4) = 1, plus noise 0.5
  CHECK(lif_membrane<double, quadratic_if>(-4.0, 4.0, true, 0.25, 0.5) == 1.5);
  CHECK(lif_membrane<double, quadratic_if>(-4.0, 4.0, false, 0.25, 0.5) == -3.5);  // refractory: noise only
}
