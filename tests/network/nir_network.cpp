#include <spikernn/network/lif_network.hpp>
#include <spikernn/network/nir_network.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

using namespace spikernn;

namespace {

nir::tensor nirnet_scalar(double v) { return nir::tensor::scalar(v); }
nir::tensor nirnet_vec(const array<double>& a) { return nir::tensor::vec(a, nir::dtype::float64); }
nir::tensor nirnet_mat(const matrix<double>& m) { return nir::tensor::mat(m, nir::dtype::float64); }

nir::node nirnet_node(const std::string& type, std::map<std::string, nir::tensor> params, nir::metadata_map md = {}) {
  return {type, std::move(params), std::move(md), nullptr};
}
nir::node nirnet_io(const std::string& type, index_t width) {
  return nirnet_node(type, {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(double(width)), nir::dtype::int64)}});
}

/// The message of the invalid_parameter f() throws ("" when none).
template <class F>
std::string nirnet_message(F&& f) {
  try {
    f();
  } catch (const invalid_parameter& e) {
    return e.what();
  }
  return "";
}

bool nirnet_has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A small LIF network of spikernn (leaky_if defaults, no noise) with random weights that
/// make some units fire and the recurrence matter; tau_r = 0 selects the single exponential.
lif_network<double> nirnet_lif(double tau_r) {
  const index_t n = 30, m = 2;
  rng g(seed{11}, purpose::user, 0);
  const matrix<double> w = matrix<double>::NullaryExpr(n, n, [&] { return 0.02 * g.normal(); });
  const matrix<double> w_in = matrix<double>::NullaryExpr(n, m, [&] { return 10.0 * g.normal(); });
  const row_vector<double> w_out = row_vector<double>::NullaryExpr(n, [&] { return g.normal(); });
  const array<double> tau_d = array<double>::NullaryExpr(n, [&] { return g.uniform(0.02, 0.1); });
  lif_params p;
  p.noise_mv = 0;
  p.tau_r = tau_r;
  lif_network<double> net(w, w_in, w_out, tau_d, p);
  net.set_readout(w_out, 0.25);
  return net;
}

/// `net` as a NIR graph. The synapse W·s → IPSC is one LI (τ_d, r = 1) for the single
/// exponential, two for the double one with gains (r_rise, r_decay) per unit: (1/τ_d, τ_d)
/// gives the IPSC to the bit, (1, 1) (what convert/lif_nir.hpp writes) the same to rounding.
nir::graph nirnet_graph_of(const lif_network<double>& net, bool unit_gains = false) {
  const lif_params& p = net.params();
  const index_t n = net.size();
  const array<double> tau_d = net.tau_d();
  nir::graph g;
  g.add("input", nirnet_io("Input", net.n_inputs()));
  g.add("w_in", nirnet_node("Affine", {{"weight", nirnet_mat(net.w_in())}, {"bias", nirnet_scalar(0)}}));
  g.add("lif", nirnet_node("LIF",
                           {{"tau", nirnet_scalar(p.tau_m)},
                            {"r", nirnet_scalar(1)},
                            {"v_leak", nirnet_scalar(p.bias)},
                            {"v_threshold", nirnet_scalar(p.v_peak)},
                            {"v_reset", nirnet_scalar(p.v_reset)}},
                           {{"t_ref", nirnet_scalar(p.t_ref)},
                            {"v_init_low", nirnet_scalar(p.v_init_lo)},
                            {"v_init_high", nirnet_scalar(p.v_init_hi)}}));
  g.add("w_rec", nirnet_node("Affine", {{"weight", nirnet_mat(net.w())}, {"bias", nirnet_vec(array<double>::Zero(n))}}));
  g.add("w_out", nirnet_node("Affine", {{"weight", nirnet_mat(net.w_out())}, {"bias", nirnet_scalar(net.b_out())}}));
  g.add("output", nirnet_io("Output", 1));
  g.connect("input", "w_in");
  g.connect("w_in", "lif");
  g.connect("lif", "w_rec");
  g.connect("w_out", "output");
  for (const std::string chain : {"syn", "rate"}) {
    const std::string from = chain == "syn" ? "w_rec" : "lif", to = chain == "syn" ? "lif" : "w_out";
    const array<double> r_decay = p.tau_r > 0 && !unit_gains ? tau_d : array<double>::Ones(n);
    g.add(chain + "_decay", nirnet_node("LI", {{"tau", nirnet_vec(tau_d)}, {"r", nirnet_vec(r_decay)}, {"v_leak", nirnet_scalar(0)}}));
    if (p.tau_r > 0) {
      const array<double> r_rise = unit_gains ? array<double>::Ones(n) : (1.0 / tau_d).eval();
      g.add(chain + "_rise", nirnet_node("LI", {{"tau", nirnet_scalar(p.tau_r)}, {"r", nirnet_vec(r_rise)}, {"v_leak", nirnet_scalar(0)}}));
      g.connect(from, chain + "_rise");
      g.connect(chain + "_rise", chain + "_decay");
    } else {
      g.connect(from, chain + "_decay");
    }
    g.connect(chain + "_decay", to);
  }
  return g;
}

