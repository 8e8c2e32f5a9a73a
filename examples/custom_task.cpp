// custom_task: defining a task of your own and running the whole method on it — training,
// saving, the scaling-factor search and the spiking evaluation — without touching the library.
//
// A task is any type with the members below (the spikernn::task and spikernn::spiking_task
// concepts). This one is a delayed sign report: a pulse of +1 or −1 for 125 ms, then a 250 ms
// delay with no input, then the network must report the pulse's sign for the rest of the trial.
//
//   custom_task [--N 200] [--seed 1] [--n_trials 6000] [--trials 50] [--output_dir .]
#include <spikernn/io/mat_model.hpp>
#include <spikernn/spikernn.hpp>

#include <CLI/CLI.hpp>

#include "command_line.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace sk = spikernn;

struct delayed_sign {
  int T = 300, pulse_on = 50, pulse_dur = 25, delay = 50;
  int respond_from() const { return pulse_on + pulse_dur + delay; }

  // ---- what training needs (the spikernn::task concept) ----
  std::string_view name() const { return "delayed-sign"; }
  int n_inputs() const { return 1; }
  int n_steps() const { return T; }
  int min_trials_before_stop() const { return 0; }
  sk::trial generate(sk::rng& g) const { return make(g.uniform() < 0.5 ? 1.0 : -1.0, T); }
  /// The rate rule on the T − 1 outputs o_1 … o_{T−1}.
  bool correct(const sk::trial& tr, const sk::vector<double>& o) const {
    const auto w = o.tail(o.size() - respond_from());
    return tr.label > 0 ? w.minCoeff() > 0.3 && w.maxCoeff() > 0.7 : w.maxCoeff() < -0.3 && w.minCoeff() < -0.7;
  }

  // ---- what the spiking side needs (the spikernn::spiking_task concept) ----
  sk::trial spiking_trial(sk::rng& g) const { return make(g.uniform() < 0.5 ? 1.0 : -1.0, T + 1); }
  std::vector<sk::trial> sample_spiking_trials() const { return {make(1, T + 1), make(-1, T + 1)}; }
  /// The LIF output has one sample per dt seconds; judge the second half of the response.
  bool spiking_correct(const sk::trial& tr, const sk::row_vector<double>& out, double dt) const {
    const auto from = static_cast<sk::index_t>(std::lround((respond_from() + 50) * 0.005 / dt));
    const auto w = out.tail(out.size() - from);
    return tr.label > 0 ? w.mean() > 0.5 : w.mean() < -0.5;
  }

 private:
  sk::trial make(double sign, int columns) const {
    sk::trial tr;
    tr.u = sk::matrix<double>::Zero(1, columns);
    tr.u.block(0, pulse_on, 1, pulse_dur).setConstant(sign);
    tr.z = sk::vector<double>::Zero(columns);
    tr.z.tail(columns - respond_from()).setConstant(sign);
    tr.label = sign;
    tr.condition = sign > 0 ? "plus" : "minus";
    return tr;
  }
};
static_assert(sk::spiking_task<delayed_sign>);

int main(int argc, char** argv) {
  int n = 200, n_trials = 6000, trials = 50;
  std::uint64_t seed = 1;
  std::string output_dir = ".";
  CLI::App app{"Train, convert and evaluate a network on a task defined in this program.", "custom_task"};
  app.add_option("--N", n, "Number of units")->capture_default_str();
  app.add_option("--n_trials", n_trials, "Maximum number of training trials")->capture_default_str();
  app.add_option("--trials", trials, "Trials per scaling factor in the search; the evaluation scores twice as many")
      ->capture_default_str();
  app.add_option("--seed", seed, "Seed")->check(sk::programs::non_negative_integer)->capture_default_str();
  app.add_option("--output_dir,--out", output_dir, "Where delayed_sign.mat goes (--out: the same)")->capture_default_str();
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    sk::require(trials > 0, "trials", "a positive number of trials");
    const delayed_sign task{};
    sk::rate_rnn<float> net({.n = n, .taus = {4, 20}, .n_inputs = task.n_inputs()}, sk::seed{seed});
    const auto fit = sk::train(net, task, sk::adam{}, sk::kim2019_stop(task),
                               {.n_trials = n_trials, .seed = sk::seed{seed}}, sk::progress{});
    std::filesystem::create_directories(output_dir);
    const auto path = std::filesystem::path(output_dir) / "delayed_sign.mat";
    sk::io::save_rate_model(path, net, fit, {.task = std::string(task.name()), .seed = seed});

    const auto model = sk::io::load_rate_model<float>(path);
    const auto search = sk::search_scaling(model, task, {.eval = {.trials = trials, .seed = sk::seed{seed}}});
    sk::io::save_scaling_search(path, search.factors, search.perfs, search.best_factor());
    const auto score = sk::evaluate_spiking(model, task, search.best_factor(), {.trials = 2 * trials, .seed = sk::seed{seed + 1}});
    std::printf("%s: rate accuracy %.2f, LIF accuracy %.2f at scaling factor %g\n", path.string().c_str(),
                fit.last_eval.perf_mean, score.accuracy, search.best_factor());
    for (const auto& c : score.conditions) std::printf("  %-6s %d / %d\n", c.condition.c_str(), c.correct, c.trials);
    return 0;
  });
}
