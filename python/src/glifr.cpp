// The GLIFR paper's networks from Python (spikernn-glifr's library functions,
// experiment/glifr_paper.hpp): GlifrSettings, GlifrDataset (the sine patterns, sequential MNIST
// from IDX files), GlifrModel (the eight GLIFR types, RNN, LSTM), train_glifr → GlifrRun, and
// their files (io/glifr_file.hpp): save_glifr, load_glifr.
#include "common.hpp"

#include <spikernn/experiment/glifr_paper.hpp>
#include <spikernn/io/array_sink.hpp>
#include <spikernn/io/glifr_file.hpp>
#include <spikernn/io/mnist.hpp>

#include <memory>

namespace spikernn::python {

namespace {

namespace gp = glifr_paper;

struct py_glifr_settings {
  gp::settings s;  ///< with_defaults applied
};

struct py_glifr_dataset {
  std::shared_ptr<const gp::dataset> d;  ///< shared: MNIST is large, the object is read-only
};

struct py_glifr_model {
  gp::paper_network net;
  std::string type;
  std::uint64_t seed = 0;
};

struct py_glifr_run {
  gp::run_record r;
  std::shared_ptr<const py_glifr_model> initial;  ///< the network before training
  std::string task;
  int version = 2021;
  bool classify = false;
};

std::string family_of(const gp::paper_network& n) {
  return n.index() == 0 ? "glifr" : (n.index() == 1 ? "rnn" : "lstm");
}

py::object sample_tuple(const sequence_sample& s) { return py::make_tuple(s.u, s.z, s.label); }

py::dict test_dict(const epoch_progress& p, const sequence_score& score) {
  py::dict d;
  d["epoch"] = p.epoch;
  d["epochs"] = p.epochs;
  d["train_loss"] = p.train_loss;
  d["train_accuracy"] = p.train_accuracy >= 0 ? py::object(py::float_(p.train_accuracy)) : py::object(py::none());
  d["test_loss"] = score.loss;
  d["test_accuracy"] = score.accuracy >= 0 ? py::object(py::float_(score.accuracy)) : py::object(py::none());
  d["seconds"] = p.seconds;
  return d;
}

/// The arrays of a model under the names and orientations io::put_glifr_parameters writes them.
template <class M>
py::dict model_arrays(const M& m) {
  py::dict d;
  if constexpr (std::is_same_v<M, glifr_network<float>>) {
    d["weight_iv"] = matrix<float>(m.w_in().transpose());
    d["weight_lat"] = matrix<float>(m.w_rec().transpose());
    d["thresh"] = matrix<float>(m.thresh().transpose());
    d["trans_k_m"] = matrix<float>(m.trans_k_m().transpose());
    const auto ph = m.physical();
    d["k_m"] = matrix<float>(ph.k_m.transpose());
    if (m.n_asc() > 0) {
      d["trans_k_j"] = matrix<float>(m.trans_k_j());
      d["trans_r_j"] = matrix<float>(m.trans_r_j());
      d["a_j"] = matrix<float>(m.a_j());
      d["k_j"] = ph.k_j;
      d["r_j"] = ph.r_j;
    }
  } else if constexpr (std::is_same_v<M, vanilla_rnn<float>>) {
    d["weight_ih"] = matrix<float>(m.w_in().transpose());
    d["weight_lat"] = matrix<float>(m.w_rec().transpose());
    d["bias"] = matrix<float>(m.b_rec());
  } else {
    d["weight_ih"] = matrix<float>(m.w_in());
    d["weight_hh"] = matrix<float>(m.w_rec());
    d["bias_ih"] = matrix<float>(m.b_ih());
    d["bias_hh"] = matrix<float>(m.b_hh());
  }
  d["output_weight"] = matrix<float>(m.w_out());
  d["output_bias"] = matrix<float>(m.b_out());
  return d;
}

/// The type name a loaded network stands for: the file's `type`, else the family's.
std::string type_of_file(const std::filesystem::path& path, const gp::paper_network& net) {
  const io::mat_reader r(path);
  if (r.has("type")) return r.string("type");
  return net.index() == 1 ? "RNN" : (net.index() == 2 ? "LSTM" : "GLIFR");
}

}  // namespace

void bind_glifr(py::module_& m) {
  // ---- settings -------------------------------------------------------------------------------
  py::class_<py_glifr_settings>(m, "GlifrSettings",
                                "A GLIFR paper run's settings (spikernn-glifr's flags), with the version's defaults "
                                "filled in where a value is left out.")
      .def(py::init([](const std::string& task, int version, int epochs, int batch, double lr, int eval_every,
                       int hidden, int delay, double sigma_v, bool anneal) {
             gp::settings s;
             s.task = gp::parse_task(task);
             s.version = version;
             s.epochs = epochs;
             s.batch = batch;
             s.lr = lr;
             s.eval_every = eval_every;
             s.hidden = hidden;
             s.delay = delay;
             s.sigma_v = sigma_v;
             s.anneal = anneal;
             return py_glifr_settings{gp::with_defaults(s)};
           }),
           py::arg("task") = "sine", py::kw_only(), py::arg("version") = 2021, py::arg("epochs") = 0,
           py::arg("batch") = 0, py::arg("lr") = 0.0, py::arg("eval_every") = 0, py::arg("hidden") = 0,
           py::arg("delay") = 0, py::arg("sigma_v") = 1.0, py::arg("anneal") = false,
           "task 'sine', 'lmnist' or 'pmnist'; version 2021 or 2022 (the defaults of A.5–A.7); 0 leaves a value to "
           "the version (hidden 0: the parameter-matched size of each type; delay 0: the paper's).")
      .def_property_readonly("task", [](const py_glifr_settings& s) { return gp::task_name(s.s.task); })
      .def_property_readonly("version", [](const py_glifr_settings& s) { return s.s.version; })
      .def_property_readonly("epochs", [](const py_glifr_settings& s) { return s.s.epochs; })
      .def_property_readonly("batch", [](const py_glifr_settings& s) { return s.s.batch; })
      .def_property_readonly("lr", [](const py_glifr_settings& s) { return s.s.lr; })
      .def_property_readonly("eval_every", [](const py_glifr_settings& s) { return s.s.eval_every; })
      .def_property_readonly("hidden", [](const py_glifr_settings& s) { return s.s.hidden; },
                             "One hidden size for every type (0: the parameter-matched sizes).")
      .def_property_readonly("delay", [](const py_glifr_settings& s) { return s.s.delay; })
      .def_property_readonly("sigma_v", [](const py_glifr_settings& s) { return s.s.sigma_v; })
      .def_property_readonly("anneal", [](const py_glifr_settings& s) { return s.s.anneal; })
      .def(
          "hidden_size",
          [](const py_glifr_settings& s, const std::string& type, int n_in, int n_out) {
            return gp::hidden_size(type, s.s, n_in, n_out);
          },
          py::arg("type"), py::arg("n_inputs"), py::arg("n_outputs"), "The hidden size of a type on this run.")
      .def(
          "delay_steps", [](const py_glifr_settings& s, const std::string& type) { return gp::delay_steps(type, s.s); },
          py::arg("type"), "The recurrent delay of a type in steps of 0.05 ms.")
      .def("__repr__", [](const py_glifr_settings& s) {
        return "GlifrSettings('" + gp::task_name(s.s.task) + "', version=" + std::to_string(s.s.version) +
               ", epochs=" + std::to_string(s.s.epochs) + ", batch=" + std::to_string(s.s.batch) +
               ", lr=" + py::repr(py::float_(s.s.lr)).cast<std::string>() + ")";
      });
  m.def("glifr_types", &gp::type_names, "The network types of the GLIFR paper, in the order of its tables.");

  // ---- data -----------------------------------------------------------------------------------
  py::class_<py_glifr_dataset>(m, "GlifrDataset", "The training and test samples of a GLIFR paper task.")
      .def_property_readonly("n_inputs", [](const py_glifr_dataset& d) { return d.d->n_in; })
      .def_property_readonly("n_outputs", [](const py_glifr_dataset& d) { return d.d->n_out; })
      .def_property_readonly("classify", [](const py_glifr_dataset& d) { return d.d->classify; },
                             "Last-step cross entropy and accuracy (MNIST); else MSE at every step (sine).")
      .def_property_readonly("description", [](const py_glifr_dataset& d) { return d.d->description; })
      .def_property_readonly("n_train", [](const py_glifr_dataset& d) { return d.d->train.size(); })
      .def_property_readonly("n_test", [](const py_glifr_dataset& d) { return d.d->test.size(); })
      .def(
          "train_sample",
          [](const py_glifr_dataset& d, std::size_t i) {
            require(i < d.d->train.size(), "i", "a training sample index below " + std::to_string(d.d->train.size()));
            return sample_tuple(d.d->train[i]);
          },
          py::arg("i"), "Training sample i as (u: n_inputs × T, z: targets, label; −1 without classes).")
      .def(
          "test_sample",
          [](const py_glifr_dataset& d, std::size_t i) {
            require(i < d.d->test.size(), "i", "a test sample index below " + std::to_string(d.d->test.size()));
            return sample_tuple(d.d->test[i]);
          },
          py::arg("i"), "Test sample i as (u, z, label).")
      .def_property_readonly(
          "sine_frequencies",
          [](const py_glifr_dataset& d) -> py::object {
            if (!d.d->sine) return py::none();
            std::vector<double> f;
            for (int i = 0; i < int(d.d->sine->size()); ++i) f.push_back(d.d->sine->frequency(i));
            return to_numpy(f);
          },
          "kHz of each pattern (sine task; None for MNIST).")
      .def("__repr__", [](const py_glifr_dataset& d) { return "GlifrDataset('" + d.d->description + "')"; });
  m.def(
      "glifr_sine_dataset", [] { return py_glifr_dataset{std::make_shared<const gp::dataset>(gp::sine_dataset())}; },
      "The pattern task of the GLIFR paper: 6 sinusoids (T = 100 steps of 0.05 ms), both training and test set.");
  m.def(
      "glifr_mnist_dataset",
      [](const std::filesystem::path& dir, bool pixels, long train_limit, long test_limit) {
        require(train_limit >= 0 && test_limit >= 0, "train_limit", "non-negative limits (0: all)");
        sequential_mnist_params mp;
        mp.sequence = pixels ? mnist_sequence::pixel_by_pixel : mnist_sequence::line_by_line;
        std::shared_ptr<const gp::dataset> d;
        {
          py::gil_scoped_release nogil;
          auto train = io::load_sequential_mnist(dir, io::mnist_part::train, mp);
          auto test = io::load_sequential_mnist(dir, io::mnist_part::test, mp);
          d = std::make_shared<const gp::dataset>(
              gp::mnist_dataset(std::move(train), std::move(test), dir.string(), train_limit, test_limit));
        }
        return py_glifr_dataset{d};
      },
      py::arg("data_dir"), py::kw_only(), py::arg("pixels") = false, py::arg("train_limit") = 0,
      py::arg("test_limit") = 0,
      "Sequential MNIST from a folder of MNIST-format IDX files (train-/t10k-images-idx3-ubyte, …; Fashion-MNIST "
      "too): line by line (28 × 28, lmnist) or pixel by pixel (784 × 1, pmnist), keeping the first train_limit / "
      "test_limit images (0: all).");

  // ---- networks -------------------------------------------------------------------------------
  py::class_<py_glifr_model>(m, "GlifrModel",
                             "A network of the GLIFR paper: a GLIFR type (Hom, HomA, LHet, LHetA, FHet, FHetA, RHet, "
                             "RHetA), the vanilla RNN or the LSTM (float32).")
      .def(py::init([](const std::string& type, const py_glifr_settings& s, const py::object& data,
                       std::optional<int> n_in, std::optional<int> n_out, std::uint64_t sd) {
             int ni = n_in.value_or(1), no = n_out.value_or(1);
             if (!data.is_none()) {
               const auto& d = *data.cast<const py_glifr_dataset&>().d;
               require(!n_in && !n_out, "n_inputs", "nothing when a dataset gives the sizes");
               ni = d.n_in;
               no = d.n_out;
             }
             require(ni > 0 && no > 0, "n_inputs", "positive input and output sizes");
             return py_glifr_model{gp::make_model(type, s.s, ni, no, seed{sd}), type, sd};
           }),
           py::arg("type"), py::arg("settings"), py::arg("dataset") = py::none(), py::kw_only(),
           py::arg("n_inputs") = py::none(), py::arg("n_outputs") = py::none(), py::arg("seed") = 1,
           "Network `type` sized and built as spikernn-glifr builds it for these settings (hidden size, delay, "
           "σ_V), for the dataset's input and output sizes (or n_inputs/n_outputs), drawn from `seed` (the "
           "program's run r uses seed --seed + r − 1).")
      .def_property_readonly("type", [](const py_glifr_model& g) { return g.type; })
      .def_property_readonly("family", [](const py_glifr_model& g) { return family_of(g.net); },
                             "glifr, rnn or lstm.")
      .def_property_readonly("seed", [](const py_glifr_model& g) { return g.seed; })
      .def_property_readonly("size", [](const py_glifr_model& g) {
        return std::visit([](const auto& n) { return long(n.size()); }, g.net);
      }, "Hidden units N.")
      .def_property_readonly("n_inputs", [](const py_glifr_model& g) {
        return std::visit([](const auto& n) { return long(n.n_inputs()); }, g.net);
      })
      .def_property_readonly("n_outputs", [](const py_glifr_model& g) {
        return std::visit([](const auto& n) { return long(n.n_outputs()); }, g.net);
      })
      .def_property_readonly("delay", [](const py_glifr_model& g) {
        return std::visit([](const auto& n) -> long {
          if constexpr (requires { n.delay(); }) return long(n.delay());
          else return 0L;
        }, g.net);
      }, "Recurrent delay in steps (0 for the LSTM).")
      .def_property_readonly("trainable_parameters", [](const py_glifr_model& g) {
        return std::visit([](const auto& n) { return gp::trainable_count(n.layout()); }, g.net);
      }, "Trainable entries (frozen intrinsic parameters excluded).")
      .def_property(
          "parameters",
          [](const py_glifr_model& g) {
            return std::visit([](const auto& n) { return vector<float>(n.parameters()); }, g.net);
          },
          [](py_glifr_model& g, const matrix<float>& v) {
            std::visit([&](auto& n) {
              require(v.size() == n.parameters().size() && v.allFinite(), "parameters",
                      std::to_string(n.parameters().size()) + " finite values");
              n.parameters() = Eigen::Map<const vector<float>>(v.data(), v.size());
            }, g.net);
          },
          "Every parameter as one flat float32 vector (the layout of the training engine). Assignable.")
      .def("arrays", [](const py_glifr_model& g) { return std::visit([](const auto& n) { return model_arrays(n); }, g.net); },
           "The parameter arrays under the file's names and orientations (the original's: weight_iv is "
           "n_inputs × N, …), with the GLIFR model values k_m, k_j, r_j.")
      .def(
          "forward",
          [](const py_glifr_model& g, const matrix<double>& u) {
            require(u.rows() == std::visit([](const auto& n) { return n.n_inputs(); }, g.net) && u.cols() > 0, "u",
                    "an input sequence of n_inputs × T");
            py::gil_scoped_release nogil;
            return std::visit([&](const auto& n) {
              typename std::decay_t<decltype(n)>::tape tp;
              n.forward(std::span<const matrix<double>>(&u, 1), tp);
              return matrix<float>(tp.o);
            }, g.net);
          },
          py::arg("u"), "The outputs (n_outputs × T) on one input sequence u (n_inputs × T).")
      .def("copy", [](const py_glifr_model& g) { return g; })
      .def("__copy__", [](const py_glifr_model& g) { return g; })
      .def("__deepcopy__", [](const py_glifr_model& g, const py::dict&) { return g; }, py::arg("memo"))
      .def("__repr__", [](const py_glifr_model& g) {
        return "GlifrModel('" + g.type + "', size=" +
               std::to_string(std::visit([](const auto& n) { return long(n.size()); }, g.net)) +
               ", seed=" + std::to_string(g.seed) + ")";
      });

  // ---- training -------------------------------------------------------------------------------
  py::class_<py_glifr_run>(m, "GlifrRun", "What train_glifr returns: the numbers and curves of one trained network.")
      .def_property_readonly("type", [](const py_glifr_run& r) { return r.r.type; })
      .def_property_readonly("run", [](const py_glifr_run& r) { return r.r.run; })
      .def_property_readonly("seed", [](const py_glifr_run& r) { return r.r.seed; })
      .def_property_readonly("task", [](const py_glifr_run& r) { return r.task; })
      .def_property_readonly("version", [](const py_glifr_run& r) { return r.version; })
      .def_property_readonly("hidden_size", [](const py_glifr_run& r) { return r.r.hidden; })
      .def_property_readonly("delay_steps", [](const py_glifr_run& r) { return r.r.delay; })
      .def_property_readonly("trainable_parameters", [](const py_glifr_run& r) { return r.r.trainable; })
      .def_property_readonly("test_loss", [](const py_glifr_run& r) { return r.r.test_loss; }, "The last test's loss.")
      .def_property_readonly("test_accuracy", [](const py_glifr_run& r) -> py::object {
        if (!r.classify) return py::none();
        return py::float_(r.r.test_accuracy);
      }, "The last test's accuracy (MNIST; None for sine).")
      .def_property_readonly("sine_sum", [](const py_glifr_run& r) { return r.r.sine_sum; },
                             "Sine: Σ over the 6 patterns of each one's MSE (the v2021 metric).")
      .def_property_readonly("seconds", [](const py_glifr_run& r) { return r.r.seconds; })
      .def_property_readonly("train_loss", [](const py_glifr_run& r) { return to_numpy(r.r.train_loss); },
                             "Per epoch, the mean over samples.")
      .def_property_readonly("train_accuracy", [](const py_glifr_run& r) { return to_numpy(r.r.train_accuracy); })
      .def_property_readonly("test_epochs", [](const py_glifr_run& r) { return to_numpy(r.r.test_epochs); })
      .def_property_readonly("test_losses", [](const py_glifr_run& r) { return to_numpy(r.r.test_losses); })
      .def_property_readonly("test_accuracies", [](const py_glifr_run& r) { return to_numpy(r.r.test_accuracies); })
      .def_property_readonly("outputs", [](const py_glifr_run& r) { return r.r.outputs; },
                             "Sine: the outputs (1 × T) on each pattern after training.")
      .def_property_readonly("initial", [](const py_glifr_run& r) { return *r.initial; },
                             "The network before training (a copy).")
      .def("__repr__", [](const py_glifr_run& r) {
        return "GlifrRun('" + r.r.type + "', task='" + r.task + "', test_loss=" +
               py::repr(py::float_(r.r.test_loss)).cast<std::string>() + ")";
      });

  m.def(
      "train_glifr",
      [](py_glifr_model& model, const py_glifr_dataset& data, const py_glifr_settings& s, std::optional<std::uint64_t> sd,
         int run, const py::object& progress, std::optional<std::filesystem::path> checkpoint, long checkpoint_every,
         std::optional<std::filesystem::path> resume) {
        const gp::dataset& d = *data.d;
        require(d.sine.has_value() == (s.s.task == gp::paper_task::sine), "dataset",
                "the settings' task (" + gp::task_name(s.s.task) + "), got " + d.description);
        const long n_in = std::visit([](const auto& n) { return long(n.n_inputs()); }, model.net);
        const long n_out = std::visit([](const auto& n) { return long(n.n_outputs()); }, model.net);
        require(n_in == d.n_in && n_out == d.n_out, "model",
                "a network of the dataset's " + std::to_string(d.n_in) + " inputs and " + std::to_string(d.n_out) +
                    " outputs");
        require(progress.is_none() || PyCallable_Check(progress.ptr()), "progress", "a callable or None");
        require(checkpoint_every >= 0, "checkpoint_every", "a non-negative number of updates");
        py_glifr_run out;
        out.initial = std::make_shared<const py_glifr_model>(model);
        out.task = gp::task_name(s.s.task);
        out.version = s.s.version;
        out.classify = d.classify;
        gp::run_options ro;
        if (checkpoint) ro.checkpoint = *checkpoint;
        else if (resume) ro.checkpoint = *resume;
        if (resume) ro.resume = *resume;
        ro.checkpoint_every = checkpoint_every;
        // at each test (on this thread, without the GIL): Ctrl-C, then the callback
        ro.on_test = [&](const epoch_progress& p, const sequence_score& score) {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          if (!progress.is_none()) progress(test_dict(p, score));
        };
        const seed use{sd.value_or(model.seed)};
        try {
          py::gil_scoped_release nogil;
          out.r = std::visit([&](auto& n) { return gp::train_network(n, model.type, run, use, s.s, d, ro); }, model.net);
        } catch (const training_interrupted& e) {
          PyErr_SetString(PyExc_KeyboardInterrupt,
                          (std::string(e.what()) + " (continue with train_glifr(..., resume='" + e.checkpoint_file +
                           "'))").c_str());
          throw py::error_already_set();
        }
        return out;
      },
      py::arg("model"), py::arg("dataset"), py::arg("settings"), py::kw_only(), py::arg("seed") = py::none(),
      py::arg("run") = 1, py::arg("progress") = py::none(), py::arg("checkpoint") = py::none(),
      py::arg("checkpoint_every") = 0, py::arg("resume") = py::none(),
      "Trains the model as spikernn-glifr does (glifr_paper::train_network): shuffled epochs of settings.batch "
      "from `seed` (default: the model's), Adam (PyTorch form), MSE at every step (sine) or last-step cross "
      "entropy (MNIST), the test set every eval_every epochs and after the last, the σ_V anneal when set; then, "
      "for sine, the outputs on each pattern. progress(dict) is called at every test with epoch, epochs, "
      "train_loss, train_accuracy, test_loss, test_accuracy, seconds; Ctrl-C is honoured there "
      "(KeyboardInterrupt). Runs without the GIL. checkpoint= / resume= as train().");

  // ---- files ----------------------------------------------------------------------------------
  m.def(
      "save_glifr",
      [](const std::filesystem::path& path, const py_glifr_model& model, const py_glifr_run* run,
         std::optional<std::filesystem::path> npy_dir) {
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());  // as the program
        io::array_sink sink(path, npy_dir.value_or(path.parent_path() / "npy"));
        std::visit(
            [&](const auto& n) {
              using M = std::decay_t<decltype(n)>;
              if (run) {
                const auto* init = std::get_if<M>(&run->initial->net);
                require(init != nullptr, "run", "the run of this network (its initial network is another family)");
                io::put_glifr_model(sink, n, *init);
              } else {
                io::put_glifr_model(sink, n);
              }
            },
            model.net);
        if (run) {
          const gp::run_record& r = run->r;
          sink.put("train_loss", r.train_loss);
          sink.put("test_epochs", r.test_epochs);
          sink.put("test_loss", r.test_losses);
          if (run->classify) {
            sink.put("train_accuracy", r.train_accuracy);
            sink.put("test_accuracy", r.test_accuracies);
          }
          for (std::size_t i = 0; i < r.outputs.size(); ++i) sink.put("output_" + std::to_string(i + 1), r.outputs[i]);
          sink.put_string("type", model.type);
          sink.put_string("task", run->task);
          sink.put_int("version", run->version);
          sink.put_int("seed", std::int64_t(r.seed));
        }
        sink.commit();
        return path.string();
      },
      py::arg("path"), py::arg("model"), py::arg("run") = nullptr, py::kw_only(), py::arg("npy_dir") = py::none(),
      "Writes the network as spikernn-glifr writes params.mat (creating its folder; and every array as npy_dir/<name>.npy, default npy/ "
      "beside the file): the parameters under the original's names, what rebuilds the network, and with run= "
      "the values before training (_init), the loss curves, the sine outputs, type, task, version and seed. "
      "Atomic. Returns the path.");
  m.def(
      "load_glifr",
      [](const std::filesystem::path& path, bool initial) {
        gp::paper_network net = io::load_glifr_model(path, initial ? io::glifr_values::initial : io::glifr_values::trained);
        std::string type = type_of_file(path, net);
        const io::mat_reader r(path);
        const std::uint64_t sd = r.has("seed") ? std::uint64_t(r.integer("seed")) : 0;
        return py_glifr_model{std::move(net), std::move(type), sd};
      },
      py::arg("path"), py::kw_only(), py::arg("initial") = false,
      "The network of a params.mat file (spikernn-glifr's or save_glifr's); initial=True: its values before "
      "training.");
}

}  // namespace spikernn::python
