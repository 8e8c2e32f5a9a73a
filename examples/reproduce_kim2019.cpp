// reproduce_kim2019: the paper's network-population experiments, end to end. For each condition
// it trains M Go-NoGo rate networks (seeds 1…M, the same seeds in every condition), converts
// every network that met the training criterion within n_trials into LIF networks over the
// paper's grid of scaling factors, and scores them; networks run in parallel, one per core.
//
//   Fig. 7  activation: sigmoid vs softplus vs clipped ReLU (N=250, τ_d 20–50 ms = taus 4 10)
//           paper (M=100): LIF success 94, 55, 0 of 100; LIF accuracy 98.8±4.7, 88.3±15.8, 59.7±9.5 %
//   Fig. 5  τ_d fixed at 35 ms (taus 7) vs tuned in 20–50 ms (taus 4 10), sigmoid, N=250
//           paper (M=100): no significant difference in LIF accuracy or success count
//
// A LIF network succeeds when its best accuracy over the grid (100 trials per factor, as
// lambda_grid_search.m) is ≥ 95 %; its accuracy is also re-measured on fresh trials at the
// chosen factor. Writes networks.csv (one row per network), results.md (the table beside the
// paper's numbers) and fig7.png / fig5.png (accuracy per network, with data and gnuplot scripts).
//
//   reproduce_kim2019 [--figure 7|5|all] [--M 10] [--N 250] [--threads 0] [--seed 1] [--out DIR]
//   reproduce_kim2019 --merge A/networks.csv B/networks.csv … [--out DIR]
//
// Methods beyond the paper, on the same networks, each judged on held-out trials:
//   --original_estimator (the search of lambda_grid_search.m: fresh trials per factor),
//   --recalibrate (a readout fitted to the LIF network's spike trains),
//   --train_noise 0.3 (a second network of each seed trained with that noise SD, converted 1:1).
//   --conditions sigmoid runs only the named conditions of the figure.
//
// --merge rebuilds the table and figures from the networks.csv of runs made in batches (other
// seeds, other machines): M = 100 as ten runs of --M 10 with --seed 1, 11, 21, …. networks.csv
// is rewritten as each network finishes, so an interrupted run keeps what it computed; a folder
// that already holds one is refused (unless it is merged into the new table).
#include <spikernn/core/parallel.hpp>
#include <spikernn/experiment/kim2019.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/csv.hpp>
#include <spikernn/io/gnuplot.hpp>

#include <CLI/CLI.hpp>

#include "command_line.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sk = spikernn;
namespace k19 = spikernn::kim2019;
namespace fs = std::filesystem;

