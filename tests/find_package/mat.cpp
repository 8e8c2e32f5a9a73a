// Saves and reloads a model through the installed spikernn::matio target.
#include <spikernn/io/mat_model.hpp>
#include <spikernn/spikernn.hpp>

int main(int argc, char** argv) {
  namespace sk = spikernn;
  if (argc != 2) return 2;
  const sk::go_nogo task{};
  sk::rate_rnn<float> net({.n = 20}, sk::seed{1});
  const auto fit = sk::train(net, task, sk::adam{}, {.eval_trials = 2}, {.n_trials = 2, .seed = sk::seed{1}});
  sk::io::save_rate_model(argv[1], net, fit, {.task = "go-nogo"});
  const auto back = sk::io::load_rate_model<float>(argv[1]);
  return back.w == net.exported_w() ? 0 : 1;
}
