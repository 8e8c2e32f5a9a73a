// The network-population experiments of Kim, Li & Sejnowski 2019 (PNAS 116:22811): for each
// condition, M Go-NoGo rate networks (seeds s, s + 1, …) are trained with the original stop rule,
// every network that met the criterion is converted to LIF over the paper's grid of scaling
// factors (100 trials per factor, as lambda_grid_search.m), and re-scored at the chosen factor on
// fresh trials. A LIF network succeeds when its best accuracy over the grid is ≥ 95 %.
//   Fig. 7  activation: sigmoid vs softplus vs clipped ReLU (N = 250, τ_d 20–50 ms: taus 4 10)
//   Fig. 5  τ_d fixed at 35 ms (taus 7) vs tuned in 20–50 ms (taus 4 10), sigmoid
// Beyond the paper, each optional and reported beside it on the same networks: the original's
// estimator (fresh trials per factor, best of the grid), a readout recalibrated on the LIF
// network's own spike trains (convert/readout_calibration.hpp), and a second network of the same
// seed trained with more noise than the original's 0.1 ("noise-trained"), converted one to one.
// Every method is judged the same way: its accuracy on held-out trials at the factor its own
// search chose.
// Here: the conditions and the paper's numbers, one network's run, the per-condition summary
// and markdown tables, and the networks table (networks.csv) as a CSV table with exact numbers,
// so that batches run apart merge into the same tables as one run.
#pragma once

#include "spikernn/activation/activation.hpp"
#include "spikernn/convert/scaling_search.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/eval/statistics.hpp"
#include "spikernn/io/csv.hpp"
#include "spikernn/network/rate_model.hpp"
#include "spikernn/network/rate_rnn.hpp"
#include "spikernn/task/go_nogo.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace spikernn::kim2019 {

struct condition {
  std::string name;          ///< the networks' key, as in networks.csv
  std::string label;         ///< as in a table row and on the figure
  std::string activation;    ///< sigmoid, softplus, clipped_relu
  std::vector<double> taus;  ///< decay_taus in steps
};

/// What the paper reports for a condition (M = 100), for the table.
struct paper_value {
  std::string success, accuracy;
};

/// A figure: its conditions with the paper's numbers.
struct figure_conditions {
  std::vector<condition> conditions;
  std::vector<paper_value> paper;
};

inline const condition sigmoid{"sigmoid", "sigmoid", "sigmoid", {4, 10}};
inline const condition softplus{"softplus", "softplus", "softplus", {4, 10}};
inline const condition clipped_relu{"clipped_relu", "clipped ReLU", "clipped_relu", {4, 10}};
inline const condition fixed_35ms{"fixed_35ms", "fixed 35 ms", "sigmoid", {7}};
/// Fig. 5's tuned condition is Fig. 7's sigmoid networks under another label.
inline const condition tuned{"sigmoid", "tuned 20-50 ms", "sigmoid", {4, 10}};

inline figure_conditions fig7() {
  return {{sigmoid, softplus, clipped_relu}, {{"94/100", "98.8 ± 4.7"}, {"55/100", "88.3 ± 15.8"}, {"0/100", "59.7 ± 9.5"}}};
}
inline figure_conditions fig5() {
  return {{fixed_35ms, tuned}, {{"–", "no significant difference"}, {"–", "from the fixed condition"}}};
}

struct settings {
  int n = 250;               ///< units per network
  int n_trials = 6000;       ///< training trials allowed
  long min_trials = 0;       ///< at least this many before the stop rule may end training (0: the rule's own)
  int search_trials = 100;   ///< trials per scaling factor
  int eval_trials = 100;     ///< fresh trials at the chosen factor
  bool original_estimator = false;  ///< also search with fresh trials per factor (lif_original)
  bool recalibrated = false;        ///< also convert with a recalibrated readout (recal_*)
  double train_noise = 0;           ///< > 0: also a network trained with this noise SD (noisy_*)
  int calibration_trials = 100;     ///< calibration trials of the recalibrated readout

