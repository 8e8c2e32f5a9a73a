#include <spikernn/activation/activation.hpp>
#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/neuron/rate_unit.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;

static_assert(scalar_activation<sigmoid, float> && scalar_activation<sigmoid, double>);
static_assert(scalar_activation<softplus, double> && scalar_activation<clipped_relu, float>);
static_assert(!scalar_activation<sigmoid, int>);

TEST_CASE_TEMPLATE("rate_unit: the step is (1 − a)·x + a·drive + noise and the rate is φ(x)", Act, sigmoid, softplus,
                   clipped_relu) {
  CAPTURE(Act::name);
  const double xs[] = {-3.0, -0.2, 0.0, 0.4, 5.0, 19.5, 25.0};
  for (double x_prev : xs) {
    for (double drive : {-2.0, 0.7, 30.0}) {
      for (double a : {0.05, 0.25, 1.0}) {
        for (double noise : {0.0, -0.13}) {
          const double x = rate_unit_step<Act>(x_prev, drive, a, noise);
          CHECK(x == doctest::Approx((1 - a) * x_prev + a * drive + noise).epsilon(1e-15));
          CHECK(rate_unit_rate<Act>(x) == Act::value(x));
          const float xf = rate_unit_step<Act>(float(x_prev), float(drive), float(a), float(noise));
          CHECK(double(xf) == doctest::Approx(x).epsilon(1e-6));
        }
      }
    }
  }
  // a = 1 forgets the past; a = 0 keeps it (plus noise).
  CHECK(rate_unit_step<Act>(7.0, 2.0, 1.0, 0.0) == 2.0);
  CHECK(rate_unit_step<Act>(7.0, 2.0, 0.0, 0.5) == 7.5);
}

TEST_CASE_TEMPLATE("rate_unit: the adjoint is φ'(x)·δr + (1 − a)·δx_next", Act, sigmoid, softplus, clipped_relu) {
  CAPTURE(Act::name);
  for (double x : {-1.5, 0.3, 4.0, 21.0}) {
    const double r = Act::value(x);
    const double d = rate_unit_adjoint<Act>(x, r, 0.8, 0.2, -0.5);
    CHECK(d == doctest::Approx(Act::derivative(x, r) * 0.8 + 0.8 * -0.5));
  }
  // With no later step the adjoint is the chain rule through φ alone.
  CHECK(rate_unit_adjoint<Act>(0.3, Act::value(0.3), 1.0, 0.2, 0.0) == Act::derivative(0.3, Act::value(0.3)));
}

namespace {

/// A two-step unit with self-connection w, readout weights c0..c2 on r_0..r_2:
///   x_{t+1} = step(x_t, w·r_t + u_t, a, noise_t),  L = Σ_t c_t r_t.
struct two_steps {
  double w = 0.8, a = 0.3;
  double u[2] = {1.3, -0.4};
  double noise[2] = {0.05, -0.02};
  double c[3] = {0.7, -1.1, 1.9};

  template <class Act>
  double loss(double x0) const {
    double x = x0, r = Act::value(x), l = c[0] * r;
    for (int t = 0; t < 2; ++t) {
      x = rate_unit_step<Act>(x, w * r + u[t], a, noise[t]);
      r = rate_unit_rate<Act>(x);
      l += c[t + 1] * r;
    }
    return l;
  }

  /// dL/dx_0 by the adjoint recursion, from the last step back.
  template <class Act>
  double adjoint(double x0) const {
    double x[3], r[3];
    x[0] = x0;
    r[0] = Act::value(x0);
    for (int t = 0; t < 2; ++t) {
      x[t + 1] = rate_unit_step<Act>(x[t], w * r[t] + u[t], a, noise[t]);
      r[t + 1] = rate_unit_rate<Act>(x[t + 1]);
    }
    double d_x_next = 0;
    for (int t = 2; t >= 0; --t) {
      // δr_t: its readout weight, plus its path into the next step's drive (w·a·δx_{t+1}).
      const double d_r = c[t] + (t < 2 ? w * a * d_x_next : 0.0);
      d_x_next = rate_unit_adjoint<Act>(x[t], r[t], d_r, a, d_x_next);
    }
    return d_x_next;
  }
};

}  // namespace

