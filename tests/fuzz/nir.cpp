// Fuzz target of the NIR reader (io::read_nir: HDF5 files in NIR's layout). Whatever the reader
// accepted goes on as a user's untrusted graph does: flattened (nir::flatten), simulated by
// nir_network for a few steps of zero input, and converted back with lif_from_nir. A clean
// spikernn::error is a pass; a crash, leak, sanitizer report, any other exception or a timeout
// is a finding.
//
// The reader checks the sizes a file declares against what the file can hold, but a NIR graph
// also declares widths (an Input's "shape") that no data backs; a graph that would make the
// simulator allocate more than a fuzzer should (a width over 4096, a million parameter values)
// is read, flattened and converted but not simulated (nir_network itself takes widths up to 2^24,
// which a fuzzer cannot afford to allocate for every input).
#include "spikernn/convert/lif_nir.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/io/nir_file.hpp"
#include "spikernn/network/nir_network.hpp"

#include "fuzz_input.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace {

constexpr double max_width = 4096;
constexpr double max_values = 1e6;

/// Whether the graph (subgraphs included) declares only small widths: every dimension of every
/// parameter array, and every value of a "shape" parameter, at most max_width; all parameter
/// values together at most max_values.
bool small(const spikernn::nir::graph& g, double& values, int depth = 0) {
  if (depth > 32) return false;
  for (const auto& [name, n] : g.nodes) {
    if (n.subgraph && !small(*n.subgraph, values, depth + 1)) return false;
    for (const auto& [key, t] : n.params) {
      for (auto d : t.shape)
        if (d < 0 || double(d) > max_width) return false;
      values += double(t.values.size());
      if (values > max_values) return false;
      if (key == "shape")
        for (double v : t.values)
          if (!(std::fabs(v) <= max_width)) return false;
    }
  }
  return true;
}

template <class F>
void attempt(F&& f) {
  try {
    f();
  } catch (const spikernn::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static spikernn::fuzz::input_file file("nir", ".nir");
  spikernn::nir::graph g;
  try {
    g = spikernn::io::read_nir(file.write(data, size));
  } catch (const spikernn::error&) {
    return 0;
  }
  attempt([&] { (void)spikernn::nir::flatten(g); });
  // lif_from_nir allocates from arrays the file holds (N from the input weights' rows, then
  // N×N recurrent weights it checks): no guard
  attempt([&] {
    const auto net = spikernn::lif_from_nir<double>(g, {}, file.path().string());
    (void)net.size();
  });
  double values = 0;
  if (!small(g, values)) return 0;
  attempt([&] {
    spikernn::nir_network<double> net(g, 1e-3);
    spikernn::rng rng(spikernn::seed{1}, spikernn::purpose::spiking_trial);
    net.reset(rng);
    net.set_input(spikernn::vector<double>::Zero(net.n_inputs()));
    for (int k = 0; k < 5; ++k) net.step(rng);
    (void)net.output();
    for (const auto& name : net.spiking_nodes()) (void)net.spiked(name);
  });
  return 0;
}
