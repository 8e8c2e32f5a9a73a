#include <spikernn/network/lif_network.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace spikernn;

namespace {

/// Deterministic membrane: no noise, every unit starting at v0.
lif_params quiet(double v0) {
  lif_params p;
  p.noise_mv = 0;
  p.v_init_lo = p.v_init_hi = v0;
  return p;
}

array<double> arr(std::initializer_list<double> xs) {
  array<double> a(static_cast<index_t>(xs.size()));
  index_t k = 0;
  for (double x : xs) a[k++] = x;
  return a;
}

lif_network<double> isolated(index_t n, const lif_params& p, const array<double>& tau_d) {
  return lif_network<double>(matrix<double>::Zero(n, n), matrix<double>::Ones(n, 1), row_vector<double>::Ones(n), tau_d, p);
}

/// The parameter an invalid_parameter names, or "" if `f` does not throw one.
using spikernn::testing::refused;

rng stream(std::uint64_t k) { return rng(seed{k}, purpose::user, 0); }

}  // namespace

TEST_CASE("lif_network: time base of spec §4.2 - 201 / 301 / 501 columns and downsample 2") {
  struct expected_base {
    int inputs, cols, downsample;
    double dt;
    long nt;
    double duration;
  };
  const expected_base cases[] = {{1, 201, 1, 5e-5, 20000, 1.0},
                                 {2, 301, 1, 5e-5, 30000, 1.5},
                                 {4, 501, 1, 5e-5, 50000, 2.5},
                                 {1, 201, 2, 1e-4, 10000, 1.0}};
  for (const auto& c : cases) {
    CAPTURE(c.cols);
    CAPTURE(c.downsample);
    lif_params p;
    p.downsample = c.downsample;
    lif_network<double> net(matrix<double>::Zero(3, 3), matrix<double>::Ones(3, c.inputs), row_vector<double>::Ones(3),
                            array<double>::Constant(3, 0.03), p);
    rng g = stream(1);
    const auto tr = net.run(matrix<double>::Zero(c.inputs, c.cols), g);
    CHECK(tr.dt == doctest::Approx(c.dt).epsilon(1e-13));
    CHECK(tr.steps == c.nt);
    CHECK(tr.out.size() == c.nt);
    CHECK(tr.duration == doctest::Approx(c.duration).epsilon(1e-12));
    CHECK(tr.firing_rates.size() == 3);
  }
  // the float network has the same time base
  lif_network<float> f(matrix<float>::Zero(2, 2), matrix<float>::Ones(2, 1), row_vector<float>::Ones(2),
                       array<float>::Constant(2, 0.03f));
  rng g = stream(1);
  const auto tr = f.run(matrix<double>::Zero(1, 201), g);
  CHECK(tr.steps == 20000);
  CHECK(tr.out.allFinite());
}

TEST_CASE("lif_network: no unit integrates during steps 1 - 40 (the first 2 ms)") {
  // noise 0, v = −60 everywhere, inputs that pull every unit away from −60 once it integrates
  const auto p = quiet(-60);
  auto net = isolated(4, p, arr({0.02, 0.03, 0.04, 0.05}));
  rng g = stream(1);
  net.reset(g);
  const array<double> ext = arr({15, -10, 5, 0});  // I = −40 + ext: −25, −50, −35, −40
  net.set_input(ext.matrix());
  for (int i = 1; i <= 40; ++i) {
    net.step(g);
    CAPTURE(i);
    CHECK(net.spiked().empty());
    CHECK((net.v() == -60.0).all());
  }
  net.step(g);  // step 41: t > t_last + t_ref
  const double a = p.dt / p.tau_m;
  for (index_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    CHECK(net.v()[k] == doctest::Approx(-60 + a * (-40 + ext[k] + 60)).epsilon(1e-14));
    CHECK(net.v()[k] != -60.0);
  }
  // the same through run(): recorded voltages stay at the initial value for 40 steps
  rng g2 = stream(2);
  matrix<double> w_in(4, 1);
  w_in << 15, -10, 5, 0;
  lif_network<double> net2(matrix<double>::Zero(4, 4), w_in, row_vector<double>::Ones(4), arr({0.02, 0.03, 0.04, 0.05}), p);
  const auto tr = net2.run(matrix<double>::Ones(1, 3), g2, {.voltages = true});
  CHECK((tr.voltages.leftCols(40).array() == -60.0).all());
  CHECK((tr.voltages.col(40).array() != -60.0).all());
}

