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

TEST_CASE("go_nogo: spiking trials have T + 1 columns and the ML rule judges the LIF output from 0.5 s") {
  const go_nogo task{};
  const trial go = task.make_spiking(go_nogo::type::go), nogo = task.make_spiking(go_nogo::type::nogo);
  REQUIRE(go.u.cols() == 201);
  CHECK(go.u.block(0, 50, 1, 25).minCoeff() == 1.0);
  CHECK(go.u.sum() == 25.0);
  CHECK(nogo.u.isZero());
  int n_go = 0;
  for (int i = 0; i < 2000; ++i) {
    rng g(seed{5}, purpose::spiking_trial, std::uint64_t(i));
    n_go += task.spiking_trial(g).label > 0.5;
  }
  CHECK(n_go / 2000.0 == doctest::Approx(0.5).epsilon(0.08));
  row_vector<double> out = row_vector<double>::Zero(20000);
  out[9998] = 0.9;  // sample 9999 (1-based): before the window
  CHECK_FALSE(task.spiking_correct(go, out, 5e-5));
  CHECK(task.spiking_correct(nogo, out, 5e-5));
  out[9999] = 0.71;  // sample 10000: the first one judged
  CHECK(task.spiking_correct(go, out, 5e-5));
  CHECK_FALSE(task.spiking_correct(nogo, out, 5e-5));
  out[9999] = -0.9;  // NoGo uses the plain max on the spiking side, not |out|
  CHECK(task.spiking_correct(nogo, out, 5e-5));
  // downsampled output: the window still starts at 0.5 s
  row_vector<double> coarse = row_vector<double>::Zero(10000);
  coarse[4999] = 1.0;
  CHECK(task.spiking_correct(go, coarse, 1e-4));
  CHECK(task.sample_spiking_trials().size() == 2);
}
