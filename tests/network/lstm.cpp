#include <spikernn/network/lstm.hpp>
#include <spikernn/network/glifr_network.hpp>  // the GLIFR counts the LSTM is matched to; time_major_trial
#include <spikernn/network/vanilla_rnn.hpp>    // the v2022 reference network

#include "../support.hpp"
#include "baseline_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace spikernn;
using namespace spikernn::testing;

namespace {

using lstm_d = lstm<double>;

lstm_params lstm_tiny_params() { return {.n = 3, .n_inputs = 2, .n_outputs = 2}; }

/// Weights large enough that every gate spans much of its range (saturating some units) and the
/// forget gate varies, so that all the terms of the cell update matter.
void strengthen(lstm_d& net) {
  net.w_in() *= 3.0;
  net.w_rec() *= 3.0;
  net.b_ih() *= 2.0;
  net.w_out() *= 3.0;
}

/// A literal transcription of torch.nn.LSTMCell (gates = W_ih x + b_ih + W_hh h + b_hh, chunked
/// i, f, g, o; c' = f c + i g; h' = o tanh c') from zero state, with the linear readout of A.6,
/// one unit and one scalar at a time.
struct lstm_literal_run {
  std::vector<std::vector<double>> h, c, o;
};

lstm_literal_run run_literally(const lstm_d& net, const matrix<double>& x) {
  const index_t N = net.size(), n_in = net.n_inputs(), n_out = net.n_outputs();
  const auto sig = [](double u) { return 1.0 / (1.0 + std::exp(-u)); };
  const matrix<double> weight_ih = net.w_in(), weight_hh = net.w_rec();  // PyTorch's shapes (4N × in, 4N × N)
  std::vector<double> h(std::size_t(N), 0.0), c(std::size_t(N), 0.0);
  lstm_literal_run run;
  for (index_t t = 0; t < x.cols(); ++t) {
    std::vector<double> gates(std::size_t(4 * N), 0.0);
    for (index_t r = 0; r < 4 * N; ++r) {
      double s = net.b_ih()(r) + net.b_hh()(r);
      for (index_t k = 0; k < n_in; ++k) s += weight_ih(r, k) * x(k, t);
      for (index_t k = 0; k < N; ++k) s += weight_hh(r, k) * h[k];
      gates[r] = s;
    }
    for (index_t u = 0; u < N; ++u) {
      const double in_gate = sig(gates[u]), forget_gate = sig(gates[N + u]);
      const double cell_gate = std::tanh(gates[2 * N + u]), out_gate = sig(gates[3 * N + u]);
      c[u] = forget_gate * c[u] + in_gate * cell_gate;
      h[u] = out_gate * std::tanh(c[u]);
    }
    std::vector<double> y(std::size_t(n_out), 0.0);
    for (index_t m = 0; m < n_out; ++m) {
      y[m] = net.b_out()(m);
      for (index_t u = 0; u < N; ++u) y[m] += net.w_out()(m, u) * h[u];
    }
    run.h.push_back(h);
    run.c.push_back(c);
    run.o.push_back(y);
  }
  return run;
}

template <class Tape>
double lstm_max_rel_difference(const Tape& tp, const lstm_literal_run& ref, index_t B, index_t b, double floor = 1e-3) {
  double worst = 0;
  const auto cmp = [&](double got, double want) {
    worst = std::max(worst, std::abs(got - want) / std::max(std::abs(want), floor));
  };
  for (index_t t = 0; t < index_t(ref.h.size()); ++t) {
    const index_t col = t * B + b;
    for (index_t i = 0; i < tp.h.rows(); ++i) {
      cmp(double(tp.h(i, col)), ref.h[t][i]);
      cmp(double(tp.c(i, col)), ref.c[t][i]);
    }
    for (index_t m = 0; m < tp.o.rows(); ++m) cmp(double(tp.o(m, col)), ref.o[t][m]);
  }
  return worst;
}

}  // namespace