/// Steps `net` and its graph side by side on the same input and initial voltages; checks that
/// they fire the same units at every step and that the outputs agree to `rel` of the output's
/// scale (the size of the terms it sums). Returns the number of spikes.
long nirnet_compare_with_lif(lif_network<double>& net, const nir::graph& graph, long steps, double rel) {
  nir_network<double> sim(graph, net.params().step());
  REQUIRE(sim.n_inputs() == 2);
  REQUIRE(sim.n_outputs() == 1);
  rng g_net(seed{5}, purpose::spiking_trial, 0), g_sim(seed{5}, purpose::spiking_trial, 0);
  net.reset(g_net);
  sim.reset(g_sim);
  long total = 0, first_mismatch = -1;
  double worst = 0, largest_ipsc = 0;
  for (long i = 0; i < steps; ++i) {
    const double t = double(i) * net.params().step();
    vector<double> u(2);
    u << 0.5 + 0.5 * std::sin(2 * std::numbers::pi * 5 * t), i < steps / 2 ? 0.0 : 0.8;
    net.set_input(net.w_in() * u);
    net.step(g_net);
    sim.set_input(u);
    sim.step(g_sim);
    if (first_mismatch < 0 && net.spiked() != sim.spiked("lif")) first_mismatch = i;
    total += long(net.spiked().size());
    const double scale = (net.w_out().array().abs() * net.rates().transpose().array().abs()).sum() + std::abs(net.b_out());
    worst = std::max(worst, std::abs(sim.output()[0] - net.output()) / scale);
    largest_ipsc = std::max(largest_ipsc, net.currents().abs().maxCoeff());
    net.reset_spiked();
  }
  CHECK(first_mismatch == -1);
  CHECK(largest_ipsc > 1);  // mV: the recurrence moves the membranes
  CAPTURE(worst);
  CHECK(worst <= rel);
  return total;
}

/// Input(1) → node → Output(1), the node named "x".
nir::graph nirnet_single(const nir::node& x) {
  nir::graph g;
  g.add("input", nirnet_io("Input", 1));
  g.add("x", x);
  g.add("output", nirnet_io("Output", 1));
  g.connect("input", "x");
  g.connect("x", "output");
  return g;
}

/// An input that makes a threshold-0.5 IF node (r = 1) fire at exactly the given steps
/// (1-based): 1/dt for one step integrates to 1.
matrix<double> nirnet_pulses(index_t width, index_t steps, const std::vector<std::pair<index_t, index_t>>& at, double dt) {
  matrix<double> u = matrix<double>::Zero(width, steps);
  for (auto [unit, step] : at) u(unit, step - 1) = 1 / dt;
  return u;
}
nir::node nirnet_driver() {
  return nirnet_node("IF", {{"r", nirnet_scalar(1)}, {"v_threshold", nirnet_scalar(0.5)}});
}

}  // namespace

TEST_CASE("nir_network: spikernn's LIF network with the double-exponential synapse, as a graph") {
  // The same spikes at every step, outputs equal to a few roundings of the terms they sum:
  // with gains (1/τ_d, τ_d) only the rise stage's r/τ = (1/τ_d)/τ_r rounds differently from
  // spikernn's 1/(τ_r·τ_d), and the membrane sums its currents in another order.
  auto net = nirnet_lif(0.002);
  const long spikes = nirnet_compare_with_lif(net, nirnet_graph_of(net), 6000, 1e-13);
  CHECK(spikes > 200);  // about 30 Hz a unit over 0.3 s
  // (1, 1): the same synapse in other units (y₁ = τ_d·h)
  CHECK(nirnet_compare_with_lif(net, nirnet_graph_of(net, true), 6000, 1e-13) == spikes);
}