TEST_CASE("lif_network: after a spike a unit rests at v_reset for t_ref - then integrates again") {
  const auto p = quiet(-60);
  auto net = isolated(2, p, arr({0.03, 0.03}));
  rng g = stream(3);
  net.reset(g);
  net.set_input(arr({100, -10}).matrix());  // unit 0 is driven toward +60 mV, unit 1 toward −50
  long s = 0;
  for (int i = 1; i <= 1000 && s == 0; ++i) {
    net.step(g);
    if (!net.spiked().empty()) s = net.step_index();
  }
  REQUIRE(s > 41);
  REQUIRE(net.spiked() == std::vector<index_t>{0});
  CHECK(net.v()[0] >= p.v_peak);  // step() leaves the reset to the caller
  net.reset_spiked();
  CHECK(net.v()[0] == p.v_reset);
  const double dt = p.step();
  for (long i = s + 1; i <= s + 41; ++i) {
    net.step(g);
    CAPTURE(i - s);
    // the spec's gate t_i > t_last + t_ref, evaluated in double like the original
    const bool integrates = double(i) * dt > double(s) * dt + p.t_ref;
    if (i - s < 40) CHECK_FALSE(integrates);
    if (i - s == 41) CHECK(integrates);
    if (integrates)
      CHECK(net.v()[0] > p.v_reset);
    else
      CHECK(net.v()[0] == p.v_reset);
    CHECK(net.spiked().empty());
  }
}

TEST_CASE("lif_network: one isolated spike puts area 1 (s·Hz) under r - the spec's discrete sum") {
  // v starts above threshold: every unit fires at step 1, then the inputs hold it below.
  const auto p = quiet(-30);
  const array<double> tau_d = arr({0.02, 0.05});
  lif_network<double> net(matrix<double>::Zero(2, 2), matrix<double>::Ones(2, 1), (row_vector<double>(2) << 2, -3).finished(),
                          tau_d, p);
  rng g = stream(4);
  net.reset(g);
  net.set_input(arr({-10, -10}).matrix());
  net.step(g);
  REQUIRE(net.spiked() == std::vector<index_t>{0, 1});
  net.reset_spiked();
  const double dt = p.step();
  array<double> area = net.rates() * dt;
  CHECK((net.rates() == 0.0).all());  // r moves one step after the spike
  for (int i = 2; i <= 30000; ++i) {  // 1.5 s = 30 τ_d of the slower unit
    net.step(g);
    REQUIRE(net.spiked().empty());
    area += net.rates() * dt;
    if (i == 100) CHECK(net.output() == doctest::Approx(2 * net.rates()[0] - 3 * net.rates()[1]).epsilon(1e-14));
  }
  for (index_t k = 0; k < 2; ++k) {
    CAPTURE(k);
    const double exact = (dt / (1 - std::exp(-dt / p.tau_r))) * (dt / (1 - std::exp(-dt / tau_d[k]))) / (p.tau_r * tau_d[k]);
    CHECK(area[k] == doctest::Approx(exact).epsilon(1e-9));
    CHECK(std::abs(area[k] - 1) < 0.02);
  }
}

