// spikernn-smnn: trains spiking mode-based RNNs (Lin & Huang, arXiv 2310.14621;
// glifr_smnn_spec.md part B) — LIF networks whose recurrence W_r = ξ_in·diag(λ)·ξ_outᵀ has rank
// P, trained through surrogate gradients — on the paper's two tasks with its settings:
//
//   spikernn-smnn --task mnist   [--N 100] [--P 3] …   Bernoulli-encoded digits, max-over-time
//                                                       readout, softmax then cross entropy
//   spikernn-smnn --task context [--N 100] [--P 3] …   context-dependent integration (B.5),
//                                                       per-step readout, L2-norm loss
//
// --N and --P take lists (--N 30,100 --P 1,3,10): every pair is a network, trained one per
// thread (results do not depend on the thread count). Settings (B.4, B.5): Adam lr 1e-3 with
// the gradient norm clipped at 20; MNIST T = 50 steps of 2 ms, 101 epochs of 5 fresh random
// batches of 256 (505 updates), tested every 10 epochs; context T = 500, rounds of a fresh
// batch of 100 trials trained for 3 steps each.
// Per network, in DIR/N<n>_P<p>-<run>/: modes.mat and npy/*.npy (w_in, xi_in, lambda, xi_out,
// w_out or w_rec, the mode importance of B.1, the curves), run.json, accuracy.png, and
// raster.png (MNIST: hidden spikes of the first test digits) or outputs.png (context: mean ±
// std output per condition). In DIR: results.csv and results.md (MNIST: the N × P table next to
// the paper repository's).
#include <spikernn/core/parallel.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mat_file.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/eval/mode_importance.hpp>
#include <spikernn/network/mode_snn.hpp>
#include <spikernn/task/context_dependent.hpp>
#include <spikernn/task/rate_encoding.hpp>
#include <spikernn/task/sequential_mnist.hpp>
#include <spikernn/train/adam.hpp>
#include <spikernn/train/engine.hpp>
#include <spikernn/train/hooks.hpp>

#include "output_support.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options {
  std::string task = "mnist", out = "smnn", data, neuron = "lif", filter, surrogate = "fast_sigmoid", n_list = "100",
              p_list = "3";
  bool full_rank = false;
  int runs = 1, threads = 0, steps = 0, epochs = 101, batches_per_epoch = 5, batch = 0, test_every = 10, rounds = 400,
      steps_per_round = 3, test_trials = 200;
  long train_limit = 0, test_limit = 0;
  double lr = 1e-3, clip = 20;
  std::uint64_t seed = 1;
  long checkpoint_every = 0;
  bool resume = false;
};

/// The paper repository's final MNIST accuracies (B.6: mean of 5 runs, 3 for P = 200).
const std::map<std::pair<int, int>, double> paper_mnist = {
    {{30, 1}, 0.927},  {{30, 3}, 0.908},  {{30, 10}, 0.903},  {{30, 30}, 0.912},  {{30, 100}, 0.915},  {{30, 200}, 0.929},
    {{50, 1}, 0.937},  {{50, 3}, 0.935},  {{50, 10}, 0.933},  {{50, 30}, 0.927},  {{50, 100}, 0.925},  {{50, 200}, 0.933},
    {{100, 1}, 0.949}, {{100, 3}, 0.947}, {{100, 10}, 0.940}, {{100, 30}, 0.935}, {{100, 100}, 0.942}, {{100, 200}, 0.948},
    {{200, 1}, 0.957}, {{200, 3}, 0.958}, {{200, 10}, 0.953}, {{200, 30}, 0.948}, {{200, 100}, 0.945}, {{200, 200}, 0.961},
    {{300, 1}, 0.929}, {{300, 3}, 0.925}, {{300, 10}, 0.922}, {{300, 30}, 0.916}, {{300, 100}, 0.919}};

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

/// MNIST images as pixel intensities in [0, 1] (ToTensor, no normalisation: B.4) and labels.
struct digit_set {
  std::vector<sk::vector<double>> pixels;
  std::vector<int> labels;
};

