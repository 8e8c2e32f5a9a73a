#include <spikernn/neuron/lif.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace spikernn;

namespace {
/// The parameter validate() names, or "" when it accepts.
std::string refusal_of(const lif_params& p) {
  try {
    p.validate();
  } catch (const invalid_parameter& e) {
    return e.parameter;
  }
  return "";
}
}  // namespace

TEST_CASE("lif_params: defaults are the constants of spec §4.2 - §4.3") {
  const lif_params p;
  CHECK(p.dt == 5e-5);
  CHECK(p.downsample == 1);
  CHECK(p.tau_m == 0.010);
  CHECK(p.t_ref == 0.002);
  CHECK(p.v_reset == -65.0);
  CHECK(p.v_peak == -40.0);
  CHECK(p.bias == -40.0);
  CHECK(p.bias == p.v_peak);  // the original sets BIAS = v_peak
  CHECK(p.tau_r == 0.002);
  CHECK(p.noise_mv == 0.1);
  CHECK(p.v_init_lo == -65.0);
  CHECK(p.v_init_hi == 30.0);
  CHECK(p.spike_display == 30.0);
  CHECK(p.steps_per_column == 100);
  CHECK(p.step() == 5e-5);
  // 100 steps of 0.05 ms are one 5 ms rate-model step
  CHECK(p.steps_per_column * p.step() == doctest::Approx(0.005).epsilon(1e-12));
  CHECK(refusal_of(p) == "");
}

TEST_CASE("lif_params: step() is dt times the downsampling factor") {
  lif_params p;
  p.downsample = 2;
  CHECK(p.step() == doctest::Approx(1e-4).epsilon(1e-14));
  p.downsample = 5;
  p.dt = 1e-4;
  CHECK(p.step() == doctest::Approx(5e-4).epsilon(1e-14));
}

TEST_CASE("lif_params: validate refuses bad values naming the parameter") {
  const auto with = [](auto&& change) {
    lif_params p;
    change(p);
    return refusal_of(p);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(with([](lif_params& p) { p.dt = 0; }) == "dt");
  CHECK(with([](lif_params& p) { p.dt = -5e-5; }) == "dt");
  CHECK(with([&](lif_params& p) { p.dt = nan; }) == "dt");
  CHECK(with([&](lif_params& p) { p.dt = inf; }) == "dt");
  CHECK(with([](lif_params& p) { p.downsample = 0; }) == "downsample");
  CHECK(with([](lif_params& p) { p.downsample = -2; }) == "downsample");
  CHECK(with([](lif_params& p) { p.tau_m = 0; }) == "tau_m");
  CHECK(with([](lif_params& p) { p.tau_m = -0.01; }) == "tau_m");
  CHECK(with([&](lif_params& p) { p.tau_m = nan; }) == "tau_m");
  CHECK(with([](lif_params& p) { p.t_ref = -1e-3; }) == "t_ref");
  CHECK(with([](lif_params& p) { p.tau_r = -1e-3; }) == "tau_r");
  CHECK(with([](lif_params& p) { p.v_peak = -65; }) == "v_peak");  // equal to v_reset
  CHECK(with([](lif_params& p) { p.v_reset = -30; }) == "v_peak");  // reset above threshold
  CHECK(with([](lif_params& p) { p.noise_mv = -0.1; }) == "noise_mv");
  CHECK(with([](lif_params& p) { p.v_init_hi = -70; }) == "v_init_hi");  // below v_init_lo
  CHECK(with([](lif_params& p) { p.steps_per_column = 0; }) == "steps_per_column");
  // the message says what was expected
  lif_params bad;
  bad.tau_m = 0;
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("'tau_m'"), invalid_parameter);
}

TEST_CASE("lif_params: boundary values that are legal are accepted") {
  lif_params p;
  p.t_ref = 0;         // no refractory period (paper Fig. 6A tests 0 ms)
  p.tau_r = 0;         // single-exponential synapse
  p.noise_mv = 0;      // deterministic membrane
  p.v_init_lo = p.v_init_hi = -50;  // a fixed initial voltage
  p.downsample = 3;
  CHECK(refusal_of(p) == "");
}

