// The README's "From C++" example, word for word: the tests build it against the installed
// package so the example stays true (it is not run: it trains a full network).
#include <spikernn/spikernn.hpp>
#include <spikernn/io/mat_model.hpp>   // MAT files: link spikernn::matio
namespace sk = spikernn;

int main() {
  sk::go_nogo task{};                                                  // T = 200, 125 ms pulse
  sk::rate_rnn<float, sk::sigmoid, sk::dale> net({.n = 200, .p_inh = 0.2, .taus = {4, 20}}, sk::seed{1});
  auto fit = sk::train(net, task, sk::adam{{.lr = 0.01}}, sk::kim2019_stop(task),
                       {.n_trials = 6000, .seed = sk::seed{1}}, sk::progress{});
  sk::io::save_rate_model("go_nogo.mat", net, fit, {.task = "go-nogo"});
  auto model = sk::io::load_rate_model<float>("go_nogo.mat");        // also files of the original code
  auto best = sk::search_scaling(model, task, {.factors = sk::range(20, 75, 5), .eval = {.trials = 100}});
  auto lif = sk::to_lif(model, best.best_factor());                  // a sk::lif_network<double>
  auto score = sk::evaluate_spiking(lif, task, {.trials = 100});      // or (model, task, factor, …)
  return score.accuracy >= 0.95 ? 0 : 1;
}
