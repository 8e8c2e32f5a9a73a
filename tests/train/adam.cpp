#include <spikernn/train/adam.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("adam: matches TensorFlow 1's update with its bias-corrected step size") {
  vector<double> theta(3), grad(3);
  theta << 1.0, -2.0, 0.5;
  const param_layout layout{{"a", 0, 2, true}, {"frozen", 2, 1, false}};
  adam opt({.lr = 0.01});
  double m0 = 0, v0 = 0, ref = 1.0;
  for (int t = 1; t <= 5; ++t) {
    grad << 0.3 * t, -0.1, 7.0;
    opt.step(theta, grad, layout);
    m0 = 0.9 * m0 + 0.1 * 0.3 * t;
    v0 = 0.999 * v0 + 0.001 * (0.3 * t) * (0.3 * t);
    const double lr_t = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    ref -= lr_t * m0 / (std::sqrt(v0) + 1e-8);
    CHECK(theta[0] == doctest::Approx(ref).epsilon(1e-12));
  }
  CHECK(theta[2] == 0.5);  // frozen block untouched
  CHECK(opt.steps() == 5);
  // the first step moves every coordinate by lr in the gradient's opposite direction
  vector<float> x = vector<float>::Zero(2), g(2);
  g << 5.f, -0.001f;
  adam fresh;
  fresh.step(x, g, {{"x", 0, 2, true}});
  CHECK(x[0] == doctest::Approx(-0.01));
  CHECK(x[1] == doctest::Approx(0.01).epsilon(1e-3));
}

TEST_CASE("adam: the pytorch form adds epsilon to the corrected second moment as torch.optim.Adam") {
  // torch: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), θ −= lr·m̂/(√v̂ + ε). A large ε makes the forms differ.
  vector<double> theta = vector<double>::Constant(1, 1.0), grad(1);
  adam torch_like({.lr = 0.1, .epsilon = 0.05, .form = adam_form::pytorch});
  adam tf_like({.lr = 0.1, .epsilon = 0.05});
  vector<double> theta_tf = theta;
  double m = 0, v = 0, ref = 1.0;
  for (int t = 1; t <= 6; ++t) {
    grad << 0.2 - 0.05 * t;
    torch_like.step(theta, grad, {{"x", 0, 1, true}});
    tf_like.step(theta_tf, grad, {{"x", 0, 1, true}});
    m = 0.9 * m + 0.1 * grad[0];
    v = 0.999 * v + 0.001 * grad[0] * grad[0];
    ref -= 0.1 * (m / (1 - std::pow(0.9, t))) / (std::sqrt(v / (1 - std::pow(0.999, t))) + 0.05);
    CHECK(theta[0] == doctest::Approx(ref).epsilon(1e-12));
  }
  CHECK(std::abs(theta[0] - theta_tf[0]) > 1e-3);
}

TEST_CASE("adam: bad settings are refused") {
  CHECK_THROWS_AS(adam({.lr = 0}), invalid_parameter);
  CHECK_THROWS_AS(adam({.beta1 = 1.0}), invalid_parameter);
}
