#include <spikernn/network/glifr_network.hpp>
#include <spikernn/task/sine_patterns.hpp>
#include <spikernn/train/epoch_trainer.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <vector>

using namespace spikernn;
using spikernn::testing::refused;

namespace {
/// o_k(t) = a_k · u(t) + c_k for n_out outputs: a model whose least-squares optimum is known,
/// and which records every batch it is shown.
struct affine_model {
  using scalar = double;
  struct tape {
    matrix<double> u, o;
    index_t batch = 0;
  };
  explicit affine_model(index_t n_out) : n_out_(n_out), theta_(vector<double>::Zero(2 * n_out)),
                                         layout_{{"a", 0, n_out, true}, {"c", n_out, n_out, true}} {}
  vector<double>& parameters() { return theta_; }
  const param_layout& layout() const { return layout_; }
  void forward(std::span<const matrix<double>* const> in, tape& tp) const {
    const index_t B = index_t(in.size()), T = in[0]->cols();
    tp.batch = B;
    tp.u.resize(1, T * B);
    for (index_t b = 0; b < B; ++b)
      for (index_t t = 0; t < T; ++t) tp.u(0, t * B + b) = (*in[std::size_t(b)])(0, t);
    tp.o = theta_.head(n_out_) * tp.u;
    tp.o.colwise() += theta_.tail(n_out_);
    seen.push_back(B);
  }
  void forward(const sample_batch& b, tape& tp) const { forward(std::span<const matrix<double>* const>(b.inputs), tp); }
  void backward(tape& tp, const matrix<double>& d_o, vector<double>& grad) const {
    grad.head(n_out_) += d_o * tp.u.transpose();
    grad.tail(n_out_) += d_o.rowwise().sum();
  }
  mutable std::vector<index_t> seen;

 private:
  index_t n_out_;
  vector<double> theta_;
  param_layout layout_;
};
static_assert(sequence_model<affine_model>);
static_assert(sequence_model<glifr_network<float>>);
static_assert(!sequence_model<int>);

std::vector<sequence_sample> affine_data(int n, double a, double c) {
  std::vector<sequence_sample> d(static_cast<std::size_t>(n));
  rng g(seed{5}, purpose::user);
  for (auto& s : d) {
    s.u.resize(1, 7);
    for (index_t t = 0; t < 7; ++t) s.u(0, t) = g.normal();
    s.z = (a * s.u.array() + c).matrix();
  }
  return d;
}

struct epoch_log {
  std::vector<epoch_progress> seen;
  void on_epoch(const epoch_progress& p) { seen.push_back(p); }
};
}  // namespace

TEST_CASE("epoch_trainer: mse mini-batches find a known least-squares solution") {
  const auto data = affine_data(10, 1.5, -0.25);
  affine_model m(1);
  adam opt({.lr = 0.05, .form = adam_form::pytorch});
  epoch_log log;
  const auto res = fit(m, std::span<const sequence_sample>(data), opt, {.epochs = 400, .batch = 4}, log);
  CHECK(m.parameters()[0] == doctest::Approx(1.5).epsilon(1e-3));
  CHECK(m.parameters()[1] == doctest::Approx(-0.25).epsilon(1e-3));
  CHECK(res.losses.size() == 400);
  CHECK(res.losses.back() < 1e-5);
  REQUIRE(log.seen.size() == 400);
  CHECK(log.seen.front().epoch == 1);
  CHECK(log.seen.back().train_loss == res.losses.back());
  CHECK(log.seen.back().train_accuracy == -1.0);
  // 10 samples in batches of 4: 4 + 4 + 2 per epoch, then one more batch per evaluation below
  CHECK(std::vector<index_t>(m.seen.begin(), m.seen.begin() + 3) == std::vector<index_t>{4, 4, 2});
  CHECK(opt.steps() == 3 * 400);
  const auto score = evaluate_sequences(m, std::span<const sequence_sample>(data), sequence_loss::mse);
  CHECK(score.loss == doctest::Approx(res.losses.back()).epsilon(0.5));
  CHECK(score.samples == 10);
}