TEST_CASE("nir_network: spikernn's LIF network with the single-exponential synapse (tau_r = 0), as a graph") {
  // ipsc = ipsc·e^{−dt/τ_d} + W·s/τ_d is one LI stage (τ_d, r = 1, v_leak 0): v·e + (1/τ_d)·(dt·0 + W·s)
  auto net = nirnet_lif(0);
  CHECK(nirnet_compare_with_lif(net, nirnet_graph_of(net), 6000, 1e-13) > 200);
}

TEST_CASE("nir_network: LI step response against the discrete map and the exponential") {
  const double tau = 0.02, r = 2.0, v_leak = 0.5, c = 1.5, dt = 1e-3;
  const auto g = nirnet_single(nirnet_node("LI", {{"tau", nirnet_scalar(tau)}, {"r", nirnet_scalar(r)}, {"v_leak", nirnet_scalar(v_leak)}}));
  const index_t steps = 200;
  rng gen(seed{1}, purpose::user, 0);
  nir_network<double> sim(g, dt);
  const matrix<double> y = sim.run(matrix<double>::Constant(1, steps, c), gen);
  const matrix<double> rest = sim.run(matrix<double>::Zero(1, steps), gen);
  nir_network<float> simf(g, dt);
  const matrix<float> yf = simf.run(matrix<double>::Constant(1, steps, c), gen);
  const double e = std::exp(-dt / tau);
  for (index_t n = 1; n <= steps; ++n) {
    CAPTURE(n);
    const double en = std::pow(e, double(n)), t = double(n) * dt;
    // the map v_n = v_{n−1}·e + (1 − e)·v_leak + r/τ·dt·c, summed
    const double discrete = v_leak * (1 - en) + r * dt * c / tau * (1 - en) / (1 - e);
    CHECK(std::abs(y(0, n - 1) - discrete) <= 1e-13 * double(n) * std::abs(discrete));
    CHECK(std::abs(yf(0, n - 1) - discrete) <= 1e-6 * double(n) * std::abs(discrete));
    // the leak alone is the exponential itself; the input term, dt·c for (1 − e)·τ·c, differs
    // from it by a factor (dt/τ)/(1 − e) = 1 + dt/(2τ) + …
    const double exact = (v_leak + r * c) * (1 - std::exp(-t / tau));
    CHECK(std::abs(rest(0, n - 1) - v_leak * (1 - std::exp(-t / tau))) <= 1e-13 * double(n));
    CHECK(std::abs(y(0, n - 1) - exact) <= dt / tau * r * c * (1 - std::exp(-t / tau)));
  }
}

TEST_CASE("nir_network: CubaLI response to one impulse in closed form") {
  // IF driver (fires at step k0) → Linear(w) → CubaLI: the synapse jumps by q = w_in·w/τ_syn at
  // step k0, I_m = q·e_s^{m−k0}; the membrane v_n = v_{n−1}·e_m + r/τ_mem·dt·I_{n−1} sums to
  // v_n = r·dt·q/τ_mem · (e_m^{n−k0} − e_s^{n−k0}) / (e_m − e_s)
  const double dt = 5e-4, tau_syn = 0.005, tau_mem = 0.02, r = 1.5, w_in = 0.8, w = 2.5;
  const index_t k0 = 7, steps = 300;
  nir::graph g;
  g.add("input", nirnet_io("Input", 1));
  g.add("drive", nirnet_driver());
  g.add("w", nirnet_node("Linear", {{"weight", nirnet_mat(matrix<double>::Constant(1, 1, w))}}));
  g.add("cuba", nirnet_node("CubaLI", {{"tau_syn", nirnet_scalar(tau_syn)},
                                       {"tau_mem", nirnet_scalar(tau_mem)},
                                       {"r", nirnet_scalar(r)},
                                       {"v_leak", nirnet_scalar(0)},
                                       {"w_in", nirnet_scalar(w_in)}}));
  g.add("output", nirnet_io("Output", 1));
  for (auto [a, b] : {std::pair{"input", "drive"}, {"drive", "w"}, {"w", "cuba"}, {"cuba", "output"}}) g.connect(a, b);
  nir_network<double> sim(g, dt);
  rng gen(seed{1}, purpose::user, 0);
  const matrix<double> y = sim.run(nirnet_pulses(1, steps, {{0, k0}}, dt), gen);
  const double es = std::exp(-dt / tau_syn), em = std::exp(-dt / tau_mem), q = w_in * w / tau_syn;
  for (index_t n = 1; n <= steps; ++n) {
    CAPTURE(n);
    const double expected = n <= k0 ? 0.0
                                    : r * dt * q / tau_mem * (std::pow(em, double(n - k0)) - std::pow(es, double(n - k0))) / (em - es);
    CHECK(std::abs(y(0, n - 1) - expected) <= 1e-12 * (std::abs(expected) + 1e-300));
  }
}

