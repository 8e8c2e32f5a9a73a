#include <spikernn/convert/mode_snn_nir.hpp>
#include <spikernn/network/nir_network.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace spikernn;
using spikernn::testing::refused;

namespace {

/// A small mode network in double with weights strong enough that its units spike often
/// (several times each, so the reset and the refractory period are exercised).
mode_snn<double> mode_nir_network(mode_filter filter, mode_readout readout, bool full_rank = false, int refractory = 5) {
  mode_snn_params p;
  p.n = 16;
  p.n_inputs = 5;
  p.n_outputs = 3;
  p.p = 2;
  p.full_rank = full_rank;
  p.filter = filter;
  p.readout = readout;
  p.refractory_steps = refractory;
  p.input = input_product::dense;
  mode_snn<double> net(p, seed{21});
  net.w_in() *= 6.0;
  if (full_rank)
    net.w_rec() *= 40.0;
  else
    net.lambda() *= 40.0;
  return net;
}

/// Analog inputs in [0, 1) or, with `binary`, 0/1 spike trains, n_inputs × T.
matrix<double> mode_nir_input(index_t n_in, index_t steps, bool binary) {
  rng g(seed{3}, purpose::user, binary ? 1 : 0);
  matrix<double> u(n_in, steps);
  for (index_t i = 0; i < u.size(); ++i) u.data()[i] = binary ? (g.uniform() < 0.3 ? 1.0 : 0.0) : g.uniform();
  return u;
}

/// The graph simulated at the model's dt against the model's forward pass on the same input:
/// the outputs step for step (per_step), the rates (max_over_time) and W_out·max_t r.
void expect_graph_matches_model(const mode_snn<double>& net, const nir::graph& g, bool binary) {
  const index_t steps = 80;
  const matrix<double> u = mode_nir_input(net.n_inputs(), steps, binary);
  mode_snn<double>::tape tp;
  const matrix<double>* inputs[] = {&u};
  net.forward(std::span<const matrix<double>* const>(inputs), tp);
  // the network is busy: most units spike, several of them more than once
  const double spikes = tp.s.sum();
  CHECK(spikes > 2.0 * double(net.size()));
  CHECK(spikes < 0.5 * double(net.size() * steps));

  nir_network<double> sim(g, net.params().dt);
  rng r(seed{1}, purpose::user, 0);
  const matrix<double> y = sim.run(u, r);
  const double scale = 1.0 + tp.r.cwiseAbs().maxCoeff();
  if (net.params().readout == mode_readout::per_step) {
    REQUIRE(y.rows() == net.n_outputs());
    CHECK((y - tp.o).cwiseAbs().maxCoeff() <= 1e-9 * (1.0 + tp.o.cwiseAbs().maxCoeff()));
  } else {
    REQUIRE(y.rows() == net.size());
    CHECK((y - tp.r).cwiseAbs().maxCoeff() <= 1e-9 * scale);
    const auto* w = std::get_if<nir::tensor>(&g.metadata.at("readout_weight"));
    REQUIRE(w != nullptr);
    const vector<double> rm = y.rowwise().maxCoeff();
    const vector<double> decision = w->as_matrix("readout_weight") * rm;
    CHECK((decision - tp.o.col(steps - 1)).cwiseAbs().maxCoeff() <= 1e-9 * (1.0 + tp.o.cwiseAbs().maxCoeff()));
  }
}

}  // namespace

TEST_CASE("mode_snn_nir: every filter and readout, in float64, gives the model's outputs step for step") {
  for (const mode_filter filter : {mode_filter::single, mode_filter::double_mnist, mode_filter::double_mante}) {
    for (const mode_readout readout : {mode_readout::per_step, mode_readout::max_over_time}) {
      CAPTURE(to_string(filter));
      CAPTURE(to_string(readout));
      const mode_snn<double> net = mode_nir_network(filter, readout);
      const nir::graph g = to_nir(net, {.precision = nir::dtype::float64});
      expect_graph_matches_model(net, g, readout == mode_readout::max_over_time);
    }
  }
}

TEST_CASE("mode_snn_nir: folded modes, a full-rank network, and no refractory period") {
  const mode_snn<double> modes = mode_nir_network(mode_filter::double_mante, mode_readout::per_step);
  const nir::graph folded = to_nir(modes, {.precision = nir::dtype::float64, .fold_modes = true});
  CHECK(folded.nodes.count("w_rec") == 1);
  CHECK(folded.nodes.count("lambda") == 0);
  expect_graph_matches_model(modes, folded, false);

  const mode_snn<double> full = mode_nir_network(mode_filter::single, mode_readout::per_step, true);
  expect_graph_matches_model(full, to_nir(full, {.precision = nir::dtype::float64}), true);

  // the model's reset by the previous spike holds a unit one step even without refractoriness
  const mode_snn<double> none = mode_nir_network(mode_filter::double_mnist, mode_readout::per_step, false, 0);
  expect_graph_matches_model(none, to_nir(none, {.precision = nir::dtype::float64}), false);
}

