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

// ---- tasks written in Python -------------------------------------------------------------------

/// The Python callables of a callback_task; the optional ones are None.
struct callback_task::impl {
  py::object object;  ///< what python_task() was given (None for callables only)
  py::object generate, correct, spiking_trial, spiking_correct, sample_spiking_trials;
};

namespace {

/// "<name>.<method>", the parameter an error about a callback's answer names.
std::string callback_name(const callback_task::info& i, const char* method) { return i.name + "." + method; }

std::string shape_text(index_t rows, index_t cols) {
  return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

/// u of a returned trial: a 2-D array n_inputs × columns (1-D when the task has one input).
matrix<double> trial_inputs(const py::handle& obj, const callback_task::info& i, const std::string& who,
                            index_t expect_cols) {
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj);
  const std::string expected =
      expect_cols > 0 ? shape_text(i.n_inputs, expect_cols) + " (n_inputs × n_steps)"
                      : "(" + std::to_string(i.n_inputs) + ", columns) (n_inputs × columns)";
  require(bool(a), who, "a trial whose u is a numeric array of shape " + expected);
  require(a.ndim() == 2 || (a.ndim() == 1 && i.n_inputs == 1), who,
          "a trial whose u is a 2-D array of shape " + expected + ", got a " + std::to_string(a.ndim()) + "-D array");
  const index_t rows = a.ndim() == 2 ? index_t(a.shape(0)) : 1;
  const index_t cols = a.ndim() == 2 ? index_t(a.shape(1)) : index_t(a.shape(0));
  require(rows == i.n_inputs && (expect_cols > 0 ? cols == expect_cols : cols > 0), who,
          "a trial whose u has shape " + expected + ", got " + shape_text(rows, cols));
  matrix<double> u(rows, cols);
  const double* d = a.data();
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) u(r, c) = d[r * cols + c];
  require(u.allFinite(), who, "a trial whose u holds finite values");
  return u;
}

/// z of a returned trial: one target per column.
vector<double> trial_targets(const py::handle& obj, const std::string& who, index_t cols) {
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj);
  require(bool(a), who, "a trial whose z is a numeric array of " + std::to_string(cols) + " targets");
  const index_t n = index_t(a.size());
  require(a.ndim() == 1 || (a.ndim() == 2 && (a.shape(0) == 1 || a.shape(1) == 1)), who,
          "a trial whose z is a 1-D array of " + std::to_string(cols) + " targets, got a " + std::to_string(a.ndim()) +
              "-D array");
  require(n == cols, who,
          "a trial whose z has one target per column of u (" + std::to_string(cols) + "), got " + std::to_string(n));
  vector<double> z = Eigen::Map<const vector<double>>(a.data(), n);
  require(z.allFinite(), who, "a trial whose z holds finite values");
  return z;
}

