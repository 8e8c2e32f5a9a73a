// MAT v5 files through matio: mat_writer (typed writes into a temporary, renamed into place on
// commit) and mat_reader (typed, coercing, shape-checked reads). Every error names the file, the
// variable and what was expected, so a model saved by MATLAB, scipy or the PyTorch port either
// loads as intended or fails with a message the user can act on.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/io/atomic_file.hpp"

#if defined(__has_include) && !__has_include(<matio.h>)
#error "spikernn/io/mat_file.hpp needs matio: link the CMake target spikernn::matio (Debian: libmatio-dev)"
#endif

#include <Eigen/Core>
#include <matio.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikernn::io {

namespace detail {

struct mat_closer {
  void operator()(mat_t* m) const noexcept {
    if (m != nullptr) Mat_Close(m);
  }
};
struct var_freer {
  void operator()(matvar_t* v) const noexcept {
    if (v != nullptr) Mat_VarFree(v);
  }
};
using mat_ptr = std::unique_ptr<mat_t, mat_closer>;
using var_ptr = std::unique_ptr<matvar_t, var_freer>;

/// Element types a numeric MAT class can hold (bool is written as logical uint8).
template <class T>
concept mat_element = std::is_arithmetic_v<T>;

/// Element types the reader converts into (logical data is read with mat_reader::logical).
template <class S>
concept readable_element = std::is_arithmetic_v<S> && !std::is_same_v<S, bool>;

/// matio class and data type of a C++ element type; integers map by size and signedness so
/// that e.g. both `long` and `long long` become int64.
template <mat_element T>
constexpr matio_classes class_of() {
  if constexpr (std::is_same_v<T, bool>) return MAT_C_UINT8;
  else if constexpr (std::is_same_v<T, float>) return MAT_C_SINGLE;
  else if constexpr (std::is_same_v<T, double>) return MAT_C_DOUBLE;
  else if constexpr (std::is_floating_point_v<T>) static_assert(sizeof(T) == 0, "long double has no MAT class");
  else if constexpr (sizeof(T) == 1) return std::is_signed_v<T> ? MAT_C_INT8 : MAT_C_UINT8;
  else if constexpr (sizeof(T) == 2) return std::is_signed_v<T> ? MAT_C_INT16 : MAT_C_UINT16;
  else if constexpr (sizeof(T) == 4) return std::is_signed_v<T> ? MAT_C_INT32 : MAT_C_UINT32;
  else return std::is_signed_v<T> ? MAT_C_INT64 : MAT_C_UINT64;
}
template <mat_element T>
constexpr matio_types type_of() {
  switch (class_of<T>()) {
    case MAT_C_SINGLE: return MAT_T_SINGLE;
    case MAT_C_DOUBLE: return MAT_T_DOUBLE;
    case MAT_C_INT8: return MAT_T_INT8;
    case MAT_C_UINT8: return MAT_T_UINT8;
    case MAT_C_INT16: return MAT_T_INT16;
    case MAT_C_UINT16: return MAT_T_UINT16;
    case MAT_C_INT32: return MAT_T_INT32;
    case MAT_C_UINT32: return MAT_T_UINT32;
    case MAT_C_INT64: return MAT_T_INT64;
    default: return MAT_T_UINT64;
  }
}

/// The MATLAB name of a variable's class, for messages.
inline std::string class_name(const matvar_t& v) {
  if (v.isLogical) return "logical";
  std::string s;
  switch (v.class_type) {
    case MAT_C_EMPTY: s = "empty"; break;
    case MAT_C_CELL: s = "cell"; break;
    case MAT_C_STRUCT: s = "struct"; break;
    case MAT_C_OBJECT: s = "object"; break;
    case MAT_C_CHAR: s = "char"; break;
    case MAT_C_SPARSE: s = "sparse"; break;
    case MAT_C_DOUBLE: s = "double"; break;
    case MAT_C_SINGLE: s = "single"; break;
    case MAT_C_INT8: s = "int8"; break;
    case MAT_C_UINT8: s = "uint8"; break;
    case MAT_C_INT16: s = "int16"; break;
    case MAT_C_UINT16: s = "uint16"; break;
    case MAT_C_INT32: s = "int32"; break;
    case MAT_C_UINT32: s = "uint32"; break;
    case MAT_C_INT64: s = "int64"; break;
    case MAT_C_UINT64: s = "uint64"; break;
    case MAT_C_FUNCTION: s = "function handle"; break;
    case MAT_C_OPAQUE: s = "opaque object"; break;
    default: s = "unknown class"; break;
  }
  return v.isComplex ? "complex " + s : s;
}

inline std::vector<std::size_t> dims_of(const matvar_t& v) {
  if (v.rank <= 0 || v.dims == nullptr) return {};
  return {v.dims, v.dims + v.rank};
}

inline std::size_t numel(const std::vector<std::size_t>& dims) {
  std::size_t n = 1;
  for (std::size_t d : dims) n *= d;
  return n;
}

/// "200×199", the way MATLAB's whos prints sizes; -1 prints as "any".
inline std::string shape_string(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "×" : "") + std::to_string(dims[i]);
  return s.empty() ? "0-d" : s;
}
inline std::string expected_extent(Eigen::Index n) { return n < 0 ? "any" : std::to_string(n); }

