#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/task/go_nogo.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace spikernn;

namespace {

using spikernn::testing::refused;

/// Ten unconnected units with no input and readout weights of 1: they fire on the bias and
/// the noise alone (~20 Hz), so the output is ~200/factor. A small factor answers "go" on
/// every trial, a huge one "nogo" on every trial.
rate_model<double> always_firing() {
  rate_model<double> m;
  m.params.n = 10;
  m.params.n_inputs = 1;
  m.params.taus = {4};
  m.types.inh = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(10, false);
  m.types.derive(0);
  m.w = m.w0 = matrix<double>::Zero(10, 10);
  m.w_in = matrix<double>::Zero(10, 1);
  m.w_out = row_vector<double>::Ones(10);
  m.taus_gaus = m.taus_gaus0 = vector<double>::Zero(10);
  return m;
}

}  // namespace

TEST_CASE("range: start - start + step - … up to and including stop") {
  const auto r = range(20, 75, 5);
  REQUIRE(r.size() == 12);
  for (std::size_t k = 0; k < 12; ++k) CHECK(r[k] == 20.0 + 5.0 * double(k));
  CHECK(r.front() == 20.0);
  CHECK(r.back() == 75.0);
  const auto s = range(4, 26, 2);  // the softplus / ReLU grid
  CHECK(s.size() == 12);
  CHECK(s.back() == 26.0);
  CHECK(range(5, 5, 1) == std::vector<double>{5});
  CHECK(range(20, 74, 5).back() == 70.0);  // stop not on the grid: the last value below it
  const auto tenths = range(0, 1, 0.1);  // floating steps still reach stop
  CHECK(tenths.size() == 11);
  CHECK(tenths.back() == doctest::Approx(1.0));
  CHECK(refused([] { range(1, 5, 0); }) == "step");
  CHECK(refused([] { range(1, 5, -1); }) == "step");
  CHECK(refused([] { range(5, 1, 1); }) == "stop");
  CHECK(refused([] { range(1, 1e12, 1); }) == "range");  // counted before anything is allocated
  CHECK(range(1, 10000, 1).size() == max_grid_values);
}

TEST_CASE("parse_factors: MATLAB's start:step:stop includes stop - comma lists - step 1 by default") {
  CHECK(parse_factors("20:5:75") == range(20, 75, 5));  // lambda_grid_search.m's grid
  const auto s = parse_factors("4:2:26");
  CHECK(s.size() == 12);
  CHECK(s.front() == 4.0);
  CHECK(s.back() == 26.0);
  CHECK(parse_factors("20:25:70") == std::vector<double>{20, 45, 70});  // start:step:stop, as MATLAB reads it
  CHECK(parse_factors("20:25:60") == std::vector<double>{20, 45});      // the steps need not reach stop
  CHECK(parse_factors("20,30") == std::vector<double>{20, 30});
  CHECK(parse_factors("5:7") == std::vector<double>{5, 6, 7});
  CHECK(parse_factors("25") == std::vector<double>{25});
  CHECK(parse_factors("2.5,0.5,40") == std::vector<double>{2.5, 0.5, 40});  // a list keeps its order
  CHECK(parse_factors("15:5:75").size() == 13);  // the port's tutorial grid
}

TEST_CASE("parse_factors: malformed or non-positive grids are refused naming factors") {
  for (const char* bad : {"a:b", "5:1", "0:5:10", "10:0:20", "", "20,", ",20", "20,,30", "20:5:30:1", "20x", "-5,10",
                          "0", "10:-5:20", "nan", "inf,20", "20;30", "1:1:1e12", "20:1e-9:1e18", "1:inf", "20:5:10"}) {
    CAPTURE(bad);
    CHECK(refused([&] { parse_factors(bad); }) == "factors");
  }
  CHECK_THROWS_WITH_AS(parse_factors("a:b"), doctest::Contains("a:b"), invalid_parameter);
}

