// spikernn-export: a converted spiking network leaves spikernn. --to nir writes it as a NIR
// graph (HDF5; read by snnTorch, Norse, Rockpool, Sinabs, Lava-DL, …) in exact or portable mode;
// --to brian2 writes a Brian2 script with every parameter and the held-out trials it scores.
// --check K reads the NIR file back and scores it on K held-out trials beside spikernn's own
// network. --run FILE.nir simulates any NIR graph of LIF, CubaLIF, LI, Affine, Linear and Scale
// nodes (another tool's too) and scores it on a task, or drives it with an input from NPY.
// A spiking mode RNN file (modes.mat from spikernn-smnn) is written as its NIR graph
// (convert/mode_snn_nir.hpp); --check K then scores the file against the network on K inputs
// of the network's own test set.
//
//   spikernn-export --model FILE --to nir --out NET.nir [--mode exact|portable] [--precision single|double] [--check K]
//   spikernn-export --model modes.mat --to nir --out NET.nir [--fold_modes] [--precision …] [--check K [--data DIR]]
//   spikernn-export --model FILE --to brian2 --out FOLDER [--trials K]
//   spikernn-export --run NET.nir [--task T --trials K | --input U.npy --output Y.npy] [--dt S]
#include "program_support.hpp"

#include <spikernn/convert/lif_nir.hpp>
#include <spikernn/convert/mode_snn_nir.hpp>
#include <spikernn/core/parallel.hpp>
#include <spikernn/eval/statistics.hpp>
#include <spikernn/experiment/smnn_paper.hpp>
#include <spikernn/io/brian2_export.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/io/mnist.hpp>
#include <spikernn/io/mode_snn_file.hpp>
#include <spikernn/io/nir_file.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/network/nir_network.hpp>
#include <spikernn/task/registry.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options : sk::programs::spiking_flags {
  std::string model, to, out, mode = "exact", precision = "single", run, input, output, data;
  double factor = 0, dt = 0;
  int check = 0;
  bool fold_modes = false;
};