TEST_CASE("nir_network: CubaLIF driven by an impulse train fires where the hand calculation does") {
  const double dt = 1e-3, tau_syn = 0.005, tau_mem = 0.01, r = 2.0, w_in = 1.0, w = 0.004, theta = 1.0, v_reset = -0.2;
  const std::vector<index_t> train{5, 12, 20, 21, 22, 40, 41, 42, 43, 60};
  const index_t steps = 100;
  nir::graph g;
  g.add("input", nirnet_io("Input", 1));
  g.add("drive", nirnet_driver());
  g.add("w", nirnet_node("Linear", {{"weight", nirnet_mat(matrix<double>::Constant(1, 1, w))}}));
  g.add("cell", nirnet_node("CubaLIF", {{"tau_syn", nirnet_scalar(tau_syn)},
                                        {"tau_mem", nirnet_scalar(tau_mem)},
                                        {"r", nirnet_scalar(r)},
                                        {"v_leak", nirnet_scalar(0)},
                                        {"w_in", nirnet_scalar(w_in)},
                                        {"v_threshold", nirnet_scalar(theta)},
                                        {"v_reset", nirnet_scalar(v_reset)}}));
  g.add("output", nirnet_io("Output", 1));
  for (auto [a, b] : {std::pair{"input", "drive"}, {"drive", "w"}, {"w", "cell"}, {"cell", "output"}}) g.connect(a, b);
  std::vector<std::pair<index_t, index_t>> pulses;
  for (index_t k : train) pulses.emplace_back(0, k);
  nir_network<double> sim(g, dt);
  rng gen(seed{1}, purpose::user, 0);
  const matrix<double> y = sim.run(nirnet_pulses(1, steps, pulses, dt), gen);

  // By hand: the synaptic current after step m is the sum of the impulses' decaying jumps,
  // I_m = Σ_{k ≤ m} (w_in·w/τ_syn)·e_s^{m−k}; the membrane takes the current from the step before.
  const double es = std::exp(-dt / tau_syn), q = w_in * w / tau_syn, a = dt / tau_mem;
  auto current = [&](index_t m) {
    double sum = 0;
    for (index_t k : train)
      if (k <= m) sum += q * std::pow(es, double(m - k));
    return sum;
  };
  std::vector<index_t> expected, fired;
  double v = 0, margin = std::numeric_limits<double>::infinity();
  for (index_t n = 1; n <= steps; ++n) {
    v += a * (0 - v + r * current(n - 1));
    margin = std::min(margin, std::abs(v - theta));
    if (v > theta) {
      expected.push_back(n);
      v = v_reset;
    }
    if (y(0, n - 1) != 0) fired.push_back(n);
    CHECK((y(0, n - 1) == 0 || y(0, n - 1) == 1));
  }
  CHECK(margin > 1e-9);  // no step decided by rounding
  CHECK(expected.size() >= 2);
  CHECK(expected.size() < train.size());  // single impulses stay below threshold, bursts cross it
  CHECK(fired == expected);
}

