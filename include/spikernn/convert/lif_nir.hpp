// A converted LIF network as a NIR graph, and back (io/nir_graph.hpp; io/nir_file.hpp writes it).
//
// Exact mode writes spikernn's network as it runs (network/lif_network.hpp), node by node:
//
//   input ─ w_in (Affine) ─▶ lif (LIF: τ = τ_m, r = 1, v_leak = bias, v_threshold, v_reset)
//   lif ─ w_rec (Affine, W/λ) ─▶ syn_rise (LI, τ = τ_r) ─▶ syn_decay (LI, τ = τ_d per unit) ─▶ lif
//   lif ─▶ rate_rise (LI, τ_r) ─▶ rate_decay (LI, τ_d) ─ w_out (Affine, w_out/λ, b_out) ─▶ output
//
// The two LI stages with r = 1 are the double-exponential synapse: with spikes as unit impulses,
// τ_r dy₁/dt = −y₁ + W·s and τ_d dy₂/dt = −y₂ + y₁ give y₂ = spikernn's IPSC (its h is y₁/τ_d).
// With τ_r = 0 (single-exponential synapse) the rise stages are left out (τ_d dy/dt = −y + W·s).
// Portable mode writes the single-exponential synapse inside a CubaLIF node (τ_syn = τ_d,
// τ_mem = τ_m), which nearly every NIR consumer reads; it changes the network in two ways: the
// synapse loses its rise time, and the input current passes through the synaptic filter too
// (CubaLIF has no other way in). The readout becomes one LI stage (τ_d).
//
// What NIR cannot say is written as metadata: on the LIF/CubaLIF node t_ref (refractory period,
// s), noise_sd (SD of the Gaussian voltage noise added every step, mV), v_init_low/v_init_high
// (initial potentials drawn uniformly); on the graph dt (the integration step, s), downsample,
// steps_per_column (integration steps per input column), neuron, mode, inhibitory (1 for
// inhibitory units), and whatever the caller adds (task, scaling factor, decision window, …).
//
// Reading back (lif_from_nir) rebuilds a lif_network from any graph of that shape: one LIF
// population, input through an Affine or Linear node, recurrence through an Affine or Linear and
// one or two LI stages, readout through the same synapse and an Affine or Linear to one output.
// Resistances and stage gains are folded into the weights. A graph written in exact mode with
// float64 arrays gives back the very network: the same spikes for the same seed. Anything else
// (CubaLIF, several populations, spike outputs) is refused with the reason; network/nir_network.hpp
// simulates those graphs as they are.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/nir_graph.hpp"
#include "spikernn/network/lif_network.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <type_traits>

namespace spikernn {

enum class nir_mode {
  exact,    ///< double-exponential synapse as two LI stages, input straight into the membrane
  portable  ///< CubaLIF: single-exponential synapse, input through it too
};

inline nir_mode nir_mode_of(const std::string& name) {
  if (name == "exact") return nir_mode::exact;
  if (name == "portable") return nir_mode::portable;
  throw invalid_parameter("mode", "exact or portable, got '" + name + "'");
}
inline std::string nir_mode_name(nir_mode m) { return m == nir_mode::exact ? "exact" : "portable"; }

struct nir_export_options {
  nir_mode mode = nir_mode::exact;
  nir::dtype precision = nir::dtype::float32;  ///< NIR's usual; float64 keeps a double network exactly
  nir::metadata_map metadata{};                ///< added to the graph's metadata (task, factor, …)
};

namespace detail {

template <class D>
nir::node nir_affine(const Eigen::MatrixBase<D>& w, const array<double>& bias, nir::dtype t) {
  return {"Affine", {{"weight", nir::tensor::mat(w, t)}, {"bias", nir::tensor::vec(bias, t)}}, {}, {}};
}
inline nir::node nir_li(const array<double>& tau, double r, nir::dtype t) {
  const std::int64_t n = tau.size();
  return {"LI", {{"tau", nir::tensor::vec(tau, t)}, {"r", nir::tensor::filled(n, r, t)}, {"v_leak", nir::tensor::filled(n, 0.0, t)}}, {}, {}};
}
inline nir::node nir_io(const std::string& type, index_t width) {
  return {type, {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(double(width)), nir::dtype::int64)}}, {}, {}};
}

}  // namespace detail

