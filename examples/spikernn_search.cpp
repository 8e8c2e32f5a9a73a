// spikernn-search: the scaling-factor grid search of lambda_grid_search.m. For a model file
// (or every .mat file in a folder), score the LIF network at each factor on the same random
// trials, and write opt_scaling_factor, all_perfs and scaling_factors back into the file. A file is
// locked while it is searched: a second search of it is refused instead of one result being lost.
// In a folder a file that cannot be searched is reported and the others are searched; the exit
// code is 1 if any failed.
//
//   spikernn-search --model out/models/go-nogo/P_rec_0.2_Taus_4.0_20.0 [--factors 20:5:75]
//                   [--trials 100] [--threads K]
#include "program_support.hpp"

#include <spikernn/io/file_lock.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/task/registry.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options : sk::programs::spiking_flags {
  std::string model, factors, estimator = "common";
  bool redo = false, quiet = false;
  int extend = 0;
};

sk::search_estimator estimator_of(const std::string& name) {
  if (name == "common") return sk::search_estimator::common_trials;
  if (name == "original") return sk::search_estimator::fresh_per_factor;
  throw sk::invalid_parameter("estimator", "common (every factor on the same trials) or original (fresh trials per "
                                           "factor, as lambda_grid_search.m), got '" + name + "'");
}