TEST_CASE("nir_network: Linear, Scale, Affine and Identity chains, continuous and impulse") {
  const double dt = 1e-3;
  rng gen(seed{2}, purpose::user, 0);
  auto rnd = [&](index_t r, index_t c) { return matrix<double>(matrix<double>::NullaryExpr(r, c, [&] { return gen.normal(); })); };
  SUBCASE("continuous: an output is the instantaneous map of this step's input, edges summed") {
    const matrix<double> w1 = rnd(2, 3), a = rnd(2, 2), b2m = rnd(2, 3);
    const array<double> s{{2.0, -0.5}}, b = rnd(2, 1).array(), b2 = rnd(2, 1).array();
    nir::graph g;
    g.add("input", nirnet_io("Input", 3));
    g.add("lin", nirnet_node("Linear", {{"weight", nirnet_mat(w1)}}));
    g.add("scale", nirnet_node("Scale", {{"scale", nirnet_vec(s)}}));
    g.add("aff", nirnet_node("Affine", {{"weight", nirnet_mat(a)}, {"bias", nirnet_vec(b)}}));
    g.add("triple", nirnet_node("Scale", {{"scale", nirnet_scalar(3)}}));  // width 2 from its neighbours
    g.add("aff2", nirnet_node("Affine", {{"weight", nirnet_mat(b2m)}, {"bias", nirnet_vec(b2)}}));
    g.add("same", nirnet_node("Identity", {}));
    g.add("output", nirnet_io("Output", 2));
    for (auto [x, y] : {std::pair{"input", "lin"}, {"lin", "scale"}, {"scale", "aff"}, {"aff", "triple"}, {"triple", "output"},
                        {"input", "aff2"}, {"aff2", "same"}, {"same", "output"}})
      g.connect(x, y);
    nir_network<double> sim(g, dt);
    CHECK(sim.n_inputs() == 3);
    CHECK(sim.n_outputs() == 2);
    CHECK(sim.spiking_nodes().empty());
    const matrix<double> u = rnd(3, 5);
    const matrix<double> y = sim.run(u, gen);
    for (index_t t = 0; t < u.cols(); ++t) {
      const vector<double> first = 3 * (a * (s * (w1 * u.col(t)).array()).matrix() + b.matrix());
      const vector<double> second = b2m * u.col(t) + b2.matrix();
      const vector<double> expected = first + second;
      const double scale = first.cwiseAbs().maxCoeff() + second.cwiseAbs().maxCoeff();
      CHECK((y.col(t) - expected).cwiseAbs().maxCoeff() <= 1e-14 * scale);
    }
  }
  SUBCASE("impulses take the linear part, the bias stays a continuous current") {
    // IF drivers → Scale(s) → Affine(W, b) → I (r): v_n = r ⊙ (n·dt·b + W·(s ⊙ spike counts))
    const matrix<double> w = rnd(3, 2);
    const array<double> s{{2.0, 3.0}}, b{{0.5, -1.0, 2.0}}, r{{1.0, 0.5, 2.0}};
    nir::graph g;
    g.add("input", nirnet_io("Input", 2));
    g.add("drive", nirnet_driver());
    g.add("scale", nirnet_node("Scale", {{"scale", nirnet_vec(s)}}));
    g.add("aff", nirnet_node("Affine", {{"weight", nirnet_mat(w)}, {"bias", nirnet_vec(b)}}));
    g.add("acc", nirnet_node("I", {{"r", nirnet_vec(r)}}));
    g.add("output", nirnet_io("Output", 3));
    for (auto [x, y] : {std::pair{"input", "drive"}, {"drive", "scale"}, {"scale", "aff"}, {"aff", "acc"}, {"acc", "output"}})
      g.connect(x, y);
    nir_network<double> sim(g, dt);
    CHECK(sim.spiking_nodes() == std::vector<std::string>{"drive"});
    const index_t steps = 30;
    const auto u = nirnet_pulses(2, steps, {{0, 3}, {1, 3}, {0, 10}, {1, 17}, {1, 25}}, dt);
    sim.reset(gen);
    array<double> counts = array<double>::Zero(2);
    for (index_t n = 1; n <= steps; ++n) {
      sim.set_input(u.col(n - 1));
      sim.step(gen);
      for (index_t j : sim.spiked("drive")) counts[j] += 1;
      CHECK(counts.sum() == double((u.leftCols(n).array() != 0).count()));
      const array<double> expected = r * (double(n) * dt * b + (w * (s * counts).matrix()).array());
      CHECK((sim.output().array() - expected).abs().maxCoeff() <= 1e-13 * (expected.abs().maxCoeff() + 1));
    }
  }
}

