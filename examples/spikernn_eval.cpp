// spikernn-eval: converts a trained rate model into its LIF network at a scaling factor (the
// file's opt_scaling_factor unless --factor is given), scores it on random trials with a
// per-condition breakdown and spike statistics, and with --plots draws spike rasters, the
// spiking output against the rate output and the target, and accuracy against the factor.
//
// The readout is the one the file's search used (--readout to choose), with the file's number of
// calibration trials unless --calibration_trials is given: a recalibrated readout is refitted on
// the calibration trials of --seed, so the search's seed gives the search's readout.
//
//   spikernn-eval --model FILE [--factor F] [--trials 100] [--threads K] [--plots DIR]
#include "program_support.hpp"

#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/task/registry.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options : sk::programs::spiking_flags {
  std::string model, plots;
  double factor = 0;
  // stimulation of chosen units during a window (the original's stims)
  std::string stim_mode = "none", stim_units, stim_window;
  bool in_sample = false;  ///< replay the search's trials instead of held-out ones
};

/// --stim exc|inh|none, --stim_units 1,5,9 (1-based), --stim_window FROM:TO (LIF steps).
sk::lif_stimulation parse_stimulation(const options& o, sk::index_t n) {
  sk::lif_stimulation s;
  std::string mode = o.stim_mode;
  std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (mode == "none") {  // units or a window without a stimulus would be ignored: say so instead
    sk::require(o.stim_units.empty(), "stim_units", "--stim exc or inh to stimulate the units");
    sk::require(o.stim_window.empty(), "stim_window", "--stim exc or inh to stimulate in the window");
    return s;
  }
  if (mode != "exc" && mode != "inh") throw sk::invalid_parameter("stim", "none, exc or inh, got '" + o.stim_mode + "'");
  s.kind = mode == "exc" ? sk::lif_stimulation::mode::exc : sk::lif_stimulation::mode::inh;
  std::vector<double> units;
  try {
    units = sk::parse_factors(o.stim_units.empty() ? "x" : o.stim_units);
  } catch (const sk::invalid_parameter&) {
    throw sk::invalid_parameter("stim_units", "unit numbers 1…N as a comma list or FROM:TO, got '" + o.stim_units + "'");
  }
  for (double u : units) {
    const auto unit = static_cast<sk::index_t>(u);
    sk::require(double(unit) == u && unit >= 1 && unit <= n, "stim_units", "unit numbers 1…N");
    s.units.push_back(unit - 1);
  }
  const auto colon = o.stim_window.find(':');
  sk::require(colon != std::string::npos, "stim_window", "FROM:TO in LIF steps");
  try {
    s.from = std::stol(o.stim_window.substr(0, colon));
    s.to = std::stol(o.stim_window.substr(colon + 1));
  } catch (const std::logic_error&) {
    throw sk::invalid_parameter("stim_window", "FROM:TO in LIF steps, got '" + o.stim_window + "'");
  }
  sk::require(s.from >= 1 && s.to > s.from, "stim_window", "1 ≤ FROM < TO");
  return s;
}

/// Raster and output traces (spiking, rate, target) for the sample trial types of a task.
template <class Net, sk::spiking_task Task>
void plot_trials(Net net, const sk::rate_model<float>& m, const Task& tk, double factor, const options& o) {
  const sk::lif_stimulation stim = parse_stimulation(o, m.params.n);
  const std::string kind = Net::neuron::name == "qif" ? "QIF" : "LIF";
  int k = 0;
  for (const sk::trial& tr : tk.sample_spiking_trials()) {
    sk::rng g(sk::seed{o.seed}, sk::purpose::user, std::uint64_t(k++));
    const auto res = net.run(tr.u, g, {.spikes = true}, stim);
    sk::io::series exc{"excitatory", {}, {}, "points pt 7 ps 0.25 lc rgb \"#d62728\""};
    sk::io::series inh{"inhibitory", {}, {}, "points pt 7 ps 0.25 lc rgb \"#1f77b4\""};
    for (const auto& [step, unit] : res.spikes) {
      auto& s = m.types.inh[unit] ? inh : exc;
      s.x.push_back(double(step) * res.dt);
      s.y.push_back(double(unit + 1));
    }
    sk::io::plot(fs::path(o.plots) / ("raster_" + tr.condition),
                 {kind + " spikes, " + tr.condition + " trial (scaling factor " + std::to_string(int(std::lround(factor))) + ")",
                  "time (s)", "unit", {exc, inh}});
    // the rate network on the same stimulus (T columns: the LIF trial has one more)
    sk::trial rate_tr = tr;
    rate_tr.u.conservativeResize(Eigen::NoChange, tr.u.cols() - 1);
    const sk::vector<double> rate_out = sk::rate_outputs(m, rate_tr, sk::rng(sk::seed{o.seed}, sk::purpose::user, 99));
    sk::io::series spk{kind + " output", {}, {}, "lines lc rgb \"#2ca02c\""};
    sk::io::series rate{"rate output", {}, {}, "lines lw 2 lc rgb \"#000000\""};
    sk::io::series target{"target", {}, {}, "lines dt 2 lc rgb \"#7f7f7f\""};
    for (long i = 0; i < res.steps; i += 10) {  // every 0.5 ms is plenty for a figure
      spk.x.push_back(double(i + 1) * res.dt);
      spk.y.push_back(res.out[i]);
    }
    for (sk::index_t t = 0; t < rate_out.size(); ++t) {
      rate.x.push_back(0.005 * double(t + 1));
      rate.y.push_back(rate_out[t] - double(m.b_out));  // the LIF readout has no bias: compare like with like
      target.x.push_back(0.005 * double(t + 1));
      target.y.push_back(tr.z[t]);
    }
    sk::io::plot(fs::path(o.plots) / ("output_" + tr.condition),
                 {"output, " + tr.condition + " trial (rate output without b_out)", "time (s)", "output",
                  {spk, rate, target}});
  }
}

