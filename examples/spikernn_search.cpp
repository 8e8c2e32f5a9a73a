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
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options : sk::programs::spiking_flags {
  std::string model, factors;
  bool redo = false, quiet = false;
};

void search_file(const fs::path& path, const options& o) {
  const sk::io::exclusive_file_lock lock(path, "another spikernn-search?");
  const auto m = sk::io::load_rate_model<float>(path);
  const std::string task = sk::programs::task_of(m, o.task);
  const std::vector<double> factors = o.factors.empty() ? sk::programs::default_factors(m) : sk::parse_factors(o.factors);
  const sk::search_options opt{.factors = factors, .eval = o.eval(), .conversion = o.conversion()};
  const sk::search_result res = o.with_neuron([&]<class N>(std::type_identity<N>) {
    return std::visit([&](const auto& tk) { return sk::search_scaling<N>(m, tk, opt); }, sk::make_task(task));
  });
  lock.require_unchanged();
  sk::io::save_scaling_search(path, res.factors, res.perfs, res.best_factor(), o.neuron_name());
  if (!o.quiet) {
    std::printf("%s\n  factor  accuracy  exc Hz  inh Hz\n", path.string().c_str());
    for (std::size_t k = 0; k < res.factors.size(); ++k)
      std::printf("  %6g  %8.2f  %6.2f  %6.2f%s\n", res.factors[k], res.perfs[k], res.scores[k].mean_exc_rate,
                  res.scores[k].mean_inh_rate, k == res.best_index ? "  <- opt_scaling_factor" : "");
  }
  std::printf("%s: opt_scaling_factor %g (accuracy %.2f over %d trials)\n", path.filename().string().c_str(),
              res.best_factor(), res.best_perf(), o.trials);
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
  app.add_flag("--quiet", o.quiet, "Only the result line per file");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.validate();
    if (!o.factors.empty()) sk::parse_factors(o.factors);  // refuse a bad grid before any work
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