TEST_CASE("lif_network: a spike of unit j adds column j of W to the current path (double exponential)") {
  matrix<double> w(3, 3);
  w << 0.5, 2.0, -1.0,  //
      3.0, 0.25, 7.0,   //
      -4.0, 1.5, 0.0;
  const array<double> tau_d = arr({0.02, 0.03, 0.05});
  const auto p = quiet(-60);
  lif_network<double> net(w, matrix<double>::Ones(3, 1), row_vector<double>::Ones(3), tau_d, p);
  rng g = stream(5);
  net.reset(g);
  net.set_input(arr({-10, 100, -10}).matrix());  // only unit 1 reaches threshold
  long s = 0;
  for (int i = 1; i <= 1000 && s == 0; ++i) {
    net.step(g);
    if (!net.spiked().empty()) s = net.step_index();
  }
  REQUIRE(net.spiked() == std::vector<index_t>{1});
  // the kick goes into h, which reaches the current only on the next step
  CHECK((net.currents() == 0.0).all());
  CHECK((net.rates() == 0.0).all());
  net.reset_spiked();
  net.set_input(arr({-10, -10, -10}).matrix());
  const double dt = p.step(), tr = p.tau_r, rise = std::exp(-dt / tr);
  net.step(g);
  REQUIRE(net.spiked().empty());
  array<double> ipsc1(3);
  for (index_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    ipsc1[i] = w(i, 1) * dt / (tr * tau_d[i]);  // h = W(:,1)/(τ_r τ_d,i); IPSC = h·dt
    CHECK(net.currents()[i] == doctest::Approx(ipsc1[i]).epsilon(1e-13));
  }
  CHECK(net.rates()[1] == doctest::Approx(dt / (tr * tau_d[1])).epsilon(1e-13));
  CHECK(net.rates()[0] == 0.0);
  CHECK(net.rates()[2] == 0.0);
  // next step: IPSC·e^(−dt/τ_d) + h·e^(−dt/τ_r)·dt, and unit 0 integrates I = IPSC + bias + ext
  const double v_before = net.v()[0];
  net.step(g);
  for (index_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const double expected = ipsc1[i] * std::exp(-dt / tau_d[i]) + w(i, 1) / (tr * tau_d[i]) * rise * dt;
    CHECK(net.currents()[i] == doctest::Approx(expected).epsilon(1e-13));
  }
  const double a = dt / p.tau_m;
  CHECK(net.v()[0] == doctest::Approx(v_before + a * (ipsc1[0] + p.bias - 10 - v_before)).epsilon(1e-14));
  CHECK(net.v()[0] != doctest::Approx(v_before + a * (p.bias - 10 - v_before)).epsilon(1e-14));

  // two units firing on the same step add both columns
  lif_network<double> all(w, matrix<double>::Ones(3, 1), row_vector<double>::Ones(3), tau_d, quiet(-30));
  all.reset(g);
  all.set_input(arr({-10, -10, -10}).matrix());
  all.step(g);
  REQUIRE(all.spiked().size() == 3);
  all.reset_spiked();
  all.step(g);
  for (index_t i = 0; i < 3; ++i)
    CHECK(all.currents()[i] == doctest::Approx(w.row(i).sum() * dt / (tr * tau_d[i])).epsilon(1e-13));
}

TEST_CASE("lif_network: single-exponential synapse (tau_r = 0) follows the spec's formula") {
  matrix<double> w(2, 2);
  w << -2.5, 0.5,  // inhibitory row sums: nothing fires after step 1
      -3.0, 1.0;
  const array<double> tau_d = arr({0.02, 0.04});
  auto p = quiet(-30);
  p.tau_r = 0;
  lif_network<double> net(w, matrix<double>::Ones(2, 1), row_vector<double>::Ones(2), tau_d, p);
  rng g = stream(6);
  net.reset(g);
  net.set_input(arr({-10, -10}).matrix());
  net.step(g);
  REQUIRE(net.spiked().size() == 2);
  net.reset_spiked();
  const double dt = p.step();
  // IPSC ← IPSC·e^(−dt/τ_d) + JD/τ_d, r ← r·e^(−dt/τ_d) + 1[S]/τ_d — effective at once
  for (index_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(net.rates()[i] == doctest::Approx(1 / tau_d[i]).epsilon(1e-14));
    CHECK(net.currents()[i] == doctest::Approx(w.row(i).sum() / tau_d[i]).epsilon(1e-14));
  }
  double area0 = net.rates()[0] * dt;
  net.step(g);
  for (index_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    const double decay = std::exp(-dt / tau_d[i]);
    CHECK(net.rates()[i] == doctest::Approx(decay / tau_d[i]).epsilon(1e-14));
    CHECK(net.currents()[i] == doctest::Approx(decay * w.row(i).sum() / tau_d[i]).epsilon(1e-14));
  }
  area0 += net.rates()[0] * dt;
  for (int i = 3; i <= 20000; ++i) {
    net.step(g);
    REQUIRE(net.spiked().empty());
    area0 += net.rates()[0] * dt;
  }
  CHECK(area0 == doctest::Approx(dt / (tau_d[0] * (1 - std::exp(-dt / tau_d[0])))).epsilon(1e-9));
}

