#include <spikernn/train/loss.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

TEST_CASE("loss: l2 is the root of the summed squares / with the one-step target offset") {
  vector<double> o(3), z(4), g(3);
  o << 1, 2, 3;      // o_1, o_2, o_3
  z << 0, 0, 1, 99;  // z_3 is never used
  const double l = trial_loss(loss_fn::l2, o, z, g);
  CHECK(l == doctest::Approx(std::sqrt(1 + 4 + 4)));
  CHECK(g[0] == doctest::Approx(1 / 3.0));
  CHECK(g[2] == doctest::Approx(2 / 3.0));
}

TEST_CASE("loss: l1 is the summed absolute error - its gradient is the sign") {
  vector<double> o(3), z(4), g(3);
  o << 1, -2, 0.5;
  z << 0, 0, 0.5, 0;
  CHECK(trial_loss(loss_fn::l1, o, z, g) == doctest::Approx(3.0));
  CHECK(g[0] == 1.0);
  CHECK(g[1] == -1.0);
  CHECK(g[2] == 0.0);
}

TEST_CASE("loss: gradients match central differences") {
  vector<double> o(5), z(6), g(5), gp(5);
  o << 0.3, -0.2, 0.9, 1.4, -1.1;
  z << 0, 1, 1, 0, -1, 0;
  for (loss_fn kind : {loss_fn::l1, loss_fn::l2}) {
    trial_loss(kind, o, z, g);
    for (int k = 0; k < 5; ++k) {
      vector<double> op = o, om = o;
      op[k] += 1e-6;
      om[k] -= 1e-6;
      const double numeric = (trial_loss(kind, op, z, gp) - trial_loss(kind, om, z, gp)) / 2e-6;
      CHECK(g[k] == doctest::Approx(numeric).epsilon(1e-6));
    }
  }
}

TEST_CASE("loss: names parse case-insensitively - others are refused") {
  CHECK(parse_loss("L2") == loss_fn::l2);
  CHECK(parse_loss("l1") == loss_fn::l1);
  CHECK_THROWS_WITH_AS(parse_loss("mse"), doctest::Contains("loss_fn"), invalid_parameter);
  CHECK(to_string(loss_fn::l1) == "l1");
}
