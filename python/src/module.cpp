// The compiled part of the spikernn Python package (spikernn._spikernn): the module, spikernn's
// exceptions as Python's, and the numpy helpers the other translation units share.
#include "common.hpp"

#include <spikernn/config.hpp>

#include <filesystem>
#include <system_error>

namespace spikernn::python {

py::array_t<bool> to_numpy(const Eigen::Array<bool, Eigen::Dynamic, 1>& a) {
  py::array_t<bool> out(a.size());
  auto v = out.mutable_unchecked<1>();
  for (index_t i = 0; i < a.size(); ++i) v(i) = a[i];
  return out;
}

py::array_t<double> to_numpy(const std::vector<double>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

namespace {

/// spikernn's exceptions as Python's: a refused setting → ValueError, a missing file →
/// FileNotFoundError, any other file problem → spikernn.FileError (an OSError), a training run
/// interrupted after its checkpoint → KeyboardInterrupt, any other spikernn error → RuntimeError.
void translate(std::exception_ptr p, PyObject* file_error_type) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const training_interrupted& e) {
    PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
  } catch (const invalid_parameter& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const file_error& e) {
    std::error_code ec;
    const bool exists = !e.file.empty() && std::filesystem::exists(std::filesystem::path(e.file), ec);
    PyErr_SetString(exists ? file_error_type : PyExc_FileNotFoundError, e.what());
  } catch (const error& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
}

}  // namespace
}  // namespace spikernn::python

PYBIND11_MODULE(_spikernn, m) {
  namespace sp = spikernn::python;
  namespace py = pybind11;
  m.doc() = "spikernn's C++ core: tasks, rate RNNs and their training (Kim, Li & Sejnowski 2019), MAT/NPY files, "
            "conversion to LIF/QIF spiking networks, the scaling-factor search and the spiking evaluation; tasks written in "
            "Python; the GLIFR paper's networks (GLIFR, RNN, LSTM) and the spiking mode RNN with their trainers.";
  m.attr("__version__") = std::to_string(SPIKERNN_VERSION_MAJOR) + "." + std::to_string(SPIKERNN_VERSION_MINOR) + "." +
                          std::to_string(SPIKERNN_VERSION_PATCH);
  // spikernn.FileError: an existing file that cannot be read or holds something unexpected.
  static py::exception<spikernn::file_error> file_error_type(m, "FileError", PyExc_OSError);
  file_error_type.doc() = "A file exists but could not be read or written, or holds something other than expected "
                          "(the message names the file and the variable). A subclass of OSError; a missing file "
                          "raises FileNotFoundError instead.";
  py::register_local_exception_translator(
      [](std::exception_ptr p) { sp::translate(p, file_error_type.ptr()); });
  sp::bind_tasks(m);
  sp::bind_rate(m);
  sp::bind_io(m);
  sp::bind_spiking(m);
  sp::bind_glifr(m);
  sp::bind_smnn(m);
  sp::bind_brian2(m);
#if defined(SPIKERNN_HAS_NIR)
  sp::bind_nir(m);
#endif
}
