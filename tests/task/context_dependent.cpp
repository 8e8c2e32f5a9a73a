#include <spikernn/task/context_dependent.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cmath>

using namespace spikernn;

TEST_CASE("context_dependent: the trial layout of spec B.5") {
  const context_dependent task;
  CHECK(task.n_inputs() == 4);
  CHECK(task.n_steps() == 500);
  CHECK(task.params().evidence_start() == 50);
  CHECK(task.params().evidence_end() == 250);
  rng g(seed{3}, purpose::user);
  for (int k = 0; k < 40; ++k) {
    const auto s = task.sample(g);
    REQUIRE(s.u.rows() == 4);
    REQUIRE(s.u.cols() == 500);
    REQUIRE(s.z.rows() == 1);
    // sensory channels silent before T/10 and from T/2 on
    CHECK(s.u.block(0, 0, 2, 50).cwiseAbs().maxCoeff() == 0.0);
    CHECK(s.u.block(0, 250, 2, 250).cwiseAbs().maxCoeff() == 0.0);
    CHECK(s.u.block(0, 50, 2, 200).cwiseAbs().minCoeff() > 0.0);
    // one-hot context for the whole trial, naming the cued channel
    const int cued = context_dependent::cued_channel(s.label);
    CHECK((s.u.row(cued + 1).array() == 1.0).all());
    CHECK((s.u.row(cued == 1 ? 3 : 2).array() == 0.0).all());
    // target 0, then the sign of the cued channel's offset (its evidence mean says which)
    CHECK(s.z.leftCols(250).cwiseAbs().maxCoeff() == 0.0);
    const int sign = context_dependent::answer(s.label);
    CHECK((s.z.rightCols(250).array() == double(sign)).all());
  }
}

TEST_CASE("context_dependent: offsets are ±0.5 with unit noise and every condition occurs evenly") {
  const context_dependent task;
  rng g(seed{5}, purpose::user);
  std::array<int, 4> count{};
  double sum_noise = 0, sum_sq = 0;
  long n = 0;
  for (int k = 0; k < 4000; ++k) {
    const auto s = task.sample(g);
    ++count[std::size_t(s.label)];
    for (int c = 0; c < 2; ++c) {
      const double mean = s.u.row(c).segment(50, 200).mean();
      const double off = mean > 0 ? 0.5 : -0.5;  // 200 draws: the mean is within ±0.3 of the offset
      CHECK(std::abs(mean - off) < 0.3);
      for (int t = 50; t < 250; ++t) {
        const double e = s.u(c, t) - off;
        sum_noise += e;
        sum_sq += e * e;
        ++n;
      }
    }
    // the cued channel's evidence agrees with the answer
    const int cued = context_dependent::cued_channel(s.label);
    CHECK((s.u.row(cued - 1).segment(50, 200).mean() > 0) == (context_dependent::answer(s.label) > 0));
  }
  CHECK(std::abs(sum_noise / double(n)) < 0.01);
  CHECK(std::abs(sum_sq / double(n) - 1.0) < 0.01);
  for (int c : count) CHECK(std::abs(c - 1000) < 120);  // 4 equally likely conditions, ±3.8σ
}

TEST_CASE("context_dependent: batches repeat from the seed and differ between batches") {
  const context_dependent task({.T = 60});
  const auto a = task.batch(seed{9}, 2, 5), b = task.batch(seed{9}, 2, 5), c = task.batch(seed{9}, 3, 5);
  REQUIRE(a.size() == 5);
  for (std::size_t k = 0; k < 5; ++k) {
    CHECK(a[k].u == b[k].u);
    CHECK(a[k].label == b[k].label);
    CHECK(a[k].u != c[k].u);
  }
  // trial k of a batch does not depend on the batch's size
  CHECK(task.batch(seed{9}, 2, 2)[1].u == a[1].u);
}

TEST_CASE("context_dependent: a response is judged by the sign of its mean over the answer period") {
  const context_dependent task({.T = 20});
  rng g(seed{1}, purpose::user);
  auto s = task.sample(g);
  const int sign = context_dependent::answer(s.label);
  matrix<double> o = matrix<double>::Zero(1, 20);
  o.rightCols(10).setConstant(0.2 * sign);
  o(0, 19) = -3.0 * sign;  // one large opposite step pulls the mean across zero
  CHECK_FALSE(task.correct(s, o));
  o(0, 19) = 0.2 * sign;
  o.leftCols(10).setConstant(-5.0 * sign);  // the early steps do not count
  CHECK(task.correct(s, o));
  CHECK_FALSE(task.correct(s, matrix<double>::Zero(1, 20)));
  using spikernn::testing::refused;
  CHECK(refused([&] { (void)task.correct(s, matrix<double>::Zero(1, 19)); }) == "output");
  CHECK(refused([] { context_dependent bad({.T = 5}); }) == "T");
  CHECK(refused([] { context_dependent bad({.offset = 0}); }) == "offset");
  CHECK(refused([] { context_dependent bad({.noise = -1}); }) == "noise");
  CHECK(refused([] { (void)context_dependent::answer(4); }) == "condition");
  CHECK(context_dependent::condition_name(3) == "channel 2, answer -1");
}
