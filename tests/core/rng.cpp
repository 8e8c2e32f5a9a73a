#include <spikernn/core/rng.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("rng: the same (seed / purpose / index) gives the same stream / others differ") {
  rng a(seed{5}, purpose::training_trial, 3), b(seed{5}, purpose::training_trial, 3);
  rng c(seed{5}, purpose::training_trial, 4), d(seed{6}, purpose::training_trial, 3), e(seed{5}, purpose::evaluation_trial, 3);
  const auto x = a.next_u64();
  CHECK(x == b.next_u64());
  CHECK(x != c.next_u64());
  CHECK(x != d.next_u64());
  CHECK(x != e.next_u64());
}

TEST_CASE("rng: uniform draws lie in 0 to 1 with mean 1/2 and variance 1/12") {
  rng g(seed{1}, purpose::user);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = g.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sq += u * u;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  CHECK(mean == doctest::Approx(0.5).epsilon(0.01));
  CHECK(var == doctest::Approx(1.0 / 12).epsilon(0.02));
}

TEST_CASE("rng: normal and bulk-normal draws have the requested moments") {
  rng g(seed{2}, purpose::user);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = g.normal(1.0, 2.0);
    sum += z;
    sq += z * z;
  }
  CHECK(sum / n == doctest::Approx(1.0).epsilon(0.02));
  CHECK(sq / n - (sum / n) * (sum / n) == doctest::Approx(4.0).epsilon(0.02));

  for (int variant = 0; variant < 2; ++variant) {
    array<float> zf(n);
    array<double> zd(n);
    rng h(seed{3}, purpose::user, std::uint64_t(variant));
    h.fill_normal(zf, 0.1f);
    h.fill_normal(zd, 0.1);
    CHECK(zf.mean() == doctest::Approx(0.0).epsilon(0.001));
    CHECK(std::sqrt(zf.square().mean()) == doctest::Approx(0.1).epsilon(0.01));
    CHECK(zd.mean() == doctest::Approx(0.0).epsilon(0.001));
    CHECK(std::sqrt(zd.square().mean()) == doctest::Approx(0.1).epsilon(0.01));
    // tails: about 4.55% beyond 2 SD
    const double beyond = double((zd.abs() > 0.2).count()) / n;
    CHECK(beyond == doctest::Approx(0.0455).epsilon(0.05));
  }
}

TEST_CASE("rng: bulk normals fill matrices and odd sizes / and are reproducible") {
  matrix<float> m1(7, 13), m2(7, 13);
  rng(seed{9}, purpose::user).fill_normal(m1, 1.0f);
  rng(seed{9}, purpose::user).fill_normal(m2, 1.0f);
  CHECK(m1 == m2);
  CHECK(m1.allFinite());
  CHECK((m1.array() != 0).all());
}

TEST_CASE("rng: gamma(2 / θ) has mean 2θ and variance 2θ²") {
  rng g(seed{4}, purpose::user);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = g.gamma_integer_shape(2, 0.003);
    REQUIRE(x > 0);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / n;
  CHECK(mean == doctest::Approx(0.006).epsilon(0.01));
  CHECK(sq / n - mean * mean == doctest::Approx(2 * 0.003 * 0.003).epsilon(0.03));
}
