// Builds a network through the installed umbrella header and runs one trial.
#include <spikernn/spikernn.hpp>

#include <cstdio>

int main() {
  namespace sk = spikernn;
  const sk::go_nogo task{};
  sk::rate_rnn<float> net({.n = 20}, sk::seed{1});
  const auto res = sk::train(net, task, sk::adam{}, {.eval_trials = 2}, {.n_trials = 3, .seed = sk::seed{1}});
  std::printf("3 trials, last loss %.3f\n", res.losses.back());
  return res.losses.size() == 3 && res.losses.back() > 0 ? 0 : 1;
}
