// spikernn-smnn: trains spiking mode-based RNNs (Lin & Huang, arXiv 2310.14621;
// glifr_smnn_spec.md part B) — LIF networks whose recurrence W_r = ξ_in·diag(λ)·ξ_outᵀ has rank
// P, trained through surrogate gradients — on the paper's two tasks with its settings
// (experiment/smnn_paper.hpp):
//
//   spikernn-smnn --task mnist   [--N 100] [--P 3] …   Bernoulli-encoded digits, max-over-time
//                                                       readout, softmax then cross entropy
//   spikernn-smnn --task context [--N 100] [--P 3] …   context-dependent integration (B.5),
//                                                       per-step readout, L2-norm loss
//
// --N and --P take lists (--N 30,100 --P 1,3,10): every pair is a network, trained one per
// thread (results do not depend on the thread count).
// Per network, in DIR/N<n>_P<p>-<run>/: modes.mat and npy/*.npy (io/mode_snn_file.hpp: the
// trained blocks, the mode importance of B.1, the curves and the settings that rebuild the
// network with io::load_mode_snn), run.json, accuracy.png, and raster.png (MNIST: hidden spikes
// of the first test digits) or outputs.png and npy/mean_output_per_condition.npy (context: mean
// ± std output per condition). In DIR: results.csv and results.md (MNIST: the N × P table next
// to the paper repository's).
#include <spikernn/core/parallel.hpp>
#include <spikernn/experiment/smnn_paper.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/csv.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mnist.hpp>
#include <spikernn/io/mode_snn_file.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/train/interrupt.hpp>

#include <CLI/CLI.hpp>
#include "command_line.hpp"
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace sp = spikernn::smnn_paper;
namespace fs = std::filesystem;

namespace {

struct options {
  std::string task = "mnist", out = "smnn", data, neuron = "lif", filter, surrogate = "fast_sigmoid", n_list = "100",
              p_list = "3";
  int runs = 1, threads = 0, steps = 0, epochs = 101, batches_per_epoch = 5, batch = 0, test_every = 10, rounds = 400,
      steps_per_round = 3, test_trials = 200;
  long train_limit = 0, test_limit = 0;
  double lr = 1e-3, clip = 20;
  std::uint64_t seed = 1;
  long checkpoint_every = 0;
  bool resume = false;
};

std::vector<int> int_list(const std::string& s, const char* name) {
  std::vector<int> v;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    std::size_t used = 0;
    int x = 0;
    try {
      x = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    sk::require(used == item.size() && x > 0, name, "a comma-separated list of positive integers, got '" + s + "'");
    v.push_back(x);
  }
  sk::require(!v.empty(), name, "at least one value");
  return v;
}

struct job {
  int n = 100, p = 3, run = 1;  // p = 0: full rank
  sk::seed s{1};
  std::string p_text() const { return p > 0 ? std::to_string(p) : std::string("full"); }
  std::string name() const { return "N" + std::to_string(n) + "_P" + p_text() + "-" + std::to_string(run); }
};

struct run_result {
  job j;
  double accuracy = 0, loss = 0, seconds = 0, mean_rate_hz = 0;  // rate: hidden firing on the test set
};

/// Trains one network, writes its folder and returns its line of the tables.
template <class Sur>
run_result run_job(const job& j, const options& o, const sp::mnist_settings& ms, const sp::context_settings& cs,
                   const sp::digit_set* train, const sp::digit_set* test, const fs::path& dir, std::mutex& print) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const sp::task_kind task = sp::parse_task(o.task);
  const bool mnist = task == sp::task_kind::mnist;
  sk::mode_snn<float, Sur> net(
      sp::network_params({task, j.n, j.p, sp::parse_neuron(o.neuron), o.filter == "single"}), j.s);
  const fs::path ck = dir / "checkpoint.ckpt";  // resumed with --resume where it exists
  const sk::fit_options run{.checkpoint = ck, .checkpoint_every = o.checkpoint_every,
                            .resume = o.resume && fs::exists(ck) ? ck : fs::path{}};
  const auto report = [&](const sp::test_report& t) {
    const std::lock_guard lock(print);
    std::printf("%s\n", sp::progress_line(j.name(), t, task).c_str());
    std::fflush(stdout);
  };
  run_result r;
  sp::training_curves curves;
  if (mnist) {
    const sp::mnist_result m = sp::train_mnist(net, *train, *test, ms, j.s, run, report);
    curves = m.curves;
    r = {j, m.accuracy, m.loss, seconds(), m.hidden_rate_hz};  // seconds: training only
    sk::io::plot_panels(dir / "raster", sp::mnist_raster(net, *test, ms.steps, j.s), 2,
                        j.name() + ": hidden spikes, first test digits", 1000, 700);
  } else {
    const sp::context_result c = sp::train_context(net, cs, j.s, run, report);
    curves = c.curves;
    r = {j, c.accuracy, c.loss, seconds(), c.outputs.hidden_rate_hz};
    sk::io::plot(dir / "outputs",
                 sp::condition_figure(c.outputs, j.name() + ": output per condition (mean ± std over test trials)"));
    sk::io::write_npy(dir / "npy" / "mean_output_per_condition.npy", c.outputs.mean);
  }
  sk::io::save_mode_snn(dir / "modes.mat", net,
                        {o.task, j.s.value, mnist ? "test_epochs" : "test_rounds", curves.test_x,
                         curves.test_accuracy, curves.train_loss});
  sk::io::plot_panels(dir / "accuracy", sp::curve_panels(curves, task, j.name()), 2,
                      mnist ? "spiking mode RNN on MNIST" : "spiking mode RNN, context-dependent task", 1100, 420);
  return r;
}

