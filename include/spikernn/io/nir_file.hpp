// NIR files (Neuromorphic Intermediate Representation, neuroir.org): a nir::graph written to
// and read from HDF5 in exactly the layout of NIR's own Python package (nir.write / nir.read),
// so that snnTorch, Norse, Rockpool, Sinabs, Spyx, SpikingJelly, Lava-DL, … read what spikernn
// writes and spikernn reads what they write:
//
//   /version                 variable-length UTF-8 string ("1.0.7")
//   /node/type               "NIRGraph"
//   /node/nodes/<name>/type  the node's type; its parameters as numeric datasets beside it
//   /node/nodes/<name>/metadata/<key>   (only when the node has metadata)
//   /node/edges              (E, 2) variable-length UTF-8 strings: source, target
//   /node/metadata/<key>     the graph's metadata
//
// Arrays are row-major as numpy's, gzip-compressed as nir.write does; a subgraph is a node of
// type "NIRGraph" with its own nodes/edges. Files are written atomically and, unless asked to
// replace, never over an existing file. Reading checks everything before it allocates (the
// declared sizes against what the file could hold) and names the file and the HDF5 path of
// anything it refuses.
//
// Needs libhdf5: only compiled where the CMake target spikernn::nir is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/atomic_file.hpp"
#include "spikernn/io/deflate_limit.hpp"
#include "spikernn/io/hdf5_support.hpp"
#include "spikernn/io/nir_graph.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace spikernn::io {

namespace detail {

/// Writes one graph level into an open HDF5 group.
class nir_writer {
 public:
  explicit nir_writer(std::string file) : file_(std::move(file)) {}

  /// `metadata`: the graph's own, or for a subgraph the NIRGraph node's (one "metadata" group).
  void graph_into(hid_t group, const nir::graph& g, const nir::metadata_map& metadata) {
    string_dataset(group, "type", "NIRGraph");
    const h5_group nodes = make_group(group, "nodes");
    for (const auto& [name, n] : g.nodes) {
      const h5_group ng = make_group(nodes.get(), name);
      if (n.type == "NIRGraph") {
        require(n.subgraph != nullptr, "node '" + name + "'", "a NIRGraph node with its nodes and edges");
        nir::metadata_map both = n.subgraph->metadata;
        both.insert(n.metadata.begin(), n.metadata.end());
        graph_into(ng.get(), *n.subgraph, both);
      } else {
        require(!n.type.empty(), "node '" + name + "'", "a NIR type");
        string_dataset(ng.get(), "type", n.type);
        for (const auto& [key, t] : n.params) tensor_dataset(ng.get(), key, t);
        metadata_into(ng.get(), n.metadata);
      }
    }
    edges_dataset(group, g.edges);
    metadata_into(group, metadata);
  }

  void string_dataset(hid_t where, const std::string& name, const std::string& text) {
    const h5_type type = utf8_string_type();
    const h5_space space{H5Screate(H5S_SCALAR)};
    const h5_dataset d{H5Dcreate2(where, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)};
    const char* p = text.c_str();
    check(d.valid() && H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0, name);
  }

 private:
  std::string file_;

  void check(bool ok, const std::string& what) const {
    if (!ok) throw file_error(file_, "cannot write NIR dataset '" + what + "': " + hdf5_error_message());
  }
  h5_group make_group(hid_t where, const std::string& name) const {
    h5_group g{H5Gcreate2(where, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)};
    check(g.valid(), name);
    return g;
  }
  static h5_type utf8_string_type() {
    h5_type t{H5Tcopy(H5T_C_S1)};
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
  }

