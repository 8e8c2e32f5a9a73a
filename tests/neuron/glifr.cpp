#include <spikernn/neuron/glifr.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// A central difference of g at x with h = 1e-6 matches `analytic` up to its own error:
/// truncation ≈ 1e-13 here and rounding ≈ 1e-16/1e-6 = 1e-10.
template <class G>
bool matches_central_difference(double analytic, G&& g, double x) {
  const double h = 1e-6, numeric = (g(x + h) - g(x - h)) / (2 * h);
  return std::abs(analytic - numeric) <= 1e-7 * (std::abs(analytic) + std::abs(numeric)) + 1e-9;
}

/// Mean, population variance, min and max of a set of draws.
struct moments {
  double mean = 0, var = 0, lo = 0, hi = 0;
  explicit moments(const std::vector<double>& xs) {
    lo = hi = xs.front();
    for (double x : xs) {
      mean += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    mean /= double(xs.size());
    for (double x : xs) var += (x - mean) * (x - mean);
    var /= double(xs.size());
  }
};

/// Checks that draws look like U(lo, hi): inside the interval and reaching close to both ends,
/// mean within 4 standard errors, variance (hi − lo)²/12 within 4 of its standard errors, and
/// each of 10 equal bins within 4.5 SD of its expected count.
void check_uniform(const std::vector<double>& xs, double lo, double hi) {
  CAPTURE(lo);
  CAPTURE(hi);
  const double n = double(xs.size()), w = hi - lo;
  const moments m(xs);
  CHECK(m.lo >= lo);
  CHECK(m.hi < hi);
  CHECK(m.lo < lo + 0.01 * w);
  CHECK(m.hi > hi - 0.01 * w);
  const double var = w * w / 12.0;
  CHECK(std::abs(m.mean - (lo + hi) / 2) < 4.0 * std::sqrt(var / n));
  // Var of the sample variance of a uniform: (μ4 − σ⁴)/n with μ4 = w⁴/80.
  CHECK(std::abs(m.var - var) < 4.0 * std::sqrt((std::pow(w, 4) / 80.0 - var * var) / n));
  std::vector<double> bins(10, 0.0);
  for (double x : xs) bins[std::size_t(std::min(9.0, std::floor((x - lo) / w * 10)))] += 1;
  for (double c : bins) CHECK(std::abs(c - n / 10) < 4.5 * std::sqrt(n * 0.1 * 0.9));
}

template <class M>
std::vector<double> values(const M& m) {
  std::vector<double> out;
  for (index_t k = 0; k < m.size(); ++k) out.push_back(double(m(k)));
  return out;
}

}  // namespace

TEST_CASE("glifr transforms: k·dt = sigmoid of theta lies in the open unit interval and round trips") {
  for (double th = -30; th <= 30; th += 0.37) {
    CAPTURE(th);
    const double k = glifr_decay_factor(th);
    CHECK(k > 0.0);
    CHECK(k < 1.0);
    CHECK(k == doctest::Approx(logistic(th)).epsilon(1e-14));
    // k·dt near 1 holds −θ only to ε/(1 − k·dt): the round trip is exact to 1e-8 up to |θ| = 15
    if (std::abs(th) <= 15) CHECK(std::abs(glifr_decay_factor_inverse(k) - th) < 1e-8);
    CHECK(matches_central_difference(glifr_decay_factor_slope(k), [](double x) { return glifr_decay_factor(x); }, th));
  }
  for (double k : {1e-6, 0.0025, 0.1, 0.5, 0.9, 0.999}) {
    CAPTURE(k);
    CHECK(glifr_decay_factor_inverse(k) == doctest::Approx(std::log(k / (1 - k))).epsilon(1e-12));
    CHECK(glifr_decay_factor(glifr_decay_factor_inverse(k)) == doctest::Approx(k).epsilon(1e-14));
    const float kf = glifr_decay_factor(glifr_decay_factor_inverse(float(k)));
    CHECK(double(kf) == doctest::Approx(k).epsilon(1e-6));
  }
  // no overflow at extreme trained values, in float too
  CHECK(glifr_decay_factor(-200.0f) >= 0.0f);
  CHECK(glifr_decay_factor(200.0f) == 1.0f);
  CHECK(std::isfinite(glifr_decay_factor(-1000.0)));
}