digit_set to_digits(const sk::sequential_mnist& set) {
  digit_set d;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const auto px = set.pixels(i);
    sk::vector<double> v(static_cast<sk::index_t>(px.size()));
    for (std::size_t k = 0; k < px.size(); ++k) v(sk::index_t(k)) = double(px[k]) / 255.0;
    d.pixels.push_back(std::move(v));
    d.labels.push_back(set.label(i));
  }
  return d;
}

struct job {
  int n = 100, p = 3, run = 1;
  sk::seed s{1};
  std::string name() const {
    return "N" + std::to_string(n) + "_P" + (p > 0 ? std::to_string(p) : std::string("full")) + "-" + std::to_string(run);
  }
};

struct run_result {
  job j;
  double accuracy = 0, loss = 0, seconds = 0;
  double mean_rate_hz = 0;  ///< hidden firing on the test set
};

sk::mode_snn_params network_params(const options& o, const job& j) {
  sk::mode_snn_params p = o.task == "mnist" ? sk::mode_snn_params::mnist() : sk::mode_snn_params::mante();
  p.n = j.n;
  p.p = std::max(j.p, 1);
  p.full_rank = j.p == 0;
  p.neuron = o.neuron == "leaky" ? sk::mode_neuron::leaky : sk::mode_neuron::lif;
  if (o.filter == "single") p.filter = sk::mode_filter::single;
  if (o.filter == "double") p.filter = o.task == "mnist" ? sk::mode_filter::double_mnist : sk::mode_filter::double_mante;
  return p;
}



template <class Net>
void write_parameters(const fs::path& dir, const Net& net, const options& o, const job& j,
                      const std::vector<double>& curve_x, const std::vector<double>& curve_acc,
                      const std::vector<double>& losses) {
  sk::programs::param_sink sink{sk::io::mat_writer(dir / "modes.mat"), dir / "npy"};
  sink.put("w_in", net.w_in());
  sink.put("w_out", net.w_out());
  if (net.full_rank()) {
    sink.put("w_rec", net.w_rec());
  } else {
    sink.put("xi_in", net.xi_in());
    sink.put("lambda", net.lambda());
    sink.put("xi_out", net.xi_out());
    const auto rank = sk::mode_importance(net);
    sink.put("mode_importance", rank.score.transpose());
    std::vector<double> order;
    for (auto k : rank.order) order.push_back(double(k + 1));  // 1-based, as MATLAB indexes
    sink.put("mode_order", order);
  }
  sink.put((o.task == "mnist" ? "test_epochs" : "test_rounds"), curve_x);
  sink.put("test_accuracy", curve_acc);
  sink.put("train_loss", losses);
  sink.mat.write_string("task", o.task);
  sink.mat.write_int("N", j.n);
  sink.mat.write_int("P", j.p);
  sink.mat.write_int("seed", std::int64_t(j.s.value));
  sink.mat.commit();
}

/// The engine's options for one network: its checkpoint in its folder, resumed with --resume.
sk::fit_options run_options(const options& o, const fs::path& dir, long steps) {
  const fs::path ck = dir / "checkpoint.ckpt";
  return {.steps = steps,
          .checkpoint = ck,
          .checkpoint_every = o.checkpoint_every,
          .resume = o.resume && fs::exists(ck) ? ck : fs::path{}};
}

// ---- MNIST ----------------------------------------------------------------------------------