TEST_CASE("nir_network: a recurrent NIRGraph subgraph simulates as its flattened form") {
  // snnTorch's recurrent layer: a subgraph Input → LIF, LIF → Linear(rec) → LIF, LIF → Output
  const index_t n = 12, m = 3;
  rng gen(seed{3}, purpose::user, 0);
  const matrix<double> w_in = matrix<double>::NullaryExpr(n, m, [&] { return gen.uniform(0, 3); });
  const matrix<double> w_rec = matrix<double>::NullaryExpr(n, n, [&] { return 0.004 * gen.normal(); });
  const matrix<double> w_out = matrix<double>::NullaryExpr(2, n, [&] { return gen.normal(); });
  const array<double> r = array<double>::NullaryExpr(n, [&] { return gen.uniform(0.8, 1.2); });
  const nir::node lif = nirnet_node("LIF", {{"tau", nirnet_scalar(0.01)},  // broadcast: width from the edges
                                            {"r", nirnet_vec(r)},
                                            {"v_leak", nirnet_scalar(0)},
                                            {"v_threshold", nirnet_scalar(1)}});
  const nir::node rec = nirnet_node("Linear", {{"weight", nirnet_mat(w_rec)}});
  auto outer = [&](nir::graph& g) {
    g.add("input", nirnet_io("Input", m));
    g.add("fc1", nirnet_node("Affine", {{"weight", nirnet_mat(w_in)}, {"bias", nirnet_scalar(0.1)}}));
    g.add("fc2", nirnet_node("Affine", {{"weight", nirnet_mat(w_out)}, {"bias", nirnet_scalar(-0.3)}}));
    g.add("li", nirnet_node("LI", {{"tau", nirnet_scalar(0.02)}, {"r", nirnet_scalar(1)}, {"v_leak", nirnet_scalar(0)}}));
    g.add("output", nirnet_io("Output", 2));
    g.connect("input", "fc1");
    g.connect("fc2", "li");
    g.connect("li", "output");
  };
  nir::graph nested;
  outer(nested);
  auto sub = std::make_shared<nir::graph>();
  sub->add("input", nirnet_io("Input", n));
  sub->add("lif", lif);
  sub->add("w_rec", rec);
  sub->add("output", nirnet_io("Output", n));
  for (auto [x, y] : {std::pair{"input", "lif"}, {"lif", "w_rec"}, {"w_rec", "lif"}, {"lif", "output"}}) sub->connect(x, y);
  nested.add("rec", nirnet_node("NIRGraph", {})).subgraph = sub;
  nested.connect("fc1", "rec");
  nested.connect("rec", "fc2");

  nir::graph flat;  // written by hand
  outer(flat);
  flat.add("rec.lif", lif);
  flat.add("rec.w_rec", rec);
  for (auto [x, y] : {std::pair{"fc1", "rec.lif"}, {"rec.lif", "rec.w_rec"}, {"rec.w_rec", "rec.lif"}, {"rec.lif", "fc2"}}) flat.connect(x, y);

  const double dt = 1e-3;
  nir_network<double> a(nested, dt), b(flat, dt);
  CHECK(a.spiking_nodes() == std::vector<std::string>{"rec.lif"});
  CHECK(b.spiking_nodes() == a.spiking_nodes());
  const index_t steps = 400;
  const matrix<double> u = matrix<double>::NullaryExpr(m, steps, [&] { return gen.uniform(0, 1); });
  rng ga(seed{4}, purpose::user, 0), gb(seed{4}, purpose::user, 0);
  a.reset(ga);
  b.reset(gb);
  long spikes = 0;
  matrix<double> ya(2, steps);
  for (index_t t = 0; t < steps; ++t) {
    a.set_input(u.col(t));
    b.set_input(u.col(t));
    a.step(ga);
    b.step(gb);
    CHECK(a.spiked("rec.lif") == b.spiked("rec.lif"));
    spikes += long(a.spiked("rec.lif").size());
    ya.col(t) = a.output();
    CHECK((a.output() - b.output()).cwiseAbs().maxCoeff() <= 1e-12 * (1 + b.output().cwiseAbs().maxCoeff()));
  }
  CHECK(spikes > 100);
  // run() is reset() and the same steps
  CHECK(a.run(u, ga) == ya);
}

