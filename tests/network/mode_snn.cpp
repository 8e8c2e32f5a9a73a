#include <spikernn/network/mode_snn.hpp>
#include <spikernn/task/rate_encoding.hpp>
#include <spikernn/train/epoch_trainer.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace spikernn;
using spikernn::testing::refused;

static_assert(sequence_model<mode_snn<float>>);
static_assert(sequence_model<mode_snn<double, arctan>>);
static_assert(sequence_model<mode_snn<float, straight_through>>);

namespace {

using snn_d = mode_snn<double>;

/// Trial b of a time-major n × (T·B) matrix as an n × T matrix.
matrix<double> trial_of(const matrix<double>& m, index_t B, index_t b) {
  matrix<double> out(m.rows(), m.cols() / B);
  for (index_t t = 0; t < out.cols(); ++t) out.col(t) = m.col(t * B + b);
  return out;
}

/// Random analog inputs, n_in × T per trial.
std::vector<matrix<double>> uniform_inputs(index_t n_in, index_t T, index_t B, std::uint64_t s, double lo = -0.5,
                                          double hi = 2.0) {
  rng g(seed{s}, purpose::user);
  std::vector<matrix<double>> out;
  for (index_t b = 0; b < B; ++b)
    out.push_back(matrix<double>::NullaryExpr(n_in, T, [&] { return g.uniform(lo, hi); }));
  return out;
}

/// Bernoulli spike trains with per-channel rates drawn in [0, rate_max].
std::vector<matrix<double>> spike_inputs(index_t n_in, index_t T, index_t B, std::uint64_t s, double rate_max = 0.6) {
  rng g(seed{s}, purpose::user, 1);
  std::vector<matrix<double>> out;
  for (index_t b = 0; b < B; ++b) {
    const vector<double> p = vector<double>::NullaryExpr(n_in, [&] { return g.uniform(0, rate_max); });
    rng e(seed{s}, purpose::spike_encoding, std::uint64_t(b));
    out.push_back(bernoulli_rate_encode(p, T, e));
  }
  return out;
}

/// The states of one trial from the literal transcription, step by step.
struct snn_literal_run {
  std::vector<vector<double>> I, u, s, r, gate, o;
  vector<double> rm, y;  ///< max_over_time
};

/// A literal scalar transcription of spec B.3 (Figure/mnist_model.py, Figure/mante_model.py)
/// for one trial: W_r rebuilt as the original does, torch.matmul(l·pin, poutᵀ), as an explicit
/// N × N matrix; scalar loops in the step order of B.3. Times are in steps (t_i = i, t_last
/// starts at −1/dt, t_ref = 5): the spec's seconds divided by dt, so that the refractory
/// comparison is exact. With the leaky neuron, steps 1–2 are B.2's Leaky instead.
snn_literal_run run_b3(const snn_d& net, const matrix<double>& x) {
  const mode_snn_params& p = net.params();
  const index_t N = p.n, n_in = p.n_inputs, n_out = p.n_outputs, T = x.cols();
  const double dt = p.dt, vthr = p.neuron == mode_neuron::lif ? p.v_thr : p.leaky.threshold, beta = p.leaky.beta;
  const double ls = std::exp(-dt / p.tau_s), lm = std::exp(-dt / p.tau_m), ld = std::exp(-dt / p.tau_d),
               lr = std::exp(-dt / p.tau_r);
  matrix<double> Wr = matrix<double>::Zero(N, N);
  if (p.full_rank) {
    Wr = net.w_rec();
  } else {
    for (index_t i = 0; i < N; ++i)
      for (index_t j = 0; j < N; ++j)
        for (index_t m = 0; m < p.p; ++m) Wr(i, j) += (net.lambda()(m) * net.xi_in()(i, m)) * net.xi_out()(j, m);
  }
  std::vector<double> I(N, 0.0), mem(N, 0.0), s(N, 0.0), r(N, 0.0), h(N, 0.0), tlast(N, -1.0 / dt);
  const double tref = p.refractory_steps;
  snn_literal_run run;
  run.rm = vector<double>::Constant(N, -std::numeric_limits<double>::infinity());
  for (index_t i = 0; i < T; ++i) {
    const std::vector<double> r_old = r;
    vector<double> gate(N);
    for (index_t n = 0; n < N; ++n) {
      double in = 0, rec = 0;
      for (index_t k = 0; k < n_in; ++k) in += net.w_in()(n, k) * x(k, i);
      for (index_t j = 0; j < N; ++j) rec += Wr(n, j) * r_old[j];
      if (p.neuron == mode_neuron::lif) {
        I[n] = ls * I[n] + in + rec;
        gate(n) = double(i) > tlast[n] + tref ? 1.0 : 0.0;
        mem[n] = gate(n) * (lm * mem[n] + (1 - lm) * I[n]) * (1 - s[n]);
      } else {  // snnTorch Leaky (B.2) driven by the same current, without the synaptic filter
        I[n] = in + rec;
        gate(n) = mem[n] - vthr > 0 ? 1.0 : 0.0;  // the detached reset
        if (p.leaky.reset == leaky_reset::subtract)
          mem[n] = beta * (mem[n] - gate(n) * vthr) + I[n];
        else
          mem[n] = (beta * mem[n] + I[n]) * (1 - gate(n));
      }
      if (p.filter == mode_filter::single) {
        r[n] = std::exp(-dt / p.tau_d) * r[n] + dt / p.tau_d * s[n];
      } else if (p.filter == mode_filter::double_mnist) {
        h[n] = lr * h[n] + dt / p.tau_d / p.tau_r * s[n];
        r[n] = ld * r[n] + dt * h[n];
      } else {
        h[n] = lr * h[n] + s[n];
        r[n] = ld * r[n] + (1 - ld) * h[n];
      }
      s[n] = mem[n] - vthr > 0 ? 1.0 : 0.0;
      tlast[n] = tlast[n] + (double(i) - tlast[n]) * s[n];
      run.rm(n) = std::max(run.rm(n), r[n]);
    }
    vector<double> o = vector<double>::Zero(n_out);
    for (index_t m = 0; m < n_out; ++m)
      for (index_t n = 0; n < N; ++n) o(m) += net.w_out()(m, n) * r[n];
    run.I.push_back(Eigen::Map<vector<double>>(I.data(), N));
    run.u.push_back(Eigen::Map<vector<double>>(mem.data(), N));
    run.s.push_back(Eigen::Map<vector<double>>(s.data(), N));
    run.r.push_back(Eigen::Map<vector<double>>(r.data(), N));
    run.gate.push_back(gate);
    run.o.push_back(o);
  }
  run.y = net.w_out() * run.rm;
  return run;
}

/// The largest difference between the tape and the literal run over every state of trial b
/// (relative, or absolute below 1), and whether every spike agrees.
template <class Tape>
std::pair<double, bool> compare(const Tape& tp, const snn_literal_run& ref, index_t b, bool max_read) {
  const index_t B = tp.batch, T = tp.steps;
  double worst = 0;
  bool spikes = true;
  const auto cmp = [&](double got, double want) {
    worst = std::max(worst, std::abs(got - want) / std::max(std::abs(want), 1.0));
  };
  for (index_t t = 0; t < T; ++t) {
    const index_t col = t * B + b;
    for (index_t n = 0; n < tp.u.rows(); ++n) {
      cmp(double(tp.cur(n, col)), ref.I[t](n));
      cmp(double(tp.u(n, col)), ref.u[t](n));
      cmp(double(tp.r(n, col)), ref.r[t](n));
      spikes = spikes && double(tp.s(n, col)) == ref.s[t](n) && double(tp.gate(n, col)) == ref.gate[t](n);
    }
    if (!max_read)
      for (index_t m = 0; m < tp.o.rows(); ++m) cmp(double(tp.o(m, col)), ref.o[t](m));
  }
  if (max_read) {
    for (index_t n = 0; n < tp.rm.rows(); ++n) cmp(double(tp.rm(n, b)), ref.rm(n));
    for (index_t m = 0; m < tp.o.rows(); ++m) {
      cmp(double(tp.o(m, (T - 1) * B + b)), ref.y(m));
      for (index_t t = 0; t + 1 < T; ++t) cmp(double(tp.o(m, t * B + b)), 0.0);
    }
  }
  return {worst, spikes};
}

mode_snn_params tiny(mode_neuron neuron, mode_filter filter, mode_readout readout, bool full_rank = false) {
  mode_snn_params p;
  p.n = 5;
  p.n_inputs = 3;
  p.n_outputs = 2;
  p.p = 2;
  p.full_rank = full_rank;
  p.neuron = neuron;
  p.filter = filter;
  p.readout = readout;
  return p;
}

// ---- gradient checks -------------------------------------------------------------------------

struct snn_block_error {
  std::string name;
  index_t compared = 0;
  double max_grad = 0;  ///< largest |analytic| in the block
  double max_rel = 0;   ///< max |a − n|/(|a| + |n|) over entries clear of the rounding floor
  double atol = 0;
  bool ok = true;  ///< every entry within 1e-6·(|a| + |n|) + atol
};

template <class Net>
using backward_fn = std::function<void(typename Net::tape&, const matrix<double>&, vector<double>&)>;

/// Five-point central differences (−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h))/(12h) of
/// L = ½Σ(o − z)² against the adjoint, for EVERY entry of every trainable block. The stencil's
/// truncation error is O(h⁴), negligible at h = 1e-5 even for the steep sigmoid surrogate
/// (a three-point stencil was not); the rounding floor of a difference of losses is about
/// ε·L/h, so an entry passes when |a − n| ≤ 1e-6·(|a| + |n|) + 20·ε·max(L, 1)/h.
template <class Net>
std::vector<snn_block_error> snn_fd_check(Net& net, const std::vector<matrix<double>>& inputs, const matrix<double>& z,
                                  const backward_fn<Net>& backward = {}) {
  typename Net::tape tp;
  net.forward(std::span<const matrix<double>>(inputs), tp);
  const matrix<double> d_o = tp.o - z;
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  if (backward)
    backward(tp, d_o, grad);
  else
    net.backward(tp, d_o, grad);
  auto& theta = net.parameters();
  typename Net::tape t2;
  const auto loss = [&] {
    net.forward(std::span<const matrix<double>>(inputs), t2);
    return 0.5 * (t2.o - z).squaredNorm();
  };
  const double l0 = 0.5 * d_o.squaredNorm(), h = 1e-5;
  const double atol = 20 * std::numeric_limits<double>::epsilon() * std::max(l0, 1.0) / h;
  std::vector<snn_block_error> out;
  for (const auto& blk : net.layout()) {
    if (!blk.trainable) continue;
    snn_block_error e{blk.name};
    e.atol = atol;
    for (index_t k = blk.offset; k < blk.offset + blk.size; ++k) {
      const double saved = theta[k];
      double l[4];
      const double steps[4] = {2 * h, h, -h, -2 * h};
      for (int q = 0; q < 4; ++q) {
        theta[k] = saved + steps[q];
        l[q] = loss();
      }
      theta[k] = saved;
      const double numeric = (-l[0] + 8 * l[1] - 8 * l[2] + l[3]) / (12 * h), analytic = grad[k];
      const double err = std::abs(analytic - numeric), mag = std::abs(analytic) + std::abs(numeric);
      e.max_grad = std::max(e.max_grad, std::abs(analytic));
      if (mag > 1e3 * atol) e.max_rel = std::max(e.max_rel, err / mag);
      if (err > 1e-6 * mag + atol) e.ok = false;
      ++e.compared;
    }
    out.push_back(e);
  }
  return out;
}

snn_block_error find_snn_block(const std::vector<snn_block_error>& res, const std::string& name) {
  for (const auto& r : res)
    if (r.name == name) return r;
  FAIL("no block " << name);
  return snn_block_error{};
}

/// Weights strong enough that spikes, the recurrence and the refractory clamp all matter.
template <class Net>
void strengthen(Net& net, double scale) {
  using S = typename Net::scalar;
  net.w_in() *= S(3.0 * scale);
  if (net.full_rank())
    net.w_rec() *= S(5.0 * scale);
  else
    net.lambda() *= S(5.0 * scale);
}

/// How hard a gradient-check network is driven.
struct drive {
  double scale = 1.0;  ///< of the weights (strengthen)
  double v_thr = 0.2;  ///< lif threshold: the smooth spikes cross it within the drive's range
  double input = 1.0;  ///< 1: inputs ~ U(−0.5, 2); else U(−input, input)
  int refractory = 5;
};

/// The straight-through estimator's smooth spike is u − thr itself, unbounded, and the lif
/// reset multiplies by (1 − s): u(t+1) ∝ u(t)·(1 − u(t) + thr), which diverges unless u stays
/// small and s stays in (0, 0.2) (else t_last catches up with t and the refractory clamp never
/// opens). Weak inputs, a negative threshold and no refractory period keep it in that range.
constexpr drive gentle{.scale = 0.3, .v_thr = -0.3, .input = 0.3, .refractory = 0};

/// Every trainable block is checked, passes, and has gradients well clear of the rounding floor.
template <class Sur>
void check_gradients(mode_snn_params p, std::uint64_t s, drive d = {}) {
  p.smooth_spikes = true;
  p.v_thr = d.v_thr;
  p.refractory_steps = d.refractory;
  mode_snn<double, Sur> net(p, seed{s});
  strengthen(net, d.scale);
  const index_t T = 30, B = 2;
  const auto inputs =
      d.input == 1.0 ? uniform_inputs(p.n_inputs, T, B, s) : uniform_inputs(p.n_inputs, T, B, s, -d.input, d.input);
  rng g(seed{s}, purpose::user, 7);
  const matrix<double> z = matrix<double>::NullaryExpr(p.n_outputs, T * B, [&] { return g.uniform(-1, 1); });
  const auto res = snn_fd_check(net, inputs, z);
  index_t expected = 0;
  for (const auto& blk : net.layout()) expected += blk.trainable ? 1 : 0;
  CHECK(index_t(res.size()) == expected);
  CHECK(expected == (p.full_rank ? 3 : 5));
  for (const auto& r : res) {
    CAPTURE(r.name);
    CAPTURE(r.max_rel);
    CAPTURE(r.max_grad);
    CAPTURE(r.atol);
    CHECK(r.compared > 0);
    CHECK(r.max_grad > 100 * r.atol);  // the block is held to better than 1% somewhere
    CHECK(r.ok);
  }
}

template <class Sur>
void check_all_configurations(bool full_rank, std::uint64_t s, drive d = {}) {
  for (const auto neuron : {mode_neuron::lif, mode_neuron::leaky})
    for (const auto filter : {mode_filter::single, mode_filter::double_mnist, mode_filter::double_mante})
      for (const auto readout : {mode_readout::per_step, mode_readout::max_over_time}) {
        CAPTURE(Sur::name);
        CAPTURE(to_string(neuron));
        CAPTURE(to_string(filter));
        CAPTURE(to_string(readout));
        CAPTURE(full_rank);
        check_gradients<Sur>(tiny(neuron, filter, readout, full_rank), s, d);
      }
}

}  // namespace

