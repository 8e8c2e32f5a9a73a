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
// --merge rebuilds the table and figures from the networks.csv of runs made in batches (other
// seeds, other machines): M = 100 as ten runs of --M 10 with --seed 1, 11, 21, …. networks.csv
// is rewritten as each network finishes, so an interrupted run keeps what it computed.
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/spikernn.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct condition {
  std::string name;          ///< the networks' key, as in the CSV
  std::string label;         ///< as in a table row and on the figure
  std::string activation;    ///< sigmoid, softplus, clipped_relu
  std::vector<double> taus;  ///< decay_taus in steps
};

/// What the paper reports for a condition (M = 100), for the table.
struct paper_value {
  std::string success, accuracy;
};

struct options {
  std::string figure = "all", out = "kim2019";
  std::vector<std::string> merge;  ///< networks.csv files to combine instead of training
  int m = 10, n = 250, threads = 0, n_trials = 6000, search_trials = 100, eval_trials = 100;
  long min_trials = 0;  ///< train at least this many trials before the stop rule may end training
  std::uint64_t first_seed = 1;
};

struct network_result {
  std::string condition;
  std::string activation;   ///< sigmoid, softplus, clipped_relu
  std::string taus;         ///< decay_taus in steps, space-separated ("4 10", "7")
  std::uint64_t seed = 0;
  bool rate_success = false;
  long trials = 0;          ///< to criterion (or n_trials)
  double rate_perf = 0;     ///< last training evaluation
  double mean_tau_ms = 0;   ///< mean trained τ_d
  double factor = 0;        ///< chosen scaling factor
  double lif_search = 0;    ///< best accuracy over the grid
  double lif_fresh = 0;     ///< accuracy at the chosen factor on fresh trials
  double exc_hz = 0, inh_hz = 0;
  double seconds = 0;
  bool lif_success() const { return rate_success && lif_search >= 0.95; }
};

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string taus_text(const std::vector<double>& taus) {
  std::string t;
  for (double v : taus) t += (t.empty() ? "" : " ") + fmt("%g", v);
  return t;
}

