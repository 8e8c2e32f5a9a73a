// Simulates a NIR graph (io/nir_graph.hpp) with a fixed step dt, so that spikernn runs the
// spiking networks other tools export (snnTorch, Norse, …) and checks its own exports
// (convert/lif_nir.hpp) against the network they came from.
//
// Nodes and their continuous-time meaning (NIR's; spikes are Dirac impulses of unit area):
//   Input, Output, Identity   pass-through (Input and Output: param "shape", one flat width)
//   Affine  y = W·x + b       Linear  y = W·x       Scale  y = s ⊙ x
//   LI      τ dv/dt = v_leak − v + r·I                                  (output v)
//   I       dv/dt = r·I                                                 (output v)
//   CubaLI  τ_syn dI_s/dt = −I_s + w_in·I,  τ_mem dv/dt = v_leak − v + r·I_s   (output v)
//   LIF     as LI, firing when v > v_threshold, then v = v_reset (default 0)  (output spikes)
//   CubaLIF as CubaLI with LIF's threshold and reset (w_in default 1)        (output spikes)
//   IF      as I with threshold and reset                                    (output spikes)
// A node sums the edges it receives; a parameter given as one value broadcasts to the node's
// width, which otherwise comes from its arrays or from its neighbours. Subgraphs ("NIRGraph",
// as snnTorch writes recurrent layers) are flattened first (nir::flatten).
//
// One step of dt, in this order. The split between continuous currents and impulses is what
// makes spikernn's LIF network (network/lif_network.hpp) come out exactly when it is written
// as a graph: its membrane sees the synaptic current from before the step, and its synapses
// jump by the spikes of this step.
//   1. Continuous currents: every stateful node's input, evaluated through the stateless
//      nodes from this step's input, the v of LI/I/CubaLI nodes from the previous step, and
//      0 for spiking nodes (their spikes are impulses, step 3). Affine biases are continuous.
//   2. Spiking nodes: v += dt/τ·(v_leak − v + r·c) (LIF; CubaLIF with r·I_s from the previous
//      step and τ_mem; IF: v += dt·r·c), skipped while refractory; then the noise; then the
//      units with v > v_threshold fire and are reset.
//   3. Impulses: the 0/1 spike vectors pass through the stateless nodes' linear parts (no
//      bias), event-driven: a weight matrix adds the columns of the units that fired.
//   4. Integrators, e = exp(−dt/τ), c the current of step 1, m the impulses of step 3:
//      LI v = v·e + (1 − e)·v_leak + r/τ·(dt·c + m);  I v += r·(dt·c + m);
//      CubaLI/CubaLIF synapse I_s = I_s·e_syn + w_in/τ_syn·(dt·c + m), the CubaLI membrane as
//      LI with r·I_s from before this update; impulses straight into a LIF/IF membrane:
//      v += r/τ·m (IF: r·m) after the reset, so they count from the next step.
//      The input term is the impulse-exact one (dt·c, not (1 − e)·τ·c): with it LI(τ_r,
//      r = 1/τ_d) → LI(τ_d, r = τ_d) is spikernn's double-exponential synapse, h = h·e_r +
//      W·s/(τ_r·τ_d) then ipsc = ipsc·e_d + dt·h_prev (the second to the bit, the first up to the
//      rounding of its gain), and LI(τ_d, r = 1) its single-exponential one exactly.
//   5. Output: the Output node evaluated with the states at the end of the step (spiking
//      nodes give this step's 0/1 spikes).
//
// What NIR cannot say is read from a spiking node's metadata (spikernn's own exports write it):
//   t_ref       s, default 0: refractory period. The membrane is frozen (no integration, no
//               impulses) while t ≤ t_last + t_ref, t = step·dt, t_last the last spike's time,
//               initially t_last_init — so with t_ref > 0 and the default t_last_init = 0
//               nobody integrates during the first t_ref, as in lif_network; with t_ref = 0
//               nobody is ever refractory.
//   t_last_init s, default 0: the last spike's time at the start. The spiking mode RNN's export
//               (convert/mode_snn_nir.hpp) writes −1 s: its units are not refractory at the start.
//   noise_sd    default 0: SD of Gaussian noise added to v every step, refractory or not
//               (one rng::fill_normal call per node and step; not lif_network's stream).
//   v_init_low, v_init_high: initial v ~ U(low, high), drawn per unit with rng::uniform at
//               reset(), nodes in name order. Without them (NIR tools' convention) and for every
//               other state, the initial value is 0.
//
// Everything is checked at construction and an error names the node. Parameters are stored as
// S; a step allocates nothing.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/io/nir_graph.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spikernn {