TEST_CASE("lif_network: reset to v_reset after reset_spiked - recorded voltages show +30 at spikes") {
  lif_network<double> single = isolated(3, quiet(-30), arr({0.03, 0.03, 0.03}));
  rng g = stream(7);
  single.reset(g);
  single.set_input(arr({-10, -10, -10}).matrix());
  single.step(g);
  REQUIRE(single.spiked().size() == 3);
  CHECK((single.v() == -30.0).all());  // still above threshold until the reset
  single.reset_spiked();
  CHECK((single.v() == -65.0).all());

  // a random network with the default constants (noise, v0 ~ U(−65, 30))
  const index_t n = 20;
  rng wg(seed{11}, purpose::user, 1);
  matrix<double> w(n, n);
  for (index_t k = 0; k < w.size(); ++k) w(k) = wg.normal() * 0.05;
  matrix<double> w_in(n, 1);
  for (index_t k = 0; k < n; ++k) w_in(k) = wg.normal();
  lif_network<double> net(w, w_in, row_vector<double>::Constant(n, 0.01), array<double>::Constant(n, 0.03));
  matrix<double> u = matrix<double>::Zero(1, 21);
  u.block(0, 5, 1, 5).setOnes();
  rng g2 = stream(8);
  const auto tr = net.run(u, g2, {.spikes = true, .voltages = true});
  REQUIRE(!tr.spikes.empty());
  matrix<char> is_spike = matrix<char>::Zero(n, tr.steps);
  for (const auto& [i, j] : tr.spikes) {
    REQUIRE(i >= 1);
    REQUIRE(i <= tr.steps);
    is_spike(j, i - 1) = 1;
    CHECK(tr.voltages(j, i - 1) == 30.0);
  }
  long above = 0, after_spike_far_from_reset = 0;
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < tr.steps; ++i) {
      if (is_spike(j, i)) {
        if (i + 1 < tr.steps && std::abs(tr.voltages(j, i + 1) + 65.0) > 1.0) ++after_spike_far_from_reset;
      } else if (tr.voltages(j, i) >= -40.0) {
        ++above;
      }
    }
  CHECK(above == 0);                       // a value at threshold is a spike
  CHECK(after_spike_far_from_reset == 0);  // reset to −65, refractory: only noise (SD 0.1 mV)
  // the spike display value is a parameter
  lif_params p;
  p.spike_display = 0;
  lif_network<double> zero_display(w, w_in, row_vector<double>::Constant(n, 0.01), array<double>::Constant(n, 0.03), p);
  rng g3 = stream(8);
  const auto tr0 = zero_display.run(u, g3, {.spikes = true, .voltages = true});
  REQUIRE(!tr0.spikes.empty());
  CHECK(tr0.voltages(tr0.spikes[0].second, tr0.spikes[0].first - 1) == 0.0);
}

TEST_CASE("lif_network: input column round(i/100) with half away from zero - column 1 at step 50") {
  // v0 = −50 and column 0 gives I = −40 − 10 = −50: v stays exactly put; column 1 gives −45
  auto p = quiet(-50);
  p.t_ref = 0;  // integrate from step 1
  lif_network<double> net(matrix<double>::Zero(1, 1), matrix<double>::Constant(1, 1, 10), row_vector<double>::Ones(1),
                          arr({0.03}), p);
  rng g = stream(9);
  const auto tr = net.run((matrix<double>(1, 2) << -1, -0.5).finished(), g, {.voltages = true});
  REQUIRE(tr.steps == 100);
  for (int i = 1; i <= 49; ++i) CHECK(tr.voltages(0, i - 1) == -50.0);
  const double a = p.dt / p.tau_m;
  CHECK(tr.voltages(0, 49) == doctest::Approx(-50 + a * 5).epsilon(1e-14));  // step 50
  CHECK(tr.voltages(0, 99) > tr.voltages(0, 49));

  // downsample 2 uses columns 0, 2, 4 of u (dt = 0.1 ms): columns 1 and 3 must not matter
  p.downsample = 2;
  lif_network<double> ds(matrix<double>::Zero(1, 1), matrix<double>::Constant(1, 1, 10), row_vector<double>::Ones(1),
                         arr({0.03}), p);
  rng g2 = stream(9);
  const auto tr2 = ds.run((matrix<double>(1, 5) << -1, 5, -1, 7, -0.5).finished(), g2, {.voltages = true});
  REQUIRE(tr2.steps == 200);
  for (int i = 1; i <= 149; ++i) CHECK(tr2.voltages(0, i - 1) == -50.0);
  CHECK(tr2.voltages(0, 149) == doctest::Approx(-50 + (1e-4 / 0.01) * 5).epsilon(1e-14));  // step 150: column 2
}

