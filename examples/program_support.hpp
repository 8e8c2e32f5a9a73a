// What the example programs share: which task a model file is for, and the default grid of
// scaling factors for its activation.
#pragma once

#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/io/mat_reader.hpp>

#include <CLI/CLI.hpp>

#include "command_line.hpp"
#include <spikernn/network/rate_model.hpp>
#include <spikernn/task/registry.hpp>

#include <cmath>
#include <exception>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

namespace spikernn::programs {

/// The task a model was trained on: --task if given, else the file's `task` variable, else the
/// task name in its path (what lambda_grid_search.m does), in the program's spelling.
inline std::string task_of(const rate_model<float>& m, std::string flag) {
  std::string t = !flag.empty() ? flag : m.task;
  if (t.empty()) {
    const std::string path = m.file.string();
    // The last name found wins: mante_port after mante, whose name it contains.
    for (const char* name : {"go-nogo", "go_nogo", "mante", "mante_port", "mante-port", "xor"})
      if (path.find(name) != std::string::npos) t = name;
  }
  if (t.empty()) throw invalid_parameter("task", "a task: the model file does not say which (use --task)");
  const std::string c = canonical_task_name(t);
  if (c.empty()) throw invalid_parameter("task", "go-nogo, xor, mante or mante_port, got '" + t + "'");
  return c;
}

/// The paper's grids: 20:5:75 for sigmoid networks, 4:2:26 for softplus and clipped ReLU.
inline std::vector<double> default_factors(const rate_model<float>& m) {
  return m.activation == "sigmoid" ? range(20, 75, 5) : range(4, 26, 2);
}

/// The scaling factor to convert at: `flag` (--factor) when non-zero, else the file's search's.
inline double factor_to_convert_at(const rate_model<float>& m, double flag) {
  if (flag != 0) return flag;
  const io::mat_reader in(m.file);
  if (!in.has("opt_scaling_factor") || !std::isfinite(in.scalar("opt_scaling_factor")))
    throw file_error(m.file.string(), "variable 'opt_scaling_factor' missing: run spikernn-search first or give --factor");
  return in.scalar("opt_scaling_factor");
}

/// The flags spikernn-search and spikernn-eval share: trials, threads, seed, task and how the
/// rate model becomes a spiking network.
struct spiking_flags {
  std::string task, neuron;  ///< neuron "" until chosen: lif, unless a searched file says qif
  std::string readout;       ///< "" until chosen: one_to_one, unless a searched file says recalibrated
  int trials = 100, threads = 0, downsample = 1, calibration_trials = 100;
  double tau_r = 0.002;
  std::uint64_t seed = 1;
  bool initial_weights = false;

  void add_to(CLI::App& app, const std::string& trials_help) {
    app.add_option("--trials", trials, trials_help)->capture_default_str();
    app.add_option("--threads", threads, "Threads (0: all cores); results do not depend on it")->capture_default_str();
    app.add_option("--seed", seed, "Seed of the trials and the LIF noise")->check(non_negative_integer)->capture_default_str();
    app.add_option("--task", task, "Task, when the file does not say: go-nogo, xor, mante, mante_port");
    app.add_option("--downsample", downsample, "Use every d-th input column (LIF step d·0.05 ms)")->capture_default_str();
    app.add_option("--tau_r", tau_r, "Synaptic rise time in s; 0 selects the single-exponential synapse")->capture_default_str();
    app.add_flag("--use_initial_weights", initial_weights, "Convert the untrained network (w0, taus_gaus0)");
    app.add_option("--neuron", neuron,
                   "Spiking neuron: lif (leaky, the original; default) or qif (quadratic, threshold +30 mV, no bias: "
                   "SI Table S1)");
    app.add_option("--readout", readout,
                   "How the spiking network is read out: one_to_one (w_out / factor, the paper's; default) or recalibrated "
                   "(w_out and a bias refitted by least squares to the LIF network's own filtered spike trains, on "
                   "calibration trials that no search or evaluation scores)");
    app.add_option("--calibration_trials", calibration_trials, "Calibration trials of --readout recalibrated")
        ->capture_default_str();
  }
  void validate() const {
    require(trials > 0, "trials", "a positive number of trials");
    require(threads >= 0, "threads", "0 (all cores) or a positive count");
    require(neuron.empty() || neuron == "lif" || neuron == "qif", "neuron", "lif or qif, got '" + neuron + "'");
    if (!readout.empty()) readout_method_of(readout);
    require(calibration_trials > 0, "calibration_trials", "a positive number of calibration trials");
    lif().validate();
  }
  std::string neuron_name() const { return neuron.empty() ? "lif" : neuron; }
  std::string readout_name() const { return readout.empty() ? "one_to_one" : readout; }
  /// Calls f(std::type_identity<Neuron>{}) with the neuron policy --neuron names.
  template <class F>
  decltype(auto) with_neuron(F&& f) const {
    if (neuron == "qif") return f(std::type_identity<quadratic_if>{});
    return f(std::type_identity<leaky_if>{});
  }
  lif_params lif() const {
    lif_params p = neuron == "qif" ? quadratic_if::defaults() : leaky_if::defaults();
    p.downsample = downsample;
    p.tau_r = tau_r;
    return p;
  }
  /// For the flags the user did not give, what the model file's search used: its neuron, its
  /// readout and the readout's calibration trials (a recalibrated readout refitted with the
  /// search's seed is the search's readout).
  void adopt_search_of(const rate_model<float>& m, bool calibration_trials_given) {
    const io::mat_reader in(m.file);
    if (neuron.empty()) neuron = in.has("spiking_neuron") ? in.string("spiking_neuron") : "lif";
    if (readout.empty()) readout = in.has("spiking_readout") ? in.string("spiking_readout") : "one_to_one";
    if (!calibration_trials_given && in.has("calibration_trials")) {
      const auto k = in.integer("calibration_trials");
      if (k <= 0 || k > 100000000) throw file_error(m.file.string(), "variable 'calibration_trials': a positive count");
      calibration_trials = int(k);
    }
    validate();
  }
  conversion_options conversion_settings() const { return {.use_initial_weights = initial_weights}; }
  spiking_conversion conversion() const {
    return {.lif = lif(),
            .options = conversion_settings(),
            .readout = readout_method_of(readout_name()),
            .calibration = {.trials = calibration_trials}};
  }
  spiking_eval_options eval() const { return {.trials = trials, .threads = threads, .seed = spikernn::seed{seed}}; }
};

}  // namespace spikernn::programs