/// The NIR graph of `net` (leaky neurons only: NIR has no quadratic integrate-and-fire node).
template <real_scalar S, integrate_and_fire Neuron>
nir::graph to_nir(const lif_network<S, Neuron>& net, const nir_export_options& opt = {}) {
  if constexpr (!std::is_same_v<Neuron, leaky_if>)
    throw invalid_parameter("neuron", "the leaky integrate-and-fire neuron: NIR has no node for the " +
                                          std::string(Neuron::name) + " neuron's dynamics");
  const lif_params& p = net.params();
  const index_t n = net.size();
  const nir::dtype t = opt.precision;
  const array<double> tau_d = net.tau_d().template cast<double>();
  const array<double> zeros = array<double>::Zero(n);
  const bool rise = p.tau_r > 0;
  nir::graph g;
  g.add("input", detail::nir_io("Input", net.n_inputs()));
  g.add("w_in", detail::nir_affine(net.w_in().template cast<double>(), zeros, t));
  g.add("w_rec", detail::nir_affine(net.w().template cast<double>(), zeros, t));
  g.add("w_out", detail::nir_affine(net.w_out().template cast<double>(), array<double>::Constant(1, double(net.b_out())), t));
  g.add("output", detail::nir_io("Output", 1));
  nir::node cell;
  if (opt.mode == nir_mode::exact) {
    cell = {"LIF", {{"tau", nir::tensor::filled(n, p.tau_m, t)}}, {}, {}};
  } else {
    cell = {"CubaLIF",
            {{"tau_mem", nir::tensor::filled(n, p.tau_m, t)}, {"tau_syn", nir::tensor::vec(tau_d, t)},
             {"w_in", nir::tensor::filled(n, 1.0, t)}},
            {}, {}};
  }
  cell.params["r"] = nir::tensor::filled(n, 1.0, t);
  cell.params["v_leak"] = nir::tensor::filled(n, p.bias, t);
  cell.params["v_threshold"] = nir::tensor::filled(n, p.v_peak, t);
  cell.params["v_reset"] = nir::tensor::filled(n, p.v_reset, t);
  cell.metadata = {{"t_ref", nir::tensor::scalar(p.t_ref)},
                   {"noise_sd", nir::tensor::scalar(p.noise_mv)},
                   {"v_init_low", nir::tensor::scalar(p.v_init_lo)},
                   {"v_init_high", nir::tensor::scalar(p.v_init_hi)}};
  g.add("lif", std::move(cell));
  g.connect("input", "w_in");
  g.connect("w_in", "lif");
  g.connect("lif", "w_rec");
  if (opt.mode == nir_mode::exact) {
    // recurrence and readout through the same double- (or single-) exponential filter
    for (const std::string chain : {"syn", "rate"}) {
      const std::string from = chain == "syn" ? "w_rec" : "lif", to = chain == "syn" ? "lif" : "w_out";
      g.add(chain + "_decay", detail::nir_li(tau_d, 1.0, t));
      if (rise) {
        g.add(chain + "_rise", detail::nir_li(array<double>::Constant(n, p.tau_r), 1.0, t));
        g.connect(from, chain + "_rise");
        g.connect(chain + "_rise", chain + "_decay");
      } else {
        g.connect(from, chain + "_decay");
      }
      g.connect(chain + "_decay", to);
    }
  } else {
    g.connect("w_rec", "lif");
    g.add("rate", detail::nir_li(tau_d, 1.0, t));
    g.connect("lif", "rate");
    g.connect("rate", "w_out");
  }
  g.connect("w_out", "output");
  g.metadata = {{"source", std::string("spikernn")},
                {"mode", nir_mode_name(opt.mode)},
                {"neuron", std::string(Neuron::name)},
                {"dt", nir::tensor::scalar(p.step())},
                {"downsample", nir::tensor::scalar(double(p.downsample), nir::dtype::int64)},
                {"steps_per_column", nir::tensor::scalar(double(p.steps_per_column), nir::dtype::int64)}};
  if (net.inhibitory().size() == n)
    g.metadata["inhibitory"] = nir::tensor::vec(net.inhibitory().template cast<double>(), nir::dtype::int64);
  for (const auto& [key, v] : opt.metadata) g.metadata[key] = v;
  return g;
}