TEST_CASE("lstm: layout has PyTorch's four cell tensors and the readout and the trainable count of spec A.6") {
  const lstm_d net({.n = 5, .n_inputs = 3, .n_outputs = 2}, seed{1});
  const std::vector<std::string> names{"w_in", "w_rec", "w_out", "b_out", "b_ih", "b_hh"};
  const std::vector<index_t> sizes{60, 100, 10, 2, 20, 20};
  REQUIRE(net.layout().size() == names.size());
  index_t offset = 0;
  for (std::size_t k = 0; k < names.size(); ++k) {
    CAPTURE(k);
    CHECK(net.layout()[k].name == names[k]);
    CHECK(net.layout()[k].offset == offset);
    CHECK(net.layout()[k].size == sizes[k]);
    CHECK(net.layout()[k].trainable);
    offset += sizes[k];
  }
  CHECK(net.parameters().size() == offset);
  CHECK(layout_size(net.layout()) == offset);
  CHECK(offset == lstm_trainable_count(5, 3, 2));
  CHECK(net.w_in().rows() == 20);  // weight_ih is 4N × in
  CHECK(net.w_rec().cols() == 5);

  // v2021 (A.6): matched to a GLIFR with learned intrinsics and J = 2 of N = 128 (pattern) or
  // N = 256 (SMNIST, 28 in / 10 out)
  const long pattern = glifr_trainable_count(128, 1, 1, 2, true), smnist = glifr_trainable_count(256, 28, 10, 2, true);
  CHECK(lstm_matched_size(pattern, 1, 1) == 64);
  CHECK(lstm_matched_size(smnist, 28, 10) == 123);
  // v2022 yaml sizes: matched to the RNN of N = 128 (sine) or N = 256 (L-MNIST 28 in, P-MNIST
  // 1 in): lstmn 63, 122, 128
  CHECK(lstm_matched_size(vanilla_rnn_trainable_count(128, 1, 1), 1, 1) == 63);
  CHECK(lstm_matched_size(vanilla_rnn_trainable_count(256, 28, 10), 28, 10) == 122);
  CHECK(lstm_matched_size(vanilla_rnn_trainable_count(256, 1, 10), 1, 10) == 128);
  // N-MNIST's lstmn 128 (input 2·34·34) is not parameter-matched: the rule would give 69
  CHECK(lstm_matched_size(vanilla_rnn_trainable_count(256, 2312, 10), 2312, 10) == 69);
}

TEST_CASE("lstm: every tensor is initialised U of plus or minus one over root N as nn.LSTMCell does") {
  const index_t n = 150;
  const lstm_d net({.n = int(n), .n_inputs = 5, .n_outputs = 20}, seed{3});
  const double bound = 1.0 / std::sqrt(double(n));
  check_uniform(net.w_in(), bound);
  check_uniform(net.w_rec(), bound);
  check_uniform(net.b_ih(), bound);
  check_uniform(net.b_hh(), bound);
  check_uniform(net.w_out(), bound);
  CHECK(net.b_out().cwiseAbs().maxCoeff() < bound);
  CHECK(net.b_ih() != net.b_hh());
  rng g(seed{3}, purpose::recurrent_weights);  // W_rec from its stream (up to FMA rounding)
  CHECK(net.w_rec()(0, 0) == doctest::Approx(g.uniform(-bound, bound)).epsilon(1e-14));
  const lstm_d same({.n = int(n), .n_inputs = 5, .n_outputs = 20}, seed{3});
  const lstm_d other({.n = int(n), .n_inputs = 5, .n_outputs = 20}, seed{4});
  CHECK(same.parameters() == net.parameters());
  CHECK(other.parameters() != net.parameters());
}

