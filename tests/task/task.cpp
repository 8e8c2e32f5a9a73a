#include <spikernn/task/task.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

namespace {
// The smallest user-defined task: a constant input to be reproduced.
struct hold_task {
  std::string_view name() const { return "hold"; }
  int n_inputs() const { return 1; }
  int n_steps() const { return 10; }
  int min_trials_before_stop() const { return 0; }
  trial generate(rng& g) const {
    trial t;
    const double level = g.uniform() < 0.5 ? 1.0 : -1.0;
    t.u = matrix<double>::Constant(1, 10, level);
    t.z = vector<double>::Constant(10, level);
    t.label = level;
    t.condition = level > 0 ? "up" : "down";
    return t;
  }
  bool correct(const trial& t, const vector<double>& o) const { return o.mean() * t.label > 0; }
};
struct not_a_task {
  int n_inputs() const { return 1; }
};
}  // namespace

TEST_CASE("task: a user type with the five members models the concept") {
  static_assert(task<hold_task>);
  static_assert(!task<not_a_task>);
  rng g(seed{1}, purpose::user);
  const trial t = hold_task{}.generate(g);
  CHECK(t.n_steps() == 10);
}