TEST_CASE("glifr transforms: r = 1 - 2 sigmoid of theta lies in the open interval -1 to 1 and round trips") {
  double last = 2.0;
  for (double th = -30; th <= 30; th += 0.37) {
    CAPTURE(th);
    const double r = glifr_asc_r(th);
    CHECK(r > -1.0);
    CHECK(r < 1.0);
    CHECK(r < last);  // decreasing in θ
    last = r;
    CHECK(r == doctest::Approx(1.0 - 2.0 * logistic(th)).epsilon(1e-12).scale(1e-15));
    if (std::abs(th) <= 15) CHECK(std::abs(glifr_asc_r_inverse(r) - th) < 1e-8);
    CHECK(matches_central_difference(glifr_asc_r_slope(r), [](double x) { return glifr_asc_r(x); }, th));
  }
  CHECK(glifr_asc_r(0.0) == 0.0);
  for (double r : {-0.999, -0.1, -0.01, 0.0, 0.003, 0.1, 0.75}) {
    CAPTURE(r);
    CHECK(glifr_asc_r_inverse(r) == doctest::Approx(std::log((1 - r) / (1 + r))).epsilon(1e-12).scale(1e-15));
    CHECK(glifr_asc_r(glifr_asc_r_inverse(r)) == doctest::Approx(r).epsilon(1e-13).scale(1e-16));
  }
}