TEST_CASE("lstm: the forward pass is a literal transcription of nn.LSTMCell from zero state with a linear readout") {
  lstm_d net(lstm_tiny_params(), seed{5});
  strengthen(net);
  const auto inputs = random_inputs(2, 12, 2, 6);
  lstm_d::tape tp;
  net.forward(std::span<const matrix<double>>(inputs), tp);
  CHECK(tp.o.rows() == 2);
  CHECK(tp.o.cols() == 24);
  for (index_t b = 0; b < 2; ++b) {
    CAPTURE(b);
    const lstm_literal_run ref = run_literally(net, inputs[std::size_t(b)]);
    CHECK(lstm_max_rel_difference(tp, ref, 2, b) < 1e-12);
    const auto o_b = time_major_trial(tp.o, 2, b);
    CHECK(o_b(0, 9) == doctest::Approx(ref.o[9][0]).epsilon(1e-13));
  }
  // the gates span their range: some forget gates below 0.2, some above 0.8
  const auto f = tp.gates.middleRows(3, 3);
  CHECK(f.minCoeff() < 0.2);
  CHECK(f.maxCoeff() > 0.8);
  CHECK(tp.c.cwiseAbs().maxCoeff() > 1.0);

  // float32 (PyTorch's type) reproduces the double transcription to about 1e-6 relative
  lstm<float> nf(lstm_tiny_params(), seed{5});
  nf.parameters() = net.parameters().cast<float>();
  net.parameters() = nf.parameters().cast<double>();
  lstm<float>::tape tf;
  nf.forward(std::span<const matrix<double>>(inputs), tf);
  for (index_t b = 0; b < 2; ++b) CHECK(lstm_max_rel_difference(tf, run_literally(net, inputs[std::size_t(b)]), 2, b, 0.1) < 2e-6);
}

TEST_CASE("lstm: the recurrence sees only the previous step") {
  lstm_d net(lstm_tiny_params(), seed{8});
  strengthen(net);
  const auto inputs = random_inputs(2, 6, 1, 9);
  lstm_d::tape a, b;
  net.forward(std::span<const matrix<double>>(inputs), a);
  lstm_d changed = net;
  changed.w_rec() *= -2.0;
  changed.forward(std::span<const matrix<double>>(inputs), b);
  CHECK((a.h.col(0) - b.h.col(0)).cwiseAbs().maxCoeff() == 0.0);  // h(−1) = 0
  CHECK((a.h.col(1) - b.h.col(1)).cwiseAbs().maxCoeff() > 1e-6);
}