/// Trials correct of the NIR graph `g`, simulated as it is (nir_network), on the trials
/// spikernn's evaluation with `eval` scores: the same stimuli; the graph's own noise.
template <sk::spiking_task Task>
long score_graph(const sk::nir::graph& g, const Task& tk, double dt, int steps_per_column, const sk::spiking_eval_options& eval) {
  const sk::nir_network<double> proto(g, dt);
  sk::require(proto.n_inputs() == tk.n_inputs(), "task",
              "a task with " + std::to_string(proto.n_inputs()) + " inputs like the graph's Input node (" +
                  std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  const int workers = std::min(sk::thread_count(eval.threads), eval.trials);
  std::vector<sk::nir_network<double>> nets(std::size_t(workers), proto);
  std::vector<char> ok(std::size_t(eval.trials), 0);
  sk::lif_params grid;
  grid.steps_per_column = steps_per_column;
  sk::parallel_for(eval.trials, workers, [&](long k, int worker) {
    sk::rng r(eval.seed, sk::purpose::spiking_trial, eval.first_trial + std::uint64_t(k));
    const sk::trial tr = tk.spiking_trial(r);
    const sk::matrix<double> y = nets[std::size_t(worker)].run(sk::lif_step_inputs(tr.u, grid), r);
    ok[std::size_t(k)] = tk.spiking_correct(tr, y.row(0), dt) ? 1 : 0;
  });
  long correct = 0;
  for (char c : ok) correct += c;
  return correct;
}

void print_score(const char* what, long correct, int trials) {
  const auto ci = sk::wilson_interval(correct, trials);
  std::printf("  %-44s %.3f  (%ld / %d, 95 %% interval [%.3f, %.3f])\n", what, double(correct) / trials, correct, trials,
              ci.lo, ci.hi);
}

template <sk::spiking_task Task>
int export_model(const sk::rate_model<float>& m, const Task& tk, const options& o) {
  sk::require(o.neuron_name() == "lif", "neuron", "lif: NIR and Brian2 exports are written for the leaky neuron");
  const double factor = sk::programs::factor_to_convert_at(m, o.factor);
  const auto net = sk::to_spiking<sk::leaky_if>(m, tk, factor, o.conversion(), sk::seed{o.seed}, o.threads);
  sk::spiking_eval_options eval = o.eval();
  eval.first_trial = sk::held_out_first_trial;
  if (o.to == "brian2") {
    const auto summary = sk::io::export_brian2(o.out, net, tk, {.trials = o.trials, .seed = sk::seed{o.seed},
                                                               .first_trial = eval.first_trial, .threads = o.threads});
    std::printf("%s: Brian2 script and %d held-out %s trials written to %s\n", m.file.string().c_str(), o.trials,
                std::string(tk.name()).c_str(), o.out.c_str());
    long k = 0;
    for (char c : summary.spikernn.correct) k += c;
    print_score("spikernn on these trials", k, o.trials);
    std::printf("  run it: /usr/bin/python3 %s\n", summary.script.string().c_str());
    return 0;
  }
  const sk::nir_mode mode = sk::nir_mode_of(o.mode);
  sk::nir_export_options opt{.mode = mode,
                             .precision = o.precision == "double" ? sk::nir::dtype::float64 : sk::nir::dtype::float32};
  opt.metadata = {{"task", std::string(tk.name())},
                  {"scaling_factor", sk::nir::tensor::scalar(factor)},
                  {"readout", o.readout_name()},
                  {"rate_model", m.file.filename().string()},
                  {"activation", m.activation}};
  const sk::nir::graph g = sk::to_nir(net, opt);
  sk::io::write_nir(o.out, g);
  std::printf("%s: %s NIR graph (%s, %zu nodes, %zu edges, %s arrays) written to %s\n", m.file.string().c_str(),
              o.mode.c_str(), std::string(tk.name()).c_str(), g.nodes.size(), g.edges.size(),
              o.precision == "double" ? "float64" : "float32", o.out.c_str());
  if (o.check == 0) return 0;
  eval.trials = o.check;
  std::printf("  scored on %d held-out trials (seed %llu):\n", o.check, static_cast<unsigned long long>(o.seed));
  const auto own = sk::evaluate_spiking(net, tk, eval);
  long own_correct = 0;
  for (char c : own.correct) own_correct += c;
  print_score("spikernn's network", own_correct, o.check);
  const sk::nir::graph back = sk::io::read_nir(o.out);
  if (mode == sk::nir_mode::exact) {
    const auto rebuilt = sk::lif_from_nir<double>(back, {}, o.out);
    const auto s = sk::evaluate_spiking(rebuilt, tk, eval);
    long k = 0;
    for (char c : s.correct) k += c;
    print_score(s.correct == own.correct ? "the file, rebuilt (same trials, same result)" : "the file, rebuilt", k, o.check);
  }
  print_score("the file, simulated as a NIR graph",
              score_graph(back, tk, net.params().step(), net.params().steps_per_column, eval), o.check);
  return 0;
}

/// A spiking mode RNN file as its NIR graph; --check scores the file read back (simulated by
/// nir_network in double) beside the network as trained on the first K inputs of its own test
/// set: the model's test encodings of the MNIST test digits, or its context test trials.
template <class Net>
int export_mode_model(const Net& net, const sk::io::mode_snn_description& d, const CLI::App& app, const options& o) {
  namespace sp = sk::smnn_paper;
  sk::require(o.to == "nir", "to", "nir: a spiking mode RNN leaves as a NIR graph (the Brian2 export is for converted LIF networks)");
  sk::require(app.count("--mode") == 0, "mode",
              "no --mode for a spiking mode RNN: its graph has one form (CubaLIF, which portable consumers read)");
  sk::mode_nir_options opt{.precision = o.precision == "double" ? sk::nir::dtype::float64 : sk::nir::dtype::float32,
                           .fold_modes = o.fold_modes};
  opt.metadata = {{"task", d.record.task}, {"mode_model", fs::path(o.model).filename().string()}};
  if (!d.record.test_accuracy.empty()) opt.metadata["test_accuracy"] = sk::nir::tensor::scalar(d.record.test_accuracy.back());
  const sk::nir::graph g = sk::to_nir(net, opt);
  sk::io::write_nir(o.out, g);
  std::printf("%s: spiking mode RNN (N = %ld, P = %ld, %s filter, %s readout) written as a NIR graph (%zu nodes, %zu edges, %s "
              "arrays) to %s\n",
              o.model.c_str(), long(net.size()), long(net.modes()), std::string(sk::to_string(net.params().filter)).c_str(),
              std::string(sk::to_string(net.params().readout)).c_str(), g.nodes.size(), g.edges.size(),
              o.precision == "double" ? "float64" : "float32", o.out.c_str());
  if (o.check == 0) return 0;
  const sk::nir_network<double> proto(sk::io::read_nir(o.out), net.params().dt);
  std::vector<sk::matrix<double>> inputs;
  std::vector<int> labels;  // MNIST: the digits
  std::optional<sk::context_dependent> context;
  std::vector<sk::sequence_sample> trials;
  const sk::seed s{d.record.seed};
  if (sp::parse_task(d.record.task) == sp::task_kind::mnist) {
    const fs::path dir = o.data.empty() ? fs::path("data/mnist") : fs::path(o.data);
    const sp::digit_set test = sp::to_digits(sk::io::load_sequential_mnist(dir, sk::io::mnist_part::test), std::size_t(o.check));
    sk::require(test.size() == std::size_t(o.check), "check", "at most " + std::to_string(test.size()) + " test digits");
    for (std::size_t i = 0; i < test.size(); ++i) inputs.push_back(sp::test_encoding(test, i, sp::mnist_settings{}.steps, s).dense());
    labels = test.labels;
  } else {
    context = sp::context_task(sp::context_settings{});
    trials = sp::context_test_set(*context, o.check, s);
    for (const auto& t : trials) inputs.push_back(t.u);
  }
  // the network as trained, all inputs at once
  typename Net::tape tp;
  std::vector<const sk::matrix<double>*> ptrs;
  for (const auto& u : inputs) ptrs.push_back(&u);
  net.forward(std::span<const sk::matrix<double>* const>(ptrs), tp);
  const sk::index_t B = sk::index_t(inputs.size());
  const auto decide = [&](const sk::matrix<double>& out, std::size_t k) {
    if (context) return context->correct(trials[k], out) ? 1 : 0;
    sk::index_t best = 0;
    out.col(out.cols() - 1).maxCoeff(&best);
    return int(best) == labels[k] ? 1 : 0;
  };
  const sk::nir::tensor* readout =
      g.metadata.count("readout_weight") ? std::get_if<sk::nir::tensor>(&g.metadata.at("readout_weight")) : nullptr;
  std::vector<int> model_ok(inputs.size()), graph_ok(inputs.size());
  std::vector<double> diff(inputs.size());
  const int workers = std::min(sk::thread_count(o.threads), o.check);
  std::vector<sk::nir_network<double>> sims(std::size_t(workers), proto);
  sk::parallel_for(o.check, workers, [&](long k, int worker) {
    const std::size_t i = std::size_t(k);
    sk::matrix<double> model = sk::time_major_trial(tp.o, B, sk::index_t(k)).template cast<double>();
    sk::rng r(s, sk::purpose::user, std::uint64_t(k));  // the graph has no noise: unused
    sk::matrix<double> y = sims[std::size_t(worker)].run(inputs[i], r);
    if (net.params().readout == sk::mode_readout::max_over_time) {  // W_out·max_t r, at the last step
      const sk::vector<double> rm = y.rowwise().maxCoeff();
      y = sk::matrix<double>::Zero(model.rows(), model.cols());
      y.col(y.cols() - 1) = readout->as_matrix("readout_weight") * rm;
    }
    diff[i] = (y - model).cwiseAbs().maxCoeff() / (1e-12 + model.cwiseAbs().maxCoeff());
    model_ok[i] = decide(model, i);
    graph_ok[i] = decide(y, i);
  });
  long a = 0, b = 0, same = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    a += model_ok[i];
    b += graph_ok[i];
    same += model_ok[i] == graph_ok[i];
  }
  std::printf("  scored on the first %d inputs of its %s test set (seed %llu):\n", o.check, d.record.task.c_str(),
              static_cast<unsigned long long>(d.record.seed));
  print_score("the network as trained (float)", a, o.check);
  print_score("the file, simulated as a NIR graph (double)", b, o.check);
  std::printf("  same verdict on %ld of %d; largest output difference %.2g of the output's range\n", same, o.check,
              *std::max_element(diff.begin(), diff.end()));
  return 0;
}