TEST_CASE("lif_network: stimulation adds +-0.5 mV to the listed units only within from - to") {
  // no integration (t_ref ≫ trial), no noise, far below threshold: v moves only by stimulation
  auto p = quiet(-200);
  p.t_ref = 100;
  auto net = isolated(3, p, arr({0.03, 0.03, 0.03}));
  const matrix<double> u = matrix<double>::Zero(1, 5);  // 400 steps
  const auto kicks = [&](const lif_stimulation& stim, std::uint64_t s, double& size) {
    rng g = stream(s);
    const auto tr = net.run(u, g, {.voltages = true}, stim);
    REQUIRE(tr.total_spikes == 0);
    CHECK((tr.voltages.row(1).array() == -200.0).all());  // not listed
    CHECK(tr.voltages.row(0) == tr.voltages.row(2));      // one coin shared by the listed units
    std::vector<long> steps;
    double prev = -200;
    for (long i = 1; i <= tr.steps; ++i) {
      const double d = tr.voltages(0, i - 1) - prev;
      prev = tr.voltages(0, i - 1);
      if (d != 0) {
        steps.push_back(i);
        size = d;
      }
    }
    return steps;
  };
  lif_stimulation exc{.kind = lif_stimulation::mode::exc, .units = {0, 2}, .from = 100, .to = 300};
  double size = 0;
  const auto e = kicks(exc, 1, size);
  CHECK(size == 0.5);
  CHECK(e.size() >= 60);  // Binomial(200, 0.5): ±5.6 SD
  CHECK(e.size() <= 140);
  CHECK(e.front() >= 100);
  CHECK(e.back() < 300);
  lif_stimulation inh = exc;
  inh.kind = lif_stimulation::mode::inh;
  inh.amplitude = 1.5;
  const auto h = kicks(inh, 2, size);
  CHECK(size == -1.5);
  CHECK(h.size() >= 60);
  CHECK(h.size() <= 140);
  lif_stimulation none = exc;
  none.kind = lif_stimulation::mode::none;
  CHECK(kicks(none, 1, size).empty());
  // the window is [from, to): one step wide fires only at `from`, sometimes; empty never
  lif_stimulation one = exc;
  one.from = 100;
  one.to = 101;
  int fired = 0;
  for (std::uint64_t s = 1; s <= 20; ++s) {
    const auto k = kicks(one, s, size);
    CHECK(k.size() <= 1);
    if (!k.empty()) {
      CHECK(k[0] == 100);
      ++fired;
    }
  }
  CHECK(fired >= 1);   // P(no kick in 20 coins) ≈ 1e-6
  CHECK(fired <= 19);
  lif_stimulation empty = exc;
  empty.to = 100;
  for (std::uint64_t s = 1; s <= 5; ++s) CHECK(kicks(empty, s, size).empty());
  lif_stimulation bad = exc;
  bad.units = {3};
  rng g = stream(1);
  CHECK(refused([&] { net.run(u, g, {}, bad); }) == "stimulation units");
}