TEST_CASE_TEMPLATE("rate_unit: the adjoint matches a central difference of a two-step composition", Act, sigmoid,
                   softplus, clipped_relu) {
  CAPTURE(Act::name);
  const two_steps f;
  // Starting points away from the kinks of clipped_relu (0, 20) and softplus's ceiling; 25
  // saturates the first steps, so the zero derivatives are checked too.
  for (double x0 : {-0.9, 0.7, 3.2, 11.0, 25.0}) {
    CAPTURE(x0);
    const double h = 1e-6;
    const double fd = (f.loss<Act>(x0 + h) - f.loss<Act>(x0 - h)) / (2 * h);
    const double adj = f.adjoint<Act>(x0);
    CHECK(adj == doctest::Approx(fd).epsilon(1e-7).scale(1.0));
  }
}

namespace {

template <class Act>
rate_rnn<double, Act, dale> tiny_network() {
  return rate_rnn<double, Act, dale>(
      {.n = 6, .p_inh = 0.5, .p_rec = 0.8, .taus = {2, 9}, .n_inputs = 1, .noise_sd = 0.1, .x0_sd = 0.3}, seed{2});
}

}  // namespace

TEST_CASE_TEMPLATE("rate_unit: one step per unit is the step of rate_rnn's forward pass", Act, sigmoid, softplus,
                   clipped_relu) {
  CAPTURE(Act::name);
  const auto net = tiny_network<Act>();
  trial tr;
  tr.u = matrix<double>(1, 2);
  tr.u << 0.5, 1.0;
  tr.z = vector<double>::Zero(2);
  std::vector<const trial*> trials{&tr};
  std::vector<rng> noise{rng(seed{9}, purpose::user)};
  rng replay = noise[0];
  typename rate_rnn<double, Act, dale>::tape tp;
  net.forward(trials, noise, tp);

  // The network draws a trial's normals up front: column 0 → x0, column t → step t's noise.
  matrix<double> z(6, 2);
  replay.fill_normal(z, 1.0);
  const double noise_sd = net.params().noise_sd;
  const vector<double> x0 = net.params().x0_sd * z.col(0);
  const vector<double> r0 = x0.unaryExpr([](double v) { return rate_unit_rate<Act>(v); });
  const vector<double> drive = net.effective_weights() * r0 + net.w_in() * tr.u.col(0);
  CHECK((tp.x.col(0) - x0).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((tp.drive.col(1) - drive).cwiseAbs().maxCoeff() < 1e-12);
  for (index_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    const double a = net.params().dt / net.taus()(i);
    CHECK(tp.a(i) == doctest::Approx(a).epsilon(1e-15));
    const double x = rate_unit_step<Act>(x0(i), drive(i), a, noise_sd * z(i, 1));
    CHECK(x == doctest::Approx(tp.x(i, 1)).epsilon(1e-12).scale(1.0));
    CHECK(rate_unit_rate<Act>(x) == doctest::Approx(tp.r(i, 1)).epsilon(1e-12).scale(1.0));
  }
}

TEST_CASE_TEMPLATE("rate_unit: the per-unit adjoint is the recursion of rate_rnn's backward pass", Act, sigmoid,
                   softplus, clipped_relu) {
  CAPTURE(Act::name);
  const auto net = tiny_network<Act>();
  trial tr;
  tr.u = matrix<double>(1, 3);
  tr.u << 0.5, 1.0, -0.3;
  tr.z = vector<double>::Zero(3);
  std::vector<const trial*> trials{&tr};
  std::vector<rng> noise{rng(seed{9}, purpose::user)};
  typename rate_rnn<double, Act, dale>::tape tp;
  net.forward(trials, noise, tp);
  matrix<double> d_o(1, 2);  // dL/do_1, dL/do_2 (time-major, one trial)
  d_o << 0.6, -1.4;
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  net.backward(tp, d_o, grad);

  // From the last step back: δr_t = w_outᵀ dL/do_t + Wᵀ (a ⊙ δx_{t+1}); the tape keeps a ⊙ δx_t
  // of step t in column t − 1 of adj_drive.
  const matrix<double> W = net.effective_weights();
  vector<double> d_x_next = vector<double>::Zero(6), a_d_x = vector<double>::Zero(6);
  for (index_t t = 2; t >= 1; --t) {
    CAPTURE(t);
    const vector<double> d_r = net.w_out().transpose() * d_o(0, t - 1) + W.transpose() * a_d_x;
    vector<double> d_x(6);
    for (index_t i = 0; i < 6; ++i) {
      d_x(i) = rate_unit_adjoint<Act>(tp.x(i, t), tp.r(i, t), d_r(i), tp.a(i), d_x_next(i));
    }
    a_d_x = tp.a.matrix().cwiseProduct(d_x);
    CHECK((tp.adj_drive.col(t - 1) - a_d_x).cwiseAbs().maxCoeff() < 1e-12);
    d_x_next = d_x;
  }
}
