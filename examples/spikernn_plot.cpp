// spikernn-plot: figures of a saved rate model — its training loss and its output on a Go and
// a NoGo trial against the targets (PNG through gnuplot, with data and script beside them).
//
//   spikernn-plot --model out/models/go-nogo/.../Task_go-nogo_...mat --plots out/plots
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

template <class Act, class Conn>
sk::io::figure output_figure(const sk::io::rate_model<float>& m, const sk::go_nogo& task, std::uint64_t seed) {
  const auto net = sk::io::to_rate_rnn<float, Act, Conn>(m);
  sk::io::figure fig{"rate network output", "time (s)", "output", {}};
  const char* colours[] = {"#2ca02c", "#d62728"};
  int k = 0;
  for (auto type : {sk::go_nogo::type::go, sk::go_nogo::type::nogo}) {
    const sk::trial tr = task.make(type);
    std::vector<const sk::trial*> trials{&tr};
    std::vector<sk::rng> noise{sk::rng(sk::seed{seed}, sk::purpose::user, std::uint64_t(k))};
    typename sk::rate_rnn<float, Act, Conn>::tape tp;
    net.forward(trials, noise, tp);
    sk::io::series out{tr.condition + " output", {}, {}, std::string("lines lw 2 lc rgb \"") + colours[k] + "\""};
    sk::io::series target{tr.condition + " target", {}, {}, std::string("lines dt 2 lc rgb \"") + colours[k] + "\""};
    for (sk::index_t t = 0; t + 1 < tr.n_steps(); ++t) {  // o_{t+1} is compared with z_t
      out.x.push_back(0.005 * double(t + 1));
      out.y.push_back(tp.o(t, 0));
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
  std::string model_path, plots = "plots";
  std::uint64_t seed = 1;
  CLI::App app{"Plot a saved rate model: training loss and outputs on Go and NoGo trials.", "spikernn-plot"};
  app.add_option("--model", model_path, "A model MAT file")->required();
  app.add_option("--plots", plots, "Folder for the figures")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the noise of the plotted trials")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto m = sk::io::load_rate_model<float>(model_path);
    if (!m.task.empty() && m.task != "go-nogo")
      throw sk::invalid_parameter("model", "a go-nogo model (the file's task is '" + m.task + "')");
    fs::create_directories(plots);
    const sk::io::mat_reader in(model_path);
    std::vector<double> losses;
    if (in.has("losses")) {
      const auto all = in.vector<double>("losses");
      const auto used = in.has("tr") ? std::min<sk::index_t>(all.size(), in.integer("tr") + 1) : all.size();
      losses.assign(all.data(), all.data() + used);
    }
    const sk::go_nogo task{};
    sk::io::figure outputs;
    const bool dale = m.apply_dale;
    if (m.activation == "sigmoid") outputs = dale ? output_figure<sk::sigmoid, sk::dale>(m, task, seed) : output_figure<sk::sigmoid, sk::no_dale>(m, task, seed);
    else if (m.activation == "softplus") outputs = dale ? output_figure<sk::softplus, sk::dale>(m, task, seed) : output_figure<sk::softplus, sk::no_dale>(m, task, seed);
    else if (m.activation == "clipped_relu") outputs = dale ? output_figure<sk::clipped_relu, sk::dale>(m, task, seed) : output_figure<sk::clipped_relu, sk::no_dale>(m, task, seed);
    else throw sk::file_error(model_path, "variable 'activation': unknown activation '" + m.activation + "'");
    bool rendered = sk::io::plot(fs::path(plots) / "rate_output", outputs);
    if (!losses.empty()) rendered = sk::io::plot(fs::path(plots) / "training_loss", loss_figure(losses)) && rendered;
    std::cout << plots << (rendered ? ": PNG figures with their data and gnuplot scripts\n"
                                    : ": data and gnuplot scripts (gnuplot not found: no PNG)\n");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "spikernn-plot: " << e.what() << "\n";
    return 1;
  }
}