TEST_CASE("lif_network: recording options - nothing recorded gives empty matrices - all recorded N x nt") {
  const index_t n = 6;
  rng wg(seed{12}, purpose::user, 1);
  matrix<double> w(n, n);
  for (index_t k = 0; k < w.size(); ++k) w(k) = wg.normal() * 0.05;
  const row_vector<double> w_out = row_vector<double>::LinSpaced(n, -0.02, 0.03);
  lif_network<double> net(w, matrix<double>::Ones(n, 1), w_out, array<double>::LinSpaced(n, 0.02, 0.05));
  const matrix<double> u = matrix<double>::Ones(1, 11);
  rng g1 = stream(13);
  const auto bare = net.run(u, g1);
  CHECK(bare.out.size() == 1000);
  CHECK(bare.spikes.empty());
  CHECK(bare.voltages.size() == 0);
  CHECK(bare.rates.size() == 0);
  CHECK(bare.currents.size() == 0);
  CHECK(bare.total_spikes > 0);
  rng g2 = stream(13);
  const auto full = net.run(u, g2, {.spikes = true, .voltages = true, .rates = true, .currents = true});
  for (const matrix<double>* m : {&full.voltages, &full.rates, &full.currents}) {
    CHECK(m->rows() == n);
    CHECK(m->cols() == 1000);
  }
  CHECK(long(full.spikes.size()) == full.total_spikes);
  // recording does not change the simulation
  CHECK(full.out == bare.out);
  CHECK(full.total_spikes == bare.total_spikes);
  // out is w_out · r at every step; currents are recorded before the step's update
  for (long i : {0L, 1L, 500L, 999L}) CHECK(full.out[i] == doctest::Approx(w_out.dot(full.rates.col(i))).epsilon(1e-13));
  CHECK(full.currents.col(0).isZero());
  CHECK(!full.currents.isZero());
  CHECK(full.out.allFinite());
}

TEST_CASE("lif_network: the same rng seed gives identical output - another seed another") {
  const index_t n = 10;
  rng wg(seed{14}, purpose::user, 1);
  matrix<double> w(n, n);
  for (index_t k = 0; k < w.size(); ++k) w(k) = wg.normal() * 0.05;
  lif_network<double> net(w, matrix<double>::Ones(n, 1), row_vector<double>::Constant(n, 0.01), array<double>::Constant(n, 0.03));
  const matrix<double> u = matrix<double>::Ones(1, 21);
  rng a = stream(21), b = stream(21), c = stream(22);
  const auto ta = net.run(u, a, {.spikes = true});
  const auto tb = net.run(u, b, {.spikes = true});  // the same object again: run() resets it
  lif_network<double> copy = net;
  rng a2 = stream(21);
  const auto tcopy = copy.run(u, a2, {.spikes = true});
  const auto tc = net.run(u, c, {.spikes = true});
  CHECK(ta.out == tb.out);
  CHECK(ta.spikes == tb.spikes);
  CHECK(ta.out == tcopy.out);
  CHECK(ta.out != tc.out);
  CHECK(ta.spikes != tc.spikes);
}

TEST_CASE("lif_network: firing_rates count spikes from step 10 on divided by the duration") {
  // t_ref = 0 and v0 = −41: I = −17 crosses −40 at step 9, I = −19.5 at step 10 (hand computed:
  // v_k = I + (v0 − I)·0.995^k); I = −50 never fires.
  auto p = quiet(-41);
  p.t_ref = 0;
  matrix<double> w_in(3, 1);
  w_in << 23, 20.5, -10;
  lif_network<double> net(matrix<double>::Zero(3, 3), w_in, row_vector<double>::Ones(3), arr({0.03, 0.03, 0.03}), p);
  rng g = stream(15);
  const auto tr = net.run(matrix<double>::Ones(1, 3), g, {.spikes = true});
  REQUIRE(tr.steps == 200);
  std::vector<long> first(3, 0), count(3, 0);
  for (const auto& [i, j] : tr.spikes) {
    if (first[std::size_t(j)] == 0) first[std::size_t(j)] = i;
    ++count[std::size_t(j)];
  }
  CHECK(first[0] == 9);
  CHECK(first[1] == 10);
  CHECK(count[2] == 0);
  REQUIRE(count[0] > 1);
  CHECK(tr.duration == doctest::Approx(0.01).epsilon(1e-12));
  CHECK(tr.firing_rates[0] == doctest::Approx(double(count[0] - 1) / tr.duration).epsilon(1e-12));  // step 9 skipped
  CHECK(tr.firing_rates[1] == doctest::Approx(double(count[1]) / tr.duration).epsilon(1e-12));      // step 10 counted
  CHECK(tr.firing_rates[2] == 0.0);
  CHECK(tr.total_spikes == count[0] + count[1]);  // the total counts every spike
}