/// One network: train, then (if trained) search and re-score. Runs on one thread.
template <class Act>
network_result run_network(const condition& c, std::uint64_t seed, const options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  network_result r{.condition = c.name, .activation = c.activation, .taus = taus_text(c.taus), .seed = seed};
  const sk::go_nogo task{};
  sk::rate_rnn<float, Act, sk::dale> net({.n = o.n, .taus = c.taus}, sk::seed{seed});
  auto stop = sk::kim2019_stop(task);
  stop.min_trials = std::max(stop.min_trials, o.min_trials);
  const auto fit = sk::train(net, task, sk::adam{}, stop, {.n_trials = o.n_trials, .seed = sk::seed{seed}});
  r.rate_success = fit.success;
  r.trials = fit.success ? fit.trials_to_criterion : o.n_trials;
  r.rate_perf = fit.last_eval.perf_mean;
  const auto model = sk::to_rate_model(net, &fit.initial_parameters);
  r.mean_tau_ms = model.tau_steps(false).mean() * 5.0;
  if (fit.success) {  // the paper converts only networks that met the criterion within 6000 trials
    const auto grid = c.activation == "sigmoid" ? sk::range(20, 75, 5) : sk::range(4, 26, 2);
    const auto search = sk::search_scaling(model, task, {.factors = grid, .eval = {.trials = o.search_trials, .threads = 1, .seed = sk::seed{seed}}});
    r.factor = search.best_factor();
    r.lif_search = search.best_perf();
    const auto fresh = sk::evaluate_spiking(model, task, r.factor,
                                            {.trials = o.eval_trials, .threads = 1, .seed = sk::seed{seed + 1000003}});
    r.lif_fresh = fresh.accuracy;
    r.exc_hz = fresh.mean_exc_rate;
    r.inh_hz = fresh.mean_inh_rate;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

network_result run_network(const condition& c, std::uint64_t seed, const options& o) {
  if (c.activation == "sigmoid") return run_network<sk::sigmoid>(c, seed, o);
  if (c.activation == "softplus") return run_network<sk::softplus>(c, seed, o);
  return run_network<sk::clipped_relu>(c, seed, o);
}

double mean(const std::vector<double>& v) { return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
double sd(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

/// Two-sided permutation test of a difference in means (10,000 relabellings, fixed seed).
double permutation_p(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return NAN;
  std::vector<double> all(a);
  all.insert(all.end(), b.begin(), b.end());
  const double observed = std::abs(mean(a) - mean(b));
  sk::rng g(sk::seed{12345}, sk::purpose::user);
  int extreme = 0;
  const int rounds = 10000;
  for (int k = 0; k < rounds; ++k) {
    for (std::size_t i = all.size() - 1; i > 0; --i)  // Fisher–Yates
      std::swap(all[i], all[static_cast<std::size_t>(g.uniform() * double(i + 1)) % (i + 1)]);
    const auto split = all.begin() + long(a.size());
    const double d = std::abs(mean(std::vector<double>(all.begin(), split)) - mean(std::vector<double>(split, all.end())));
    if (d >= observed - 1e-12) ++extreme;
  }
  return double(extreme + 1) / double(rounds + 1);
}

constexpr const char* csv_header =
    "condition,activation,taus,seed,rate_success,trials,rate_perf,mean_tau_ms,factor,lif_search,lif_fresh,"
    "lif_success,exc_hz,inh_hz,seconds";

/// The shortest text that reads back as the same double, so that --merge rebuilds the same table.
std::string exact(double x) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  return {buf, end};
}

std::string to_csv(const std::vector<network_result>& rs) {
  std::ostringstream csv;
  csv << csv_header << '\n';
  for (const auto& r : rs)
    csv << '"' << r.condition << "\"," << r.activation << ",\"" << r.taus << "\"," << r.seed << ',' << r.rate_success << ','
        << r.trials << ',' << exact(r.rate_perf) << ',' << exact(r.mean_tau_ms) << ',' << exact(r.factor) << ','
        << exact(r.lif_search) << ',' << exact(r.lif_fresh) << ',' << r.lif_success() << ',' << exact(r.exc_hz) << ','
        << exact(r.inh_hz) << ',' << exact(r.seconds) << '\n';
  return csv.str();
}

/// The networks of a networks.csv this program wrote; bad files are refused naming file and line.
std::vector<network_result> read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot be opened");
  std::string line;
  if (!std::getline(in, line) || line != csv_header)
    throw std::runtime_error(path.string() + ": expected a networks.csv written by reproduce_kim2019 (header: " +
                             csv_header + ")");
  std::vector<network_result> rs;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cell;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') quoted = !quoted;
      else if (ch == ',' && !quoted) f.push_back(std::exchange(cell, {}));
      else cell += ch;
    }
    f.push_back(cell);
    const auto where = path.string() + " line " + std::to_string(number);
    if (f.size() != 15) throw std::runtime_error(where + ": expected 15 fields, found " + std::to_string(f.size()));
    try {
      network_result r{.condition = f[0], .activation = f[1], .taus = f[2], .seed = std::stoull(f[3])};
      r.rate_success = f[4] == "1";
      r.trials = std::stol(f[5]);
      r.rate_perf = std::stod(f[6]);
      r.mean_tau_ms = std::stod(f[7]);
      r.factor = std::stod(f[8]);
      r.lif_search = std::stod(f[9]);
      r.lif_fresh = std::stod(f[10]);
      r.exc_hz = std::stod(f[12]);
      r.inh_hz = std::stod(f[13]);
      r.seconds = std::stod(f[14]);
      rs.push_back(r);
    } catch (const std::logic_error&) {  // stoull / stod: not a number
      throw std::runtime_error(where + ": expected numbers in the fields after the taus");
    }
  }
  return rs;
}

struct summary {
  int networks = 0, trained = 0, converted_ok = 0;
  std::vector<double> trials, lif_search, lif_fresh, taus;
};