TEST_CASE("search_scaling: perfs are each score's accuracy - the first factor wins a tie") {
  const auto m = always_firing();
  const go_nogo task{};
  search_options opt{.factors = {1e9, 2e9}, .eval = {.trials = 9, .threads = 2, .seed = seed{5}}};
  const auto res = search_scaling(m, task, opt);
  REQUIRE(res.scores.size() == 2);
  REQUIRE(res.perfs.size() == 2);
  CHECK(res.factors == opt.factors);
  for (std::size_t k = 0; k < 2; ++k) {
    CHECK(res.perfs[k] == res.scores[k].accuracy);
    CHECK(res.scores[k].factor == opt.factors[k]);
  }
  // output ≈ 0 at both factors: exactly the NoGo trials are correct, the same trials for both
  const auto& first = res.scores[0];
  int nogo = 0;
  for (const auto& c : first.trial_conditions) nogo += c == "nogo";
  CHECK(res.perfs[0] == double(nogo) / 9);
  CHECK(res.perfs[0] == res.perfs[1]);
  CHECK(res.best_index == 0);
  CHECK(res.best_factor() == 1e9);
  CHECK(res.best_perf() == res.perfs[0]);
  // the first, not the smallest
  opt.factors = {2e9, 1e9};
  const auto rev = search_scaling(m, task, opt);
  CHECK(rev.perfs[0] == rev.perfs[1]);
  CHECK(rev.best_index == 0);
  CHECK(rev.best_factor() == 2e9);
}

TEST_CASE("search_scaling: a strictly better later factor wins - ties after it keep the first") {
  const auto m = always_firing();
  const go_nogo task{};
  const spiking_eval_options eval{.trials = 9, .threads = 2, .seed = seed{6}};
  // factor 1: output ≫ 0.7 on every trial (Go right, NoGo wrong); 1e9: output ≈ 0 (the reverse)
  const auto loud = evaluate_spiking(m, task, 1.0, eval);
  const auto silent = evaluate_spiking(m, task, 1e9, eval);
  REQUIRE(loud.accuracy + silent.accuracy == doctest::Approx(1.0));
  REQUIRE(loud.accuracy != silent.accuracy);  // 9 trials: never a draw
  const bool nogo_majority = silent.accuracy > loud.accuracy;
  const std::vector<double> factors = nogo_majority ? std::vector<double>{1, 1e9, 2e9} : std::vector<double>{1e9, 1, 0.5};
  const auto res = search_scaling(m, task, {.factors = factors, .eval = eval});
  CHECK(res.perfs[0] < res.perfs[1]);
  CHECK(res.perfs[1] == res.perfs[2]);
  CHECK(res.best_index == 1);
  CHECK(res.best_perf() == std::max(loud.accuracy, silent.accuracy));
}

TEST_CASE("search_scaling: defaults are the original's 20:5:75 - an empty grid is refused") {
  const search_options opt;
  CHECK(opt.factors == range(20, 75, 5));
  CHECK(opt.eval.trials == 100);
  const auto m = always_firing();
  CHECK(refused([&] { search_scaling(m, go_nogo{}, {.factors = {}}); }) == "factors");
  CHECK(refused([&] { search_scaling(m, go_nogo{}, {.factors = {20, -1}, .eval = {.trials = 1}}); }) == "factor");
}