TEST_CASE("mode_snn: layout has the named blocks of spec B.1, mode blocks absent in full rank") {
  const snn_d net(tiny(mode_neuron::lif, mode_filter::single, mode_readout::per_step), seed{1});
  const std::vector<std::string> names{"w_in", "xi_in", "lambda", "xi_out", "w_out", "w_rec"};
  const std::vector<index_t> sizes{15, 10, 2, 10, 10, 0};
  REQUIRE(net.layout().size() == names.size());
  index_t offset = 0;
  for (std::size_t k = 0; k < names.size(); ++k) {
    CAPTURE(k);
    CHECK(net.layout()[k].name == names[k]);
    CHECK(net.layout()[k].offset == offset);
    CHECK(net.layout()[k].size == sizes[k]);
    CHECK(net.layout()[k].trainable == (sizes[k] > 0));
    offset += sizes[k];
  }
  CHECK(net.parameters().size() == offset);
  CHECK(net.modes() == 2);
  CHECK(net.w_in().rows() == 5);
  CHECK(net.w_in().cols() == 3);
  CHECK(net.xi_in().cols() == 2);
  CHECK(net.lambda().size() == 2);
  CHECK(net.xi_out().rows() == 5);
  CHECK(net.w_out().rows() == 2);
  CHECK(net.w_rec().size() == 0);
  // 2NP + P recurrent parameters instead of N² (B.1)
  CHECK(net.layout()[1].size + net.layout()[2].size + net.layout()[3].size == 2 * 5 * 2 + 2);

  const snn_d full(tiny(mode_neuron::lif, mode_filter::single, mode_readout::per_step, true), seed{1});
  const std::vector<index_t> full_sizes{15, 0, 0, 0, 10, 25};
  for (std::size_t k = 0; k < names.size(); ++k) {
    CHECK(full.layout()[k].name == names[k]);
    CHECK(full.layout()[k].size == full_sizes[k]);
    CHECK(full.layout()[k].trainable == (full_sizes[k] > 0));
  }
  CHECK(full.modes() == 0);
  CHECK(full.w_rec().rows() == 5);
  CHECK(full.recurrent_matrix() == full.w_rec());
}

