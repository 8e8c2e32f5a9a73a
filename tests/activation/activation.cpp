#include <spikernn/activation/activation.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

template <class A>
void check_derivative_by_differences(double lo, double hi) {
  for (double x = lo; x <= hi; x += 0.37) {
    const double h = 1e-6;
    const double numeric = (A::value(x + h) - A::value(x - h)) / (2 * h);
    CHECK(A::derivative(x, A::value(x)) == doctest::Approx(numeric).epsilon(1e-5));
  }
}

TEST_CASE("activation: sigmoid values / derivative / array form") {
  CHECK(sigmoid::value(0.0) == doctest::Approx(0.5));
  CHECK(sigmoid::value(2.0) == doctest::Approx(1 / (1 + std::exp(-2.0))));
  check_derivative_by_differences<sigmoid>(-6, 6);
  array<float> x(3);
  x << -1.f, 0.f, 3.f;
  const array<float> r = sigmoid::apply(x);
  for (int i = 0; i < 3; ++i) CHECK(r[i] == doctest::Approx(sigmoid::value(x[i])));
  const array<float> d = sigmoid::derivative(x, r);
  CHECK(d[1] == doctest::Approx(0.25));
}

TEST_CASE("activation: softplus is log(1 + e^x) clipped at 20") {
  CHECK(softplus::value(0.0) == doctest::Approx(std::log(2.0)));
  CHECK(softplus::value(-30.0) == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(softplus::value(25.0) == 20.0);
  CHECK(softplus::derivative(25.0, 20.0) == 0.0);
  check_derivative_by_differences<softplus>(-6, 15);
  array<double> x(3);
  x << -2, 1, 40;
  const array<double> r = softplus::apply(x);
  CHECK(r[0] == doctest::Approx(std::log1p(std::exp(-2.0))));
  CHECK(r[2] == 20.0);
  const array<double> d = softplus::derivative(x, r);
  CHECK(d[1] == doctest::Approx(sigmoid::value(1.0)));
  CHECK(d[2] == 0.0);
}

TEST_CASE("activation: clipped ReLU is min(max(x / 0) / 20)") {
  CHECK(clipped_relu::value(-1.0) == 0.0);
  CHECK(clipped_relu::value(3.5) == 3.5);
  CHECK(clipped_relu::value(21.0) == 20.0);
  CHECK(clipped_relu::derivative(-1.0, 0.0) == 0.0);
  CHECK(clipped_relu::derivative(3.0, 3.0) == 1.0);
  CHECK(clipped_relu::derivative(21.0, 20.0) == 0.0);
  check_derivative_by_differences<clipped_relu>(0.1, 19.5);
  array<float> x(4);
  x << -1.f, 0.5f, 19.f, 30.f;
  const array<float> r = clipped_relu::apply(x);
  CHECK(r[0] == 0.f);
  CHECK(r[3] == 20.f);
  const array<float> d = clipped_relu::derivative(x, r);
  CHECK(d[0] == 0.f);
  CHECK(d[1] == 1.f);
  CHECK(d[3] == 0.f);
}
