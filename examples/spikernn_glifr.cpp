// spikernn-glifr: trains the network types of the GLIFR paper (Winston, Stringer et al., Neural
// Computation 2023; glifr_smnn_spec.md part A) on its tasks with its hyperparameters, and writes
// what a user inspects afterwards.
//
//   spikernn-glifr --task sine|lmnist|pmnist [--types Hom,LHetA,RNN,…|all] [--runs M]
//                  [--paper_version 2021|2022] [--threads 0] [--out DIR] [--data DIR] …
//
// Types: RNN, LSTM and the eight GLIFR types Hom, HomA, LHet, LHetA, FHet, FHetA, RHet, RHetA
// (A.6), each at the parameter-matched hidden size of the chosen version. Every (type, run) is a
// network trained from its own seed (--seed + run − 1), one per thread; results do not depend on
// the thread count. The protocol (defaults per version, sizes, delays, the training run) is
// include/spikernn/experiment/glifr_paper.hpp; this program reads flags and data and writes files.
// Per network, in DIR/<type>-<run>/: params.mat and npy/*.npy (the network in the format of
// include/spikernn/io/glifr_file.hpp, which loads it back: trained and initial parameters under
// the original's names, model values, settings; plus loss curves and sine outputs), run.json,
// loss.png (and accuracy for MNIST), outputs.png (sine: outputs against targets), params.png
// (GLIFR: the distributions of thresholds, membrane and after-spike-current constants before and
// after training — the paper's "heterogeneity is learned"). In DIR: results.csv (one row per
// network) and results.md (mean ± population std per type next to the paper's numbers).
#include <spikernn/core/parallel.hpp>
#include <spikernn/experiment/glifr_paper.hpp>
#include <spikernn/io/array_sink.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/csv.hpp>
#include <spikernn/io/glifr_file.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mnist.hpp>
#include <spikernn/train/interrupt.hpp>

#include <CLI/CLI.hpp>
#include "command_line.hpp"
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace sk = spikernn;
namespace gp = spikernn::glifr_paper;
namespace fs = std::filesystem;

