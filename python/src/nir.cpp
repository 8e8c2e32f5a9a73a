// NIR graphs from Python (convert/lif_nir.hpp, convert/mode_snn_nir.hpp, io/nir_file.hpp,
// network/nir_network.hpp): export_nir writes a LIFNetwork or a ModeSNN as a NIR file,
// read_nir_network builds a LIFNetwork from one,
// simulate_nir steps any NIR file (another tool's too) with spikernn's NIR simulator.
#include "mode_snn_object.hpp"

#include <spikernn/convert/lif_nir.hpp>
#include <spikernn/convert/mode_snn_nir.hpp>
#include <spikernn/io/nir_file.hpp>
#include <spikernn/network/nir_network.hpp>

namespace spikernn::python {

namespace fs = std::filesystem;

namespace {

/// A metadata value of a Python str, number or array.
nir::value nir_value_of(const std::string& key, const py::handle& v) {
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::bool_>(v) || py::isinstance<py::int_>(v))
    return nir::tensor::scalar(v.cast<double>(), nir::dtype::int64);
  if (py::isinstance<py::float_>(v)) return nir::tensor::scalar(v.cast<double>());
  try {
    const auto a = v.cast<Eigen::Array<double, Eigen::Dynamic, 1>>();
    return nir::tensor::vec(a, nir::dtype::float64);
  } catch (const py::cast_error&) {
    throw invalid_parameter("metadata", "str, int, float or 1-D array values, not " + py::str(v.get_type()).cast<std::string>() +
                                            " (key '" + key + "')");
  }
}

nir::dtype precision_of(const std::string& precision) {
  require(precision == "single" || precision == "double", "precision", "single (float32) or double (float64), got '" + precision + "'");
  return precision == "double" ? nir::dtype::float64 : nir::dtype::float32;
}

nir::metadata_map metadata_of(const py::dict& metadata) {
  nir::metadata_map out;
  for (const auto& [k, v] : metadata) out[py::str(k)] = nir_value_of(py::str(k), v);
  return out;
}

}  // namespace