TEST_CASE("nir_network: refractory period, noise and initial voltages from the metadata") {
  const double dt = 1e-4;
  auto cell = [](nir::metadata_map md) {
    return nirnet_node("LIF", {{"tau", nirnet_scalar(0.01)}, {"r", nirnet_scalar(1)}, {"v_leak", nirnet_scalar(0)},
                               {"v_threshold", nirnet_scalar(1)}}, std::move(md));
  };
  SUBCASE("t_ref: frozen for t ≤ t_last + t_ref, from t_last = 0") {
    // dt = 2⁻¹³ s and t_ref = 20·dt make every t and t_last + t_ref exact: 20 frozen steps
    const double step = 1.0 / 8192;
    nir_network<double> sim(nirnet_single(cell({{"t_ref", nirnet_scalar(20 * step)}})), step);
    rng g(seed{1}, purpose::user, 0);
    const matrix<double> y = sim.run(matrix<double>::Constant(1, 400, 3.0), g);
    std::vector<index_t> at;
    for (index_t t = 0; t < y.cols(); ++t)
      if (y(0, t) != 0) at.push_back(t + 1);
    REQUIRE(at.size() >= 2);
    // from v = 0 the Euler membrane v_k = 3·(1 − (1 − dt/τ)^k) crosses 1 after `climb` steps (34)
    const index_t climb = index_t(std::ceil(std::log(2.0 / 3) / std::log(1 - step / 0.01)));
    CHECK(at[0] == 20 + climb);  // steps 1 … 20 frozen from t_last = 0
    for (std::size_t k = 1; k < at.size(); ++k) CHECK(at[k] - at[k - 1] == 20 + climb);
  }
  SUBCASE("noise_sd: reproducible from the seed, and enough to fire a resting unit") {
    nir_network<double> sim(nirnet_single(cell({{"noise_sd", nirnet_scalar(0.3)}})), dt);
    rng g1(seed{1}, purpose::user, 0), g2(seed{1}, purpose::user, 0), g3(seed{2}, purpose::user, 0);
    const matrix<double> zero = matrix<double>::Zero(1, 500);
    const matrix<double> y1 = sim.run(zero, g1), y2 = sim.run(zero, g2), y3 = sim.run(zero, g3);
    CHECK(y1 == y2);
    CHECK(y1.sum() > 0);
    CHECK(y1 != y3);
  }
  SUBCASE("v_init_low/high: drawn with rng::uniform per unit at reset") {
    nir::graph g = nirnet_single(cell({{"v_init_low", nirnet_scalar(0.5)}, {"v_init_high", nirnet_scalar(2.0)}}));
    nir_network<double> sim(g, dt);
    rng gen(seed{9}, purpose::user, 0), copy = gen;
    sim.reset(gen);
    sim.step(gen);
    const bool above = copy.uniform(0.5, 2.0) > 1 + 1e-9;  // no input: v_0·(1 − dt/τ) decides
    CHECK(sim.spiked("x").size() == (above ? 1u : 0u));
    const auto half = nirnet_single(cell({{"v_init_low", nirnet_scalar(0)}}));  // one bound without the other
    CHECK(spikernn::testing::refused([&] { nir_network<double>(half, dt); }) == "node 'x'");
  }
}