  void validate() const {
    require(n > 0, "N", "a positive number of units");
    require(n_trials > 0, "n_trials", "a positive number of training trials");
    require(search_trials > 0, "search_trials", "a positive number of trials per scaling factor");
    require(eval_trials > 0, "eval_trials", "a positive number of evaluation trials");
    require(min_trials >= 0 && min_trials < n_trials, "min_trials", "a trial count below n_trials");
    require(train_noise >= 0 && std::isfinite(train_noise), "train_noise", "a non-negative noise SD (0: not run)");
    require(calibration_trials > 0, "calibration_trials", "a positive number of calibration trials");
  }
};

/// The paper's grid of scaling factors: 20:5:75 for sigmoid networks, 4:2:26 for the others.
inline std::vector<double> factor_grid(const std::string& activation) {
  return activation == "sigmoid" ? range(20, 75, 5) : range(4, 26, 2);
}

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
  // The methods beyond the paper; NaN where not run.
  static constexpr double not_run = std::numeric_limits<double>::quiet_NaN();
  double lif_original = not_run;    ///< best accuracy over the grid, fresh trials per factor
  double original_seconds = not_run;
  double recal_factor = not_run, recal_search = not_run, recal_fresh = not_run, recal_seconds = not_run;
  double noisy_noise = not_run;     ///< the noise SD the second network was trained with
  double noisy_trained = not_run;   ///< 1 when it met the criterion, 0 when not
  double noisy_factor = not_run, noisy_search = not_run, noisy_fresh = not_run, noisy_seconds = not_run;
  bool lif_success() const { return rate_success && lif_search >= 0.95; }
};

/// A network converts "on held-out trials" when its accuracy on trials its search never saw,
/// at the factor it chose, is ≥ 95 % (NaN, a method not run, never does).
inline bool held_out_success(double accuracy) { return accuracy >= 0.95; }

