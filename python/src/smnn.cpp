// The spiking mode RNN from Python (spikernn-smnn's library functions, experiment/smnn_paper.hpp):
// ModeSNN (any shipped surrogate), DigitSet (MNIST digits from IDX files), train_smnn_mnist and
// train_smnn_context → SmnnRun, and the network's file (io/mode_snn_file.hpp): save_mode_snn,
// load_mode_snn.
#include "mode_snn_object.hpp"

#include <spikernn/experiment/smnn_paper.hpp>
#include <spikernn/io/mnist.hpp>
#include <spikernn/io/mode_snn_file.hpp>
#include <spikernn/io/npy.hpp>

#include <chrono>
#include <memory>

namespace spikernn::python {

namespace {

namespace sp = smnn_paper;

static_assert(std::is_same_v<any_mode_snn, io::any_mode_snn>, "mode_snn_object.hpp's ModeSNN variant is the file's");

/// One forward pass of `net` (S = double: a float64 copy of its float32 weights) on n_inputs × T.
template <class S, class Sur>
py::dict run_mode_snn(const mode_snn<float, Sur>& net, const matrix<double>& u) {
  matrix<double> o, r, s;
  {
    py::gil_scoped_release nogil;
    const auto go = [&](const auto& x) {
      typename std::decay_t<decltype(x)>::tape tp;
      const matrix<double>* in[] = {&u};
      x.forward(std::span<const matrix<double>* const>(in), tp);
      o = tp.o.template cast<double>();
      r = tp.r.template cast<double>();
      s = tp.s.template cast<double>();
    };
    if constexpr (std::is_same_v<S, float>) {
      go(net);
    } else {
      mode_snn<double, Sur> wide(net.params(), seed{0});
      wide.parameters() = net.parameters().template cast<double>();
      go(wide);
    }
  }
  py::dict d;
  d["output"] = o;
  d["rates"] = r;
  d["spikes"] = s;
  return d;
}

struct py_digits {
  std::shared_ptr<const sp::digit_set> d;
};

struct py_smnn_run {
  sp::training_curves curves;
  double accuracy = 0, loss = 0, hidden_rate_hz = 0, seconds = 0;
  std::string task;
  std::uint64_t seed = 0;
  std::optional<sp::condition_outputs> outputs;  ///< context only
};

template <class F>
decltype(auto) with_snn(const py_mode_snn& n, F&& f) {
  return std::visit(std::forward<F>(f), n.net);
}
template <class F>
decltype(auto) with_snn(py_mode_snn& n, F&& f) {
  return std::visit(std::forward<F>(f), n.net);
}

/// An engine hook: every ~0.1 s it lets Python run its signal handlers. Ctrl-C ends the run — after
/// a checkpoint when the run has a checkpoint file (the engine writes it, then throws
/// training_interrupted), else at once with the KeyboardInterrupt itself.
struct signal_check {
  bool has_checkpoint = false;
  std::optional<py::error_already_set>* pending = nullptr;
  std::chrono::steady_clock::time_point next = std::chrono::steady_clock::now();

  template <class R>
  void after_step(const R&) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next || pending->has_value()) return;
    next = now + std::chrono::milliseconds(100);
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return;
    if (!has_checkpoint) throw py::error_already_set();
    pending->emplace();
    request_interrupt();
  }
};

/// Runs train(check) without the GIL, turning an interruption into KeyboardInterrupt.
template <class Train>
void run_interruptible(const fit_options& run, Train&& train) {
  std::optional<py::error_already_set> pending;
  signal_check check{!run.checkpoint.empty(), &pending};
  try {
    py::gil_scoped_release nogil;
    train(check);
  } catch (const training_interrupted& e) {
    detail::pending_signal().store(0);
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    (std::string(e.what()) + " (continue with resume='" + e.checkpoint_file + "')").c_str());
    throw py::error_already_set();
  }
  if (pending) {  // interrupted on the last step: the run is complete, but the user asked to stop
    detail::pending_signal().store(0);
    const py::error_already_set e = *pending;
    throw e;
  }
}