namespace {

struct options {
  std::string figure = "all", out = "kim2019";
  std::vector<std::string> merge;  ///< networks.csv files to combine instead of training
  int m = 10, threads = 0;
  std::vector<std::string> conditions;  ///< only these of the figure's conditions (empty: all)
  k19::settings run{};
  std::uint64_t first_seed = 1;
};

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

/// Accuracy of every network per condition (jittered), with the condition means.
void strip_plot(const fs::path& stem, const std::string& title, const std::vector<k19::network_result>& rs,
                const std::vector<k19::condition>& conds) {
  sk::io::figure fig{title, "", "LIF accuracy at the chosen factor (search, %)", {}};
  sk::io::series nets{"one network", {}, {}, "points pt 7 ps 1.2 lc rgb \"#1f77b4\""};
  sk::io::series means{"mean", {}, {}, "points pt 5 ps 2.5 lc rgb \"#d62728\""};
  sk::io::series line{"95 % (success)", {0.5, double(conds.size()) + 0.5}, {95, 95}, "lines dt 2 lc rgb \"#7f7f7f\""};
  for (std::size_t k = 0; k < conds.size(); ++k) {
    const double x = double(k + 1);
    int i = 0;
    for (const auto& r : rs)
      if (r.condition == conds[k].name && r.rate_success) {
        nets.x.push_back(x + 0.25 * (double((i * 7) % 11) / 10.0 - 0.5));  // fixed jitter: overlapping points stay visible
        nets.y.push_back(100 * r.lif_search);
        ++i;
      }
    const k19::summary s = k19::summarise(rs, conds[k].name);
    if (!s.lif_search.empty()) {
      means.x.push_back(x);
      means.y.push_back(sk::mean(s.lif_search));
    }
    fig.xtics.emplace_back(x, conds[k].label);
  }
  fig.lines = {nets, means, line};
  fig.xrange = {0.5, double(conds.size()) + 0.5};
  fig.yrange = {0, 102};
  sk::io::plot(stem, fig);
}

/// The networks of earlier runs; a network (condition, seed) may appear only once.
std::vector<k19::network_result> merge(const std::vector<std::string>& files, std::string& description) {
  std::vector<k19::network_result> results;
  std::set<std::pair<std::string, std::uint64_t>> seen;
  std::uint64_t lo = UINT64_MAX, hi = 0;
  double seconds = 0;
  for (const auto& file : files)
    for (auto& r : k19::read_table(file)) {
      if (!seen.emplace(r.condition, r.seed).second)
        throw std::runtime_error(file + ": network " + r.condition + " seed " + std::to_string(r.seed) +
                                 " is already in an earlier file");
      lo = std::min(lo, r.seed);
      hi = std::max(hi, r.seed);
      seconds += r.seconds;
      results.push_back(std::move(r));
    }
  std::ostringstream md;
  md << "Merged from " << files.size() << " networks.csv files: " << results.size() << " networks, seeds " << lo << "–"
     << hi << ", Go-NoGo; search over 20:5:75 (sigmoid) or 4:2:26 (softplus, clipped ReLU). Accuracies are "
     << "over the networks that met the training criterion. " << fmt("%.0f", seconds)
     << " s of network time (one thread each).\n\n";
  description = md.str();
  return results;
}

/// Trains, converts and scores M networks of every condition in `work`, one per thread;
/// networks.csv grows as networks finish, so an interrupted run keeps them for --merge.
std::vector<k19::network_result> run(const std::vector<k19::condition>& work, const options& o, const fs::path& csv_path,
                                     std::string& description) {
  const long jobs = long(work.size()) * o.m;
  std::vector<k19::network_result> results(static_cast<std::size_t>(jobs));
  std::vector<char> finished(results.size(), 0);
  std::mutex print;
  long done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "%ld networks (%zu conditions × %d), N=%d, on %d threads\n", jobs, work.size(), o.m, o.run.n,
               sk::thread_count(o.threads));
  sk::parallel_for(jobs, sk::thread_count(o.threads), [&](long k, int) {
    const k19::condition& c = work[std::size_t(k / o.m)];
    const auto r = k19::run_network(c, o.first_seed + std::uint64_t(k % o.m), o.run);
    std::lock_guard lock(print);
    results[std::size_t(k)] = r;
    finished[std::size_t(k)] = 1;
    std::vector<k19::network_result> so_far;
    for (std::size_t i = 0; i < results.size(); ++i)
      if (finished[i]) so_far.push_back(results[i]);
    sk::io::write_csv(csv_path, k19::to_table(so_far));
    std::string more;
    if (!std::isnan(r.lif_original)) more += fmt("; original estimator %.2f", r.lif_original);
    if (!std::isnan(r.recal_fresh)) more += fmt("; recalibrated: factor %.0f", r.recal_factor) + fmt(", fresh %.2f", r.recal_fresh);
    if (!std::isnan(r.noisy_noise))
      more += std::isnan(r.noisy_fresh) ? std::string("; noise-trained: not trained")
                                        : fmt("; noise-trained: factor %.0f", r.noisy_factor) + fmt(", fresh %.2f", r.noisy_fresh);
    std::fprintf(stderr, "[%3ld/%ld] %-14s seed %3llu: %s %5ld trials; LIF %s factor %2.0f, search %.2f, fresh %.2f (%.0f s)%s\n",
                 ++done, jobs, c.name.c_str(), static_cast<unsigned long long>(r.seed),
                 r.rate_success ? "trained" : "FAILED ", r.trials, r.lif_success() ? "ok  " : "fail", r.factor,
                 r.lif_search, r.lif_fresh, r.seconds, more.c_str());
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ostringstream md;
  md << "M = " << o.m << " networks per condition (seeds " << o.first_seed << "–" << o.first_seed + std::uint64_t(o.m) - 1
     << "), N = " << o.run.n << ", Go-NoGo, up to " << o.run.n_trials << " training trials"
     << (o.run.min_trials > 0 ? " (at least " + std::to_string(o.run.min_trials) + ")" : "")
     << "; search over 20:5:75 (sigmoid) or 4:2:26 (softplus, clipped ReLU) with " << o.run.search_trials
     << " trials per factor; fresh evaluation " << o.run.eval_trials << " trials. Accuracies are over "
     << "the networks that met the training criterion. Wall time " << fmt("%.0f", wall) << " s on "
     << sk::thread_count(o.threads) << " threads.\n\n";
  description = md.str();
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Reproduce Kim, Li & Sejnowski 2019 Fig. 7 (activation) and Fig. 5 (fixed vs tuned τ): train, convert "
               "and score M networks per condition.",
               "reproduce_kim2019"};
  app.add_option("--figure", o.figure, "7, 5 or all")->capture_default_str();
  app.add_option("--M", o.m, "Networks per condition (the paper: 100)")->capture_default_str();
  app.add_option("--N", o.run.n, "Units per network")->capture_default_str();
  app.add_option("--threads", o.threads, "Networks in parallel (0: all cores); results do not depend on it")->capture_default_str();
  app.add_option("--n_trials", o.run.n_trials, "Training trials allowed per network")->capture_default_str();
  app.add_option("--min_trials", o.run.min_trials,
                 "Train at least this many trials before the stop rule may end training (the original: 1500 for Go-NoGo)")
      ->capture_default_str();
  app.add_option("--search_trials", o.run.search_trials, "Trials per scaling factor in the search")->capture_default_str();
  app.add_option("--eval_trials", o.run.eval_trials, "Fresh trials at the chosen factor")->capture_default_str();
  app.add_option("--conditions", o.conditions,
                 "Only these conditions of the figure (sigmoid, softplus, clipped_relu, fixed_35ms), comma-separated")
      ->delimiter(',');
  app.add_flag("--original_estimator", o.run.original_estimator,
               "Also search every network as lambda_grid_search.m does (fresh trials per factor, best of the grid)");
  app.add_flag("--recalibrate", o.run.recalibrated,
               "Also convert every network with its readout refitted to the LIF network's spike trains (least squares "
               "on calibration trials), judged on fresh trials");
  app.add_option("--calibration_trials", o.run.calibration_trials, "Calibration trials of --recalibrate")
      ->capture_default_str();
  app.add_option("--train_noise", o.run.train_noise,
                 "Also train a second network of every seed with this noise SD (the original: 0.1) and convert it one to "
                 "one; 0: not run")
      ->capture_default_str();
  app.add_option("--seed", o.first_seed, "Seed of the first network (network i uses seed + i)")
      ->check(sk::programs::non_negative_integer)
      ->capture_default_str();
  app.add_option("--out,--output_dir", o.out, "Output folder (--output_dir: the same)")->capture_default_str();
  app.add_option("--merge", o.merge,
                 "Instead of training: combine the networks.csv files of earlier runs (other seeds) into one table and "
                 "figures")
      ->check(CLI::ExistingFile);
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    sk::require(o.figure == "7" || o.figure == "5" || o.figure == "all", "figure", "7, 5 or all");
    sk::require(o.m > 0, "M", "a positive number of networks");
    sk::require(o.threads >= 0, "threads", "0 (all cores) or a positive count");
    o.run.validate();
    bool fig7 = o.figure != "5", fig5 = o.figure != "7";
    for (const auto& name : o.conditions) {  // refused before any folder is made
      const bool in7 = name == "sigmoid" || name == "softplus" || name == "clipped_relu", in5 = name == "fixed_35ms" || name == "sigmoid";
      sk::require((fig7 && in7) || (fig5 && in5), "conditions",
                  "conditions of --figure " + o.figure + " (7: sigmoid, softplus, clipped_relu; 5: fixed_35ms, sigmoid), got '" +
                      name + "'");
    }
    const fs::path csv_path = fs::path(o.out) / "networks.csv";
    // networks.csv is the data of a run (results.md and the figures are made from it): never
    // replace one this run did not make, unless it is merged into the new one
    if (fs::exists(csv_path)) {
      const bool merged_in = std::any_of(o.merge.begin(), o.merge.end(), [&](const std::string& f) {
        std::error_code ec;
        return fs::equivalent(f, csv_path, ec);
      });
      if (!merged_in)
        throw sk::invalid_parameter("out", o.out + " holds the networks.csv of an earlier run; choose another --out "
                                           "(and --merge the two afterwards), or remove it");
    }
    fs::create_directories(o.out);
    std::vector<k19::network_result> results;
    std::string description;
    if (!o.merge.empty()) {
      results = merge(o.merge, description);
      const auto has = [&](const k19::condition& c) {
        return std::any_of(results.begin(), results.end(), [&](const auto& r) { return r.condition == c.name; });
      };
      fig7 = has(k19::sigmoid) || has(k19::softplus) || has(k19::clipped_relu);
      fig5 = has(k19::fixed_35ms);
    } else {
      // the sigmoid, taus 4 10 networks serve both figures: train them once
      std::vector<k19::condition> work;
      if (fig7) work = k19::fig7().conditions;
      if (fig5) work.push_back(k19::fixed_35ms);
      if (fig5 && !fig7) work.push_back(k19::sigmoid);
      if (!o.conditions.empty()) {
        std::erase_if(work, [&](const k19::condition& c) {
          return std::find(o.conditions.begin(), o.conditions.end(), c.name) == o.conditions.end();
        });
      }
      results = run(work, o, csv_path, description);
    }
    std::ostringstream md;
    md << "# Kim, Li & Sejnowski 2019, reproduced with spikernn\n\n" << description;
    sk::io::write_csv(csv_path, k19::to_table(results));
    const std::string size = o.merge.empty() ? ", N=" + std::to_string(o.run.n) : "";  // N is not in networks.csv
    if (fig7) {
      const auto f7 = k19::fig7();
      md << "## Fig. 7 — activation function (τ_d 20–50 ms)\n\n" << k19::markdown_table(results, f7);
      const auto a = k19::summarise(results, "sigmoid"), b = k19::summarise(results, "softplus"),
                 c = k19::summarise(results, "clipped_relu");
      const auto p = [](const k19::summary& x, const k19::summary& y) {  // "–": a condition without networks
        return x.lif_search.empty() || y.lif_search.empty() ? std::string("–")
                                                            : fmt("%.4f", sk::permutation_p(x.lif_search, y.lif_search));
      };
      md << "\nPermutation test of the difference in LIF accuracy (search): sigmoid vs softplus p = " << p(a, b)
         << ", softplus vs clipped ReLU p = " << p(b, c) << ".\n\n";
      md << "### Conversion methods, on held-out trials\n\n" << k19::methods_table(results, f7) << "\n";
      strip_plot(fs::path(o.out) / "fig7", "Fig. 7: LIF accuracy by activation (Go-NoGo" + size + ")", results,
                 f7.conditions);
    }
    if (fig5) {
      const auto f5 = k19::fig5();
      md << "## Fig. 5 — fixed τ_d 35 ms vs tuned τ_d 20–50 ms (sigmoid)\n\n" << k19::markdown_table(results, f5);
      const auto a = k19::summarise(results, k19::fixed_35ms.name), b = k19::summarise(results, "sigmoid");
      md << "\n(The tuned condition is the sigmoid row of Fig. 7.) Permutation test, fixed vs tuned LIF accuracy: p = "
         << fmt("%.4f", sk::permutation_p(a.lif_search, b.lif_search)) << ".\n";
      md << "\n### Conversion methods, on held-out trials\n\n" << k19::methods_table(results, f5) << "\n";
      strip_plot(fs::path(o.out) / "fig5", "Fig. 5: LIF accuracy, fixed vs tuned tau_d (Go-NoGo" + size + ")",
                 results, f5.conditions);
    }
    sk::io::write_text_atomically(fs::path(o.out) / "results.md", md.str());
    std::cout << md.str() << "\nwritten: " << (fs::path(o.out) / "results.md").string() << ", networks.csv, "
              << (fig7 ? "fig7.png " : "") << (fig5 ? "fig5.png" : "") << "\n";
    return 0;
  });
}
