// Tasks, trials and random streams: spikernn.Task (go_nogo, xor, mante, mante_port, make_task),
// spikernn.Trial and spikernn.Rng.
#include "common.hpp"

#include <cctype>

namespace spikernn::python {

purpose parse_stream(const py::object& stream) {
  if (py::isinstance<py::int_>(stream)) {
    const long k = stream.cast<long>();
    require(k >= 0, "stream", "a stream name or a non-negative number (user streams), got " + std::to_string(k));
    return static_cast<purpose>(static_cast<std::uint64_t>(purpose::user) + static_cast<std::uint64_t>(k));
  }
  const std::string s = py::str(stream);
  if (s == "training") return purpose::training_trial;
  if (s == "evaluation") return purpose::evaluation_trial;
  if (s == "spiking") return purpose::spiking_trial;
  if (s == "initial") return purpose::initial_run;
  if (s == "noise") return purpose::trial_noise;
  if (s == "user") return purpose::user;
  throw invalid_parameter("stream", "training, evaluation, spiking, initial, noise, user or a number, got '" + s + "'");
}

namespace {

py::dict task_params(const py_task& t) {
  py::dict d;
  std::visit(
      [&](const auto& tk) {
        using T = std::decay_t<decltype(tk)>;
        const auto& p = tk.params();
        d["T"] = p.T;
        d["stim_on"] = p.stim_on;
        d["stim_dur"] = p.stim_dur;
        d["spiking_window_start"] = p.spiking_window_start;
        if constexpr (std::is_same_v<T, go_nogo>) {
          d["go_threshold"] = p.go_threshold;
          d["nogo_threshold"] = p.nogo_threshold;
          d["min_trials_before_stop"] = p.min_trials_before_stop;
        } else if constexpr (std::is_same_v<T, xor_task>) {
          d["delay"] = p.delay;
          d["threshold"] = p.threshold;
          d["eval_from"] = p.eval_from;
        } else if constexpr (std::is_same_v<T, mante>) {
          d["offset"] = p.offset;
          d["threshold"] = p.threshold;
          d["eval_last"] = p.eval_last;
        } else {
          d["coherence"] = p.coherence;
          d["rule"] = p.rule == mante_port_rule::last_outputs ? "last_outputs" : "after_stimulus";
          d["threshold"] = p.threshold;
          d["eval_last"] = p.eval_last;
        }
      },
      t.task);
  return d;
}

trial draw_trial(const py_task& t, bool spiking, std::uint64_t s, std::uint64_t index, const py::object& stream,
                 rng* g) {
  rng own(seed{s}, stream.is_none() ? (spiking ? purpose::spiking_trial : purpose::training_trial) : parse_stream(stream),
          index);
  rng& use = g ? *g : own;
  return std::visit([&](const auto& tk) { return spiking ? tk.spiking_trial(use) : tk.generate(use); }, t.task);
}

std::string trial_repr(const trial& t) {
  return "Trial(condition='" + t.condition + "', label=" + py::str(py::float_(t.label)).cast<std::string>() +
         ", inputs=" + std::to_string(t.u.rows()) + ", steps=" + std::to_string(t.u.cols()) + ")";
}

}  // namespace

void bind_tasks(py::module_& m) {
  py::class_<trial>(m, "Trial", "One trial of a task: stimulus u (n_inputs × T), target z (T), label and condition.")
      .def(py::init([](matrix<double> u, vector<double> z, double label, std::string condition) {
             require(u.cols() == z.size(), "z", "one target per stimulus column (" + std::to_string(u.cols()) + ")");
             return trial{std::move(u), std::move(z), label, std::move(condition)};
           }),
           py::arg("u"), py::arg("z"), py::arg("label") = 0.0, py::arg("condition") = "")
      .def_readwrite("u", &trial::u, "Stimulus, float64 array n_inputs × T; column t drives step t + 1.")
      .def_readwrite("z", &trial::z, "Targets, float64 array (T,); output o_{k+1} is compared with z[k].")
      .def_readwrite("label", &trial::label, "Task label (Go-NoGo: 1 Go / 0 NoGo; XOR, Mante: ±1).")
      .def_readwrite("condition", &trial::condition, "Trial type ('go', 'nogo', '+-', 'context1', 'color', …).")
      .def_property_readonly("n_steps", &trial::n_steps, "T, the number of stimulus columns.")
      .def("__repr__", &trial_repr);

  py::class_<rng>(m, "Rng",
                  "A seeded SplitMix64 stream, the one every spikernn draw comes from: (seed, stream, index) "
                  "names it. Pass it as rng= to continue a stream across calls (e.g. a trial, then its LIF noise, "
                  "as evaluate_spiking does for trial k with Rng(seed, 'spiking', k)).")
      .def(py::init([](std::uint64_t s, const py::object& stream, std::uint64_t index) {
             return rng(seed{s}, parse_stream(stream), index);
           }),
           py::arg("seed") = 1, py::arg("stream") = "user", py::arg("index") = 0)
      .def("uniform", [](rng& g) { return g.uniform(); }, "A draw from U[0, 1).")
      .def("normal", [](rng& g) { return g.normal(); }, "A standard normal draw.")
      .def("copy", [](const rng& g) { return g; }, "An independent copy of the stream in its current state.");

  py::class_<py_task>(m, "Task",
                      "A cognitive task of the original code: makes trials from seeded streams and judges rate and "
                      "spiking outputs by the original rules. Made by go_nogo(), xor(), mante(), mante_port() or "
                      "make_task(name).")
      .def_property_readonly("name", &py_task::name, "Canonical name: go-nogo, xor, mante or mante_port.")
      .def_property_readonly("n_inputs", &py_task::n_inputs, "Input channels.")
      .def_property_readonly("n_steps", [](const py_task& t) { return std::visit([](const auto& k) { return k.n_steps(); }, t.task); },
                             "T, steps of 5 ms per rate trial (a spiking trial has T + 1 input columns).")
      .def_property_readonly("min_trials_before_stop",
                             [](const py_task& t) {
                               return std::visit([](const auto& k) { return k.min_trials_before_stop(); }, t.task);
                             },
                             "Trials before the stop rule may end training (Go-NoGo: 1500).")
      .def_property_readonly("params", &task_params, "The task's settings as a dict.")
      .def(
          "trial",
          [](const py_task& t, std::uint64_t s, std::uint64_t index, const py::object& stream, rng* g) {
            return draw_trial(t, false, s, index, stream, g);
          },
          py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = py::none(), py::arg("rng") = nullptr,
          "A random rate trial (T columns) from the stream (seed, stream, index); stream 'training' by default, so "
          "task.trial(seed, i) is training trial i of train(..., seed=seed). With rng=, continues that Rng "
          "instead.")
      .def(
          "spiking_trial",
          [](const py_task& t, std::uint64_t s, std::uint64_t index, const py::object& stream, rng* g) {
            return draw_trial(t, true, s, index, stream, g);
          },
          py::arg("seed") = 1, py::arg("index") = 0, py::arg("stream") = py::none(), py::arg("rng") = nullptr,
          "A random trial for a spiking network (T + 1 columns) from the stream (seed, 'spiking', index): trial "
          "`index` of evaluate_spiking(..., seed=seed). With rng=, continues that Rng instead.")
      .def(
          "sample_spiking_trials",
          [](const py_task& t) { return std::visit([](const auto& k) { return k.sample_spiking_trials(); }, t.task); },
          "One spiking trial of each type (what spikernn-eval plots).")
      .def(
          "correct",
          [](const py_task& t, const trial& tr, const vector<double>& o) {
            return std::visit([&](const auto& k) { return k.correct(tr, o); }, t.task);
          },
          py::arg("trial"), py::arg("outputs"),
          "The training-evaluation rule on a rate network's T − 1 outputs o_1 … o_{T−1}.")
      .def(
          "spiking_correct",
          [](const py_task& t, const trial& tr, const row_vector<double>& out, double dt) {
            return std::visit([&](const auto& k) { return k.spiking_correct(tr, out, dt); }, t.task);
          },
          py::arg("trial"), py::arg("output"), py::arg("dt") = 5e-5,
          "The spiking rule on a LIF output sampled every dt seconds (LIFTrial.output, LIFTrial.dt).")
      .def("__repr__", [](const py_task& t) {
        std::string s = "Task('" + t.name() + "'";
        for (const auto& [k, v] : task_params(t)) s += ", " + py::str(k).cast<std::string>() + "=" + py::repr(v).cast<std::string>();
        return s + ")";
      });

  const go_nogo_params g0{};
  m.def(
      "go_nogo",
      [](int T, int stim_on, int stim_dur, double go_threshold, double nogo_threshold, double spiking_window_start,
         int min_trials_before_stop) {
        require(min_trials_before_stop >= 0, "min_trials_before_stop", "a non-negative trial count");
        return py_task{go_nogo({T, stim_on, stim_dur, go_threshold, nogo_threshold, spiking_window_start,
                                min_trials_before_stop})};
      },
      py::arg("T") = g0.T, py::arg("stim_on") = g0.stim_on, py::arg("stim_dur") = g0.stim_dur,
      py::arg("go_threshold") = g0.go_threshold, py::arg("nogo_threshold") = g0.nogo_threshold,
      py::arg("spiking_window_start") = g0.spiking_window_start,
      py::arg("min_trials_before_stop") = g0.min_trials_before_stop,
      "The Go-NoGo task: a 125 ms pulse on Go trials (probability 0.5), none on NoGo trials; respond after the "
      "stimulus on Go trials only. 1 input, T = 200 steps of 5 ms.");
  const xor_params x0{};
  m.def(
      "xor",
      [](int T, int stim_on, int stim_dur, int delay, double threshold, int eval_from, double spiking_window_start) {
        return py_task{xor_task({T, stim_on, stim_dur, delay, threshold, eval_from, spiking_window_start})};
      },
      py::arg("T") = x0.T, py::arg("stim_on") = x0.stim_on, py::arg("stim_dur") = x0.stim_dur,
      py::arg("delay") = x0.delay, py::arg("threshold") = x0.threshold, py::arg("eval_from") = x0.eval_from,
      py::arg("spiking_window_start") = x0.spiking_window_start,
      "The XOR task: two ±1 pulses of 250 ms, 50 ms apart; answer +1 when they agree, −1 when not. 2 inputs, "
      "T = 300. Needs a long tau_max (taus=(4, 50)).");
  const mante_params mt0{};
  m.def(
      "mante",
      [](int T, int stim_on, int stim_dur, double offset, double threshold, int eval_last, double spiking_window_start) {
        return py_task{mante({T, stim_on, stim_dur, offset, threshold, eval_last, spiking_window_start})};
      },
      py::arg("T") = mt0.T, py::arg("stim_on") = mt0.stim_on, py::arg("stim_dur") = mt0.stim_dur,
      py::arg("offset") = mt0.offset, py::arg("threshold") = mt0.threshold, py::arg("eval_last") = mt0.eval_last,
      py::arg("spiking_window_start") = mt0.spiking_window_start,
      "The original's context-dependent (Mante) task: two noisy channels N(0,1) ± offset for 1 s and a one-hot "
      "context; report the sign of the cued channel's offset. 4 inputs, T = 500.");
  const mante_port_params mp0{};
  m.def(
      "mante_port",
      [](int T, int stim_on, int stim_dur, double coherence, const std::string& rule, double threshold, int eval_last,
         double spiking_window_start) {
        require(rule == "last_outputs" || rule == "after_stimulus", "rule",
                "last_outputs (the original's) or after_stimulus (the port's), got '" + rule + "'");
        const auto r = rule == "last_outputs" ? mante_port_rule::last_outputs : mante_port_rule::after_stimulus;
        return py_task{mante_port({T, stim_on, stim_dur, coherence, r, threshold, eval_last, spiking_window_start})};
      },
      py::arg("T") = mp0.T, py::arg("stim_on") = mp0.stim_on, py::arg("stim_dur") = mp0.stim_dur,
      py::arg("coherence") = mp0.coherence, py::arg("rule") = "last_outputs", py::arg("threshold") = mp0.threshold,
      py::arg("eval_last") = mp0.eval_last, py::arg("spiking_window_start") = mp0.spiking_window_start,
      "The PyTorch port's Mante variant: a context cue (+1 colour, −1 motion) and constant coherences "
      "~ U(−coherence, coherence) for 1 s, no noise; report the sign of the cued coherence. 4 inputs, T = 500.");
  m.def(
      "make_task", [](const std::string& name) { return py_task{make_task(name)}; }, py::arg("name"),
      "The task with the original's settings for a name as the programs accept it: go-nogo (go_nogo), xor, mante, "
      "mante_port (mante-port).");
  m.def("canonical_task_name", &canonical_task_name, py::arg("name"),
        "The canonical spelling of a task name ('go_nogo' → 'go-nogo'), or '' when unknown.");
}

}  // namespace spikernn::python