/// Runs the network and a literal transcription of spec §4.4 (membrane line: the original's
/// linear LIF, or its commented-out quadratic one) on the same draws and compares them.
template <class Neuron>
void check_against_transcription() {
  const index_t n = 12;
  rng wg(seed{16}, purpose::user, 1);
  matrix<double> w(n, n), w_in(n, 2);
  for (index_t k = 0; k < w.size(); ++k) w(k) = wg.bernoulli(0.3) ? wg.normal() * 0.1 : 0.0;
  for (index_t k = 0; k < w_in.size(); ++k) w_in(k) = wg.normal() * 5;
  row_vector<double> w_out(n);
  for (index_t k = 0; k < n; ++k) w_out[k] = wg.normal() * 0.01;
  array<double> tau_d(n);
  for (index_t k = 0; k < n; ++k) tau_d[k] = wg.uniform(0.02, 0.1);
  matrix<double> u(2, 21);
  for (index_t k = 0; k < u.size(); ++k) u(k) = wg.uniform(-1, 1);
  lif_params p = Neuron::defaults();
  p.noise_mv = 0;
  lif_network<double, Neuron> net(w, w_in, w_out, tau_d, p);
  constexpr bool quadratic = Neuron::name == "qif";

  rng g = stream(17);
  array<double> v;
  {
    lif_network<double, Neuron> probe = net;
    rng g0 = g;
    probe.reset(g0);
    v = probe.v();  // the initial voltages U(−65, 30) the run will draw
  }
  const auto tr = net.run(u, g, {.spikes = true});

  // the spec, written out
  const double dt = p.dt, tau_r = p.tau_r;
  const long nt = 2000;
  const matrix<double> ext = w_in * u;
  array<double> t_last = array<double>::Zero(n), ipsc = t_last, h = t_last, r = t_last, hr = t_last;
  std::vector<std::pair<long, index_t>> spikes;
  row_vector<double> out(nt);
  for (long i = 1; i <= nt; ++i) {
    const double t = double(i) * dt;
    const index_t c = std::min<index_t>(index_t(std::lround(double(i) / 100.0)), 20);
    const array<double> current = ipsc + p.bias + ext.col(c).array();
    for (index_t k = 0; k < n; ++k)
      if (t > t_last[k] + p.t_ref)
        v[k] = v[k] + dt * (quadratic ? v[k] * v[k] + current[k] : -v[k] + current[k]) / p.tau_m;
    array<double> jd = array<double>::Zero(n), fired = array<double>::Zero(n);
    for (index_t k = 0; k < n; ++k)
      if (v[k] >= p.v_peak) {
        jd += w.col(k).array();
        fired[k] = 1;
        t_last[k] = t;
        spikes.emplace_back(i, k);
      }
    ipsc = ipsc * (-dt / tau_d).exp() + h * dt;
    h = h * std::exp(-dt / tau_r) + jd / (tau_r * tau_d);
    r = r * (-dt / tau_d).exp() + hr * dt;
    hr = hr * std::exp(-dt / tau_r) + fired / (tau_r * tau_d);
    for (index_t k = 0; k < n; ++k)
      if (fired[k] != 0) v[k] = p.v_reset;
    out[i - 1] = w_out.dot(r.matrix());
  }
  REQUIRE(spikes.size() > 20);
  CHECK(tr.spikes == spikes);
  CHECK(tr.total_spikes == long(spikes.size()));
  CHECK((tr.out - out).cwiseAbs().maxCoeff() <= 1e-9 * (1 + out.cwiseAbs().maxCoeff()));
}

TEST_CASE("lif_network: matches a transcription of spec §4.4 step by step (noise 0)") {
  check_against_transcription<leaky_if>();
}

TEST_CASE("lif_network: the quadratic neuron matches the original's commented-out QIF line step by step") {
  check_against_transcription<quadratic_if>();
}

