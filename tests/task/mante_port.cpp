#include <spikernn/task/mante_port.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

using namespace spikernn;

TEST_CASE("mante_port: shapes and channel windows follow the port's ManteTask of spec 2.4") {
  const mante_port task{};
  CHECK(task.name() == "mante_port");
  CHECK(task.n_steps() == 500);
  CHECK(task.n_inputs() == 4);
  CHECK(task.stim_end() == 250);
  CHECK(task.min_trials_before_stop() == 0);
  const trial tr = task.make(mante_port::context::color, 0.4, -0.9);
  REQUIRE(tr.u.rows() == 4);
  REQUIRE(tr.u.cols() == 500);
  REQUIRE(tr.z.size() == 500);
  for (int t = 0; t < 500; ++t) {
    const bool on = t >= 50 && t < 250;
    CHECK(tr.u(0, t) == (on ? 1.0 : 0.0));   // the context cue only during the stimulus
    CHECK(tr.u(1, t) == (on ? 0.4 : 0.0));   // colour coherence, constant: no noise
    CHECK(tr.u(2, t) == (on ? -0.9 : 0.0));  // motion coherence
    CHECK(tr.u(3, t) == 0.0);                // unused channel
    CHECK(tr.z[t] == (t >= 250 ? 1.0 : 0.0));
  }
  CHECK(tr.label == 1.0);
  CHECK(tr.condition == "color");

  const trial mo = task.make(mante_port::context::motion, 0.4, -0.9);
  CHECK(mo.u.row(0).segment(50, 200).isConstant(-1.0));  // motion context is cued by −1
  CHECK(mo.u.row(0).head(50).isZero());
  CHECK(mo.u.row(0).tail(250).isZero());
  CHECK(mo.label == -1.0);
  CHECK(mo.condition == "motion");
  CHECK((mo.z.tail(250).array() == -1.0).all());
  CHECK(mo.z.head(250).isZero());
  // label +1 only for a cued coherence above 0 (exactly 0 answers −1, as the port)
  CHECK(task.make(mante_port::context::motion, -1.0, 0.01).label == 1.0);
  CHECK(task.make(mante_port::context::color, 0.0, 1.0).label == -1.0);
  CHECK(task.make(mante_port::context::motion, 1.0, 0.0).label == -1.0);
  static_assert(spiking_task<mante_port>);
}

TEST_CASE("mante_port: random trials keep the format and the label is the sign of the cued coherence") {
  const mante_port task{};
  double lo = 10, hi = -10;
  for (int i = 0; i < 2000; ++i) {
    rng g(seed{7}, purpose::training_trial, std::uint64_t(i));
    const trial tr = task.generate(g);
    REQUIRE(tr.u.cols() == 500);
    const bool color = tr.condition == "color";
    REQUIRE((color || tr.condition == "motion"));
    const auto window = tr.u.middleCols(50, 200);
    CHECK(window.row(0).isConstant(color ? 1.0 : -1.0));
    CHECK(window.row(1).isConstant(tr.u(1, 50)));
    CHECK(window.row(2).isConstant(tr.u(2, 50)));
    CHECK(tr.u.leftCols(50).isZero());
    CHECK(tr.u.rightCols(250).isZero());
    CHECK(tr.u.row(3).isZero());
    const double cued = tr.u(color ? 1 : 2, 50);
    CHECK(tr.label == (cued > 0 ? 1.0 : -1.0));
    CHECK(tr.z.head(250).isZero());
    CHECK((tr.z.tail(250).array() == tr.label).all());
    for (int c = 1; c <= 2; ++c) {
      lo = std::min(lo, tr.u(c, 50));
      hi = std::max(hi, tr.u(c, 50));
    }
  }
  // 4000 draws from U(−1.25, 1.25): all inside, and the extremes within 0.01 of the ends
  // (the chance that no draw comes that close to one end is (1 − 0.004)^4000 ≈ 1e−7)
  CHECK(lo >= -1.25);
  CHECK(hi < 1.25);
  CHECK(lo < -1.24);
  CHECK(hi > 1.24);
}