  void tensor_dataset(hid_t where, const std::string& name, const nir::tensor& t) {
    require(t.count() == std::int64_t(t.values.size()), "array '" + name + "'",
            "as many values as its shape holds (" + std::to_string(t.count()) + "), got " + std::to_string(t.values.size()));
    std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
    const h5_space space{t.shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(dims.size()), dims.data(), nullptr)};
    const hid_t file_type = t.stored == nir::dtype::float32   ? H5T_IEEE_F32LE
                            : t.stored == nir::dtype::float64 ? H5T_IEEE_F64LE
                                                              : H5T_STD_I64LE;
    // gzip level 4 on chunks of whole rows (at most ~4 MiB each), as h5py's compression="gzip"
    const h5_plist props{H5Pcreate(H5P_DATASET_CREATE)};
    if (!t.shape.empty() && t.count() > 0) {
      std::vector<hsize_t> chunk = dims;
      const hsize_t row = t.count() / t.shape[0];
      chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], (hsize_t(1) << 19) / std::max<hsize_t>(1, row)));
      H5Pset_chunk(props.get(), int(chunk.size()), chunk.data());
      H5Pset_deflate(props.get(), 4);
    }
    const h5_dataset d{H5Dcreate2(where, name.c_str(), file_type, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT)};
    bool ok = d.valid();
    if (ok && t.stored == nir::dtype::int64) {
      std::vector<std::int64_t> v(t.values.size());
      for (std::size_t k = 0; k < v.size(); ++k) {
        require(t.values[k] == double(std::int64_t(t.values[k])), "array '" + name + "'", "whole numbers for an int64 array");
        v[k] = std::int64_t(t.values[k]);
      }
      ok = H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0;
    } else if (ok) {  // HDF5 rounds the doubles to float32 where the file type says so
      ok = H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.values.data()) >= 0;
    }
    check(ok, name);
  }

  void edges_dataset(hid_t where, const std::vector<std::pair<std::string, std::string>>& edges) {
    const h5_type type = utf8_string_type();
    const hsize_t dims[2] = {edges.size(), 2};
    const h5_space space{H5Screate_simple(2, dims, nullptr)};
    std::vector<const char*> names;
    for (const auto& [a, b] : edges) {
      names.push_back(a.c_str());
      names.push_back(b.c_str());
    }
    const h5_dataset d{H5Dcreate2(where, "edges", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)};
    check(d.valid() && (edges.empty() || H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()) >= 0),
          "edges");
  }

  void metadata_into(hid_t where, const nir::metadata_map& m) {
    if (m.empty()) return;  // nir.write leaves an empty metadata dict out
    const h5_group g = make_group(where, "metadata");
    for (const auto& [key, v] : m) {
      if (const auto* s = std::get_if<std::string>(&v))
        string_dataset(g.get(), key, *s);
      else
        tensor_dataset(g.get(), key, std::get<nir::tensor>(v));
    }
  }
};

/// Reads one graph level; every refusal names the file and the HDF5 path.
class nir_reader {
 public:
  nir_reader(std::string file, std::uintmax_t capacity) : file_(std::move(file)), budget_(capacity) {}

  nir::graph graph_from(hid_t group, const std::string& path, int depth) {
    if (depth > 16) fail(path, "NIR subgraphs nested more than 16 deep");
    nir::graph g;
    const std::string type = string_at(group, "type", path);
    if (type != "NIRGraph") fail(path + "/type", "the graph's type \"NIRGraph\", got \"" + type + "\"");
    const h5_group nodes{H5Gopen2(group, "nodes", H5P_DEFAULT)};
    if (!nodes.valid()) fail(path + "/nodes", "a group of nodes");
    for (const std::string& name : members(nodes.get(), path + "/nodes")) {
      const std::string npath = path + "/nodes/" + name;
      const h5_group ng{H5Gopen2(nodes.get(), name.c_str(), H5P_DEFAULT)};
      if (!ng.valid()) fail(npath, "a group (a node)");
      nir::node n;
      n.type = string_at(ng.get(), "type", npath);
      if (n.type == "NIRGraph") {
        n.subgraph = std::make_shared<nir::graph>(graph_from(ng.get(), npath, depth + 1));
        n.metadata = std::move(n.subgraph->metadata);
        n.subgraph->metadata.clear();
      } else {
        for (const std::string& key : members(ng.get(), npath)) {
          if (key == "type") continue;
          if (key == "metadata") {
            n.metadata = metadata_from(ng.get(), npath + "/metadata");
            continue;
          }
          const h5_dataset d{H5Dopen2(ng.get(), key.c_str(), H5P_DEFAULT)};
          if (!d.valid()) fail(npath + "/" + key, "a dataset (a parameter of the node)");
          if (is_string(d.get()))
            n.metadata[key] = string_of(d.get(), npath + "/" + key);  // e.g. a padding mode: kept, not a number
          else
            n.params[key] = tensor_of(d.get(), npath + "/" + key);
        }
      }
      g.nodes.emplace(name, std::move(n));
    }
    g.edges = edges_from(group, path + "/edges");
    if (H5Lexists(group, "metadata", H5P_DEFAULT) > 0) g.metadata = metadata_from(group, path + "/metadata");
    g.check_edges(file_);
    return g;
  }

