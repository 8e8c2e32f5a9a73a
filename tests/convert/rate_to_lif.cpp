#include <spikernn/convert/rate_to_lif.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace spikernn;

namespace {

/// A 3-unit Dale model by hand: unit 1 inhibitory and the one SOM unit (so row 1 gets nothing
/// from inhibitory column 1), a negative raw entry w(0, 1) as the PyTorch port saves (bug 2).
rate_model<double> hand_model() {
  rate_model<double> m;
  m.params.n = 3;
  m.params.n_inputs = 2;
  m.params.taus = {4, 20};
  m.params.som_n = 1;
  m.types.inh = Eigen::Array<bool, Eigen::Dynamic, 1>(3);
  m.types.inh << false, true, false;
  m.types.derive(1);
  m.w.resize(3, 3);
  m.w << 0.5, -0.25, 2.0,  //
      1.0, 3.0, 0.75,      //
      0.0, 1.5, 4.0;
  m.w0 = m.w * 2.0;
  m.w0(2, 0) = 8.0;
  m.w_in.resize(3, 2);
  m.w_in << 1.0, -2.0,  //
      0.5, 0.25,        //
      -3.0, 4.0;
  m.w_out.resize(3);
  m.w_out << 2.0, -1.0, 0.5;
  m.b_out = 0.75;
  m.taus_gaus.resize(3);
  m.taus_gaus << 0.0, 1.0, -2.0;
  m.taus_gaus0.resize(3);
  m.taus_gaus0 << 3.0, -1.0, 0.5;
  m.apply_dale = true;
  return m;
}

double sigmoid_of(double x) { return 1.0 / (1.0 + std::exp(-x)); }

using spikernn::testing::refused;

}  // namespace

TEST_CASE("to_lif: W = (relu(w)·m ⊙ som_m)/factor for a Dale model - the negative raw entry becomes 0") {
  const auto m = hand_model();
  const auto net = to_lif<double>(m, 4.0);
  // column 1 inhibitory (sign −1); row 1 is the SOM unit: no input from inhibitory column 1
  matrix<double> expected(3, 3);
  expected << 0.5 / 4, 0.0 /* relu(−0.25) */, 2.0 / 4,  //
      1.0 / 4, 0.0 /* som mask */, 0.75 / 4,           //
      0.0, -1.5 / 4, 4.0 / 4;
  CHECK(net.w() == expected);
  CHECK(net.w()(0, 1) == 0.0);  // without relu it would be +0.25/4: an inhibitory unit exciting
  CHECK(net.size() == 3);
  CHECK(net.n_inputs() == 2);
}

TEST_CASE("to_lif: no relu for a no-Dale model - negative entries keep their sign") {
  auto m = hand_model();
  m.apply_dale = false;
  m.params.som_n = 0;
  m.types.inh.setConstant(false);
  m.types.derive(0);
  const auto net = to_lif<double>(m, 2.0);
  CHECK(net.w() == m.w / 2.0);
  CHECK(net.w()(0, 1) == -0.125);
}

TEST_CASE("to_lif: w_out / factor - w_in unscaled - b_out ignored") {
  const auto m = hand_model();
  const auto net = to_lif<double>(m, 8.0);
  CHECK(net.w_out() == m.w_out / 8.0);
  CHECK(net.w_in() == m.w_in);
  auto other = m;
  other.b_out = -5.0;  // the LIF output has no bias
  const auto net2 = to_lif<double>(other, 8.0);
  CHECK(net2.w() == net.w());
  CHECK(net2.w_out() == net.w_out());
  rng a(seed{1}, purpose::user), b(seed{1}, purpose::user);
  const matrix<double> u = matrix<double>::Ones(2, 3);
  auto n1 = net, n2 = net2;
  CHECK(n1.run(u, a).out == n2.run(u, b).out);
  // the factor scales the recurrent weights and the readout together
  const auto net1 = to_lif<double>(m, 1.0);
  CHECK(net1.w_out() == m.w_out);
  CHECK(net1.w() * (1.0 / 8.0) == net.w());
}