void write_results(const fs::path& out, const options& o, const std::vector<run_result>& rs, double wall,
                   const std::string& data) {
  sk::io::csv_table csv{{"N", "P", "run", "seed", "test_accuracy", "final_loss", "hidden_rate_hz", "seconds"}, {}};
  for (const auto& r : rs)
    csv.add({std::to_string(r.j.n), r.j.p_text(), std::to_string(r.j.run), std::to_string(r.j.s.value),
             sk::io::exact_text(r.accuracy), sk::io::exact_text(r.loss), sk::io::exact_text(r.mean_rate_hz),
             sk::io::exact_text(r.seconds)});
  sk::io::write_csv(out / "results.csv", csv);
  std::ostringstream md;
  md << "# Spiking mode-based RNN, " << (o.task == "mnist" ? "MNIST" : "context-dependent task") << "\n\n"
     << "Neuron " << o.neuron << ", surrogate " << o.surrogate << ", " << o.runs << " run(s) per network (seeds "
     << o.seed << "…), Adam lr " << o.lr << ", gradient norm clipped at " << o.clip << "; " << data << ". Wall time "
     << std::lround(wall) << " s.\n\n";
  std::vector<sp::network_accuracy> rows;
  for (const auto& r : rs) rows.push_back({r.j.n, r.j.p, r.accuracy});
  md << sp::accuracy_table(rows, sp::parse_task(o.task));
  sk::io::write_text_atomically(out / "results.md", md.str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train spiking mode-based RNNs (low-rank recurrence, surrogate gradients) on MNIST or the context task",
               "spikernn-smnn"};
  options o;
  app.add_option("--task", o.task, "mnist or context")->capture_default_str();
  app.add_option("--N", o.n_list, "Hidden neurons; a comma-separated list trains each")->capture_default_str();
  app.add_option("--P", o.p_list, "Modes (rank of the recurrence); a list trains each; 'full' for a full-rank W_rec")
      ->capture_default_str();
  app.add_option("--runs", o.runs, "Networks per (N, P), seeds --seed, --seed + 1, …")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the first run")->check(sk::programs::non_negative_integer)->capture_default_str();
  app.add_option("--threads", o.threads, "Networks trained at once (0: all cores)")->capture_default_str();
  app.add_option("--neuron", o.neuron, "lif (the paper's synaptic LIF neuron) or leaky (snnTorch's Leaky neuron)")->capture_default_str();
  app.add_option("--filter", o.filter, "single or double rate filter (default: double, as the figures)");
  app.add_option("--surrogate", o.surrogate, "fast_sigmoid (slope 25), arctan (alpha 2), sigmoid (slope 25), straight_through")
      ->capture_default_str();
  app.add_option("--steps", o.steps, "Steps per trial (default: 50 for MNIST, 500 for context)");
  app.add_option("--lr", o.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", o.clip, "Gradient-norm clip")->capture_default_str();
  app.add_option("--batch", o.batch, "Trials per update (default: 256 MNIST, 100 context)");
  app.add_option("--epochs", o.epochs, "MNIST: epochs")->capture_default_str();
  app.add_option("--batches_per_epoch", o.batches_per_epoch, "MNIST: fresh random batches per epoch")->capture_default_str();
  app.add_option("--test_every", o.test_every, "MNIST: epochs between tests")->capture_default_str();
  app.add_option("--data", o.data, "MNIST-format folder (default data/mnist, from scripts/fetch_mnist.sh)");
  app.add_option("--train_limit", o.train_limit, "MNIST: use only the first N training images (0: all)")->capture_default_str();
  app.add_option("--test_limit", o.test_limit, "MNIST: use only the first N test images (0: all)")->capture_default_str();
  app.add_option("--rounds", o.rounds, "Context: rounds of a fresh batch")->capture_default_str();
  app.add_option("--steps_per_round", o.steps_per_round, "Context: updates per batch")->capture_default_str();
  app.add_option("--test_trials", o.test_trials, "Context: test trials")->capture_default_str();
  app.add_option("--out,--output_dir", o.out, "Output folder (--output_dir: the same)")->capture_default_str();
  app.add_option("--checkpoint_every", o.checkpoint_every,
                 "Updates between checkpoints (DIR/<network>/checkpoint.ckpt; 0: only on Ctrl-C / kill)")
      ->capture_default_str();
  app.add_flag("--resume", o.resume, "Continue the run in --out: networks with a checkpoint go on from it, the others start afresh "
               "(without it, a folder that holds an earlier run is refused)");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    const bool mnist = sp::parse_task(o.task) == sp::task_kind::mnist;
    sp::parse_neuron(o.neuron);
    sk::require(o.filter.empty() || o.filter == "single" || o.filter == "double", "filter", "single or double");
    sp::with_surrogate(o.surrogate, [](auto) {});  // refuses an unknown name before any training
    sk::require(o.runs > 0, "runs", "a positive number of networks per (N, P)");
    sk::require(o.steps >= 0 && !(app.count("--steps") > 0 && o.steps == 0), "steps",
                "a positive number of steps (leave the flag out for the task's default)");
    sk::require(o.batch >= 0 && !(app.count("--batch") > 0 && o.batch == 0), "batch",
                "a positive batch size (leave the flag out for the task's default)");
    if (o.steps == 0) o.steps = mnist ? 50 : 500;
    if (o.batch == 0) o.batch = mnist ? 256 : 100;
    const sp::mnist_settings ms{o.steps, o.epochs, o.batches_per_epoch, o.batch, o.test_every, o.lr, o.clip};
    const sp::context_settings cs{o.steps, o.rounds, o.steps_per_round, o.batch, o.test_trials, o.lr, o.clip};
    ms.validate();  // both, as every flag is checked whatever the task
    cs.validate();
    const std::vector<int> ns = int_list(o.n_list, "N");
    const std::vector<int> ps = o.p_list == "full" ? std::vector<int>{0} : int_list(o.p_list, "P");
    // P modes of N neurons span at most N dimensions: a larger P is no low-rank network
    for (int n : ns)
      for (int p : ps)
        sk::require(p <= n, "P", "at most the number of neurons --N (" + std::to_string(n) + "), or 'full', got " +
                                     std::to_string(p));
    for (int n : ns)  // the tape holds about a dozen N × (T·B) states; a full-rank W_rec N × N and its moments
      sk::programs::require_memory(4.0 * (12.0 * n * double(o.steps) * o.batch + 6.0 * double(n) * n), "N",
                                   "a network of " + std::to_string(n) + " neurons over " + std::to_string(o.batch) +
                                       " trials of " + std::to_string(o.steps) + " steps");
    std::vector<job> jobs;
    for (int n : ns)
      for (int p : ps)
        for (int r = 1; r <= o.runs; ++r) jobs.push_back({n, p, r, sk::seed{o.seed + std::uint64_t(r - 1)}});

    std::vector<fs::path> outputs{fs::path(o.out) / "results.csv"};
    for (const job& j : jobs) outputs.push_back(fs::path(o.out) / j.name() / "modes.mat");
    sk::programs::require_fresh_output(outputs, o.resume);

    std::optional<sp::digit_set> train, test;
    std::string data = "context-dependent trials, " + std::to_string(o.steps) + " steps";
    if (mnist) {
      const fs::path dir = o.data.empty() ? fs::path("data/mnist") : fs::path(o.data);
      train = sp::to_digits(sk::io::load_sequential_mnist(dir, sk::io::mnist_part::train), std::size_t(o.train_limit));
      test = sp::to_digits(sk::io::load_sequential_mnist(dir, sk::io::mnist_part::test), std::size_t(o.test_limit));
      // checked before any folder is made (train_mnist checks it again, for library callers)
      if (train->size() == 0 || test->size() == 0)
        throw sk::file_error(dir.string(), "holds " + std::to_string(train->size()) + " training and " +
                                               std::to_string(test->size()) + " test digits, expected at least one of each");
      data = std::to_string(train->size()) + " training and " + std::to_string(test->size()) + " test digits from " +
             dir.string() + ", Bernoulli-encoded over " + std::to_string(o.steps) + " steps";
    }
    const fs::path out(o.out);
    fs::create_directories(out);
    std::printf("%s; %zu network(s)\n", data.c_str(), jobs.size());
    std::vector<run_result> results(jobs.size());
    std::mutex print;
    const auto t0 = std::chrono::steady_clock::now();
    const sk::interrupt_guard interrupts;  // Ctrl-C / kill: every network checkpoints, then we stop
    sk::parallel_for(long(jobs.size()), o.threads, [&](long k, int) {
      const job& j = jobs[std::size_t(k)];
      const fs::path dir = out / j.name();
      fs::create_directories(dir / "npy");
      const run_result r = sp::with_surrogate(o.surrogate, [&]<class Sur>(std::type_identity<Sur>) {
        return run_job<Sur>(j, o, ms, cs, train ? &*train : nullptr, test ? &*test : nullptr, dir, print);
      });
      const nlohmann::ordered_json info{
          {"task", o.task}, {"N", j.n}, {"P", j.p > 0 ? nlohmann::ordered_json(j.p) : nlohmann::ordered_json("full")},
          {"seed", j.s.value}, {"neuron", o.neuron}, {"surrogate", o.surrogate}, {"test_accuracy", r.accuracy},
          {"hidden_rate_hz", r.mean_rate_hz}, {"seconds", r.seconds}};
      sk::io::write_text_atomically(dir / "run.json", info.dump(2) + "\n");
      fs::remove(dir / "checkpoint.ckpt");  // the network is complete: its files replace it
      results[std::size_t(k)] = r;
    });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_results(out, o, results, wall, data);
    std::ifstream md(out / "results.md");
    std::cout << '\n' << md.rdbuf();
    return 0;
  });
}
