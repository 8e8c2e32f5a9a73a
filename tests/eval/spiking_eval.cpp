#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/eval/spiking_eval.hpp>
#include <spikernn/network/rate_model.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/trainer.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace spikernn;

namespace {

rate_model<float> untrained(int n, std::uint64_t s, int n_inputs = 1) {
  rate_rnn<float> net({.n = n, .n_inputs = n_inputs}, seed{s});
  return to_rate_model(net);
}

using spikernn::testing::refused;

}  // namespace

TEST_CASE("evaluate_spiking: the same score for 1 and 2 threads") {
  const auto lif = to_lif<double>(untrained(40, 1), 20.0);
  const go_nogo task{};
  const auto one = evaluate_spiking(lif, task, {.trials = 6, .threads = 1, .seed = seed{3}});
  const auto two = evaluate_spiking(lif, task, {.trials = 6, .threads = 2, .seed = seed{3}});
  CHECK(one.accuracy == two.accuracy);
  CHECK(one.correct == two.correct);
  CHECK(one.trial_conditions == two.trial_conditions);
  CHECK(one.total_spikes == two.total_spikes);
  CHECK(one.total_spikes > 0);
  REQUIRE(one.unit_rates.size() == 40);
  CHECK((one.unit_rates == two.unit_rates).all());
  CHECK(one.mean_exc_rate == two.mean_exc_rate);
  CHECK(one.mean_inh_rate == two.mean_inh_rate);
  // another seed draws other trials and other noise
  const auto other = evaluate_spiking(lif, task, {.trials = 6, .threads = 2, .seed = seed{4}});
  CHECK(other.total_spikes != one.total_spikes);
}

TEST_CASE("evaluate_spiking: trial k runs on the stream (seed - spiking_trial - k) for stimulus and noise") {
  const go_nogo task{};
  auto net = to_lif<double>(untrained(30, 2), 25.0);
  const auto score = evaluate_spiking(net, task, {.trials = 3, .threads = 2, .seed = seed{7}});
  array<double> rates = array<double>::Zero(30);
  long spikes = 0;
  int correct = 0;
  for (std::uint64_t k = 0; k < 3; ++k) {
    CAPTURE(k);
    rng g(seed{7}, purpose::spiking_trial, k);
    const trial tr = task.spiking_trial(g);
    const auto res = net.run(tr.u, g);
    const bool ok = task.spiking_correct(tr, res.out, res.dt);
    CHECK(score.trial_conditions[k] == tr.condition);
    CHECK(bool(score.correct[k]) == ok);
    rates += res.firing_rates;
    spikes += res.total_spikes;
    correct += ok;
  }
  CHECK(score.total_spikes == spikes);
  CHECK((score.unit_rates - rates / 3.0).abs().maxCoeff() <= 1e-12);
  CHECK(score.accuracy == double(correct) / 3.0);
}

TEST_CASE("evaluate_spiking: per-condition counts add up to the trials - population rates are means") {
  const auto model = untrained(40, 5);
  const go_nogo task{};
  const auto lif = to_lif<double>(model, 20.0);
  const auto s = evaluate_spiking(lif, task, {.trials = 10, .threads = 2, .seed = seed{1}});
  REQUIRE(s.correct.size() == 10);
  REQUIRE(s.trial_conditions.size() == 10);
  int trials = 0, correct = 0;
  for (const auto& c : s.conditions) {
    CHECK((c.condition == "go" || c.condition == "nogo"));
    int n = 0, ok = 0;
    for (std::size_t k = 0; k < 10; ++k)
      if (s.trial_conditions[k] == c.condition) {
        ++n;
        ok += s.correct[k];
      }
    CHECK(c.trials == n);
    CHECK(c.correct == ok);
    CHECK(c.accuracy() == doctest::Approx(double(ok) / n));
    trials += c.trials;
    correct += c.correct;
  }
  CHECK(trials == 10);
  CHECK(s.accuracy == double(correct) / 10);
  CHECK(s.conditions.size() == 2);  // 10 fair coins: P(one condition only) = 2⁻⁹
  CHECK(s.conditions[0].condition == s.trial_conditions[0]);  // in order of first appearance
  const auto& inh = model.types.inh;
  REQUIRE(inh.count() > 0);
  CHECK((lif.inhibitory() == inh).all());  // the conversion keeps the unit types
  CHECK(s.mean_inh_rate == doctest::Approx(inh.select(s.unit_rates, 0.0).sum() / double(inh.count())));
  CHECK(s.mean_exc_rate == doctest::Approx((!inh).select(s.unit_rates, 0.0).sum() / double(40 - inh.count())));
  CHECK(s.mean_exc_rate != s.mean_inh_rate);
  // a network that does not say which units are inhibitory counts every unit as excitatory
  const lif_network<double> plain(lif.w(), lif.w_in(), lif.w_out(), lif.tau_d());
  const auto p = evaluate_spiking(plain, task, {.trials = 10, .threads = 2, .seed = seed{1}});
  CHECK((p.unit_rates == s.unit_rates).all());
  CHECK(p.mean_exc_rate == doctest::Approx(s.unit_rates.mean()));
  CHECK(p.mean_inh_rate == 0.0);
  CHECK(refused([&] { lif_network<double>(plain).set_inhibitory(inh.head(39)); }) == "inhibitory");
}

