#include <spikernn/train/sequence_loss.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;
using spikernn::testing::numeric_gradient;
using spikernn::testing::refused;


TEST_CASE("sequence_loss: mse is the mean over outputs steps and trials - its gradient matches differences") {
  // 2 outputs, T = 3, B = 2, time-major: column t·B + b
  std::vector<sequence_sample> s(2);
  s[0].z = (matrix<double>(2, 3) << 1, 2, 3, 4, 5, 6).finished();
  s[1].z = (matrix<double>(2, 3) << 0, 0, 0, 1, 1, 1).finished();
  const std::vector<const sequence_sample*> ptrs{&s[0], &s[1]};
  matrix<double> o(2, 6);
  o << 1.5, 0.5, 2, -1, 3, 0.25,  //
      3, 1, 5, 2, 7, 1;
  matrix<double> d_o;
  const double loss = mse_loss(o, std::span<const sequence_sample* const>(ptrs), d_o);
  double expected = 0;
  for (index_t b = 0; b < 2; ++b)
    for (index_t t = 0; t < 3; ++t)
      for (index_t k = 0; k < 2; ++k) expected += std::pow(o(k, t * 2 + b) - s[std::size_t(b)].z(k, t), 2);
  CHECK(loss == doctest::Approx(expected / 12));
  const auto numeric = numeric_gradient(o, [&](const matrix<double>& x) {
    matrix<double> g;
    return mse_loss(x, std::span<const sequence_sample* const>(ptrs), g);
  });
  CHECK((d_o - numeric).cwiseAbs().maxCoeff() < 1e-7);
}

TEST_CASE("sequence_loss: cross entropy of the last step only - stable for large logits - counts hits") {
  std::vector<sequence_sample> s(3);
  s[0].label = 2;
  s[1].label = 0;
  s[2].label = 1;
  const std::vector<const sequence_sample*> ptrs{&s[0], &s[1], &s[2]};
  matrix<double> o = matrix<double>::Zero(3, 2 * 3);  // 3 classes, T = 2, B = 3
  o.col(3) << 0.1, 0.2, 3.0;      // trial 0, last step: right
  o.col(4) << 1000, 999, -1000;   // trial 1: right, huge logits
  o.col(5) << 2.0, 1.0, 0.0;      // trial 2: wrong
  o.col(0) << 50, -50, 0;         // an earlier step: ignored
  matrix<double> d_o;
  int correct = 0;
  const double loss = cross_entropy_last_loss(o, std::span<const sequence_sample* const>(ptrs), d_o, &correct);
  const auto ce = [](vector<double> l, int y) { return std::log(l.array().exp().sum()) - l[y]; };
  const double expected = (ce(o.col(3), 2) + (std::log(1 + std::exp(-1.0) + std::exp(-2000.0))) + ce(o.col(5), 1)) / 3;
  CHECK(std::isfinite(loss));
  CHECK(loss == doctest::Approx(expected).epsilon(1e-12));
  CHECK(correct == 2);
  CHECK(d_o.leftCols(3).cwiseAbs().maxCoeff() == 0.0);
  const auto numeric = numeric_gradient(o, [&](const matrix<double>& x) {
    matrix<double> g;
    return cross_entropy_last_loss(x, std::span<const sequence_sample* const>(ptrs), g);
  });
  CHECK((d_o - numeric).cwiseAbs().maxCoeff() < 1e-6);
}

TEST_CASE("sequence_loss: wrong targets and labels are refused by name") {
  std::vector<sequence_sample> s(1);
  s[0].z = matrix<double>::Zero(1, 4);
  s[0].label = 3;
  const std::vector<const sequence_sample*> ptrs{&s[0]};
  const std::span<const sequence_sample* const> batch(ptrs);
  matrix<double> d_o;
  CHECK(refused([&] { mse_loss(matrix<double>(matrix<double>::Zero(1, 5)), batch, d_o); }) == "target");  // T = 5 vs 4
  CHECK(refused([&] { mse_loss(matrix<double>(matrix<double>::Zero(2, 4)), batch, d_o); }) == "target");  // 2 outputs vs 1
  CHECK(refused([&] { cross_entropy_last_loss(matrix<double>(matrix<double>::Zero(3, 4)), batch, d_o); }) == "label");
  CHECK(refused([&] { cross_entropy_last_loss(matrix<double>(matrix<double>::Zero(4, 4)), batch, d_o); }) == "");
}