TEST_CASE("lif_membrane: leaky integration toward the current unless refractory - then the noise") {
  // exact in binary: a = 0.25, v = -60, I = -40 → -60 + 0.25·20 = -55, plus noise 0.5
  CHECK(lif_membrane(-60.0, -40.0, true, 0.25, 0.5) == -54.5);
  CHECK(lif_membrane(-60.0, -40.0, false, 0.25, 0.5) == -59.5);  // refractory: noise only
  CHECK(lif_membrane(-60.0, -40.0, false, 0.25, 0.0) == -60.0);
  CHECK(lif_membrane(-30.0, -50.0, true, 0.5, -0.25) == -40.25);  // decays toward a lower current
  CHECK(lif_membrane(-60.f, -40.f, true, 0.25f, 0.5f) == -54.5f);
  // the spec's form v + dt·(−v + I)/τ_m with the default constants
  const lif_params p;
  const double v = -52.0, current = -40.0 + 7.5;
  const double expected = v + p.dt * (-v + current) / p.tau_m;
  CHECK(lif_membrane(v, current, true, p.dt / p.tau_m, 0.0) == doctest::Approx(expected).epsilon(1e-15));
  CHECK(lif_membrane(v, current, true, p.dt / p.tau_m, 0.0) == doctest::Approx(-52.0 + 0.005 * 19.5).epsilon(1e-15));
}

TEST_CASE("lif_double_exp: the decaying variable takes the rise variable from before the update") {
  // decay = 2·0.5 + 4·0.125 = 1.5 (with the new rise it would be 1 + 7·0.125 = 1.875)
  // rise  = 4·0.25 + 3·2 = 7
  double decay = 2, rise = 4;
  lif_double_exp(decay, rise, 3.0, 0.5, 0.25, 0.125, 2.0);
  CHECK(decay == 1.5);
  CHECK(rise == 7.0);
  // a second step with no input: decay = 1.5·0.5 + 7·0.125 = 1.625, rise = 7·0.25 = 1.75
  lif_double_exp(decay, rise, 0.0, 0.5, 0.25, 0.125, 2.0);
  CHECK(decay == 1.625);
  CHECK(rise == 1.75);
  float df = 2.f, rf = 4.f;
  lif_double_exp(df, rf, 3.f, 0.5f, 0.25f, 0.125f, 2.f);
  CHECK(df == 1.5f);
  CHECK(rf == 7.f);
}

TEST_CASE("lif_double_exp: one kick of 1/(τ_r τ_d) integrates to the spec's discrete area") {
  // spec §8: Σ r·dt = (dt/(1−e^(−dt/τ_r)))·(dt/(1−e^(−dt/τ_d)))/(τ_r τ_d) ≈ 1 + dt/2τ_r + dt/2τ_d
  const double dt = 5e-5, tau_r = 0.002, tau_d = 0.03;
  const double df = std::exp(-dt / tau_d), rf = std::exp(-dt / tau_r);
  double r = 0, hr = 0, area = 0;
  lif_double_exp(r, hr, 1.0, df, rf, dt, 1.0 / (tau_r * tau_d));
  area += r * dt;
  CHECK(r == 0.0);  // the rate itself only moves on the next step
  for (int i = 0; i < 40000; ++i) {  // 2 s ≫ τ_d
    lif_double_exp(r, hr, 0.0, df, rf, dt, 1.0 / (tau_r * tau_d));
    area += r * dt;
  }
  const double exact = (dt / (1 - rf)) * (dt / (1 - df)) / (tau_r * tau_d);
  CHECK(area == doctest::Approx(exact).epsilon(1e-9));
  // first order in dt (the next terms are dt²/12τ², ~5e-5 here)
  CHECK(area == doctest::Approx(1 + dt / (2 * tau_r) + dt / (2 * tau_d)).epsilon(1e-4));
  CHECK(std::abs(area - 1) < 0.02);
}
