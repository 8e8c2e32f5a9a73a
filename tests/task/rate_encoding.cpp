#include <spikernn/task/rate_encoding.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace spikernn;
using spikernn::testing::refused;

TEST_CASE("rate_encoding: each entry spikes at its rate, 0 never, 1 always, out-of-range values clamp") {
  const vector<double> p = (vector<double>(7) << 0.0, 0.1, 0.5, 0.9, 1.0, -0.5, 1.7).finished();
  const index_t T = 20000;
  rng g(seed{1}, purpose::spike_encoding, 0);
  const matrix<double> x = bernoulli_rate_encode(p, T, g);
  REQUIRE(x.rows() == 7);
  REQUIRE(x.cols() == T);
  CHECK(((x.array() == 0.0) || (x.array() == 1.0)).all());
  for (index_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    const double mean = x.row(i).mean(), want = p(i);
    CHECK(std::abs(mean - want) <= 5 * std::sqrt(want * (1 - want) / double(T)));
  }
  CHECK(x.row(0).sum() == 0.0);
  CHECK(x.row(4).sum() == double(T));
  CHECK(x.row(5).sum() == 0.0);        // −0.5 → 0, as spikegen.rate clamps
  CHECK(x.row(6).sum() == double(T));  // 1.7 → 1
  // independent steps: successive spikes of the p = 0.5 entry are uncorrelated
  const auto a = x.row(2).head(T - 1).array() - 0.5, b = x.row(2).tail(T - 1).array() - 0.5;
  CHECK(std::abs((a * b).mean() / 0.25) < 5 / std::sqrt(double(T)));
}

TEST_CASE("rate_encoding: the draws are g.uniform() < p, step by step, entries in order, none for p = 0") {
  const vector<double> p = (vector<double>(5) << 0.3, 0.0, 1.0, 0.75, 0.5).finished();
  rng g(seed{7}, purpose::spike_encoding, 3), ref(seed{7}, purpose::spike_encoding, 3);
  const matrix<double> x = bernoulli_rate_encode(p, 40, g);
  for (index_t t = 0; t < 40; ++t)
    for (index_t i = 0; i < 5; ++i) {
      const double want = p(i) > 0 ? (ref.uniform() < p(i) ? 1.0 : 0.0) : 0.0;
      CHECK(x(i, t) == want);
    }
  CHECK(g.next_u64() == ref.next_u64());  // both streams consumed the same draws
}

TEST_CASE("rate_encoding: reproducible from the seed, different per sample index, events match the matrix") {
  const vector<double> img = vector<double>::LinSpaced(784, 0.0, 1.0);
  rng a(seed{3}, purpose::spike_encoding, 5), b(seed{3}, purpose::spike_encoding, 5),
      c(seed{3}, purpose::spike_encoding, 6);
  const matrix<double> xa = bernoulli_rate_encode(img, 50, a), xb = bernoulli_rate_encode(img, 50, b);
  const matrix<double> xc = bernoulli_rate_encode(img, 50, c);
  CHECK(xa == xb);
  CHECK(xa != xc);
  rng e(seed{3}, purpose::spike_encoding, 5);
  const spike_events ev = bernoulli_rate_events(img, 50, e);
  CHECK(ev.channels == 784);
  CHECK(ev.steps == 50);
  REQUIRE(ev.start.size() == 51);
  CHECK(ev.start.front() == 0);
  CHECK(ev.count() == index_t(xa.sum()));
  CHECK(ev.dense() == xa);
  for (index_t t = 0; t < 50; ++t)  // ascending channels within a step
    for (auto k = ev.start[std::size_t(t)] + 1; k < ev.start[std::size_t(t + 1)]; ++k)
      CHECK(ev.index[std::size_t(k - 1)] < ev.index[std::size_t(k)]);
  // a row vector gives the same trains
  rng f(seed{3}, purpose::spike_encoding, 5);
  CHECK(bernoulli_rate_encode(img.transpose(), 50, f) == xa);
  // one step works
  rng one(seed{1}, purpose::spike_encoding);
  CHECK(bernoulli_rate_encode(img, 1, one).cols() == 1);
}

TEST_CASE("rate_encoding: bad input is refused naming the parameter") {
  rng g(seed{1}, purpose::spike_encoding);
  vector<double> p = vector<double>::Constant(4, 0.5);
  CHECK(refused([&] { bernoulli_rate_encode(p, 0, g); }) == "steps");
  CHECK(refused([&] { bernoulli_rate_events(p, -3, g); }) == "steps");
  p(2) = std::numeric_limits<double>::quiet_NaN();
  CHECK(refused([&] { bernoulli_rate_encode(p, 10, g); }) == "values");
  const matrix<double> image = matrix<double>::Constant(2, 3, 0.5);
  CHECK(refused([&] { bernoulli_rate_encode(image, 10, g); }) == "values");
}
