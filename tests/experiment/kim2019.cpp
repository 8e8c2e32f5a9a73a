#include <spikernn/experiment/kim2019.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace spikernn;

namespace {

std::vector<kim2019::network_result> kim2019_sample_results() {
  std::vector<kim2019::network_result> rs;
  for (std::uint64_t s = 1; s <= 4; ++s) {
    kim2019::network_result r{.condition = "sigmoid", .activation = "sigmoid", .taus = "4 10", .seed = s};
    r.rate_success = s != 4;
    r.trials = 1500 + long(s);
    r.rate_perf = 0.9 + 0.01 * double(s);
    r.mean_tau_ms = 30.0 + 1.0 / 3.0 * double(s);
    r.factor = 20 + 5 * double(s);
    r.lif_search = s == 1 ? 0.96 : 0.9;
    r.lif_fresh = 0.93 - 0.01 * double(s);
    r.exc_hz = 4.5;
    r.inh_hz = 11.25;
    r.seconds = 12.0 / 7.0;
    rs.push_back(r);
  }
  return rs;
}

}  // namespace

TEST_CASE("kim2019: networks.csv keeps every number exactly and refuses another table") {
  const auto rs = kim2019_sample_results();
  const auto text = io::to_csv(kim2019::to_table(rs));
  const auto back = kim2019::from_table(io::parse_csv(text, "networks.csv"));
  REQUIRE(back.size() == rs.size());
  for (std::size_t i = 0; i < rs.size(); ++i) {
    CHECK(back[i].condition == rs[i].condition);
    CHECK(back[i].taus == rs[i].taus);
    CHECK(back[i].seed == rs[i].seed);
    CHECK(back[i].rate_success == rs[i].rate_success);
    CHECK(back[i].mean_tau_ms == rs[i].mean_tau_ms);  // exact, not approximately
    CHECK(back[i].seconds == rs[i].seconds);
    CHECK(back[i].lif_success() == rs[i].lif_success());
  }
  CHECK(io::to_csv(kim2019::to_table(back)) == text);
  // the quoted fields of files written by earlier versions read the same
  std::string quoted = text;
  const auto eol = quoted.find('\n');
  quoted.replace(eol + 1, std::string("sigmoid,sigmoid,4 10").size(), "\"sigmoid\",sigmoid,\"4 10\"");
  CHECK(kim2019::from_table(io::parse_csv(quoted)).front().taus == "4 10");
  CHECK_THROWS_WITH_AS(kim2019::from_table(io::parse_csv("a,b\n1,2\n", "other.csv")),
                       doctest::Contains("other.csv: expected a networks.csv written by reproduce_kim2019"), file_error);
}

TEST_CASE("kim2019: the table counts trained and converted networks and gives mean ± sample std") {
  const auto rs = kim2019_sample_results();
  const auto s = kim2019::summarise(rs, "sigmoid");
  CHECK(s.networks == 4);
  CHECK(s.trained == 3);
  CHECK(s.converted_ok == 1);
  CHECK(s.lif_search.size() == 3);
  CHECK(kim2019::summarise(rs, "softplus").networks == 0);
  const std::string md = kim2019::markdown_table(rs, kim2019::fig5());
  CHECK(testing::contains(md, "| tuned 20-50 ms | 3/4 | 1502 | 30.8 | 1/4 | 92.0 ± 3.5 | 91.0 ± 1.0 |"));
  CHECK(testing::contains(md, "| fixed 35 ms | 0/0 | – | nan |"));  // no network: the gap shows
}