TEST_CASE("mode_snn: initialisation follows spec B.4 (std values), one seeded stream per block") {
  mode_snn_params p;
  p.n = 300;
  p.n_inputs = 60;
  p.n_outputs = 20;
  p.p = 40;
  const snn_d net(p, seed{3});
  const auto check_normal = [](const auto& m, double sd) {
    const double count = double(m.size());
    CHECK(std::abs(m.mean()) < 5 * sd / std::sqrt(count));
    const double var = m.array().square().mean();
    CHECK(std::abs(var - sd * sd) < 5 * sd * sd * std::sqrt(2.0 / count));
  };
  check_normal(net.w_in(), 1 / std::sqrt(60.0));
  check_normal(net.xi_in(), 1 / std::sqrt(40.0));
  check_normal(net.xi_out(), 1 / std::sqrt(40.0));
  check_normal(net.w_out(), 1 / std::sqrt(20.0));
  // λ has only P = 40 entries: its spread, loosely
  CHECK(std::sqrt(net.lambda().array().square().mean()) == doctest::Approx(1 / std::sqrt(300.0)).epsilon(0.35));
  // the streams: each block from its own purpose
  matrix<double> expect(300, 40);
  rng(seed{3}, purpose::input_modes).fill_normal(expect, 1 / std::sqrt(40.0));
  CHECK(net.xi_in() == expect);
  rng(seed{3}, purpose::output_modes).fill_normal(expect, 1 / std::sqrt(40.0));
  CHECK(net.xi_out() == expect);
  vector<double> l(40);
  rng(seed{3}, purpose::mode_scores).fill_normal(l, 1 / std::sqrt(300.0));
  CHECK(net.lambda() == l);
  // the same seed gives the same network, another seed another
  CHECK(snn_d(p, seed{3}).parameters() == net.parameters());
  CHECK(snn_d(p, seed{4}).parameters() != net.parameters());
  // full rank: W_rec ~ N(0, 1/N), the entry variance of the mode product at P = N
  p.full_rank = true;
  const snn_d full(p, seed{3});
  check_normal(full.w_rec(), 1.0 / 300);
  // the presets
  const auto mnist = mode_snn_params::mnist();
  CHECK(mnist.n == 100);
  CHECK(mnist.p == 3);
  CHECK(mnist.n_inputs == 784);
  CHECK(mnist.n_outputs == 10);
  CHECK(mnist.readout == mode_readout::max_over_time);
  CHECK(mnist.filter == mode_filter::double_mnist);
  const auto mante = mode_snn_params::mante();
  CHECK(mante.n_inputs == 4);
  CHECK(mante.n_outputs == 1);
  CHECK(mante.readout == mode_readout::per_step);
  CHECK(mante.filter == mode_filter::double_mante);
}

