// What the example programs share: which task a model file is for, and the default grid of
// scaling factors for its activation.
#pragma once

#include <spikernn/convert/scaling_search.hpp>

#include <CLI/CLI.hpp>
#include <spikernn/network/rate_model.hpp>
#include <spikernn/task/registry.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace spikernn::programs {

/// The task a model was trained on: --task if given, else the file's `task` variable, else the
/// task name in its path (what lambda_grid_search.m does), in the program's spelling.
inline std::string task_of(const rate_model<float>& m, std::string flag) {
  std::string t = !flag.empty() ? flag : m.task;
  if (t.empty()) {
    const std::string path = m.file.string();
    for (const char* name : {"go-nogo", "go_nogo", "mante", "xor"})
      if (path.find(name) != std::string::npos) t = name;
  }
  if (t.empty()) throw invalid_parameter("task", "a task: the model file does not say which (use --task)");
  const std::string c = canonical_task_name(t);
  if (c.empty()) throw invalid_parameter("task", "go-nogo, xor or mante, got '" + t + "'");
  return c;
}

/// The paper's grids: 20:5:75 for sigmoid networks, 4:2:26 for softplus and clipped ReLU.
inline std::vector<double> default_factors(const rate_model<float>& m) {
  return m.activation == "sigmoid" ? range(20, 75, 5) : range(4, 26, 2);
}

/// The flags spikernn-search and spikernn-eval share: trials, threads, seed, task and how the
/// rate model becomes a LIF network.
struct spiking_flags {
  std::string task;
  int trials = 100, threads = 0, downsample = 1;
  double tau_r = 0.002;
  std::uint64_t seed = 1;
  bool initial_weights = false;

  void add_to(CLI::App& app, const std::string& trials_help) {
    app.add_option("--trials", trials, trials_help)->capture_default_str();
    app.add_option("--threads", threads, "Threads (0: all cores); results do not depend on it")->capture_default_str();
    app.add_option("--seed", seed, "Seed of the trials and the LIF noise")->capture_default_str();
    app.add_option("--task", task, "Task, when the file does not say: go-nogo, xor, mante");
    app.add_option("--downsample", downsample, "Use every d-th input column (LIF step d·0.05 ms)")->capture_default_str();
    app.add_option("--tau_r", tau_r, "Synaptic rise time in s; 0 selects the single-exponential synapse")->capture_default_str();
    app.add_flag("--use_initial_weights", initial_weights, "Convert the untrained network (w0, taus_gaus0)");
  }
  void validate() const {
    require(trials > 0, "trials", "a positive number of trials");
    require(threads >= 0, "threads", "0 (all cores) or a positive count");
    lif().validate();
  }
  lif_params lif() const { return {.downsample = downsample, .tau_r = tau_r}; }
  conversion_options conversion() const { return {.use_initial_weights = initial_weights}; }
  spiking_eval_options eval() const {
    return {.trials = trials, .threads = threads, .seed = spikernn::seed{seed}, .lif = lif(), .conversion = conversion()};
  }
};

/// Runs a program's body: a refused setting prints "<program>: --<flag>: …" and exits 2,
/// any other error prints "<program>: …" and exits 1 — the same for every program.
template <class Body>
int run_guarded(const char* program, Body&& body) {
  try {
    return body();
  } catch (const invalid_parameter& e) {
    std::cerr << program << ": --" << e.parameter << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace spikernn::programs
