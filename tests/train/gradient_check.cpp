#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/gradient_check.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

namespace {
// A model whose backward pass is deliberately wrong: the check must catch it.
struct broken_rnn : rate_rnn<double> {
  using rate_rnn<double>::rate_rnn;
  void backward(tape& tp, const matrix<double>& d_o, vector<double>& grad) const {
    rate_rnn<double>::backward(tp, d_o, grad);
    grad.segment(layout()[1].offset, layout()[1].size) *= 1.01;  // 1% off on w_out
  }
};
}  // namespace

TEST_CASE("gradient_check: detects a wrong gradient and reports kinks separately") {
  const go_nogo task({.T = 20, .stim_on = 4, .stim_dur = 4});
  const std::vector<trial> trials{task.make(go_nogo::type::go)};
  broken_rnn bad({.n = 10}, seed{1});
  const auto res = check_gradients(bad, trials);
  REQUIRE(res.size() == 4);
  CHECK(res[0].max_rel_error < 1e-5);  // w is fine
  CHECK(res[1].max_rel_error > 1e-3);  // w_out is not
  // Dale weights at exactly 0 sit on relu's kink: skipped, not compared
  rate_rnn<double> good({.n = 10, .p_rec = 0.2}, seed{1});
  const auto ok = check_gradients(good, trials, {.entries_per_block = 60});
  CHECK(ok[0].at_kinks > 0);
  CHECK(ok[0].compared > 0);
}
