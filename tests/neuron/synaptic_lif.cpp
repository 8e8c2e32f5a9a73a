#include <spikernn/neuron/surrogate.hpp>
#include <spikernn/neuron/synaptic_lif.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

namespace {
// Central difference of f at x (h scaled to x), in double.
template <class F>
double synaptic_lif_fd(F&& f, double x) {
  const double h = 1e-6 * std::max(1.0, std::abs(x));
  return (f(x + h) - f(x - h)) / (2 * h);
}
}  // namespace

TEST_CASE("synaptic_lif: one step integrates the current unless refractory, and the spike resets") {
  const double ls = 0.8, lm = 0.9, lm1 = 1 - lm;
  CHECK(synaptic_lif::gate(10.0, 4.0, 5.0) == 1.0);  // 6 steps after the spike: integrating
  CHECK(synaptic_lif::gate(9.0, 4.0, 5.0) == 0.0);   // 5 steps: still refractory
  CHECK(synaptic_lif::gate(10.0f, 4.0f, 5.0f) == 1.0f);
  const double I = synaptic_lif::current(0.5, 2.0, ls);
  CHECK(I == doctest::Approx(0.5 + 0.8 * 2.0));
  CHECK(synaptic_lif::membrane(1.0, 0.3, I, 0.0, lm, lm1) == doctest::Approx(lm * 0.3 + lm1 * I));
  CHECK(synaptic_lif::membrane(1.0, 0.3, I, 1.0, lm, lm1) == 0.0);  // the previous spike resets to 0
  CHECK(synaptic_lif::membrane(0.0, 0.3, I, 0.0, lm, lm1) == 0.0);  // refractory: clamped
  CHECK(synaptic_lif::first_membrane(1.0, I, lm1) == doctest::Approx(lm1 * I));
  CHECK(synaptic_lif::last_spike(-500.0, 7.0, 1.0) == 7.0);
  CHECK(synaptic_lif::last_spike(3.0, 7.0, 0.0) == 3.0);
}

TEST_CASE("synaptic_lif: the adjoint is the derivative of what u and I reach (finite differences)") {
  using sur = fast_sigmoid;
  const double lm = 0.9, lm1 = 0.1, ls = 0.8, thr = 1.0;
  const double ext = 0.7, q_next = -0.4, current_next = 1.3;
  for (double u : {0.2, 0.95, 1.05, 1.8}) {
    CAPTURE(u);
    // what u(t) reaches: the filter through the spike (ext·s) and the next membrane
    // v(t+1)·(1 − s(t)) weighted by its adjoint q(t+1); s is the smooth surrogate, whose
    // derivative is the surrogate's grad exactly
    const auto reach = [&](double x) {
      const double s = sur::smooth(x - thr);
      return ext * s + q_next * (lm * x + lm1 * current_next) * (1 - s);
    };
    const double du = synaptic_lif::membrane_adjoint(sur::grad(u - thr), u, sur::smooth(u - thr), current_next, ext,
                                                     q_next, lm, lm1);
    CHECK(du == doctest::Approx(synaptic_lif_fd(reach, u)).epsilon(1e-6));
  }
  // I(t) reaches u(t) (its adjoint past the gate is q) and I(t+1) through ls
  const double q = 0.6, s_prev = 0.25, d_next = -1.1;
  const auto reach_current = [&](double x) { return q * lm1 * x * (1 - s_prev) + d_next * ls * x; };
  CHECK(synaptic_lif::current_adjoint(q, s_prev, d_next, lm1, ls) ==
        doctest::Approx(synaptic_lif_fd(reach_current, 0.4)).epsilon(1e-8));
  CHECK(synaptic_lif::first_current_adjoint(q, d_next, lm1, ls) ==
        doctest::Approx(synaptic_lif::current_adjoint(q, 0.0, d_next, lm1, ls)));
}