TEST_CASE("lif_network: a QIF unit under constant current fires at the analytic period") {
  // τ_m dv/dt = v² + I from v_reset to v_peak takes τ_m/√I · (atan(v_peak/√I) − atan(v_reset/√I));
  // then t_ref of rest. Euler at 0.05 ms is within a few per cent of it.
  for (double current : {25.0, 100.0, 400.0}) {
    lif_params p = quadratic_if::defaults();
    p.noise_mv = 0;
    p.v_init_lo = p.v_init_hi = p.v_reset;
    lif_network<double, quadratic_if> net(matrix<double>::Zero(1, 1), matrix<double>::Constant(1, 1, current),
                                          row_vector<double>::Ones(1), arr({0.03}), p);
    rng g = stream(3);
    const auto tr = net.run(matrix<double>::Ones(1, 41), g, {.spikes = true});
    REQUIRE(tr.spikes.size() > 5);
    const double s = std::sqrt(current);
    const double period = p.tau_m / s * (std::atan(p.v_peak / s) - std::atan(p.v_reset / s)) + p.t_ref;
    const double measured = double(tr.spikes.back().first - tr.spikes[1].first) * p.dt / double(tr.spikes.size() - 2);
    CHECK(measured == doctest::Approx(period).epsilon(0.05));
  }
}

TEST_CASE("lif_network: a QIF unit with negative current rests at minus the square root of it") {
  lif_params p = quadratic_if::defaults();
  p.noise_mv = 0;
  lif_network<double, quadratic_if> net(matrix<double>::Zero(1, 1), matrix<double>::Constant(1, 1, -100.0),
                                        row_vector<double>::Ones(1), arr({0.03}), p);
  rng g = stream(4);
  net.reset(g);
  net.set_input(vector<double>::Constant(1, -100.0));
  long spikes = 0;
  for (int i = 0; i < 4000; ++i) {
    net.step(g);
    spikes += long(net.spiked().size());
    net.reset_spiked();
  }
  CHECK(spikes <= 1);  // at most the first step, if the initial draw sat above +30
  CHECK(net.v()[0] == doctest::Approx(-10.0).epsilon(1e-6));
}

TEST_CASE("lif_network: wrong shapes are refused by name") {
  auto net = isolated(3, {}, arr({0.03, 0.03, 0.03}));
  rng g = stream(1);
  CHECK(refused([&] { net.run(matrix<double>::Zero(2, 201), g); }) == "stimulus");  // 2 channels, w_in has 1
  CHECK(refused([&] { net.run(matrix<double>::Zero(1, 1), g); }) == "stimulus");    // no step to simulate
  CHECK_THROWS_WITH_AS(net.run(matrix<double>::Zero(2, 201), g), doctest::Contains("'stimulus'"), invalid_parameter);
  lif_params d2;
  d2.downsample = 2;
  auto net2 = isolated(3, d2, arr({0.03, 0.03, 0.03}));
  CHECK(refused([&] { net2.run(matrix<double>::Zero(1, 2), g); }) == "stimulus");  // 1 column after downsampling
  CHECK(refused([&] { net2.run(matrix<double>::Zero(1, 3), g); }) == "");
  net.reset(g);
  CHECK(refused([&] { net.set_input(vector<double>::Zero(4)); }) == "input");

  const matrix<double> w = matrix<double>::Zero(3, 3), w_in = matrix<double>::Ones(3, 1);
  const row_vector<double> w_out = row_vector<double>::Ones(3);
  const array<double> tau = array<double>::Constant(3, 0.03);
  CHECK(refused([&] { lif_network<double>(matrix<double>::Zero(3, 2), w_in, w_out, tau); }) == "w");
  CHECK(refused([&] { lif_network<double>(w, matrix<double>::Ones(2, 1), w_out, tau); }) == "w_in");
  CHECK(refused([&] { lif_network<double>(w, w_in, row_vector<double>::Ones(2), tau); }) == "w_out");
  CHECK(refused([&] { lif_network<double>(w, w_in, w_out, arr({0.03, 0.0, 0.03})); }) == "tau_d");
  CHECK(refused([&] { lif_network<double>(w, w_in, w_out, arr({0.03, 0.03})); }) == "tau_d");
  matrix<double> nan_w = w;
  nan_w(1, 2) = std::nan("");
  CHECK(refused([&] { lif_network<double>(nan_w, w_in, w_out, tau); }) == "w");
  lif_params bad;
  bad.tau_m = 0;
  CHECK(refused([&] { lif_network<double>(w, w_in, w_out, tau, bad); }) == "tau_m");
  CHECK(refused([&] { lif_network<double>(w, w_in, w_out, tau); }) == "");
}