/// MATLAB variable names: a letter, then letters, digits, underscores; at most 63 characters
/// (namelengthmax). scipy.io.loadmat also ignores names starting with '_'.
inline bool valid_name(const std::string& s) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || s.size() > 63 || !alpha(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || digit(c) || c == '_'; });
}

/// Decodes UTF-8 into code points; false on malformed input (overlong forms, surrogates,
/// truncated sequences), which callers refuse or reinterpret rather than pass on as mojibake.
inline bool utf8_decode(const char* p, std::size_t n, std::vector<char32_t>& out) {
  out.clear();
  for (std::size_t i = 0; i < n;) {
    const auto b0 = static_cast<unsigned char>(p[i]);
    char32_t cp = 0;
    std::size_t len = 0;
    if (b0 < 0x80) { cp = b0; len = 1; }
    else if ((b0 & 0xE0) == 0xC0) { cp = b0 & 0x1Fu; len = 2; }
    else if ((b0 & 0xF0) == 0xE0) { cp = b0 & 0x0Fu; len = 3; }
    else if ((b0 & 0xF8) == 0xF0) { cp = b0 & 0x07u; len = 4; }
    else return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(p[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    static constexpr char32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += len;
  }
  return true;
}

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// UTF-16 code units (MATLAB's own char storage) to UTF-8; an unpaired surrogate becomes U+FFFD.
inline std::string utf16_to_utf8(const std::vector<std::uint16_t>& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char32_t cp = in[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < in.size() && in[i + 1] >= 0xDC00 &&
        in[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (in[i + 1] - 0xDC00u);
      ++i;
    }
    append_utf8(out, cp);
  }
  return out;
}

/// Whether `v` (or anything inside it, for cells and structs) is a char array stored with more
/// bytes than characters, i.e. multi-byte UTF-8. matio sizes compressed variables from
/// characters × element size, which for such data writes wrong element lengths (and corrupts
/// cells), so these variables are written uncompressed, where matio measures what it wrote.
inline bool has_multibyte_chars(const matvar_t& v) {
  const std::size_t n = numel(dims_of(v));
  if (v.class_type == MAT_C_CHAR)
    return v.data_size > 0 && v.nbytes != n * static_cast<std::size_t>(v.data_size);
  std::size_t children = 0;
  if (v.class_type == MAT_C_CELL) children = n;
  else if (v.class_type == MAT_C_STRUCT) children = n * Mat_VarGetNumberOfFields(const_cast<matvar_t*>(&v));
  if (children == 0 || v.data == nullptr) return false;
  const auto* const* elems = static_cast<matvar_t* const*>(v.data);
  for (std::size_t i = 0; i < children; ++i)
    if (elems[i] != nullptr && has_multibyte_chars(*elems[i])) return true;
  return false;
}

/// Checks that the top-level elements of a MAT v5 file tile it exactly. matio does not notice
/// a truncated file: it returns the missing part of the last variable as zeros or garbage, or
/// silently lists fewer variables. Returns an empty string when the layout is sound, otherwise
/// what is wrong; `elements` is the number of complete top-level elements before the problem.
/// (Corruption inside a complete compressed element is not detected.)
inline std::string v5_layout_problem(const std::filesystem::path& path, std::size_t& elements) {
  elements = 0;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return "cannot determine the file size: " + ec.message();
  std::ifstream in(path, std::ios::binary);
  unsigned char header[128];
  if (size < 128 || !in.read(reinterpret_cast<char*>(header), 128)) return "shorter than the 128-byte MAT v5 header";
  // The endian indicator is the int16 'MI': stored "IM" by little-endian writers.
  const bool little = header[126] == 'I' && header[127] == 'M';
  if (!little && !(header[126] == 'M' && header[127] == 'I')) return "bad MAT v5 endian indicator";
  auto u32 = [little](const unsigned char* b) {
    return little ? (std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
                     std::uint32_t{b[3]} << 24)
                  : (std::uint32_t{b[3]} | std::uint32_t{b[2]} << 8 | std::uint32_t{b[1]} << 16 |
                     std::uint32_t{b[0]} << 24);
  };
  std::uintmax_t off = 128;
  while (off < size) {
    unsigned char tag[8];
    if (size - off < 8) {
      // Tolerate zero padding at the very end; anything else is a cut-off element.
      in.seekg(static_cast<std::streamoff>(off));
      const auto rest = static_cast<std::streamsize>(size - off);
      if (!in.read(reinterpret_cast<char*>(tag), rest)) return "read error at byte " + std::to_string(off);
      if (std::all_of(tag, tag + rest, [](unsigned char c) { return c == 0; })) return {};
      return "truncated: " + std::to_string(rest) + " stray bytes at the end (after " +
             std::to_string(elements) + " complete variables)";
    }
    in.seekg(static_cast<std::streamoff>(off));
    if (!in.read(reinterpret_cast<char*>(tag), 8)) return "read error at byte " + std::to_string(off);
    const std::uint32_t type = u32(tag), nbytes = u32(tag + 4);
    std::uintmax_t next = off + 8;
    if ((type >> 16) == 0) {  // a normal tag; the small-element form packs its data in the tag
      next += nbytes;
      if (type != 15) next += (8 - nbytes % 8) % 8;  // uncompressed elements are 8-byte aligned
      if (next > size && next - size > (8 - nbytes % 8) % 8)
        return "truncated: variable " + std::to_string(elements + 1) + " (at byte " + std::to_string(off) +
               ") needs " + std::to_string(nbytes) + " bytes, only " + std::to_string(size - off - 8) +
               " remain";
    }
    ++elements;
    off = next;
  }
  return {};
}

/// Converts one element, refusing values the target cannot represent (instead of the undefined
/// behaviour of an out-of-range cast). NaN and ±Inf pass into floating targets unchanged.
template <class S, class T>
bool convert(T v, S& out) {
  if constexpr (std::is_floating_point_v<S>) {
    if constexpr (std::is_floating_point_v<T> && sizeof(T) > sizeof(S)) {
      if (std::isfinite(v) && std::fabs(v) > static_cast<T>(std::numeric_limits<S>::max()))
        return false;
    }
    out = static_cast<S>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    // Powers of two are exact in every floating format, unlike numeric_limits<S>::max().
    if (!std::isfinite(v) || v != std::trunc(v)) return false;
    const long double lim = std::ldexp(1.0L, std::numeric_limits<S>::digits);
    const long double x = static_cast<long double>(v);
    if (x >= lim || x < (std::is_signed_v<S> ? -lim : 0.0L)) return false;
    out = static_cast<S>(v);
    return true;
  } else {
    if (!std::in_range<S>(v)) return false;
    out = static_cast<S>(v);
    return true;
  }
}

}  // namespace detail

class mat_reader;
namespace detail {
/// Names of the variables a written file reads back in full (defined after mat_reader).
std::vector<std::string> readable_variables(const std::filesystem::path& path);
}  // namespace detail

/// Writes a MAT v5 file (readable by MATLAB, Octave, scipy.io.loadmat) under a temporary name;
/// commit() closes it and renames it into place. Destroying an uncommitted writer removes the
/// temporary, so an interrupted save never leaves a half file and never touches the old one.
class mat_writer {
 public:
  /// Opens a temporary next to `path` (whose directory must exist). With `compress`, variables
  /// are zlib-compressed when this matio build supports it (see zlib_available()).
  explicit mat_writer(std::filesystem::path path, bool compress = true)
      : tmp_(std::move(path)),
        compression_(compress && zlib_available() ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE) {
    mat_.reset(Mat_CreateVer(tmp_.temp_path().string().c_str(), nullptr, MAT_FT_MAT5));
    if (!mat_)
      throw file_error(str(), "cannot create temporary file '" + tmp_.temp_path().string() + "'");
  }

  mat_writer(const mat_writer&) = delete;
  mat_writer& operator=(const mat_writer&) = delete;
  mat_writer(mat_writer&&) noexcept = default;
  // No move assignment: it would drop the old temporary before closing the old file.
  mat_writer& operator=(mat_writer&&) = delete;
  // Members close the file (mat_) before removing the temporary (tmp_): see their order.
  ~mat_writer() = default;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return tmp_.final_path(); }
  [[nodiscard]] bool compressed() const noexcept { return compression_ == MAT_COMPRESSION_ZLIB; }
  [[nodiscard]] bool has(const std::string& name) const { return written_.count(name) != 0; }

  /// A dense matrix or array, rows×cols, in its own element class: float → single,
  /// double → double, integers → the int/uint class of the same size, bool → logical.
  template <class Derived>
  void write(const std::string& name, const Eigen::DenseBase<Derived>& m) {
    using T = typename Derived::Scalar;
    static_assert(detail::mat_element<T>, "MAT files hold arithmetic element types only");
    if constexpr (std::is_same_v<T, bool>) {
      const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> u8 =
          m.derived().template cast<std::uint8_t>();
      write_numeric(name, u8.data(), {size(u8.rows()), size(u8.cols())}, true);
    } else {
      // Evaluating into a plain column-major matrix handles expressions and row-major input.
      const spikernn::matrix<T> plain = m.derived();
      write_numeric(name, plain.data(), {size(plain.rows()), size(plain.cols())}, false);
    }
  }

  /// An N-d array of `dims` (column-major: first index fastest, as MATLAB and Fortran store
  /// them); e.g. a T×N×1 trajectory. One dimension {n} is written as n×1.
  template <detail::mat_element T>
  void write_array(const std::string& name, const T* data, std::vector<std::size_t> dims) {
    if (dims.empty()) dims = {1, 1};
    if (dims.size() == 1) dims.push_back(1);
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<std::uint8_t> u8(data, data + detail::numel(dims));
      write_numeric(name, u8.data(), std::move(dims), true);
    } else {
      write_numeric(name, data, std::move(dims), false);
    }
  }

  /// An N×1 logical (uint8 with MATLAB's logical flag).
  void write_logical(const std::string& name, const Eigen::Array<bool, Eigen::Dynamic, 1>& v) {
    write(name, v);
  }

  /// A 1×1 double.
  void write_scalar(const std::string& name, double v) { write_numeric(name, &v, {1, 1}, false); }

  /// A 1×1 int64.
  void write_int(const std::string& name, std::int64_t v) { write_numeric(name, &v, {1, 1}, false); }

  /// A 1×len char row (0×0 when empty, like MATLAB's ''). `s` is UTF-8.
  void write_string(const std::string& name, const std::string& s) {
    check_new_name(name);
    detail::var_ptr var = make_char(name.c_str(), s, name);
    write_var(*var, name);
  }

  /// A 1×n cell of char rows, what scipy.io.savemat writes for an object array of str and what
  /// MATLAB calls a cellstr.
  void write_strings(const std::string& name, const std::vector<std::string>& v) {
    check_new_name(name);
    std::size_t dims[2] = {v.empty() ? std::size_t{0} : std::size_t{1}, v.size()};
    detail::var_ptr cell(Mat_VarCreate(name.c_str(), MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0));
    if (!cell) throw file_error(str(), "variable '" + name + "': matio could not create a cell");
    for (std::size_t i = 0; i < v.size(); ++i) {
      detail::var_ptr elem = make_char(nullptr, v[i], name);
      // The cell takes ownership of the element (Mat_VarFree of the cell frees it).
      Mat_VarSetCell(cell.get(), static_cast<int>(i), elem.release());
    }
    write_var(*cell, name);
  }

  /// An n×len char matrix, one string per row, shorter rows padded with blanks (MATLAB's char()):
  /// what scipy.io.savemat writes for a list of str, e.g. the original's XOR eval_labels.
  /// mat_reader::strings() reads it back without the padding. `rows` are UTF-8.
  void write_char_matrix(const std::string& name, const std::vector<std::string>& rows) {
    check_new_name(name);
    std::vector<std::vector<char32_t>> cps(rows.size());
    std::size_t width = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (!detail::utf8_decode(rows[r].data(), rows[r].size(), cps[r]))
        throw file_error(str(), "variable '" + name + "': row " + std::to_string(r) + " is not valid UTF-8");
      width = std::max(width, cps[r].size());
    }
    // miUTF8 in column-major character order, as make_char; nbytes counts the real bytes.
    std::string bytes;
    for (std::size_t c = 0; c < width; ++c)
      for (const auto& row : cps) detail::append_utf8(bytes, c < row.size() ? row[c] : U' ');
    std::size_t dims[2] = {width == 0 ? std::size_t{0} : rows.size(), width};
    detail::var_ptr var(Mat_VarCreate(name.c_str(), MAT_C_CHAR, MAT_T_UTF8, 2, dims,
                                      bytes.empty() ? nullptr : bytes.data(), MAT_F_DONT_COPY_DATA));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create a char array");
    var->nbytes = bytes.size();
    write_var(*var, name);
  }

  /// Closes the file and renames it over path(). Nothing can be written afterwards.
  void commit() {
    if (!mat_) throw file_error(str(), committed_ ? "already committed" : "writer is closed");
    if (failed_) throw file_error(str(), "an earlier write failed, refusing to commit");
    const int err = Mat_Close(mat_.release());
    if (err != 0) {
      failed_ = true;
      throw file_error(str(), "error while closing '" + tmp_.temp_path().string() + "' (matio code " +
                                  std::to_string(err) + ")");
    }
    // matio reports success even when the disk filled up under it, so read the temporary back
    // before it replaces anything: every variable written must be there and readable.
    std::vector<std::string> back;
    try {
      back = detail::readable_variables(tmp_.temp_path());
    } catch (const std::exception& e) {
      failed_ = true;
      throw file_error(str(), std::string("the written file does not read back: ") + e.what());
    }
    for (const auto& name : written_)
      if (std::find(back.begin(), back.end(), name) == back.end()) {
        failed_ = true;
        throw file_error(str(), "variable '" + name + "' did not reach the disk (disk full?); the old file is kept");
      }
    tmp_.commit();
    committed_ = true;
  }

  /// Whether this matio build writes zlib-compressed variables. matio exposes no query, so this
  /// writes, once per process, a small compressed probe file in the temporary directory and
  /// checks that it reads back compressed and correct; any failure means "write uncompressed",
  /// which every MAT reader handles.
  static bool zlib_available() {
    static const bool available = [] {
      std::error_code ec;
      const auto dir = std::filesystem::temp_directory_path(ec);
      if (ec) return false;
      try {
        atomic_path probe(dir / "spikernn_zlib_probe.mat");
        const std::string file = probe.temp_path().string();
        double x = 42.5;
        {
          detail::mat_ptr m(Mat_CreateVer(file.c_str(), nullptr, MAT_FT_MAT5));
          if (!m) return false;
          std::size_t dims[2] = {1, 1};
          detail::var_ptr v(
              Mat_VarCreate("x", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, &x, MAT_F_DONT_COPY_DATA));
          if (!v || Mat_VarWrite(m.get(), v.get(), MAT_COMPRESSION_ZLIB) != 0) return false;
          if (Mat_Close(m.release()) != 0) return false;
        }
        detail::mat_ptr m(Mat_Open(file.c_str(), MAT_ACC_RDONLY));
        if (!m) return false;
        detail::var_ptr v(Mat_VarReadNext(m.get()));
        return v && v->compression == MAT_COMPRESSION_ZLIB && v->class_type == MAT_C_DOUBLE &&
               v->data != nullptr && *static_cast<const double*>(v->data) == x;
      } catch (const std::exception&) {
        return false;
      }  // probe's destructor removes the file
    }();
    return available;
  }

 private:
  friend class mat_reader;

  std::string str() const { return path().string(); }

  static std::size_t size(Eigen::Index n) { return static_cast<std::size_t>(n); }

  void check_open() const {
    if (!mat_) throw file_error(str(), committed_ ? "already committed, cannot write" : "writer is closed");
    if (failed_) throw file_error(str(), "an earlier write failed");
  }

  void check_new_name(const std::string& name) const {
    check_open();
    if (!detail::valid_name(name))
      throw file_error(str(), "variable name '" + name +
                                  "' is not a valid MATLAB name (a letter, then letters, digits "
                                  "or '_', at most 63 characters)");
    if (has(name)) throw file_error(str(), "variable '" + name + "' written twice");
  }

  template <class T>
  void write_numeric(const std::string& name, const T* data, std::vector<std::size_t> dims,
                     bool logical) {
    check_new_name(name);
    for (std::size_t d : dims)
      if (d > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw file_error(str(), "variable '" + name + "': dimension " + std::to_string(d) +
                                    " exceeds the MAT v5 limit of 2^31-1");
    // DONT_COPY_DATA: matio reads straight from our buffer and Mat_VarFree leaves it alone.
    // matio's API is not const-correct; it does not modify the data it writes.
    const int opt = MAT_F_DONT_COPY_DATA | (logical ? MAT_F_LOGICAL : 0);
    detail::var_ptr var(Mat_VarCreate(name.c_str(), detail::class_of<T>(), detail::type_of<T>(),
                                      static_cast<int>(dims.size()), dims.data(),
                                      const_cast<T*>(data), opt));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create it");
    write_var(*var, name);
  }

  /// A 1×n char row holding `bytes` (UTF-8) as miUTF8, with n counted in characters: the
  /// layout scipy.io.savemat writes and MATLAB reads (uncompressed if non-ASCII, see
  /// detail::has_multibyte_chars). (matio's own UTF-16 path, miUINT16, is
  /// what MATLAB writes, but scipy.io.loadmat decodes miUINT16 chars as single bytes by default
  /// and mangles anything outside Latin-1.) `bytes` must outlive the write: matio does not copy.
  detail::var_ptr make_char(const char* var_name, const std::string& bytes, const std::string& name) {
    std::vector<char32_t> cps;
    if (!detail::utf8_decode(bytes.data(), bytes.size(), cps))
      throw file_error(str(), "variable '" + name + "': string is not valid UTF-8");
    std::size_t dims[2] = {cps.empty() ? std::size_t{0} : std::size_t{1}, cps.size()};
    detail::var_ptr var(Mat_VarCreate(var_name, MAT_C_CHAR, MAT_T_UTF8, 2, dims,
                                      cps.empty() ? nullptr : const_cast<char*>(bytes.data()),
                                      MAT_F_DONT_COPY_DATA));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create a char array");
    // matio sizes the data as characters × 1 byte; a multi-byte character needs the real count.
    var->nbytes = bytes.size();
    return var;
  }

  /// Writes `var` under `name`; the hook mat_reader::copy_all_except uses for raw copies.
  void write_var(matvar_t& var, const std::string& name) {
    check_open();
    if (has(name)) throw file_error(str(), "variable '" + name + "' written twice");
    const matio_compression compression =
        detail::has_multibyte_chars(var) ? MAT_COMPRESSION_NONE : compression_;
    const int err = Mat_VarWrite(mat_.get(), &var, compression);
    if (err != 0) {
      failed_ = true;  // the file may hold a partial variable now
      throw file_error(str(), "variable '" + name + "': matio failed to write it (code " +
                                  std::to_string(err) + "; a MAT v5 variable is limited to 2 GiB)");
    }
    written_.insert(name);
  }

  // Order matters: members are destroyed in reverse, so mat_ is closed before tmp_ deletes the
  // temporary file.
  atomic_path tmp_;
  matio_compression compression_;
  detail::mat_ptr mat_;
  std::set<std::string> written_;
  bool failed_ = false;
  bool committed_ = false;
};