TEST_CASE("mante_port: both contexts and both labels occur about half the time") {
  const mante_port task{};
  std::map<std::string, int> contexts;
  std::map<double, int> labels;
  std::map<std::string, int> context_and_label;
  constexpr int n = 4000;
  for (int i = 0; i < n; ++i) {
    rng g(seed{11}, purpose::training_trial, std::uint64_t(i));
    const trial tr = task.generate(g);
    ++contexts[tr.condition];
    ++labels[tr.label];
    ++context_and_label[tr.condition + (tr.label > 0 ? "+" : "-")];
  }
  REQUIRE(contexts.size() == 2);
  REQUIRE(labels.size() == 2);
  REQUIRE(context_and_label.size() == 4);
  // binomial sd of a fraction over 4000 trials is 0.008 (p 0.5) and 0.007 (p 0.25): ±0.04 and
  // ±0.03 are 5 sd and more, so only a wrong probability fails
  CHECK(std::abs(contexts["color"] / double(n) - 0.5) < 0.04);
  CHECK(std::abs(labels[1.0] / double(n) - 0.5) < 0.04);
  for (const auto& [key, count] : context_and_label) CHECK(std::abs(count / double(n) - 0.25) < 0.03);
  // a requested context draws only the coherences
  for (int i = 0; i < 200; ++i) {
    rng g(seed{12}, purpose::user, std::uint64_t(i));
    CHECK(task.generate(g, mante_port::context::motion).condition == "motion");
  }
}

TEST_CASE("mante_port: a seed and trial index regenerate the same trial") {
  const mante_port task{};
  for (int i = 0; i < 20; ++i) {
    rng a(seed{5}, purpose::training_trial, std::uint64_t(i));
    rng b(seed{5}, purpose::training_trial, std::uint64_t(i));
    const trial x = task.generate(a), y = task.generate(b);
    CHECK(x.u == y.u);
    CHECK(x.z == y.z);
    CHECK(x.label == y.label);
    CHECK(x.condition == y.condition);
    const trial sx = task.spiking_trial(a), sy = task.spiking_trial(b);
    CHECK(sx.u == sy.u);
  }
  rng a(seed{5}, purpose::training_trial, 0), c(seed{6}, purpose::training_trial, 0);
  CHECK(task.generate(a).u != task.generate(c).u);
}

TEST_CASE("mante_port: the TF-style rate rule on the last 200 outputs by default") {
  const mante_port task{};
  trial tr = task.make(mante_port::context::color, 0.5, -0.5);
  REQUIRE(tr.label == 1.0);
  vector<double> o = vector<double>::Zero(499);
  o[298] = 0.9;  // outside the last 200 (indices 299…498)
  CHECK_FALSE(task.correct(tr, o));
  o[299] = 0.69;  // inside, but not beyond 0.7
  CHECK_FALSE(task.correct(tr, o));
  o[299] = 0.71;
  CHECK(task.correct(tr, o));
  tr = task.make(mante_port::context::motion, 0.5, -0.5);
  REQUIRE(tr.label == -1.0);
  CHECK_FALSE(task.correct(tr, o));  // wrong-sign excursions neither help nor hurt
  o[450] = -0.8;
  CHECK(task.correct(tr, o));
  CHECK_FALSE(task.correct(tr, vector<double>::Constant(150, -1.0)));  // too short for the rule
}

TEST_CASE("mante_port: the port's rule judges o from stimulus offset with its threshold 0.3") {
  const mante_port task({.rule = mante_port_rule::after_stimulus, .threshold = 0.3});
  const trial plus = task.make(mante_port::context::motion, -1.0, 1.0);
  REQUIRE(plus.label == 1.0);
  vector<double> o = vector<double>::Zero(499);
  o[249] = 0.9;  // before o[250:]
  CHECK_FALSE(task.correct(plus, o));
  o[250] = 0.31;  // o[250] is already judged here, the TF rule would not look before 299
  CHECK(task.correct(plus, o));
  CHECK_FALSE(mante_port{}.correct(plus, o));
  const trial minus = task.make(mante_port::context::color, -1.0, 1.0);
  CHECK_FALSE(task.correct(minus, o));
  o[260] = -0.31;
  CHECK(task.correct(minus, o));
}