template <real_scalar S = double>
class nir_network {
 public:
  /// The network of `graph` stepped with `dt` seconds; call reset() before the first step.
  nir_network(const nir::graph& graph, double dt) : dt_(dt), dt_s_(static_cast<S>(dt)) {
    require(dt > 0 && std::isfinite(dt), "dt", "a positive, finite step in seconds");
    const nir::graph g = nir::flatten(graph);
    add_nodes(g);
    add_edges(g);
    set_widths(g);
    for (auto& p : parts_) load(p, g.nodes.at(p.name));
    plan();
  }

  index_t n_inputs() const { return u_.size(); }
  index_t n_outputs() const { return parts_[output_].width; }
  double dt() const { return dt_; }

  /// Initial states: v_init metadata drawn from `g`, everything else 0, input 0, step 0.
  void reset(rng& g) {
    step_ = 0;
    u_.setZero();
    for (auto& n : parts_) {
      for (auto* a : {&n.v, &n.syn, &n.t_last, &n.spikes, &n.imp, &n.out}) a->setZero();
      n.fired.clear();
      n.active = false;
    }
    for (index_t k : spiking_) parts_[k].t_last.setConstant(parts_[k].t_last_init);
    for (index_t k : spiking_) {
      auto& n = parts_[k];
      if (n.v_init)
        for (index_t j = 0; j < n.width; ++j) n.v[j] = static_cast<S>(g.uniform(n.v_low, n.v_high));
    }
  }

  /// The input of the coming steps (n_inputs values), held until set again.
  template <class D>
  void set_input(const Eigen::MatrixBase<D>& u) {
    require(u.size() == n_inputs(), "input", std::to_string(n_inputs()) + " values, got " + std::to_string(u.size()));
    u_ = u.template cast<S>().array();
  }

  /// One step of dt (see the header comment for the order).
  void step(rng& g) {
    ++step_;
    const S t = static_cast<S>(double(step_) * dt_);
    const S t_next = static_cast<S>(double(step_ + 1) * dt_);
    for (index_t k : continuous_order_) evaluate(parts_[k], pass::continuous);
    for (index_t k : stateful_) gather(parts_[k], pass::continuous, parts_[k].cont);
    for (index_t k : spiking_) fire(parts_[k], t, g);
    for (index_t k : impulse_order_) evaluate(parts_[k], pass::impulses);
    for (index_t k : stateful_)
      if (parts_[k].carries) parts_[k].active = gather(parts_[k], pass::impulses, parts_[k].imp);
    for (index_t k : stateful_) integrate(parts_[k], t_next);
    for (index_t k : output_order_) evaluate(parts_[k], pass::output);
  }

  /// The Output node's value after the last step.
  vector<S> output() const { return parts_[output_].out.matrix(); }

  /// The units of spiking node `node` that fired in the last step.
  const std::vector<index_t>& spiked(const std::string& node) const {
    for (index_t k : spiking_)
      if (parts_[k].name == node) return parts_[k].fired;
    throw invalid_parameter("node '" + node + "'", "a spiking node (LIF, CubaLIF or IF) of the graph");
  }
  /// The spiking nodes' names, in name order.
  std::vector<std::string> spiking_nodes() const {
    std::vector<std::string> out;
    for (index_t k : spiking_) out.push_back(parts_[k].name);
    return out;
  }

  /// A whole trial from reset(g): column t of u (n_inputs × T) drives step t + 1, column t of
  /// the result (n_outputs × T) is the output after it.
  matrix<S> run(const matrix<double>& u, rng& g) {
    require(u.rows() == n_inputs(), "input", std::to_string(n_inputs()) + " rows, got " + std::to_string(u.rows()));
    matrix<S> y(n_outputs(), u.cols());
    reset(g);
    for (index_t t = 0; t < u.cols(); ++t) {
      set_input(u.col(t));
      step(g);
      y.col(t) = parts_[output_].out.matrix();
    }
    return y;
  }