TEST_CASE("mode_snn: the constants of spec B.3") {
  const auto k = mode_snn_constants<double>::from(mode_snn_params{});
  CHECK(k.ls == doctest::Approx(0.8187).epsilon(1e-4));
  CHECK(k.lm == doctest::Approx(0.9048).epsilon(1e-4));
  CHECK(k.ld == doctest::Approx(0.9355).epsilon(1e-4));
  CHECK(k.lr == doctest::Approx(0.3679).epsilon(1e-4));
  CHECK(k.ch == doctest::Approx(2e-3 / 30e-3 / 2e-3).epsilon(1e-14));
  CHECK(k.cr == 2e-3);
  CHECK(k.cs == doctest::Approx(2.0 / 30).epsilon(1e-14));
  CHECK(k.v_thr == 1.0);
  CHECK(k.ref == 5.0);
  CHECK(k.t_last0 == -500.0);
  const auto m = mode_snn_constants<double>::from(mode_snn_params::mante());
  CHECK(m.ch == 1.0);
  CHECK(m.cr == doctest::Approx(1 - std::exp(-2.0 / 30)).epsilon(1e-14));
}

TEST_CASE("mode_snn: forward equals a literal scalar transcription of spec B.3 (and of B.2 in the network)") {
  for (const auto neuron : {mode_neuron::lif, mode_neuron::leaky})
    for (const auto filter : {mode_filter::single, mode_filter::double_mnist, mode_filter::double_mante})
      for (const auto readout : {mode_readout::per_step, mode_readout::max_over_time})
        for (const bool full_rank : {false, true})
          for (const auto input : {input_product::sparse, input_product::dense}) {
            CAPTURE(to_string(neuron));
            CAPTURE(to_string(filter));
            CAPTURE(to_string(readout));
            CAPTURE(full_rank);
            CAPTURE(input == input_product::sparse);
            mode_snn_params p = tiny(neuron, filter, readout, full_rank);
            p.n = 6;
            p.n_inputs = 8;
            p.input = input;
            p.leaky.reset = full_rank ? leaky_reset::zero : leaky_reset::subtract;
            snn_d net(p, seed{11});
            const bool lif = neuron == mode_neuron::lif;
            net.w_in() *= lif ? 40.0 : 0.5;  // enough drive to fire and to hit the refractory clamp
            if (full_rank)
              net.w_rec() *= lif ? 40.0 : 5.0;
            else
              net.lambda() *= lif ? 30.0 : 3.0;
            const auto inputs = spike_inputs(8, 60, 2, 12);
            snn_d::tape tp;
            net.forward(std::span<const matrix<double>>(inputs), tp);
            REQUIRE(tp.o.cols() == 120);
            for (index_t b = 0; b < 2; ++b) {
              CAPTURE(b);
              const auto [worst, spikes] =
                  compare(tp, run_b3(net, inputs[std::size_t(b)]), b, readout == mode_readout::max_over_time);
              CHECK(worst < 1e-12);
              CHECK(spikes);
            }
            // the run is not trivial: spikes, silence and refractory steps (lif) or resets (leaky)
            CHECK(tp.s.sum() > 20);
            CHECK(tp.s.sum() < 0.5 * double(tp.s.size()));
            CHECK((tp.gate.array() == (lif ? 0.0 : 1.0)).count() > 20);
            CHECK(tp.r.maxCoeff() > 0);
          }
}

TEST_CASE("mode_snn: a neuron that spikes is held at 0 for the refractory steps, then integrates again") {
  for (int ref : {5, 0, 2}) {
    CAPTURE(ref);
    mode_snn_params p;
    p.n = 1;
    p.n_inputs = 1;
    p.n_outputs = 1;
    p.p = 1;
    p.refractory_steps = ref;
    p.readout = mode_readout::per_step;
    snn_d net(p, seed{1});
    net.w_in()(0, 0) = 25.0;  // strong constant drive
    net.lambda()(0) = 0.0;    // no recurrence
    const std::vector<matrix<double>> x{matrix<double>::Ones(1, 60)};
    snn_d::tape tp;
    net.forward(std::span<const matrix<double>>(x), tp);
    std::vector<index_t> spikes;
    for (index_t t = 0; t < 60; ++t)
      if (tp.s(0, t) == 1.0) spikes.push_back(t);
    REQUIRE(spikes.size() >= 3);
    for (const index_t k : spikes) {
      CAPTURE(k);
      // the step after a spike is reset to 0 by (1 − s); then the clamp holds it for the rest
      // of the refractory period (steps k+1 … k+ref), and the neuron integrates from k+ref+1
      for (index_t j = 1; j <= std::max(ref, 1) && k + j < 60; ++j) CHECK(tp.u(0, k + j) == 0.0);
      for (index_t j = 1; j <= ref && k + j < 60; ++j) CHECK(tp.gate(0, k + j) == 0.0);
      if (k + ref + 1 < 60) {
        CHECK(tp.gate(0, k + ref + 1) == 1.0);
        if (ref > 0) CHECK(tp.u(0, k + ref + 1) > 0.0);
      }
    }
    // with this drive the neuron fires again as soon as it may: at k + ref + 1 (k + 2 with no
    // refractory period, after the reset step)
    for (std::size_t q = 1; q < spikes.size(); ++q) CHECK(spikes[q] - spikes[q - 1] == std::max(ref, 1) + 1);
  }
}