fit_options run_options(const std::optional<std::filesystem::path>& checkpoint, long every,
                        const std::optional<std::filesystem::path>& resume) {
  require(every >= 0, "checkpoint_every", "a non-negative number of updates");
  fit_options f;
  if (checkpoint) f.checkpoint = *checkpoint;
  else if (resume) f.checkpoint = *resume;
  if (resume) f.resume = *resume;
  f.checkpoint_every = every;
  return f;
}

sp::test_callback reporter(const py::object& progress, const std::string& name, sp::task_kind task) {
  if (progress.is_none()) return {};
  return [&progress, name, task](const sp::test_report& t) {
    py::gil_scoped_acquire gil;
    py::dict d;
    d["at"] = t.at;
    d["of"] = t.of;
    d["loss"] = t.loss;
    d["accuracy"] = t.accuracy;
    d["hidden_rate_hz"] = std::isnan(t.hidden_rate_hz) ? py::object(py::none()) : py::object(py::float_(t.hidden_rate_hz));
    d["line"] = sp::progress_line(name, t, task);
    progress(d);
  };
}

std::string default_name(const py_mode_snn& n) {
  const long size = with_snn(n, [](const auto& x) { return long(x.size()); });
  const long p = with_snn(n, [](const auto& x) { return long(x.modes()); });
  return "N" + std::to_string(size) + "_P" + (p > 0 ? std::to_string(p) : std::string("full")) + "-1";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void bind_smnn(py::module_& m) {
  py::class_<py_mode_snn>(m, "ModeSNN",
                          "A spiking mode-based RNN (Lin & Huang): LIF neurons whose recurrence W_r = ξ_in·diag(λ)·"
                          "ξ_outᵀ has rank P (or a full N × N W_rec), trained through a surrogate gradient (float32).")
      .def(py::init([](const std::string& task, int n, const py::object& p, const std::string& neuron,
                       const std::string& filter, const std::string& surrogate, std::uint64_t sd) {
             int modes = 0;
             if (py::isinstance<py::str>(p)) {
               require(p.cast<std::string>() == "full", "p", "a positive number of modes or 'full'");
             } else {
               modes = p.cast<int>();
               require(modes > 0, "p", "a positive number of modes or 'full'");
               require(modes <= n, "p",
                       "at most the number of neurons n (" + std::to_string(n) + "), or 'full', got " + std::to_string(modes));
             }
             require(filter == "double" || filter == "single", "filter", "single or double, got '" + filter + "'");
             const sp::task_kind tk = sp::parse_task(task);
             const mode_snn_params params =
                 sp::network_params({tk, n, modes, sp::parse_neuron(neuron), filter == "single"});
             io::any_mode_snn net = sp::with_surrogate(surrogate, [&]<class Sur>(std::type_identity<Sur>) {
               return io::any_mode_snn(mode_snn<float, Sur>(params, seed{sd}));
             });
             return py_mode_snn{std::move(net), task, sd};
           }),
           py::arg("task") = "mnist", py::kw_only(), py::arg("n") = 100, py::arg("p") = 3, py::arg("neuron") = "lif",
           py::arg("filter") = "double", py::arg("surrogate") = "fast_sigmoid", py::arg("seed") = 1,
           "The network spikernn-smnn trains for task 'mnist' (784 inputs, 10 outputs, max over time) or 'context' "
           "(4 inputs, 1 output per step): n neurons, p modes (or 'full'), neuron 'lif' (the paper's) or 'leaky' "
           "(snnTorch's), the 'double' (figures') or 'single' rate filter, surrogate fast_sigmoid, arctan, sigmoid or "
           "straight_through, drawn from `seed`.")
      .def_property_readonly("task", [](const py_mode_snn& n) { return n.task; })
      .def_property_readonly("seed", [](const py_mode_snn& n) { return n.seed; })
      .def_property_readonly("n", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return long(x.size()); }); })
      .def_property_readonly("p", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return long(x.modes()); }); },
                             "Modes P (0 for a full-rank network).")
      .def_property_readonly("full_rank", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return x.full_rank(); }); })
      .def_property_readonly("n_inputs", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return long(x.n_inputs()); }); })
      .def_property_readonly("n_outputs", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return long(x.n_outputs()); }); })
      .def_property_readonly("surrogate", [](const py_mode_snn& n) {
        return with_snn(n, [](const auto& x) { return std::string(std::decay_t<decltype(x)>::surrogate::name); });
      })
      .def_property_readonly("neuron", [](const py_mode_snn& n) {
        return with_snn(n, [](const auto& x) { return std::string(to_string(x.params().neuron)); });
      })
      .def_property_readonly("filter", [](const py_mode_snn& n) {
        return with_snn(n, [](const auto& x) { return std::string(to_string(x.params().filter)); });
      })
      .def_property_readonly("dt", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return x.params().dt; }); },
                             "Seconds per step.")
      .def_property(
          "parameters", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return vector<float>(x.parameters()); }); },
          [](py_mode_snn& n, const matrix<float>& v) {
            with_snn(n, [&](auto& x) {
              require(v.size() == x.parameters().size() && v.allFinite(), "parameters",
                      std::to_string(x.parameters().size()) + " finite values");
              x.parameters() = Eigen::Map<const vector<float>>(v.data(), v.size());
            });
          },
          "Every parameter as one flat float32 vector (w_in, xi_in, lambda, xi_out, w_out, w_rec). Assignable.")
      .def_property_readonly("w_in", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return matrix<float>(x.w_in()); }); },
                             "Input weights, N × n_inputs.")
      .def_property_readonly("w_out", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return matrix<float>(x.w_out()); }); },
                             "Readout, n_outputs × N.")
      .def_property_readonly("xi_in", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return matrix<float>(x.xi_in()); }); },
                             "Input modes ξ_in, N × P (N × 0 when full rank).")
      .def_property_readonly("xi_out", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return matrix<float>(x.xi_out()); }); },
                             "Output modes ξ_out, N × P.")
      .def_property_readonly("mode_strengths", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return vector<float>(x.lambda()); }); },
                             "λ, P mode strengths (the file's `lambda`).")
      .def_property_readonly("recurrent_matrix", [](const py_mode_snn& n) { return with_snn(n, [](const auto& x) { return x.recurrent_matrix(); }); },
                             "W_r (N × N), formed explicitly.")
      .def(
          "run",
          [](const py_mode_snn& n, const matrix<double>& u, const std::string& precision) {
            require(precision == "single" || precision == "double", "precision",
                    "single (the network's float32) or double (a float64 copy of its weights), got '" + precision + "'");
            return with_snn(n, [&]<class Sur>(const mode_snn<float, Sur>& x) -> py::dict {
              require(u.rows() == x.n_inputs() && u.cols() > 0 && u.allFinite(), "inputs",
                      std::to_string(x.n_inputs()) + " rows (one per input), one column per step, finite values");
              return precision == "double" ? run_mode_snn<double>(x, u) : run_mode_snn<float>(x, u);
            });
          },
          py::arg("inputs"), py::kw_only(), py::arg("precision") = "single",
          "One forward pass on inputs (n_inputs × T, one column per step of dt): a dict of 'output' (n_outputs × T: "
          "W_out·r at every step; max_over_time (mnist): W_out·max_t r in the last column, 0 before), 'rates' (the "
          "filtered rates r, N × T) and 'spikes' (N × T, 0/1). precision='double' runs a float64 copy of the weights "
          "(what an export_nir(..., precision='double') file simulates). Without the GIL.")
      .def("copy", [](const py_mode_snn& n) { return n; })
      .def("__copy__", [](const py_mode_snn& n) { return n; })
      .def("__deepcopy__", [](const py_mode_snn& n, const py::dict&) { return n; }, py::arg("memo"))
      .def("__repr__", [](const py_mode_snn& n) {
        const long size = with_snn(n, [](const auto& x) { return long(x.size()); });
        const long p = with_snn(n, [](const auto& x) { return long(x.modes()); });
        const std::string sur = with_snn(n, [](const auto& x) { return std::string(std::decay_t<decltype(x)>::surrogate::name); });
        return "ModeSNN('" + n.task + "', n=" + std::to_string(size) + ", p=" + (p > 0 ? std::to_string(p) : std::string("'full'")) +
               ", surrogate='" + sur + "', seed=" + std::to_string(n.seed) + ")";
      });

  py::class_<py_digits>(m, "DigitSet", "MNIST digits as pixel intensities in [0, 1], with their labels.")
      .def("__len__", [](const py_digits& d) { return d.d->size(); })
      .def_property_readonly("labels", [](const py_digits& d) { return d.d->labels; })
      .def_property_readonly("pixels", [](const py_digits& d) {
        const auto& px = d.d->pixels;
        const index_t cols = px.empty() ? 0 : px.front().size();
        matrix<double> out(index_t(px.size()), cols);
        for (std::size_t i = 0; i < px.size(); ++i) out.row(index_t(i)) = px[i].transpose();
        return out;
      }, "count × 784 float64.");
  m.def(
      "mnist_digits",
      [](const std::filesystem::path& dir, const std::string& part, std::size_t limit) {
        require(part == "train" || part == "test", "part", "train or test, got '" + part + "'");
        std::shared_ptr<const sp::digit_set> d;
        {
          py::gil_scoped_release nogil;
          d = std::make_shared<const sp::digit_set>(sp::to_digits(
              io::load_sequential_mnist(dir, part == "train" ? io::mnist_part::train : io::mnist_part::test), limit));
        }
        return py_digits{d};
      },
      py::arg("data_dir"), py::arg("part") = "train", py::kw_only(), py::arg("limit") = 0,
      "The first `limit` (0: all) training or test digits of a folder of MNIST-format IDX files, as spikernn-smnn "
      "reads them (--train_limit / --test_limit).");

  py::class_<py_smnn_run>(m, "SmnnRun", "What train_smnn_mnist / train_smnn_context return.")
      .def_property_readonly("task", [](const py_smnn_run& r) { return r.task; })
      .def_property_readonly("seed", [](const py_smnn_run& r) { return r.seed; })
      .def_property_readonly("accuracy", [](const py_smnn_run& r) { return r.accuracy; }, "The last test's accuracy.")
      .def_property_readonly("loss", [](const py_smnn_run& r) { return r.loss; },
                             "The last epoch's (MNIST) or round's (context) training loss.")
      .def_property_readonly("hidden_rate_hz", [](const py_smnn_run& r) { return r.hidden_rate_hz; },
                             "Mean firing rate of the hidden neurons on the test set after training.")
      .def_property_readonly("seconds", [](const py_smnn_run& r) { return r.seconds; })
      .def_property_readonly("test_x", [](const py_smnn_run& r) { return to_numpy(r.curves.test_x); },
                             "When the tests ran: epochs from 0 (MNIST) or rounds from 1 (context).")
      .def_property_readonly("test_accuracy", [](const py_smnn_run& r) { return to_numpy(r.curves.test_accuracy); })
      .def_property_readonly("train_loss", [](const py_smnn_run& r) { return to_numpy(r.curves.train_loss); })
      .def_property_readonly("mean_output_per_condition", [](const py_smnn_run& r) -> py::object {
        if (!r.outputs) return py::none();
        return py::cast(r.outputs->mean);
      }, "Context: mean output per condition (4 × T) on the test trials (None for MNIST).")
      .def_property_readonly("sd_output_per_condition", [](const py_smnn_run& r) -> py::object {
        if (!r.outputs) return py::none();
        return py::cast(r.outputs->sd);
      })
      .def_property_readonly("time_s", [](const py_smnn_run& r) -> py::object {
        if (!r.outputs) return py::none();
        return to_numpy(r.outputs->time_s);
      })
      .def("__repr__", [](const py_smnn_run& r) {
        return "SmnnRun(task='" + r.task + "', accuracy=" + py::repr(py::float_(r.accuracy)).cast<std::string>() +
               ", loss=" + py::repr(py::float_(r.loss)).cast<std::string>() + ")";
      });

  m.def(
      "train_smnn_mnist",
      [](py_mode_snn& net, const py_digits& train, const py_digits& test, int steps, int epochs, int batches_per_epoch,
         int batch, int test_every, double lr, double clip, std::optional<std::uint64_t> sd, const py::object& progress,
         const std::string& name, std::optional<std::filesystem::path> checkpoint, long checkpoint_every,
         std::optional<std::filesystem::path> resume) {
        require(net.task == "mnist", "net", "a network made for task 'mnist', got one for '" + net.task + "'");
        require(progress.is_none() || PyCallable_Check(progress.ptr()), "progress", "a callable or None");
        const sp::mnist_settings ms{steps, epochs, batches_per_epoch, batch, test_every, lr, clip};
        ms.validate();
        const seed use{sd.value_or(net.seed)};
        const fit_options run = run_options(checkpoint, checkpoint_every, resume);
        const sp::test_callback report = reporter(progress, name.empty() ? default_name(net) : name, sp::task_kind::mnist);
        py_smnn_run out;
        out.task = "mnist";
        out.seed = use.value;
        const auto t0 = std::chrono::steady_clock::now();
        run_interruptible(run, [&](signal_check& check) {
          with_snn(net, [&](auto& x) {
            const sp::mnist_result r = sp::train_mnist(x, *train.d, *test.d, ms, use, run, report, check);
            out.curves = r.curves;
            out.accuracy = r.accuracy;
            out.loss = r.loss;
            out.hidden_rate_hz = r.hidden_rate_hz;
          });
        });
        out.seconds = seconds_since(t0);
        return out;
      },
      py::arg("net"), py::arg("train"), py::arg("test"), py::kw_only(), py::arg("steps") = 50, py::arg("epochs") = 101,
      py::arg("batches_per_epoch") = 5, py::arg("batch") = 256, py::arg("test_every") = 10, py::arg("lr") = 1e-3,
      py::arg("clip") = 20.0, py::arg("seed") = py::none(), py::arg("progress") = py::none(), py::arg("name") = "",
      py::arg("checkpoint") = py::none(), py::arg("checkpoint_every") = 0, py::arg("resume") = py::none(),
      "Trains the network on MNIST as spikernn-smnn --task mnist (smnn_paper::train_mnist): Bernoulli-encoded digits "
      "over `steps` steps, `batches_per_epoch` fresh random batches per epoch, softmax then cross entropy, Adam "
      "(PyTorch form), gradient norm clipped at `clip`, a test every test_every epochs and after the last; every "
      "draw from `seed` (default: the network's). progress(dict) at every test: at, of, loss, accuracy, "
      "hidden_rate_hz and `line`, the program's progress line (named `name`, default N<n>_P<p>-1). Runs without "
      "the GIL; Ctrl-C raises KeyboardInterrupt (after the checkpoint when checkpoint= is set).");

  m.def(
      "train_smnn_context",
      [](py_mode_snn& net, int steps, int rounds, int steps_per_round, int batch, int test_trials, double lr, double clip,
         std::optional<std::uint64_t> sd, const py::object& progress, const std::string& name,
         std::optional<std::filesystem::path> checkpoint, long checkpoint_every, std::optional<std::filesystem::path> resume) {
        require(net.task == "context", "net", "a network made for task 'context', got one for '" + net.task + "'");
        require(progress.is_none() || PyCallable_Check(progress.ptr()), "progress", "a callable or None");
        const sp::context_settings cs{steps, rounds, steps_per_round, batch, test_trials, lr, clip};
        cs.validate();
        const seed use{sd.value_or(net.seed)};
        const fit_options run = run_options(checkpoint, checkpoint_every, resume);
        const sp::test_callback report = reporter(progress, name.empty() ? default_name(net) : name, sp::task_kind::context);
        py_smnn_run out;
        out.task = "context";
        out.seed = use.value;
        const auto t0 = std::chrono::steady_clock::now();
        run_interruptible(run, [&](signal_check& check) {
          with_snn(net, [&](auto& x) {
            sp::context_result r = sp::train_context(x, cs, use, run, report, check);
            out.curves = r.curves;
            out.accuracy = r.accuracy;
            out.loss = r.loss;
            out.hidden_rate_hz = r.outputs.hidden_rate_hz;
            out.outputs = std::move(r.outputs);
          });
        });
        out.seconds = seconds_since(t0);
        return out;
      },
      py::arg("net"), py::kw_only(), py::arg("steps") = 500, py::arg("rounds") = 400, py::arg("steps_per_round") = 3,
      py::arg("batch") = 100, py::arg("test_trials") = 200, py::arg("lr") = 1e-3, py::arg("clip") = 20.0,
      py::arg("seed") = py::none(), py::arg("progress") = py::none(), py::arg("name") = "",
      py::arg("checkpoint") = py::none(), py::arg("checkpoint_every") = 0, py::arg("resume") = py::none(),
      "Trains the network on the context-dependent task as spikernn-smnn --task context "
      "(smnn_paper::train_context): `rounds` fresh batches of `batch` trials of `steps` steps, steps_per_round "
      "updates on each, L2-norm loss, Adam, clipping; the test accuracy about 20 times and after the last "
      "round, then the mean output per condition on the test trials. progress, seed, checkpoint as "
      "train_smnn_mnist.");

  m.def(
      "save_mode_snn",
      [](const std::filesystem::path& path, const py_mode_snn& net, const py_smnn_run* run,
         std::optional<std::filesystem::path> npy_dir) {
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());  // as the program
        io::mode_snn_record rec;
        rec.task = net.task;
        rec.seed = net.seed;
        rec.test_x_name = net.task == "mnist" ? "test_epochs" : "test_rounds";
        if (run) {
          rec.seed = run->seed;
          rec.test_x = run->curves.test_x;
          rec.test_accuracy = run->curves.test_accuracy;
          rec.train_loss = run->curves.train_loss;
        }
        with_snn(net, [&](const auto& x) { io::save_mode_snn(path, x, rec, npy_dir.value_or(std::filesystem::path{})); });
        if (run && run->outputs) io::write_npy(npy_dir.value_or(path.parent_path() / "npy") / "mean_output_per_condition.npy",
                                               run->outputs->mean);
        return path.string();
      },
      py::arg("path"), py::arg("net"), py::arg("run") = nullptr, py::kw_only(), py::arg("npy_dir") = py::none(),
      "Writes the network as spikernn-smnn writes modes.mat (creating its folder; and npy_dir/<name>.npy, default npy/ beside it): the "
      "trained blocks, the mode importance, what rebuilds it, and with run= its test and loss curves (and, for "
      "context, npy/mean_output_per_condition.npy). Atomic. Returns the path.");
  m.def(
      "load_mode_snn",
      [](const std::filesystem::path& path) {
        const io::mode_snn_description d = io::read_mode_snn_description(path);
        return py_mode_snn{io::load_any_mode_snn(path), d.record.task, d.record.seed};
      },
      py::arg("path"), "The network of a modes.mat file (spikernn-smnn's or save_mode_snn's), with its surrogate.");
}

}  // namespace spikernn::python
