// Files: rate models in the original MAT schema (save_rate_model / load_rate_model, exactly the
// files spikernn-train writes), the search result written into a model file (as spikernn-search
// does), eval_labels in either form, and NumPy .npy arrays.
#include "common.hpp"

#include <spikernn/io/mat_model.hpp>
#include <spikernn/io/npy.hpp>

#include <cmath>
#include <fstream>

namespace spikernn::python {

namespace fs = std::filesystem;

namespace {

bool is_path(const py::handle& obj) { return py::isinstance<py::str>(obj) || py::hasattr(obj, "__fspath__"); }

py_rate_model load_model(const fs::path& path) {
  py_rate_model out;
  out.m = io::load_rate_model<float>(path);
  if (const auto search = io::read_scaling_search(path)) {
    if (std::isfinite(search->best_factor)) out.opt_scaling_factor = search->best_factor;
    out.spiking_neuron = search->spiking_neuron;
    out.search_estimator = search->estimator;
    out.search_trials = search->trials;
    out.spiking_readout = search->readout;
    out.calibration_trials = search->calibration_trials;
    out.all_perfs = search->perfs;
    out.scaling_factors = search->factors;
  }
  const io::mat_reader in(path);
  if (in.has("seed")) out.seed = static_cast<std::uint64_t>(in.integer("seed"));
  if (in.has("calibration_trials")) {  // refused as spikernn-eval refuses it
    const auto k = in.integer("calibration_trials");
    if (k <= 0 || k > 100000000) throw file_error(path.string(), "variable 'calibration_trials': a positive count");
  }
  return out;
}

/// Writes a C-contiguous copy of `a` as T.
template <io::npy_element T>
void save_as(const fs::path& path, const py::array& a) {
  const py::array_t<T, py::array::c_style | py::array::forcecast> c(a);
  std::vector<std::size_t> shape;
  for (py::ssize_t k = 0; k < c.ndim(); ++k) shape.push_back(static_cast<std::size_t>(c.shape(k)));
  io::write_npy(path, c.data(), shape);
}

template <io::npy_element T>
py::array load_as(const fs::path& path) {
  const io::npy_array<T> a = io::read_npy<T>(path);
  std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end());
  py::array_t<T> out(shape);
  T* dst = out.mutable_data();
  for (std::size_t k = 0; k < a.data.size(); ++k) dst[k] = a.data[k];
  return out;
}

/// The element type an NPY file declares ("f4", "i8", "b1", …, without the byte order).
std::string npy_descr(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw file_error(path.string(), "does not exist");
  if (fs::is_directory(path, ec)) throw file_error(path.string(), "is a directory, expected an NPY file");
  const auto size = static_cast<std::size_t>(fs::file_size(path, ec));
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw file_error(path.string(), "cannot open for reading");
  std::size_t data_bytes = 0;
  std::string d = io::detail::read_npy_header(in, path.string(), size, data_bytes).descr;
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) d.erase(0, 1);
  return d;
}

template <class Net>
void save_net(const fs::path& path, const Net& net, const py_train_result& fit, const io::model_info& info) {
  require(fit.res.initial_parameters.size() == net.parameters().size(), "fit",
          "the TrainResult of this network's training (it has " + std::to_string(fit.res.initial_parameters.size()) +
              " parameters, the network " + std::to_string(net.parameters().size()) + ")");
  io::save_rate_model(path, net, fit.res, info);
}

}  // namespace

py_rate_model as_rate_model(const py::handle& obj) {
  if (py::isinstance<py_rate_model>(obj)) return obj.cast<py_rate_model>();
  if (py::isinstance<py_rate_rnn>(obj)) {
    const auto& n = obj.cast<const py_rate_rnn&>();
    py_rate_model out;
    out.m = std::visit([](const auto& net) { return to_rate_model(net); }, n.net);
    out.seed = n.seed;
    return out;
  }
  if (is_path(obj)) return load_model(obj.cast<fs::path>());
  throw invalid_parameter("model", "a RateModel, a RateRNN or the path of a model file");
}