TEST_CASE("lstm: a batch gives each trial the result it has alone") {
  lstm_d net(lstm_tiny_params(), seed{10});
  strengthen(net);
  const auto inputs = random_inputs(2, 12, 3, 11);
  lstm_d::tape all, one;
  net.forward(std::span<const matrix<double>>(inputs), all);
  for (index_t b = 0; b < 3; ++b) {
    net.forward(std::span<const matrix<double>>(&inputs[std::size_t(b)], 1), one);
    CHECK((time_major_trial(all.o, 3, b) - one.o).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((time_major_trial(all.c, 3, b) - one.c).cwiseAbs().maxCoeff() < 1e-13);
  }
  std::vector<const matrix<double>*> ptrs{&inputs[2], &inputs[0]};
  net.forward(std::span<const matrix<double>* const>(ptrs), one);
  CHECK((time_major_trial(one.o, 2, 0) - time_major_trial(all.o, 3, 2)).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((time_major_trial(one.o, 2, 1) - time_major_trial(all.o, 3, 0)).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("lstm: BPTT gradients match central differences for every block") {
  lstm_d net({.n = 4, .n_inputs = 2, .n_outputs = 3}, seed{14});
  strengthen(net);
  check_all_pass(net, 25, 2, 15);
  // at the PyTorch initialisation
  lstm_d plain({.n = 5, .n_inputs = 3, .n_outputs = 2}, seed{16});
  check_all_pass(plain, 30, 1, 17);
}

TEST_CASE("lstm: a single step gives W_rec a zero gradient and backward adds into grad") {
  lstm_d net({.n = 4, .n_inputs = 2, .n_outputs = 2}, seed{18});
  strengthen(net);
  const auto inputs = random_inputs(2, 1, 3, 19);
  const auto res = fd_check(net, inputs, random_targets(net, 1, 3, 19));
  for (const auto& r : res) {
    CAPTURE(r.name);
    CHECK(r.ok);
  }
  lstm_d::tape tp;
  net.forward(std::span<const matrix<double>>(inputs), tp);
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  net.backward(tp, matrix<double>::Ones(2, 3), grad);
  const auto& w = net.layout()[1];
  CHECK(grad.segment(w.offset, w.size).cwiseAbs().maxCoeff() == 0.0);
  CHECK(grad.cwiseAbs().maxCoeff() > 0.0);
  vector<double> twice = grad;
  net.backward(tp, matrix<double>::Ones(2, 3), twice);
  CHECK((twice - 2 * grad).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("lstm: the gradient check catches deliberately broken gradients") {
  lstm_d net({.n = 4, .n_inputs = 2, .n_outputs = 2}, seed{25});
  strengthen(net);
  const auto inputs = random_inputs(2, 20, 1, 26);
  const matrix<double> z = random_targets(net, 20, 1, 27);

  // 1% off on bias_hh's gradient: only that block fails
  const auto scaled = fd_check<lstm_d>(net, inputs, z, [&](lstm_d::tape& tp, const matrix<double>& d_o, vector<double>& gr) {
    net.backward(tp, d_o, gr);
    const auto& b = net.layout()[5];
    gr.segment(b.offset, b.size) *= 1.01;
  });
  CHECK_FALSE(find_block(scaled, "b_hh").ok);
  CHECK(find_block(scaled, "b_hh").max_rel > 1e-3);
  CHECK(find_block(scaled, "b_ih").ok);
  CHECK(find_block(scaled, "w_rec").ok);

  // an adjoint that sees forget gates 1% off what the forward pass used (a slip in the cell
  // carry δc(t + 1) ⊙ f(t + 1) and in δG_f)
  const auto forget = fd_check<lstm_d>(net, inputs, z, [&](lstm_d::tape& tp, const matrix<double>& d_o, vector<double>& gr) {
    tp.gates.middleRows(4, 4) *= 1.01;
    net.backward(tp, d_o, gr);
  });
  CHECK_FALSE(find_block(forget, "w_rec").ok);
  CHECK_FALSE(find_block(forget, "w_in").ok);
  CHECK_FALSE(find_block(forget, "b_ih").ok);
  CHECK(find_block(forget, "w_out").ok);  // the readout does not go through the cell
  CHECK(find_block(forget, "b_out").ok);

  for (const auto& r : fd_check(net, inputs, z)) CHECK(r.ok);
}

TEST_CASE("lstm: a float network runs the same maths as a double one") {
  lstm<float> nf({.n = 6, .n_inputs = 2, .n_outputs = 2}, seed{28});
  lstm_d nd({.n = 6, .n_inputs = 2, .n_outputs = 2}, seed{28});
  nd.parameters() = nf.parameters().cast<double>();
  const auto inputs = random_inputs(2, 40, 2, 29);
  lstm<float>::tape tf;
  lstm_d::tape td;
  nf.forward(std::span<const matrix<double>>(inputs), tf);
  nd.forward(std::span<const matrix<double>>(inputs), td);
  CHECK((tf.o.cast<double>() - td.o).cwiseAbs().maxCoeff() < 1e-5);
  vector<float> gf = vector<float>::Zero(nf.parameters().size());
  vector<double> gd = vector<double>::Zero(nd.parameters().size());
  nf.backward(tf, matrix<float>::Ones(2, 80), gf);
  nd.backward(td, matrix<double>::Ones(2, 80), gd);
  CHECK((gf.cast<double>() - gd).cwiseAbs().maxCoeff() < 1e-4 * gd.cwiseAbs().maxCoeff());
}

TEST_CASE("lstm: wrong shapes and settings are refused naming the parameter") {
  CHECK(refused([] { lstm_d({.n = 0}, seed{}); }) == "n");
  CHECK(refused([] { lstm_d({.n_inputs = -2}, seed{}); }) == "n_inputs");
  CHECK(refused([] { lstm_d({.n_outputs = 0}, seed{}); }) == "n_outputs");
  lstm_d net({.n = 4, .n_inputs = 2}, seed{});
  lstm_d::tape tp;
  const auto one_row = random_inputs(1, 5, 1, 1);
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(one_row), tp); }) == "inputs");
  std::vector<matrix<double>> ragged = random_inputs(2, 5, 2, 1);
  ragged[1] = matrix<double>::Zero(2, 6);
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(ragged), tp); }) == "inputs");
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(), tp); }) == "inputs");
  const auto fine = random_inputs(2, 5, 1, 1);
  net.forward(std::span<const matrix<double>>(fine), tp);
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  CHECK(refused([&] { net.backward(tp, matrix<double>::Zero(1, 4), grad); }) == "d_o");
  vector<double> short_grad = vector<double>::Zero(3);
  CHECK(refused([&] { net.backward(tp, matrix<double>::Zero(1, 5), short_grad); }) == "grad");
}