TEST_CASE("glifr transforms: physical and trained blocks convert both ways and refuse impossible values") {
  rng g(seed{4}, purpose::user);
  glifr_physical<double> p;
  const index_t n = 7, J = 3;
  const double dt = 0.05;
  p.v_th = vector<double>::NullaryExpr(n, [&] { return g.uniform(-2, 2); });
  p.k_m = vector<double>::NullaryExpr(n, [&] { return g.uniform(0.01, 19.0); });
  p.k_j = matrix<double>::NullaryExpr(J, n, [&] { return g.uniform(0.5, 19.0); });
  p.r_j = matrix<double>::NullaryExpr(J, n, [&] { return g.uniform(-0.95, 0.95); });
  p.a_j = matrix<double>::NullaryExpr(J, n, [&] { return g.uniform(-3, 3); });
  const glifr_intrinsic<double> in = glifr_from_physical(p, dt);
  CHECK(in.size() == n);
  CHECK(in.n_asc() == J);
  CHECK(in.thresh == p.v_th);  // identity transforms
  CHECK(in.a_j == p.a_j);
  for (index_t i = 0; i < n; ++i) {
    CHECK(in.trans_k_m(i) == doctest::Approx(std::log(p.k_m(i) * dt / (1 - p.k_m(i) * dt))));
    for (index_t j = 0; j < J; ++j) {
      CHECK(in.trans_k_j(j, i) == doctest::Approx(std::log(p.k_j(j, i) * dt / (1 - p.k_j(j, i) * dt))));
      CHECK(in.trans_r_j(j, i) == doctest::Approx(std::log((1 - p.r_j(j, i)) / (1 + p.r_j(j, i)))));
    }
  }
  const glifr_physical<double> back = glifr_to_physical(in, dt);
  CHECK((back.k_m - p.k_m).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((back.k_j - p.k_j).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((back.r_j - p.r_j).cwiseAbs().maxCoeff() < 1e-12);
  // the model values of any trained value are in range
  glifr_intrinsic<double> wild = in;
  wild.trans_k_m.setConstant(35.0);
  wild.trans_r_j.setConstant(-35.0);
  const glifr_physical<double> w = glifr_to_physical(wild, dt);
  CHECK((w.k_m.array() * dt <= 1.0).all());
  CHECK((w.r_j.array() <= 1.0).all());

  using spikernn::testing::refused;
  auto bad = p;
  bad.k_m(2) = 1.0 / dt;  // k_m·dt = 1
  CHECK(refused([&] { glifr_from_physical(bad, dt); }) == "k_m");
  bad = p;
  bad.k_j(1, 1) = -0.1;
  CHECK(refused([&] { glifr_from_physical(bad, dt); }) == "k_j");
  bad = p;
  bad.r_j(0, 0) = 1.0;
  CHECK(refused([&] { glifr_from_physical(bad, dt); }) == "r_j");
  bad = p;
  bad.a_j.resize(J, n + 1);
  CHECK(refused([&] { glifr_from_physical(bad, dt); }) == "glifr_physical");
  CHECK(refused([&] { glifr_from_physical(p, 0.0); }) == "dt");
}

TEST_CASE("glifr step: the ASC and voltage and rate updates are the equations of spec A.3") {
  const glifr_step_constants<double> c{.dt_over_tau = 0.4, .r_m = 0.1, .i0 = 0.3, .v_reset = -0.2, .gain = 1.0 / 0.7};
  for (double asc_prev : {-0.8, 0.0, 0.35}) {
    for (double f_prev : {0.0, 0.2, 0.97}) {
      for (double k_dt : {0.0025, 0.1, 0.6}) {
        const double r = -0.3, a = 0.05;
        const double asc = glifr_asc_step(asc_prev, f_prev, r, a, k_dt, c.dt_over_tau);
        CHECK(asc == doctest::Approx((r * asc_prev + a) * f_prev * 0.4 + (1 - k_dt) * asc_prev).epsilon(1e-15));
        for (double v_prev : {-1.0, 0.4}) {
          const double syn = 0.75, asc_sum = asc - 0.1;
          const double v = glifr_voltage_step(v_prev, f_prev, syn, asc_sum, k_dt, c);
          CHECK(v == doctest::Approx(syn + k_dt * 0.1 * (asc_sum + 0.3) + (1 - k_dt) * v_prev -
                                     0.4 * f_prev * (v_prev + 0.2))
                         .epsilon(1e-14));
          // float agrees with double to float precision (C.1: about 1e-6 relative)
          const glifr_step_constants<float> cf{0.4f, 0.1f, 0.3f, -0.2f, float(1.0 / 0.7)};
          const float vf = glifr_voltage_step(float(v_prev), float(f_prev), float(syn), float(asc_sum), float(k_dt), cf);
          CHECK(double(vf) == doctest::Approx(v).epsilon(2e-6).scale(1.0));
        }
      }
    }
  }
  // I_syn enters unscaled: with no leak, ASCs or reset, V(t) = I_syn.
  const glifr_step_constants<double> bare{.dt_over_tau = 1, .r_m = 0.1, .i0 = 0, .v_reset = 0, .gain = 1};
  CHECK(glifr_voltage_step(0.0, 0.0, 1.25, 0.0, 0.0025, bare) == 1.25);
  // rate: sigmoid(γ(V − V_th)/σ_V); a smaller σ_V is steeper, 1/2 at threshold
  CHECK(glifr_rate(1.3, 1.0, 1.0) == doctest::Approx(logistic(0.3)).epsilon(1e-15));
  CHECK(glifr_rate(1.3, 1.0, 2.0 / 0.5) == doctest::Approx(logistic(2.0 * 0.3 / 0.5)).epsilon(1e-15));
  CHECK(glifr_rate(1.0, 1.0, 1e3) == 0.5);
  CHECK(glifr_rate(1.001, 1.0, 1e3) > glifr_rate(1.001, 1.0, 1.0));
  CHECK(glifr_rate(1e4f, 0.0f, 1e3f) == 1.0f);
  CHECK(glifr_rate(-1e4f, 0.0f, 1e3f) == 0.0f);
}

TEST_CASE("glifr step: the partial derivatives match central differences") {
  const glifr_step_constants<double> c{.dt_over_tau = 0.4, .r_m = 0.1, .i0 = 0.3, .v_reset = -0.2, .gain = 1.6};
  const double h = 1e-6;
  const auto close = [](double analytic, double numeric) {
    return std::abs(analytic - numeric) <= 1e-8 * (std::abs(analytic) + std::abs(numeric)) + 1e-10;
  };
  for (double asc_prev : {-0.8, 0.35}) {
    for (double f_prev : {0.05, 0.8}) {
      const double r = -0.3, a = 0.07, k = 0.2;
      const auto p = glifr_asc_step_partials(asc_prev, f_prev, r, a, k, c.dt_over_tau);
      const auto s = [&](double ap, double fp, double rr, double aa, double kk) {
        return glifr_asc_step(ap, fp, rr, aa, kk, c.dt_over_tau);
      };
      CHECK(close(p.d_asc_prev, (s(asc_prev + h, f_prev, r, a, k) - s(asc_prev - h, f_prev, r, a, k)) / (2 * h)));
      CHECK(close(p.d_f_prev, (s(asc_prev, f_prev + h, r, a, k) - s(asc_prev, f_prev - h, r, a, k)) / (2 * h)));
      CHECK(close(p.d_r, (s(asc_prev, f_prev, r + h, a, k) - s(asc_prev, f_prev, r - h, a, k)) / (2 * h)));
      CHECK(close(p.d_a, (s(asc_prev, f_prev, r, a + h, k) - s(asc_prev, f_prev, r, a - h, k)) / (2 * h)));
      CHECK(close(p.d_k_dt, (s(asc_prev, f_prev, r, a, k + h) - s(asc_prev, f_prev, r, a, k - h)) / (2 * h)));

      const double v_prev = 0.6, asc_sum = -0.4, syn = 0.2;
      const auto q = glifr_voltage_step_partials(v_prev, f_prev, asc_sum, k, c);
      const auto v = [&](double vp, double fp, double as, double kk) {
        return glifr_voltage_step(vp, fp, syn, as, kk, c);
      };
      CHECK(close(q.d_v_prev, (v(v_prev + h, f_prev, asc_sum, k) - v(v_prev - h, f_prev, asc_sum, k)) / (2 * h)));
      CHECK(close(q.d_f_prev, (v(v_prev, f_prev + h, asc_sum, k) - v(v_prev, f_prev - h, asc_sum, k)) / (2 * h)));
      CHECK(close(q.d_asc_sum, (v(v_prev, f_prev, asc_sum + h, k) - v(v_prev, f_prev, asc_sum - h, k)) / (2 * h)));
      CHECK(close(q.d_k_m_dt, (v(v_prev, f_prev, asc_sum, k + h) - v(v_prev, f_prev, asc_sum, k - h)) / (2 * h)));
      CHECK(glifr_voltage_step(v_prev, f_prev, syn + 0.5, asc_sum, k, c) ==
            doctest::Approx(glifr_voltage_step(v_prev, f_prev, syn, asc_sum, k, c) + 0.5));
    }
  }
  for (double v : {-2.0, 0.9, 1.0, 3.5}) {
    const double f = glifr_rate(v, 1.0, c.gain);
    const double fd = (glifr_rate(v + h, 1.0, c.gain) - glifr_rate(v - h, 1.0, c.gain)) / (2 * h);
    const double fd_th = (glifr_rate(v, 1.0 + h, c.gain) - glifr_rate(v, 1.0 - h, c.gain)) / (2 * h);
    CHECK(close(glifr_rate_slope(f, c.gain), fd));
    CHECK(close(-glifr_rate_slope(f, c.gain), fd_th));
  }
}

TEST_CASE("glifr_constants: defaults are the constants of spec A.2 and bad values are refused by name") {
  const glifr_constants k;
  CHECK(k.dt == 0.05);
  CHECK(k.tau == 0.05);
  CHECK(k.r_m == 0.1);
  CHECK(k.i0 == 0.0);
  CHECK(k.v_reset == 0.0);
  CHECK(k.sigma_v == 1.0);
  CHECK(k.gamma == 1.0);
  const auto s = k.step<double>();
  CHECK(s.dt_over_tau == 1.0);
  CHECK(s.gain == 1.0);
  const auto s2 = glifr_constants{.dt = 0.05, .tau = 0.1, .sigma_v = 1e-3, .gamma = 2}.step<float>();
  CHECK(s2.dt_over_tau == doctest::Approx(0.5));
  CHECK(s2.gain == doctest::Approx(2000.0));
  using spikernn::testing::refused;
  const auto with = [](auto change) {
    glifr_constants c;
    change(c);
    return refused([&] { c.validate(); });
  };
  CHECK(with([](glifr_constants&) {}) == "");
  CHECK(with([](glifr_constants& c) { c.dt = 0; }) == "dt");
  CHECK(with([](glifr_constants& c) { c.tau = -1; }) == "tau");
  CHECK(with([](glifr_constants& c) { c.sigma_v = 0; }) == "sigma_v");
  CHECK(with([](glifr_constants& c) { c.gamma = NAN; }) == "gamma");
  CHECK(with([](glifr_constants& c) { c.r_m = INFINITY; }) == "r_m");
}

TEST_CASE("glifr init: homogeneous values follow spec A.4") {
  const index_t n = 3000, J = 2;
  rng g(seed{21}, purpose::time_constants);
  const auto in = glifr_homogeneous_init<double>(n, J, 0.05, g);
  const auto p = glifr_to_physical(in, 0.05);
  CHECK((p.v_th.array() == 1.0).all());
  CHECK((p.k_m.array() - 0.05).abs().maxCoeff() < 1e-15);
  CHECK((p.k_j.array() - 2.0).abs().maxCoeff() < 1e-13);
  CHECK((in.trans_k_m.array() - std::log(0.0025 / 0.9975)).abs().maxCoeff() < 1e-12);  // k_m·dt = 0.0025
  CHECK((in.trans_k_j.array() - std::log(0.1 / 0.9)).abs().maxCoeff() < 1e-12);       // k_j·dt = 0.1
  check_uniform(values(p.r_j), -0.01, 0.01);
  check_uniform(values(p.a_j), -0.01, 0.01);
  // the same stream gives the same units; float holds the same draws
  rng g2(seed{21}, purpose::time_constants);
  const auto again = glifr_homogeneous_init<float>(n, J, 0.05, g2);
  CHECK((again.a_j.cast<double>() - in.a_j).cwiseAbs().maxCoeff() < 1e-8);
  // without ASCs the ASC blocks are empty
  rng g3(seed{21}, purpose::time_constants);
  const auto none = glifr_homogeneous_init<double>(5, 0, 1.0, g3);  // N-MNIST's dt = 1 ms
  CHECK(none.n_asc() == 0);
  CHECK(none.a_j.size() == 0);
  CHECK(glifr_to_physical(none, 1.0).k_m(0) == doctest::Approx(0.05));
  // k_j = 2 /ms needs dt < 0.5 ms
  using spikernn::testing::refused;
  CHECK(refused([&] { glifr_homogeneous_init<double>(5, 2, 0.5, g3); }) == "k_j");
  CHECK(refused([&] { glifr_homogeneous_init<double>(0, 2, 0.05, g3); }) == "n");
}

TEST_CASE("glifr init: heterogeneous values are the uniform draws of spec A.4") {
  const index_t n = 4000, J = 2;
  rng g(seed{22}, purpose::time_constants);
  const auto in = glifr_heterogeneous_init<double>(n, J, 0.05, g);
  const auto p = glifr_to_physical(in, 0.05);
  check_uniform(values(p.v_th), -1.0, 1.0);
  check_uniform(values(p.k_m), 0.04, 0.06);
  check_uniform(values(p.k_j), 1.5, 2.5);
  check_uniform(values(p.r_j), -0.1, 0.1);
  check_uniform(values(p.a_j), -0.1, 0.1);
  // units differ from each other, and another stream gives other units
  rng other(seed{23}, purpose::time_constants);
  const auto in2 = glifr_initial<double>(glifr_init::heterogeneous, n, J, 0.05, other);
  CHECK(in2.thresh != in.thresh);
  rng same(seed{22}, purpose::time_constants);
  CHECK(glifr_initial<double>(glifr_init::heterogeneous, n, J, 0.05, same).trans_r_j == in.trans_r_j);
}

TEST_CASE("glifr_learn: all and none and any") {
  static_assert(glifr_learn::all().any());
  static_assert(!glifr_learn::none().any());
  constexpr glifr_learn only_thresh{.thresh = true, .k_m = false, .k_j = false, .r_j = false, .a_j = false};
  static_assert(only_thresh.any());
  CHECK(glifr_learn{}.a_j);
}
