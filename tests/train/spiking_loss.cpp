#include <spikernn/train/spiking_loss.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace spikernn;
using spikernn::testing::numeric_gradient;
using spikernn::testing::refused;


TEST_CASE("spiking_loss: softmax_then_cross_entropy applies softmax twice, by hand") {
  // one trial, one step, logits (1, 2, 0.5), label 1
  matrix<double> o(3, 1);
  o << 1.0, 2.0, 0.5;
  const std::vector<int> label{1};
  // by hand: p = softmax(o); loss = log(e^p0 + e^p1 + e^p2) − p1
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(0.5);
  const double p0 = std::exp(1.0) / z, p1 = std::exp(2.0) / z, p2 = std::exp(0.5) / z;
  const double expected = std::log(std::exp(p0) + std::exp(p1) + std::exp(p2)) - p1;
  matrix<double> d_o;
  int correct = -1;
  CHECK(softmax_then_cross_entropy_loss(o, std::span<const int>(label), d_o, &correct) ==
        doctest::Approx(expected).epsilon(1e-14));
  CHECK(correct == 1);
  // it is not the single-softmax cross entropy (which would be −log p1 ≈ 0.46)
  CHECK(std::abs(expected + std::log(p1)) > 0.3);
  const auto numeric = numeric_gradient(o, [&](const matrix<double>& x) {
    matrix<double> g;
    return softmax_then_cross_entropy_loss(x, std::span<const int>(label), g);
  });
  CHECK((d_o - numeric).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("spiking_loss: softmax_then_cross_entropy reads the last step, means over the batch") {
  // 3 outputs, T = 2, B = 2: columns (t0 b0, t0 b1, t1 b0, t1 b1); only t1 counts
  matrix<double> o(3, 4);
  o << 9, -4, 0.2, 1.5,  //
      7, 3, -1.0, 0.5,   //
      -2, 8, 0.7, -0.3;
  const std::vector<int> labels{2, 0};
  matrix<double> d_o;
  int correct = -1;
  const double loss = softmax_then_cross_entropy_loss(o, std::span<const int>(labels), d_o, &correct);
  double want = 0;
  for (int b = 0; b < 2; ++b) {
    const vector<double> l = o.col(2 + b);
    const vector<double> p = l.array().exp() / l.array().exp().sum();
    want += std::log(p.array().exp().sum()) - p[labels[std::size_t(b)]];
  }
  CHECK(loss == doctest::Approx(want / 2).epsilon(1e-14));
  CHECK(correct == 2);  // trial 0: max at row 2 = label; trial 1: max at row 0 = label
  CHECK(d_o.leftCols(2).cwiseAbs().maxCoeff() == 0.0);
  const auto numeric = numeric_gradient(o, [&](const matrix<double>& x) {
    matrix<double> g;
    return softmax_then_cross_entropy_loss(x, std::span<const int>(labels), g);
  });
  CHECK((d_o - numeric).cwiseAbs().maxCoeff() < 1e-9);
  // float outputs give the same gradient to float precision
  matrix<float> d_f;
  const double lf = softmax_then_cross_entropy_loss(matrix<float>(o.cast<float>()), std::span<const int>(labels), d_f);
  CHECK(lf == doctest::Approx(loss).epsilon(1e-6));
  CHECK((d_f.cast<double>() - d_o).cwiseAbs().maxCoeff() < 1e-6);
}

TEST_CASE("spiking_loss: l2_norm is the root of the summed squared error, by hand") {
  matrix<double> o(1, 4), z(1, 4);
  o << 1, 2, 3, 4;
  z << 1, 0, 3, 0;  // errors 0, 2, 0, 4
  matrix<double> d_o;
  const double loss = l2_norm_loss(o, z, d_o);
  CHECK(loss == doctest::Approx(std::sqrt(20.0)).epsilon(1e-15));
  const auto numeric = numeric_gradient(o, [&](const matrix<double>& x) {
    matrix<double> g;
    return l2_norm_loss(x, z, g);
  });
  CHECK((d_o - numeric).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(d_o(0, 1) == doctest::Approx(2 / std::sqrt(20.0)).epsilon(1e-15));
  // zero error: zero loss and a zero gradient
  CHECK(l2_norm_loss(z, z, d_o) == 0.0);
  CHECK(d_o.cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("spiking_loss: the batch form takes labels or time-major targets from samples") {
  std::vector<sequence_sample> s(2);
  s[0].z = (matrix<double>(1, 3) << 0, 1, -1).finished();
  s[1].z = (matrix<double>(1, 3) << 0, -1, 1).finished();
  s[0].label = 1;
  s[1].label = 0;
  const std::vector<const sequence_sample*> ptrs{&s[0], &s[1]};
  const auto span = std::span<const sequence_sample* const>(ptrs);
  const matrix<double> z = time_major_targets(span);
  CHECK(z == (matrix<double>(1, 6) << 0, 0, 1, -1, -1, 1).finished());
  matrix<double> o = matrix<double>::Zero(1, 6), d_o;
  CHECK(spiking_batch_loss(spiking_loss::l2_norm, o, span, d_o) == doctest::Approx(2.0).epsilon(1e-15));
  matrix<double> logits(2, 6);
  logits.setRandom();
  int correct = -1;
  matrix<double> d_ce;
  const std::vector<int> labels{1, 0};
  const double a = spiking_batch_loss(spiking_loss::softmax_then_cross_entropy, logits, span, d_o, &correct);
  CHECK(a == softmax_then_cross_entropy_loss(logits, std::span<const int>(labels), d_ce));
  CHECK(d_o == d_ce);
  CHECK(correct >= 0);
  CHECK(to_string(spiking_loss::l2_norm) == "l2_norm");
  CHECK(to_string(spiking_loss::softmax_then_cross_entropy) == "softmax_then_cross_entropy");
}

TEST_CASE("spiking_loss: bad shapes and labels are refused naming the parameter") {
  matrix<double> o = matrix<double>::Zero(3, 4), d_o;
  const std::vector<int> bad_label{0, 3}, three{0, 1, 2}, none{};
  CHECK(refused([&] { softmax_then_cross_entropy_loss(o, std::span<const int>(bad_label), d_o); }) == "label");
  CHECK(refused([&] { softmax_then_cross_entropy_loss(o, std::span<const int>(three), d_o); }) == "outputs");
  CHECK(refused([&] { softmax_then_cross_entropy_loss(o, std::span<const int>(none), d_o); }) == "outputs");
  CHECK(refused([&] { l2_norm_loss(o, matrix<double>::Zero(3, 3), d_o); }) == "target");
  std::vector<sequence_sample> s(2);
  s[0].z = matrix<double>::Zero(3, 2);
  s[1].z = matrix<double>::Zero(3, 3);
  const std::vector<const sequence_sample*> ptrs{&s[0], &s[1]};
  CHECK(refused([&] {
          spiking_batch_loss(spiking_loss::l2_norm, o, std::span<const sequence_sample* const>(ptrs), d_o);
        }) == "target");
}