namespace detail {
inline std::string format(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}
inline std::string taus_text(const std::vector<double>& taus) {
  std::string t;
  for (double v : taus) t += (t.empty() ? "" : " ") + format("%g", v);
  return t;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Act>
rate_model<float> train_network(const condition& c, std::uint64_t seed, const settings& s, double noise_sd,
                                train_result<float>& fit) {
  const go_nogo task{};
  rate_rnn<float, Act, dale> net({.n = s.n, .taus = c.taus, .noise_sd = noise_sd}, spikernn::seed{seed});
  auto stop = kim2019_stop(task);
  stop.min_trials = std::max(stop.min_trials, s.min_trials);
  fit = train(net, task, adam{}, stop, {.n_trials = s.n_trials, .seed = spikernn::seed{seed}});
  return to_rate_model(net, &fit.initial_parameters);
}

/// A search over the condition's grid on the network's search trials, then the accuracy at the
/// chosen factor on fresh trials (another seed's stream), with the readout the search chose.
struct converted {
  search_result search;
  spiking_score fresh;
};
inline converted convert_and_score(const rate_model<float>& model, const condition& c, std::uint64_t seed,
                                   const settings& s, search_estimator estimator, readout_method readout) {
  const go_nogo task{};
  search_options opt{.factors = factor_grid(c.activation),
                     .eval = {.trials = s.search_trials, .threads = 1, .seed = spikernn::seed{seed}},
                     .estimator = estimator};
  opt.conversion.readout = readout;
  opt.conversion.calibration.trials = s.calibration_trials;
  converted out{search_scaling(model, task, opt), {}};
  auto net = to_lif(model, out.search.best_factor());
  if (readout == readout_method::recalibrated) {
    const readout_fit& fit = out.search.readouts.at(out.search.best_index);
    net.set_readout(fit.w_out, fit.b_out);
  }
  out.fresh = evaluate_spiking(net, task, {.trials = s.eval_trials, .threads = 1, .seed = spikernn::seed{seed + 1000003}});
  return out;
}

template <class Act>
network_result run_network(const condition& c, std::uint64_t seed, const settings& s) {
  const auto t0 = std::chrono::steady_clock::now();
  network_result r{.condition = c.name, .activation = c.activation, .taus = taus_text(c.taus), .seed = seed};
  train_result<float> fit;
  const auto model = train_network<Act>(c, seed, s, rate_rnn_params{}.noise_sd, fit);
  r.rate_success = fit.success;
  r.trials = fit.success ? fit.trials_to_criterion : s.n_trials;
  r.rate_perf = fit.last_eval.perf_mean;
  r.mean_tau_ms = model.tau_steps(false).mean() * 5.0;
  if (fit.success) {  // the paper converts only networks that met the criterion within n_trials
    const auto one_to_one = convert_and_score(model, c, seed, s, search_estimator::common_trials, readout_method::one_to_one);
    r.factor = one_to_one.search.best_factor();
    r.lif_search = one_to_one.search.best_perf();
    r.lif_fresh = one_to_one.fresh.accuracy;
    r.exc_hz = one_to_one.fresh.mean_exc_rate;
    r.inh_hz = one_to_one.fresh.mean_inh_rate;
  }
  r.seconds = seconds_since(t0);
  if (fit.success && s.original_estimator) {
    const auto t = std::chrono::steady_clock::now();
    r.lif_original =
        convert_and_score(model, c, seed, s, search_estimator::fresh_per_factor, readout_method::one_to_one).search.best_perf();
    r.original_seconds = seconds_since(t);
  }
  if (fit.success && s.recalibrated) {
    const auto t = std::chrono::steady_clock::now();
    const auto recal = convert_and_score(model, c, seed, s, search_estimator::common_trials, readout_method::recalibrated);
    r.recal_factor = recal.search.best_factor();
    r.recal_search = recal.search.best_perf();
    r.recal_fresh = recal.fresh.accuracy;
    r.recal_seconds = seconds_since(t);
  }
  if (s.train_noise > 0) {  // the same seed: the same initial network, trials and noise draws
    const auto t = std::chrono::steady_clock::now();
    train_result<float> noisy_fit;
    const auto noisy = train_network<Act>(c, seed, s, s.train_noise, noisy_fit);
    r.noisy_noise = s.train_noise;
    r.noisy_trained = noisy_fit.success ? 1 : 0;
    if (noisy_fit.success) {
      const auto conv = convert_and_score(noisy, c, seed, s, search_estimator::common_trials, readout_method::one_to_one);
      r.noisy_factor = conv.search.best_factor();
      r.noisy_search = conv.search.best_perf();
      r.noisy_fresh = conv.fresh.accuracy;
    }
    r.noisy_seconds = seconds_since(t);
  }
  return r;
}
}  // namespace detail

/// One network of condition `c`: train from `seed`, then (if it met the criterion) search its
/// factor and re-score it on fresh trials. Runs on the calling thread.
inline network_result run_network(const condition& c, std::uint64_t seed, const settings& s) {
  s.validate();
  if (c.activation == "sigmoid") return detail::run_network<spikernn::sigmoid>(c, seed, s);
  if (c.activation == "softplus") return detail::run_network<spikernn::softplus>(c, seed, s);
  if (c.activation == "clipped_relu") return detail::run_network<spikernn::clipped_relu>(c, seed, s);
  throw invalid_parameter("activation", "sigmoid, softplus or clipped_relu, got '" + c.activation + "'");
}

/// A condition's networks: how many trained and converted, and their numbers (accuracies in %).
struct summary {
  int networks = 0, trained = 0, converted_ok = 0;
  std::vector<double> trials, lif_search, lif_fresh, taus;
};

inline summary summarise(const std::vector<network_result>& rs, const std::string& condition_name) {
  summary s;
  for (const auto& r : rs) {
    if (r.condition != condition_name) continue;
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

/// The markdown table of a figure's conditions beside the paper's numbers (mean ± sample std).
inline std::string markdown_table(const std::vector<network_result>& rs, const figure_conditions& fig) {
  using detail::format;
  std::string t =
      "| condition | rate nets trained | trials to criterion (median) | mean τ_d (ms) | LIF success (≥ 95 %) | "
      "LIF accuracy, search (%) | LIF accuracy, fresh trials (%) | paper: success | paper: accuracy (%) |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < fig.conditions.size(); ++k) {
    const summary s = summarise(rs, fig.conditions[k].name);
    std::vector<double> tr = s.trials;
    std::sort(tr.begin(), tr.end());
    t += "| " + fig.conditions[k].label + " | " + std::to_string(s.trained) + "/" + std::to_string(s.networks) + " | " +
         (tr.empty() ? std::string("–") : format("%.0f", tr[tr.size() / 2])) + " | " + format("%.1f", mean(s.taus)) +
         " | " + std::to_string(s.converted_ok) + "/" + std::to_string(s.networks) + " | " +
         format("%.1f", mean(s.lif_search)) + " ± " + format("%.1f", sample_sd(s.lif_search)) + " | " +
         format("%.1f", mean(s.lif_fresh)) + " ± " + format("%.1f", sample_sd(s.lif_fresh)) + " | " + fig.paper[k].success +
         " | " + fig.paper[k].accuracy + " |\n";
  }
  return t;
}

/// The conversion methods side by side on a figure's networks (only the methods that were run):
/// for each, how many networks reach ≥ 95 % on held-out (fresh) trials at the factor its own
/// search chose, their mean ± sd accuracy there, and its cost per network. The original
/// estimator is a search statistic: its column counts best-of-grid successes, as the paper did.
inline std::string methods_table(const std::vector<network_result>& rs, const figure_conditions& fig) {
  using detail::format;
  const auto any = [&](auto field) {
    return std::any_of(rs.begin(), rs.end(), [&](const network_result& r) { return !std::isnan(r.*field); });
  };
  const bool original = any(&network_result::lif_original), recal = any(&network_result::recal_fresh),
             noisy = any(&network_result::noisy_noise);
  struct column {
    std::string title;
    double network_result::*accuracy;  // fresh accuracy (or best of grid for the original estimator)
    double network_result::*seconds;
    bool held_out;
  };
  std::vector<column> cols{{"one-to-one (the paper's)", &network_result::lif_fresh, &network_result::seconds, true}};
  if (original) cols.push_back({"original estimator (best of grid)", &network_result::lif_original, &network_result::original_seconds, false});
  if (recal) cols.push_back({"recalibrated readout", &network_result::recal_fresh, &network_result::recal_seconds, true});
  if (noisy) {
    double sd = 0;
    for (const auto& r : rs)
      if (!std::isnan(r.noisy_noise)) sd = r.noisy_noise;
    cols.push_back({"noise-trained (σ = " + format("%g", sd) + ")", &network_result::noisy_fresh, &network_result::noisy_seconds, true});
  }
  std::string t = "| condition |";
  std::string rule = "|---|";
  for (const auto& c : cols) {
    t += " " + c.title + ": ≥ 95 % | accuracy (%) | s per network |";
    rule += "---|---|---|";
  }
  t += "\n" + rule + "\n";
  for (const auto& cond : fig.conditions) {
    t += "| " + cond.label + " |";
    for (const auto& c : cols) {
      int networks = 0, ok = 0;
      std::vector<double> acc, secs;
      for (const auto& r : rs) {
        if (r.condition != cond.name) continue;
        ++networks;
        if (!std::isnan(r.*c.seconds)) secs.push_back(r.*c.seconds);
        if (c.accuracy == &network_result::lif_fresh && !r.rate_success) continue;  // never converted
        const double a = r.*c.accuracy;
        if (std::isnan(a)) continue;  // not converted (criterion not met) or not run
        acc.push_back(100 * a);
        ok += held_out_success(a);
      }
      t += " " + std::to_string(ok) + "/" + std::to_string(networks) + " | " +
           (acc.empty() ? std::string("–") : format("%.1f", mean(acc)) + " ± " + format("%.1f", sample_sd(acc))) + " | " +
           (secs.empty() ? std::string("–") : format("%.0f", mean(secs))) + " |";
    }
    t += "\n";
  }
  return t;
}

/// The columns of networks.csv before the methods beyond the paper (such tables still read).
inline const std::vector<std::string> paper_table_header{
    "condition", "activation", "taus",      "seed",      "rate_success", "trials", "rate_perf", "mean_tau_ms",
    "factor",    "lif_search", "lif_fresh", "lif_success", "exc_hz",     "inh_hz", "seconds"};
/// The columns of networks.csv: the paper's, then the other methods' (nan where not run).
inline const std::vector<std::string> table_header = [] {
  std::vector<std::string> h = paper_table_header;
  for (const char* c : {"lif_original", "original_seconds", "recal_factor", "recal_search", "recal_fresh", "recal_seconds",
                        "noisy_noise", "noisy_trained", "noisy_factor", "noisy_search", "noisy_fresh", "noisy_seconds"})
    h.emplace_back(c);
  return h;
}();

/// The networks as networks.csv's table, numbers as the shortest text that reads back exactly.
inline io::csv_table to_table(const std::vector<network_result>& rs) {
  using io::exact_text;
  io::csv_table t;
  t.header = table_header;
  for (const auto& r : rs)
    t.add({r.condition, r.activation, r.taus, std::to_string(r.seed), r.rate_success ? "1" : "0", std::to_string(r.trials),
           exact_text(r.rate_perf), exact_text(r.mean_tau_ms), exact_text(r.factor), exact_text(r.lif_search),
           exact_text(r.lif_fresh), r.lif_success() ? "1" : "0", exact_text(r.exc_hz), exact_text(r.inh_hz),
           exact_text(r.seconds), exact_text(r.lif_original), exact_text(r.original_seconds), exact_text(r.recal_factor),
           exact_text(r.recal_search), exact_text(r.recal_fresh), exact_text(r.recal_seconds), exact_text(r.noisy_noise),
           exact_text(r.noisy_trained), exact_text(r.noisy_factor), exact_text(r.noisy_search), exact_text(r.noisy_fresh),
           exact_text(r.noisy_seconds)});
  return t;
}

/// What networks.csv is called in messages.
inline const std::string table_kind = "a networks.csv written by reproduce_kim2019";

/// The networks of a networks.csv table; a table of anything else is refused naming its file.
inline std::vector<network_result> from_table(const io::csv_table& t) {
  const bool extended = t.header == table_header;
  if (!extended && t.header != paper_table_header)
    throw file_error(t.origin, "expected " + table_kind + " (header: " + io::detail::joined(table_header) + ")");
  std::vector<network_result> rs;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& f = t.rows[i];
    network_result r{.condition = f[0], .activation = f[1], .taus = f[2], .seed = std::uint64_t(t.integer(i, "seed"))};
    r.rate_success = t.integer(i, "rate_success") == 1;
    r.trials = long(t.integer(i, "trials"));
    r.rate_perf = t.number(i, "rate_perf");
    r.mean_tau_ms = t.number(i, "mean_tau_ms");
    r.factor = t.number(i, "factor");
    r.lif_search = t.number(i, "lif_search");
    r.lif_fresh = t.number(i, "lif_fresh");
    r.exc_hz = t.number(i, "exc_hz");
    r.inh_hz = t.number(i, "inh_hz");
    r.seconds = t.number(i, "seconds");
    if (extended) {
      r.lif_original = t.number(i, "lif_original");
      r.original_seconds = t.number(i, "original_seconds");
      r.recal_factor = t.number(i, "recal_factor");
      r.recal_search = t.number(i, "recal_search");
      r.recal_fresh = t.number(i, "recal_fresh");
      r.recal_seconds = t.number(i, "recal_seconds");
      r.noisy_noise = t.number(i, "noisy_noise");
      r.noisy_trained = t.number(i, "noisy_trained");
      r.noisy_factor = t.number(i, "noisy_factor");
      r.noisy_search = t.number(i, "noisy_search");
      r.noisy_fresh = t.number(i, "noisy_fresh");
      r.noisy_seconds = t.number(i, "noisy_seconds");
    }
    rs.push_back(r);
  }
  return rs;
}

/// Reads networks.csv.
inline std::vector<network_result> read_table(const std::filesystem::path& path) {
  // The header is checked as soon as it is read (a file that is not a networks.csv is refused
  // before its rows are parsed): the one this version writes, or the paper-only one of earlier ones.
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  const bool earlier = first == io::detail::joined(paper_table_header);
  return from_table(io::read_csv(path, earlier ? paper_table_header : table_header, table_kind));
}

}  // namespace spikernn::kim2019
