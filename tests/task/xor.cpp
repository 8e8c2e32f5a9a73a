#include <spikernn/task/xor.hpp>

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace spikernn;

TEST_CASE("xor: stimulus / target and label follow spec §2.2") {
  const xor_task task{};
  CHECK(task.n_steps() == 300);
  CHECK(task.n_inputs() == 2);
  CHECK(task.task_end() == 160);
  const trial tr = task.make(1, -1);
  REQUIRE(tr.u.rows() == 2);
  REQUIRE(tr.u.cols() == 300);
  for (int t = 0; t < 300; ++t) {
    CHECK(tr.u(0, t) == ((t >= 50 && t < 100) ? 1.0 : 0.0));
    CHECK(tr.u(1, t) == ((t >= 110 && t < 160) ? -1.0 : 0.0));
    CHECK(tr.z[t] == ((t >= 170 && t < 270) ? -1.0 : 0.0));
  }
  CHECK(tr.label == -1.0);
  CHECK(tr.condition == "+-");
  CHECK(task.make(-1, -1).label == 1.0);
  CHECK(task.make(-1, -1).condition == "--");
}

TEST_CASE("xor: random trials cover the four patterns evenly") {
  const xor_task task{};
  std::map<std::string, int> seen;
  for (int i = 0; i < 4000; ++i) {
    rng g(seed{1}, purpose::training_trial, std::uint64_t(i));
    ++seen[task.generate(g).condition];
  }
  REQUIRE(seen.size() == 4);
  for (const auto& [pattern, count] : seen) CHECK(count / 4000.0 == doctest::Approx(0.25).epsilon(0.12));
}

TEST_CASE("xor: the TF rate rule and the ML spiking rule") {
  const xor_task task{};
  const trial same = task.make(1, 1), diff = task.make(1, -1);
  vector<double> o = vector<double>::Zero(299);
  o[199] = 0.9;  // before o[200:]: ignored
  CHECK_FALSE(task.correct(same, o));
  o[250] = 0.71;
  CHECK(task.correct(same, o));
  CHECK_FALSE(task.correct(diff, o));
  o[260] = -0.8;
  CHECK(task.correct(diff, o));
  // spiking: from 1.0 s on (sample 20000 at 0.05 ms, index 19999)
  row_vector<double> out = row_vector<double>::Zero(30000);
  out[19998] = 1.0;
  CHECK_FALSE(task.spiking_correct(same, out, 5e-5));
  out[19999] = 1.0;
  CHECK(task.spiking_correct(same, out, 5e-5));
  out[25000] = -0.75;
  CHECK(task.spiking_correct(diff, out, 5e-5));
  rng g(seed{2}, purpose::user);
  CHECK(task.spiking_trial(g).u.cols() == 301);
  CHECK(task.sample_spiking_trials().size() == 4);
  CHECK_THROWS_AS(xor_task({.T = 200}), invalid_parameter);
  static_assert(spiking_task<xor_task>);
}