TEST_CASE("mode_snn: the snnTorch Leaky neuron with beta 0.9 and threshold 0.1 reproduces spec B.2 exactly") {
  for (const auto reset : {leaky_reset::subtract, leaky_reset::zero})
    for (const double c : {0.03, 0.011, 0.25}) {
      CAPTURE(c);
      CAPTURE(reset == leaky_reset::subtract);
      mode_snn_params p;
      p.n = 1;
      p.n_inputs = 1;
      p.n_outputs = 1;
      p.p = 1;
      p.neuron = mode_neuron::leaky;
      p.leaky = {.beta = 0.9, .threshold = 0.1, .reset = reset};
      p.readout = mode_readout::per_step;
      snn_d net(p, seed{1});
      net.w_in()(0, 0) = c;
      net.lambda()(0) = 0.0;
      const index_t T = 200;
      const std::vector<matrix<double>> x{matrix<double>::Ones(1, T)};
      snn_d::tape tp;
      net.forward(std::span<const matrix<double>>(x), tp);
      // B.2, non-init_hidden path: reset = S(mem_prev − thr) detached; subtract:
      // mem = β·(mem_prev − reset·thr) + input; zero: mem = (β·mem_prev + input)·(1 − reset);
      // spk = S(mem − thr). init_leaky gives mem = 0.
      double mem = 0;
      int count = 0;
      double mem_ih = 0;
      bool differs = false;
      for (index_t t = 0; t < T; ++t) {
        const double rst = mem - 0.1 > 0 ? 1.0 : 0.0;
        if (reset == leaky_reset::subtract)
          mem = 0.9 * (mem - rst * 0.1) + c;
        else
          mem = (0.9 * mem + c) * (1 - rst);
        const double spk = mem - 0.1 > 0 ? 1.0 : 0.0;
        count += int(spk);
        CHECK(tp.u(0, t) == mem);
        CHECK(tp.s(0, t) == spk);
        CHECK(tp.gate(0, t) == rst);
        // the init_hidden path subtracts thr unscaled: a different neuron
        const double rst_ih = mem_ih - 0.1 > 0 ? 1.0 : 0.0;
        mem_ih = 0.9 * mem_ih + c - rst_ih * 0.1;
        differs = differs || std::abs(mem_ih - mem) > 1e-3;
      }
      CHECK(tp.s.sum() == double(count));
      CHECK(count > 5);
      if (c == 0.011) {  // mem(t) = 0.11·(1 − 0.9^(t+1)) first exceeds 0.1 at t = 22
        CHECK(tp.s.leftCols(22).sum() == 0.0);
        CHECK(tp.s(0, 22) == 1.0);
      }
      if (reset == leaky_reset::subtract) CHECK(differs);
    }
}

