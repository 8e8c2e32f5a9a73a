// What the translation units of the Python module share: the wrapped C++ types (a task, a
// rate RNN of any activation and connectivity, a rate model as stored, a spiking network of
// either neuron, a training result) and the run-time dispatch over their template
// parameters. The module is split so that two cores compile it in parallel: the training runs
// (24 task × network instantiations) are spread over one file per activation.
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "spiking_core.hpp"

#include <spikernn/convert/rate_to_lif.hpp>
#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/core/error.hpp>
#include <spikernn/core/rng.hpp>
#include <spikernn/network/lif_network.hpp>
#include <spikernn/network/rate_model.hpp>
#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/task/registry.hpp>
#include <spikernn/train/adam.hpp>
#include <spikernn/train/interrupt.hpp>
#include <spikernn/train/loss.hpp>
#include <spikernn/train/trainer.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace spikernn::python {

namespace py = pybind11;

// ---- tasks -----------------------------------------------------------------------------------
/// A task of the registry with its parameters, or one written in Python (the Python class Task).
struct py_task {
  task_variant task;
  std::string name() const {
    return std::visit([](const auto& t) { return std::string(t.name()); }, task);
  }
  int n_inputs() const {
    return std::visit([](const auto& t) { return t.n_inputs(); }, task);
  }
};

/// A Task of a Python object or keywords (spikernn.python_task; tasks.cpp).
py_task python_task(const py::object& obj, const py::object& name, const py::object& n_inputs,
                    const py::object& n_steps, const py::object& generate, const py::object& correct,
                    const py::object& spiking_trial, const py::object& spiking_correct,
                    const py::object& sample_spiking_trials, const py::object& min_trials_before_stop);
py_task python_task(const py::object& obj);
/// An object that is no Task but has generate and correct: a task written in Python.
bool is_python_task_object(const py::handle& obj);

/// "training", "evaluation", "spiking", "initial", "noise", "user" or an int (user + k) → purpose.
purpose parse_stream(const py::object& stream);

// ---- rate RNNs -------------------------------------------------------------------------------
template <class Act, class Conn>
using rnn = rate_rnn<float, Act, Conn>;
using any_rnn = std::variant<rnn<sigmoid, dale>, rnn<sigmoid, no_dale>, rnn<softplus, dale>, rnn<softplus, no_dale>,
                             rnn<clipped_relu, dale>, rnn<clipped_relu, no_dale>>;

/// The Python class RateRNN: a float32 rate RNN of any activation and connectivity.
struct py_rate_rnn {
  any_rnn net;
  std::uint64_t seed = 1;
  std::string w_dist = "gaus";
};

/// A network of the activation and connectivity named at run time.
any_rnn make_rnn(const rate_rnn_params& p, const std::string& activation, bool apply_dale, seed s);

/// The Python class RateModel: a network as its file stores it, plus what a search wrote.
struct py_rate_model {
  rate_model<float> m;
  // the search the file holds (io::read_scaling_search)
  std::optional<double> opt_scaling_factor;
  std::string spiking_neuron;    ///< "" when no search was saved
  std::string search_estimator;  ///< "" when not recorded
  long search_trials = 0;        ///< per factor, 0 when not recorded
  std::string spiking_readout;   ///< one_to_one or recalibrated; "" when no search was saved
  long calibration_trials = 0;   ///< of a recalibrated readout, 0 when not recorded
  std::vector<double> all_perfs, scaling_factors;
  std::optional<std::uint64_t> seed;
};

/// The rate model of a RateModel, a RateRNN (without initial weights) or a path (loaded).
py_rate_model as_rate_model(const py::handle& obj);

// ---- training --------------------------------------------------------------------------------
/// The result of spikernn.train, with what saving it needs.
struct py_train_result {
  train_result<float> res;
  std::string task;
  loss_fn loss = loss_fn::l2;
  std::uint64_t seed = 1;
  long n_trials = 0;
  bool stopped = false;  ///< a progress callback asked to stop
};

/// What spikernn.train was asked to do.
struct train_call {
  train_options opts;
  adam_params adam;
  stop_rule stop;
  py::object progress;  ///< None or a callable taking a TrainProgress
};

/// What a progress callback is shown.
struct train_progress_record {
  long trial = 0, n_trials = 0;
  double loss = 0, eval_loss = 0, eval_perf = 0, seconds = 0;
  bool evaluated = false, success = false, final = false;
};

// One per activation, each in its own translation unit (train_<activation>.cpp). Called
// without the GIL; they take it only to call back into Python.
py_train_result train_sigmoid(any_rnn& net, const py_task& task, train_call& call);
py_train_result train_softplus(any_rnn& net, const py_task& task, train_call& call);
py_train_result train_clipped_relu(any_rnn& net, const py_task& task, train_call& call);
evaluation evaluate_rate_sigmoid(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss);
evaluation evaluate_rate_softplus(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss);
evaluation evaluate_rate_clipped_relu(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss);

// ---- spiking networks ------------------------------------------------------------------------
// lif_variant and the simulation entry points are in spiking_core.hpp (spiking_core.cpp).

/// The Python class LIFNetwork: a converted network with the stream its stepping draws from.
struct py_lif {
  lif_variant net;
  rng g{seed{1}, purpose::user, 0};
  lif_stimulation stimulation{};  ///< used by step()
  double factor = 0;              ///< the scaling factor it was converted at (0: unknown)
  std::string neuron() const { return net.index() == 0 ? "lif" : "qif"; }
};

// ---- numpy helpers ---------------------------------------------------------------------------
/// A bool numpy array of an Eigen bool array.
py::array_t<bool> to_numpy(const Eigen::Array<bool, Eigen::Dynamic, 1>& a);
/// std::vector<double> → 1-D float64 numpy array.
py::array_t<double> to_numpy(const std::vector<double>& v);

// ---- binding entry points (one per translation unit) -----------------------------------------
void bind_tasks(py::module_& m);
void bind_rate(py::module_& m);
void bind_io(py::module_& m);
void bind_spiking(py::module_& m);
void bind_glifr(py::module_& m);
void bind_smnn(py::module_& m);
void bind_nir(py::module_& m);  // nir.cpp, where HDF5 is found (SPIKERNN_HAS_NIR)
void bind_brian2(py::module_& m);  // brian2.cpp: export_brian2

}  // namespace spikernn::python