 private:
  /// Stateless kinds first, spiking ones last (stateless() and spiking() compare).
  enum class kind { input, output, identity, affine, linear, scale, li, integrator, cuba_li, lif, cuba_lif, if_ };
  /// Which value of a node the current evaluation reads (steps 1, 3 and 5).
  enum class pass { continuous, impulses, output };

  static const std::map<std::string, kind>& kinds() {
    static const std::map<std::string, kind> m{
        {"Input", kind::input},   {"Output", kind::output}, {"Identity", kind::identity}, {"Affine", kind::affine},
        {"Linear", kind::linear}, {"Scale", kind::scale},   {"LI", kind::li},             {"I", kind::integrator},
        {"CubaLI", kind::cuba_li}, {"LIF", kind::lif},      {"CubaLIF", kind::cuba_lif},  {"IF", kind::if_}};
    return m;
  }
  static bool stateless(kind k) { return k <= kind::scale; }
  static bool spiking(kind k) { return k >= kind::lif; }
  /// Affine and Linear map widths; every other node keeps its input's width.
  static bool reshapes(kind k) { return k == kind::affine || k == kind::linear; }

  /// One node with its parameters, state and per-step buffers (arrays a kind has no use for
  /// stay empty).
  struct part {
    std::string name;
    kind type{};
    index_t width = -1, in_width = -1;  ///< -1 until known
    std::vector<index_t> sources;       ///< one entry per edge in, in edge order
    bool dynamic = false;  ///< stateless: its continuous value depends on the input or an integrator
    bool carries = false;  ///< spikes can reach it
    bool active = false;   ///< impulses reached it in this step

    matrix<S> weight;       ///< Affine, Linear
    array<S> bias, factor;  ///< Affine; Scale
    // The coefficients of the updates in the header comment, per unit:
    array<S> a;              ///< spiking membranes: dt/τ (IF: dt)
    array<S> decay, leak;    ///< LI, CubaLI: e and (1 − e)·v_leak; LIF, CubaLIF: v_leak
    array<S> r;              ///< spiking membranes
    array<S> gain;           ///< LI r/τ, I r: of dt·c + m; CubaLI r/τ_mem: of dt·I_s; LIF r/τ, IF r: of m
    array<S> syn_decay, syn_gain;  ///< Cuba synapses: e_syn, w_in/τ_syn
    array<S> v_threshold, v_reset;
    S t_ref = 0, noise_sd = 0, t_last_init = 0;
    bool v_init = false;
    double v_low = 0, v_high = 0;

    array<S> v, syn, t_last, spikes, noise;  ///< state; spikes: this step's 0/1
    std::vector<index_t> fired;
    array<S> in;             ///< stateless: the sum of its inputs
    array<S> cont, imp, out; ///< stateless: its value in each pass; stateful: its summed current (cont) and impulses (imp)
  };

  static std::string where(const std::string& name) { return "node '" + name + "'"; }

  // ---- construction ------------------------------------------------------------------------
  void add_nodes(const nir::graph& g) {
    for (const auto& [name, n] : g.nodes) {
      auto it = kinds().find(n.type);
      if (it == kinds().end())
        throw invalid_parameter(where(name), "a node type nir_network simulates (Input, Output, Identity, Affine, "
                                             "Linear, Scale, LI, I, CubaLI, LIF, CubaLIF, IF), got '" + n.type + "'");
      part p;
      p.name = name;
      p.type = it->second;
      index_.emplace(name, index_t(parts_.size()));
      parts_.push_back(std::move(p));
    }
    only(kind::input, "Input");
    output_ = only(kind::output, "Output");
  }

  /// The one node of kind k (the graph's Input or Output).
  index_t only(kind k, const std::string& type) const {
    index_t found = -1;
    for (index_t i = 0; i < index_t(parts_.size()); ++i) {
      if (parts_[i].type != k) continue;
      if (found >= 0)
        throw invalid_parameter(where(parts_[i].name), "the graph's only " + type + " node: nir_network takes one, and '" +
                                                           parts_[found].name + "' is one too");
      found = i;
    }
    require(found >= 0, type + " node", "a graph with one " + type + " node, the graph has none");
    return found;
  }

  void add_edges(const nir::graph& g) {
    for (const auto& [a, b] : g.edges) {
      for (const auto* end : {&a, &b})
        require(index_.count(*end) != 0, where(*end), "a node of the graph (the edge (" + a + ", " + b + ") names it)");
      const index_t from = index_.at(a), to = index_.at(b);
      require(parts_[to].type != kind::input, where(b), "no edge into an Input node, got one from '" + a + "'");
      require(parts_[from].type != kind::output, where(a), "no edge out of an Output node, got one to '" + b + "'");
      parts_[to].sources.push_back(from);
    }
  }