TEST_CASE("mode_snn: the low-rank recurrence equals the explicit xi_in diag(lambda) xi_out^T product") {
  mode_snn_params p = tiny(mode_neuron::lif, mode_filter::double_mnist, mode_readout::per_step);
  p.n = 7;
  p.p = 3;
  p.n_inputs = 4;
  snn_d net(p, seed{21});
  net.w_in() *= 30.0;
  net.lambda() *= 40.0;
  // the explicit product, entry by entry
  matrix<double> w(7, 7);
  for (index_t i = 0; i < 7; ++i)
    for (index_t j = 0; j < 7; ++j) {
      double sum = 0;
      for (index_t m = 0; m < 3; ++m) sum += net.xi_in()(i, m) * net.lambda()(m) * net.xi_out()(j, m);
      w(i, j) = sum;
    }
  // the same sums in another order (vectorised products): equal to rounding of the sum's terms
  CHECK((net.recurrent_matrix() - w).cwiseAbs().maxCoeff() < 1e-14 * std::max(1.0, w.cwiseAbs().maxCoeff()));
  // a full-rank network holding that matrix runs the same
  mode_snn_params q = p;
  q.full_rank = true;
  snn_d full(q, seed{21});
  full.w_in() = net.w_in();
  full.w_out() = net.w_out();
  full.w_rec() = w;
  const auto inputs = spike_inputs(4, 50, 2, 22);
  snn_d::tape a, b;
  net.forward(std::span<const matrix<double>>(inputs), a);
  full.forward(std::span<const matrix<double>>(inputs), b);
  CHECK(a.s.sum() > 10);
  CHECK(a.s == b.s);
  CHECK((a.o - b.o).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((a.cur - b.cur).cwiseAbs().maxCoeff() < 1e-12);
  // and the recurrence does matter
  net.lambda().setZero();
  net.forward(std::span<const matrix<double>>(inputs), b);
  CHECK((a.o - b.o).cwiseAbs().maxCoeff() > 1e-3);
}

TEST_CASE("mode_snn: a batch gives each trial the result it has alone, for matrices and events") {
  for (const auto input : {input_product::sparse, input_product::dense})
    for (const auto neuron : {mode_neuron::lif, mode_neuron::leaky}) {
      CAPTURE(input == input_product::sparse);
      CAPTURE(to_string(neuron));
      mode_snn_params p = tiny(neuron, mode_filter::double_mnist, mode_readout::max_over_time);
      p.input = input;
      p.n_inputs = 10;
      snn_d net(p, seed{30});
      net.w_in() *= 20.0;
      net.lambda() *= 20.0;
      const auto inputs = spike_inputs(10, 40, 3, 31);
      snn_d::tape all, one;
      net.forward(std::span<const matrix<double>>(inputs), all);
      CHECK(all.s.sum() > 10);
      for (index_t b = 0; b < 3; ++b) {
        net.forward(std::span<const matrix<double>>(&inputs[std::size_t(b)], 1), one);
        CHECK((trial_of(all.u, 3, b) - one.u).cwiseAbs().maxCoeff() < 1e-13);
        CHECK(trial_of(all.s, 3, b) == one.s);
        CHECK((all.o.col(39 * 3 + b) - one.o.col(39)).cwiseAbs().maxCoeff() < 1e-13);
        CHECK((all.rm.col(b) - one.rm).cwiseAbs().maxCoeff() < 1e-13);
      }
      // pointers in another order
      std::vector<const matrix<double>*> ptrs{&inputs[2], &inputs[0]};
      net.forward(std::span<const matrix<double>* const>(ptrs), one);
      CHECK((trial_of(one.u, 2, 0) - trial_of(all.u, 3, 2)).cwiseAbs().maxCoeff() < 1e-13);
    }
  // spike events run exactly as the 0/1 matrices they stand for, on either input product
  mode_snn_params p = mode_snn_params::mnist();
  p.n = 20;
  p.n_inputs = 50;
  snn_d net(p, seed{32});
  net.w_in() *= 5.0;
  net.lambda() *= 20.0;
  std::vector<spike_events> events;
  std::vector<matrix<double>> dense;
  for (std::uint64_t b = 0; b < 4; ++b) {
    rng g(seed{33}, purpose::spike_encoding, b);
    events.push_back(bernoulli_rate_events(vector<double>::LinSpaced(50, 0.0, 0.5), 30, g));
    dense.push_back(events.back().dense());
  }
  snn_d::tape te, td;
  net.forward(std::span<const spike_events>(events), te);
  net.forward(std::span<const matrix<double>>(dense), td);
  CHECK(te.events);
  CHECK(te.event_product);
  CHECK(te.s.sum() > 10);
  CHECK(te.s == td.s);
  CHECK(te.o == td.o);
  net.set_input_product(input_product::dense);
  net.forward(std::span<const matrix<double>>(dense), td);
  CHECK_FALSE(td.events);
  CHECK(te.s == td.s);
  CHECK((te.o - td.o).cwiseAbs().maxCoeff() < 1e-12);
  snn_d::tape tg;  // events through step-by-step GEMMs
  net.forward(std::span<const spike_events>(events), tg);
  CHECK(tg.events);
  CHECK_FALSE(tg.event_product);
  CHECK(tg.s == td.s);
  CHECK((tg.o - td.o).cwiseAbs().maxCoeff() < 1e-12);
  // and the gradients agree
  const matrix<double> d_o = matrix<double>::Random(10, 30 * 4);
  vector<double> ge = vector<double>::Zero(net.parameters().size()), gd = ge, gg = ge;
  net.backward(te, d_o, ge);
  net.backward(td, d_o, gd);
  net.backward(tg, d_o, gg);
  CHECK((ge - gd).cwiseAbs().maxCoeff() < 1e-12 * gd.cwiseAbs().maxCoeff());
  CHECK((gg - gd).cwiseAbs().maxCoeff() < 1e-12 * gd.cwiseAbs().maxCoeff());
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with fast_sigmoid for every filter, readout and neuron") {
  check_all_configurations<fast_sigmoid>(false, 40);
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with the arctan surrogate") {
  check_all_configurations<arctan>(false, 41);
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with the sigmoid surrogate") {
  check_all_configurations<sigmoid_surrogate>(false, 42);
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with the straight-through estimator") {
  check_all_configurations<straight_through>(false, 43, gentle);
}

TEST_CASE("mode_snn: BPTT gradients match finite differences for a full-rank W_rec") {
  check_all_configurations<fast_sigmoid>(true, 44);
  check_all_configurations<arctan>(true, 45);
  check_all_configurations<sigmoid_surrogate>(true, 46);
  check_all_configurations<straight_through>(true, 50, gentle);
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with the zero reset and through events") {
  for (const auto filter : {mode_filter::single, mode_filter::double_mante}) {
    mode_snn_params p = tiny(mode_neuron::leaky, filter, mode_readout::per_step);
    p.leaky.reset = leaky_reset::zero;
    check_gradients<fast_sigmoid>(p, 50);
    check_gradients<sigmoid_surrogate>(p, 51);
    p.readout = mode_readout::max_over_time;
    check_gradients<arctan>(p, 52);
  }
  // the dense input product's adjoint too (the others ran on the default sparse one)
  mode_snn_params p = tiny(mode_neuron::lif, mode_filter::double_mnist, mode_readout::max_over_time);
  p.input = input_product::dense;
  check_gradients<fast_sigmoid>(p, 53);
}

TEST_CASE("mode_snn: the gradient check catches deliberately broken gradients") {
  mode_snn_params p = tiny(mode_neuron::lif, mode_filter::double_mnist, mode_readout::per_step);
  p.smooth_spikes = true;
  p.v_thr = 0.2;
  snn_d net(p, seed{60});
  strengthen(net, 1.0);
  const auto inputs = uniform_inputs(3, 30, 2, 61);
  rng g(seed{62}, purpose::user);
  const matrix<double> z = matrix<double>::NullaryExpr(2, 60, [&] { return g.uniform(-1, 1); });

  // 1% off on the mode scores' gradient: only that block fails
  const auto scaled = snn_fd_check(net, inputs, z, [&](snn_d::tape& tp, const matrix<double>& d_o, vector<double>& gr) {
    net.backward(tp, d_o, gr);
    const auto& b = net.layout()[2];
    gr.segment(b.offset, b.size) *= 1.01;
  });
  CHECK_FALSE(find_snn_block(scaled, "lambda").ok);
  CHECK(find_snn_block(scaled, "lambda").max_rel > 1e-3);
  CHECK(find_snn_block(scaled, "xi_in").ok);
  CHECK(find_snn_block(scaled, "w_in").ok);

  // the adjoint of another filter (the mante double filter) on this filter's tape
  mode_snn_params w = p;
  w.filter = mode_filter::double_mante;
  snn_d wrong(w, seed{60});
  wrong.parameters() = net.parameters();
  const auto wrong_filter =
      snn_fd_check(net, inputs, z,
               [&](snn_d::tape& tp, const matrix<double>& d_o, vector<double>& gr) { wrong.backward(tp, d_o, gr); });
  CHECK_FALSE(find_snn_block(wrong_filter, "w_in").ok);
  CHECK_FALSE(find_snn_block(wrong_filter, "lambda").ok);
  CHECK(find_snn_block(wrong_filter, "w_out").ok);  // the readout does not go through the filter's adjoint

  // and the correct adjoint passes on the same data
  for (const auto& r : snn_fd_check(net, inputs, z)) CHECK(r.ok);
}

TEST_CASE("mode_snn: backward adds into grad and ignores d_o off the last step with max_over_time") {
  mode_snn_params p = tiny(mode_neuron::lif, mode_filter::single, mode_readout::max_over_time);
  p.smooth_spikes = true;
  p.v_thr = 0.2;
  snn_d net(p, seed{70});
  strengthen(net, 1.0);
  const auto inputs = uniform_inputs(3, 20, 2, 71);
  snn_d::tape tp;
  net.forward(std::span<const matrix<double>>(inputs), tp);
  CHECK(tp.o.leftCols(38).cwiseAbs().maxCoeff() == 0.0);
  matrix<double> d_o = matrix<double>::Zero(2, 40);
  d_o.rightCols(2).setOnes();
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  net.backward(tp, d_o, grad);
  CHECK(grad.cwiseAbs().maxCoeff() > 0.0);
  matrix<double> noisy = d_o;
  noisy.leftCols(38).setConstant(123.0);  // columns that depend on no parameter
  vector<double> again = vector<double>::Zero(net.parameters().size());
  net.backward(tp, noisy, again);
  CHECK((again - grad).cwiseAbs().maxCoeff() == 0.0);
  net.backward(tp, d_o, again);
  CHECK((again - 2 * grad).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("mode_snn: a float network runs the same maths as a double one") {
  mode_snn_params p = tiny(mode_neuron::lif, mode_filter::double_mante, mode_readout::per_step);
  p.smooth_spikes = true;  // no threshold flips between the two precisions
  p.v_thr = 0.2;
  mode_snn<float> nf(p, seed{80});
  strengthen(nf, 1.0);
  snn_d nd(p, seed{80});
  nd.parameters() = nf.parameters().cast<double>();
  const auto inputs = uniform_inputs(3, 40, 2, 81);
  mode_snn<float>::tape tf;
  snn_d::tape td;
  nf.forward(std::span<const matrix<double>>(inputs), tf);
  nd.forward(std::span<const matrix<double>>(inputs), td);
  CHECK((tf.o.cast<double>() - td.o).cwiseAbs().maxCoeff() < 1e-4 * td.o.cwiseAbs().maxCoeff());
  vector<float> gf = vector<float>::Zero(nf.parameters().size());
  vector<double> gd = vector<double>::Zero(nd.parameters().size());
  nf.backward(tf, matrix<float>::Ones(2, 80), gf);
  nd.backward(td, matrix<double>::Ones(2, 80), gd);
  CHECK((gf.cast<double>() - gd).cwiseAbs().maxCoeff() < 1e-4 * gd.cwiseAbs().maxCoeff());
}

TEST_CASE("mode_snn: spikernn::fit trains it (sequence_model) and the loss falls") {
  // a toy classification: which of two input channels fires more
  mode_snn_params p;
  p.n = 20;
  p.n_inputs = 2;
  p.n_outputs = 2;
  p.p = 2;
  snn_d net(p, seed{100});
  std::vector<sequence_sample> data;
  for (std::uint64_t k = 0; k < 40; ++k) {
    const int label = int(k % 2);
    vector<double> rate(2);
    rate << (label == 0 ? 0.8 : 0.1), (label == 0 ? 0.1 : 0.8);
    rng g(seed{101}, purpose::spike_encoding, k);
    data.push_back({bernoulli_rate_encode(rate, 25, g), matrix<double>(), label});
  }
  adam opt({.lr = 0.02});
  const auto res = fit(net, std::span<const sequence_sample>(data), opt,
                       {.epochs = 15, .batch = 10, .loss = sequence_loss::cross_entropy_last, .seed = seed{102}});
  REQUIRE(res.losses.size() == 15);
  CHECK(res.losses.back() < 0.8 * res.losses.front());
}

TEST_CASE("mode_snn: bad parameters and shapes are refused naming the parameter") {
  const auto make = [](auto change) {
    mode_snn_params p = tiny(mode_neuron::lif, mode_filter::single, mode_readout::per_step);
    change(p);
    return [p] { snn_d(p, seed{}); };
  };
  CHECK(refused(make([](mode_snn_params& p) { p.n = 0; })) == "n");
  CHECK(refused(make([](mode_snn_params& p) { p.n_inputs = 0; })) == "n_inputs");
  CHECK(refused(make([](mode_snn_params& p) { p.n_outputs = -1; })) == "n_outputs");
  CHECK(refused(make([](mode_snn_params& p) { p.p = 0; })) == "p");
  CHECK(refused(make([](mode_snn_params& p) {
          p.p = 0;
          p.full_rank = true;
        })) == "");
  CHECK(refused(make([](mode_snn_params& p) { p.dt = 0; })) == "dt");
  CHECK(refused(make([](mode_snn_params& p) { p.tau_s = -1; })) == "tau_s");
  CHECK(refused(make([](mode_snn_params& p) { p.tau_m = 0; })) == "tau_m");
  CHECK(refused(make([](mode_snn_params& p) { p.tau_d = 0; })) == "tau_d");
  CHECK(refused(make([](mode_snn_params& p) { p.tau_r = 0; })) == "tau_r");
  CHECK(refused(make([](mode_snn_params& p) { p.refractory_steps = -1; })) == "refractory_steps");
  CHECK(refused(make([](mode_snn_params& p) { p.v_thr = std::nan(""); })) == "v_thr");
  CHECK(refused(make([](mode_snn_params& p) { p.leaky.beta = 1.5; })) == "beta");
  CHECK(refused(make([](mode_snn_params& p) { p.leaky.threshold = INFINITY; })) == "threshold");

  snn_d net(tiny(mode_neuron::lif, mode_filter::single, mode_readout::per_step), seed{1});
  snn_d::tape tp;
  const auto wrong_rows = uniform_inputs(2, 5, 1, 1);
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(wrong_rows), tp); }) == "inputs");
  std::vector<matrix<double>> ragged = uniform_inputs(3, 5, 2, 1);
  ragged[1] = matrix<double>::Zero(3, 6);
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(ragged), tp); }) == "inputs");
  CHECK(refused([&] { net.forward(std::span<const matrix<double>>(), tp); }) == "inputs");
  spike_events bad;
  bad.channels = 3;
  bad.steps = 2;
  bad.start = {0, 1, 2};
  bad.index = {0, 3};  // channel 3 of 3
  CHECK(refused([&] { net.forward(std::span<const spike_events>(&bad, 1), tp); }) == "inputs");
  bad.index = {0, 2};
  bad.start = {0, 3, 2};  // decreasing offsets (the last one right)
  CHECK(refused([&] { net.forward(std::span<const spike_events>(&bad, 1), tp); }) == "inputs");
  bad.start = {0, 1, 2};
  bad.channels = 4;
  CHECK(refused([&] { net.forward(std::span<const spike_events>(&bad, 1), tp); }) == "inputs");
  bad.channels = 3;
  net.forward(std::span<const spike_events>(&bad, 1), tp);
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  CHECK(refused([&] { net.backward(tp, matrix<double>::Zero(2, 3), grad); }) == "d_o");
  vector<double> short_grad = vector<double>::Zero(3);
  CHECK(refused([&] { net.backward(tp, matrix<double>::Zero(2, 2), short_grad); }) == "grad");
}

