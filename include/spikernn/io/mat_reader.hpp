// Reading MAT files: mat_reader loads a MAT v5 (or v7.3, where matio has HDF5) file whole and
// gives typed, coercing, shape-checked access to its variables. Every error names the file, the
// variable and what was expected, so a model saved by MATLAB, scipy or the PyTorch port either
// loads as intended or fails with a message the user can act on.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/io/mat_layout.hpp"
#include "spikernn/io/mat_v5_check.hpp"
#include "spikernn/io/mat_v73_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace spikernn::io {

/// Reads a MAT file (v5, or v7.3 when matio was built with HDF5) completely at construction
/// and closes it, so the file can be replaced while the reader is alive (e.g. rewriting it
/// with copy_all_except). Accessors coerce between numeric classes and check shapes.
/// A damaged file is refused at construction: a MAT v5 file is checked element by element
/// before matio reads it (detail::v5_file_problem: compressed variables inflated and their
/// checksums verified, dimensions against data), a v7.3 file is opened and listed by HDF5
/// first. A variable that still cannot be read (an unsupported class, data matio could not
/// decode) is refused by name when it is asked for, and by copy_all_except before it writes.
class mat_reader {
 public:
  explicit mat_reader(std::filesystem::path path) : path_(std::move(path)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path_, ec);
    if (!fs::exists(status)) throw file_error(str(), "does not exist");
    if (fs::is_directory(status)) throw file_error(str(), "is a directory, not a MAT file");
    // A FIFO or device would block the reader or never end: a model is a regular file.
    if (!fs::is_regular_file(status))
      throw file_error(str(), "is not a regular file (a pipe, socket or device?), expected a MAT file");
    std::ifstream probe(path_, std::ios::binary);
    if (!probe) throw file_error(str(), "cannot be opened for reading");
    // The header decides, not matio: matio takes anything without a v5 header for MAT v4 and
    // parses it as such, which spikernn does not read; random bytes and empty files end up there.
    unsigned char header[128] = {};
    probe.read(reinterpret_cast<char*>(header), 128);
    const bool little = header[126] == 'I' && header[127] == 'M', big = header[126] == 'M' && header[127] == 'I';
    const unsigned version = little ? (header[125] << 8 | header[124]) : (header[124] << 8 | header[125]);
    if (probe.gcount() != 128 || !(little || big) || (version != 0x0100 && version != 0x0200))
      throw file_error(str(), "not a MAT file (expected MAT v5 or v7.3; MAT v4 is not supported)");
    probe.close();
    const bool v73 = version == 0x0200;
    if (!v73) {
      // Every element checked before matio allocates anything from it (detail::v5_file_problem).
      if (const std::string problem = detail::v5_file_problem(path_); !problem.empty())
        throw file_error(str(), "corrupt MAT file: " + problem);
    }

    std::optional<detail::hdf5_quiet> quiet;  // declared before the file: closing it stays quiet too
    if (v73) quiet.emplace();
#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
    // matio opens a v7.3 file it cannot read as one without variables: HDF5 is asked first.
    std::vector<std::string> hdf5_names;
    if (v73)
      if (const std::string problem = detail::v73_variables(path_, hdf5_names); !problem.empty())
        throw file_error(str(), "corrupt MAT v7.3 file: " + problem);
#endif
    detail::mat_ptr mat(Mat_Open(str().c_str(), MAT_ACC_RDONLY));
    if (!mat)
      throw file_error(str(), v73 ? "corrupt MAT v7.3 file: HDF5 cannot open it (damaged or truncated HDF5 structure)"
                                  : "not a MAT file (expected MAT v5 or v7.3)");
    if (Mat_GetVersion(mat.get()) != (v73 ? MAT_FT_MAT73 : MAT_FT_MAT5))
      throw file_error(str(), "not a MAT file (expected MAT v5 or v7.3; this matio cannot read it)");