summary summarise(const std::vector<network_result>& rs, const std::string& cond) {
  summary s;
  for (const auto& r : rs) {
    if (r.condition != cond) continue;
    ++s.networks;
    s.taus.push_back(r.mean_tau_ms);
    if (!r.rate_success) continue;
    ++s.trained;
    s.converted_ok += r.lif_success();
    s.trials.push_back(double(r.trials));
    s.lif_search.push_back(100 * r.lif_search);
    s.lif_fresh.push_back(100 * r.lif_fresh);
  }
  return s;
}

std::string table(const std::vector<network_result>& rs, const std::vector<condition>& conds,
                  const std::vector<paper_value>& paper) {
  std::ostringstream t;
  t << "| condition | rate nets trained | trials to criterion (median) | mean τ_d (ms) | LIF success (≥ 95 %) | "
       "LIF accuracy, search (%) | LIF accuracy, fresh trials (%) | paper: success | paper: accuracy (%) |\n"
       "|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < conds.size(); ++k) {
    const summary s = summarise(rs, conds[k].name);
    std::vector<double> tr = s.trials;
    std::sort(tr.begin(), tr.end());
    t << "| " << conds[k].label << " | " << s.trained << "/" << s.networks << " | "
      << (tr.empty() ? std::string("–") : fmt("%.0f", tr[tr.size() / 2])) << " | " << fmt("%.1f", mean(s.taus)) << " | "
      << s.converted_ok << "/" << s.networks << " | " << fmt("%.1f", mean(s.lif_search)) << " ± " << fmt("%.1f", sd(s.lif_search))
      << " | " << fmt("%.1f", mean(s.lif_fresh)) << " ± " << fmt("%.1f", sd(s.lif_fresh)) << " | " << paper[k].success
      << " | " << paper[k].accuracy << " |\n";
  }
  return t.str();
}