TEST_CASE("mode_snn_nir: the graph keeps the modes as trained and says what NIR cannot") {
  const mode_snn<double> net = mode_nir_network(mode_filter::double_mnist, mode_readout::max_over_time);
  const nir::graph g = to_nir(net, {.metadata = {{"task", std::string("mnist")}}});
  CHECK(g.nodes.at("lif").type == "CubaLIF");
  CHECK(g.nodes.at("xi_out").param("xi_out", "weight").shape == std::vector<std::int64_t>{2, 16});
  CHECK(g.nodes.at("xi_in").param("xi_in", "weight").shape == std::vector<std::int64_t>{16, 2});
  CHECK(g.nodes.at("lambda").param("lambda", "scale").values[1] == doctest::Approx(net.lambda()[1]).epsilon(1e-6));
  CHECK(nir::number_or(g.nodes.at("lif").metadata, "refractory_steps", -1) == 5);
  CHECK(nir::number_or(g.nodes.at("lif").metadata, "t_ref", 0) == doctest::Approx(5.5 * 2e-3));
  CHECK(nir::number_or(g.nodes.at("lif").metadata, "t_last_init", 0) == -1);
  CHECK(nir::text_or(g.metadata, "readout", "") == "max_over_time");
  CHECK(nir::text_or(g.metadata, "task", "") == "mnist");
  CHECK(nir::number_or(g.metadata, "dt", 0) == 2e-3);
  // float32 arrays (NIR's usual) change the outputs by rounding only
  const matrix<double> u = mode_nir_input(net.n_inputs(), 40, true);
  rng r1(seed{1}, purpose::user, 0), r2(seed{1}, purpose::user, 0);
  nir_network<double> single(g, 2e-3), exact(to_nir(net, {.precision = nir::dtype::float64}), 2e-3);
  const matrix<double> a = single.run(u, r1), b = exact.run(u, r2);
  CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-3 * (1.0 + b.cwiseAbs().maxCoeff()));
}

TEST_CASE("mode_snn_nir: what NIR cannot express is refused with the reason") {
  mode_snn_params p;
  p.n = 4;
  p.n_inputs = 2;
  p.n_outputs = 1;
  p.neuron = mode_neuron::leaky;
  CHECK(refused([&] { (void)to_nir(mode_snn<double>(p, seed{1})); }) == "neuron");
  p.neuron = mode_neuron::lif;
  p.smooth_spikes = true;
  CHECK(refused([&] { (void)to_nir(mode_snn<double>(p, seed{1})); }) == "smooth_spikes");
  p.smooth_spikes = false;
  p.v_thr = -0.5;
  CHECK(refused([&] { (void)to_nir(mode_snn<double>(p, seed{1})); }) == "v_thr");
}

TEST_CASE("nir_network: t_last_init sets when the refractory period ends at the start") {
  // one LIF unit driven above threshold from the first step: with t_last_init = 0 it is frozen
  // during the first t_ref, with −1 s it fires at once
  const auto first_spike = [](double t_last_init) {
    nir::graph g;
    g.add("input", {"Input", {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(1.0), nir::dtype::int64)}}, {}, {}});
    nir::node cell{"LIF",
                   {{"tau", nir::tensor::filled(1, 0.01)}, {"r", nir::tensor::filled(1, 1.0)},
                    {"v_leak", nir::tensor::filled(1, 0.0)}, {"v_threshold", nir::tensor::filled(1, 0.5)}},
                   {},
                   {}};
    cell.metadata = {{"t_ref", nir::tensor::scalar(0.0045)}, {"t_last_init", nir::tensor::scalar(t_last_init)}};
    g.add("lif", cell);
    g.add("output", {"Output", {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(1.0), nir::dtype::int64)}}, {}, {}});
    g.connect("input", "lif");
    g.connect("lif", "output");
    nir_network<double> sim(g, 1e-3);
    rng r(seed{1}, purpose::user, 0);
    const matrix<double> y = sim.run(matrix<double>::Constant(1, 20, 100.0), r);
    for (index_t k = 0; k < y.cols(); ++k)
      if (y(0, k) > 0) return k;
    return index_t(-1);
  };
  CHECK(first_spike(-1.0) == 0);
  CHECK(first_spike(0.0) == 4);  // steps 1-4 (t ≤ 4.5 ms) frozen; the 5th step integrates
}