    // First the directory (headers only), then each variable's data in one more pass (by name
    // would take a pass per variable), so a variable matio cannot decode does not hide the ones
    // after it. `order`: the entry of each listed variable; none for a nameless or repeated one.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::vector<entry> infos;
    std::vector<std::size_t> order;
    std::set<std::string> seen;
    while (true) {
      detail::var_ptr info(Mat_VarReadNextInfo(mat.get()));
      if (!info) break;
      if (info->name == nullptr || !seen.insert(info->name).second) {
        order.push_back(none);
        continue;
      }
      order.push_back(infos.size());
      std::string name = info->name;
      infos.push_back({std::move(name), nullptr, std::move(info), {}});
    }
    if (v73) check_v73_sizes(infos);
#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
    // A variable HDF5 lists but matio could not describe is kept as one that cannot be read.
    for (const auto& name : hdf5_names)
      if (seen.insert(name).second)
        infos.push_back({name, nullptr, nullptr, "HDF5 cannot read it (a damaged object in the file)"});
#endif
    Mat_Rewind(mat.get());
    for (const std::size_t k : order) {
      detail::var_ptr var(Mat_VarReadNext(mat.get()));  // null when its data cannot be read
      if (k == none) continue;
      entry& e = infos[k];
      e.var = std::move(var);
      if (e.var && (e.var->name == nullptr || e.name != e.var->name)) e.var.reset();  // out of step: never pair wrongly
      if (e.var) {
        e.problem = detail::var_problem(*e.var);
      } else {
        const matvar_t& h = *e.info;
        const bool unsupported = h.class_type == MAT_C_FUNCTION || h.class_type == MAT_C_OBJECT ||
                                 h.class_type == MAT_C_OPAQUE;
        e.problem = unsupported ? "MATLAB " + detail::class_name(h) + " arrays are not supported (they cannot be read or copied)"
                                : "matio could not read its data (corrupt file?)";
      }
      if (!e.problem.empty()) e.var.reset();
      if (e.var) e.info.reset();  // the header alone is kept only for variables that cannot be read
    }
    vars_ = std::move(infos);
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  [[nodiscard]] bool has(const std::string& name) const { return find(name) != nullptr; }

