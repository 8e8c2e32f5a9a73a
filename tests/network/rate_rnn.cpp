#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/gradient_check.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("rate_rnn: initial parameters follow spec §1.3 and taus lie in (τ_min / τ_max)") {
  const rate_rnn<float> net({.n = 300, .taus = {4, 20}}, seed{1});
  CHECK(net.w().minCoeff() >= 0.f);
  CHECK(net.w_in().rows() == 300);
  CHECK(net.b_out() == 0.f);
  const double sd_out = std::sqrt(double(net.w_out().array().square().mean()));
  CHECK(sd_out == doctest::Approx(0.01).epsilon(0.15));
  const double sd_in = std::sqrt(double(net.w_in().array().square().mean()));
  CHECK(sd_in == doctest::Approx(1.0).epsilon(0.15));
  const array<float> tau = net.taus();
  CHECK(tau.minCoeff() > 4.f);
  CHECK(tau.maxCoeff() < 20.f);
  CHECK(net.trains_taus());
  CHECK(net.layout()[3].name == "taus_gaus");
  CHECK(net.layout()[3].trainable);
  const rate_rnn<float> fixed({.n = 10, .taus = {7}}, seed{1});
  CHECK((fixed.taus() == 7.f).all());
  CHECK_FALSE(fixed.layout()[3].trainable);
}

TEST_CASE("rate_rnn: the same seed gives the same network - another seed another") {
  const rate_rnn<float> a({.n = 50}, seed{3}), b({.n = 50}, seed{3}), c({.n = 50}, seed{4});
  CHECK(a.parameters() == b.parameters());
  CHECK(a.w_in() == b.w_in());
  CHECK(a.parameters() != c.parameters());
}