TEST_CASE("evaluate_spiking: a network with other inputs than the task - or no trials - is refused") {
  const go_nogo task{};
  const auto two_inputs = to_lif<double>(untrained(20, 1, 2), 20.0);
  CHECK(refused([&] { evaluate_spiking(two_inputs, task, {.trials = 1}); }) == "task");
  const auto lif = to_lif<double>(untrained(20, 1), 20.0);
  CHECK(refused([&] { evaluate_spiking(lif, task, {.trials = 0}); }) == "trials");
  CHECK(refused([&] { evaluate_spiking(lif, task, {.trials = 1, .threads = 1}); }) == "");
}

TEST_CASE("evaluate_spiking: a trained Go-NoGo network converts at factor 20 (N=200 - seed 4)" * doctest::test_suite("slow")) {
  // spec §8: robust conversion for N ≥ 200; this network converts at 100 % over 100 trials.
  const go_nogo task{};
  rate_rnn<float> net({.n = 200, .taus = {4, 20}}, seed{4});
  const auto fit = train(net, task, adam{}, kim2019_stop(task), {.n_trials = 6000, .seed = seed{4}});
  REQUIRE(fit.success);
  const auto model = to_rate_model(net, &fit.initial_parameters);
  const auto s = evaluate_spiking(model, task, 20.0, {.trials = 40, .threads = 2});
  CHECK(s.accuracy >= 0.9);
  REQUIRE(s.conditions.size() == 2);
  for (const auto& c : s.conditions) {
    CAPTURE(c.condition);
    CHECK(c.trials >= 10);
    CHECK(c.accuracy() >= 0.8);
  }
  // spec §8: a unit's rate ≈ factor × its rate-model activity (0 – 1), so the mean is below ~20 Hz
  CHECK(s.mean_exc_rate > 0.5);
  CHECK(s.mean_exc_rate < 20.0);
  // without scaling down the weights the network fails (paper Fig. 2: λ = 1 fluctuates wildly)
  const auto unscaled = evaluate_spiking(model, task, 1.0, {.trials = 8, .threads = 2});
  CHECK(unscaled.accuracy < 0.9);
}

TEST_CASE("evaluate_spiking: first_trial picks another block of trials - the rate network on the same ones") {
  const auto model = untrained(30, 6);
  const go_nogo task{};
  const auto lif = to_lif<double>(model, 20.0);
  const spiking_eval_options in_sample{.trials = 8, .threads = 2, .seed = seed{2}};
  spiking_eval_options held_out = in_sample;
  held_out.first_trial = held_out_first_trial;
  const auto a = evaluate_spiking(lif, task, in_sample), b = evaluate_spiking(lif, task, held_out);
  CHECK(a.total_spikes != b.total_spikes);  // other trials, other noise
  // trial k of the held-out block is the stream (seed, spiking_trial, 2^62 + k)
  rng g(seed{2}, purpose::spiking_trial, held_out_first_trial + 3);
  CHECK(b.trial_conditions[3] == task.spiking_trial(g).condition);
  const auto ci = b.interval();
  CHECK(ci.lo <= b.accuracy);
  CHECK(ci.hi >= b.accuracy);
  // the rate network judged on those trials by the training rule: a fraction, the same for any
  // thread count
  const double rate = rate_accuracy_on_spiking_trials(model, task, held_out);
  spiking_eval_options one = held_out;
  one.threads = 1;
  CHECK(rate == rate_accuracy_on_spiking_trials(model, task, one));
  CHECK(rate >= 0.0);
  CHECK(rate <= 1.0);
}