  /// Variable names in file order.
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(vars_.size());
    for (const auto& e : vars_) out.push_back(e.name);
    return out;
  }

  /// MATLAB size of a variable (at least two dimensions).
  [[nodiscard]] std::vector<std::size_t> dims(const std::string& name) const {
    return detail::dims_of(header(name));
  }

  /// MATLAB class of a variable: "double", "single", "int64", "logical", "char", "cell",
  /// "struct", "complex double", ...
  [[nodiscard]] std::string class_name(const std::string& name) const {
    return detail::class_name(header(name));
  }

  /// A numeric or logical variable as a rows×cols matrix of S (-1: any extent). Trailing
  /// singleton dimensions are ignored (a T×N×1 array is a T×N matrix).
  template <detail::readable_element S>
  [[nodiscard]] spikernn::matrix<S> matrix(const std::string& name, Eigen::Index rows = -1,
                                           Eigen::Index cols = -1) const {
    const std::string expected =
        "a " + detail::expected_extent(rows) + "×" + detail::expected_extent(cols) + " numeric matrix";
    const matvar_t& v = get_numeric(name, expected);
    const auto d = detail::dims_of(v);
    bool ok = d.size() >= 2 && std::all_of(d.begin() + 2, d.end(), [](std::size_t x) { return x == 1; });
    ok = ok && (rows < 0 || d[0] == static_cast<std::size_t>(rows)) &&
         (cols < 0 || d[1] == static_cast<std::size_t>(cols));
    if (!ok) fail_shape(name, expected, d);
    spikernn::matrix<S> out(static_cast<Eigen::Index>(d[0]), static_cast<Eigen::Index>(d[1]));
    convert_into(v, name, out.data(), static_cast<std::size_t>(out.size()));
    return out;
  }

  /// A numeric or logical vector (n×1 or 1×n; -1: any length) as a column of S.
  template <detail::readable_element S>
  [[nodiscard]] spikernn::vector<S> vector(const std::string& name, Eigen::Index n = -1) const {
    const std::string expected = "a numeric vector of length " + detail::expected_extent(n);
    const matvar_t& v = get_numeric(name, expected);
    const std::size_t count = vector_length(v, name, expected, n);
    spikernn::vector<S> out(static_cast<Eigen::Index>(count));
    convert_into(v, name, out.data(), count);
    return out;
  }

  /// matrix<S>() that also refuses NaN and ±Inf (e.g. weights of a diverged run).
  template <detail::readable_element S>
  [[nodiscard]] spikernn::matrix<S> finite_matrix(const std::string& name, Eigen::Index rows = -1,
                                                  Eigen::Index cols = -1) const {
    spikernn::matrix<S> m = matrix<S>(name, rows, cols);
    check_finite(name, m.data(), m.rows(), static_cast<std::size_t>(m.size()));
    return m;
  }

  /// vector<S>() that also refuses NaN and ±Inf.
  template <detail::readable_element S>
  [[nodiscard]] spikernn::vector<S> finite_vector(const std::string& name, Eigen::Index n = -1) const {
    spikernn::vector<S> x = vector<S>(name, n);
    check_finite(name, x.data(), x.rows(), static_cast<std::size_t>(x.size()));
    return x;
  }

  /// A numeric or logical variable with exactly one element.
  [[nodiscard]] double scalar(const std::string& name) const {
    const matvar_t& v = get_numeric(name, "a numeric scalar");
    const auto d = detail::dims_of(v);
    if (detail::numel(d) != 1) fail_shape(name, "a numeric scalar (1×1)", d);
    double x = 0;
    convert_into(v, name, &x, 1);
    return x;
  }

  /// A scalar with an integral value, from any numeric class (scipy writes a Python int as
  /// int64, the TensorFlow original wrote N as double).
  [[nodiscard]] std::int64_t integer(const std::string& name) const {
    const matvar_t& v = get_numeric(name, "an integer scalar");
    const auto d = detail::dims_of(v);
    if (detail::numel(d) != 1) fail_shape(name, "an integer scalar (1×1)", d);
    std::int64_t x = 0;
    bool ok = true;
    visit(v, [&](const auto* p) { ok = detail::convert(p[0], x); });
    if (!ok)
      fail(name, "expected an integer scalar, found the non-integral or out-of-range value " +
                     to_string(scalar(name)));
    return x;
  }

  /// A logical vector, from the logical class or any numeric class holding only 0 and 1 (the
  /// PyTorch port saves exc/inh as float64 0/1).
  [[nodiscard]] Eigen::Array<bool, Eigen::Dynamic, 1> logical(const std::string& name,
                                                              Eigen::Index n = -1) const {
    const std::string expected = "a logical (0/1) vector of length " + detail::expected_extent(n);
    const matvar_t& v = get_numeric(name, expected);
    const std::size_t count = vector_length(v, name, expected, n);
    Eigen::Array<bool, Eigen::Dynamic, 1> out(static_cast<Eigen::Index>(count));
    if (count == 0) return out;
    visit(v, [&](const auto* p) {
      for (std::size_t i = 0; i < count; ++i) {
        if (p[i] != 0 && p[i] != 1)
          fail(name, "expected " + expected + ", element " + std::to_string(i) + " is " +
                         to_string(static_cast<double>(p[i])));
        out[static_cast<Eigen::Index>(i)] = p[i] == 1;
      }
    });
    return out;
  }

  /// A string: a 1×n (or empty) char array, or a 1×1 cell holding one.
  [[nodiscard]] std::string string(const std::string& name) const {
    const std::string expected = "a string (char row or 1×1 cell of char)";
    const matvar_t* v = &get(name, expected);
    if (v->class_type == MAT_C_CELL) {
      if (detail::numel(detail::dims_of(*v)) != 1) fail_shape(name, expected, detail::dims_of(*v));
      v = Mat_VarGetCell(const_cast<matvar_t*>(v), 0);
      if (v == nullptr || v->class_type != MAT_C_CHAR)
        fail(name, "expected " + expected + ", the cell holds " +
                       (v ? detail::class_name(*v) : std::string("nothing")));
    }
    if (v->class_type != MAT_C_CHAR)
      fail(name, "expected " + expected + ", found " + detail::class_name(*v));
    auto rows = char_rows(*v, name);
    if (rows.size() > 1) fail_shape(name, expected, detail::dims_of(*v));
    return rows.empty() ? std::string() : rows.front();
  }

  /// A list of strings: a cell of char rows (any shape, column-major order), or a char matrix
  /// with one string per row (trailing blanks removed: MATLAB pads the rows to equal length).
  [[nodiscard]] std::vector<std::string> strings(const std::string& name) const {
    const std::string expected = "a list of strings (cell of char, or char matrix)";
    const matvar_t& v = get(name, expected);
    if (v.class_type == MAT_C_CHAR) {
      auto rows = char_rows(v, name);
      for (auto& r : rows) r.erase(r.find_last_not_of(' ') + 1);
      return rows;
    }
    if (v.class_type != MAT_C_CELL)
      fail(name, "expected " + expected + ", found " + detail::class_name(v));
    const std::size_t n = detail::numel(detail::dims_of(v));
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const matvar_t* e = Mat_VarGetCell(const_cast<matvar_t*>(&v), static_cast<int>(i));
      if (e == nullptr || e->class_type != MAT_C_CHAR)
        fail(name, "expected " + expected + ", cell element " + std::to_string(i) + " is " +
                       (e ? detail::class_name(*e) : std::string("missing")));
      auto rows = char_rows(*e, name);
      if (rows.size() > 1)
        fail(name, "expected " + expected + ", cell element " + std::to_string(i) + " is a " +
                       detail::shape_string(detail::dims_of(*e)) + " char matrix");
      out.push_back(rows.empty() ? std::string() : rows.front());
    }
    return out;
  }

  /// Writes every variable not named in `skip` into `out` (a mat_writer, io/mat_writer.hpp)
  /// unchanged (class, size, values, also cells and structs), e.g. to replace a few variables
  /// of a saved model and keep the rest. A template so that the reader does not depend on the
  /// writer (the writer reads its file back through the reader).
  template <class Writer>
  void copy_all_except(Writer& out, const std::vector<std::string>& skip) const {
    // Every variable to copy must be readable before the first one is written.
    for (const auto& e : vars_)
      if (!e.var && std::find(skip.begin(), skip.end(), e.name) == skip.end())
        fail(e.name, "could not be read (" + e.problem + "), so it cannot be copied; nothing was written");
    for (const auto& e : vars_) {
      if (std::find(skip.begin(), skip.end(), e.name) != skip.end()) continue;
      // A deep copy, so the reader stays const and matio may touch the copy while writing.
      detail::var_ptr copy(Mat_VarDuplicate(e.var.get(), 1));
      if (!copy) fail(e.name, "matio could not duplicate it for copying");
      out.write_var(*copy, e.name);
    }
  }

 private:
  struct entry {
    std::string name;
    detail::var_ptr var;   // the variable with its data; null when it could not be read
    detail::var_ptr info;  // then at least its header (class, size), for dims() and class_name()
    std::string problem;   // and why it could not be read
  };

  std::string str() const { return path_.string(); }

  [[noreturn]] void fail(const std::string& name, const std::string& what) const {
    throw file_error(str(), "variable '" + name + "': " + what);
  }

  [[noreturn]] void fail_shape(const std::string& name, const std::string& expected,
                               const std::vector<std::size_t>& found) const {
    fail(name, "expected " + expected + ", found " + detail::shape_string(found));
  }

  static std::string to_string(double x) {
    std::string s = std::to_string(x);
    if (s.find('.') != std::string::npos) s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  /// MAT v7.3: no variable may declare more data than the file could hold even compressed
  /// (detail::v73_capacity), so that damaged HDF5 dimensions are refused before matio
  /// allocates memory for them.
  void check_v73_sizes(const std::vector<entry>& infos) const {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path_, ec);
    const std::uintmax_t cap = detail::v73_capacity(ec ? 0 : size);
    for (const auto& e : infos) {
      if (!e.info) continue;
      const matvar_t& v = *e.info;
      const auto d = detail::dims_of(v);
      std::size_t width = 1;
      switch (v.class_type) {
        case MAT_C_DOUBLE: case MAT_C_INT64: case MAT_C_UINT64: width = 8; break;
        case MAT_C_SINGLE: case MAT_C_INT32: case MAT_C_UINT32: width = 4; break;
        case MAT_C_INT16: case MAT_C_UINT16: case MAT_C_CHAR: width = 2; break;
        default: break;
      }
      if (v.isComplex) width *= 2;
      const std::size_t n = detail::numel(d);
      if (n > cap / width)
        throw file_error(str(), "corrupt MAT v7.3 file: variable '" + detail::printable_name(e.name) + "' declares " +
                                    detail::shape_string(d) + " " + detail::class_name(v) +
                                    " elements, more than a file of " + std::to_string(size) +
                                    " bytes can hold even compressed");
    }
  }

  /// The variable or, if its data could not be read, its header.
  const matvar_t& header(const std::string& name) const {
    const entry* e = find(name);
    if (e != nullptr && !e->var && e->info) return *e->info;
    return get(name, "a variable");
  }

  const entry* find(const std::string& name) const {
    for (const auto& e : vars_)
      if (e.name == name) return &e;
    return nullptr;
  }

  const matvar_t& get(const std::string& name, const std::string& expected) const {
    const entry* e = find(name);
    if (e == nullptr) {
      std::string have;
      for (std::size_t i = 0; i < vars_.size() && i < 30; ++i)
        have += (i ? ", " : "") + vars_[i].name;
      if (vars_.size() > 30) have += ", ...";
      fail(name, "missing (expected " + expected + "); the file holds: " +
                     (have.empty() ? std::string("no variables") : have));
    }
    if (!e->var) fail(name, "could not be read: " + e->problem);
    return *e->var;
  }

  const matvar_t& get_numeric(const std::string& name, const std::string& expected) const {
    const matvar_t& v = get(name, expected);
    const bool numeric = v.class_type == MAT_C_DOUBLE || v.class_type == MAT_C_SINGLE ||
                         (v.class_type >= MAT_C_INT8 && v.class_type <= MAT_C_UINT64) ||
                         v.class_type == MAT_C_EMPTY;
    if (!numeric || v.isComplex) fail(name, "expected " + expected + ", found " + detail::class_name(v));
    const std::size_t n = detail::numel(detail::dims_of(v));
    if (n > 0 && (v.data == nullptr || v.data_size <= 0 ||
                  v.nbytes < n * static_cast<std::size_t>(v.data_size)))
      fail(name, "holds no data or truncated data (corrupt file?)");
    return v;
  }

  /// Calls f(const T* data) with T the variable's element type.
  template <class F>
  void visit(const matvar_t& v, F&& f) const {
    auto call = [&]<class T>(T*) {
      if (v.data_size != static_cast<int>(sizeof(T)))
        fail(v.name ? v.name : "?", "unexpected element size " + std::to_string(v.data_size) +
                                        " for class " + detail::class_name(v));
      f(static_cast<const T*>(v.data));
    };
    switch (v.class_type) {
      case MAT_C_DOUBLE: return call(static_cast<double*>(nullptr));
      case MAT_C_SINGLE: return call(static_cast<float*>(nullptr));
      case MAT_C_INT8: return call(static_cast<std::int8_t*>(nullptr));
      case MAT_C_UINT8: return call(static_cast<std::uint8_t*>(nullptr));
      case MAT_C_INT16: return call(static_cast<std::int16_t*>(nullptr));
      case MAT_C_UINT16: return call(static_cast<std::uint16_t*>(nullptr));
      case MAT_C_INT32: return call(static_cast<std::int32_t*>(nullptr));
      case MAT_C_UINT32: return call(static_cast<std::uint32_t*>(nullptr));
      case MAT_C_INT64: return call(static_cast<std::int64_t*>(nullptr));
      case MAT_C_UINT64: return call(static_cast<std::uint64_t*>(nullptr));
      default: fail(v.name ? v.name : "?", "not numeric: " + detail::class_name(v));
    }
  }

  template <class S>
  void convert_into(const matvar_t& v, const std::string& name, S* out, std::size_t n) const {
    if (n == 0) return;
    visit(v, [&](const auto* p) {
      for (std::size_t i = 0; i < n; ++i)
        if (!detail::convert(p[i], out[i]))
          fail(name, "element " + std::to_string(i) + " (" + to_string(static_cast<double>(p[i])) +
                         ", class " + detail::class_name(v) + ") does not fit the requested type");
    });
  }

  std::size_t vector_length(const matvar_t& v, const std::string& name, const std::string& expected,
                            Eigen::Index n) const {
    const auto d = detail::dims_of(v);
    const std::size_t count = detail::numel(d);
    // A vector has at most one extent other than 1; an empty array of any shape is length 0.
    const auto long_dims = std::count_if(d.begin(), d.end(), [](std::size_t x) { return x != 1; });
    if ((count != 0 && long_dims > 1) || (n >= 0 && count != static_cast<std::size_t>(n)))
      fail_shape(name, expected, d);
    return count;
  }

  template <class S>
  void check_finite(const std::string& name, const S* p, Eigen::Index rows, std::size_t n) const {
    if constexpr (std::is_floating_point_v<S>) {
      for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) {
          const auto r = static_cast<std::size_t>(rows);
          fail(name, "expected finite values, found " + std::string(std::isnan(p[i]) ? "NaN" : "Inf") +
                         " at (" + std::to_string(i % r) + ", " + std::to_string(i / r) +
                         ") (row, column; 0-based)");
        }
    }
  }

  /// Rows of a char array as UTF-8 strings (none for an empty array).
  std::vector<std::string> char_rows(const matvar_t& v, const std::string& name) const {
    const auto d = detail::dims_of(v);
    const std::size_t count = detail::numel(d);
    if (count == 0) return {};
    if (d.size() != 2) fail(name, "expected a 2-D char array, found " + detail::shape_string(d));
    if (v.data == nullptr) fail(name, "char array holds no data (corrupt file?)");
    const std::size_t rows = d[0], cols = d[1];
    std::vector<std::string> out(rows);
    // Characters in column-major order, whatever the storage.
    std::vector<char32_t> cps;
    if (v.data_size == 1) {
      // miUTF8 (scipy, MATLAB -v7): nbytes may exceed the character count. Bytes that are not
      // UTF-8 of the right length are taken as 8-bit (Latin-1) characters, one per element.
      const auto* p = static_cast<const char*>(v.data);
      if (!detail::utf8_decode(p, v.nbytes, cps) || cps.size() != count) {
        if (v.nbytes < count) fail(name, "char array holds fewer bytes than characters (corrupt file?)");
        cps.assign(reinterpret_cast<const unsigned char*>(p),
                   reinterpret_cast<const unsigned char*>(p) + count);
      }
    } else if (v.data_size == 2) {
      // miUINT16 (MATLAB): UTF-16 code units; a surrogate pair spans two elements of a row.
      const auto* p = static_cast<const std::uint16_t*>(v.data);
      for (std::size_t r = 0; r < rows; ++r) {
        std::vector<std::uint16_t> u16(cols);
        for (std::size_t c = 0; c < cols; ++c) u16[c] = p[r + c * rows];
        out[r] = detail::utf16_to_utf8(u16);
      }
      return out;
    } else if (v.data_size == 4) {
      const auto* p = static_cast<const std::uint32_t*>(v.data);
      cps.assign(p, p + count);
    } else {
      fail(name, "char array with unexpected element size " + std::to_string(v.data_size));
    }
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) detail::append_utf8(out[r], cps[r + c * rows]);
    return out;
  }

  std::filesystem::path path_;
  std::vector<entry> vars_;
};

}  // namespace spikernn::io