TEST_CASE("rate_rnn: forward pass is the Euler step of spec §1.6 / noise outside dt/τ") {
  rate_rnn<double, sigmoid, dale> net({.n = 6, .p_inh = 0.5, .p_rec = 0.8, .taus = {2, 9}, .n_inputs = 1}, seed{2});
  trial tr;
  tr.u = matrix<double>(1, 4);
  tr.u << 0.5, 1.0, -1.0, 0.0;
  tr.z = vector<double>::Zero(4);
  std::vector<const trial*> trials{&tr};
  std::vector<rng> noise{rng(seed{9}, purpose::user)};
  rng replay = noise[0];
  rate_rnn<double>::tape tp;
  net.forward(trials, noise, tp);

  matrix<double> z(6, 4);
  replay.fill_normal(z, 1.0);
  const matrix<double> W = (net.w().cwiseMax(0.0) * net.types().sign_matrix()).cwiseProduct(net.types().som_mask);
  const vector<double> a = (1.0 / net.taus()).matrix();
  vector<double> x = 0.01 * z.col(0);
  vector<double> r = x.unaryExpr([](double v) { return sigmoid::value(v); });
  for (int t = 1; t < 4; ++t) {
    const vector<double> drive = W * r + net.w_in() * tr.u.col(t - 1);
    x = (1 - a.array()).matrix().cwiseProduct(x) + a.cwiseProduct(drive) + 0.1 * z.col(t);
    r = x.unaryExpr([](double v) { return sigmoid::value(v); });
    CHECK((tp.x.col(t) - x).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(tp.o(0, t - 1) == doctest::Approx(net.w_out().dot(r) + net.b_out()));
  }
  CHECK(tp.o.rows() == 1);  // one readout …
  CHECK(tp.o.cols() == 3);  // … at T − 1 steps
}

TEST_CASE("rate_rnn: a batch gives each trial the result it has alone") {
  rate_rnn<double> net({.n = 20}, seed{5});
  const go_nogo task({.T = 30, .stim_on = 5, .stim_dur = 5});
  const trial go = task.make(go_nogo::type::go), nogo = task.make(go_nogo::type::nogo);
  rate_rnn<double>::tape batch_tp, one_tp;
  std::vector<const trial*> both{&go, &nogo};
  std::vector<rng> streams{rng(seed{1}, purpose::user, 0), rng(seed{1}, purpose::user, 1)};
  net.forward(both, streams, batch_tp);
  for (int b = 0; b < 2; ++b) {
    std::vector<const trial*> one{both[std::size_t(b)]};
    std::vector<rng> s{rng(seed{1}, purpose::user, std::uint64_t(b))};
    net.forward(one, s, one_tp);
    CHECK((time_major_trial(batch_tp.o, 2, b) - one_tp.o).cwiseAbs().maxCoeff() < 1e-12);
  }
}

template <class Act, class Conn>
void check_all_blocks(std::vector<double> taus, loss_fn loss) {
  CAPTURE(Act::name);
  CAPTURE(Conn::name);
  CAPTURE(taus.size());
  rate_rnn<double, Act, Conn> net({.n = 16, .p_rec = 0.5, .som_n = 2, .taus = taus}, seed{11});
  net.w_out() *= 30.0;  // a readout large enough that every block matters
  const go_nogo task({.T = 30, .stim_on = 5, .stim_dur = 6});
  const std::vector<trial> trials{task.make(go_nogo::type::go), task.make(go_nogo::type::nogo)};
  const auto results = check_gradients(net, trials, {.entries_per_block = 24, .loss = loss});
  for (const auto& r : results) {
    CAPTURE(r.block);
    CHECK(r.compared > 0);
    CHECK(r.max_rel_error < 1e-5);
  }
  CHECK(results.size() == (taus.size() == 2 ? 4u : 3u));
}

TEST_CASE("rate_rnn: hand-written BPTT gradients match central differences (w / w_out / b_out / taus_gaus)") {
  check_all_blocks<sigmoid, dale>({4, 20}, loss_fn::l2);
  check_all_blocks<sigmoid, dale>({4, 20}, loss_fn::l1);
  check_all_blocks<sigmoid, dale>({7}, loss_fn::l2);
  check_all_blocks<softplus, dale>({4, 20}, loss_fn::l2);
  check_all_blocks<clipped_relu, dale>({4, 20}, loss_fn::l2);
  check_all_blocks<sigmoid, no_dale>({4, 20}, loss_fn::l2);
}

TEST_CASE("rate_rnn: unconnected Dale weights get exactly zero gradient") {
  rate_rnn<double> net({.n = 20}, seed{12});
  const go_nogo task({.T = 20, .stim_on = 5, .stim_dur = 5});
  const trial tr = task.make(go_nogo::type::go);
  std::vector<const trial*> trials{&tr};
  std::vector<rng> noise{rng(seed{1}, purpose::user)};
  rate_rnn<double>::tape tp;
  net.forward(trials, noise, tp);
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  net.backward(tp, matrix<double>::Ones(1, 19), grad);  // dL/do for the T − 1 outputs, time-major
  const Eigen::Map<const matrix<double>> dw(grad.data(), 20, 20);
  for (index_t k = 0; k < 400; ++k) {
    if (net.w()(k) == 0.0) CHECK(dw(k) == 0.0);
  }
  CHECK(dw.cwiseAbs().maxCoeff() > 0.0);
}

TEST_CASE("rate_rnn: wrong shapes and settings are refused naming the parameter") {
  CHECK_THROWS_WITH_AS(rate_rnn<float>({.taus = {1, 2, 3}}, seed{}), doctest::Contains("decay_taus"), invalid_parameter);
  CHECK_THROWS_WITH_AS(rate_rnn<float>({.taus = {20, 4}}, seed{}), doctest::Contains("decay_taus"), invalid_parameter);
  CHECK_THROWS_WITH_AS(rate_rnn<float>({.taus = {-1}}, seed{}), doctest::Contains("decay_taus"), invalid_parameter);
  rate_rnn<float> net({.n = 10, .n_inputs = 2}, seed{});
  const trial one_channel = go_nogo({.T = 30, .stim_on = 5, .stim_dur = 5}).make(go_nogo::type::go);
  std::vector<const trial*> trials{&one_channel};
  std::vector<rng> noise{rng(seed{}, purpose::user)};
  rate_rnn<float>::tape tp;
  CHECK_THROWS_WITH_AS(net.forward(trials, noise, tp), doctest::Contains("trial.u"), invalid_parameter);
}
