// A NIR graph in memory (Neuromorphic Intermediate Representation, neuroir.org): named nodes,
// each a primitive type ("LIF", "CubaLIF", "LI", "Affine", "Linear", "Scale", "Input",
// "Output", …) with its parameters as n-dimensional arrays, the edges between them as
// (source, target) name pairs, and free-form metadata on nodes and on the graph. What
// io/nir_file.hpp reads and writes, what convert/lif_nir.hpp builds from a spiking network and
// network/nir_network.hpp simulates. No HDF5 here: the model is usable with the core alone.
//
// Arrays keep NIR's conventions: row-major (C-order) values with their shape, so an Affine
// weight of shape (out, in) maps y = W·x; the element type a file stores them with is kept
// (NIR writers use float32; float64 round-trips a double network bit for bit).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace spikernn::nir {

/// NIR's version string written into every file (the release whose layout this follows).
inline constexpr const char* format_version = "1.0.7";

/// The element types an array is stored with.
enum class dtype { float32, float64, int64 };

/// An n-dimensional array: row-major values and its shape (empty shape: a scalar).
struct tensor {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
  dtype stored = dtype::float64;

  /// x as the stored type holds it: a float32 array keeps float-rounded values in memory too,
  /// so a graph simulated before writing behaves as the file read back.
  static double rounded(double x, dtype t) { return t == dtype::float32 ? double(static_cast<float>(x)) : x; }

  std::int64_t rank() const { return std::int64_t(shape.size()); }
  std::int64_t count() const {
    std::int64_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }

  static tensor scalar(double v, dtype t = dtype::float64) { return {{}, {rounded(v, t)}, t}; }
  /// A 1-D array of the coefficients of `v` (any Eigen vector or array).
  template <class D>
  static tensor vec(const Eigen::DenseBase<D>& v, dtype t = dtype::float32) {
    tensor out{{std::int64_t(v.size())}, {}, t};
    out.values.resize(std::size_t(v.size()));
    for (index_t k = 0; k < v.size(); ++k) out.values[std::size_t(k)] = rounded(double(v.derived().coeff(k)), t);
    return out;
  }
  /// A 2-D array of shape (rows, cols) holding `m` row by row.
  template <class D>
  static tensor mat(const Eigen::DenseBase<D>& m, dtype t = dtype::float32) {
    tensor out{{std::int64_t(m.rows()), std::int64_t(m.cols())}, {}, t};
    out.values.reserve(std::size_t(m.size()));
    for (index_t r = 0; r < m.rows(); ++r)
      for (index_t c = 0; c < m.cols(); ++c) out.values.push_back(rounded(double(m.derived().coeff(r, c)), t));
    return out;
  }
  /// A 1-D array of n copies of v.
  static tensor filled(std::int64_t n, double v, dtype t = dtype::float32) {
    return {{n}, std::vector<double>(std::size_t(n), rounded(v, t)), t};
  }

  /// The values as a column array, for a 1-D array (or a scalar, as one value); `what` names
  /// the array in the error.
  array<double> as_array(const std::string& what) const {
    require(rank() <= 1, what, "a 1-D array, got rank " + std::to_string(rank()));
    return Eigen::Map<const array<double>>(values.data(), index_t(values.size()));
  }
  /// The values as a (shape[0] × shape[1]) matrix, for a 2-D array.
  matrix<double> as_matrix(const std::string& what) const {
    require(rank() == 2, what, "a 2-D array (out, in), got rank " + std::to_string(rank()));
    return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        values.data(), index_t(shape[0]), index_t(shape[1]));
  }
};

/// A metadata entry: a number or array, or a string.
using value = std::variant<tensor, std::string>;
using metadata_map = std::map<std::string, value>;

struct graph;

/// One node: its NIR type, its parameters, its metadata; a "NIRGraph" node holds a subgraph.
struct node {
  std::string type;
  std::map<std::string, tensor> params;
  metadata_map metadata;
  std::shared_ptr<graph> subgraph;  ///< the nodes and edges of a "NIRGraph" node

  bool has(const std::string& p) const { return params.count(p) != 0; }
  /// Parameter p, or an error naming the node (`where`) and the missing parameter.
  const tensor& param(const std::string& where, const std::string& p) const {
    auto it = params.find(p);
    if (it == params.end())
      throw invalid_parameter(where, "a " + type + " node with a '" + p + "' array (NIR's " + type + " has one)");
    return it->second;
  }
};

/// The whole graph. Nodes are kept by name (HDF5 lists a group's members by name too).
struct graph {
  std::string version = format_version;
  std::map<std::string, node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
  metadata_map metadata;

  node& add(const std::string& name, node n) {
    require(!name.empty() && name.find('/') == std::string::npos && name != "." && name != "..", "node name",
            "a non-empty name without '/' (an HDF5 group name), got '" + name + "'");
    require(!nodes.count(name), "node name", "a name used once, '" + name + "' is taken");
    return nodes.emplace(name, std::move(n)).first->second;
  }
  void connect(const std::string& from, const std::string& to) { edges.emplace_back(from, to); }