TEST_CASE("epoch_trainer: every sample once per epoch - the order from the seed only") {
  // Samples differ only in their input level, so the batches' inputs reveal the order.
  std::vector<sequence_sample> data(6);
  for (int k = 0; k < 6; ++k) {
    data[std::size_t(k)].u = matrix<double>::Constant(1, 2, k);
    data[std::size_t(k)].z = matrix<double>::Zero(1, 2);
  }
  struct order_model : affine_model {
    order_model() : affine_model(1) {}
    void forward(std::span<const matrix<double>* const> in, tape& tp) const {
      for (const auto* u : in) order.push_back(int((*u)(0, 0)));
      affine_model::forward(in, tp);
    }
    void forward(const sample_batch& b, tape& tp) const { forward(std::span<const matrix<double>* const>(b.inputs), tp); }
    mutable std::vector<int> order;
  };
  auto run = [&](std::uint64_t s) {
    order_model m;
    adam opt;
    fit(m, std::span<const sequence_sample>(data), opt, {.epochs = 3, .batch = 4, .seed = seed{s}});
    return m.order;
  };
  const auto a = run(1), b = run(1), c = run(2);
  CHECK(a == b);
  CHECK(a != c);
  REQUIRE(a.size() == 18);
  for (int e = 0; e < 3; ++e)
    CHECK(std::set<int>(a.begin() + 6 * e, a.begin() + 6 * e + 6) == std::set<int>{0, 1, 2, 3, 4, 5});
  CHECK(std::vector<int>(a.begin(), a.begin() + 6) != std::vector<int>(a.begin() + 6, a.begin() + 12));
}

TEST_CASE("epoch_trainer: a small GLIFR network learns two constant-input sinusoids") {
  // Spec A.7 in miniature: a constant input level tells the network which sine to draw.
  std::vector<sequence_sample> data(2);
  for (int i = 0; i < 2; ++i) {
    const double offset = 0.25 + 0.5 * i, freq = i == 0 ? 0.2 : 0.4;  // kHz at dt 0.05 ms
    data[std::size_t(i)].u = matrix<double>::Constant(1, 60, offset);
    data[std::size_t(i)].z.resize(1, 60);
    for (index_t t = 0; t < 60; ++t) data[std::size_t(i)].z(0, t) = std::sin(2 * M_PI * freq * 0.05 * double(t)) + offset;
  }
  glifr_network_params p;
  p.n = 16;
  p.delay = 1;
  glifr_network<double> net(p, seed{3});
  adam opt({.lr = 0.01, .form = adam_form::pytorch});
  const double before = evaluate_sequences(net, std::span<const sequence_sample>(data), sequence_loss::mse).loss;
  const auto res = fit(net, std::span<const sequence_sample>(data), opt, {.epochs = 300, .batch = 2});
  CHECK(res.losses.back() < 0.25 * before);
}

TEST_CASE("epoch_trainer: classification reports accuracy - bad options are refused") {
  // Class = sign of the last input; affine outputs (a_k u + c_k) can separate it.
  std::vector<sequence_sample> data(8);
  for (int k = 0; k < 8; ++k) {
    const double level = k % 2 ? 1.0 : -1.0;
    data[std::size_t(k)].u = matrix<double>::Constant(1, 3, level * (1 + 0.1 * k));
    data[std::size_t(k)].label = k % 2;
  }
  affine_model m(2);
  adam opt({.lr = 0.1});
  epoch_log log;
  fit(m, std::span<const sequence_sample>(data), opt, {.epochs = 100, .batch = 8, .loss = sequence_loss::cross_entropy_last}, log);
  CHECK(log.seen.back().train_accuracy == 1.0);
  const auto s = evaluate_sequences(m, std::span<const sequence_sample>(data), sequence_loss::cross_entropy_last, 3);
  CHECK(s.accuracy == 1.0);
  CHECK(s.loss < 0.1);
  CHECK(refused([&] { fit(m, std::span<const sequence_sample>(data), opt, {.epochs = 0}); }) == "epochs");
  CHECK(refused([&] { fit(m, std::span<const sequence_sample>(data), opt, {.batch = 0}); }) == "batch");
  CHECK(refused([&] { fit(m, std::span<const sequence_sample>(), opt, {}); }) == "dataset");
}

// The GLIFR example of docs/glifr.md ("In C++"), at a toy size (16 units, 2 epochs).
TEST_CASE("epoch_trainer: the README's GLIFR example runs") {
  namespace sk = spikernn;
  sk::sine_patterns sines{};
  auto data = sines.samples();
  sk::glifr_network<float> net(sk::glifr_variant_params(sk::glifr_variant::l_het_a, {.n = 16}), sk::seed{1});
  sk::adam opt({.lr = 1e-4, .form = sk::adam_form::pytorch});
  auto fit = sk::fit(net, std::span<const sk::sequence_sample>(data), opt, {.epochs = 2, .batch = 2});
  CHECK(fit.losses.size() == 2);
  CHECK(std::isfinite(fit.losses.back()));
  CHECK(opt.steps() == 6);
}
