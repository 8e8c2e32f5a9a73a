#include <spikernn/task/go_nogo.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

TEST_CASE("go_nogo: stimulus and target follow spec §2.1") {
  const go_nogo task{};
  CHECK(task.n_steps() == 200);
  CHECK(task.n_inputs() == 1);
  CHECK(task.min_trials_before_stop() == 1500);
  const trial go = task.make(go_nogo::type::go);
  REQUIRE(go.u.rows() == 1);
  REQUIRE(go.u.cols() == 200);
  REQUIRE(go.z.size() == 200);
  for (int t = 0; t < 200; ++t) {
    CHECK(go.u(0, t) == ((t >= 50 && t < 75) ? 1.0 : 0.0));
    CHECK(go.z[t] == (t >= 75 ? 1.0 : 0.0));
  }
  CHECK(go.label == 1.0);
  CHECK(go.condition == "go");
  const trial nogo = task.make(go_nogo::type::nogo);
  CHECK(nogo.u.isZero());
  CHECK(nogo.z.isZero());
  CHECK(nogo.label == 0.0);
}

TEST_CASE("go_nogo: random trials are Go half of the time and reproducible from their stream") {
  const go_nogo task{};
  int go = 0;
  for (int i = 0; i < 4000; ++i) {
    rng g(seed{1}, purpose::training_trial, std::uint64_t(i));
    go += task.generate(g).label > 0.5;
  }
  CHECK(go / 4000.0 == doctest::Approx(0.5).epsilon(0.05));
  rng a(seed{2}, purpose::training_trial, 17), b(seed{2}, purpose::training_trial, 17);
  CHECK(task.generate(a).condition == task.generate(b).condition);
}

TEST_CASE("go_nogo: the TF evaluation rule (0.7 / 0.3 after the stimulus)") {
  const go_nogo task{};
  const trial go = task.make(go_nogo::type::go), nogo = task.make(go_nogo::type::nogo);
  vector<double> o = vector<double>::Zero(199);
  CHECK_FALSE(task.correct(go, o));
  CHECK(task.correct(nogo, o));
  o[74] = 5.0;  // before the window [75, 199): ignored
  CHECK(task.correct(nogo, o));
  o[150] = 0.71;
  CHECK(task.correct(go, o));
  CHECK_FALSE(task.correct(nogo, o));
  o[150] = -0.31;  // NoGo uses |o|
  CHECK_FALSE(task.correct(nogo, o));
  o[150] = 0.29;
  CHECK(task.correct(nogo, o));
  // the port's looser threshold as an option
  const go_nogo port({.go_threshold = 0.3});
  o[150] = 0.5;
  CHECK(port.correct(go, o));
  CHECK_FALSE(task.correct(go, o));
}

TEST_CASE("go_nogo: impossible settings are refused") {
  CHECK_THROWS_AS(go_nogo({.T = 60, .stim_on = 50, .stim_dur = 25}), invalid_parameter);
  CHECK_THROWS_AS(go_nogo({.stim_dur = 0}), invalid_parameter);
  static_assert(task<go_nogo>);
}
