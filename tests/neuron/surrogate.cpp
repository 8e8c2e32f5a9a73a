#include <spikernn/neuron/surrogate.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <ratio>
#include <vector>

using namespace spikernn;

namespace {
struct no_smooth {  // spike and grad, but no smooth function for the gradient checks
  static constexpr std::string_view name = "broken";
  template <class S>
  static S spike(S u) {
    return u > 0 ? S(1) : S(0);
  }
  template <class S>
  static S grad(S) {
    return S(1);
  }
};

static_assert(surrogate_function<fast_sigmoid>);
static_assert(surrogate_function<arctan>);
static_assert(surrogate_function<sigmoid_surrogate>);
static_assert(surrogate_function<straight_through>);
static_assert(surrogate_function<basic_fast_sigmoid<std::ratio<50>>>);
static_assert(!surrogate_function<no_smooth>);
static_assert(!surrogate_function<int>);

const std::vector<double> points{-2.0, -0.7, -0.3, -0.05, -1e-3, 1e-3, 0.02, 0.3, 0.9, 3.0};

template <class F>
void check_common(double smooth_tol) {
  CAPTURE(F::name);
  // forward: the Heaviside step, strictly greater, in float and double
  CHECK(F::spike(0.0) == 0.0);
  CHECK(F::spike(-0.0) == 0.0);
  CHECK(F::spike(1e-300) == 1.0);
  CHECK(F::spike(-1e-300) == 0.0);
  CHECK(F::spike(0.0f) == 0.0f);
  CHECK(F::spike(1e-30f) == 1.0f);
  CHECK(F::spike(-5.0f) == 0.0f);
  // smooth has grad as its derivative (central differences, h = 1e-6), and the array forms
  // give the scalar values
  array2d<double> ua(2, 5);
  for (std::size_t k = 0; k < points.size(); ++k) ua(index_t(k % 2), index_t(k / 2)) = points[k];
  const array2d<double> g = F::grad(ua), sm = F::smooth(ua), sp = F::spike(ua);
  const array2d<float> gf = F::grad(ua.cast<float>().eval());
  for (std::size_t k = 0; k < points.size(); ++k) {
    const double u = points[k];
    CAPTURE(u);
    const double h = 1e-6;
    const double numeric = (F::smooth(u + h) - F::smooth(u - h)) / (2 * h);
    CHECK(numeric == doctest::Approx(F::grad(u)).epsilon(smooth_tol));
    const index_t r = index_t(k % 2), c = index_t(k / 2);
    CHECK(g(r, c) == doctest::Approx(F::grad(u)).epsilon(1e-15));
    CHECK(sm(r, c) == doctest::Approx(F::smooth(u)).epsilon(1e-15));
    CHECK(sp(r, c) == F::spike(u));
    CHECK(double(gf(r, c)) == doctest::Approx(F::grad(u)).epsilon(1e-6));
    CHECK(double(F::grad(float(u))) == doctest::Approx(F::grad(u)).epsilon(1e-6));
    CHECK(std::isfinite(F::grad(u)));
  }
}
}  // namespace

TEST_CASE("surrogate: every policy steps forward and its smooth function has grad as derivative") {
  check_common<fast_sigmoid>(1e-8);
  check_common<arctan>(1e-8);
  check_common<sigmoid_surrogate>(1e-7);
  check_common<straight_through>(1e-8);
  check_common<basic_fast_sigmoid<std::ratio<50>>>(1e-8);
}

TEST_CASE("surrogate: fast_sigmoid is 1/(25|u| + 1)^2 and gives 1 at u = 0 (spec C.2)") {
  CHECK(fast_sigmoid::slope == 25.0);
  CHECK(fast_sigmoid::grad(0.0) == 1.0);
  CHECK(fast_sigmoid::grad(0.0f) == 1.0f);
  CHECK(fast_sigmoid::grad(0.1) == doctest::Approx(1.0 / (3.5 * 3.5)).epsilon(1e-15));
  CHECK(fast_sigmoid::grad(-0.1) == doctest::Approx(1.0 / 12.25).epsilon(1e-15));
  CHECK(fast_sigmoid::grad(2.0) == doctest::Approx(1.0 / 2601.0).epsilon(1e-15));
  CHECK(fast_sigmoid::smooth(0.2) == doctest::Approx(0.2 / 6.0).epsilon(1e-15));
  CHECK(basic_fast_sigmoid<std::ratio<50>>::grad(0.1) == doctest::Approx(1.0 / 36.0).epsilon(1e-15));
  CHECK(fast_sigmoid::name == "fast_sigmoid");
}

TEST_CASE("surrogate: arctan(alpha 2) is (alpha/2)/(1 + (pi/2 alpha u)^2) and gives 1 at u = 0 (spec C.2)") {
  constexpr double pi = std::numbers::pi;
  CHECK(arctan::alpha == 2.0);
  CHECK(arctan::grad(0.0) == 1.0);
  CHECK(arctan::grad(0.0f) == 1.0f);
  CHECK(arctan::grad(0.5) == doctest::Approx(1.0 / (1.0 + pi * pi / 4)).epsilon(1e-15));
  CHECK(arctan::grad(-1.0) == doctest::Approx(1.0 / (1.0 + pi * pi)).epsilon(1e-15));
  CHECK(arctan::smooth(0.0) == 0.5);
  CHECK(arctan::smooth(1e6) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(basic_arctan<std::ratio<4>>::grad(0.0) == 2.0);
}

TEST_CASE("surrogate: sigmoid(slope 25) is slope e^-su/(1 + e^-su)^2, finite far from threshold") {
  CHECK(sigmoid_surrogate::slope == 25.0);
  CHECK(sigmoid_surrogate::grad(0.0) == doctest::Approx(6.25).epsilon(1e-15));
  const double e = std::exp(-2.5);
  CHECK(sigmoid_surrogate::grad(0.1) == doctest::Approx(25 * e / ((1 + e) * (1 + e))).epsilon(1e-14));
  CHECK(sigmoid_surrogate::grad(-0.1) == doctest::Approx(25 * e / ((1 + e) * (1 + e))).epsilon(1e-14));
  // stable: e^{+25000} would overflow in the textbook form
  CHECK(sigmoid_surrogate::grad(-1000.0) == 0.0);
  CHECK(sigmoid_surrogate::grad(1000.0) == 0.0);
  CHECK(sigmoid_surrogate::grad(-100.0f) == 0.0f);
  CHECK(sigmoid_surrogate::grad(-1.0) == doctest::Approx(25 * std::exp(-25.0)).epsilon(1e-9));
  const array2d<double> far = (array2d<double>(1, 2) << -1000.0, 1000.0).finished();
  CHECK((sigmoid_surrogate::grad(far) == 0.0).all());
  CHECK(sigmoid_surrogate::smooth(-1000.0) == 0.0);
  CHECK(sigmoid_surrogate::smooth(1000.0) == 1.0);
  CHECK(sigmoid_surrogate::smooth(0.0) == 0.5);
}

TEST_CASE("surrogate: straight_through passes the gradient unchanged") {
  for (double u : points) CHECK(straight_through::grad(u) == 1.0);
  CHECK(straight_through::grad(0.0f) == 1.0f);
  const array2d<double> u = array2d<double>::Constant(3, 2, -4.0);
  CHECK((straight_through::grad(u) == 1.0).all());
  CHECK((straight_through::smooth(u) == u).all());
}
