#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/task/xor.hpp>
#include <spikernn/train/trainer.hpp>

#include <doctest/doctest.h>

#include <numeric>

using namespace spikernn;

namespace {
struct counting_observer {
  int trials = 0, evaluations = 0, finishes = 0;
  std::vector<long> eval_trials;
  void on_trial(const train_progress&) { ++trials; }
  void on_evaluation(const train_progress& p) {
    ++evaluations;
    eval_trials.push_back(p.trial);
  }
  void on_finish(const train_progress&) { ++finishes; }
};
}  // namespace

TEST_CASE("trainer: evaluations come at trials 1 / 101 / 201 … and observers see every trial") {
  rate_rnn<float> net({.n = 30}, seed{1});
  const go_nogo task{};
  counting_observer obs;
  const auto res = train(net, task, adam{}, {.eval_trials = 10, .loss_below = -1}, {.n_trials = 350, .seed = seed{2}}, obs);
  CHECK_FALSE(res.success);
  CHECK(obs.trials == 350);
  CHECK(obs.finishes == 1);
  CHECK(obs.eval_trials == std::vector<long>{1, 101, 201, 301});
  CHECK(res.losses.size() == 350);
  CHECK(res.last_trial == 349);
  CHECK(res.last_eval.outputs.rows() == 10);
  CHECK(res.last_eval.outputs.cols() == 199);
  CHECK(res.initial.x.cols() == 200);
  CHECK(res.last.r.cols() == 200);
}

TEST_CASE("trainer: an observer that returns true stops the run after that trial") {
  struct stop_at {
    long trial;
    int evaluations = 0;
    bool on_trial(const train_progress& p) const { return p.trial == trial; }
    bool on_evaluation(const train_progress&) { return ++evaluations == 2; }
  };
  const go_nogo task{};
  rate_rnn<float> a({.n = 30}, seed{1}), b({.n = 30}, seed{1});
  stop_at at_trial{40}, at_eval{1000};
  counting_observer seen;  // a void observer beside it still sees every trial
  const auto ra = train(a, task, adam{}, {.eval_trials = 5}, {.n_trials = 300, .seed = seed{2}}, at_trial, seen);
  CHECK_FALSE(ra.success);
  CHECK(ra.last_trial == 40);
  CHECK(seen.trials == 41);
  CHECK(ra.losses[40] != 0.0);
  CHECK(ra.losses[41] == 0.0);
  const auto rb = train(b, task, adam{}, {.eval_trials = 5}, {.n_trials = 300, .seed = seed{2}}, at_eval);
  CHECK(rb.last_trial == 101);  // the second evaluation comes after trial 101
  CHECK(rb.history.size() == 2);
}

TEST_CASE("trainer: the same seed repeats a run exactly - another seed does not") {
  const go_nogo task{};
  auto run = [&](std::uint64_t s) {
    rate_rnn<float> net({.n = 40}, seed{1});
    return train(net, task, adam{}, {.eval_trials = 5}, {.n_trials = 120, .seed = seed{s}});
  };
  const auto a = run(7), b = run(7), c = run(8);
  CHECK(a.losses == b.losses);
  CHECK(a.last_eval.outputs == b.last_eval.outputs);
  CHECK(a.losses != c.losses);
}

TEST_CASE("trainer: Go-NoGo N=200 sigmoid reaches the original stop rule (fixed seed)" * doctest::test_suite("slow")) {
  // Spec §3.2: eval loss < 7 and accuracy > 0.95 after trial 1500. Measured over seeds 1-10 in
  // docs/performance.md; this seed is one of them, and the threshold leaves room (the paper: ≤ ~2000).
  const go_nogo task{};
  rate_rnn<float, sigmoid, dale> net({.n = 200, .taus = {4, 20}}, seed{1});
  const auto res = train(net, task, adam{{.lr = 0.01}}, kim2019_stop(task), {.n_trials = 6000, .seed = seed{1}});
  CHECK(res.success);
  CHECK(res.trials_to_criterion >= 1502);
  CHECK(res.trials_to_criterion <= 4001);
  CHECK(res.last_eval.perf_mean > 0.95);
  CHECK(res.last_eval.loss_mean < 7);
  CHECK(net.exported_w().minCoeff() >= 0.f);
  const array<float> tau = net.taus();
  CHECK(tau.minCoeff() > 4.f);
  CHECK(tau.maxCoeff() < 20.f);
  // taus really trained (unlike the PyTorch port's bug 1)
  CHECK(net.taus_gaus() != res.initial_parameters.segment(net.layout()[3].offset, 200));
}

TEST_CASE("trainer: XOR N=200 with tau_d up to 250 ms reaches the stop rule (fixed seed)" * doctest::test_suite("slow")) {
  // docs/tasks.md, docs/performance.md: with taus 4 50 seeds 1-6 all met the rule in 1402-2102
  // trials (with 4 20 only 1 of 6: the first pulse is forgotten before the second arrives). This
  // is seed 1 (1702 trials).
  const xor_task task{};
  rate_rnn<float, sigmoid, dale> net({.n = 200, .taus = {4, 50}, .n_inputs = 2}, seed{1});
  const auto res = train(net, task, adam{}, kim2019_stop(task), {.n_trials = 6000, .seed = seed{1}});
  CHECK(res.success);
  CHECK(res.trials_to_criterion <= 4001);
  CHECK(res.last_eval.perf_mean > 0.95);
}

TEST_CASE("trainer: a batch of trials per step also learns Go-NoGo" * doctest::test_suite("slow")) {
  const go_nogo task{};
  rate_rnn<float> net({.n = 100}, seed{3});
  const auto res = train(net, task, adam{}, kim2019_stop(task), {.n_trials = 8 * 800, .batch = 8, .seed = seed{3}});
  CHECK(res.last_eval.perf_mean > 0.9);
  const auto early = std::accumulate(res.losses.begin(), res.losses.begin() + 400, 0.0);
  const auto late = std::accumulate(res.losses.end() - 400, res.losses.end(), 0.0);
  CHECK(late < 0.5 * early);
}

TEST_CASE("trainer: bad options are refused") {
  rate_rnn<float> net({.n = 10}, seed{1});
  const go_nogo task{};
  CHECK_THROWS_AS(train(net, task, adam{}, {}, {.n_trials = 0}), invalid_parameter);
  CHECK_THROWS_AS(train(net, task, adam{}, {}, {.batch = 0}), invalid_parameter);
  CHECK_THROWS_AS(train(net, task, adam{}, {.eval_every = 0}, {}), invalid_parameter);
}