/// Reads a MAT file (v5, or v7.3 when matio was built with HDF5) completely at construction
/// and closes it, so the file can be replaced while the reader is alive (e.g. rewriting it
/// with copy_all_except). Accessors coerce between numeric classes and check shapes.
class mat_reader {
 public:
  explicit mat_reader(std::filesystem::path path) : path_(std::move(path)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path_, ec);
    if (!fs::exists(status)) throw file_error(str(), "does not exist");
    if (fs::is_directory(status)) throw file_error(str(), "is a directory, not a MAT file");
    if (!std::ifstream(path_, std::ios::binary))
      throw file_error(str(), "cannot be opened for reading");
    detail::mat_ptr mat(Mat_Open(str().c_str(), MAT_ACC_RDONLY));
    if (!mat) throw file_error(str(), "not a MAT file (expected MAT v5 or v7.3)");
    // matio falls back to MAT v4 for anything without a v5 header, so v4 is where random bytes
    // and empty files end up; spikernn does not read v4, so call them what they most likely are.
    if (Mat_GetVersion(mat.get()) == MAT_FT_MAT4)
      throw file_error(str(), "not a MAT file (expected MAT v5 or v7.3; MAT v4 is not supported)");

    // First the directory (headers only), then each variable's data by name, so a variable
    // matio cannot decode does not hide the ones after it.
    std::vector<entry> infos;
    while (true) {
      detail::var_ptr info(Mat_VarReadNextInfo(mat.get()));
      if (!info) break;
      if (info->name == nullptr) continue;
      std::string name = info->name;
      if (std::none_of(infos.begin(), infos.end(), [&](const entry& e) { return e.name == name; }))
        infos.push_back({std::move(name), nullptr, std::move(info)});
    }
    if (Mat_GetVersion(mat.get()) == MAT_FT_MAT5) {
      std::size_t complete = 0;
      if (const std::string problem = detail::v5_layout_problem(path_, complete); !problem.empty()) {
        const std::string which =
            complete < infos.size() ? " (variable '" + infos[complete].name + "' is affected)" : "";
        throw file_error(str(), "corrupt MAT file: " + problem + which);
      }
    }
    for (auto& e : infos) {
      e.var.reset(Mat_VarRead(mat.get(), e.name.c_str()));
      if (e.var) e.info.reset();  // the header alone is kept only for variables matio cannot read
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

  /// Writes every variable not named in `skip` into `out` unchanged (class, size, values, also
  /// cells and structs), e.g. to replace a few variables of a saved model and keep the rest.
  void copy_all_except(mat_writer& out, const std::vector<std::string>& skip) const {
    for (const auto& e : vars_) {
      if (std::find(skip.begin(), skip.end(), e.name) != skip.end()) continue;
      if (!e.var) fail(e.name, "could not be read (unsupported class or corrupt file), cannot copy it");
      // A deep copy, so the reader stays const and matio may touch the copy while writing.
      detail::var_ptr copy(Mat_VarDuplicate(e.var.get(), 1));
      if (!copy) fail(e.name, "matio could not duplicate it for copying");
      out.write_var(*copy, e.name);
    }
  }

 private:
  struct entry {
    std::string name;
    detail::var_ptr var;   // the variable with its data; null when matio could not read it
    detail::var_ptr info;  // then at least its header (class, size), for dims() and class_name()
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
    if (!e->var) fail(name, "could not be read (unsupported class or corrupt file)");
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

namespace detail {
inline std::vector<std::string> readable_variables(const std::filesystem::path& path) {
  return mat_reader(path).names();
}
}  // namespace detail

}  // namespace spikernn::io