/// Test accuracy (and mean hidden rate) on `set`, each image encoded from its own stream.
template <class Net>
std::pair<double, double> mnist_test(const Net& net, const digit_set& set, int T, sk::seed s) {
  typename Net::tape tp;
  sk::matrix<float> d_o;
  std::vector<sk::spike_events> ev;
  long hits = 0;
  double spikes = 0;
  for (std::size_t first = 0; first < set.labels.size(); first += 256) {
    const std::size_t last = std::min(set.labels.size(), first + 256);
    ev.clear();
    for (std::size_t i = first; i < last; ++i) {
      sk::rng g(s, sk::purpose::spike_encoding, (std::uint64_t(0xFFFFFFFFu) << 32) + i);  // fixed test encodings
      ev.push_back(sk::bernoulli_rate_events(set.pixels[i], T, g));
    }
    net.forward(std::span<const sk::spike_events>(ev), tp);
    int correct = 0;
    sk::softmax_then_cross_entropy_loss(tp.o, std::span<const int>(set.labels.data() + first, last - first), d_o, &correct);
    hits += correct;
    spikes += double(tp.s.sum());
  }
  const double n = double(set.labels.size());
  const double dt = net.params().dt;
  return {double(hits) / n, spikes / (n * double(net.size()) * T * dt)};
}

template <class Net>
run_result train_mnist(const job& j, const options& o, const digit_set& train, const digit_set& test,
                       const fs::path& dir, std::mutex& print) {
  const auto t0 = std::chrono::steady_clock::now();
  Net net(network_params(o, j), j.s);
  const int T = o.steps;
  sk::adam opt({.lr = o.lr, .form = sk::adam_form::pytorch});
  typename Net::tape tp;
  // B.4: each epoch takes a few fresh random batches (a shuffled DataLoader's first ones).
  sk::encoded_batches data(train.pixels, train.labels, T, o.batch, o.batches_per_epoch, j.s);
  // The curves, with the test accuracy every test_every epochs, kept across a resume.
  struct curves {
    const Net& net;
    const job& j;
    const options& o;
    const digit_set& test;
    std::mutex& print;
    std::vector<double> test_epochs, test_acc, losses;
    bool on_epoch(const sk::epoch_report& r) {
      losses.push_back(r.loss_sum / o.batches_per_epoch);
      const int e = int(r.epoch);
      if (e % o.test_every == 0 || e + 1 == o.epochs) {
        const auto [acc, rate] = mnist_test(net, test, o.steps, j.s);
        test_epochs.push_back(e);
        test_acc.push_back(acc);
        const std::lock_guard lock(print);
        std::printf("%-12s epoch %4d/%d  loss %.4f  test accuracy %.4f  hidden rate %.1f Hz\n", j.name().c_str(), e,
                    o.epochs, losses.back(), acc, rate);
        std::fflush(stdout);
      }
      return false;
    }
    void save_state(sk::checkpoint_section& ck) const {
      sk::programs::save_curves(ck, {{"test_epochs", &test_epochs}, {"test_accuracy", &test_acc}, {"losses", &losses}});
    }
    void load_state(const sk::checkpoint_section& ck) {
      sk::programs::load_curves(ck, {{"test_epochs", &test_epochs}, {"test_accuracy", &test_acc}, {"losses", &losses}});
    }
  } rec{net, j, o, test, print, {}, {}, {}};
  sk::fit(net, data, sk::spiking_objective{sk::spiking_loss::softmax_then_cross_entropy}, opt,
          run_options(o, dir, long(o.epochs) * o.batches_per_epoch), sk::clip_gradient_norm{o.clip}, rec);
  const auto& test_epochs = rec.test_epochs;
  const auto& test_acc = rec.test_acc;
  const auto& losses = rec.losses;
  run_result r{j, test_acc.back(), losses.back(), 0, 0};
  r.mean_rate_hz = mnist_test(net, test, T, j.s).second;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  fs::create_directories(dir / "npy");
  write_parameters(dir, net, o, j, test_epochs, test_acc, losses);
  sk::io::figure acc{j.name() + ": test accuracy", "epoch", "accuracy", {{"test", test_epochs, test_acc, "linespoints pt 7"}}};
  std::vector<double> ep(losses.size());
  std::iota(ep.begin(), ep.end(), 0.0);
  sk::io::figure lf{j.name() + ": training loss", "epoch", "loss (softmax, then cross entropy)", {{"train", ep, losses}}};
  sk::io::plot_panels(dir / "accuracy", {acc, lf}, 2, "spiking mode RNN on MNIST", 1100, 420);

  // Raster: the hidden spikes of the first four test digits.
  std::vector<sk::spike_events> shown;
  for (std::size_t i = 0; i < std::min<std::size_t>(4, test.labels.size()); ++i) {
    sk::rng g(j.s, sk::purpose::spike_encoding, (std::uint64_t(0xFFFFFFFFu) << 32) + i);
    shown.push_back(sk::bernoulli_rate_events(test.pixels[i], T, g));
  }
  net.forward(std::span<const sk::spike_events>(shown), tp);
  std::vector<sk::io::figure> panels;
  const sk::index_t B = sk::index_t(shown.size());
  for (sk::index_t b = 0; b < B; ++b) {
    sk::io::series dots{"", {}, {}, "points pt 7 ps 0.4"};  // no key entry
    for (int t = 0; t < T; ++t)
      for (sk::index_t i = 0; i < net.size(); ++i)
        if (tp.s(i, t * B + b) > 0.5f) {
          dots.x.push_back((t + 1) * net.params().dt * 1e3);
          dots.y.push_back(double(i + 1));
        }
    sk::io::figure f{"digit " + std::to_string(test.labels[std::size_t(b)]), "time (ms)", "neuron", {dots}};
    f.xrange = {0, T * net.params().dt * 1e3};
    f.yrange = {0, double(net.size()) + 1};
    panels.push_back(f);
  }
  sk::io::plot_panels(dir / "raster", panels, 2, j.name() + ": hidden spikes, first test digits", 1000, 700);
  return r;
}