/// What a graph without spikernn's metadata does not say: the integration step, and how many
/// steps an input column lasts (lif_network::run's stimulus grid).
struct nir_import_options {
  double dt = 0;             ///< s; 0: the graph's "dt" metadata (required then)
  int steps_per_column = 0;  ///< 0: the graph's metadata, else 100 (5 ms at 0.05 ms)
};

namespace detail {

/// Reads one LIF population network out of a flattened graph; `where` (the file) names errors.
class nir_lif_reader {
 public:
  nir_lif_reader(const nir::graph& g, std::string where) : g_(g), where_(std::move(where)) {}

  [[noreturn]] void refuse(const std::string& why) const {
    throw invalid_parameter("NIR graph" + (where_.empty() ? std::string() : " " + where_),
                            why + " (spikernn's NIR simulator, nir_network, runs any graph of LIF, CubaLIF, LI, "
                                  "Affine, Linear and Scale nodes)");
  }
  const nir::node& at(const std::string& name) const { return g_.nodes.at(name); }
  std::string only(const std::vector<std::string>& names, const std::string& what) const {
    if (names.size() != 1) refuse("expected exactly one " + what + ", found " + std::to_string(names.size()));
    return names.front();
  }
  /// The single target (or source) of `name` of one of `types`.
  std::string single(const std::vector<std::string>& names, const std::string& from, const std::string& what) const {
    if (names.size() != 1) refuse("node '" + from + "' should have exactly one " + what + ", it has " + std::to_string(names.size()));
    return names.front();
  }
  /// A per-unit array of node `name` (a scalar broadcasts), of width n.
  array<double> per_unit(const std::string& name, const std::string& param, index_t n, std::optional<double> fallback = {}) const {
    const nir::node& nd = at(name);
    if (!nd.has(param) && fallback) return array<double>::Constant(n, *fallback);
    const array<double> a = nd.param("node '" + name + "'", param).as_array("node '" + name + "' " + param);
    if (a.size() == 1) return array<double>::Constant(n, a[0]);
    if (a.size() != n) refuse("node '" + name + "' has " + std::to_string(a.size()) + " values of " + param + ", expected " + std::to_string(n));
    return a;
  }
  /// One value shared by every unit (spikernn's LIF constants are scalars).
  double uniform(const std::string& name, const std::string& param, index_t n, std::optional<double> fallback = {}) const {
    const array<double> a = per_unit(name, param, n, fallback);
    if ((a != a[0]).any()) refuse("node '" + name + "' has different " + param + " across units; spikernn's LIF network shares one");
    return a[0];
  }
  /// An Affine or Linear node's weight and bias.
  std::pair<matrix<double>, array<double>> weights(const std::string& name) const {
    const nir::node& nd = at(name);
    if (nd.type != "Affine" && nd.type != "Linear") refuse("node '" + name + "' is " + nd.type + ", expected Affine or Linear");
    matrix<double> w = nd.param("node '" + name + "'", "weight").as_matrix("node '" + name + "' weight");
    array<double> b = nd.type == "Affine" ? nd.param("node '" + name + "'", "bias").as_array("node '" + name + "' bias")
                                          : array<double>::Zero(w.rows());
    if (b.size() != w.rows()) refuse("node '" + name + "' has a bias of " + std::to_string(b.size()) + " values for " + std::to_string(w.rows()) + " outputs");
    return {std::move(w), std::move(b)};
  }