namespace {

struct options {
  std::string task = "sine", out = "glifr", data, types = "Hom,LHetA,RNN,LSTM";
  gp::settings s;
  int runs = 1, threads = 0;
  std::uint64_t seed = 1;
  long train_limit = 0, test_limit = 0, checkpoint_every = 0;
  bool resume = false;
};

gp::dataset load_data(const options& o) {
  if (o.s.task == gp::paper_task::sine) return gp::sine_dataset();
  sk::sequential_mnist_params mp;
  mp.sequence =
      o.s.task == gp::paper_task::pmnist ? sk::mnist_sequence::pixel_by_pixel : sk::mnist_sequence::line_by_line;
  const fs::path dir = o.data.empty() ? fs::path("data/mnist") : fs::path(o.data);
  auto train = sk::io::load_sequential_mnist(dir, sk::io::mnist_part::train, mp);
  auto test = sk::io::load_sequential_mnist(dir, sk::io::mnist_part::test, mp);
  return gp::mnist_dataset(std::move(train), std::move(test), dir.string(), o.train_limit, o.test_limit);
}

/// The figures of one network: loss (and accuracy), sine outputs against targets.
void plot_run(const fs::path& dir, const gp::run_record& r, const options& o, const gp::dataset& d) {
  const std::string who = r.type + " run " + std::to_string(r.run);
  std::vector<double> epochs(r.train_loss.size());
  for (std::size_t e = 0; e < epochs.size(); ++e) epochs[e] = double(e + 1);
  sk::io::figure lf{who + ": loss",
                    "epoch",
                    "loss",
                    {{"training (epoch mean)", epochs, r.train_loss},
                     {"test", r.test_epochs, r.test_losses, "linespoints pt 7 ps 0.5"}}};
  lf.log_y = true;
  if (d.classify) {
    sk::io::figure af{
        who + ": accuracy",
        "epoch",
        "accuracy",
        {{"training", epochs, r.train_accuracy}, {"test", r.test_epochs, r.test_accuracies, "linespoints pt 7"}}};
    sk::io::plot_panels(dir / "loss", {lf, af}, 2, r.type + " on " + o.task, 1200, 450);
  } else {
    sk::io::plot(dir / "loss", lf);
  }
  if (!d.sine) return;
  sk::io::figure of{who + ": outputs (solid) and targets (dashed)", "time (ms)", "output", {}};
  for (std::size_t i = 0; i < r.outputs.size(); ++i) {
    std::vector<double> t, y, z;
    for (int k = 0; k < d.sine->n_steps(); ++k) {
      t.push_back(d.sine->time(k));
      y.push_back(r.outputs[i](0, k));
      z.push_back(d.sine->target(int(i))(0, k));
    }
    const std::string lc = " lc " + std::to_string(i + 1);
    char f[32];
    std::snprintf(f, sizeof f, "%.3f kHz", d.sine->frequency(int(i)));
    of.lines.push_back({std::string("output ") + f, t, y, "lines lw 2" + lc});
    of.lines.push_back({std::string("target ") + f, t, z, "lines dt 2" + lc});
  }
  sk::io::plot(dir / "outputs", of);
}

/// Trains one network and writes its files; the checkpoint goes once they are written.
template <class Model>
gp::run_record run_network(Model& model, const std::string& type, int run, sk::seed sd, const options& o,
                           const gp::dataset& d, const fs::path& dir, std::mutex& print) {
  fs::create_directories(dir / "npy");
  const Model initial = model;
  const std::string name = type + "-" + std::to_string(run);
  const fs::path checkpoint = dir / "checkpoint.ckpt";
  const auto acc = [](double a) { return a >= 0 ? " acc " + std::to_string(a).substr(0, 6) : std::string(); };
  const gp::run_options ro{checkpoint, o.checkpoint_every, o.resume && fs::exists(checkpoint) ? checkpoint : fs::path{},
                           [&](const sk::epoch_progress& p, const sk::sequence_score& score) {
                             const std::lock_guard lock(print);
                             std::printf("%-8s epoch %5d/%d  train loss %.5f%s  test loss %.5f%s  (%.0f s)\n",
                                         name.c_str(), p.epoch, p.epochs, p.train_loss, acc(p.train_accuracy).c_str(),
                                         score.loss, acc(score.accuracy).c_str(), p.seconds);
                             std::fflush(stdout);
                           }};
  const gp::run_record r = gp::train_network(model, type, run, sd, o.s, d, ro);

  sk::io::array_sink sink(dir / "params.mat", dir / "npy");
  sk::io::put_glifr_model(sink, model, initial);
  sink.put("train_loss", r.train_loss);
  sink.put("test_epochs", r.test_epochs);
  sink.put("test_loss", r.test_losses);
  if (d.classify) {
    sink.put("train_accuracy", r.train_accuracy);
    sink.put("test_accuracy", r.test_accuracies);
  }
  for (std::size_t i = 0; i < r.outputs.size(); ++i) sink.put("output_" + std::to_string(i + 1), r.outputs[i]);
  sink.put_string("type", type);
  sink.put_string("task", o.task);
  sink.put_int("version", o.s.version);
  sink.put_int("seed", std::int64_t(r.seed));
  sink.commit();

  nlohmann::ordered_json js = {{"type", type},
                               {"task", o.task},
                               {"version", o.s.version},
                               {"run", run},
                               {"seed", r.seed},
                               {"hidden_size", r.hidden},
                               {"trainable_parameters", r.trainable},
                               {"delay_steps", r.delay},
                               {"epochs", o.s.epochs},
                               {"batch", o.s.batch},
                               {"lr", o.s.lr},
                               {"sigma_v", o.s.sigma_v},
                               {"anneal", o.s.anneal},
                               {"data", d.description},
                               {"test_loss", r.test_loss}};
  if (d.classify) js["test_accuracy"] = r.test_accuracy;
  if (d.sine) js["test_loss_sum_of_pattern_mses"] = r.sine_sum;
  js["train_seconds"] = r.seconds;
  sk::io::write_text_atomically(dir / "run.json", js.dump(2) + "\n");
  fs::remove(checkpoint);

  plot_run(dir, r, o, d);
  if constexpr (std::is_same_v<Model, sk::glifr_network<float>>)
    sk::io::plot_glifr_distributions(
        dir / "params", type + " run " + std::to_string(run) + ": intrinsic parameters before and after training",
        initial.physical(), model.physical());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train the GLIFR paper's network types (RNN, LSTM, Hom … RHetA) on its tasks", "spikernn-glifr"};
  options o;
  std::string all;
  for (const auto& t : gp::type_names()) all += (all.empty() ? "" : ", ") + t;
  app.add_option("--task", o.task, "sine (pattern generation), lmnist (line by line) or pmnist (pixel by pixel)")
      ->capture_default_str();
  app.add_option("--types", o.types, "Comma-separated types, or 'all': " + all)->capture_default_str();
  app.add_option("--runs", o.runs, "Networks per type (seeds --seed, --seed + 1, …)")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the first run")->check(sk::programs::non_negative_integer)->capture_default_str();
  app.add_option("--paper_version", o.s.version, "Settings of the 2021 code (the first release) or the 2022 code (the paper's)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Networks trained at once (0: all cores); results do not depend on it")
      ->capture_default_str();
  app.add_option("--epochs", o.s.epochs, "Epochs (default: the version's for the task)")->check(CLI::PositiveNumber);
  app.add_option("--batch", o.s.batch, "Batch size (default: the version's)")->check(CLI::PositiveNumber);
  app.add_option("--lr", o.s.lr, "Adam learning rate (default: the version's)")->check(CLI::PositiveNumber);
  app.add_option("--hidden", o.s.hidden, "Hidden size for every type (default: the parameter-matched sizes)")->check(CLI::PositiveNumber);
  app.add_option("--delay", o.s.delay, "Recurrent delay in steps (default: 20 for GLIFR; RNN 1 in v2021)")->check(CLI::PositiveNumber);
  app.add_option("--sigma_v", o.s.sigma_v, "Sharpness σ_V of the GLIFR rate sigmoid")->capture_default_str();
  app.add_flag("--anneal", o.s.anneal,
               "σ_V = 1 for the first half of the epochs, 1e-3 for the second (v2021 anneal as run)");
  app.add_option("--data", o.data,
                 "Folder with MNIST-format IDX files (default data/mnist; "
                 "/usr/share/datasets/fashion-mnist for Fashion-MNIST)");
  app.add_option("--train_limit", o.train_limit, "Use only the first N training images (0: all)")
      ->capture_default_str();
  app.add_option("--test_limit", o.test_limit, "Use only the first N test images (0: all)")->capture_default_str();
  app.add_option("--eval_every", o.s.eval_every, "Epochs between test evaluations (default: 50 sine, 1 MNIST)")->check(CLI::PositiveNumber);
  app.add_option("--out,--output_dir", o.out, "Output folder (--output_dir: the same)")->capture_default_str();
  app.add_option("--checkpoint_every", o.checkpoint_every,
                 "Updates between checkpoints (DIR/<type>-<run>/checkpoint.ckpt; 0: only on Ctrl-C / kill)")
      ->capture_default_str();
  app.add_flag("--resume", o.resume, "Continue the run in --out: networks with a checkpoint go on from it, the others start afresh "
               "(without it, a folder that holds an earlier run is refused)");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.s.task = gp::parse_task(o.task);
    o.s.validate();
    // 0 stands for "the version's value" inside settings; given on the command line it is a mistake
    for (const char* flag : {"epochs", "batch", "lr", "hidden", "delay", "eval_every"})
      if (app.count(std::string("--") + flag) > 0 && app.get_option(std::string("--") + flag)->as<double>() == 0)
        throw sk::invalid_parameter(flag, "a positive value (leave the flag out for the version's default)");
    sk::programs::require_memory(16.0 * 4 * double(o.s.hidden) * double(o.s.hidden), "hidden",
                                 "a network of " + std::to_string(o.s.hidden) + " units");
    sk::require(o.runs > 0, "runs", "at least one run per type");
    o.s = gp::with_defaults(o.s);
    const std::vector<std::string> types = gp::parse_types(o.types);
    const fs::path out(o.out);
    std::vector<fs::path> outputs{out / "results.csv"};
    for (const auto& type : types)
      for (int run = 1; run <= o.runs; ++run) outputs.push_back(out / (type + "-" + std::to_string(run)) / "params.mat");
    sk::programs::require_fresh_output(outputs, o.resume);
    const gp::dataset d = load_data(o);
    fs::create_directories(out);
    std::printf("%s, %zu type(s) × %d run(s), %d epochs, batch %d, lr %g, version %d\n", d.description.c_str(),
                types.size(), o.runs, o.s.epochs, o.s.batch, o.s.lr, o.s.version);

    const long jobs = long(types.size()) * o.runs;
    std::vector<gp::run_record> results(static_cast<std::size_t>(jobs));
    std::mutex print;
    const auto t0 = std::chrono::steady_clock::now();
    const sk::interrupt_guard interrupts;  // Ctrl-C / kill: every network checkpoints, then we stop
    // Runs of one type next to each other, so the first results arrive type by type.
    sk::parallel_for(jobs, o.threads, [&](long k, int) {
      const std::string& type = types[std::size_t(k / o.runs)];
      const int run = int(k % o.runs) + 1;
      const sk::seed sd{o.seed + std::uint64_t(run - 1)};
      gp::paper_network model = gp::make_model(type, o.s, d.n_in, d.n_out, sd);
      const fs::path dir = out / (type + "-" + std::to_string(run));
      results[std::size_t(k)] =
          std::visit([&](auto& m) { return run_network(m, type, run, sd, o, d, dir, print); }, model);
    });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sk::io::write_csv(out / "results.csv", gp::results_table(results));
    sk::io::write_text_atomically(out / "results.md",
                                  gp::results_markdown(results, types, {o.s, o.runs, o.seed, d.description, wall}));
    std::printf("\nwrote %s and %s (%.0f s)\n", (out / "results.md").c_str(), (out / "results.csv").c_str(), wall);
    std::ifstream md(out / "results.md");
    std::cout << md.rdbuf();
    return 0;
  });
}