  /// The parameters that give a node's width (a single value broadcasts instead).
  static std::vector<std::string> unit_params(kind k) {
    switch (k) {
      case kind::scale: return {"scale"};
      case kind::li: return {"tau", "r", "v_leak"};
      case kind::integrator: return {"r"};
      case kind::cuba_li: return {"tau_syn", "tau_mem", "r", "v_leak", "w_in"};
      case kind::lif: return {"tau", "r", "v_leak", "v_threshold", "v_reset"};
      case kind::cuba_lif: return {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"};
      case kind::if_: return {"r", "v_threshold", "v_reset"};
      default: return {};
    }
  }
  static bool optional_param(const std::string& p) { return p == "v_reset" || p == "w_in"; }

  /// Parameter p of a node as a finite 1-D array.
  static array<double> values(const nir::node& n, const std::string& at, const std::string& p) {
    const nir::tensor& t = n.param(at, p);
    require(t.rank() <= 1 && !t.values.empty(), at,
            "a 1-D '" + p + "' array of one or more values, got rank " + std::to_string(t.rank()) + " with " +
                std::to_string(t.values.size()) + " values");
    array<double> x = t.as_array(at);
    require(x.allFinite(), at, "finite '" + p + "' values");
    return x;
  }
  /// Parameter p broadcast to `width` units (`fallback` when the node leaves it out).
  static array<double> per_unit(const nir::node& n, const std::string& at, const std::string& p, index_t width,
                                std::optional<double> fallback = {}) {
    if (fallback && !n.has(p)) return array<double>::Constant(width, *fallback);
    const array<double> x = values(n, at, p);
    if (x.size() == 1) return array<double>::Constant(width, x[0]);
    require(x.size() == width, at, "'" + p + "' of " + std::to_string(width) + " values (or one), got " + std::to_string(x.size()));
    return x;
  }
  static array<double> time_constant(const nir::node& n, const std::string& at, const std::string& p, index_t width) {
    array<double> tau = per_unit(n, at, p, width);
    require((tau > 0).all(), at, "positive '" + p + "' values (s)");
    return tau;
  }
  /// The widest Input or Output node taken (2^24 units).
  static constexpr index_t max_width = index_t(1) << 24;
  static index_t shape_width(const nir::node& n, const std::string& at) {
    const nir::tensor& t = n.param(at, "shape");
    // a width no data backs: bounded before it becomes an index (1e300 would be undefined
    // behaviour) and before the node's arrays are allocated
    const bool flat = t.values.size() == 1 && t.values[0] >= 1 && t.values[0] <= double(max_width) &&
                      t.values[0] == std::floor(t.values[0]);
    require(flat, at, "a 'shape' of one whole number from 1 to 2^24 (nir_network takes flat inputs and outputs), got " +
                          (t.values.size() == 1 ? std::to_string(t.values[0]) : std::to_string(t.values.size()) + " values"));
    return index_t(t.values[0]);
  }
  /// Metadata number `key` of a node, named in the error.
  static double meta(const nir::node& n, const std::string& at, const std::string& key, double fallback) {
    try {
      return nir::number_or(n.metadata, key, fallback);
    } catch (const invalid_parameter& e) {
      throw invalid_parameter(at, "metadata '" + key + "' as " + e.expected);
    }
  }

  /// Widths from the nodes' own arrays, then along the edges until nothing changes.
  void set_widths(const nir::graph& g) {
    for (auto& p : parts_) {
      const nir::node& n = g.nodes.at(p.name);
      const std::string at = where(p.name);
      if (p.type == kind::input || p.type == kind::output) {
        p.width = p.in_width = shape_width(n, at);
      } else if (reshapes(p.type)) {
        const nir::tensor& w = n.param(at, "weight");
        require(w.rank() == 2, at, "a 2-D 'weight' array (out, in), got rank " + std::to_string(w.rank()));
        require(w.count() > 0, at, "a 'weight' of at least one row and column (an empty one declares widths no data backs)");
        p.weight = w.as_matrix(at).template cast<S>();
        require(p.weight.allFinite(), at, "finite 'weight' values");
        p.width = p.weight.rows();
        p.in_width = p.weight.cols();
      } else {
        std::string by;
        for (const auto& name : unit_params(p.type)) {
          if (optional_param(name) && !n.has(name)) continue;
          const index_t m = values(n, at, name).size();
          if (m == 1) continue;
          require(p.width < 0 || m == p.width, at,
                  "'" + name + "' of " + std::to_string(p.width) + " values like '" + by + "' (or one), got " + std::to_string(m));
          p.width = p.in_width = m;
          by = name;
        }
      }
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& p : parts_)
        for (index_t s : p.sources) {
          part& q = parts_[s];
          if (q.width < 0 && p.in_width >= 0) {
            q.width = q.in_width = p.in_width;  // a node of unknown width keeps its input's width
            changed = true;
          } else if (q.width >= 0 && p.in_width < 0) {
            p.width = p.in_width = q.width;
            changed = true;
          }
        }
    }
    for (const auto& p : parts_) {
      require(p.width >= 0, where(p.name),
              "a known width: one of its parameters with a value per unit, or an edge to or from a node of known width");
      for (index_t s : p.sources)
        require(parts_[s].width == p.in_width, where(p.name),
                "inputs of width " + std::to_string(p.in_width) + ", but the edge from node '" + parts_[s].name +
                    "' brings width " + std::to_string(parts_[s].width));
    }
  }