void bind_nir(py::module_& m) {
  m.def(
      "export_nir",
      [](const fs::path& path, const py_lif& l, const std::string& mode, const std::string& precision,
         const py::dict& metadata, bool overwrite) {
        nir_export_options opt{.mode = nir_mode_of(mode), .precision = precision_of(precision), .metadata = metadata_of(metadata)};
        if (l.factor > 0 && !opt.metadata.count("scaling_factor")) opt.metadata["scaling_factor"] = nir::tensor::scalar(l.factor);
        const nir::graph g = std::visit([&](const auto& net) { return to_nir(net, opt); }, l.net);
        py::gil_scoped_release nogil;
        io::write_nir(path, g, overwrite ? io::on_existing::replace : io::on_existing::refuse);
        return path.string();
      },
      py::arg("path"), py::arg("net"), py::kw_only(), py::arg("mode") = "exact", py::arg("precision") = "single",
      py::arg("metadata") = py::dict(), py::arg("overwrite") = false,
      "Writes a LIFNetwork as a NIR graph (HDF5, NIR's layout: snnTorch, Norse, Rockpool, Sinabs, Lava-DL… read it). "
      "mode='exact': the double-exponential synapse as two LI stages, input straight into the LIF membrane; "
      "mode='portable': a CubaLIF (single-exponential synapse, the input filtered by it too). precision='double' "
      "writes float64 arrays, which read back into the very network. metadata (str, number or array values) goes "
      "into the graph's metadata beside spikernn's (dt, t_ref, noise, …). An existing file is refused unless "
      "overwrite=True. Returns the path.");
  m.def(
      "export_nir",
      [](const fs::path& path, const py_mode_snn& n, const std::optional<std::string>& mode, const std::string& precision,
         bool fold_modes, const py::dict& metadata, bool overwrite) {
        require(!mode, "mode",
                "no mode for a ModeSNN: its graph has one form (CubaLIF, which portable consumers read); got '" +
                    mode.value_or("") + "'");
        mode_nir_options opt{.precision = precision_of(precision), .fold_modes = fold_modes, .metadata = metadata_of(metadata)};
        if (!opt.metadata.count("task")) opt.metadata["task"] = n.task;
        py::gil_scoped_release nogil;
        const nir::graph g = std::visit([&](const auto& net) { return to_nir(net, opt); }, n.net);
        io::write_nir(path, g, overwrite ? io::on_existing::replace : io::on_existing::refuse);
        return path.string();
      },
      py::arg("path"), py::arg("net"), py::kw_only(), py::arg("mode") = py::none(), py::arg("precision") = "single",
      py::arg("fold_modes") = false, py::arg("metadata") = py::dict(), py::arg("overwrite") = false,
      "Writes a ModeSNN (LIF neuron) as a NIR graph (convert/mode_snn_nir.hpp): input ─ Linear ─ CubaLIF ─ the rate "
      "filter as LI stages ─ the recurrence (the rank-P factors ξ_outᵀ, λ, ξ_in as Linear, Scale, Linear; "
      "fold_modes=True or a full-rank network: one N × N Linear) ─ back into the CubaLIF. Simulated at the "
      "network's dt it gives the network's outputs step for step (precision='double': up to rounding). A per-step "
      "readout is a Linear to the output; max_over_time (mnist) has no NIR node: the graph outputs the N rates r "
      "and its metadata holds readout_weight = W_out (the decision is W_out·max_t r). metadata as for a "
      "LIFNetwork, plus task (the network's, unless given). There is no mode (passing one raises ValueError); "
      "the 'leaky' neuron is refused (its reset subtracts the threshold, which NIR's LIF cannot say).");
  m.def(
      "read_nir_network",
      [](const fs::path& path, std::optional<double> dt, std::optional<int> steps_per_column) {
        py::gil_scoped_release nogil;
        const nir::graph g = io::read_nir(path);
        py_lif out{lif_from_nir<double>(g, {.dt = dt.value_or(0), .steps_per_column = steps_per_column.value_or(0)},
                                        path.string())};
        out.factor = nir::number_or(g.metadata, "scaling_factor", 0);
        return out;
      },
      py::arg("path"), py::kw_only(), py::arg("dt") = py::none(), py::arg("steps_per_column") = py::none(),
      "Builds the LIFNetwork a NIR file describes: spikernn's exact export, or another tool's graph of the same shape "
      "(one LIF population, input through Affine/Linear, recurrence through Affine/Linear and one or two LI stages, "
      "readout through the same filter to one output). dt (s) is needed when the file has no 'dt' metadata. Other "
      "graphs (CubaLIF, several populations) raise ValueError: simulate them with simulate_nir.");
  m.def(
      "simulate_nir",
      [](const fs::path& path, const matrix<double>& inputs, std::optional<double> dt, std::uint64_t sd) {
        matrix<double> y;
        {
          py::gil_scoped_release nogil;
          const nir::graph g = io::read_nir(path);
          const double step = dt.value_or(nir::number_or(g.metadata, "dt", 0));
          require(step > 0, "dt", "the time step in s: " + path.string() + " has no 'dt' metadata");
          nir_network<double> net(g, step);
          require(inputs.rows() == net.n_inputs(), "inputs",
                  std::to_string(net.n_inputs()) + " rows (one per input of the graph), one column per step");
          rng r(seed{sd}, purpose::user, 0);
          y = net.run(inputs, r);
        }
        return y;
      },
      py::arg("path"), py::arg("inputs"), py::kw_only(), py::arg("dt") = py::none(), py::arg("seed") = 1,
      "Simulates a NIR file (any tool's graph of Input, Output, Affine, Linear, Scale, LI, I, CubaLI, LIF, CubaLIF and "
      "IF nodes) with spikernn's NIR simulator: inputs is n_inputs × steps (one column per step of dt seconds); "
      "returns n_outputs × steps. Spikes are unit impulses; the stepping is documented in docs/nir.md.");
}

}  // namespace spikernn::python