  std::string string_at(hid_t group, const char* name, const std::string& path) {
    const std::string p = path + "/" + name;
    if (H5Lexists(group, name, H5P_DEFAULT) <= 0) fail(p, "a string dataset (NIR writes one)");
    const h5_dataset d{H5Dopen2(group, name, H5P_DEFAULT)};
    if (!d.valid() || !is_string(d.get())) fail(p, "a string dataset");
    return string_of(d.get(), p);
  }

 private:
  std::string file_;
  std::uintmax_t budget_;  ///< bytes of data the rest of the file may still declare

  [[noreturn]] void fail(const std::string& path, const std::string& expected) const {
    throw file_error(file_, "NIR: '" + path + "': expected " + expected);
  }

  std::vector<std::string> members(hid_t group, const std::string& path) {
    std::vector<std::string> names;
    const herr_t rc = H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
          static_cast<std::vector<std::string>*>(out)->emplace_back(name);
          return 0;
        },
        &names);
    if (rc < 0) fail(path, "a readable group (" + hdf5_error_message() + ")");
    return names;
  }

  static bool is_string(hid_t d) {
    const h5_type t{H5Dget_type(d)};
    return t.valid() && H5Tget_class(t.get()) == H5T_STRING;
  }

  void charge(std::uintmax_t bytes, const std::string& path) {
    if (bytes > budget_) fail(path, "no more data than the file can hold (it declares " + std::to_string(bytes) + " bytes)");
    budget_ -= bytes;
  }

  /// The dimensions of a dataset (empty for a scalar), charged against the file's capacity.
  std::vector<hsize_t> dims_of(hid_t d, const std::string& path, std::uintmax_t element_bytes) {
    const h5_space s{H5Dget_space(d)};
    const int rank = s.valid() ? H5Sget_simple_extent_ndims(s.get()) : -1;
    if (rank < 0 || rank > 8) fail(path, "a simple dataspace of rank 0…8");
    std::vector<hsize_t> dims(std::size_t(rank), 0);
    if (rank > 0) H5Sget_simple_extent_dims(s.get(), dims.data(), nullptr);
    std::uintmax_t count = 1;
    for (hsize_t x : dims) {
      // Each dimension on its own too: after a zero one the product stays 0, and a (0, 2^62)
      // array, which holds nothing, still declares a width (an Affine's columns) that users
      // allocate and loop over (found writing tests/fuzz/nir.cpp: nir_network looped 2^62 times).
      if (x > budget_ || (x != 0 && count > budget_ / x)) fail(path, "no more data than the file can hold");
      count *= x;
    }
    charge(count * element_bytes, path);
    return dims;
  }

  std::vector<std::string> strings_of(hid_t d, const std::string& path, std::vector<hsize_t>* dims_out = nullptr) {
    const h5_type ft{H5Dget_type(d)};
    const std::vector<hsize_t> dims = dims_of(d, path, 16);
    std::size_t count = 1;
    for (hsize_t x : dims) count *= std::size_t(x);
    if (dims_out) *dims_out = dims;
    std::vector<std::string> out(count);
    if (count == 0) return out;
    if (H5Tis_variable_str(ft.get()) > 0) {
      h5_type mt{H5Tcopy(H5T_C_S1)};
      H5Tset_size(mt.get(), H5T_VARIABLE);
      H5Tset_cset(mt.get(), H5Tget_cset(ft.get()));
      std::vector<char*> ptrs(count, nullptr);
      if (H5Dread(d, mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
        fail(path, "readable strings (" + hdf5_error_message() + ")");
      for (std::size_t k = 0; k < count; ++k) out[k] = ptrs[k] ? ptrs[k] : "";
      const h5_space s{H5Dget_space(d)};
      H5Dvlen_reclaim(mt.get(), s.get(), H5P_DEFAULT, ptrs.data());
    } else {  // fixed-length strings (numpy 'S' arrays)
      const std::size_t width = H5Tget_size(ft.get());
      if (width == 0 || width > (std::size_t(1) << 20)) fail(path, "strings of a sensible length");
      charge(width * count, path);
      std::vector<char> buf(width * count);
      if (H5Dread(d, ft.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        fail(path, "readable strings (" + hdf5_error_message() + ")");
      for (std::size_t k = 0; k < count; ++k) {
        const char* p = buf.data() + k * width;
        out[k] = std::string(p, strnlen(p, width));
      }
    }
    return out;
  }

  std::string string_of(hid_t d, const std::string& path) {
    std::vector<hsize_t> dims;
    auto s = strings_of(d, path, &dims);
    if (s.size() != 1) fail(path, "one string");
    return s[0];
  }

  nir::tensor tensor_of(hid_t d, const std::string& path) {
    const h5_type ft{H5Dget_type(d)};
    const H5T_class_t cls = H5Tget_class(ft.get());
    nir::tensor t;
    if (cls == H5T_FLOAT)
      t.stored = H5Tget_size(ft.get()) <= 4 ? nir::dtype::float32 : nir::dtype::float64;
    else if (cls == H5T_INTEGER)
      t.stored = nir::dtype::int64;
    else if (cls == H5T_ENUM) {  // numpy booleans, as h5py writes them: an enum over int8
      t.stored = nir::dtype::int64;
    } else
      fail(path, "a numeric array (float or integer)");
    const std::vector<hsize_t> dims = dims_of(d, path, sizeof(double));
    for (hsize_t x : dims) t.shape.push_back(std::int64_t(x));
    t.values.resize(std::size_t(t.count()));
    if (t.values.empty()) return t;
    herr_t rc;
    if (cls == H5T_ENUM) {
      std::vector<signed char> b(t.values.size());
      const h5_type base{H5Tget_super(ft.get())};
      rc = H5Tget_size(base.get()) == 1 ? H5Dread(d, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, b.data()) : -1;
      for (std::size_t k = 0; k < b.size(); ++k) t.values[k] = b[k];
    } else {
      rc = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.values.data());
    }
    if (rc < 0) fail(path, "a readable numeric array (" + hdf5_error_message() + ")");
    return t;
  }

  std::vector<std::pair<std::string, std::string>> edges_from(hid_t group, const std::string& path) {
    std::vector<std::pair<std::string, std::string>> edges;
    if (H5Lexists(group, "edges", H5P_DEFAULT) <= 0) fail(path, "the graph's edges (an (E, 2) string dataset)");
    const h5_dataset d{H5Dopen2(group, "edges", H5P_DEFAULT)};
    if (!d.valid()) fail(path, "a dataset");
    if (!is_string(d.get())) {  // a graph without edges, as numpy writes an empty list: float64 (0,)
      const nir::tensor empty = tensor_of(d.get(), path);
      if (empty.count() != 0) fail(path, "(E, 2) strings");
      return edges;
    }
    std::vector<hsize_t> dims;
    const auto names = strings_of(d.get(), path, &dims);
    if (names.empty()) return edges;
    if (dims.size() != 2 || dims[1] != 2) fail(path, "(E, 2) strings: source, target");
    for (std::size_t k = 0; k + 1 < names.size(); k += 2) edges.emplace_back(names[k], names[k + 1]);
    return edges;
  }

  nir::metadata_map metadata_from(hid_t parent, const std::string& path) {
    nir::metadata_map m;
    const h5_group g{H5Gopen2(parent, "metadata", H5P_DEFAULT)};
    if (!g.valid()) fail(path, "a group");
    collect_metadata(g.get(), path, "", m, 0);
    return m;
  }
  /// Nested metadata groups (nir.write writes dicts as groups) are kept as "outer.inner" keys.
  void collect_metadata(hid_t g, const std::string& path, const std::string& prefix, nir::metadata_map& m, int depth) {
    if (depth > 16) fail(path, "metadata nested at most 16 deep");
    for (const std::string& key : members(g, path)) {
      H5O_info_t info;
      if (H5Oget_info_by_name(g, key.c_str(), &info, H5P_DEFAULT) < 0) fail(path + "/" + key, "a readable object");
      if (info.type == H5O_TYPE_GROUP) {
        const h5_group sub{H5Gopen2(g, key.c_str(), H5P_DEFAULT)};
        collect_metadata(sub.get(), path + "/" + key, prefix + key + ".", m, depth + 1);
        continue;
      }
      const h5_dataset d{H5Dopen2(g, key.c_str(), H5P_DEFAULT)};
      if (!d.valid()) fail(path + "/" + key, "a dataset");
      if (is_string(d.get()))
        m[prefix + key] = string_of(d.get(), path + "/" + key);
      else
        m[prefix + key] = tensor_of(d.get(), path + "/" + key);
    }
  }
};

}  // namespace detail

/// Writes `g` to `path` in NIR's HDF5 layout, atomically; an existing file is replaced only
/// with on_existing::replace (default: refused, so nothing a user made is overwritten).
inline void write_nir(const std::filesystem::path& path, const nir::graph& g, on_existing existing = on_existing::refuse) {
  if (existing == on_existing::refuse && std::filesystem::exists(path))
    throw file_error(path.string(), "exists: spikernn does not overwrite it (remove it or choose another name)");
  detail::hdf5_quiet quiet;
  atomic_path out(path);
  {
    const detail::h5_file f{H5Fcreate(out.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)};
    if (!f.valid()) throw file_error(path.string(), "cannot create: " + detail::hdf5_error_message());
    detail::nir_writer w(path.string());
    w.string_dataset(f.get(), "version", g.version.empty() ? nir::format_version : g.version);
    const detail::h5_group node{H5Gcreate2(f.get(), "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)};
    if (!node.valid()) throw file_error(path.string(), "cannot write group 'node': " + detail::hdf5_error_message());
    w.graph_into(node.get(), g, g.metadata);
    if (H5Fflush(f.get(), H5F_SCOPE_GLOBAL) < 0)
      throw file_error(path.string(), "cannot write (disk full?): " + detail::hdf5_error_message());
  }
  out.commit(existing);
}

/// Reads the NIR graph of `path` (subgraphs kept as "NIRGraph" nodes: see nir::flatten).
inline nir::graph read_nir(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw file_error(path.string(), "does not exist or is not a file");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  detail::hdf5_quiet quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw file_error(path.string(), "is not an HDF5 file (a NIR file is one)");
  const detail::h5_file f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)};
  if (!f.valid()) throw file_error(path.string(), "cannot open: " + detail::hdf5_error_message());
  detail::nir_reader r(path.string(), detail::deflate_max_ratio * std::max<std::uintmax_t>(size, 1));
  if (H5Lexists(f.get(), "node", H5P_DEFAULT) <= 0)
    throw file_error(path.string(), "NIR: no group '/node' (is this a NIR file? nir.write writes /version and /node)");
  const detail::h5_group node{H5Gopen2(f.get(), "node", H5P_DEFAULT)};
  if (!node.valid()) throw file_error(path.string(), "NIR: '/node' is not a group");
  nir::graph g = r.graph_from(node.get(), "/node", 0);
  g.version = H5Lexists(f.get(), "version", H5P_DEFAULT) > 0 ? r.string_at(f.get(), "version", "") : "";
  return g;
}

}  // namespace spikernn::io