void search_file(const fs::path& path, const options& o) {
  const sk::io::exclusive_file_lock lock(path, "another spikernn-search?");
  const auto m = sk::io::load_rate_model<float>(path);
  const std::string task = sk::programs::task_of(m, o.task);
  const std::vector<double> factors = o.factors.empty() ? sk::programs::default_factors(m) : sk::parse_factors(o.factors);
  const auto earlier = sk::io::read_scaling_search(path);
  {  // what the user should know before trusting the result
    const sk::io::mat_reader in(path);
    if (in.has("success") && !in.logical("success", 1)[0])
      std::fprintf(stderr, "spikernn-search: warning: %s never met its training criterion: its spiking accuracy says "
                           "little about the conversion\n", path.filename().string().c_str());
  }
  sk::search_options opt{.factors = factors, .eval = o.eval(), .conversion = o.conversion(), .estimator = estimator_of(o.estimator)};
  const auto start = std::chrono::steady_clock::now();
  if (!o.quiet)  // a line per factor with the time left: a default search is seconds to minutes
    opt.on_factor = [&, n = factors.size()](std::size_t k, const sk::spiking_score& sc) {
      const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "  factor %-6g accuracy %.2f   %zu/%zu, %.0f s, about %.0f s left\n", sc.factor, sc.accuracy,
                   k + 1, n, spent, k + 1 < n ? spent / double(k + 1) * double(n - k - 1) : 0.0);
    };
  const sk::search_result res = o.with_neuron([&]<class N>(std::type_identity<N>) {
    return std::visit(
        [&](const auto& tk) {
          return o.extend > 0 ? sk::search_scaling_until_interior<N>(m, tk, opt, o.extend) : sk::search_scaling<N>(m, tk, opt);
        },
        sk::make_task(task));
  });
  lock.require_unchanged();
  if (earlier && (earlier->spiking_neuron != o.neuron_name() || (earlier->trials > 0 && earlier->trials > o.trials)))
    std::fprintf(stderr, "spikernn-search: warning: %s held a search with %s neurons and %ld trials per factor; this one "
                         "(%s, %d trials) replaces it, the earlier one is kept as search_history_*\n",
                 path.filename().string().c_str(), earlier->spiking_neuron.c_str(), earlier->trials,
                 o.neuron_name().c_str(), o.trials);
  sk::io::save_scaling_search(path, {.factors = res.factors, .perfs = res.perfs, .best_factor = res.best_factor(),
                                     .spiking_neuron = o.neuron_name(), .estimator = std::string(sk::to_string(res.estimator)),
                                     .trials = o.trials, .readout = o.readout_name(),
                                     .calibration_trials = o.readout_name() == "recalibrated" ? o.calibration_trials : 0});
  if (!o.quiet) {
    std::printf("%s\n  factor  accuracy  95 %% interval   exc Hz  inh Hz\n", path.string().c_str());
    for (std::size_t k = 0; k < res.factors.size(); ++k) {
      const auto ci = res.scores[k].interval();
      std::printf("  %6g  %8.2f  [%.2f, %.2f]  %6.2f  %6.2f%s\n", res.factors[k], res.perfs[k], ci.lo, ci.hi,
                  res.scores[k].mean_exc_rate, res.scores[k].mean_inh_rate,
                  k == res.best_index ? "  <- opt_scaling_factor" : "");
    }
  }
  if (res.best_at_edge())
    std::fprintf(stderr, "spikernn-search: warning: %s: the best factor (%g) is at an edge of the grid %g…%g; the best may "
                         "lie outside it (--extend N extends the grid up to N times)\n",
                 path.filename().string().c_str(), res.best_factor(), res.factors.front(), res.factors.back());
  const auto ci = res.scores[res.best_index].interval();
  std::printf("%s: opt_scaling_factor %g (accuracy %.2f over %d trials, 95 %% interval [%.2f, %.2f]; %s estimator%s)\n",
              path.filename().string().c_str(), res.best_factor(), res.best_perf(), o.trials, ci.lo, ci.hi,
              o.estimator == "common" ? "common-trials" : "the original's fresh-trials",
              o.readout_name() == "recalibrated" ? "; recalibrated readout" : "");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Find the rate-to-spike scaling factor of trained rate models (Kim, Li & Sejnowski 2019) and "
               "write it into the model files.",
               "spikernn-search"};
  app.add_option("--model", o.model, "A model .mat file, or a folder: every .mat file in it")->required();
  app.add_option("--factors", o.factors,
                 "Scaling factors in MATLAB's notation, start:step:stop (stop included) or start:stop, or a comma "
                 "list; default 20:5:75 for sigmoid networks, 4:2:26 for softplus and clipped ReLU (the paper's grids)");
  o.add_to(app, "Random trials per factor");
  app.add_flag("--redo", o.redo, "In a folder, also search files that already hold opt_scaling_factor");
  app.add_option("--estimator", o.estimator,
                 "common: every factor scored on the same trials (a paired comparison); original: fresh trials for "
                 "every factor, as lambda_grid_search.m (its best of the grid is biased upward)")
      ->capture_default_str();
  app.add_option("--extend", o.extend,
                 "While the best factor is at an edge of the grid, score 3 more factors past it, up to N times")
      ->capture_default_str();
  app.add_flag("--quiet", o.quiet, "Only the result line per file");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.validate();
    if (!o.factors.empty()) sk::parse_factors(o.factors);  // refuse a bad grid before any work
    estimator_of(o.estimator);
    sk::require(o.extend >= 0, "extend", "a non-negative number of extensions");
    std::vector<fs::path> files;
    const bool folder = fs::is_directory(o.model);
    if (folder) {
      for (const auto& e : fs::directory_iterator(o.model))
        if (e.path().extension() == ".mat") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      if (files.empty()) throw sk::file_error(o.model, "no .mat files in this folder");
    } else {
      if (!fs::exists(o.model)) throw sk::file_error(o.model, "does not exist");
      files.push_back(o.model);
    }
    if (!folder) {
      sk::programs::about_file(app, files.front().string(), [&] { search_file(files.front(), o); });
      return 0;
    }
    std::size_t failed = 0;
    for (const auto& f : files) {
      try {
        if (!o.redo && sk::io::mat_reader(f).has("opt_scaling_factor")) {
          std::printf("%s: already searched (--redo to search again)\n", f.filename().string().c_str());
          continue;
        }
        sk::programs::about_file(app, f.string(), [&] { search_file(f, o); });
      } catch (const std::exception& e) {  // the flags were checked above: this is the file's problem
        std::fflush(stdout);
        std::fprintf(stderr, "spikernn-search: %s (skipped; searching the others)\n", e.what());
        ++failed;
      }
    }
    if (failed > 0) throw sk::error(std::to_string(failed) + " of " + std::to_string(files.size()) + " files in " +
                                    o.model + " could not be searched (see above)");
    return 0;
  });
}
