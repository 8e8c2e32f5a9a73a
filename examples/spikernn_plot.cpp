// spikernn-plot: figures of a saved rate model — its training loss and its output on a Go and
// a NoGo trial against the targets (PNG through gnuplot, with data and script beside them).
//
//   spikernn-plot --model out/models/go-nogo/.../Task_go-nogo_...mat --plots out/plots
#include "program_support.hpp"

#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/spikernn.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

sk::io::figure loss_figure(const std::vector<double>& losses) {
  sk::io::series raw{"loss per trial", {}, {}, "lines lc rgb \"#bbbbbb\""};
  sk::io::series smooth{"mean of 50 trials", {}, {}, "lines lw 2 lc rgb \"#1f77b4\""};
  double window = 0;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    raw.x.push_back(double(i));
    raw.y.push_back(losses[i]);
    window += losses[i] - (i >= 50 ? losses[i - 50] : 0.0);
    if (i >= 49) {
      smooth.x.push_back(double(i));
      smooth.y.push_back(window / 50);
    }
  }
  return {"training loss", "trial", "loss", {raw, smooth}, true};
}

/// The rate network's output on one trial of each sample type, against the targets.
template <class Task>
sk::io::figure output_figure(const sk::rate_model<float>& m, const Task& task, std::uint64_t seed) {
  sk::io::figure fig{"rate network output", "time (s)", "output", {}};
  const char* colours[] = {"#2ca02c", "#d62728", "#1f77b4", "#9467bd"};
  int k = 0;
  for (sk::trial tr : task.sample_spiking_trials()) {
    tr.u.conservativeResize(Eigen::NoChange, task.n_steps());  // the rate trial: T columns
    const sk::vector<double> o = sk::rate_outputs(m, tr, sk::rng(sk::seed{seed}, sk::purpose::user, std::uint64_t(k)));
    const std::string colour = colours[k % 4];
    sk::io::series out{tr.condition + " output", {}, {}, "lines lw 2 lc rgb \"" + colour + "\""};
    sk::io::series target{tr.condition + " target", {}, {}, "lines dt 2 lc rgb \"" + colour + "\""};
    for (sk::index_t t = 0; t < o.size(); ++t) {  // o_{t+1} is compared with z_t
      out.x.push_back(0.005 * double(t + 1));
      out.y.push_back(o[t]);
      target.x.push_back(0.005 * double(t + 1));
      target.y.push_back(tr.z[t]);
    }
    fig.lines.push_back(out);
    fig.lines.push_back(target);
    ++k;
  }
  return fig;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, plots = "plots", task_flag;
  std::uint64_t seed = 1;
  CLI::App app{"Plot a saved rate model: training loss and outputs on one trial of each type.", "spikernn-plot"};
  app.add_option("--model", model_path, "A model MAT file")->required();
  app.add_option("--plots", plots, "Folder for the figures")->capture_default_str();
  app.add_option("--task", task_flag, "Task, when the file does not say: go-nogo, xor, mante, mante_port (as spikernn-eval)");
  app.add_option("--seed", seed, "Seed of the noise of the plotted trials")->check(sk::programs::non_negative_integer)->capture_default_str();
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    const auto m = sk::io::load_rate_model<float>(model_path);
    // A model of a task spikernn does not ship (a user's own, custom_task) still has its loss
    // curve: only the output figure needs the task.
    std::string task;
    try {
      task = sk::programs::task_of(m, task_flag);
    } catch (const sk::invalid_parameter& e) {
      if (!task_flag.empty()) throw;  // a --task the program does not know: the user's mistake
      std::cerr << "spikernn-plot: " << model_path << ": task '" << m.task
                << "' is not one spikernn ships (or not named): the training loss only\n";
    }
    fs::create_directories(plots);
    const sk::io::mat_reader in(model_path);
    std::vector<double> losses;
    if (in.has("losses")) {
      const auto all = in.vector<double>("losses");
      const auto used = in.has("tr") ? std::min<sk::index_t>(all.size(), in.integer("tr") + 1) : all.size();
      losses.assign(all.data(), all.data() + used);
    }
    bool rendered = true;
    if (!task.empty()) {
      const sk::io::figure outputs = sk::programs::about_file(app, model_path, [&] {
        return std::visit([&](const auto& tk) { return output_figure(m, tk, seed); }, sk::make_task(task));
      });
      rendered = sk::io::plot(fs::path(plots) / "rate_output", outputs);
    }
    if (!losses.empty()) rendered = sk::io::plot(fs::path(plots) / "training_loss", loss_figure(losses)) && rendered;
    std::cout << plots << (rendered ? ": PNG figures with their data and gnuplot scripts\n"
                                    : ": data and gnuplot scripts (gnuplot not found: no PNG)\n");
    return 0;
  });
}