TEST_CASE("evaluate_spiking of a rate model: the converted network's score at that factor") {
  const auto m = always_firing();
  const go_nogo task{};
  const spiking_eval_options eval{.trials = 4, .threads = 2, .seed = seed{9}};
  const auto via_model = evaluate_spiking(m, task, 30.0, eval);
  const auto direct = evaluate_spiking(to_lif<double>(m, 30.0), task, eval);
  CHECK(via_model.factor == 30.0);
  CHECK(via_model.correct == direct.correct);
  CHECK(via_model.total_spikes == direct.total_spikes);
  CHECK((via_model.unit_rates == direct.unit_rates).all());
  // the conversion's settings reach the network: another threshold, other spikes
  lif_params quiet = leaky_if::defaults();
  quiet.v_peak += 20;
  const auto raised = evaluate_spiking(m, task, 30.0, eval, {.lif = quiet});
  CHECK(raised.total_spikes < direct.total_spikes);
  CHECK(refused([&] { evaluate_spiking(m, task, -1.0, {.trials = 1}); }) == "factor");
  CHECK(refused([&] { evaluate_spiking(m, task, 20.0, {.trials = 0}); }) == "trials");
  auto two_inputs = m;
  two_inputs.params.n_inputs = 2;
  two_inputs.w_in = matrix<double>::Zero(10, 2);
  CHECK(refused([&] { evaluate_spiking(two_inputs, task, 20.0, {.trials = 1}); }) == "task");
}

TEST_CASE("search_scaling: the original's estimator scores every factor on fresh trials, ours on common ones") {
  const auto m = always_firing();
  const go_nogo task{};
  const spiking_eval_options eval{.trials = 6, .threads = 2, .seed = seed{3}};
  const std::vector<double> grid{1.0, 1e9};
  const auto common = search_scaling(m, task, {.factors = grid, .eval = eval});
  const auto fresh = search_scaling(m, task, {.factors = grid, .eval = eval, .estimator = search_estimator::fresh_per_factor});
  CHECK(common.estimator == search_estimator::common_trials);
  CHECK(fresh.estimator == search_estimator::fresh_per_factor);
  CHECK(common.scores[0].trial_conditions == common.scores[1].trial_conditions);  // the same trials
  for (std::size_t k = 0; k < grid.size(); ++k) {
    CAPTURE(k);
    spiking_eval_options at = eval;
    at.first_trial = search_first_trial(search_estimator::fresh_per_factor, k);
    CHECK(at.first_trial == (std::uint64_t(k) + 1) << 40);
    CHECK(fresh.scores[k].correct == evaluate_spiking(m, task, grid[k], at).correct);
  }
  // neither estimator touches the held-out trials
  CHECK(search_first_trial(search_estimator::fresh_per_factor, max_grid_values) < held_out_first_trial);
}

TEST_CASE("search_scaling_until_interior: the grid grows past an edge best, every factor scored as on its own") {
  const auto m = always_firing();
  const go_nogo task{};
  const spiking_eval_options eval{.trials = 8, .threads = 2, .seed = seed{4}};
  const std::vector<double> grid{300, 400, 500};  // room to grow on both sides
  const auto plain = search_scaling(m, task, {.factors = grid, .eval = eval});
  const auto res = search_scaling_until_interior(m, task, {.factors = grid, .eval = eval}, 2, 3);
  CHECK(std::is_sorted(res.factors.begin(), res.factors.end()));
  CHECK(res.factors.size() == res.perfs.size());
  CHECK(res.factors.size() == res.scores.size());
  for (double f : grid) CHECK(std::find(res.factors.begin(), res.factors.end(), f) != res.factors.end());
  for (std::size_t k = 0; k < res.factors.size(); ++k) {  // common trials: each is the direct score
    CAPTURE(res.factors[k]);
    CHECK(res.perfs[k] == evaluate_spiking(m, task, res.factors[k], eval).accuracy);
  }
  if (plain.best_at_edge()) CHECK(res.factors.size() > grid.size());  // it grew past the edge
  else CHECK(res.factors == grid);
  CHECK(res.factors.size() <= grid.size() + 6);  // at most 2 extensions of 3
  for (std::size_t k = 0; k < res.perfs.size(); ++k) CHECK(res.perfs[k] <= res.best_perf());
  CHECK(refused([&] { search_scaling_until_interior(m, task, {.factors = {300, 100}, .eval = eval}); }) == "factors");
}