  /// Parameters as S, states and buffers, for a node whose width is known.
  void load(part& p, const nir::node& n) {
    const std::string at = where(p.name);
    const index_t w = p.width;
    const double dt = dt_;
    auto to_s = [](const array<double>& x) { return array<S>(x.template cast<S>()); };
    switch (p.type) {
      case kind::affine:
        p.bias = to_s(per_unit(n, at, "bias", w));
        break;
      case kind::scale:
        p.factor = to_s(per_unit(n, at, "scale", w));
        break;
      case kind::li: {
        const array<double> tau = time_constant(n, at, "tau", w), e = (-dt / tau).exp();
        p.decay = to_s(e);
        p.leak = to_s((1 - e) * per_unit(n, at, "v_leak", w));
        p.gain = to_s(per_unit(n, at, "r", w) / tau);
        break;
      }
      case kind::integrator:
        p.gain = to_s(per_unit(n, at, "r", w));
        break;
      case kind::cuba_li: {
        const array<double> tau = time_constant(n, at, "tau_mem", w), e = (-dt / tau).exp();
        p.decay = to_s(e);
        p.leak = to_s((1 - e) * per_unit(n, at, "v_leak", w));
        p.gain = to_s(per_unit(n, at, "r", w) / tau);
        break;
      }
      case kind::lif: {
        const array<double> tau = time_constant(n, at, "tau", w), r = per_unit(n, at, "r", w);
        p.a = to_s(dt / tau);
        p.leak = to_s(per_unit(n, at, "v_leak", w));
        p.r = to_s(r);
        p.gain = to_s(r / tau);
        break;
      }
      case kind::cuba_lif:
        p.a = to_s(dt / time_constant(n, at, "tau_mem", w));
        p.leak = to_s(per_unit(n, at, "v_leak", w));
        p.r = to_s(per_unit(n, at, "r", w));
        break;
      case kind::if_:
        p.a = array<S>::Constant(w, dt_s_);
        p.r = p.gain = to_s(per_unit(n, at, "r", w));
        break;
      default:
        break;
    }
    if (p.type == kind::cuba_li || p.type == kind::cuba_lif) {
      const array<double> tau = time_constant(n, at, "tau_syn", w);
      p.syn_decay = to_s((-dt / tau).exp());
      p.syn_gain = to_s(per_unit(n, at, "w_in", w, 1.0) / tau);
      p.syn = array<S>::Zero(w);
    }
    if (spiking(p.type)) {
      p.v_threshold = to_s(per_unit(n, at, "v_threshold", w));
      p.v_reset = to_s(per_unit(n, at, "v_reset", w, 0.0));
      const double t_ref = meta(n, at, "t_ref", 0), noise_sd = meta(n, at, "noise_sd", 0);
      require(t_ref >= 0 && std::isfinite(t_ref), at, "metadata 't_ref' ≥ 0 (s)");
      require(noise_sd >= 0 && std::isfinite(noise_sd), at, "metadata 'noise_sd' ≥ 0");
      const double t_last_init = meta(n, at, "t_last_init", 0);
      require(std::isfinite(t_last_init), at, "metadata 't_last_init' finite (s)");
      p.t_ref = static_cast<S>(t_ref);
      p.t_last_init = static_cast<S>(t_last_init);
      p.noise_sd = static_cast<S>(noise_sd);
      p.v_init = n.metadata.count("v_init_low") != 0;
      require(p.v_init == (n.metadata.count("v_init_high") != 0), at, "metadata 'v_init_low' and 'v_init_high' together");
      if (p.v_init) {
        p.v_low = meta(n, at, "v_init_low", 0);
        p.v_high = meta(n, at, "v_init_high", 0);
        require(std::isfinite(p.v_low) && p.v_high >= p.v_low && std::isfinite(p.v_high), at,
                "metadata v_init_low ≤ v_init_high, finite");
      }
      p.t_last = p.spikes = p.noise = array<S>::Zero(w);
      p.fired.reserve(std::size_t(w));
    }
    if (p.type == kind::input) {
      u_ = array<S>::Zero(w);
    } else if (stateless(p.type)) {
      p.in = array<S>::Zero(p.in_width);
      p.cont = p.imp = p.out = array<S>::Zero(w);
    } else {
      p.v = p.cont = p.imp = array<S>::Zero(w);
    }
  }

