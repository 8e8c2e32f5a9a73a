// Spiking networks: spikernn.to_lif → LIFNetwork (stepped from Python or run a whole trial),
// spikernn.search_scaling (the λ grid search of lambda_grid_search.m), spikernn.evaluate_spiking,
// spikernn.fit_readout (readout recalibration, convert/readout_calibration.hpp) → ReadoutFit,
// Stimulation, and the grids (parse_factors, factor_range).
#include "common.hpp"

#include <cmath>
#include <cstdio>

namespace spikernn::python {

namespace {

/// The keyword arguments of a lif_params, over the neuron's defaults.
lif_params parse_lif(const std::string& neuron, const py::kwargs& kw) {
  lif_params p = neuron == "qif" ? quadratic_if::defaults() : leaky_if::defaults();
  for (const auto& [key, value] : kw) {
    const std::string k = py::str(key);
    if (k == "dt") p.dt = value.cast<double>();
    else if (k == "downsample") p.downsample = value.cast<int>();
    else if (k == "tau_m") p.tau_m = value.cast<double>();
    else if (k == "t_ref") p.t_ref = value.cast<double>();
    else if (k == "v_reset") p.v_reset = value.cast<double>();
    else if (k == "v_peak") p.v_peak = value.cast<double>();
    else if (k == "bias") p.bias = value.cast<double>();
    else if (k == "tau_r") p.tau_r = value.cast<double>();
    else if (k == "noise_mv") p.noise_mv = value.cast<double>();
    else if (k == "v_init_lo") p.v_init_lo = value.cast<double>();
    else if (k == "v_init_hi") p.v_init_hi = value.cast<double>();
    else if (k == "spike_display") p.spike_display = value.cast<double>();
    else if (k == "steps_per_column") p.steps_per_column = value.cast<int>();
    else
      throw invalid_parameter(k, "a LIF constant: dt, downsample, tau_m, t_ref, v_reset, v_peak, bias, tau_r, "
                                 "noise_mv, v_init_lo, v_init_hi, spike_display or steps_per_column");
  }
  p.validate();
  return p;
}

py::dict lif_dict(const lif_params& p) {
  py::dict d;
  d["dt"] = p.dt;
  d["downsample"] = p.downsample;
  d["tau_m"] = p.tau_m;
  d["t_ref"] = p.t_ref;
  d["v_reset"] = p.v_reset;
  d["v_peak"] = p.v_peak;
  d["bias"] = p.bias;
  d["tau_r"] = p.tau_r;
  d["noise_mv"] = p.noise_mv;
  d["v_init_lo"] = p.v_init_lo;
  d["v_init_hi"] = p.v_init_hi;
  d["spike_display"] = p.spike_display;
  d["steps_per_column"] = p.steps_per_column;
  return d;
}

void check_neuron(const std::string& neuron) {
  require(neuron == "lif" || neuron == "qif", "neuron", "lif (leaky) or qif (quadratic), got '" + neuron + "'");
}

/// Calls f(std::type_identity<Neuron>{}) for a neuron name.
template <class F>
decltype(auto) with_neuron(const std::string& neuron, F&& f) {
  check_neuron(neuron);
  if (neuron == "qif") return f(std::type_identity<quadratic_if>{});
  return f(std::type_identity<leaky_if>{});
}

template <class F>
decltype(auto) with_lif(py_lif& l, F&& f) {
  return std::visit(std::forward<F>(f), l.net);
}
template <class F>
decltype(auto) with_lif(const py_lif& l, F&& f) {
  return std::visit(std::forward<F>(f), l.net);
}

/// The task of a model: the file's `task`, else a task name in its path (as lambda_grid_search.m
/// and spikernn-search find it).
std::string model_task(const rate_model<float>& m) {
  std::string t = m.task;
  if (t.empty()) {
    const std::string path = m.file.string();
    for (const char* name : {"go-nogo", "go_nogo", "mante", "mante_port", "mante-port", "xor"})
      if (path.find(name) != std::string::npos) t = name;
  }
  if (t.empty()) throw invalid_parameter("task", "a task: the model does not say which (pass task=)");
  return t;
}

py_task task_for(const py::object& task, const rate_model<float>* m) {
  if (task.is_none()) {
    require(m != nullptr, "task", "a task (a spikernn.Task or a task name)");
    return py_task{to_task_variant(make_task(model_task(*m)))};
  }
  if (py::isinstance<py_task>(task)) return task.cast<py_task>();
  if (py::isinstance<py::str>(task)) return py_task{to_task_variant(make_task(task.cast<std::string>()))};
  if (is_python_task_object(task)) return python_task(task);
  throw invalid_parameter("task", "a spikernn.Task, a task name or a task written in Python (see python_task)");
}

/// A task written in Python must give its spiking rule before a spiking network is scored on it.
void require_spiking_rule(const py_task& t) {
  if (const auto* c = std::get_if<callback_task>(&t.task))
    require(c->description().has_spiking_correct, "task",
            "a task with a spiking rule: " + t.name() + " has no spiking_correct(trial, output, dt)");
}

std::vector<double> factors_of(const py::object& factors, const rate_model<float>& m) {
  if (factors.is_none()) return m.activation == "sigmoid" ? range(20, 75, 5) : range(4, 26, 2);
  if (py::isinstance<py::str>(factors)) return parse_factors(factors.cast<std::string>());
  std::vector<double> f = factors.cast<std::vector<double>>();
  require(!f.empty() && f.size() <= max_grid_values, "factors", "one to " + std::to_string(max_grid_values) + " factors");
  for (double x : f) require(x > 0 && std::isfinite(x), "factors", "positive finite scaling factors");
  return f;
}

lif_stimulation stimulation_of(const py::object& s) {
  if (s.is_none()) return {};
  return s.cast<lif_stimulation>();
}

void check_stimulation(const lif_stimulation& s, index_t n) {
  for (index_t k : s.units)
    require(k >= 0 && k < n, "stimulation", "unit indices in [0, " + std::to_string(n) + "), got " + std::to_string(k));
}

spiking_eval_options eval_options(int trials, int threads, std::uint64_t sd, const lif_stimulation& stim) {
  require(trials > 0, "trials", "a positive number of trials");
  require(threads >= 0, "threads", "0 (all cores) or a positive count");
  return {.trials = trials, .threads = threads, .seed = seed{sd}, .stimulation = stim};
}

/// Spikes as a (k, 2) int64 array of (step, unit).
py::array_t<std::int64_t> spike_array(const std::vector<std::pair<long, index_t>>& spikes) {
  py::array_t<std::int64_t> out({static_cast<py::ssize_t>(spikes.size()), py::ssize_t(2)});
  auto v = out.mutable_unchecked<2>();
  for (std::size_t k = 0; k < spikes.size(); ++k) {
    v(py::ssize_t(k), 0) = spikes[k].first;
    v(py::ssize_t(k), 1) = spikes[k].second;
  }
  return out;
}

/// A score with where its trials came from, and (for a rate model) the rate network's accuracy.
struct py_score {
  spiking_score s;
  std::optional<std::uint64_t> first_trial;  ///< trial k is the stream (seed, 'spiking', first_trial + k)
  std::optional<double> rate_accuracy;
  std::optional<readout_fit> readout;  ///< the readout a recalibrated conversion fitted
};

struct py_search {
  search_result res;
  std::string neuron, task;
  int trials = 0;
  readout_method readout = readout_method::one_to_one;
  int calibration_trials = 0;  ///< of a recalibrated readout
};

/// The readout a search or an evaluation of a rate model reads the LIF network out with, and
/// its calibration trials (checked whatever the readout, as the programs check their flags).
spiking_conversion readout_conversion(spiking_conversion conv, const std::string& readout, int calibration_trials) {
  conv.readout = readout_method_of(readout);
  require(calibration_trials > 0, "calibration_trials", "a positive number of calibration trials");
  conv.calibration.trials = calibration_trials;
  return conv;
}

/// A readout's weights of a numpy array: N values, 1-D or 1 × N.
row_vector<double> readout_weights(const py::array_t<double, py::array::c_style | py::array::forcecast>& w, index_t n) {
  require((w.ndim() == 1 && w.shape(0) == n) || (w.ndim() == 2 && w.shape(0) == 1 && w.shape(1) == n), "w_out",
          "N=" + std::to_string(n) + " readout weights (1-D or 1 × N)");
  return Eigen::Map<const row_vector<double>>(w.data(), n);
}

search_estimator parse_estimator(const std::string& e) {
  if (e == "common" || e == "common_trials") return search_estimator::common_trials;
  if (e == "original" || e == "fresh_per_factor") return search_estimator::fresh_per_factor;
  throw invalid_parameter("estimator", "common (every factor on the same trials) or original (fresh trials per factor, "
                                       "as lambda_grid_search.m), got '" + e + "'");
}

py_lif make_lif(const py_rate_model& rm, double factor, const std::string& neuron, bool initial, double step_seconds,
                const py::kwargs& kw) {
  const lif_params p = parse_lif(neuron, kw);
  require(step_seconds > 0 && std::isfinite(step_seconds), "step_seconds", "a positive step in seconds");
  const conversion_options opt{.use_initial_weights = initial, .step_seconds = step_seconds};
  return with_neuron(neuron, [&]<class N>(std::type_identity<N>) {
    py_lif out{lif_variant(to_lif<double, N>(rm.m, factor, p, opt))};
    out.factor = factor;
    return out;
  });
}

}  // namespace

void bind_spiking(py::module_& m) {
  py::class_<lif_stimulation>(m, "Stimulation",
                              "Optogenetic-like stimulation (the original's stims): during LIF steps [start, stop) a "
                              "coin per step (p = 0.5) adds +amplitude (exc) or −amplitude (inh) mV to every listed "
                              "unit.")
      .def(py::init([](const std::string& kind, std::vector<index_t> units, long start, long stop, double amplitude) {
             require(kind == "exc" || kind == "inh" || kind == "none", "kind", "exc, inh or none, got '" + kind + "'");
             require(kind == "none" || (start >= 1 && stop > start), "start", "1 ≤ start < stop (LIF steps, 1-based)");
             for (index_t u : units) require(u >= 0, "units", "0-based unit indices");
             lif_stimulation s;
             s.kind = kind == "exc" ? lif_stimulation::mode::exc
                      : kind == "inh" ? lif_stimulation::mode::inh
                                      : lif_stimulation::mode::none;
             s.units = std::move(units);
             s.from = start;
             s.to = stop;
             s.amplitude = amplitude;
             return s;
           }),
           py::arg("kind"), py::arg("units"), py::arg("start"), py::arg("stop"), py::arg("amplitude") = 0.5)
      .def_property_readonly("kind", [](const lif_stimulation& s) {
        return s.kind == lif_stimulation::mode::exc ? "exc" : s.kind == lif_stimulation::mode::inh ? "inh" : "none";
      })
      .def_readonly("units", &lif_stimulation::units)
      .def_readonly("start", &lif_stimulation::from)
      .def_readonly("stop", &lif_stimulation::to)
      .def_readonly("amplitude", &lif_stimulation::amplitude);

  using LT = lif_trial<double>;
  py::class_<LT>(m, "LIFTrial", "One simulated trial of a LIFNetwork.")
      .def_property_readonly("output", [](const LT& t) { return vector<double>(t.out.transpose()); },
                             "The network output w_out · r + b_out at every step, (steps,); step i is at time i·dt.")
      .def_property_readonly("spikes", [](const LT& t) { return spike_array(t.spikes); },
                             "(k, 2) int64 array of (step, unit) when recorded (steps 1 … steps, units 0-based).")
      .def_property_readonly("voltages", [](const LT& t) -> py::object {
        if (t.voltages.size() == 0) return py::none();
        return py::cast(t.voltages);
      }, "N × steps membrane potentials (spikes drawn at +30 mV) when recorded, else None.")
      .def_property_readonly("rates", [](const LT& t) -> py::object {
        if (t.rates.size() == 0) return py::none();
        return py::cast(t.rates);
      }, "N × (steps // rate_every) filtered spike trains (Hz) when recorded (column k: step (k + 1)·rate_every), "
         "else None.")
      .def_property_readonly("currents", [](const LT& t) -> py::object {
        if (t.currents.size() == 0) return py::none();
        return py::cast(t.currents);
      }, "N × steps synaptic currents when recorded, else None.")
      .def_readonly("firing_rates", &LT::firing_rates, "Hz per unit (spikes from step 10 on, as the original).")
      .def_readonly("total_spikes", &LT::total_spikes)
      .def_readonly("dt", &LT::dt, "Seconds per step.")
      .def_readonly("duration", &LT::duration, "Seconds.")
      .def_readonly("steps", &LT::steps)
      .def("__repr__", [](const LT& t) {
        return "LIFTrial(steps=" + std::to_string(t.steps) + ", dt=" + py::repr(py::float_(t.dt)).cast<std::string>() +
               ", total_spikes=" + std::to_string(t.total_spikes) + ")";
      });

  py::class_<py_lif>(m, "LIFNetwork",
                     "A leaky (or quadratic) integrate-and-fire network converted from a rate model (to_lif). Run a "
                     "whole trial with run(), or drive it from a Python loop: reset(), then per step set_input(), "
                     "step(), read spiked / output / v / rates, reset_spiked().")
      .def_property_readonly("n", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return long(n.size()); }); })
      .def_property_readonly("n_inputs", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return long(n.n_inputs()); }); })
      .def_property_readonly("neuron", &py_lif::neuron, "lif or qif.")
      .def_readonly("factor", &py_lif::factor, "The scaling factor it was converted at.")
      .def_property_readonly("params", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return lif_dict(n.params()); }); },
                             "The LIF constants (a dict).")
      .def_property_readonly("dt", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.params().step(); }); },
                             "Seconds per step (dt · downsample).")
      .def_property_readonly("w", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.w(); }); },
                             "Recurrent weights (N × N, already divided by the factor; column j: unit j's synapses).")
      .def_property_readonly("w_in", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.w_in(); }); })
      .def_property_readonly("w_out", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return matrix<double>(n.w_out()); }); },
                             "Readout weights (1 × N): the rate network's w_out / factor after conversion.")
      .def_property_readonly("b_out", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return double(n.b_out()); }); },
                             "Readout bias: 0 after conversion (the one-to-one readout has none).")
      .def(
          "set_readout",
          [](py_lif& l, const py::array_t<double, py::array::c_style | py::array::forcecast>& w, double b) {
            with_lif(l, [&](auto& n) { n.set_readout(readout_weights(w, n.size()), b); });
          },
          py::arg("w_out"), py::arg("b_out") = 0.0,
          "Replaces the readout: output = w_out · r + b_out (N weights, 1-D or 1 × N). What a recalibrated readout "
          "installs: lif.set_readout(fit.w_out, fit.b_out) with fit = fit_readout(lif, task).")
      .def_property_readonly("tau_d", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.tau_d(); }); },
                             "Per-unit synaptic decay (s).")
      .def_property_readonly("inh", [](const py_lif& l) -> py::object {
        return with_lif(l, [](const auto& n) -> py::object {
          if (n.inhibitory().size() == 0) return py::none();
          return to_numpy(n.inhibitory());
        });
      }, "True for inhibitory units (None when unknown).")
      .def(
          "reset",
          [](py_lif& l, std::uint64_t sd, std::uint64_t index, const py::object& stream) {
            l.g = rng(seed{sd}, parse_stream(stream), index);
            with_lif(l, [&](auto& n) { n.reset(l.g); });
          },
          py::kw_only(), py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = "user",
          "Initial conditions (v ~ U(−65, 30) mV, synapses at 0) from the stream (seed, stream, index); the steps "
          "that follow draw their noise from it, so the same loop repeats run(u, seed=, index=) exactly.")
      .def(
          "set_input",
          [](py_lif& l, const vector<double>& current) { with_lif(l, [&](auto& n) { n.set_input(current); }); },
          py::arg("current"),
          "The external input current of the coming steps, N values (for a stimulus column u_c: w_in @ u_c).")
      .def(
          "set_stimulation",
          [](py_lif& l, const py::object& s) {
            l.stimulation = stimulation_of(s);
            check_stimulation(l.stimulation, with_lif(l, [](const auto& n) { return n.size(); }));
          },
          py::arg("stimulation"), "The Stimulation step() applies (None: none).")
      .def(
          "step", [](py_lif& l) { step_lif(l.net, l.g, &l.stimulation); },
          "One integration step with the input set last. Units that crossed threshold are in spiked; call "
          "reset_spiked() after reading them.")
      .def("reset_spiked", [](py_lif& l) { with_lif(l, [](auto& n) { n.reset_spiked(); }); },
           "Applies the reset to the units that fired in the last step.")
      .def_property_readonly("spiked", [](const py_lif& l) {
        return with_lif(l, [](const auto& n) {
          const auto& s = n.spiked();
          py::array_t<std::int64_t> out(static_cast<py::ssize_t>(s.size()));
          std::copy(s.begin(), s.end(), out.mutable_data());
          return out;
        });
      }, "Indices of the units that fired in the last step (int64).")
      .def_property_readonly("output", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return double(n.output()); }); },
                             "The network output w_out · r + b_out after the last step.")
      .def_property_readonly("v", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.v(); }); },
                             "Membrane potentials (mV; units that fired are still above threshold until reset_spiked).")
      .def_property_readonly("rates", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.rates(); }); },
                             "Filtered spike trains r (Hz).")
      .def_property_readonly("currents", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.currents(); }); },
                             "Synaptic currents.")
      .def_property_readonly("step_index", [](const py_lif& l) { return with_lif(l, [](const auto& n) { return n.step_index(); }); },
                             "Steps since reset (1-based index of the last step).")
      .def(
          "run",
          [](py_lif& l, const matrix<double>& u, std::uint64_t sd, std::uint64_t index, const py::object& stream, rng* g,
             bool spikes, bool voltages, bool rates, bool currents, const py::object& stim, long rate_every) {
            const lif_stimulation st = stimulation_of(stim);
            check_stimulation(st, with_lif(l, [](const auto& n) { return n.size(); }));
            require(rate_every >= 1, "rate_every", "a recording interval of at least one step");
            rng own(seed{sd}, parse_stream(stream), index);
            rng& use = g ? *g : own;
            const lif_recording rec{
                .spikes = spikes, .voltages = voltages, .rates = rates, .rate_every = rate_every, .currents = currents};
            py::gil_scoped_release nogil;
            return run_lif(l.net, u, use, rec, st);
          },
          py::arg("u"), py::kw_only(), py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = "user",
          py::arg("rng") = nullptr, py::arg("record_spikes") = false, py::arg("record_voltages") = false,
          py::arg("record_rates") = false, py::arg("record_currents") = false, py::arg("stimulation") = py::none(),
          py::arg("rate_every") = 1,
          "Simulates one trial driven by u (n_inputs × columns, 5 ms per column; 100 LIF steps of 0.05 ms per "
          "column), noise from (seed, stream, index) or from rng=. Records the output always, the rest when asked "
          "(the rates at every rate_every-th step only). Runs without the GIL.")
      .def("copy", [](const py_lif& l) { return l; })
      .def("__copy__", [](const py_lif& l) { return l; })
      .def("__deepcopy__", [](const py_lif& l, const py::dict&) { return l; }, py::arg("memo"))
      .def("__repr__", [](const py_lif& l) {
        return "LIFNetwork(n=" + std::to_string(with_lif(l, [](const auto& n) { return long(n.size()); })) + ", neuron='" +
               l.neuron() + "', factor=" + py::repr(py::float_(l.factor)).cast<std::string>() + ")";
      });

  m.def("lif_defaults", [](const std::string& neuron) {
    check_neuron(neuron);
    return lif_dict(neuron == "qif" ? quadratic_if::defaults() : leaky_if::defaults());
  }, py::arg("neuron") = "lif", "The constants of a neuron (keyword arguments of to_lif and the search).");

  m.def(
      "to_lif",
      [](const py::object& model, double factor, const std::string& neuron, bool use_initial_weights,
         double step_seconds, const py::kwargs& kw) {
        const py_rate_model rm = as_rate_model(model);
        return make_lif(rm, factor, neuron, use_initial_weights, step_seconds, kw);
      },
      py::arg("model"), py::arg("factor"), py::kw_only(), py::arg("neuron") = "lif",
      py::arg("use_initial_weights") = false, py::arg("step_seconds") = 0.005,
      "The spiking network of a rate model (a RateModel, a RateRNN or a model file) at scaling factor `factor` "
      "(the paper's 1/λ): W = (relu(w)·m) ⊙ som_m / factor, w_out / factor, w_in unscaled, each unit's synaptic "
      "decay its τ. neuron 'lif' (the original) or 'qif' (SI Table S1). Keyword arguments override the neuron's "
      "constants (see lif_defaults()): dt, downsample, tau_m, t_ref, v_reset, v_peak, bias, tau_r, noise_mv, …");

  py::class_<condition_score>(m, "ConditionScore", "Accuracy on the trials of one condition.")
      .def_readonly("condition", &condition_score::condition)
      .def_readonly("trials", &condition_score::trials)
      .def_readonly("correct", &condition_score::correct)
      .def_property_readonly("accuracy", &condition_score::accuracy)
      .def("__repr__", [](const condition_score& c) {
        char s[160];
        std::snprintf(s, sizeof s, "ConditionScore('%s', %d/%d, accuracy=%.3f)", c.condition.c_str(), c.correct,
                      c.trials, c.accuracy());
        return std::string(s);
      });

  py::class_<readout_fit>(m, "ReadoutFit",
                          "A LIF readout fitted by ridge least squares to the task's targets on the network's own "
                          "filtered spike trains (fit_readout; a recalibrated search or evaluation fits one per "
                          "factor). Install it with LIFNetwork.set_readout(fit.w_out, fit.b_out).")
      .def_property_readonly("w_out", [](const readout_fit& f) { return matrix<double>(f.w_out); },
                             "Readout weights (1 × N).")
      .def_readonly("b_out", &readout_fit::b_out, "Readout bias.")
      .def_readonly("mse_before", &readout_fit::mse_before,
                    "Mean squared error of the network's readout before the fit, on the calibration samples.")
      .def_readonly("mse_after", &readout_fit::mse_after, "… and of the fitted readout, on the same samples.")
      .def_readonly("samples", &readout_fit::samples, "(trial, time) samples fitted: one per 5 ms rate step.")
      .def("__repr__", [](const readout_fit& f) {
        char line[200];
        std::snprintf(line, sizeof line, "ReadoutFit(n=%ld, b_out=%g, mse_before=%.4g, mse_after=%.4g, samples=%ld)",
                      long(f.w_out.size()), f.b_out, f.mse_before, f.mse_after, f.samples);
        return std::string(line);
      });

  py::class_<py_score>(m, "SpikingScore", "A spiking network's score on random trials of a task.")
      .def_property_readonly("factor", [](const py_score& p) { return p.s.factor; },
                             "The scaling factor (0 when a LIFNetwork was scored).")
      .def_property_readonly("accuracy", [](const py_score& p) { return p.s.accuracy; })
      .def_property_readonly("interval", [](const py_score& p) {
        const auto ci = p.s.interval();
        return py::make_tuple(ci.lo, ci.hi);
      }, "The 95 % Wilson interval (lo, hi) of the accuracy.")
      .def_property_readonly("conditions", [](const py_score& p) {
        py::dict d;
        for (const auto& c : p.s.conditions) d[py::str(c.condition)] = c;
        return d;
      }, "condition name → ConditionScore, in order of first appearance.")
      .def_property_readonly("correct", [](const py_score& p) {
        py::array_t<bool> out(static_cast<py::ssize_t>(p.s.correct.size()));
        for (std::size_t k = 0; k < p.s.correct.size(); ++k) out.mutable_data()[k] = p.s.correct[k] != 0;
        return out;
      }, "Per trial: trial k used the stream (seed, 'spiking', first_trial + k).")
      .def_property_readonly("first_trial", [](const py_score& p) { return p.first_trial; },
                             "Index of the stream of trial 0 (HELD_OUT_FIRST_TRIAL for held-out evaluations; None "
                             "for the scores of a search with fresh trials per factor).")
      .def_property_readonly("rate_accuracy", [](const py_score& p) { return p.rate_accuracy; },
                             "The rate network's accuracy on the same trials (evaluations of a rate model; else "
                             "None).")
      .def_property_readonly("readout", [](const py_score& p) { return p.readout; },
                             "The ReadoutFit the network was read out with when the readout was recalibrated (else "
                             "None).")
      .def_property_readonly("trial_conditions", [](const py_score& p) { return p.s.trial_conditions; })
      .def_property_readonly("total_spikes", [](const py_score& p) { return p.s.total_spikes; })
      .def_property_readonly("n_trials", [](const py_score& p) { return long(p.s.correct.size()); })
      .def_property_readonly("spikes_per_trial", [](const py_score& p) {
        return p.s.correct.empty() ? 0.0 : double(p.s.total_spikes) / double(p.s.correct.size());
      })
      .def_property_readonly("unit_rates", [](const py_score& p) { return p.s.unit_rates; },
                             "Hz per unit, mean over trials (spikes from step 10 on).")
      .def_property_readonly("mean_exc_rate", [](const py_score& p) { return p.s.mean_exc_rate; },
                             "Hz, mean over excitatory units.")
      .def_property_readonly("mean_inh_rate", [](const py_score& p) { return p.s.mean_inh_rate; },
                             "Hz, mean over inhibitory units.")
      .def("__repr__", [](const py_score& p) {
        char line[200];
        std::snprintf(line, sizeof line, "SpikingScore(factor=%g, accuracy=%.3f, trials=%zu, exc=%.2f Hz, inh=%.2f Hz)",
                      p.s.factor, p.s.accuracy, p.s.correct.size(), p.s.mean_exc_rate, p.s.mean_inh_rate);
        return std::string(line);
      });

  py::class_<py_search>(m, "SearchResult", "The scaling-factor grid search of one model.")
      .def_property_readonly("factors", [](const py_search& s) { return to_numpy(s.res.factors); })
      .def_property_readonly("perfs", [](const py_search& s) { return to_numpy(s.res.perfs); },
                             "Accuracy per factor (the original's all_perfs).")
      .def_property_readonly("best_index", [](const py_search& s) { return s.res.best_index; })
      .def_property_readonly("best_factor", [](const py_search& s) { return s.res.best_factor(); },
                             "The first factor with the highest accuracy (opt_scaling_factor).")
      .def_property_readonly("best_perf", [](const py_search& s) { return s.res.best_perf(); })
      .def_property_readonly("scores", [](const py_search& s) {
        py::list out;
        for (std::size_t k = 0; k < s.res.scores.size(); ++k) {
          py_score p{s.res.scores[k], std::nullopt, std::nullopt, std::nullopt};
          if (s.res.estimator == search_estimator::common_trials) p.first_trial = 0;
          if (k < s.res.readouts.size()) p.readout = s.res.readouts[k];
          out.append(p);
        }
        return out;
      }, "A SpikingScore per factor.")
      .def_property_readonly("best_at_edge", [](const py_search& s) { return s.res.best_at_edge(); },
                             "The best factor is the first or last of the grid: the best may lie outside it.")
      .def_property_readonly("estimator", [](const py_search& s) { return std::string(to_string(s.res.estimator)); },
                             "common_trials or fresh_per_factor.")
      .def_readonly("neuron", &py_search::neuron)
      .def_readonly("task", &py_search::task)
      .def_readonly("trials", &py_search::trials)
      .def_property_readonly("readout", [](const py_search& s) { return std::string(to_string(s.readout)); },
                             "one_to_one (w_out / factor, the paper's) or recalibrated (refitted at every factor).")
      .def_property_readonly("calibration_trials", [](const py_search& s) -> std::optional<int> {
        if (s.readout != readout_method::recalibrated) return std::nullopt;
        return s.calibration_trials;
      }, "Calibration trials of a recalibrated readout (None for one_to_one).")
      .def_property_readonly("readouts", [](const py_search& s) { return s.res.readouts; },
                             "A ReadoutFit per factor with a recalibrated readout (empty for one_to_one).")
      .def("__repr__", [](const py_search& s) {
        char line[240];
        std::snprintf(line, sizeof line,
                      "SearchResult(task='%s', neuron='%s', readout='%s', best_factor=%g, best_perf=%.2f, factors=%zu)",
                      s.task.c_str(), s.neuron.c_str(), std::string(to_string(s.readout)).c_str(), s.res.best_factor(),
                      s.res.best_perf(), s.res.factors.size());
        return std::string(line);
      });

  m.def(
      "search_scaling",
      [](const py::object& model, const py::object& task_obj, const py::object& factors_obj, int trials, int threads,
         std::uint64_t sd, const std::string& neuron, const std::string& estimator, int extend,
         bool use_initial_weights, const std::string& readout, int calibration_trials, const py::object& progress,
         const py::kwargs& kw) {
        check_neuron(neuron);
        require(progress.is_none() || PyCallable_Check(progress.ptr()), "progress", "a callable or None");
        require(extend >= 0, "extend", "a non-negative number of extensions");
        const py_rate_model rm = as_rate_model(model);
        const py_task task = task_for(task_obj, &rm.m);
        require_spiking_rule(task);
        search_options opt{
            .factors = factors_of(factors_obj, rm.m),
            .eval = eval_options(trials, threads, sd, {}),
            .conversion = readout_conversion(
                {.lif = parse_lif(neuron, kw), .options = {.use_initial_weights = use_initial_weights}}, readout,
                calibration_trials),
            .estimator = parse_estimator(estimator)};
        // after every factor (on this thread, without the GIL): Ctrl-C, then the callback
        opt.on_factor = [&](std::size_t, const spiking_score& sc) {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          if (!progress.is_none()) progress(sc.factor, sc.accuracy);
        };
        py_search out;
        out.neuron = neuron;
        out.task = task.name();
        out.trials = trials;
        out.readout = opt.conversion.readout;
        out.calibration_trials = calibration_trials;
        py::gil_scoped_release nogil;
        out.res = search_model(rm.m, task.task, neuron, opt, extend);
        return out;
      },
      py::arg("model"), py::arg("task") = py::none(), py::kw_only(), py::arg("factors") = py::none(),
      py::arg("trials") = 100, py::arg("threads") = 0, py::arg("seed") = 1, py::arg("neuron") = "lif",
      py::arg("estimator") = "common", py::arg("extend") = 0, py::arg("use_initial_weights") = false,
      py::arg("readout") = "one_to_one", py::arg("calibration_trials") = 100, py::arg("progress") = py::none(),
      "The scaling-factor grid search of lambda_grid_search.m, as spikernn-search: converts the model (a RateModel, "
      "a RateRNN or a model file) at every factor (default 20:5:75 for sigmoid networks, 4:2:26 otherwise; a list "
      "or MATLAB's 'start:step:stop') and scores it on `trials` random trials — estimator 'common' (every factor "
      "on the same trials 0 … trials − 1 of the stream (seed, 'spiking', k)) or 'original' (fresh trials per "
      "factor, as lambda_grid_search.m) — on `threads` threads (0 = all cores; results do not depend on it). "
      "extend=n grows the grid past an edge optimum up to n times. readout 'one_to_one' (w_out / factor, the "
      "paper's) or 'recalibrated' (at every factor, w_out and a bias refitted by least squares to the LIF network's "
      "own filtered spike trains on `calibration_trials` trials of the stream (seed, 'spiking', 2^61 + k), which no "
      "search or evaluation scores; result.readouts holds the fits). The task defaults to the model's. "
      "progress(factor, accuracy) is called after each factor; Ctrl-C stops the search there. Keyword arguments "
      "set LIF constants. Save it into the file with save_scaling_search(path, result).");

  m.def(
      "evaluate_spiking",
      [](const py::object& target, const py::object& task_obj, std::optional<double> factor, int trials, int threads,
         std::uint64_t sd, bool held_out, std::optional<std::string> neuron, bool use_initial_weights,
         std::optional<std::string> readout, std::optional<int> calibration_trials, const py::object& stim,
         const py::kwargs& kw) {
        const lif_stimulation st = stimulation_of(stim);
        spiking_eval_options eval = eval_options(trials, threads, sd, st);
        eval.first_trial = held_out ? held_out_first_trial : 0;
        py_score out;
        out.first_trial = eval.first_trial;
        if (py::isinstance<py_lif>(target)) {
          require(!factor && !neuron && !use_initial_weights && kw.empty(), "factor",
                  "nothing: a LIFNetwork is already converted (factor, neuron, use_initial_weights and LIF constants "
                  "belong to to_lif)");
          require(!readout && !calibration_trials, "readout",
                  "nothing: a LIFNetwork is read out as it is (fit_readout and set_readout change its readout)");
          py_lif& l = target.cast<py_lif&>();
          check_stimulation(st, with_lif(l, [](const auto& n) { return n.size(); }));
          const py_task task = task_for(task_obj, nullptr);
          require_spiking_rule(task);
          py::gil_scoped_release nogil;
          out.s = evaluate_lif(l.net, task.task, eval);
          return out;
        }
        const py_rate_model rm = as_rate_model(target);
        check_stimulation(st, rm.m.params.n);
        const py_task task = task_for(task_obj, &rm.m);
        require_spiking_rule(task);
        if (!factor) factor = rm.opt_scaling_factor;
        require(factor.has_value(), "factor",
                "a scaling factor: the model holds no opt_scaling_factor (run search_scaling and save_scaling_search "
                "first, or pass factor=)");
        const std::string nrn = neuron.value_or(rm.spiking_neuron.empty() ? "lif" : rm.spiking_neuron);
        check_neuron(nrn);
        // the readout and calibration the file's search used, unless named
        const spiking_conversion conv = readout_conversion(
            {.lif = parse_lif(nrn, kw), .options = {.use_initial_weights = use_initial_weights}},
            readout.value_or(rm.spiking_readout.empty() ? "one_to_one" : rm.spiking_readout),
            calibration_trials.value_or(rm.calibration_trials > 0 ? int(rm.calibration_trials) : 100));
        readout_fit fit;
        const bool recalibrated = conv.readout == readout_method::recalibrated;
        {
          py::gil_scoped_release nogil;
          out.s = evaluate_model(rm.m, task.task, *factor, nrn, eval, conv, recalibrated ? &fit : nullptr);
          out.rate_accuracy = rate_accuracy(rm.m, task.task, eval);
        }
        if (recalibrated) out.readout = std::move(fit);
        return out;
      },
      py::arg("target"), py::arg("task") = py::none(), py::kw_only(), py::arg("factor") = py::none(),
      py::arg("trials") = 100, py::arg("threads") = 0, py::arg("seed") = 1, py::arg("held_out") = true,
      py::arg("neuron") = py::none(), py::arg("use_initial_weights") = false, py::arg("readout") = py::none(),
      py::arg("calibration_trials") = py::none(), py::arg("stimulation") = py::none(),
      "Scores a spiking network on `trials` random trials, as spikernn-eval: accuracy with its 95 % interval and a "
      "per-condition breakdown, spikes, unit rates, mean E/I rates, and for a rate model the rate network's "
      "accuracy on the same trials. target is a LIFNetwork (task required), or a rate model (RateModel, RateRNN "
      "or file) converted at `factor` (default: the file's opt_scaling_factor) with `neuron` (default: the file's "
      "spiking_neuron, else lif) and `readout` (default: the file's spiking_readout, else one_to_one; a "
      "recalibrated readout is refitted on `calibration_trials` (default: the file's, else 100) calibration trials "
      "of `seed`, so the search's seed gives the search's readout; score.readout holds the fit). held_out "
      "(default, as spikernn-eval): trials no search uses, trial k from the stream (seed, 'spiking', "
      "HELD_OUT_FIRST_TRIAL + k); held_out=False: the search's trials 0, 1, …");
  m.attr("HELD_OUT_FIRST_TRIAL") = py::int_(held_out_first_trial);

  m.def(
      "fit_readout",
      [](const py_lif& l, const py::object& task_obj, int trials, double ridge, int threads, std::uint64_t sd) {
        require(trials > 0, "trials", "a positive number of calibration trials");
        require(threads >= 0, "threads", "0 (all cores) or a positive count");
        const py_task task = task_for(task_obj, nullptr);
        const readout_calibration_options opt{.trials = trials, .ridge = ridge, .threads = threads, .seed = seed{sd}};
        py::gil_scoped_release nogil;
        return fit_lif_readout(l.net, task.task, opt);
      },
      py::arg("lif"), py::arg("task"), py::kw_only(), py::arg("trials") = 100, py::arg("ridge") = 1e-3,
      py::arg("threads") = 0, py::arg("seed") = 1,
      "Readout recalibration: fits w_out and a bias of a LIFNetwork to the task's targets by ridge least squares "
      "over its own filtered spike trains (sampled once per 5 ms rate step) on `trials` calibration trials, trial k "
      "from the stream (seed, 'spiking', 2^61 + k), which no search or evaluation scores. ridge is relative to the "
      "mean diagonal of the rates' Gram matrix (the bias is not shrunk). The same for any thread count. Returns a "
      "ReadoutFit (w_out, b_out, mse_before, mse_after, samples); the network is unchanged — "
      "lif.set_readout(fit.w_out, fit.b_out) installs it. What search_scaling(readout='recalibrated') fits at "
      "every factor, with the search's seed.");

  m.def("parse_factors", &parse_factors, py::arg("text"),
        "A grid in MATLAB's notation: 'start:step:stop' (stop included), 'start:stop' or '20,25,30'.");
  m.def("factor_range", &range, py::arg("start"), py::arg("stop"), py::arg("step"),
        "start, start + step, … up to and including stop (MATLAB's start:step:stop).");
}

}  // namespace spikernn::python
