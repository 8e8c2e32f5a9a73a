#include <spikernn/task/registry.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

TEST_CASE("registry: tasks by the original's and the port's names") {
  CHECK(std::holds_alternative<go_nogo>(make_task("go-nogo")));
  CHECK(std::holds_alternative<go_nogo>(make_task("go_nogo")));
  CHECK(std::holds_alternative<xor_task>(make_task("xor")));
  CHECK(std::holds_alternative<mante>(make_task("mante")));
  CHECK(canonical_task_name("go_nogo") == "go-nogo");
  CHECK(canonical_task_name("flip-flop").empty());
  CHECK_THROWS_WITH_AS(make_task("flip-flop"), doctest::Contains("'task'"), invalid_parameter);
  const int inputs = std::visit([](const auto& t) { return t.n_inputs(); }, make_task("mante"));
  CHECK(inputs == 4);
}