namespace {
/// B trials of events whose images are uniform in [lo, hi] (density ≈ (lo + hi)/2).
std::vector<spike_events> events_of_density(index_t n_in, index_t T, index_t B, double lo, double hi, std::uint64_t s) {
  std::vector<spike_events> ev;
  for (index_t b = 0; b < B; ++b) {
    rng g(seed{s}, purpose::spike_encoding, std::uint64_t(b));
    const vector<double> img = vector<double>::NullaryExpr(n_in, [&] { return g.uniform(lo, hi); });
    ev.push_back(bernoulli_rate_events(img, T, g));
  }
  return ev;
}

/// forward over `in` and backward with a fixed d_o, on a fresh tape or the one given.
template <class Net, class In>
void run_with(const Net& net, const In& in, typename Net::tape& tp, vector<typename Net::scalar>& grad) {
  using S = typename Net::scalar;
  net.forward(std::span<const typename In::value_type>(in), tp);
  const matrix<S> d_o = matrix<double>::NullaryExpr(tp.o.rows(), tp.o.cols(), [](index_t r, index_t c) {
                          return std::sin(0.7 * double(r) + 0.3 * double(c));
                        }).template cast<S>();
  grad = vector<S>::Zero(net.parameters().size());
  net.backward(tp, d_o, grad);
}
}  // namespace