void bind_io(py::module_& m) {
  m.def(
      "load_rate_model",
      [](const fs::path& path) {
        py::gil_scoped_release nogil;
        return load_model(path);
      },
      py::arg("path"),
      "Loads a rate model from a MAT file: spikernn's, the original TensorFlow code's, the PyTorch port's or "
      "scipy.io.savemat's in that schema. Also reads a saved search (opt_scaling_factor, all_perfs, "
      "scaling_factors, spiking_neuron, spiking_readout, calibration_trials) and the training noise_sd (0.1, the "
      "original's, when the file has none). A missing file raises FileNotFoundError, a bad one spikernn.FileError "
      "naming the variable.");
  m.def(
      "save_rate_model",
      [](const fs::path& path, const py_rate_rnn& net, const py_train_result& fit, std::optional<std::string> task,
         std::optional<std::string> loss, std::optional<std::uint64_t> sd) {
        io::model_info info{.task = fit.task, .loss = fit.loss, .seed = fit.seed};
        if (task) {
          info.task = canonical_task_name(*task);
          require(!info.task.empty(), "task", "go-nogo, xor, mante or mante_port, got '" + *task + "'");
        }
        if (loss) info.loss = parse_loss(*loss);
        if (sd) info.seed = *sd;
        {
          py::gil_scoped_release nogil;
          std::visit([&](const auto& n) { save_net(path, n, fit, info); }, net.net);
        }
        return path.string();
      },
      py::arg("path"), py::arg("net"), py::arg("fit"), py::kw_only(), py::arg("task") = py::none(),
      py::arg("loss") = py::none(), py::arg("seed") = py::none(),
      "Saves a trained network and its TrainResult in the original MAT schema, exactly as spikernn-train does "
      "(every variable of the original plus task, loss_fn, apply_dale, P_rec, P_inh, gain, noise_sd, seed, success), "
      "atomically. task, loss and seed default to the training run's. Returns the path.");
  m.def(
      "load_eval_labels", [](const fs::path& path) { return to_numpy(io::load_eval_labels(path)); }, py::arg("path"),
      "A model file's eval_labels as numbers (XOR's 'same'/'diff' strings as +1/−1).");
  m.def(
      "save_scaling_search",
      [](const fs::path& path, const std::vector<double>& factors, const std::vector<double>& perfs,
         std::optional<double> best, const std::string& neuron, const std::string& estimator, long trials,
         const std::string& readout, long calibration_trials) {
        require(neuron == "lif" || neuron == "qif", "neuron", "lif or qif, got '" + neuron + "'");
        const bool recalibrated = readout_method_of(readout) == readout_method::recalibrated;
        require(calibration_trials >= 0, "calibration_trials", "the calibration trials of a recalibrated readout (0: not recorded)");
        require(factors.size() == perfs.size() && !factors.empty(), "perfs", "one accuracy per scaling factor");
        require(estimator == "common_trials" || estimator == "fresh_per_factor", "estimator",
                "common_trials or fresh_per_factor, got '" + estimator + "'");
        require(trials >= 0, "trials", "the trials per factor (0: not recorded)");
        double b = factors[0], p = perfs[0];
        for (std::size_t k = 1; k < perfs.size(); ++k)
          if (perfs[k] > p) b = factors[k], p = perfs[k];
        py::gil_scoped_release nogil;
        io::save_scaling_search(path, io::scaling_search_record{.factors = factors,
                                                                .perfs = perfs,
                                                                .best_factor = best.value_or(b),
                                                                .spiking_neuron = neuron,
                                                                .estimator = estimator,
                                                                .trials = trials,
                                                                .readout = readout,
                                                                .calibration_trials = recalibrated ? calibration_trials : 0});
      },
      py::arg("path"), py::arg("factors"), py::arg("perfs"), py::arg("best_factor") = py::none(),
      py::arg("neuron") = "lif", py::arg("estimator") = "common_trials", py::arg("trials") = 0,
      py::arg("readout") = "one_to_one", py::arg("calibration_trials") = 0,
      "Writes a search into a model file as spikernn-search does: opt_scaling_factor, all_perfs, scaling_factors, "
      "spiking_neuron, search_estimator and search_trials, and for readout='recalibrated' spiking_readout and "
      "calibration_trials (files of the one-to-one readout have neither), keeping every other variable (an earlier "
      "search moves to search_history_<k>_*), atomically. best_factor defaults to the first factor with the "
      "highest accuracy. (spikernn.save_scaling_search(path, search) takes a SearchResult.)");
  m.def(
      "save_npy",
      [](const fs::path& path, const py::array& a) {
        const py::dtype dt = a.dtype();
        const char kind = dt.kind();
        const auto size = dt.itemsize();
        if (kind == 'f' && size == 4) save_as<float>(path, a);
        else if (kind == 'f' && size == 8) save_as<double>(path, a);
        else if (kind == 'i' && size == 4) save_as<std::int32_t>(path, a);
        else if (kind == 'i' && size == 8) save_as<std::int64_t>(path, a);
        else if (kind == 'u' && size == 1) save_as<std::uint8_t>(path, a);
        else if (kind == 'b') save_as<bool>(path, a);
        else
          throw invalid_parameter("array", "float32, float64, int32, int64, uint8 or bool elements, got " +
                                               py::str(py::object(dt)).cast<std::string>());
      },
      py::arg("path"), py::arg("array"),
      "Writes an array as a NumPy .npy file (byte for byte what numpy.save writes; C order), atomically. Element "
      "types: float32, float64, int32, int64, uint8, bool.");
  m.def(
      "load_npy",
      [](const fs::path& path) -> py::array {
        const std::string d = npy_descr(path);
        if (d == "f4") return load_as<float>(path);
        if (d == "f8") return load_as<double>(path);
        if (d == "i4") return load_as<std::int32_t>(path);
        if (d == "i8") return load_as<std::int64_t>(path);
        if (d == "u1") return load_as<std::uint8_t>(path);
        if (d == "b1") return load_as<bool>(path);
        throw file_error(path.string(), "holds '" + d + "' elements, expected float32, float64, int32, int64, uint8 or bool");
      },
      py::arg("path"),
      "Reads a NumPy .npy file (C or Fortran order, little-endian) of float32, float64, int32, int64, uint8 or bool.");
}

}  // namespace spikernn::python
