// Rate networks: spikernn.RateRNN (a trainable network), spikernn.RateModel (a network as its
// file stores it), spikernn.train with its TrainResult and TrainProgress, spikernn.evaluate_rate.
#include "common.hpp"

#include <cmath>

namespace spikernn::python {

any_rnn make_rnn(const rate_rnn_params& p, const std::string& activation, bool apply_dale, seed s) {
  if (activation == "sigmoid") return apply_dale ? any_rnn(rnn<sigmoid, dale>(p, s)) : any_rnn(rnn<sigmoid, no_dale>(p, s));
  if (activation == "softplus")
    return apply_dale ? any_rnn(rnn<softplus, dale>(p, s)) : any_rnn(rnn<softplus, no_dale>(p, s));
  if (activation == "clipped_relu")
    return apply_dale ? any_rnn(rnn<clipped_relu, dale>(p, s)) : any_rnn(rnn<clipped_relu, no_dale>(p, s));
  throw invalid_parameter("activation", "sigmoid, softplus or clipped_relu, got '" + activation + "'");
}

namespace {

template <class F>
decltype(auto) with_net(py_rate_rnn& n, F&& f) {
  return std::visit(std::forward<F>(f), n.net);
}
template <class F>
decltype(auto) with_net(const py_rate_rnn& n, F&& f) {
  return std::visit(std::forward<F>(f), n.net);
}

std::string activation_of(const py_rate_rnn& n) {
  return with_net(n, [](const auto& net) { return std::string(std::decay_t<decltype(net)>::activation_type::name); });
}
bool dale_of(const py_rate_rnn& n) {
  return with_net(n, [](const auto& net) { return std::decay_t<decltype(net)>::connectivity_type::applies_dale; });
}
const rate_rnn_params& params_of(const py_rate_rnn& n) {
  return with_net(n, [](const auto& net) -> const rate_rnn_params& { return net.params(); });
}

/// taus as Python gives them: a number (fixed τ) or a sequence of one or two.
std::vector<double> parse_taus(const py::object& taus) {
  if (py::isinstance<py::float_>(taus) || py::isinstance<py::int_>(taus)) return {taus.cast<double>()};
  return taus.cast<std::vector<double>>();
}

/// A Task, or a task name.
py_task as_task(const py::object& t) {
  if (py::isinstance<py_task>(t)) return t.cast<py_task>();
  if (py::isinstance<py::str>(t)) return py_task{to_task_variant(make_task(t.cast<std::string>()))};
  if (is_python_task_object(t)) return python_task(t);
  throw invalid_parameter("task", "a spikernn.Task, a task name or a task written in Python (see python_task)");
}

/// A Trial, or a stimulus array u (n_inputs × T) with zero targets.
trial as_trial(const py::object& t) {
  if (py::isinstance<trial>(t)) return t.cast<trial>();
  trial tr;
  tr.u = t.cast<matrix<double>>();
  tr.z = vector<double>::Zero(tr.u.cols());
  return tr;
}

template <class S>
void check_shape(const matrix<S>& a, index_t rows, index_t cols, const std::string& name) {
  require(a.rows() == rows && a.cols() == cols, name,
          "an array of shape (" + std::to_string(rows) + ", " + std::to_string(cols) + "), got (" +
              std::to_string(a.rows()) + ", " + std::to_string(a.cols()) + ")");
  require(a.allFinite(), name, "finite values");
}

py::dict record_dict(const trial_record<float>& r) {
  py::dict d;
  d["u"] = r.u;
  d["z"] = r.z;
  d["x"] = r.x;
  d["r"] = r.r;
  d["o"] = r.o;
  return d;
}

py::dict run_dict(const py_rate_rnn& n, const trial& tr, rng g) {
  return with_net(n, [&](const auto& net) {
    typename std::decay_t<decltype(net)>::tape tp;
    const trial* ptr = &tr;
    {
      py::gil_scoped_release nogil;
      net.forward(std::span<const trial* const>(&ptr, 1), std::span<rng>(&g, 1), tp);
    }
    py::dict d;
    d["x"] = tp.x;
    d["r"] = tp.r;
    d["o"] = vector<float>(tp.o.row(0).transpose());
    return d;
  });
}

std::string rnn_repr(const py_rate_rnn& n) {
  const auto& p = params_of(n);
  std::string taus;
  for (double t : p.taus) taus += (taus.empty() ? "" : ", ") + py::repr(py::float_(t)).cast<std::string>();
  return "RateRNN(n=" + std::to_string(p.n) + ", activation='" + activation_of(n) +
         "', apply_dale=" + (dale_of(n) ? "True" : "False") + ", taus=(" + taus + (p.taus.size() == 1 ? "," : "") +
         "), n_inputs=" + std::to_string(p.n_inputs) + ", seed=" + std::to_string(n.seed) + ")";
}

}  // namespace

void bind_rate(py::module_& m) {
  // Every class first, so that the signatures below name them in Python's terms.
  py::class_<train_progress_record> progress_cls(m, "TrainProgress",
                                                 "What a progress callback of train() is shown: at every evaluation, "
                                                 "and once at the end (final=True).");
  py::class_<py_train_result> result_cls(m, "TrainResult", "The record of a train() run, as the model file keeps it.");
  using RM = py_rate_model;
  py::class_<RM> model_cls(m, "RateModel",
                           "A rate network as data, in the original MAT schema: what load_rate_model returns (also for "
                           "files of the original TensorFlow code and the PyTorch port), what to_lif and "
                           "search_scaling convert.");
  // ---- RateRNN --------------------------------------------------------------------------------
  py::class_<py_rate_rnn> net(m, "RateRNN",
                              "A continuous-rate RNN of Kim, Li & Sejnowski 2019 (float32): Dale's principle, sparse "
                              "recurrent weights, fixed input weights, a trained readout with bias, and fixed or "
                              "trained per-unit synaptic decay. The options are spikernn-train's flags.");
  net.def(py::init([](int n, double p_inh, double p_rec, const py::object& taus, const std::string& activation,
                      bool apply_dale, int som_n, double gain, const std::string& w_dist, std::optional<int> n_inputs,
                      const py::object& task, std::uint64_t s, double dt, double noise_sd, double x0_sd) {
             require(w_dist == "gaus" || w_dist == "gamma", "w_dist", "gaus or gamma, got '" + w_dist + "'");
             int inputs = n_inputs.value_or(1);
             if (!task.is_none()) {
               const int k = as_task(task).n_inputs();
               require(!n_inputs || *n_inputs == k, "n_inputs",
                       "the task's " + std::to_string(k) + " input channels, got " + std::to_string(*n_inputs));
               inputs = k;
             }
             rate_rnn_params p{.n = n,
                               .p_inh = p_inh,
                               .p_rec = p_rec,
                               .gain = gain,
                               .som_n = som_n,
                               .init = w_dist == "gamma" ? weight_init::gamma : weight_init::gaussian,
                               .taus = parse_taus(taus),
                               .n_inputs = inputs,
                               .dt = dt,
                               .noise_sd = noise_sd,
                               .x0_sd = x0_sd};
             return py_rate_rnn{make_rnn(p, activation, apply_dale, seed{s}), s, w_dist};
           }),
           py::kw_only(), py::arg("n") = 200, py::arg("p_inh") = 0.2, py::arg("p_rec") = 0.2,
           py::arg("taus") = py::make_tuple(4.0, 20.0), py::arg("activation") = "sigmoid", py::arg("apply_dale") = true,
           py::arg("som_n") = 0, py::arg("gain") = 1.5, py::arg("w_dist") = "gaus", py::arg("n_inputs") = py::none(),
           py::arg("task") = py::none(), py::arg("seed") = 1, py::arg("dt") = 1.0, py::arg("noise_sd") = 0.1,
           py::arg("x0_sd") = 0.01,
           "taus in steps of 5 ms: one value (fixed) or (min, max) (trained per unit). task= (a Task or a name) sets "
           "n_inputs. seed draws the unit types and every weight, as spikernn-train --seed.");
  net.def_property_readonly("n", [](const py_rate_rnn& s) { return params_of(s).n; }, "Number of units N.")
      .def_property_readonly("n_inputs", [](const py_rate_rnn& s) { return params_of(s).n_inputs; })
      .def_property_readonly("activation", &activation_of, "sigmoid, softplus or clipped_relu.")
      .def_property_readonly("apply_dale", &dale_of)
      .def_property_readonly("taus", [](const py_rate_rnn& s) { return py::tuple(py::cast(params_of(s).taus)); },
                             "The decay setting in steps: (τ,) fixed or (τ_min, τ_max) trained.")
      .def_property_readonly("trains_taus", [](const py_rate_rnn& s) { return params_of(s).taus.size() == 2; })
      .def_property_readonly("p_inh", [](const py_rate_rnn& s) { return params_of(s).p_inh; })
      .def_property_readonly("p_rec", [](const py_rate_rnn& s) { return params_of(s).p_rec; })
      .def_property_readonly("gain", [](const py_rate_rnn& s) { return params_of(s).gain; })
      .def_property_readonly("noise_sd", [](const py_rate_rnn& s) { return params_of(s).noise_sd; },
                             "SD of the noise added to every unit at every step during training and runs.")
      .def_property_readonly("som_n", [](const py_rate_rnn& s) { return params_of(s).som_n; })
      .def_property_readonly("w_dist", [](const py_rate_rnn& s) { return s.w_dist; })
      .def_property_readonly("seed", [](const py_rate_rnn& s) { return s.seed; })
      .def_property(
          "w", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return matrix<float>(n.w()); }); },
          [](py_rate_rnn& s, const matrix<float>& w) {
            with_net(s, [&](auto& n) {
              check_shape(w, n.size(), n.size(), "w");
              n.w() = w;
            });
          },
          "The trainable recurrent weights (N × N, float32), before relu and the sign matrix: Dale networks use "
          "W = (relu(w)·m) ⊙ som_m. Entries that are 0 stay unconnected during training. Assignable (a copy).")
      .def_property_readonly(
          "w_exported", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return n.exported_w(); }); },
          "w as the MAT file stores it (after relu for Dale networks).")
      .def_property_readonly(
          "w_effective", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return n.effective_weights(); }); },
          "The effective recurrent matrix W = (relu(w)·m) ⊙ som_m (Dale) or w ⊙ som_m.")
      .def_property_readonly(
          "w_in", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return n.w_in(); }); },
          "Input weights (N × n_inputs, fixed).")
      .def_property(
          "w_out",
          [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return matrix<float>(n.w_out()); }); },
          [](py_rate_rnn& s, const matrix<float>& w) {
            with_net(s, [&](auto& n) {
              check_shape(w, 1, n.size(), "w_out");
              n.w_out() = w;
            });
          },
          "Readout weights (1 × N). Assignable.")
      .def_property(
          "b_out", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return double(n.b_out()); }); },
          [](py_rate_rnn& s, double b) {
            require(std::isfinite(b), "b_out", "a finite value");
            with_net(s, [&](auto& n) { n.b_out() = static_cast<float>(b); });
          },
          "Readout bias. Assignable.")
      .def_property(
          "taus_gaus",
          [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return vector<float>(n.taus_gaus()); }); },
          [](py_rate_rnn& s, const matrix<float>& g) {
            with_net(s, [&](auto& n) {
              require(g.size() == n.size() && g.allFinite(), "taus_gaus", "N finite values");
              n.taus_gaus() = Eigen::Map<const vector<float>>(g.data(), g.size());
            });
          },
          "Per-unit τ parameters: τ = sigmoid(taus_gaus)·(τ_max − τ_min) + τ_min. Assignable.")
      .def_property_readonly(
          "tau", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return vector<float>(n.taus().matrix()); }); },
          "Per-unit synaptic decay in steps of 5 ms.")
      .def_property_readonly("inh", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return to_numpy(n.types().inh); }); },
                             "True for inhibitory units.")
      .def_property_readonly("exc", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return to_numpy(n.types().exc()); }); })
      .def_property_readonly("n_exc", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return long(n.types().n_exc()); }); })
      .def_property_readonly("n_inh", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return long(n.types().n_inh()); }); })
      .def_property_readonly("m", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return n.types().sign_matrix(); }); },
                             "The diagonal sign matrix (+1 excitatory, −1 inhibitory).")
      .def_property_readonly("som_m", [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return n.types().som_mask; }); },
                             "The SOM mask (N × N, 0 where a SOM unit would receive inhibition).")
      .def_property(
          "parameters",
          [](const py_rate_rnn& s) { return with_net(s, [](const auto& n) { return vector<float>(n.parameters()); }); },
          [](py_rate_rnn& s, const matrix<float>& v) {
            with_net(s, [&](auto& n) {
              require(v.size() == n.parameters().size() && v.allFinite(), "parameters",
                      std::to_string(n.parameters().size()) + " finite values (w, w_out, b_out, taus_gaus)");
              n.parameters() = Eigen::Map<const vector<float>>(v.data(), v.size());
            });
          },
          "Every trainable number as one flat float32 vector (w column-major, w_out, b_out, taus_gaus).")
      .def(
          "run",
          [](const py_rate_rnn& s, const py::object& t, std::uint64_t sd, std::uint64_t index, const py::object& stream) {
            return run_dict(s, as_trial(t), rng(seed{sd}, parse_stream(stream), index));
          },
          py::arg("trial"), py::kw_only(), py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = "user",
          "Runs one trial (a Trial, or a stimulus u of n_inputs × T) with the noise stream (seed, stream, index); "
          "returns {'x': N × T, 'r': N × T, 'o': (T − 1,)} — currents, rates, outputs o_1 … o_{T−1}.")
      .def(
          "to_model",
          [](const py_rate_rnn& s, const py_train_result* fit) {
            py_rate_model out;
            out.m = with_net(s, [&](const auto& n) { return to_rate_model(n, fit ? &fit->res.initial_parameters : nullptr); });
            if (fit) out.m.task = fit->task;
            out.seed = s.seed;
            return out;
          },
          py::arg("fit") = nullptr,
          "The network as data (a RateModel, what a saved file loads as); with fit=, w0 and taus_gaus0 are its "
          "initial weights.")
      .def("copy", [](const py_rate_rnn& s) { return s; }, "An independent copy.")
      .def("__copy__", [](const py_rate_rnn& s) { return s; })
      .def("__deepcopy__", [](const py_rate_rnn& s, const py::dict&) { return s; }, py::arg("memo"))
      .def("__repr__", &rnn_repr);

  // ---- training -------------------------------------------------------------------------------
  progress_cls.def_readonly("trial", &train_progress_record::trial, "Last trial consumed (0-based).")
      .def_readonly("n_trials", &train_progress_record::n_trials)
      .def_readonly("loss", &train_progress_record::loss, "Mean loss of the last step's trials.")
      .def_readonly("evaluated", &train_progress_record::evaluated, "eval_loss and eval_perf are set.")
      .def_readonly("eval_loss", &train_progress_record::eval_loss, "Mean loss over the evaluation's fresh trials.")
      .def_readonly("eval_perf", &train_progress_record::eval_perf, "Fraction of the evaluation's trials correct.")
      .def_readonly("seconds", &train_progress_record::seconds, "Wall time since the run began.")
      .def_readonly("success", &train_progress_record::success, "The stop rule is met.")
      .def_readonly("final", &train_progress_record::final, "The run has ended.")
      .def("__repr__", [](const train_progress_record& r) {
        char line[256];
        std::snprintf(line, sizeof line,
                      "TrainProgress(trial=%ld/%ld, loss=%.4g, eval_loss=%.4g, eval_perf=%.3f, seconds=%.2f%s%s)",
                      r.trial, r.n_trials, r.loss, r.eval_loss, r.eval_perf, r.seconds, r.success ? ", success" : "",
                      r.final ? ", final" : "");
        return std::string(line);
      });

  result_cls.def_property_readonly("success", [](const py_train_result& r) { return r.res.success; }, "The stop rule was met.")
      .def_property_readonly(
          "trials_to_criterion",
          [](const py_train_result& r) -> std::optional<long> {
            if (!r.res.success) return std::nullopt;
            return r.res.trials_to_criterion;
          },
          "Trials consumed when the stop rule was met (None if it was not).")
      .def_property_readonly("last_trial", [](const py_train_result& r) { return r.res.last_trial; },
                             "The original's tr: index of the last training trial.")
      .def_property_readonly("n_trials", [](const py_train_result& r) { return r.n_trials; })
      .def_property_readonly("stopped", [](const py_train_result& r) { return r.stopped; },
                             "A progress callback ended the run.")
      .def_property_readonly("seconds", [](const py_train_result& r) { return r.res.seconds; })
      .def_property_readonly("losses", [](const py_train_result& r) { return to_numpy(r.res.losses); },
                             "Loss of every trial, n_trials long (zeros after an early stop).")
      .def_property_readonly("eval_perf", [](const py_train_result& r) { return r.res.last_eval.perf_mean; },
                             "Accuracy of the last evaluation.")
      .def_property_readonly("eval_loss", [](const py_train_result& r) { return r.res.last_eval.loss_mean; })
      .def_property_readonly("eval_outputs", [](const py_train_result& r) { return r.res.last_eval.outputs; },
                             "The last evaluation's outputs, eval_trials × (T − 1).")
      .def_property_readonly("eval_labels", [](const py_train_result& r) { return to_numpy(r.res.last_eval.labels); })
      .def_property_readonly("eval_conditions", [](const py_train_result& r) { return r.res.last_eval.conditions; })
      .def_property_readonly(
          "history",
          [](const py_train_result& r) {
            std::vector<double> trials, losses, perfs;
            for (const auto& e : r.res.history) {
              trials.push_back(double(e.trial));
              losses.push_back(e.loss_mean);
              perfs.push_back(e.perf_mean);
            }
            py::dict d;
            d["trial"] = to_numpy(trials);
            d["loss"] = to_numpy(losses);
            d["perf"] = to_numpy(perfs);
            return d;
          },
          "Every evaluation: {'trial', 'loss', 'perf'} as arrays.")
      .def_property_readonly("initial", [](const py_train_result& r) { return record_dict(r.res.initial); },
                             "The run before training (the file's x0, r0): {'u', 'z', 'x', 'r', 'o'}.")
      .def_property_readonly("last", [](const py_train_result& r) { return record_dict(r.res.last); },
                             "The last training trial (the file's u, x, r, o, target).")
      .def_property_readonly("initial_parameters", [](const py_train_result& r) { return r.res.initial_parameters; },
                             "The flat parameters before training (w0, taus_gaus0 …).")
      .def_property_readonly("task", [](const py_train_result& r) { return r.task; })
      .def_property_readonly("loss", [](const py_train_result& r) { return std::string(to_string(r.loss)); })
      .def_property_readonly("seed", [](const py_train_result& r) { return r.seed; })
      .def("__repr__", [](const py_train_result& r) {
        return "TrainResult(task='" + r.task + "', success=" + (r.res.success ? "True" : "False") +
               ", last_trial=" + std::to_string(r.res.last_trial) + ", eval_perf=" +
               py::repr(py::float_(r.res.last_eval.perf_mean)).cast<std::string>() +
               ", eval_loss=" + py::repr(py::float_(r.res.last_eval.loss_mean)).cast<std::string>() + ")";
      });

  m.def(
      "train",
      [](py_rate_rnn& n, const py::object& task_obj, long n_trials, double lr, std::optional<std::uint64_t> sd,
         const std::string& loss, int batch, int eval_every, int eval_trials, double loss_below, double perf_above,
         std::optional<long> min_trials, const py::object& progress, std::optional<std::filesystem::path> checkpoint,
         long checkpoint_every, std::optional<std::filesystem::path> resume) {
        const py_task task = as_task(task_obj);
        require(task.n_inputs() == params_of(n).n_inputs, "task",
                "a task with the network's " + std::to_string(params_of(n).n_inputs) + " input channels (" +
                    task.name() + " has " + std::to_string(task.n_inputs()) + ")");
        require(progress.is_none() || PyCallable_Check(progress.ptr()), "progress", "a callable or None");
        require(batch > 0, "batch", "a positive batch size");
        require(checkpoint_every >= 0 && checkpoint_every % batch == 0, "checkpoint_every",
                "a non-negative multiple of batch (trials), got " + std::to_string(checkpoint_every));
        train_call call;
        call.adam.lr = lr;
        call.stop.eval_every = eval_every;
        call.stop.eval_trials = eval_trials;
        call.stop.loss_below = loss_below;
        call.stop.perf_above = perf_above;
        call.stop.min_trials =
            min_trials.value_or(std::visit([](const auto& t) { return long(t.min_trials_before_stop()); }, task.task));
        call.opts.n_trials = n_trials;
        call.opts.batch = batch;
        call.opts.loss = parse_loss(loss);
        call.opts.seed = seed{sd.value_or(n.seed)};
        if (resume) call.opts.resume = *resume;
        if (checkpoint) call.opts.checkpoint = *checkpoint;
        else if (resume) call.opts.checkpoint = *resume;  // a resumed run keeps writing where it was
        call.opts.checkpoint_every = checkpoint_every / batch;
        call.adam.validate();
        call.stop.validate();
        call.opts.validate();
        call.progress = progress;
        const int act = static_cast<int>(n.net.index()) / 2;
        py::gil_scoped_release nogil;
        if (act == 0) return train_sigmoid(n.net, task, call);
        if (act == 1) return train_softplus(n.net, task, call);
        return train_clipped_relu(n.net, task, call);
      },
      py::arg("net"), py::arg("task"), py::kw_only(), py::arg("n_trials") = 6000, py::arg("lr") = 0.01,
      py::arg("seed") = py::none(), py::arg("loss") = "l2", py::arg("batch") = 1, py::arg("eval_every") = 100,
      py::arg("eval_trials") = 100, py::arg("loss_below") = 7.0, py::arg("perf_above") = 0.95,
      py::arg("min_trials") = py::none(), py::arg("progress") = py::none(), py::arg("checkpoint") = py::none(),
      py::arg("checkpoint_every") = 0, py::arg("resume") = py::none(),
      "Trains net on task with the original protocol: one fresh trial per Adam step (TensorFlow's Adam, lr 0.01), "
      "100 fresh trials evaluated after trials 1, 101, 201, …, stop when the mean evaluation loss < loss_below and "
      "accuracy > perf_above after min_trials (the task's: Go-NoGo 1500). seed (default: the network's, as "
      "spikernn-train) draws every trial and its noise. progress(TrainProgress) is called at every evaluation and "
      "at the end; a truthy return stops the run. checkpoint= a file written every checkpoint_every trials (0: only "
      "on Ctrl-C); resume= continues a checkpointed run bit for bit. Runs without the GIL; Ctrl-C ends it after the "
      "trial in progress (and the checkpoint) with KeyboardInterrupt.");

  m.def(
      "evaluate_rate",
      [](const py_rate_rnn& n, const py::object& task_obj, int trials, std::uint64_t sd, const std::string& loss) {
        const py_task task = as_task(task_obj);
        require(task.n_inputs() == params_of(n).n_inputs, "task", "a task with the network's input channels");
        require(trials > 0, "trials", "a positive number of trials");
        const loss_fn l = parse_loss(loss);
        evaluation ev;
        {
          py::gil_scoped_release nogil;
          const int act = static_cast<int>(n.net.index()) / 2;
          ev = act == 0   ? evaluate_rate_sigmoid(n.net, task, trials, seed{sd}, l)
               : act == 1 ? evaluate_rate_softplus(n.net, task, trials, seed{sd}, l)
                          : evaluate_rate_clipped_relu(n.net, task, trials, seed{sd}, l);
        }
        py::dict d;
        d["accuracy"] = ev.perf_mean;
        d["loss"] = ev.loss_mean;
        d["outputs"] = ev.outputs;
        d["labels"] = to_numpy(ev.labels);
        d["conditions"] = ev.conditions;
        return d;
      },
      py::arg("net"), py::arg("task"), py::kw_only(), py::arg("trials") = 100, py::arg("seed") = 1,
      py::arg("loss") = "l2",
      "Scores the rate network on fresh trials (streams (seed, 'evaluation', 0 …)) by the task's training rule: "
      "{'accuracy', 'loss', 'outputs' (trials × (T − 1)), 'labels', 'conditions'}.");

  // ---- RateModel ------------------------------------------------------------------------------
  model_cls.def_property_readonly("n", [](const RM& r) { return r.m.params.n; })
      .def_property_readonly("n_inputs", [](const RM& r) { return r.m.params.n_inputs; })
      .def_property_readonly("som_n", [](const RM& r) { return r.m.params.som_n; })
      .def_property_readonly("taus", [](const RM& r) { return py::tuple(py::cast(r.m.params.taus)); })
      .def_property_readonly("p_rec", [](const RM& r) { return r.m.params.p_rec; })
      .def_property_readonly("p_inh", [](const RM& r) { return r.m.params.p_inh; })
      .def_property_readonly("gain", [](const RM& r) { return r.m.params.gain; })
      .def_property_readonly("noise_sd", [](const RM& r) { return r.m.params.noise_sd; },
                             "SD of the rate noise the network was trained with (the file's noise_sd; 0.1, the "
                             "original's, for files without one).")
      .def_property_readonly("activation", [](const RM& r) { return r.m.activation; })
      .def_property_readonly("apply_dale", [](const RM& r) { return r.m.apply_dale; })
      .def_property_readonly("task", [](const RM& r) -> std::optional<std::string> {
        if (r.m.task.empty()) return std::nullopt;
        return r.m.task;
      }, "The task the file names (None when it does not).")
      .def_property_readonly("file", [](const RM& r) -> std::optional<std::string> {
        if (r.m.file.empty()) return std::nullopt;
        return r.m.file.string();
      })
      .def_property_readonly("seed", [](const RM& r) { return r.seed; })
      .def_property_readonly("opt_scaling_factor", [](const RM& r) { return r.opt_scaling_factor; },
                             "The searched scaling factor the file holds (None before a search).")
      .def_property_readonly("spiking_neuron", [](const RM& r) -> std::optional<std::string> {
        if (r.spiking_neuron.empty()) return std::nullopt;
        return r.spiking_neuron;
      })
      .def_property_readonly("search_estimator", [](const RM& r) -> std::optional<std::string> {
        if (r.search_estimator.empty()) return std::nullopt;
        return r.search_estimator;
      }, "common_trials or fresh_per_factor (None when the file does not say).")
      .def_property_readonly("search_trials", [](const RM& r) -> std::optional<long> {
        if (r.search_trials <= 0) return std::nullopt;
        return r.search_trials;
      }, "Trials per factor of the saved search (None when the file does not say).")
      .def_property_readonly("spiking_readout", [](const RM& r) -> std::optional<std::string> {
        if (r.spiking_readout.empty()) return std::nullopt;
        return r.spiking_readout;
      }, "The readout the saved search scored the factors with: one_to_one or recalibrated (None before a search).")
      .def_property_readonly("calibration_trials", [](const RM& r) -> std::optional<long> {
        if (r.calibration_trials <= 0) return std::nullopt;
        return r.calibration_trials;
      }, "Calibration trials of the saved search's recalibrated readout (None when the file does not say).")
      .def_property_readonly("all_perfs", [](const RM& r) { return to_numpy(r.all_perfs); })
      .def_property_readonly("scaling_factors", [](const RM& r) { return to_numpy(r.scaling_factors); })
      .def_property("w", [](const RM& r) { return r.m.w; },
                    [](RM& r, const matrix<float>& w) {
                      check_shape(w, r.m.params.n, r.m.params.n, "w");
                      r.m.w = w;
                    },
                    "Recurrent weights as stored (after relu in Dale files), N × N float32.")
      .def_property("w0", [](const RM& r) { return r.m.w0; },
                    [](RM& r, const matrix<float>& w) {
                      check_shape(w, r.m.params.n, r.m.params.n, "w0");
                      r.m.w0 = w;
                    })
      .def_property("w_in", [](const RM& r) { return r.m.w_in; },
                    [](RM& r, const matrix<float>& w) {
                      check_shape(w, r.m.params.n, r.m.params.n_inputs, "w_in");
                      r.m.w_in = w;
                    })
      .def_property("w_out", [](const RM& r) { return matrix<float>(r.m.w_out); },
                    [](RM& r, const matrix<float>& w) {
                      check_shape(w, 1, r.m.params.n, "w_out");
                      r.m.w_out = w;
                    })
      .def_property("b_out", [](const RM& r) { return double(r.m.b_out); },
                    [](RM& r, double b) {
                      require(std::isfinite(b), "b_out", "a finite value");
                      r.m.b_out = static_cast<float>(b);
                    })
      .def_property("taus_gaus", [](const RM& r) { return r.m.taus_gaus; },
                    [](RM& r, const matrix<float>& g) {
                      require(g.size() == r.m.params.n && g.allFinite(), "taus_gaus", "N finite values");
                      r.m.taus_gaus = Eigen::Map<const vector<float>>(g.data(), g.size());
                    })
      .def_property("taus_gaus0", [](const RM& r) { return r.m.taus_gaus0; },
                    [](RM& r, const matrix<float>& g) {
                      require(g.size() == r.m.params.n && g.allFinite(), "taus_gaus0", "N finite values");
                      r.m.taus_gaus0 = Eigen::Map<const vector<float>>(g.data(), g.size());
                    })
      .def_property_readonly("inh", [](const RM& r) { return to_numpy(r.m.types.inh); })
      .def_property_readonly("exc", [](const RM& r) { return to_numpy(r.m.types.exc()); })
      .def_property_readonly("m", [](const RM& r) { return r.m.types.sign_matrix(); })
      .def_property_readonly("som_m", [](const RM& r) { return r.m.types.som_mask; })
      .def("tau_steps", [](const RM& r, bool initial) { return r.m.tau_steps(initial); }, py::arg("initial") = false,
           "Per-unit synaptic decay in steps of 5 ms (of taus_gaus0 when initial).")
      .def(
          "rate_outputs",
          [](const RM& r, const py::object& t, std::uint64_t sd, std::uint64_t index, const py::object& stream) {
            const trial tr = as_trial(t);
            const rng g(seed{sd}, parse_stream(stream), index);
            py::gil_scoped_release nogil;
            return rate_outputs(r.m, tr, g);
          },
          py::arg("trial"), py::kw_only(), py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = "user",
          "The rate network's outputs o_1 … o_{T−1} on a trial (or stimulus u), noise from (seed, stream, index).")
      .def(
          "to_rate_rnn",
          [](const RM& r) {
            py_rate_rnn out{visit_rate_rnn(r.m, [](auto&& n) { return any_rnn(std::move(n)); }), r.seed.value_or(0), "gaus"};
            return out;
          },
          "A trainable RateRNN with these weights (to train further or run).")
      .def("copy", [](const RM& r) { return r; })
      .def("__copy__", [](const RM& r) { return r; })
      .def("__deepcopy__", [](const RM& r, const py::dict&) { return r; }, py::arg("memo"))
      .def("__repr__", [](const RM& r) {
        return "RateModel(n=" + std::to_string(r.m.params.n) + ", activation='" + r.m.activation +
               "', apply_dale=" + (r.m.apply_dale ? "True" : "False") + ", task=" +
               (r.m.task.empty() ? std::string("None") : "'" + r.m.task + "'") +
               (r.m.file.empty() ? std::string() : ", file='" + r.m.file.string() + "'") + ")";
      });
}

}  // namespace spikernn::python
