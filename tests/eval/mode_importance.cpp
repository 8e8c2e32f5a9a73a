#include <spikernn/eval/mode_importance.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

using namespace spikernn;
using spikernn::testing::refused;

namespace {
mode_snn_params importance_params(bool full_rank) {
  mode_snn_params p;
  p.n = 5;
  p.n_inputs = 3;
  p.n_outputs = 2;
  p.p = 2;
  p.full_rank = full_rank;
  return p;
}
}  // namespace

TEST_CASE("mode_importance: spec B.1's tau ranking, from the factors and from a network") {
  matrix<double> xi_in(2, 3), xi_out(2, 3);
  xi_in << 3, 0, 1,   //
      4, 1, 0;        // column norms 5, 1, 1
  xi_out << 0, 2, 0,  //
      0, 0, -3;       // column norms 0, 2, 3
  vector<double> l(3);
  l << -0.5, 2.0, 0.5;
  const mode_ranking m = mode_importance(xi_in, l, xi_out);
  // γ = Σ|λ| / Σ(‖ξ_in‖ + ‖ξ_out‖) = 3 / 12
  CHECK(m.gamma == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(m.score(0) == doctest::Approx(0.25 * 5 + 0.5).epsilon(1e-15));
  CHECK(m.score(1) == doctest::Approx(0.25 * 3 + 2.0).epsilon(1e-15));
  CHECK(m.score(2) == doctest::Approx(0.25 * 4 + 0.5).epsilon(1e-15));
  CHECK(m.order == std::vector<index_t>{1, 0, 2});
  // from a network
  const mode_snn<double> net(importance_params(false), seed{90});
  const mode_ranking n = mode_importance(net);
  CHECK(n.score.size() == 2);
  CHECK(n.score(n.order[0]) >= n.score(n.order[1]));
  CHECK(n.score == mode_importance(net.xi_in(), net.lambda(), net.xi_out()).score);
  const mode_snn<double> full(importance_params(true), seed{90});
  CHECK(refused([&] { mode_importance(full); }) == "full_rank");
  CHECK(refused([&] { mode_importance(xi_in, vector<double>::Ones(2), xi_out); }) == "lambda");
  CHECK(refused([&] { mode_importance(xi_in, l, matrix<double>::Zero(2, 3)); }).empty());
  CHECK(refused([&] { mode_importance(matrix<double>::Zero(2, 3), l, matrix<double>::Zero(2, 3)); }) == "xi_in");
  // a diverged network (NaN modes) is refused as such, not as "all zero"
  matrix<double> diverged = xi_in;
  diverged(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK(refused([&] { mode_importance(diverged, l, xi_out); }) == "xi_in");
  try {
    mode_importance(diverged, l, xi_out);
  } catch (const invalid_parameter& e) {
    CHECK(std::string(e.what()).find("diverged") != std::string::npos);
  }
}
