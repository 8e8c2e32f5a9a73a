#include <spikernn/analysis/firing_statistics.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace spikernn;

TEST_CASE("firing statistics: rates and ISI CV per unit, grouped by E/I/SOM type and condition") {
  // 1 s trials at dt = 1 ms. Unit 0 (exc) fires every 100 ms (10 Hz, CV 0); unit 1 (exc) 3 spikes
  // at irregular intervals; unit 2 (inh) twice (CV undefined); unit 3 (som) silent.
  std::vector<spike_event> clock;
  for (long s = 50; s <= 1000; s += 100) clock.push_back({s, 0});
  std::vector<spike_event> go = clock, nogo = clock;
  for (long s : {101L, 201L, 501L}) go.push_back({s, 1});  // ISIs 0.1 and 0.3 s: CV 0.5
  go.push_back({10, 2});
  go.push_back({20, 2});
  const auto fg = firing_of(go, 4, 0.001, 1000), fn = firing_of(nogo, 4, 0.001, 1000);
  CHECK(fg.rate[0] == doctest::Approx(10.0));
  CHECK(fg.isi_cv[0] == doctest::Approx(0.0).scale(1.0));
  CHECK(fg.rate[1] == doctest::Approx(3.0));
  CHECK(fg.isi_cv[1] == doctest::Approx(0.5));
  CHECK(std::isnan(fg.isi_cv[2]));
  CHECK(fg.rate[3] == 0.0);
  // a window keeps the spikes inside it and divides by its length
  const auto half = firing_of(go, 4, 0.001, 1000, 0.5, 1.0);
  CHECK(half.rate[0] == doctest::Approx(10.0));
  CHECK(half.rate[1] == doctest::Approx(2.0));  // the spike at 0.5 s counts, the earlier ones do not

  Eigen::Array<bool, Eigen::Dynamic, 1> inh(4);
  inh << false, false, true, true;
  const auto groups = unit_groups(inh, {3});
  CHECK(groups == std::vector<std::string>{"exc", "exc", "inh", "som"});
  const auto table = firing_statistics({fg, fn, fg}, {"go", "nogo", "go"}, groups);
  REQUIRE(table.size() == 9);  // (go, nogo, all) × (exc, inh, som)
  CHECK(table[0].group == "exc");
  CHECK(table[0].condition == "go");
  CHECK(table[0].trials == 2);
  CHECK(table[0].units == 2);
  CHECK(table[0].rate_mean == doctest::Approx(6.5));                    // (10 + 3) / 2
  CHECK(table[0].rate_sd == doctest::Approx(std::sqrt(24.5)));          // sample SD of {10, 3}
  CHECK(table[0].cv_units == 2);
  CHECK(table[0].cv_mean == doctest::Approx(0.25));
  CHECK(table[1].group == "inh");
  CHECK(table[1].rate_mean == doctest::Approx(2.0));
  CHECK(table[1].cv_units == 0);
  CHECK(std::isnan(table[1].cv_mean));
  CHECK(table[3].condition == "nogo");
  CHECK(table[3].rate_mean == doctest::Approx(5.0));  // unit 1 silent on nogo trials
  CHECK(table[6].condition == "all");
  CHECK(table[6].trials == 3);
  CHECK(table[6].rate_mean == doctest::Approx((10.0 + 2.0) / 2));
}
