#include <spikernn/convert/lif_nir.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace spikernn;
using spikernn::testing::contains;
using spikernn::testing::refused;

namespace {

/// A small recurrent E/I-like network with random weights, a bias readout and inhibitory labels.
template <class S>
lif_network<S> lif_nir_network(double tau_r = 0.002, index_t n = 24) {
  rng g(seed{11}, purpose::user, 0);
  matrix<double> w(n, n), w_in(n, 2);
  for (index_t i = 0; i < w.size(); ++i) w.data()[i] = 4.0 * g.normal() / double(n);
  for (index_t i = 0; i < w_in.size(); ++i) w_in.data()[i] = 2.0 * g.normal();
  row_vector<double> w_out(n);
  array<double> tau_d(n);
  for (index_t i = 0; i < n; ++i) {
    w_out[i] = g.normal() / double(n);
    tau_d[i] = 0.02 + 0.08 * g.uniform();
  }
  lif_params p;
  p.tau_r = tau_r;
  lif_network<S> net(w.cast<S>(), w_in.cast<S>(), w_out.cast<S>(), tau_d.cast<S>(), p);
  net.set_readout(w_out.cast<S>(), S(0.25));
  Eigen::Array<bool, Eigen::Dynamic, 1> inh(n);
  for (index_t i = 0; i < n; ++i) inh[i] = i % 5 == 0;
  net.set_inhibitory(inh);
  return net;
}

matrix<double> lif_nir_stimulus() {
  matrix<double> u = matrix<double>::Zero(2, 41);
  u.block(0, 5, 1, 10).setConstant(1.0);
  u.block(1, 20, 1, 10).setConstant(-1.0);
  return u;
}

template <class S>
void expect_same_trial(lif_network<S> a, lif_network<S> b) {
  const matrix<double> u = lif_nir_stimulus();
  rng ga(seed{5}, purpose::user, 1), gb(seed{5}, purpose::user, 1);
  const auto ra = a.run(u, ga, {.spikes = true});
  const auto rb = b.run(u, gb, {.spikes = true});
  CHECK(ra.total_spikes > 0);
  CHECK(ra.spikes == rb.spikes);
  CHECK((ra.out.array() == rb.out.array()).all());
}

}  // namespace

TEST_CASE("lif_nir: exact mode in float64 gives back the very network - the same spikes for the same seed") {
  for (double tau_r : {0.002, 0.0}) {
    CAPTURE(tau_r);
    const auto net = lif_nir_network<double>(tau_r);
    const nir::graph g = to_nir(net, {.precision = nir::dtype::float64});
    CHECK(g.nodes.count("syn_rise") == (tau_r > 0 ? 1u : 0u));
    const auto back = lif_from_nir<double>(g);
    CHECK(back.params().tau_r == tau_r);
    CHECK(back.b_out() == 0.25);
    CHECK((back.inhibitory() == net.inhibitory()).all());
    expect_same_trial(net, back);
  }
  // a float network survives float32 arrays bit for bit too
  const auto f = lif_nir_network<float>();
  expect_same_trial(f, lif_from_nir<float>(to_nir(f, {.precision = nir::dtype::float64})));
}

TEST_CASE("lif_nir: the exact graph has NIR's nodes, shapes and spikernn's metadata") {
  const auto net = lif_nir_network<double>();
  const nir::graph g = to_nir(net, {.metadata = {{"task", std::string("go_nogo")}}});
  CHECK(g.nodes.at("lif").type == "LIF");
  CHECK(g.nodes.at("w_rec").params.at("weight").shape == std::vector<std::int64_t>{24, 24});
  CHECK(g.nodes.at("w_in").params.at("weight").shape == std::vector<std::int64_t>{24, 2});
  CHECK(g.nodes.at("w_out").params.at("weight").shape == std::vector<std::int64_t>{1, 24});
  CHECK(g.nodes.at("w_in").params.at("weight").stored == nir::dtype::float32);
  // Affine weights are (out, in): row i of w_rec is what unit i receives
  CHECK(g.nodes.at("w_rec").params.at("weight").values[1] == double(float(net.w()(0, 1))));
  CHECK(nir::number_or(g.nodes.at("lif").metadata, "t_ref", -1) == net.params().t_ref);
  CHECK(nir::number_or(g.metadata, "dt", 0) == net.params().step());
  CHECK(nir::text_or(g.metadata, "task", "") == "go_nogo");
  CHECK(g.edges.size() == 10);
  g.check_edges("test");
  // float32 arrays round to float: the network read back is the float-rounded one
  const auto back = lif_from_nir<double>(g);
  CHECK(back.w()(3, 4) == double(float(net.w()(3, 4))));
  CHECK(back.tau_d()[0] == double(float(net.tau_d()[0])));
}