  /// A chain of one or two LI stages from `first` ending where it leaves for `end_types`:
  /// the per-unit decay time, the rise time (0: one stage) and the gain folded into weights.
  struct filter {
    array<double> tau_d, gain;
    double tau_r = 0;
    std::string last;
  };
  filter li_chain(const std::string& first, index_t n) const {
    std::vector<std::string> stages{first};
    for (;;) {
      const auto next = g_.targets_of(stages.back());
      if (next.size() == 1 && at(next[0]).type == "LI" && stages.size() < 2) {
        stages.push_back(next[0]);
        continue;
      }
      break;
    }
    for (const auto& s : stages) {
      if (at(s).type != "LI") refuse("node '" + s + "' is " + at(s).type + ", expected an LI stage of the synapse");
      if ((per_unit(s, "v_leak", n) != 0).any()) refuse("LI node '" + s + "' has a non-zero v_leak; a synapse rests at 0");
      if (g_.sources_of(s).size() != 1) refuse("LI node '" + s + "' has several inputs; a synapse stage has one");
    }
    filter f;
    f.last = stages.back();
    f.tau_d = per_unit(f.last, "tau", n);
    f.gain = per_unit(f.last, "r", n);
    if (stages.size() == 2) {
      f.tau_r = uniform(stages[0], "tau", n);
      f.gain *= per_unit(stages[0], "r", n);
    }
    if ((f.tau_d <= 0).any() || !(f.tau_r >= 0)) refuse("synaptic time constants must be positive");
    return f;
  }

 private:
  const nir::graph& g_;
  std::string where_;
};

}  // namespace detail

