#include <spikernn/core/types.hpp>
#include <spikernn/neuron/snntorch_leaky.hpp>
#include <spikernn/neuron/surrogate.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("snntorch_leaky: subtract and zero resets, the same for scalars and Eigen arrays") {
  const double beta = 0.9, thr = 0.1;
  CHECK(snntorch_leaky::membrane_subtract(0.5, 1.0, 0.2, beta, thr) == doctest::Approx(0.9 * (0.5 - 0.1) + 0.2));
  CHECK(snntorch_leaky::membrane_subtract(0.05, 0.0, 0.2, beta, thr) == doctest::Approx(0.9 * 0.05 + 0.2));
  CHECK(snntorch_leaky::membrane_zero(0.5, 1.0, 0.2, beta) == 0.0);
  CHECK(snntorch_leaky::membrane_zero(0.05, 0.0, 0.2, beta) == doctest::Approx(0.9 * 0.05 + 0.2));
  array2d<double> m(2, 3), r(2, 3), in(2, 3);
  m << 0.5, 0.05, -0.3, 0.2, 0.11, 0.0;
  r << 1, 0, 0, 1, 1, 0;
  in << 0.2, -0.1, 0.4, 0.0, 0.3, 0.05;
  const array2d<double> sub = snntorch_leaky::membrane_subtract(m, r, in, beta, thr);
  const array2d<double> zero = snntorch_leaky::membrane_zero(m, r, in, beta);
  for (index_t k = 0; k < m.size(); ++k) {
    CHECK(sub(k) == snntorch_leaky::membrane_subtract(m(k), r(k), in(k), beta, thr));
    CHECK(zero(k) == snntorch_leaky::membrane_zero(m(k), r(k), in(k), beta));
  }
}

TEST_CASE("snntorch_leaky: the adjoint is the derivative of what the membrane reaches (the reset detached)") {
  using sur = arctan;
  const double beta = 0.85, thr = 0.1, ext = 0.6, d_next = -0.3, reset_next = 1.0;
  for (double mem : {-0.2, 0.08, 0.13, 0.7}) {
    CAPTURE(mem);
    const double h = 1e-6;
    // subtract: mem(t+1) = β·(mem − reset·thr) + input, the reset held fixed (detached)
    const auto sub = [&](double x) { return ext * sur::smooth(x - thr) + d_next * beta * (x - reset_next * thr); };
    const auto zero = [&](double x) { return ext * sur::smooth(x - thr) + d_next * beta * x * (1 - reset_next); };
    CHECK(snntorch_leaky::membrane_adjoint_subtract(sur::grad(mem - thr), ext, d_next, beta) ==
          doctest::Approx((sub(mem + h) - sub(mem - h)) / (2 * h)).epsilon(1e-6));
    CHECK(snntorch_leaky::membrane_adjoint_zero(sur::grad(mem - thr), ext, reset_next, d_next, beta) ==
          doctest::Approx((zero(mem + h) - zero(mem - h)) / (2 * h)).epsilon(1e-6));
  }
}