/// Accuracy of every network per condition (jittered), with the condition means.
void strip_plot(const fs::path& stem, const std::string& title, const std::vector<network_result>& rs,
                const std::vector<condition>& conds) {
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
    const summary s = summarise(rs, conds[k].name);
    if (!s.lif_search.empty()) {
      means.x.push_back(x);
      means.y.push_back(mean(s.lif_search));
    }
    fig.xtics.emplace_back(x, conds[k].label);
  }
  fig.lines = {nets, means, line};
  fig.xrange = {0.5, double(conds.size()) + 0.5};
  fig.yrange = {0, 102};
  sk::io::plot(stem, fig);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Reproduce Kim, Li & Sejnowski 2019 Fig. 7 (activation) and Fig. 5 (fixed vs tuned τ): train, convert "
               "and score M networks per condition.",
               "reproduce_kim2019"};
  app.add_option("--figure", o.figure, "7, 5 or all")->capture_default_str();
  app.add_option("--M", o.m, "Networks per condition (the paper: 100)")->capture_default_str();
  app.add_option("--N", o.n, "Units per network")->capture_default_str();
  app.add_option("--threads", o.threads, "Networks in parallel (0: all cores); results do not depend on it")->capture_default_str();
  app.add_option("--n_trials", o.n_trials, "Training trials allowed per network")->capture_default_str();
  app.add_option("--min_trials", o.min_trials,
                 "Train at least this many trials before the stop rule may end training (the original: 1500 for Go-NoGo)")
      ->capture_default_str();
  app.add_option("--search_trials", o.search_trials, "Trials per scaling factor in the search")->capture_default_str();
  app.add_option("--eval_trials", o.eval_trials, "Fresh trials at the chosen factor")->capture_default_str();
  app.add_option("--seed", o.first_seed, "Seed of the first network (network i uses seed + i)")->capture_default_str();
  app.add_option("--out", o.out, "Output folder")->capture_default_str();
  app.add_option("--merge", o.merge,
                 "Instead of training: combine the networks.csv files of earlier runs (other seeds) into one table and "
                 "figures")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  try {
    sk::require(o.figure == "7" || o.figure == "5" || o.figure == "all", "figure", "7, 5 or all");
    sk::require(o.m > 0, "M", "a positive number of networks");
    sk::require(o.n > 0, "N", "a positive number of units");
    sk::require(o.threads >= 0, "threads", "0 (all cores) or a positive count");
    sk::require(o.n_trials > 0 && o.search_trials > 0 && o.eval_trials > 0, "n_trials", "positive trial counts");
    sk::require(o.min_trials >= 0 && o.min_trials < o.n_trials, "min_trials", "a trial count below n_trials");
    bool fig7 = o.figure != "5", fig5 = o.figure != "7";
    const condition sigmoid{"sigmoid", "sigmoid", "sigmoid", {4, 10}}, softplus{"softplus", "softplus", "softplus", {4, 10}},
        relu{"clipped_relu", "clipped ReLU", "clipped_relu", {4, 10}}, fixed{"fixed_35ms", "fixed 35 ms", "sigmoid", {7}},
        tuned{"sigmoid", "tuned 20-50 ms", "sigmoid", {4, 10}};  // the sigmoid networks under Fig. 5's label
    fs::create_directories(o.out);
    const fs::path csv_path = fs::path(o.out) / "networks.csv";
    std::vector<network_result> results;
    std::ostringstream md;
    md << "# Kim, Li & Sejnowski 2019, reproduced with spikernn\n\n";
    if (!o.merge.empty()) {
      // Batches of the same experiment: a network (condition, seed) may appear only once.
      std::set<std::pair<std::string, std::uint64_t>> seen;
      std::set<std::string> conditions;
      std::uint64_t lo = UINT64_MAX, hi = 0;
      double seconds = 0;
      for (const auto& file : o.merge)
        for (auto& r : read_csv(file)) {
          if (!seen.emplace(r.condition, r.seed).second)
            throw std::runtime_error(file + ": network " + r.condition + " seed " + std::to_string(r.seed) +
                                     " is already in an earlier file");
          conditions.insert(r.condition);
          lo = std::min(lo, r.seed);
          hi = std::max(hi, r.seed);
          seconds += r.seconds;
          results.push_back(std::move(r));
        }
      fig7 = conditions.count(sigmoid.name) + conditions.count(softplus.name) + conditions.count(relu.name) > 0;
      fig5 = conditions.count(fixed.name) > 0;
      md << "Merged from " << o.merge.size() << " networks.csv files: " << results.size() << " networks, seeds " << lo
         << "–" << hi << ", Go-NoGo; search over 20:5:75 (sigmoid) or 4:2:26 (softplus, clipped ReLU). Accuracies are "
         << "over the networks that met the training criterion. " << fmt("%.0f", seconds)
         << " s of network time (one thread each).\n\n";
    } else {
      // the sigmoid, taus 4 10 networks serve both figures: train them once
      std::vector<condition> work;
      if (fig7) work.insert(work.end(), {sigmoid, softplus, relu});
      if (fig5) work.push_back(fixed);
      if (fig5 && !fig7) work.push_back(sigmoid);

      const long jobs = long(work.size()) * o.m;
      results.resize(static_cast<std::size_t>(jobs));
      std::vector<char> finished(results.size(), 0);
      std::mutex print;
      long done = 0;
      const auto t0 = std::chrono::steady_clock::now();
      std::fprintf(stderr, "%ld networks (%zu conditions × %d), N=%d, on %d threads\n", jobs, work.size(), o.m, o.n,
                   sk::thread_count(o.threads));
      sk::parallel_for(jobs, sk::thread_count(o.threads), [&](long k, int) {
        const condition& c = work[std::size_t(k / o.m)];
        const auto r = run_network(c, o.first_seed + std::uint64_t(k % o.m), o);
        std::lock_guard lock(print);
        results[std::size_t(k)] = r;
        // networks.csv grows as networks finish: an interrupted run keeps them for --merge
        finished[std::size_t(k)] = 1;
        std::vector<network_result> so_far;
        for (std::size_t i = 0; i < results.size(); ++i)
          if (finished[i]) so_far.push_back(results[i]);
        sk::io::write_text_atomically(csv_path, to_csv(so_far));
        std::fprintf(stderr, "[%3ld/%ld] %-14s seed %3llu: %s %5ld trials; LIF %s factor %2.0f, search %.2f, fresh %.2f (%.0f s)\n",
                     ++done, jobs, c.name.c_str(), static_cast<unsigned long long>(r.seed),
                     r.rate_success ? "trained" : "FAILED ", r.trials, r.lif_success() ? "ok  " : "fail", r.factor,
                     r.lif_search, r.lif_fresh, r.seconds);
      });
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      md << "M = " << o.m << " networks per condition (seeds " << o.first_seed << "–" << o.first_seed + std::uint64_t(o.m) - 1
         << "), N = " << o.n << ", Go-NoGo, up to " << o.n_trials << " training trials"
         << (o.min_trials > 0 ? " (at least " + std::to_string(o.min_trials) + ")" : "")
         << "; search over 20:5:75 (sigmoid) or 4:2:26 (softplus, clipped ReLU) with " << o.search_trials
         << " trials per factor; fresh evaluation " << o.eval_trials << " trials. Accuracies are over "
         << "the networks that met the training criterion. Wall time " << fmt("%.0f", wall) << " s on "
         << sk::thread_count(o.threads) << " threads.\n\n";
    }
    sk::io::write_text_atomically(csv_path, to_csv(results));
    const std::string size = o.merge.empty() ? ", N=" + std::to_string(o.n) : "";  // N is not in networks.csv
    if (fig7) {
      const std::vector<condition> c7{sigmoid, softplus, relu};
      md << "## Fig. 7 — activation function (τ_d 20–50 ms)\n\n"
         << table(results, c7, {{"94/100", "98.8 ± 4.7"}, {"55/100", "88.3 ± 15.8"}, {"0/100", "59.7 ± 9.5"}});
      const summary a = summarise(results, "sigmoid"), b = summarise(results, "softplus"), c = summarise(results, "clipped_relu");
      md << "\nPermutation test of the difference in LIF accuracy (search): sigmoid vs softplus p = "
         << fmt("%.4f", permutation_p(a.lif_search, b.lif_search)) << ", softplus vs clipped ReLU p = "
         << fmt("%.4f", permutation_p(b.lif_search, c.lif_search)) << ".\n\n";
      strip_plot(fs::path(o.out) / "fig7", "Fig. 7: LIF accuracy by activation (Go-NoGo" + size + ")", results, c7);
    }
    if (fig5) {
      const std::vector<condition> c5{fixed, tuned};
      md << "## Fig. 5 — fixed τ_d 35 ms vs tuned τ_d 20–50 ms (sigmoid)\n\n"
         << table(results, c5, {{"–", "no significant difference"}, {"–", "from the fixed condition"}});
      const summary a = summarise(results, fixed.name), b = summarise(results, "sigmoid");
      md << "\n(The tuned condition is the sigmoid row of Fig. 7.) Permutation test, fixed vs tuned LIF accuracy: p = "
         << fmt("%.4f", permutation_p(a.lif_search, b.lif_search)) << ".\n";
      strip_plot(fs::path(o.out) / "fig5", "Fig. 5: LIF accuracy, fixed vs tuned tau_d (Go-NoGo" + size + ")",
                 results, c5);
    }
    sk::io::write_text_atomically(fs::path(o.out) / "results.md", md.str());
    std::cout << md.str() << "\nwritten: " << (fs::path(o.out) / "results.md").string() << ", networks.csv, "
              << (fig7 ? "fig7.png " : "") << (fig5 ? "fig5.png" : "") << "\n";
    return 0;
  } catch (const sk::invalid_parameter& e) {
    std::cerr << "reproduce_kim2019: --" << e.parameter << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "reproduce_kim2019: " << e.what() << "\n";
    return 1;
  }
}