  /// The names of the nodes of type t.
  std::vector<std::string> of_type(const std::string& t) const {
    std::vector<std::string> out;
    for (const auto& [name, n] : nodes)
      if (n.type == t) out.push_back(name);
    return out;
  }
  std::vector<std::string> sources_of(const std::string& target) const {
    std::vector<std::string> out;
    for (const auto& [a, b] : edges)
      if (b == target) out.push_back(a);
    return out;
  }
  std::vector<std::string> targets_of(const std::string& source) const {
    std::vector<std::string> out;
    for (const auto& [a, b] : edges)
      if (a == source) out.push_back(b);
    return out;
  }

  /// Every edge names two nodes of this graph; `where` (the file) is named in the error.
  void check_edges(const std::string& where) const {
    for (const auto& [a, b] : edges)
      for (const auto* end : {&a, &b})
        if (!nodes.count(*end))
          throw file_error(where, "NIR edge (" + a + ", " + b + ") names '" + *end + "', which is no node of the graph");
  }
};

/// Metadata lookups with defaults (a number stored as a 0-d or one-element array).
inline double number_or(const metadata_map& m, const std::string& key, double fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  const auto* t = std::get_if<tensor>(&it->second);
  require(t && t->values.size() == 1, "metadata '" + key + "'", "a number");
  return t->values[0];
}
inline std::string text_or(const metadata_map& m, const std::string& key, std::string fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  const auto* s = std::get_if<std::string>(&it->second);
  require(s != nullptr, "metadata '" + key + "'", "a string");
  return *s;
}

/// The graph with every "NIRGraph" node replaced by its own nodes, named "<subgraph>.<node>":
/// an edge into the subgraph goes to what its Input nodes feed, an edge out of it comes from
/// what feeds its Output nodes. An edge may name one Input or Output of a subgraph
/// ("<subgraph>.<input>") to use that one alone, or an inner node ("<subgraph>.<node>").
/// Other tools (snnTorch's recurrent layers) write recurrent blocks as such subgraphs.
inline graph flatten(const graph& g) {
  graph out;
  out.version = g.version;
  out.metadata = g.metadata;
  // where an edge naming a subgraph (or one of its Input/Output nodes) really begins or ends
  std::map<std::string, std::vector<std::string>> entries, exits;
  for (const auto& [name, n] : g.nodes) {
    if (n.type != "NIRGraph") {
      out.nodes.emplace(name, n);
      continue;
    }
    require(n.subgraph != nullptr, "node '" + name + "'", "a NIRGraph node with its nodes and edges");
    const graph inner = flatten(*n.subgraph);
    // An edge of an untrusted subgraph may name no node (a graph built without check_edges),
    // and one into its Input or out of its Output would name a node flattening removes: both
    // are refused here rather than left for nodes.at() to throw std::out_of_range one level up
    // (found writing tests/fuzz/nir.cpp: an Input feeding an Input, two subgraphs deep).
    const std::string where = "node '" + name + "'";  // clang 14 captures no structured binding
    const auto type_of = [&](const std::string& x) -> const std::string& {
      auto it = inner.nodes.find(x);
      if (it == inner.nodes.end()) throw invalid_parameter(where, "a subgraph whose edges name its nodes, got '" + x + "'");
      return it->second.type;
    };
    const auto is_io = [&](const std::string& x) {
      const std::string& t = type_of(x);
      return t == "Input" || t == "Output";
    };
    for (const auto& [iname, in] : inner.nodes)
      if (!is_io(iname)) out.nodes.emplace(name + "." + iname, in);
    entries[name], exits[name];  // a subgraph named by an edge but passing nothing is refused below
    for (const auto& [a, b] : inner.edges) {
      const bool from_input = type_of(a) == "Input";
      const bool to_output = type_of(b) == "Output";
      if (type_of(b) == "Input" || type_of(a) == "Output")
        throw invalid_parameter("edge (" + a + ", " + b + ") of node '" + name + "'",
                                "no edge into a subgraph's Input or out of its Output");
      if (from_input && to_output)
        throw invalid_parameter("node '" + name + "'", "a subgraph whose Input does not lead straight to its Output");
      if (from_input) {
        entries[name].push_back(name + "." + b);
        entries[name + "." + a].push_back(name + "." + b);
      } else if (to_output) {
        exits[name].push_back(name + "." + a);
        exits[name + "." + b].push_back(name + "." + a);
      } else {
        out.edges.emplace_back(name + "." + a, name + "." + b);
      }
    }
  }
  for (const auto& [a, b] : g.edges) {
    std::vector<std::string> from{a}, to{b};
    if (auto it = exits.find(a); it != exits.end()) from = it->second;
    if (auto it = entries.find(b); it != entries.end()) to = it->second;
    if (from.empty() || to.empty())
      throw invalid_parameter("edge (" + a + ", " + b + ")",
                              std::string("a subgraph that passes something on: its ") +
                                  (from.empty() ? "Output is fed by no node" : "Input feeds no node"));
    for (const auto& x : from)
      for (const auto& y : to) out.edges.emplace_back(x, y);
  }
  return out;
}

}  // namespace spikernn::nir