TEST_CASE("lif_nir: portable mode is a CubaLIF with the synapse's decay, which lif_from_nir sends to nir_network") {
  const auto net = lif_nir_network<double>();
  const nir::graph g = to_nir(net, {.mode = nir_mode::portable});
  const auto& cell = g.nodes.at("lif");
  CHECK(cell.type == "CubaLIF");
  CHECK(cell.params.at("tau_syn").values[2] == double(float(net.tau_d()[2])));
  CHECK(g.nodes.count("syn_rise") == 0);
  CHECK(refused([&] { lif_from_nir<double>(g); }) == "NIR graph");
  try {
    lif_from_nir<double>(g);
  } catch (const invalid_parameter& e) {
    CHECK(contains(e.what(), "CubaLIF"));
    CHECK(contains(e.what(), "nir_network"));
  }
}

TEST_CASE("lif_nir: a foreign graph of the same shape is read with its resistances and gains folded into the weights") {
  // Another tool's convention: Linear weights, r = 2 on the LIF, one LI synapse stage with r = 0.5
  nir::graph g;
  const index_t n = 3;
  matrix<double> w_in(3, 1), w(3, 3), w_out(1, 3);
  w_in << 1, 2, 3;
  w << 0, 1, -1, 2, 0, 1, -2, 1, 0;
  w_out << 0.5, -0.5, 1;
  const auto vec = [](std::initializer_list<double> xs) {
    array<double> a(index_t(xs.size()));
    index_t k = 0;
    for (double x : xs) a[k++] = x;
    return nir::tensor::vec(a, nir::dtype::float32);
  };
  g.add("in", {"Input", {{"shape", vec({1})}}, {}, {}});
  g.add("fc", {"Linear", {{"weight", nir::tensor::mat(w_in)}}, {}, {}});
  g.add("cell", {"LIF",
                 {{"tau", vec({0.02})}, {"r", vec({2, 2, 2})}, {"v_leak", vec({0, 0, 0})}, {"v_threshold", vec({1, 1, 1})}},
                 {},
                 {}});
  g.add("rec", {"Linear", {{"weight", nir::tensor::mat(w)}}, {}, {}});
  g.add("syn", {"LI", {{"tau", vec({0.01, 0.02, 0.04})}, {"r", vec({0.5, 0.5, 0.5})}, {"v_leak", vec({0, 0, 0})}}, {}, {}});
  g.add("filt", {"LI", {{"tau", vec({0.01, 0.02, 0.04})}, {"r", vec({1, 1, 1})}, {"v_leak", vec({0, 0, 0})}}, {}, {}});
  g.add("ro", {"Affine", {{"weight", nir::tensor::mat(w_out)}, {"bias", vec({0.1})}}, {}, {}});
  g.add("out", {"Output", {{"shape", vec({1})}}, {}, {}});
  for (auto [a, b] : {std::pair{"in", "fc"}, {"fc", "cell"}, {"cell", "rec"}, {"rec", "syn"}, {"syn", "cell"},
                      {"cell", "filt"}, {"filt", "ro"}, {"ro", "out"}})
    g.connect(a, b);
  CHECK(refused([&] { lif_from_nir<double>(g); }) == "NIR graph");  // no dt
  const auto net = lif_from_nir<double>(g, {.dt = 1e-4});
  CHECK(net.size() == n);
  CHECK(net.params().tau_m == doctest::Approx(0.02));
  CHECK(net.params().tau_r == 0);
  CHECK(net.params().v_reset == 0);
  CHECK(net.params().t_ref == 0);
  CHECK(net.w_in()(2, 0) == 6);                 // r = 2 folded in
  CHECK(net.w()(1, 0) == doctest::Approx(2.0));  // 2 (w) · 2 (r) · 0.5 (stage gain)
  CHECK(net.b_out() == doctest::Approx(0.1));
  CHECK(net.tau_d()[2] == doctest::Approx(0.04));

  SUBCASE("what does not fit is refused with the reason") {
    auto bad = g;
    bad.nodes.at("filt").params.at("tau") = vec({0.01, 0.02, 0.05});
    CHECK(refused([&] { lif_from_nir<double>(bad, {.dt = 1e-4}); }) == "NIR graph");
    bad = g;
    bad.nodes.at("cell").params.at("tau") = vec({0.02, 0.03, 0.02});
    CHECK(refused([&] { lif_from_nir<double>(bad, {.dt = 1e-4}); }) == "NIR graph");
    bad = g;
    bad.connect("cell", "out");  // spikes straight out
    CHECK(refused([&] { lif_from_nir<double>(bad, {.dt = 1e-4}); }) == "NIR graph");
    bad = g;
    bad.connect("in", "nowhere");
    CHECK_THROWS_AS(lif_from_nir<double>(bad, {.dt = 1e-4}), file_error);
  }
}

TEST_CASE("lif_nir: the quadratic neuron is refused, NIR has no node for it") {
  lif_network<double, quadratic_if> q(matrix<double>::Zero(2, 2), matrix<double>::Ones(2, 1), row_vector<double>::Ones(2),
                                      array<double>::Constant(2, 0.03));
  CHECK(refused([&] { to_nir(q); }) == "neuron");
  CHECK(nir_mode_of("portable") == nir_mode::portable);
  CHECK(refused([] { nir_mode_of("fast"); }) == "mode");
}