/// The lif_network a NIR graph describes (see the header comment for the shapes it accepts).
template <real_scalar S = double>
lif_network<S> lif_from_nir(const nir::graph& graph, const nir_import_options& opt = {}, const std::string& where = "") {
  const nir::graph g = nir::flatten(graph);
  g.check_edges(where);
  detail::nir_lif_reader rd(g, where);
  for (const auto& [name, nd] : g.nodes)
    if (nd.type == "CubaLIF")
      rd.refuse("node '" + name + "' is a CubaLIF, whose synapse also filters its input (spikernn's LIF network feeds its "
                "input straight into the membrane)");
  const std::string lif = rd.only(g.of_type("LIF"), "LIF node");
  const std::string input = rd.only(g.of_type("Input"), "Input node");
  const std::string output = rd.only(g.of_type("Output"), "Output node");
  const nir::node& cell = rd.at(lif);
  // input: Input → Affine/Linear → LIF
  const std::string w_in_node = rd.single(g.targets_of(input), input, "target");
  auto [w_in, b_in] = rd.weights(w_in_node);
  if (rd.single(g.targets_of(w_in_node), w_in_node, "target") != lif) rd.refuse("the input weights must feed the LIF node");
  const index_t n = w_in.rows();  // the population's width; every per-unit array is checked against it

  // recurrence: LIF → Affine/Linear → LI (→ LI) → LIF, and readout: LIF → LI (→ LI) → Affine/Linear → Output
  std::string w_rec_node, rate_first;
  for (const auto& t : g.targets_of(lif)) {
    const std::string& type = rd.at(t).type;
    if (type == "Affine" || type == "Linear") {
      if (!w_rec_node.empty()) rd.refuse("the LIF node feeds several weight nodes; expected one recurrent projection");
      w_rec_node = t;
    } else if (type == "LI") {
      if (!rate_first.empty()) rd.refuse("the LIF node feeds several LI chains; expected one readout filter");
      rate_first = t;
    } else {
      rd.refuse("the LIF node feeds '" + t + "' (" + type + "); expected a recurrent Affine/Linear and a readout LI filter");
    }
  }
  if (w_rec_node.empty()) rd.refuse("no recurrent projection (LIF → Affine/Linear → LI → LIF)");
  if (rate_first.empty()) rd.refuse("no readout filter (LIF → LI → Affine/Linear → Output); a readout of raw spikes is not spikernn's");
  auto [w_rec, b_rec] = rd.weights(w_rec_node);
  if (w_rec.rows() != n || w_rec.cols() != n) rd.refuse("recurrent weights '" + w_rec_node + "' must be N×N (N = " + std::to_string(n) + ")");
  if ((b_rec != 0).any()) rd.refuse("recurrent weights '" + w_rec_node + "' have a bias; a synapse carries no constant current");
  const auto syn = rd.li_chain(rd.single(g.targets_of(w_rec_node), w_rec_node, "target"), n);
  if (rd.single(g.targets_of(syn.last), syn.last, "target") != lif) rd.refuse("the synapse chain must end in the LIF node");
  const auto rate = rd.li_chain(rate_first, n);
  if ((rate.tau_d != syn.tau_d).any() || rate.tau_r != syn.tau_r)
    rd.refuse("the readout filter's time constants differ from the synapse's; spikernn reads out through the same filter");
  const std::string w_out_node = rd.single(g.targets_of(rate.last), rate.last, "target");
  auto [w_out, b_out] = rd.weights(w_out_node);
  if (rd.single(g.targets_of(w_out_node), w_out_node, "target") != output) rd.refuse("the readout weights must feed the Output node");
  if (w_out.rows() != 1 || w_out.cols() != n) rd.refuse("readout weights '" + w_out_node + "' must be 1×N: spikernn's network has one output");
  if (g.sources_of(lif).size() != 2) rd.refuse("the LIF node must receive exactly the input weights and the synapse");

  // fold resistances and stage gains into the weights: I = r·(w_in·u + b + IPSC)
  const array<double> r = rd.per_unit(lif, "r", n, 1.0);
  const double v_leak = rd.uniform(lif, "v_leak", n, 0.0);
  const array<double> bias = v_leak + r * b_in;
  if ((bias != bias[0]).any()) rd.refuse("the LIF units have different constant currents (v_leak + r·bias); spikernn's share one");
  w_in = r.matrix().asDiagonal() * w_in;
  w_rec = (r * syn.gain).matrix().asDiagonal() * w_rec;
  w_out = w_out * rate.gain.matrix().asDiagonal();

  lif_params p;
  const auto& md = g.metadata;
  // counts from the graph's metadata, which a file says: refused outside int's range rather
  // than converted (undefined behaviour)
  const auto count_or = [&](const std::string& key, double fallback) {
    const double x = nir::number_or(md, key, fallback);
    if (!(x >= 1 && x <= 1e9 && x == std::floor(x))) rd.refuse("metadata '" + key + "' is not a whole number from 1 to 10^9");
    return int(x);
  };
  p.downsample = count_or("downsample", 1);
  const double dt = opt.dt > 0 ? opt.dt : nir::number_or(md, "dt", 0);
  if (!(dt > 0)) rd.refuse("no time step: the graph has no 'dt' metadata, give one (nir_import_options.dt, --dt)");
  p.dt = dt / p.downsample;
  p.steps_per_column = opt.steps_per_column > 0 ? opt.steps_per_column : count_or("steps_per_column", 100);
  p.tau_m = rd.uniform(lif, "tau", n);
  p.v_peak = rd.uniform(lif, "v_threshold", n);
  p.v_reset = rd.uniform(lif, "v_reset", n, 0.0);
  p.bias = bias[0];
  p.tau_r = syn.tau_r;
  p.t_ref = nir::number_or(cell.metadata, "t_ref", 0.0);
  p.noise_mv = nir::number_or(cell.metadata, "noise_sd", 0.0);
  p.v_init_lo = nir::number_or(cell.metadata, "v_init_low", 0.0);
  p.v_init_hi = nir::number_or(cell.metadata, "v_init_high", p.v_init_lo);
  lif_network<S> net(w_rec.template cast<S>(), w_in.template cast<S>(), w_out.row(0).template cast<S>(),
                     syn.tau_d.template cast<S>(), p);
  net.set_readout(w_out.row(0).template cast<S>(), static_cast<S>(b_out[0]));
  if (auto it = md.find("inhibitory"); it != md.end()) {
    const auto* t = std::get_if<nir::tensor>(&it->second);
    require(t && t->count() == n, "metadata 'inhibitory'", "one flag per unit (N=" + std::to_string(n) + ")");
    net.set_inhibitory(t->as_array("inhibitory") != 0);
  }
  return net;
}

}  // namespace spikernn