// ---- context-dependent task -----------------------------------------------------------------

template <class Net>
run_result train_context(const job& j, const options& o, const fs::path& dir, std::mutex& print) {
  const auto t0 = std::chrono::steady_clock::now();
  sk::context_dependent_params cp;
  if (o.steps > 0) cp.T = o.steps;
  const sk::context_dependent task(cp);
  Net net(network_params(o, j), j.s);
  sk::adam opt({.lr = o.lr, .form = sk::adam_form::pytorch});
  typename Net::tape tp;
  const sk::seed test_seed{j.s.value ^ 0x5DEECE66DULL};  // test trials never seen in training
  const auto test_set = task.batch(test_seed, 0, o.test_trials);
  const auto as_pointers = [](const std::vector<sk::sequence_sample>& v) {
    std::vector<const sk::matrix<double>*> in;
    for (const auto& x : v) in.push_back(&x.u);
    return in;
  };
  // B.5: rounds of a fresh batch, each trained on for steps_per_round updates; the curve keeps
  // each round's last loss and the test accuracy about 20 times in the run.
  sk::repeated_batches data([&](long round) { return task.batch(j.s, std::uint64_t(round), o.batch); },
                            o.steps_per_round);
  struct curves {
    const Net& net;
    const job& j;
    const options& o;
    const sk::context_dependent& task;
    const std::vector<sk::sequence_sample>& test_set;
    std::mutex& print;
    std::vector<double> rounds_x, acc, losses;
    double score() const {
      typename Net::tape t;
      std::vector<const sk::matrix<double>*> in;
      for (const auto& x : test_set) in.push_back(&x.u);
      net.forward(std::span<const sk::matrix<double>* const>(in), t);
      int hits = 0;
      for (std::size_t b = 0; b < test_set.size(); ++b)
        hits += task.correct(test_set[b], sk::time_major_trial(t.o, sk::index_t(test_set.size()), sk::index_t(b)));
      return double(hits) / double(test_set.size());
    }
    void after_step(const sk::step_report<Net, sk::sample_batch>& r) {
      if ((r.step + 1) % o.steps_per_round != 0) return;
      const long round = r.step / o.steps_per_round;
      losses.push_back(r.loss);
      const int every = std::max(1, o.rounds / 20);
      if ((round + 1) % every == 0 || round + 1 == o.rounds) {
        rounds_x.push_back(double(round + 1));
        acc.push_back(score());
        const std::lock_guard lock(print);
        std::printf("%-12s round %4ld/%d  loss %.3f  test accuracy %.3f\n", j.name().c_str(), round + 1, o.rounds,
                    r.loss, acc.back());
        std::fflush(stdout);
      }
    }
    void save_state(sk::checkpoint_section& ck) const {
      sk::programs::save_curves(ck, {{"rounds", &rounds_x}, {"test_accuracy", &acc}, {"losses", &losses}});
    }
    void load_state(const sk::checkpoint_section& ck) {
      sk::programs::load_curves(ck, {{"rounds", &rounds_x}, {"test_accuracy", &acc}, {"losses", &losses}});
    }
  } rec{net, j, o, task, test_set, print, {}, {}, {}};
  sk::fit(net, data, sk::spiking_objective{sk::spiking_loss::l2_norm}, opt,
          run_options(o, dir, long(o.rounds) * o.steps_per_round), sk::clip_gradient_norm{o.clip}, rec);
  const auto& rounds_x = rec.rounds_x;
  const auto& acc = rec.acc;
  const auto& losses = rec.losses;
  run_result r{j, acc.back(), losses.back(), 0, 0};

  // The mean ± std output over the test trials of each condition, as the paper plots it.
  const auto in = as_pointers(test_set);
  net.forward(std::span<const sk::matrix<double>* const>(in), tp);
  r.mean_rate_hz = double(tp.s.sum()) / (double(test_set.size()) * double(net.size()) * task.n_steps() * net.params().dt);
  const sk::index_t B = sk::index_t(test_set.size());
  sk::io::figure of{j.name() + ": output per condition (mean ± std over test trials)", "time (s)", "output", {}};
  sk::matrix<double> means(sk::context_dependent::n_conditions, task.n_steps());
  for (int c = 0; c < sk::context_dependent::n_conditions; ++c) {
    std::vector<double> t_s, m, lo, hi;
    for (int t = 0; t < task.n_steps(); ++t) {
      double sum = 0, sq = 0;
      int count = 0;
      for (sk::index_t b = 0; b < B; ++b)
        if (test_set[std::size_t(b)].label == c) {
          const double y = tp.o(0, t * B + b);
          sum += y;
          sq += y * y;
          ++count;
        }
      const double mean = count ? sum / count : 0, sd = count ? std::sqrt(std::max(0.0, sq / count - mean * mean)) : 0;
      t_s.push_back((t + 1) * net.params().dt);
      m.push_back(mean);
      lo.push_back(mean - sd);
      hi.push_back(mean + sd);
      means(c, t) = mean;
    }
    const std::string lc = " lc " + std::to_string(c + 1);
    of.lines.push_back({sk::context_dependent::condition_name(c), t_s, m, "lines lw 2" + lc});
    of.lines.push_back({"± std", t_s, lo, "lines dt 2" + lc});
    of.lines.push_back({"", t_s, hi, "lines dt 2" + lc});
  }
  sk::io::plot(dir / "outputs", of);
  write_parameters(dir, net, o, j, rounds_x, acc, losses);
  sk::io::write_npy(dir / "npy" / "mean_output_per_condition.npy", means);
  std::vector<double> rx(losses.size());
  std::iota(rx.begin(), rx.end(), 1.0);
  sk::io::figure af{j.name() + ": test accuracy (sign of the late output)", "round", "accuracy",
                    {{"test", rounds_x, acc, "linespoints pt 7"}}};
  sk::io::figure lf{j.name() + ": training loss", "round", "L2-norm loss", {{"train", rx, losses}}};
  sk::io::plot_panels(dir / "accuracy", {af, lf}, 2, "spiking mode RNN, context-dependent task", 1100, 420);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

template <class Sur>
run_result run_job(const job& j, const options& o, const digit_set* train, const digit_set* test, const fs::path& dir,
                   std::mutex& print) {
  using net = sk::mode_snn<float, Sur>;
  return o.task == "mnist" ? train_mnist<net>(j, o, *train, *test, dir, print) : train_context<net>(j, o, dir, print);
}

void write_results(const fs::path& out, const options& o, const std::vector<run_result>& rs, double wall,
                   const std::string& data) {
  std::ostringstream csv;
  csv << "N,P,run,seed,test_accuracy,final_loss,hidden_rate_hz,seconds\n";
  for (const auto& r : rs)
    csv << r.j.n << ',' << (r.j.p > 0 ? std::to_string(r.j.p) : "full") << ',' << r.j.run << ',' << r.j.s.value << ','
        << r.accuracy << ',' << r.loss << ',' << r.mean_rate_hz << ',' << r.seconds << '\n';
  sk::io::write_text_atomically(out / "results.csv", csv.str());
  std::ostringstream md;
  md << "# Spiking mode-based RNN, " << (o.task == "mnist" ? "MNIST" : "context-dependent task") << "\n\n"
     << "Neuron " << o.neuron << ", surrogate " << o.surrogate << ", " << o.runs << " run(s) per network (seeds "
     << o.seed << "…), Adam lr " << o.lr << ", gradient norm clipped at " << o.clip << "; " << data << ". Wall time "
     << std::lround(wall) << " s.\n\n";
  // mean (and spread) over runs per (N, P)
  std::map<std::pair<int, int>, std::vector<double>> acc;
  for (const auto& r : rs) acc[{r.j.n, r.j.p}].push_back(r.accuracy);
  md << "| N | P | test accuracy (mean, min–max over runs) |" << (o.task == "mnist" ? " paper repository (B.6) |" : "")
     << "\n|---|---|---|" << (o.task == "mnist" ? "---|" : "") << "\n";
  for (const auto& [key, v] : acc) {
    const double m = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.4f (%.4f–%.4f)", m, *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    md << "| " << key.first << " | " << (key.second > 0 ? std::to_string(key.second) : "full") << " | " << buf << " |";
    if (o.task == "mnist") {
      const auto p = paper_mnist.find(key);
      md << " " << (p != paper_mnist.end() ? std::to_string(p->second).substr(0, 5) : "—") << " |";
    }
    md << "\n";
  }
  sk::io::write_text_atomically(out / "results.md", md.str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train spiking mode-based RNNs (low-rank recurrence, surrogate gradients) on MNIST or the context task"};
  options o;
  app.add_option("--task", o.task, "mnist or context")->capture_default_str();
  app.add_option("--N", o.n_list, "Hidden neurons; a comma-separated list trains each")->capture_default_str();
  app.add_option("--P", o.p_list, "Modes (rank of the recurrence); a list trains each; 'full' for a full-rank W_rec")
      ->capture_default_str();
  app.add_option("--runs", o.runs, "Networks per (N, P), seeds --seed, --seed + 1, …")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the first run")->capture_default_str();
  app.add_option("--threads", o.threads, "Networks trained at once (0: all cores)")->capture_default_str();
  app.add_option("--neuron", o.neuron, "lif (the paper's model, B.3) or leaky (snnTorch Leaky, B.2)")->capture_default_str();
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
  app.add_option("--out", o.out, "Output folder")->capture_default_str();
  app.add_option("--checkpoint_every", o.checkpoint_every,
                 "Updates between checkpoints (DIR/<network>/checkpoint.ckpt; 0: only on Ctrl-C / kill)")
      ->capture_default_str();
  app.add_flag("--resume", o.resume, "Continue every network from its checkpoint (others start afresh)");
  CLI11_PARSE(app, argc, argv);
  try {
    sk::require(o.task == "mnist" || o.task == "context", "task", "mnist or context, got '" + o.task + "'");
    sk::require(o.neuron == "lif" || o.neuron == "leaky", "neuron", "lif or leaky, got '" + o.neuron + "'");
    sk::require(o.filter.empty() || o.filter == "single" || o.filter == "double", "filter", "single or double");
    sk::require(o.surrogate == "fast_sigmoid" || o.surrogate == "arctan" || o.surrogate == "sigmoid" ||
                    o.surrogate == "straight_through",
                "surrogate", "fast_sigmoid, arctan, sigmoid or straight_through, got '" + o.surrogate + "'");
    sk::require(o.runs > 0 && o.epochs > 0 && o.batches_per_epoch > 0 && o.test_every > 0 && o.rounds > 0 &&
                    o.steps_per_round > 0 && o.test_trials > 0,
                "runs/epochs/batches_per_epoch/test_every/rounds/steps_per_round/test_trials", "positive counts");
    sk::require(o.lr > 0 && o.clip > 0, "lr/clip", "a positive learning rate and clip");
    sk::require(o.steps >= 0 && o.batch >= 0, "steps/batch", "non-negative values (0: the default)");
    if (o.steps == 0) o.steps = o.task == "mnist" ? 50 : 500;
    if (o.batch == 0) o.batch = o.task == "mnist" ? 256 : 100;
    const std::vector<int> ns = int_list(o.n_list, "N");
    std::vector<int> ps;
    if (o.p_list == "full")
      ps = {0};
    else
      ps = int_list(o.p_list, "P");
    std::vector<job> jobs;
    for (int n : ns)
      for (int p : ps)
        for (int r = 1; r <= o.runs; ++r) jobs.push_back({n, p, r, sk::seed{o.seed + std::uint64_t(r - 1)}});

    std::optional<digit_set> train, test;
    std::string data = "context-dependent trials of B.5, " + std::to_string(o.steps) + " steps";
    if (o.task == "mnist") {
      const fs::path dir = o.data.empty() ? fs::path("data/mnist") : fs::path(o.data);
      auto tr = sk::sequential_mnist::load_folder(dir, sk::io::mnist_part::train);
      auto te = sk::sequential_mnist::load_folder(dir, sk::io::mnist_part::test);
      if (o.train_limit > 0 && std::size_t(o.train_limit) < tr.size()) tr = tr.first(std::size_t(o.train_limit));
      if (o.test_limit > 0 && std::size_t(o.test_limit) < te.size()) te = te.first(std::size_t(o.test_limit));
      train = to_digits(tr);
      test = to_digits(te);
      data = std::to_string(train->labels.size()) + " training and " + std::to_string(test->labels.size()) +
             " test digits from " + dir.string() + ", Bernoulli-encoded over " + std::to_string(o.steps) + " steps";
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
      const digit_set* tr = train ? &*train : nullptr;
      const digit_set* te = test ? &*test : nullptr;
      run_result r;
      if (o.surrogate == "fast_sigmoid")
        r = run_job<sk::fast_sigmoid>(j, o, tr, te, dir, print);
      else if (o.surrogate == "arctan")
        r = run_job<sk::arctan>(j, o, tr, te, dir, print);
      else if (o.surrogate == "sigmoid")
        r = run_job<sk::sigmoid_surrogate>(j, o, tr, te, dir, print);
      else
        r = run_job<sk::straight_through>(j, o, tr, te, dir, print);
      std::string json = "{\n  \"task\": \"" + o.task + "\",\n  \"N\": " + std::to_string(j.n) + ",\n  \"P\": " +
                         (j.p > 0 ? std::to_string(j.p) : "\"full\"") + ",\n  \"seed\": " + std::to_string(j.s.value) +
                         ",\n  \"neuron\": \"" + o.neuron + "\",\n  \"surrogate\": \"" + o.surrogate +
                         "\",\n  \"test_accuracy\": " + std::to_string(r.accuracy) + ",\n  \"hidden_rate_hz\": " +
                         std::to_string(r.mean_rate_hz) + ",\n  \"seconds\": " + std::to_string(r.seconds) + "\n}\n";
      sk::io::write_text_atomically(dir / "run.json", json);
      fs::remove(dir / "checkpoint.ckpt");  // the network is complete: its files replace it
      results[std::size_t(k)] = r;
    });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_results(out, o, results, wall, data);
    std::ifstream md(out / "results.md");
    std::cout << '\n' << md.rdbuf();
  } catch (const sk::training_interrupted& e) {
    std::cerr << "spikernn-smnn: " << e.what() << "\nspikernn-smnn: run the same command with --resume to continue\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "spikernn-smnn: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
