#include <spikernn/analysis/population_pca.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;

TEST_CASE("population PCA: axes, explained variance and projections of data of known structure") {
  // 4 units; the activity moves along v1 (amplitude 3) and v2 (amplitude 1), orthonormal, about a
  // mean m: the axes are ±v1, ±v2 (sign: largest entry positive), the variance 9 : 1 over the samples.
  vector<double> v1(4), v2(4), m(4);
  v1 << 0.5, 0.5, 0.5, 0.5;
  v2 << 0.5, -0.5, 0.5, -0.5;
  m << 1, 2, 3, 4;
  const index_t t = 40;
  std::vector<matrix<double>> conditions(2, matrix<double>(4, t));
  for (index_t k = 0; k < t; ++k) {
    const double s = std::sin(2 * 3.141592653589793 * double(k) / double(t)), c = std::cos(2 * 3.141592653589793 * double(k) / double(t));
    conditions[0].col(k) = m + 3 * s * v1 + c * v2;
    conditions[1].col(k) = m - 3 * s * v1 - c * v2;
  }
  const pca p = condition_pca(conditions, 3);
  CHECK(p.mean.isApprox(m, 1e-12));
  CHECK(std::abs(p.axes.col(0).dot(v1)) == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(std::abs(p.axes.col(1).dot(v2)) == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(p.explained[0] == doctest::Approx(0.9).epsilon(1e-9));
  CHECK(p.explained[1] == doctest::Approx(0.1).epsilon(1e-9));
  CHECK(p.explained[2] == doctest::Approx(0.0).scale(1.0).epsilon(1e-9));
  REQUIRE(p.trajectories.size() == 2);
  CHECK(p.trajectories[0].rows() == 3);
  CHECK(p.trajectories[0].cols() == t);
  const double sign = p.axes.col(0).dot(v1) > 0 ? 1.0 : -1.0;
  CHECK(p.trajectories[0](0, 5) == doctest::Approx(sign * 3 * std::sin(2 * 3.141592653589793 * 5 / 40.0)).epsilon(1e-9));
  CHECK(project(p, m).norm() < 1e-9);  // the mean sits at the origin
  for (int j = 0; j < 3; ++j) {
    index_t at = 0;
    p.axes.col(j).cwiseAbs().maxCoeff(&at);
    CHECK(p.axes(at, j) > 0);
  }
}