TEST_CASE("kim2019: the conversion methods side by side - tables of earlier versions still read") {
  auto rs = kim2019_sample_results();
  rs[0].lif_original = 0.97;
  rs[0].original_seconds = 10;
  rs[1].lif_original = 0.93;
  rs[1].original_seconds = 20;
  for (std::size_t i = 0; i < 4; ++i) {  // the fourth network's noise-trained twin did not train
    rs[i].noisy_noise = 0.5;
    rs[i].noisy_trained = i < 3 ? 1 : 0;
    rs[i].noisy_fresh = i < 3 ? 0.99 - 0.01 * double(i) : kim2019::network_result::not_run;
    rs[i].noisy_seconds = 30;
  }
  const std::string md = kim2019::methods_table(rs, kim2019::fig5());
  CHECK(testing::contains(md, "one-to-one (the paper's): ≥ 95 %"));
  CHECK(testing::contains(md, "original estimator (best of grid): ≥ 95 %"));
  CHECK(testing::contains(md, "noise-trained (σ = 0.5): ≥ 95 %"));
  CHECK(!testing::contains(md, "recalibrated"));  // not run: no column
  // one-to-one: fresh 0.92, 0.91, 0.90 of the three trained; original: 0.97, 0.93; noisy: 0.99, 0.98, 0.97
  CHECK(testing::contains(md, "| tuned 20-50 ms | 0/4 | 91.0 ± 1.0 | 2 | 1/4 | 95.0 ± 2.8 | 15 | 3/4 | 98.0 ± 1.0 | 30 |"));

  const auto text = io::to_csv(kim2019::to_table(rs));
  const auto back = kim2019::from_table(io::parse_csv(text, "networks.csv"));
  CHECK(back[0].lif_original == 0.97);
  CHECK(std::isnan(back[2].lif_original));
  CHECK(std::isnan(back[3].noisy_fresh));
  CHECK(back[3].noisy_trained == 0);
  CHECK(io::to_csv(kim2019::to_table(back)) == text);

  // a table with the paper's columns only (earlier versions): the methods read as not run
  io::csv_table old = kim2019::to_table(rs);
  old.header.resize(kim2019::paper_table_header.size());
  for (auto& row : old.rows) row.resize(old.header.size());
  const auto legacy = kim2019::from_table(io::parse_csv(io::to_csv(old), "old.csv"));
  CHECK(legacy[1].lif_fresh == rs[1].lif_fresh);
  CHECK(std::isnan(legacy[1].lif_original));
  CHECK(std::isnan(legacy[1].noisy_noise));
}

TEST_CASE("kim2019: the conditions, their grids and one network's run") {
  CHECK(kim2019::fig7().conditions.size() == 3);
  CHECK(kim2019::fig7().paper.front().success == "94/100");
  CHECK(kim2019::factor_grid("sigmoid") == range(20, 75, 5));
  CHECK(kim2019::factor_grid("softplus") == range(4, 26, 2));
  // a run too short to meet the criterion: trained no further, nothing converted, deterministic
  const kim2019::settings tiny{.n = 20, .n_trials = 30, .search_trials = 2, .eval_trials = 2};
  const auto a = kim2019::run_network(kim2019::softplus, 3, tiny);
  const auto b = kim2019::run_network(kim2019::softplus, 3, tiny);
  CHECK_FALSE(a.rate_success);
  CHECK(a.trials == 30);
  CHECK(a.factor == 0.0);
  CHECK(a.taus == "4 10");
  CHECK(a.rate_perf == b.rate_perf);
  CHECK(a.mean_tau_ms == b.mean_tau_ms);
  CHECK(a.mean_tau_ms > 0);
  kim2019::condition odd = kim2019::sigmoid;
  odd.activation = "tanh";
  CHECK(testing::refused([&] { (void)kim2019::run_network(odd, 1, tiny); }) == "activation");
  CHECK(testing::refused([&] { (void)kim2019::run_network(kim2019::sigmoid, 1, {.n = 20, .n_trials = 30, .min_trials = 30}); }) ==
        "min_trials");
  // each trial count refused under its own flag's name (all three were reported as n_trials)
  CHECK(testing::refused([&] { kim2019::settings{.search_trials = 0}.validate(); }) == "search_trials");
  CHECK(testing::refused([&] { kim2019::settings{.eval_trials = -1}.validate(); }) == "eval_trials");
  CHECK(testing::refused([&] { kim2019::settings{.n_trials = 0}.validate(); }) == "n_trials");
}