/// --run: simulate a NIR file as it is.
int run_file(const CLI::App& app, const options& o) {
  const sk::nir::graph g = sk::io::read_nir(o.run);
  const double dt = o.dt > 0 ? o.dt : sk::nir::number_or(g.metadata, "dt", 0);
  sk::require(dt > 0, "dt", "the time step in seconds: " + o.run + " has no 'dt' metadata");
  const std::string task = !o.task.empty() ? o.task : sk::nir::text_or(g.metadata, "task", "");
  const sk::nir_network<double> net(g, dt);
  std::printf("%s: NIR %s graph, %zu nodes, %ld inputs, %ld outputs, dt %g s\n", o.run.c_str(), g.version.c_str(),
              g.nodes.size(), long(net.n_inputs()), long(net.n_outputs()), dt);
  if (!o.input.empty()) {
    sk::require(o.output.empty() || !fs::exists(o.output), "output", "a new file: " + o.output + " exists and is not replaced");
    const sk::matrix<double> u = sk::io::read_npy_matrix<double>(o.input);
    sk::require(u.rows() == net.n_inputs(), "input", std::to_string(net.n_inputs()) + " rows (one per input), one column per step");
    sk::nir_network<double> sim = net;
    sk::rng r(sk::seed{o.seed}, sk::purpose::user, 0);
    const sk::matrix<double> y = sim.run(u, r);
    if (!o.output.empty()) sk::io::write_npy(o.output, y);
    std::printf("  %ld steps simulated; outputs %s\n", long(u.cols()), o.output.empty() ? "not saved (--output)" : o.output.c_str());
    return 0;
  }
  sk::require(!task.empty(), "task", "a task to score on (the file does not say), or --input to drive it");
  // steps per 5 ms input column: the graph's, or what dt gives
  const int spc = int(sk::nir::number_or(g.metadata, "steps_per_column", std::round(0.005 / dt)));
  return sk::programs::about_file(app, o.run, [&] {
    return std::visit(
        [&](const auto& tk) {
          sk::spiking_eval_options eval = o.eval();
          eval.first_trial = sk::held_out_first_trial;
          print_score(("task " + std::string(tk.name()) + ", held-out trials").c_str(), score_graph(g, tk, dt, spc, eval),
                      o.trials);
          return 0;
        },
        sk::make_task(task));
  });
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Export a converted spiking network to NIR or Brian2, a spiking mode RNN to NIR, or simulate a NIR file.",
               "spikernn-export"};
  app.add_option("--model", o.model, "A rate model .mat file to convert and export, or a spiking mode RNN's modes.mat");
  app.add_option("--to", o.to, "Export format: nir (NIR graph, HDF5) or brian2 (a script folder)");
  app.add_option("--out", o.out, "The NIR file or the Brian2 folder to write (never overwritten)");
  app.add_option("--mode", o.mode,
                 "NIR mode: exact (double-exponential synapse as two LI stages) or portable (CubaLIF: "
                 "single-exponential synapse, input through it)")
      ->capture_default_str();
  app.add_option("--precision", o.precision, "NIR arrays: single (float32, NIR's usual) or double (float64: exact)")
      ->capture_default_str();
  app.add_option("--factor", o.factor, "Scaling factor (default: the file's opt_scaling_factor)");
  app.add_option("--check", o.check, "Read the NIR file back and score it on this many held-out trials")
      ->capture_default_str();
  app.add_flag("--fold_modes", o.fold_modes,
               "Mode RNN: write the recurrence as one N × N Linear instead of the factors ξ_outᵀ, λ, ξ_in");
  app.add_option("--data", o.data, "Mode RNN on MNIST, with --check: the MNIST folder (default data/mnist)");
  app.add_option("--run", o.run, "Simulate this NIR file (any tool's) instead of exporting");
  app.add_option("--dt", o.dt, "With --run: the time step in s when the file has no 'dt' metadata");
  app.add_option("--input", o.input, "With --run: inputs (n_inputs × steps, NPY) to drive the graph with");
  app.add_option("--output", o.output, "With --run --input: where to save the outputs (NPY)");
  o.trials = 20;
  o.add_to(app, "Trials: the Brian2 export's, or --run's");
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.validate();
    if (!o.run.empty()) {
      sk::require(o.model.empty() && o.to.empty(), "run", "a NIR file to simulate, without --model or --to");
      return run_file(app, o);
    }
    sk::require(!o.model.empty(), "model", "a model .mat file (or --run FILE.nir to simulate one)");
    sk::require(o.to == "nir" || o.to == "brian2", "to", "nir or brian2, got '" + o.to + "'");
    sk::require(!o.out.empty(), "out", "the file (nir) or folder (brian2) to write");
    sk::require(o.precision == "single" || o.precision == "double", "precision", "single or double, got '" + o.precision + "'");
    sk::nir_mode_of(o.mode);
    sk::require(o.check >= 0, "check", "a number of trials (0: no check)");
    sk::require(o.to == "nir" || o.check == 0, "check", "--to nir (the Brian2 script checks itself)");
    if (!fs::exists(o.model)) throw sk::file_error(o.model, "does not exist");
    if (const sk::io::mat_reader probe(o.model); probe.has("format") && probe.string("format") == sk::io::mode_snn_format) {
      const auto d = sk::io::read_mode_snn_description(probe);
      return std::visit([&](const auto& net) { return export_mode_model(net, d, app, o); }, sk::io::load_any_mode_snn(o.model));
    }
    const auto m = sk::io::load_rate_model<float>(o.model);
    const std::string task = sk::programs::task_of(m, o.task);
    o.adopt_search_of(m, app.count("--calibration_trials") > 0);
    return sk::programs::about_file(app, o.model, [&] {
      return std::visit([&](const auto& tk) { return export_model(m, tk, o); }, sk::make_task(task));
    });
  });
}
