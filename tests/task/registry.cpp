#include <spikernn/task/registry.hpp>

#include <doctest/doctest.h>

#include <string>
#include <utility>

using namespace spikernn;

TEST_CASE("registry: tasks by the original's and the port's names") {
  CHECK(std::holds_alternative<go_nogo>(make_task("go-nogo")));
  CHECK(std::holds_alternative<go_nogo>(make_task("go_nogo")));
  CHECK(std::holds_alternative<xor_task>(make_task("xor")));
  CHECK(std::holds_alternative<mante>(make_task("mante")));
  CHECK(canonical_task_name("go_nogo") == "go-nogo");
  CHECK(canonical_task_name("flip-flop").empty());
  CHECK(canonical_task_name("Go-NoGo") == "go-nogo");  // any case, as the original lowercases --task
  CHECK(canonical_task_name("XOR") == "xor");
  CHECK(std::holds_alternative<mante>(make_task("Mante")));
  CHECK_THROWS_WITH_AS(make_task("flip-flop"), doctest::Contains("'task'"), invalid_parameter);
  const int inputs = std::visit([](const auto& t) { return t.n_inputs(); }, make_task("mante"));
  CHECK(inputs == 4);
}

TEST_CASE("registry: the port's Mante task is mante_port and never plain mante") {
  CHECK(std::holds_alternative<mante_port>(make_task("mante_port")));
  CHECK(std::holds_alternative<mante_port>(make_task("mante-port")));
  CHECK(canonical_task_name("mante-port") == "mante_port");
  CHECK(canonical_task_name("mante_port") == "mante_port");
  CHECK(canonical_task_name("mante") == "mante");
  CHECK_THROWS_WITH_AS(make_task("manteport"), doctest::Contains("mante_port"), invalid_parameter);
  // the name each task gives itself is the canonical one, so a saved file's `task` reads back
  for (const char* name : {"go-nogo", "xor", "mante", "mante_port"}) {
    const std::string own = std::visit([](const auto& t) { return std::string(t.name()); }, make_task(name));
    CHECK(own == name);
    CHECK(canonical_task_name(own) == own);
  }
  // generic code sees the port's training defaults: 4 inputs, T = 500
  const auto shape_of = [](const auto& t) { return std::pair{t.n_inputs(), t.n_steps()}; };
  const auto shape = std::visit(shape_of, make_task("mante_port"));
  CHECK(shape == std::pair{4, 500});
  rng g(seed{1}, purpose::user);
  const trial tr = std::visit([&](const auto& t) { return t.spiking_trial(g); }, make_task("mante_port"));
  CHECK(tr.u.cols() == 501);
  CHECK((tr.condition == "color" || tr.condition == "motion"));
}