/// A generator's answer as a trial: a spikernn.Trial, a tuple (u, z[, label[, condition]]) or a
/// dict with those keys; u of n_inputs × expect_cols (any number of columns when 0).
trial to_trial(const py::handle& r, const callback_task::info& i, const std::string& who, index_t expect_cols) {
  py::object u, z, label = py::float_(0.0), condition = py::str("");
  if (py::isinstance<trial>(r)) {  // checked as it is, without a copy through numpy
    trial t = r.cast<const trial&>();
    const std::string expected = expect_cols > 0 ? shape_text(i.n_inputs, expect_cols) + " (n_inputs × n_steps)"
                                                 : "(" + std::to_string(i.n_inputs) + ", columns) (n_inputs × columns)";
    require(t.u.rows() == i.n_inputs && (expect_cols > 0 ? t.u.cols() == expect_cols : t.u.cols() > 0), who,
            "a trial whose u has shape " + expected + ", got " + shape_text(t.u.rows(), t.u.cols()));
    require(t.z.size() == t.u.cols(), who,
            "a trial whose z has one target per column of u (" + std::to_string(t.u.cols()) + "), got " +
                std::to_string(t.z.size()));
    require(t.u.allFinite(), who, "a trial whose u holds finite values");
    require(t.z.allFinite(), who, "a trial whose z holds finite values");
    return t;
  }
  if (py::isinstance<py::dict>(r)) {
    const auto d = py::reinterpret_borrow<py::dict>(r);
    require(d.contains("u") && d.contains("z"), who, "a trial: a dict with keys u, z (and label, condition)");
    u = d["u"];
    z = d["z"];
    if (d.contains("label")) label = d["label"];
    if (d.contains("condition")) condition = d["condition"];
  } else if (py::isinstance<py::tuple>(r) || py::isinstance<py::list>(r)) {
    const auto t = py::reinterpret_borrow<py::sequence>(r);
    require(t.size() >= 2 && t.size() <= 4, who,
            "a trial: a spikernn.Trial, a tuple (u, z, label, condition) or a dict, got a sequence of " +
                std::to_string(t.size()));
    u = t[0];
    z = t[1];
    if (t.size() > 2) label = t[2];
    if (t.size() > 3) condition = t[3];
  } else {
    throw invalid_parameter(who, "a trial: a spikernn.Trial, a tuple (u, z, label, condition) or a dict, got " +
                                     std::string(py::str(py::type::handle_of(r).attr("__name__"))));
  }
  trial out;
  out.u = trial_inputs(u, i, who, expect_cols);
  out.z = trial_targets(z, who, out.u.cols());
  require(py::isinstance<py::float_>(label) || py::isinstance<py::int_>(label) || py::hasattr(label, "__float__"), who,
          "a trial whose label is a number");
  out.label = label.cast<double>();
  require(py::isinstance<py::str>(condition), who, "a trial whose condition is a str");
  out.condition = condition.cast<std::string>();
  return out;
}

bool truth(const py::object& r) {
  const int v = PyObject_IsTrue(r.ptr());
  if (v < 0) throw py::error_already_set();
  return v == 1;
}

/// Calls a generator with a Python copy of the stream, then continues the stream from where the
/// generator left it (the evaluation draws the trial's LIF noise from the same stream).
trial call_generator(const py::object& f, rng& g, const callback_task::info& i, const char* method, index_t cols) {
  py::object pg = py::cast(g);
  const py::object r = f(pg);
  trial t = to_trial(r, i, callback_name(i, method), cols);
  g = pg.cast<const rng&>();
  return t;
}

/// f() (GIL held); a KeyboardInterrupt it raises during a checkpointed training run asks the engine
/// to stop after this step, and f runs again (the stream g was left as it was, so the same trial).
template <class F>
auto interruptible(F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_KeyboardInterrupt) || callbacks_defer_interrupt().load() == 0) throw;
    request_interrupt();
    return f();
  }
}

}  // namespace

std::atomic<int>& callbacks_defer_interrupt() {
  static thread_local std::atomic<int> n{0};  // per thread: a training run calls back on its own thread
  return n;
}

trial callback_task::generate(rng& g) const {
  py::gil_scoped_acquire gil;
  return interruptible([&] { return call_generator(impl_->generate, g, info_, "generate", info_.n_steps); });
}

bool callback_task::correct(const trial& tr, const vector<double>& o) const {
  py::gil_scoped_acquire gil;
  return interruptible([&] { return truth(impl_->correct(tr, o)); });
}

trial callback_task::spiking_trial(rng& g) const {
  py::gil_scoped_acquire gil;
  if (impl_->spiking_trial.is_none()) return call_generator(impl_->generate, g, info_, "generate", 0);
  return call_generator(impl_->spiking_trial, g, info_, "spiking_trial", 0);
}

bool callback_task::spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const {
  require(info_.has_spiking_correct, "task",
          "a task with a spiking rule: " + info_.name + " has no spiking_correct(trial, output, dt)");
  py::gil_scoped_acquire gil;
  return truth(impl_->spiking_correct(tr, vector<double>(out.transpose()), dt));
}