TEST_CASE("nir_network: refuses what it cannot simulate, naming the node") {
  using spikernn::testing::refused;
  const double dt = 1e-3;
  auto lif = [] {
    return nirnet_node("LIF", {{"tau", nirnet_scalar(0.01)}, {"r", nirnet_scalar(1)}, {"v_leak", nirnet_scalar(0)},
                               {"v_threshold", nirnet_scalar(1)}});
  };
  SUBCASE("an unsupported node type") {
    const auto g = nirnet_single(nirnet_node("Conv2d", {{"weight", nirnet_mat(matrix<double>::Ones(1, 1))}}));
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "node 'x'");
    const std::string msg = nirnet_message([&] { nir_network<double>(g, dt); });
    CHECK(nirnet_has(msg, "Conv2d"));
    CHECK(nirnet_has(msg, "CubaLIF"));
  }
  SUBCASE("widths that differ along an edge") {
    nir::graph g;
    g.add("input", nirnet_io("Input", 3));
    g.add("w", nirnet_node("Linear", {{"weight", nirnet_mat(matrix<double>::Ones(2, 4))}}));
    g.add("output", nirnet_io("Output", 2));
    g.connect("input", "w");
    g.connect("w", "output");
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "node 'w'");
    const std::string msg = nirnet_message([&] { nir_network<double>(g, dt); });
    CHECK(nirnet_has(msg, "'input'"));
    CHECK(nirnet_has(msg, "width 4"));
    CHECK(nirnet_has(msg, "width 3"));
  }
  SUBCASE("parameter arrays of different widths in one node") {
    auto x = lif();
    x.params["tau"] = nirnet_vec(array<double>::Constant(3, 0.01));
    x.params["r"] = nirnet_vec(array<double>::Ones(4));
    CHECK(refused([&] { nir_network<double>(nirnet_single(x), dt); }) == "node 'x'");
  }
  SUBCASE("two Input nodes, or no Output") {
    auto g = nirnet_single(lif());
    g.add("input2", nirnet_io("Input", 1));
    g.connect("input2", "x");
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "node 'input2'");
    auto h = nirnet_single(lif());
    h.nodes.erase("output");
    h.edges.pop_back();
    CHECK(refused([&] { nir_network<double>(h, dt); }) == "Output node");
  }
  SUBCASE("a cycle of stateless nodes") {
    nir::graph g;
    g.add("input", nirnet_io("Input", 1));
    g.add("a", nirnet_node("Affine", {{"weight", nirnet_mat(matrix<double>::Ones(1, 1))}, {"bias", nirnet_scalar(0)}}));
    g.add("b", nirnet_node("Scale", {{"scale", nirnet_scalar(0.5)}}));
    g.add("output", nirnet_io("Output", 1));
    for (auto [x, y] : {std::pair{"input", "a"}, {"a", "b"}, {"b", "a"}, {"b", "output"}}) g.connect(x, y);
    const std::string name = refused([&] { nir_network<double>(g, dt); });
    CHECK((name == "node 'a'" || name == "node 'b'"));
    CHECK(nirnet_has(nirnet_message([&] { nir_network<double>(g, dt); }), "cycle"));
    // the same loop through a stateful node is a recurrent network
    g.nodes.at("b") = nirnet_node("LI", {{"tau", nirnet_scalar(0.01)}, {"r", nirnet_scalar(1)}, {"v_leak", nirnet_scalar(0)}});
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "");
  }
  SUBCASE("a missing parameter, a bad value, a node no edge names") {
    auto x = lif();
    x.params.erase("v_threshold");
    CHECK(refused([&] { nir_network<double>(nirnet_single(x), dt); }) == "node 'x'");
    CHECK(nirnet_has(nirnet_message([&] { nir_network<double>(nirnet_single(x), dt); }), "v_threshold"));
    auto y = lif();
    y.params["tau"] = nirnet_scalar(-1);
    CHECK(refused([&] { nir_network<double>(nirnet_single(y), dt); }) == "node 'x'");
    auto z = lif();
    z.metadata["t_ref"] = std::string("long");
    CHECK(refused([&] { nir_network<double>(nirnet_single(z), dt); }) == "node 'x'");
    auto g = nirnet_single(lif());
    g.connect("x", "nowhere");
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "node 'nowhere'");
    CHECK(refused([&] { nir_network<double>(nirnet_single(lif()), 0.0); }) == "dt");
  }
  SUBCASE("a node whose width nothing says") {
    auto g = nirnet_single(lif());
    g.add("loose", nirnet_node("Scale", {{"scale", nirnet_scalar(2)}}));
    CHECK(refused([&] { nir_network<double>(g, dt); }) == "node 'loose'");
  }
  SUBCASE("inputs of the wrong size, a node that does not spike") {
    nir_network<double> sim(nirnet_single(lif()), dt);
    CHECK(refused([&] { sim.set_input(vector<double>::Ones(2)); }) == "input");
    CHECK(refused([&] { sim.spiked("output"); }) == "node 'output'");
  }
}
