#include <spikernn/analysis/fixed_points.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("fixed points: the speed's analytic gradient and Jacobian match central differences") {
  // A small sigmoid network with random weights, steps and drive (double precision).
  rng g(seed{3}, purpose::user);
  const index_t n = 5;
  matrix<double> w(n, n);
  array<double> a(n);
  vector<double> b(n), x(n);
  for (index_t k = 0; k < w.size(); ++k) w(k) = g.normal() * 1.5;
  for (index_t k = 0; k < n; ++k) {
    a[k] = g.uniform(0.05, 0.5);
    b[k] = g.normal();
    x[k] = g.normal() * 2;
  }
  const rate_map<double, sigmoid> f(w, a, b);
  const vector<double> grad = f.speed_gradient(x);
  const matrix<double> jac = f.jacobian(x);
  const double h = 1e-6;
  for (index_t i = 0; i < n; ++i) {
    vector<double> up = x, down = x;
    up[i] += h;
    down[i] -= h;
    const double numeric = (f.speed(up) - f.speed(down)) / (2 * h);
    CHECK(grad[i] == doctest::Approx(numeric).epsilon(1e-6).scale(1e-3));
    const vector<double> column = (f.step(up) - f.step(down)) / (2 * h);
    for (index_t r = 0; r < n; ++r) CHECK(jac(r, i) == doctest::Approx(column[r]).epsilon(1e-6).scale(1e-3));
  }
  CHECK(f.speed(x) == doctest::Approx(0.5 * (f.step(x) - x).squaredNorm()));
  // softplus and clipped ReLU use the same code path with their own derivative
  const rate_map<double, softplus> fs(w, a, b);
  vector<double> up = x, down = x;
  up[2] += h;
  down[2] -= h;
  CHECK(fs.speed_gradient(x)[2] == doctest::Approx((fs.speed(up) - fs.speed(down)) / (2 * h)).epsilon(1e-6).scale(1e-3));
}

TEST_CASE("fixed points: a line attractor built by hand is found as a line, an isolated point as one point") {
  // Clipped ReLU is linear on (0, 20): with W = [[½, ½], [½, ½]] (eigenvalue 1 along (1, 1)) and
  // no drive, every x1 = x2 in (0, 20) is fixed; ∂F/∂x = diag(1 − a) + diag(a) W has eigenvalues
  // 1 and 1 − (a1 + a2)/2.
  const matrix<double> w = matrix<double>::Constant(2, 2, 0.5);
  array<double> a(2);
  a << 0.2, 0.5;
  const rate_map<double, clipped_relu> line(w, a, vector<double>::Zero(2));
  matrix<double> states(2, 20);
  rng g(seed{5}, purpose::user);
  for (index_t k = 0; k < states.size(); ++k) states(k) = g.uniform(1.0, 10.0);
  fixed_point_options opt{.starts = 12, .max_speed = 1e-12, .merge_distance = 1e-3, .eigenvalues = 2};
  const auto res = find_fixed_points(line, states, opt);
  CHECK(res.starts == 12);
  CHECK(res.too_fast == 0);
  REQUIRE(res.points.size() >= 4);  // distinct points along the line
  CHECK(int(res.points.size()) + res.merged == 12);
  for (const auto& p : res.points) {
    CHECK(std::abs(p.x[0] - p.x[1]) < 1e-6);
    CHECK(p.x[0] > 1.0);
    CHECK(p.x[0] < 10.0);
    CHECK(p.speed < 1e-12);
    REQUIRE(p.eigenvalues.size() == 2);
    CHECK(p.eigenvalues[0].real() == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(p.eigenvalues[1].real() == doctest::Approx(0.65).epsilon(1e-9));
    CHECK(std::abs(p.eigenvalues[0].imag()) < 1e-12);
  }
  // the same seed gives the same points
  const auto again = find_fixed_points(line, states, opt);
  REQUIRE(again.points.size() == res.points.size());
  CHECK(again.points[0].x == res.points[0].x);

  // W = ½ I with drive 1: the only fixed point is x = 2 (eigenvalues 1 − a/2), every start ends there
  const rate_map<double, clipped_relu> point(matrix<double>::Identity(2, 2) * 0.5, a, vector<double>::Ones(2));
  const auto one = find_fixed_points(point, states, opt);
  REQUIRE(one.points.size() == 1);
  CHECK(one.merged == 11);
  CHECK(one.points[0].x[0] == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(one.points[0].x[1] == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(one.points[0].eigenvalues[0].real() == doctest::Approx(0.9).epsilon(1e-9));
  CHECK(one.points[0].eigenvalues[1].real() == doctest::Approx(0.75).epsilon(1e-9));
  // stopped once slow enough, the searches end short of the point, each where q fell below 1e-4
  opt.stop_speed = 1e-4;
  opt.max_speed = 1e-3;
  opt.merge_distance = 0;
  const auto slow = find_fixed_points(point, states, opt);
  REQUIRE(slow.points.size() == 12);
  for (const auto& p : slow.points) {
    CHECK(p.speed < 1e-4);
    CHECK((p.x.array() - 2.0).abs().maxCoeff() < 0.2);
  }

  // a saddle at (5, 5): unstable along unit 1 (eigenvalue 1 + a1), stable along unit 2; its
  // leading manifold leaves along unit 1 on both sides and never moves unit 2
  matrix<double> ws = matrix<double>::Zero(2, 2);
  ws(0, 0) = 2;
  ws(1, 1) = 0.5;
  const rate_map<double, clipped_relu> saddle(ws, a, vector<double>{{-5.0, 2.5}});
  const vector<double> centre{{5.0, 5.0}};
  CHECK(saddle.speed(centre) < 1e-24);
  const auto branches = leading_manifold(saddle, centre, 1e-3, 10);
  REQUIRE(branches[0].cols() == 11);
  for (const auto& br : branches) {
    CHECK((br.row(1).array() - 5.0).abs().maxCoeff() < 1e-12);
    CHECK(std::abs(br(0, 10) - 5.0) == doctest::Approx(1e-3 * std::pow(1.2, 10)).epsilon(1e-6));
  }
  CHECK((branches[0](0, 10) - 5.0) * (branches[1](0, 10) - 5.0) < 0);  // opposite sides

  // a rate network's map is its own Euler step: F(x) = x_t given x_{t−1} with the noise off
  rate_rnn<float> net({.n = 6, .taus = {4, 20}, .n_inputs = 2}, seed{2});
  const rate_map<double, sigmoid> f(net, vector<double>::Ones(2));
  CHECK(f.a().maxCoeff() <= 0.25 + 1e-6);
  CHECK(f.a().minCoeff() >= 0.05 - 1e-6);
  CHECK(f.drive().isApprox(net.w_in().cast<double>() * vector<double>::Ones(2), 1e-6));
}
