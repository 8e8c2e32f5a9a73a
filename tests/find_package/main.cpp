// Builds a network through the installed umbrella header, converts it and runs one LIF trial
// (the trainer is compiled by mat.cpp and readme_example.cpp; once is enough for CI's time).
#include <spikernn/spikernn.hpp>

#include <cstdio>

int main() {
  namespace sk = spikernn;
  const sk::go_nogo task{};
  const sk::rate_rnn<float> net({.n = 20}, sk::seed{1});
  auto lif = sk::to_lif(sk::to_rate_model(net), 30.0);
  sk::rng g(sk::seed{1}, sk::purpose::user, 0);
  const auto res = lif.run(task.sample_spiking_trials()[0].u, g);
  std::printf("one LIF trial: %ld steps, %ld spikes\n", res.steps, res.total_spikes);
  return res.steps > 0 && res.out.allFinite() ? 0 : 1;
}