  /// The stateless nodes in dependency order (a cycle of them has no state to break it), what
  /// each pass evaluates, and the continuous values that never change (those fed by spikes only).
  void plan() {
    const index_t count = index_t(parts_.size());
    std::vector<index_t> order, path;
    std::vector<int> mark(std::size_t(count), 0);  // 0 new, 1 on the path, 2 done
    std::function<void(index_t)> visit = [&](index_t k) {
      mark[k] = 1;
      path.push_back(k);
      for (index_t s : parts_[k].sources) {
        if (!stateless(parts_[s].type) || mark[s] == 2) continue;
        if (mark[s] == 1) {
          std::string cycle = parts_[s].name;
          for (auto it = path.rbegin(); *it != s; ++it) cycle += " → " + parts_[*it].name;
          throw invalid_parameter(where(parts_[s].name), "no cycle of stateless nodes (Affine, Linear, Scale, Identity), "
                                                         "which no state breaks: " + cycle + " → " + parts_[s].name);
        }
        visit(s);
      }
      path.pop_back();
      mark[k] = 2;
      order.push_back(k);
    };
    for (index_t k = 0; k < count; ++k)
      if (stateless(parts_[k].type) && mark[k] == 0) visit(k);

    for (index_t k : order) {  // sources before targets
      part& p = parts_[k];
      p.dynamic = p.type == kind::input;
      for (index_t s : p.sources) {
        const part& q = parts_[s];
        p.dynamic = p.dynamic || (stateless(q.type) ? q.dynamic : !spiking(q.type));
        p.carries = p.carries || (stateless(q.type) ? q.carries : spiking(q.type));
      }
    }
    std::vector<char> to_state(std::size_t(count), 0), to_output(std::size_t(count), 0);
    for (index_t k = 0; k < count; ++k) {
      part& p = parts_[k];
      if (stateless(p.type)) continue;
      stateful_.push_back(k);
      if (spiking(p.type)) spiking_.push_back(k);
      for (index_t s : p.sources) {
        to_state[s] = 1;
        p.carries = p.carries || (stateless(parts_[s].type) ? parts_[s].carries : spiking(parts_[s].type));
      }
    }
    to_output[output_] = 1;
    for (auto it = order.rbegin(); it != order.rend(); ++it)  // targets before sources
      for (index_t s : parts_[*it].sources) {
        to_state[s] = to_state[s] || to_state[*it];
        to_output[s] = to_output[s] || to_output[*it];
      }
    for (index_t k : order) {
      part& p = parts_[k];
      if (p.type == kind::input) continue;
      if (to_state[k]) {
        if (p.dynamic)
          continuous_order_.push_back(k);
        else
          evaluate(p, pass::continuous);  // fixed: its sources are spikes (0 here) and other fixed values
        if (p.carries) impulse_order_.push_back(k);
      }
      if (to_output[k]) output_order_.push_back(k);
    }
  }