TEST_CASE("to_lif: tau_d = (sigmoid(taus_gaus)·(max − min) + min) × 5 ms per unit - fixed τ × 5 ms") {
  const auto m = hand_model();
  const auto net = to_lif<double>(m, 1.0);
  REQUIRE(net.tau_d().size() == 3);
  for (index_t k = 0; k < 3; ++k) {
    CAPTURE(k);
    const double steps = sigmoid_of(m.taus_gaus[k]) * (20 - 4) + 4;
    CHECK(net.tau_d()[k] == doctest::Approx(steps * 0.005).epsilon(1e-14));
  }
  CHECK(net.tau_d()[0] == doctest::Approx(0.06).epsilon(1e-14));  // sigmoid(0) = 1/2: 12 steps
  auto fixed = m;
  fixed.params.taus = {7};
  const auto nf = to_lif<double>(fixed, 1.0);
  CHECK((nf.tau_d() - 0.035).abs().maxCoeff() < 1e-15);  // 35 ms, paper Fig. 5
  // another rate step length
  const auto slow = to_lif<double>(fixed, 1.0, {}, {.step_seconds = 0.01});
  CHECK((slow.tau_d() - 0.07).abs().maxCoeff() < 1e-15);
}

TEST_CASE("to_lif: use_initial_weights builds from w0 and taus_gaus0") {
  const auto m = hand_model();
  const auto net = to_lif<double>(m, 2.0, {}, {.use_initial_weights = true});
  matrix<double> expected(3, 3);
  expected << 1.0 / 2, 0.0, 4.0 / 2,  // relu(−0.5) = 0
      2.0 / 2, 0.0, 1.5 / 2,          // som mask
      8.0 / 2, -3.0 / 2, 8.0 / 2;
  CHECK(net.w() == expected);
  for (index_t k = 0; k < 3; ++k)
    CHECK(net.tau_d()[k] == doctest::Approx((sigmoid_of(m.taus_gaus0[k]) * 16 + 4) * 0.005).epsilon(1e-14));
  CHECK(net.w_out() == m.w_out / 2.0);  // the readout is the trained one either way
}

TEST_CASE("to_lif: a network trained here converts with its effective weights and its τ") {
  rate_rnn<double, sigmoid, dale> rate({.n = 30, .som_n = 2, .taus = {4, 10}}, seed{3});
  rate.w()(0, 0) = -1.0;  // a raw entry relu removes
  const auto m = to_rate_model(rate);
  const auto net = to_lif<double>(m, 25.0);
  CHECK((net.w() - rate.effective_weights() / 25.0).cwiseAbs().maxCoeff() <= 1e-16);
  CHECK(net.w()(0, 0) == 0.0);
  CHECK((net.tau_d() - rate.taus() * 0.005).abs().maxCoeff() <= 1e-15);
  CHECK((net.w_out() - rate.w_out() / 25.0).cwiseAbs().maxCoeff() == 0.0);
  CHECK(net.w_in() == rate.w_in());
  // inhibitory columns carry −, excitatory +
  for (index_t j = 0; j < 30; ++j) {
    CAPTURE(j);
    if (m.types.inh[j])
      CHECK(net.w().col(j).maxCoeff() <= 0.0);
    else
      CHECK(net.w().col(j).minCoeff() >= 0.0);
  }
  // a float model converts to a double network and a float network
  rate_rnn<float> rf({.n = 20}, seed{4});
  const auto mf = to_rate_model(rf);
  const auto nd = to_lif<double>(mf, 20.0);
  const auto nfl = to_lif<float>(mf, 20.0);
  CHECK((nd.w() - (rf.effective_weights().cast<double>() / 20.0)).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK((nfl.w().cast<double>() - nd.w()).cwiseAbs().maxCoeff() <= 1e-7);
  // the LIF parameters are passed through
  lif_params p;
  p.downsample = 2;
  p.t_ref = 0.001;
  CHECK(to_lif<double>(mf, 20.0, p).params().downsample == 2);
  CHECK(to_lif<double>(mf, 20.0, p).params().t_ref == 0.001);
}

TEST_CASE("to_lif: factor <= 0 - NaN or infinite is refused naming factor") {
  const auto m = hand_model();
  CHECK(refused([&] { to_lif<double>(m, 0.0); }) == "factor");
  CHECK(refused([&] { to_lif<double>(m, -20.0); }) == "factor");
  CHECK(refused([&] { to_lif<double>(m, std::numeric_limits<double>::quiet_NaN()); }) == "factor");
  CHECK(refused([&] { to_lif<double>(m, std::numeric_limits<double>::infinity()); }) == "factor");
  CHECK(refused([&] { to_lif<double>(m, 1e-3); }) == "");
  auto broken = m;
  broken.w = matrix<double>::Zero(2, 2);
  CHECK(refused([&] { to_lif<double>(broken, 20.0); }) == "w");
  CHECK_THROWS_WITH_AS(to_lif<double>(m, 0.0), doctest::Contains("'factor'"), invalid_parameter);
}