/// Accuracy against the scaling factor, when the file holds a search.
void plot_factor_curve(const sk::rate_model<float>& m, const options& o) {
  const sk::io::mat_reader in(m.file);
  if (in.has("all_perfs") && in.has("scaling_factors")) {
    const auto f = in.vector<double>("scaling_factors");
    const auto p = in.vector<double>("all_perfs", f.size());
    sk::io::series curve{"accuracy", {f.data(), f.data() + f.size()}, {p.data(), p.data() + p.size()},
                         "linespoints pt 7 lw 2 lc rgb \"#1f77b4\""};
    sk::io::plot(fs::path(o.plots) / "accuracy_vs_factor", {"scaling-factor search", "scaling factor (1/λ)",
                                                             "LIF accuracy", {curve}});
  }
}

/// Every figure of --plots.
template <sk::spiking_task Task>
void write_plots(const sk::rate_model<float>& m, const Task& tk, double factor, const options& o) {
  fs::create_directories(o.plots);
  o.with_neuron([&]<class N>(std::type_identity<N>) {
    plot_trials(sk::to_spiking<N>(m, tk, factor, o.conversion(), sk::seed{o.seed}, o.threads), m, tk, factor, o);
  });
  plot_factor_curve(m, o);
}

template <sk::spiking_task Task>
int evaluate(const sk::rate_model<float>& m, const Task& tk, const options& o, const sk::lif_stimulation& stimulation) {
  const double factor = sk::programs::factor_to_convert_at(m, o.factor);
  sk::spiking_eval_options eval = o.eval();
  eval.stimulation = stimulation;
  // Held out by default: trials no search scores, so the accuracy is not the one the factor was
  // chosen on (which overstates it); --in_sample replays the search's own trials.
  eval.first_trial = o.in_sample ? 0 : sk::held_out_first_trial;
  const auto s = o.with_neuron(
      [&]<class N>(std::type_identity<N>) { return sk::evaluate_spiking<N>(m, tk, factor, eval, o.conversion()); });
  const double rate = sk::rate_accuracy_on_spiking_trials(m, tk, eval);
  const auto ci = s.interval();
  std::printf("%s\n  task %s, %s neurons, scaling factor %g, %s readout, %d %s trials\n  accuracy %.3f (95 %% interval "
              "[%.3f, %.3f]); the rate network on the same trials %.3f\n",
              m.file.string().c_str(), std::string(tk.name()).c_str(), o.neuron_name().c_str(), factor,
              o.readout_name() == "recalibrated" ? "recalibrated" : "one-to-one", o.trials,
              o.in_sample ? "of the search's (in-sample)" : "held-out", s.accuracy, ci.lo, ci.hi, rate);
  for (const auto& c : s.conditions) {
    const auto cc = sk::wilson_interval(c.correct, c.trials);
    std::printf("    %-8s %3d / %3d  %.3f  [%.3f, %.3f]\n", c.condition.c_str(), c.correct, c.trials, c.accuracy(), cc.lo,
                cc.hi);
  }
  std::printf("  spikes per trial %.0f; mean rate excitatory %.2f Hz, inhibitory %.2f Hz; units silent %ld of %ld\n",
              double(s.total_spikes) / o.trials, s.mean_exc_rate, s.mean_inh_rate, long((s.unit_rates == 0).count()),
              long(s.unit_rates.size()));
  if (!o.plots.empty()) {
    write_plots(m, tk, factor, o);
    std::printf("  plots in %s%s\n", o.plots.c_str(), sk::io::gnuplot_available() ? "" : " (data and scripts; no gnuplot: no PNG)");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Evaluate the LIF spiking network converted from a trained rate model.", "spikernn-eval"};
  app.add_option("--model", o.model, "A model .mat file")->required();
  app.add_option("--factor", o.factor, "Scaling factor (default: the file's opt_scaling_factor)");
  o.add_to(app, "Random trials");
  app.add_option("--stim", o.stim_mode, "Stimulate chosen units: none, exc (+0.5 mV) or inh (−0.5 mV), p = 0.5 per step")
      ->capture_default_str();
  app.add_option("--stim_units", o.stim_units, "Units to stimulate, 1-based: a comma list or FROM:TO");
  app.add_option("--stim_window", o.stim_window, "Stimulation window FROM:TO in LIF steps (1-based, TO excluded)");
  app.add_option("--plots", o.plots, "Folder for rasters, output traces and the factor curve (PNG + data + gnuplot scripts)");
  app.add_flag("--in_sample", o.in_sample,
               "Score the trials the search chose the factor on (default: held-out trials, which no search uses)");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.validate();
    sk::require(o.factor >= 0 && std::isfinite(o.factor), "factor", "a positive scaling factor");
    if (!fs::exists(o.model)) throw sk::file_error(o.model, "does not exist");
    const auto m = sk::io::load_rate_model<float>(o.model);
    const std::string task = sk::programs::task_of(m, o.task);
    o.adopt_search_of(m, app.count("--calibration_trials") > 0);
    const auto stimulation = parse_stimulation(o, m.params.n);  // flags: refused as flags
    return sk::programs::about_file(app, o.model, [&] {
      return std::visit([&](const auto& tk) { return evaluate(m, tk, o, stimulation); }, sk::make_task(task));
    });
  });
}