std::vector<trial> callback_task::sample_spiking_trials() const {
  py::gil_scoped_acquire gil;
  std::vector<trial> out;
  if (impl_->sample_spiking_trials.is_none()) return out;
  const py::object r = impl_->sample_spiking_trials();
  for (const auto& t : r) out.push_back(to_trial(t, info_, callback_name(info_, "sample_spiking_trials"), 0));
  return out;
}

namespace {

/// An attribute of obj (or the keyword given instead); None when neither has it.
py::object member(const py::object& obj, const py::object& given, const char* name) {
  if (!given.is_none()) return given;
  if (!obj.is_none() && py::hasattr(obj, name)) return obj.attr(name);
  return py::none();
}

}  // namespace

py_task python_task(const py::object& obj, const py::object& name, const py::object& n_inputs,
                    const py::object& n_steps, const py::object& generate, const py::object& correct,
                    const py::object& spiking_trial, const py::object& spiking_correct,
                    const py::object& sample_spiking_trials, const py::object& min_trials_before_stop) {
  if (!obj.is_none() && py::isinstance<py_task>(obj)) return obj.cast<py_task>();
  const auto impl = std::shared_ptr<callback_task::impl>(new callback_task::impl, [](callback_task::impl* p) {
    py::gil_scoped_acquire gil;  // the last copy may go on a thread without it
    delete p;
  });
  impl->object = obj;
  callback_task::info i;
  py::object nm = member(obj, name, "name");
  if (nm.is_none()) nm = obj.is_none() ? py::str("python_task") : py::str(py::type::handle_of(obj).attr("__name__"));
  if (PyCallable_Check(nm.ptr()) != 0) nm = nm();
  require(py::isinstance<py::str>(nm) && !nm.cast<std::string>().empty(), "name", "a non-empty str naming the task");
  i.name = nm.cast<std::string>();
  const auto count = [&](const py::object& given, const char* what, int lo, std::optional<int> fallback) {
    py::object v = member(obj, given, what);
    if (!v.is_none() && PyCallable_Check(v.ptr()) != 0) v = v();
    if (v.is_none()) {
      require(fallback.has_value(), what, std::string("an int: the task (") + i.name + ") does not give " + what);
      return *fallback;
    }
    require(py::isinstance<py::int_>(v) || py::hasattr(v, "__index__"), what, std::string("an int, got ") + std::string(py::repr(v)));
    const long k = v.cast<long>();
    require(k >= lo && k <= 1'000'000'000L, what, "an int ≥ " + std::to_string(lo) + ", got " + std::to_string(k));
    return int(k);
  };
  i.n_inputs = count(n_inputs, "n_inputs", 1, std::nullopt);
  i.n_steps = count(n_steps, "n_steps", 2, std::nullopt);
  i.min_trials_before_stop = count(min_trials_before_stop, "min_trials_before_stop", 0, 0);
  const auto callable = [&](const py::object& given, const char* what, bool required) {
    py::object f = member(obj, given, what);
    if (f.is_none()) {
      require(!required, what, std::string("a callable: the task (") + i.name + ") does not give " + what);
      return f;
    }
    require(PyCallable_Check(f.ptr()) != 0, what, "a callable, got " + std::string(py::repr(f)));
    return f;
  };
  impl->generate = callable(generate, "generate", true);
  impl->correct = callable(correct, "correct", true);
  impl->spiking_trial = callable(spiking_trial, "spiking_trial", false);
  impl->spiking_correct = callable(spiking_correct, "spiking_correct", false);
  impl->sample_spiking_trials = callable(sample_spiking_trials, "sample_spiking_trials", false);
  i.has_spiking_trial = !impl->spiking_trial.is_none();
  i.has_spiking_correct = !impl->spiking_correct.is_none();
  return py_task{callback_task(impl, std::move(i))};
}

bool is_python_task_object(const py::handle& obj) {
  return !py::isinstance<py_task>(obj) && py::hasattr(obj, "generate") && py::hasattr(obj, "correct");
}

py_task python_task(const py::object& obj) {
  const py::object none = py::none();
  return python_task(obj, none, none, none, none, none, none, none, none, none);
}

namespace {

py::dict task_params(const py_task& t) {
  py::dict d;
  std::visit(
      [&](const auto& tk) {
        using T = std::decay_t<decltype(tk)>;
        if constexpr (std::is_same_v<T, callback_task>) {
          const auto& i = tk.description();
          d["T"] = i.n_steps;
          d["n_inputs"] = i.n_inputs;
          d["min_trials_before_stop"] = i.min_trials_before_stop;
          d["spiking_trial"] = i.has_spiking_trial;
          d["spiking_correct"] = i.has_spiking_correct;
        } else {
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
                      "make_task(name) — or written in Python: python_task(obj).")
      .def_property_readonly("name", &py_task::name,
                             "Canonical name: go-nogo, xor, mante or mante_port (a Python task: its own name).")
      .def_property_readonly("n_inputs", &py_task::n_inputs, "Input channels.")
      .def_property_readonly("n_steps", [](const py_task& t) { return std::visit([](const auto& k) { return k.n_steps(); }, t.task); },
                             "T, steps of 5 ms per rate trial (a spiking trial has T + 1 input columns).")
      .def_property_readonly("min_trials_before_stop",
                             [](const py_task& t) {
                               return std::visit([](const auto& k) { return k.min_trials_before_stop(); }, t.task);
                             },
                             "Trials before the stop rule may end training (Go-NoGo: 1500).")
      .def_property_readonly("params", &task_params, "The task's settings as a dict.")
      .def_property_readonly(
          "python_object",
          [](const py_task& t) -> py::object {
            if (const auto* c = std::get_if<callback_task>(&t.task)) return c->callbacks().object;
            return py::none();
          },
          "The Python object a python_task() was made from (None for a shipped task or plain callables).")
      .def_property_readonly(
          "is_python", [](const py_task& t) { return std::holds_alternative<callback_task>(t.task); },
          "True for a task written in Python (python_task()).")
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

  m.def(
      "python_task",
      [](const py::object& obj, const py::object& name, const py::object& n_inputs, const py::object& n_steps,
         const py::object& generate, const py::object& correct, const py::object& spiking_trial,
         const py::object& spiking_correct, const py::object& sample_spiking_trials,
         const py::object& min_trials_before_stop) {
        return python_task(obj, name, n_inputs, n_steps, generate, correct, spiking_trial, spiking_correct,
                           sample_spiking_trials, min_trials_before_stop);
      },
      py::arg("obj") = py::none(), py::kw_only(), py::arg("name") = py::none(), py::arg("n_inputs") = py::none(),
      py::arg("n_steps") = py::none(), py::arg("generate") = py::none(), py::arg("correct") = py::none(),
      py::arg("spiking_trial") = py::none(), py::arg("spiking_correct") = py::none(),
      py::arg("sample_spiking_trials") = py::none(), py::arg("min_trials_before_stop") = py::none(),
      "A Task written in Python, usable wherever a Task is (train, evaluate_rate, search_scaling, "
      "evaluate_spiking): an object with the attributes name, n_inputs, n_steps, generate(rng), correct(trial, "
      "outputs) and optionally spiking_trial(rng), spiking_correct(trial, output, dt), sample_spiking_trials(), "
      "min_trials_before_stop — or the same given as keywords (keywords win). A generator draws every random "
      "number from the spikernn.Rng it is handed (then a seed gives the same trials and the thread count does not "
      "matter) and returns a Trial, a tuple (u, z, label, condition) or a dict: u of n_inputs × n_steps (a "
      "spiking trial: any number of columns), z one target per column. Without spiking_trial the spiking "
      "evaluation runs generate()'s trials. Callbacks run with the GIL, everything else without it.");

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
      "make_task", [](const std::string& name) { return py_task{to_task_variant(make_task(name))}; }, py::arg("name"),
      "The task with the original's settings for a name as the programs accept it: go-nogo (go_nogo), xor, mante, "
      "mante_port (mante-port).");
  m.def("canonical_task_name", &canonical_task_name, py::arg("name"),
        "The canonical spelling of a task name ('go_nogo' → 'go-nogo'), or '' when unknown.");
}

}  // namespace spikernn::python