  // ---- one step ----------------------------------------------------------------------------
  /// What node k contributes to its targets in a pass; null for nothing.
  const array<S>* value_of(index_t k, pass ps) const {
    const part& p = parts_[k];
    if (p.type == kind::input) return ps == pass::impulses ? nullptr : &u_;
    if (stateless(p.type)) {
      if (ps == pass::continuous) return &p.cont;
      if (ps == pass::impulses) return p.active ? &p.imp : nullptr;
      return &p.out;
    }
    if (spiking(p.type)) {
      if (ps == pass::continuous || (ps == pass::impulses && p.fired.empty())) return nullptr;
      return &p.spikes;
    }
    return ps == pass::impulses ? nullptr : &p.v;
  }

  /// sum = what p's sources bring in pass ps; false when none brings anything.
  bool gather(const part& p, pass ps, array<S>& sum) const {
    sum.setZero();
    bool any = false;
    for (index_t s : p.sources)
      if (const array<S>* x = value_of(s, ps)) {
        sum += *x;
        any = true;
      }
    return any;
  }

  void evaluate(part& p, pass ps) {
    array<S>& y = ps == pass::continuous ? p.cont : ps == pass::impulses ? p.imp : p.out;
    const bool any = gather(p, ps, p.in);
    if (ps == pass::impulses) {
      p.active = any;
      if (!any) return;
    }
    switch (p.type) {
      case kind::affine:
      case kind::linear:
        if (ps == pass::impulses) {  // the linear part only, over the inputs that carry an impulse
          y.setZero();
          for (index_t j = 0; j < p.in_width; ++j)
            if (p.in[j] != S(0)) y += p.in[j] * p.weight.col(j).array();
        } else {
          y.matrix().noalias() = p.weight * p.in.matrix();
          if (p.type == kind::affine) y += p.bias;
        }
        break;
      case kind::scale:
        y = p.factor * p.in;
        break;
      default:  // Identity, Output
        y = p.in;
        break;
    }
  }

  /// Step 2 for one spiking node: membrane, noise, threshold and reset.
  void fire(part& p, S t, rng& g) {
    auto membrane = [&](const auto& next) {
      if (p.t_ref > 0)
        p.v = (t > p.t_last + p.t_ref).select(next, p.v);
      else
        p.v = next;
    };
    if (p.type == kind::lif)
      membrane(p.v + p.a * (p.leak - p.v + p.r * p.cont));
    else if (p.type == kind::cuba_lif)
      membrane(p.v + p.a * (p.leak - p.v + p.r * p.syn));
    else
      membrane(p.v + p.a * (p.r * p.cont));
    if (p.noise_sd > 0) {
      g.fill_normal(p.noise, p.noise_sd);
      p.v += p.noise;
    }
    for (index_t j : p.fired) p.spikes[j] = 0;
    p.fired.clear();
    for (index_t j = 0; j < p.width; ++j)
      if (p.v[j] > p.v_threshold[j]) {
        p.fired.push_back(j);
        p.spikes[j] = 1;
        p.v[j] = p.v_reset[j];
        p.t_last[j] = t;
      }
  }

  /// Step 4 for one stateful node; `t_next` decides which membranes take impulses.
  void integrate(part& p, S t_next) {
    const S dt = dt_s_;
    switch (p.type) {
      case kind::li:
        p.v = p.v * p.decay + p.leak + p.gain * (dt * p.cont + p.imp);
        break;
      case kind::integrator:
        p.v += p.gain * (dt * p.cont + p.imp);
        break;
      case kind::cuba_li:
        p.v = p.v * p.decay + p.leak + p.gain * (dt * p.syn);
        [[fallthrough]];
      case kind::cuba_lif:
        p.syn = p.syn * p.syn_decay + p.syn_gain * (dt * p.cont + p.imp);
        break;
      default:  // LIF, IF: impulses straight into the membrane, unless it is frozen next step
        if (!p.active) break;
        if (p.t_ref > 0)
          p.v = (t_next > p.t_last + p.t_ref).select(p.v + p.gain * p.imp, p.v);
        else
          p.v += p.gain * p.imp;
        break;
    }
  }

  double dt_;
  S dt_s_;
  std::vector<part> parts_;  ///< in name order
  std::map<std::string, index_t> index_;
  index_t output_ = -1;
  std::vector<index_t> stateful_, spiking_;
  std::vector<index_t> continuous_order_, impulse_order_, output_order_;
  array<S> u_;
  long step_ = 0;
};

}  // namespace spikernn