TEST_CASE("mante_port: LIF trials have one more column and the spiking rule starts at 1.3 s") {
  const mante_port task{};
  rng g(seed{8}, purpose::spiking_trial);
  const trial sp = task.spiking_trial(g);
  CHECK(sp.u.cols() == 501);
  CHECK(sp.z.size() == 501);
  CHECK(sp.u.col(500).isZero());
  CHECK(sp.z[500] == sp.label);
  const auto samples = task.sample_spiking_trials();
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].condition == "color");
  CHECK(samples[1].condition == "motion");
  CHECK(samples[0].u.cols() == 501);
  CHECK(samples[0].label == 1.0);  // the same coherences answer differently by context
  CHECK(samples[1].label == -1.0);
  CHECK(samples[0].u.middleCols(50, 200).bottomRows(3) == samples[1].u.middleCols(50, 200).bottomRows(3));

  row_vector<double> out = row_vector<double>::Zero(50000);
  out[25998] = 1;  // sample 25999, before 1.3 s
  CHECK_FALSE(task.spiking_correct(samples[0], out, 5e-5));
  out[25999] = 0.7;  // sample 26000, not beyond the threshold
  CHECK_FALSE(task.spiking_correct(samples[0], out, 5e-5));
  out[25999] = 0.75;
  CHECK(task.spiking_correct(samples[0], out, 5e-5));
  CHECK_FALSE(task.spiking_correct(samples[1], out, 5e-5));
  out[40000] = -0.75;
  CHECK(task.spiking_correct(samples[1], out, 5e-5));
  // downsampled by 2: the window starts at sample 13000
  row_vector<double> coarse = row_vector<double>::Zero(25000);
  coarse[12998] = -1;
  CHECK_FALSE(task.spiking_correct(samples[1], coarse, 1e-4));
  coarse[12999] = -1;
  CHECK(task.spiking_correct(samples[1], coarse, 1e-4));
}

TEST_CASE("mante_port: other settings move the windows and impossible ones are refused by name") {
  const mante_port task(
      {.T = 300, .stim_on = 20, .stim_dur = 100, .coherence = 0.5, .eval_last = 100, .spiking_window_start = 0.8});
  const trial tr = task.make(mante_port::context::color, 0.25, 0.5);
  CHECK(tr.u.cols() == 300);
  CHECK(tr.u.row(0).segment(20, 100).isConstant(1.0));
  CHECK(tr.u.leftCols(20).isZero());
  CHECK(tr.u.rightCols(180).isZero());
  CHECK(tr.z.head(120).isZero());
  CHECK((tr.z.tail(180).array() == 1.0).all());
  for (int i = 0; i < 200; ++i) {
    rng g(seed{9}, purpose::user, std::uint64_t(i));
    const trial r = task.generate(g);
    CHECK(r.u.row(1).cwiseAbs().maxCoeff() < 0.5);
    CHECK(r.u.row(2).cwiseAbs().maxCoeff() < 0.5);
  }

  const auto refused = [](mante_port_params p, const std::string& name) {
    const std::string quoted = "'" + name + "'";
    CHECK_THROWS_WITH_AS((mante_port{p}), doctest::Contains(quoted.c_str()), invalid_parameter);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  refused({.T = 2}, "T");
  refused({.stim_on = -1}, "stim_on/stim_dur");
  refused({.stim_dur = 0}, "stim_on/stim_dur");
  refused({.stim_on = 300, .stim_dur = 199}, "stim_on/stim_dur");  // ends at T − 1: no target left
  refused({.coherence = 0}, "coherence");
  refused({.coherence = nan}, "coherence");
  refused({.threshold = -0.1}, "threshold");
  refused({.threshold = nan}, "threshold");
  refused({.eval_last = 0}, "eval_last");
  refused({.eval_last = 500}, "eval_last");
  refused({.spiking_window_start = -1}, "spiking_window_start");
  refused({.spiking_window_start = 2.5}, "spiking_window_start");
  CHECK_NOTHROW(mante_port({.stim_on = 300, .stim_dur = 198}));
  CHECK_NOTHROW(mante_port({.eval_last = 499}));
}