TEST_CASE("mode_snn: input_product::automatic follows the density and gives the numbers of the path it picks") {
  CHECK(mode_snn_params{}.input == input_product::automatic);
  CHECK(mode_snn_params::mnist().input == input_product::automatic);
  // 150 neurons: several register blocks of the event kernels; T·B = 3·37 columns: a partial
  // group in the W_in gradient
  mode_snn_params p = mode_snn_params::mnist();
  p.n = 150;
  p.n_inputs = 60;
  for (const auto& [lo, hi, sparse_expected] : {std::tuple{0.0, 0.3, true}, std::tuple{0.7, 1.0, false}}) {
    CAPTURE(lo);
    const auto events = events_of_density(60, 37, 3, lo, hi, 40);
    std::vector<matrix<double>> dense;
    for (const auto& e : events) dense.push_back(e.dense());
    snn_d net(p, seed{41});
    net.w_in() *= 5.0;
    net.lambda() *= 20.0;
    snn_d::tape ta, ts, td;
    vector<double> ga, gs, gd;
    run_with(net, events, ta, ga);
    CHECK(ta.events);
    CHECK(ta.event_product == sparse_expected);
    CHECK(ta.s.sum() > 10);
    net.set_input_product(input_product::sparse);
    run_with(net, events, ts, gs);
    CHECK(ts.event_product);
    net.set_input_product(input_product::dense);
    run_with(net, events, td, gd);
    CHECK_FALSE(td.event_product);
    // automatic is exactly the path it picked, and within rounding of the other
    const snn_d::tape& same = sparse_expected ? ts : td;
    const vector<double>& g_same = sparse_expected ? gs : gd;
    CHECK(ta.s == same.s);
    CHECK(ta.o == same.o);
    CHECK(ga == g_same);
    CHECK(ts.s == td.s);
    CHECK((ts.o - td.o).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((gs - gd).cwiseAbs().maxCoeff() < 1e-12 * gd.cwiseAbs().maxCoeff());
    // 0/1 matrices: automatic takes events (sparse) or the one GEMM (dense)
    net.set_input_product(input_product::automatic);
    snn_d::tape tm, tmd;
    vector<double> gm, gmd;
    run_with(net, dense, tm, gm);
    CHECK(tm.events == sparse_expected);
    net.set_input_product(sparse_expected ? input_product::sparse : input_product::dense);
    run_with(net, dense, tmd, gmd);
    CHECK(tm.o == tmd.o);
    CHECK(gm == gmd);
    CHECK(tm.s == ts.s);
    CHECK((tm.o - ts.o).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("mode_snn: the event-driven product with analog values and in float agrees with the GEMM") {
  // sparse matrices of values in {0, 0.4, 1.3}: the products by the values are not skipped
  mode_snn_params p = mode_snn_params::mnist();
  p.n = 37;
  p.n_inputs = 45;
  std::vector<matrix<double>> in;
  rng g(seed{50}, purpose::user);
  for (int b = 0; b < 5; ++b)
    in.push_back(matrix<double>::NullaryExpr(45, 33, [&] {
      const double u = g.uniform();
      return u < 0.1 ? 0.4 : u < 0.2 ? 1.3 : 0.0;
    }));
  snn_d net(p, seed{51});
  net.w_in() *= 8.0;
  net.lambda() *= 20.0;
  net.set_input_product(input_product::sparse);
  snn_d::tape ts, td;
  vector<double> gs, gd;
  run_with(net, in, ts, gs);
  CHECK(ts.events);
  CHECK_FALSE(ts.unit_values);
  CHECK(ts.s.sum() > 10);
  net.set_input_product(input_product::dense);
  run_with(net, in, td, gd);
  CHECK(ts.s == td.s);
  CHECK((ts.o - td.o).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((gs - gd).cwiseAbs().maxCoeff() < 1e-12 * gd.cwiseAbs().maxCoeff());
  // float, spike events: the two products differ by float rounding only
  mode_snn_params pf = mode_snn_params::mnist();
  pf.n = 100;
  pf.n_inputs = 80;
  pf.smooth_spikes = true;  // no threshold flips between the two roundings
  mode_snn<float> nf(pf, seed{52});
  const auto events = events_of_density(80, 40, 6, 0.0, 0.4, 53);
  mode_snn<float>::tape fs, fd;
  vector<float> hs, hd;
  nf.set_input_product(input_product::sparse);
  run_with(nf, events, fs, hs);
  nf.set_input_product(input_product::dense);
  run_with(nf, events, fd, hd);
  CHECK((fs.o - fd.o).cwiseAbs().maxCoeff() < 1e-5f * (1 + fd.o.cwiseAbs().maxCoeff()));
  CHECK((hs - hd).cwiseAbs().maxCoeff() < 1e-4f * hd.cwiseAbs().maxCoeff());
}

TEST_CASE("mode_snn: a reused tape gives the numbers of a fresh one, across shapes and paths") {
  for (const auto neuron : {mode_neuron::lif, mode_neuron::leaky})
    for (const auto filter : {mode_filter::single, mode_filter::double_mnist})
      for (const auto readout : {mode_readout::max_over_time, mode_readout::per_step}) {
        CAPTURE(to_string(neuron));
        CAPTURE(to_string(filter));
        CAPTURE(to_string(readout));
        mode_snn_params p = tiny(neuron, filter, readout);
        p.n_inputs = 30;
        snn_d net(p, seed{60});
        net.w_in() *= 10.0;
        net.lambda() *= 20.0;
        const auto big = events_of_density(30, 40, 5, 0.0, 0.6, 61);
        const auto small = events_of_density(30, 25, 2, 0.0, 0.3, 62);
        snn_d::tape reused;
        vector<double> g;
        run_with(net, big, reused, g);  // larger shapes first
        for (const auto input : {input_product::dense, input_product::sparse, input_product::automatic}) {
          net.set_input_product(input);
          run_with(net, small, reused, g);
          snn_d::tape fresh;
          vector<double> gf;
          run_with(net, small, fresh, gf);
          CHECK(reused.s == fresh.s);
          CHECK(reused.u == fresh.u);
          CHECK(reused.o == fresh.o);
          CHECK(g == gf);
        }
      }
}

TEST_CASE("mode_snn: BPTT gradients match finite differences with many modes (the GEMM form of the N x P products)") {
  for (const auto neuron : {mode_neuron::lif, mode_neuron::leaky}) {
    CAPTURE(to_string(neuron));
    mode_snn_params p = tiny(neuron, mode_filter::double_mnist, mode_readout::max_over_time);
    p.n = 10;
    p.p = 10;  // above mode_snn's thin_modes on both sides of every N × P product
    check_gradients<fast_sigmoid>(p, 43);
  }
}
