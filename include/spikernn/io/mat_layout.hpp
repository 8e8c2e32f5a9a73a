// The MAT layer under mat_reader and mat_writer: matio handles, the C++ ↔ MATLAB class mapping,
// names and shapes as MATLAB prints them, UTF-8/UTF-16 text, the limits of what the reader
// accepts, the check of what matio hands back, and range-checked element conversion. What a file
// must pass before matio reads it: mat_v5_check.hpp (MAT v5) and mat_v73_check.hpp (MAT v7.3).
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#if defined(__has_include) && !__has_include(<matio.h>)
#error "spikernn/io/mat_layout.hpp needs matio: link the CMake target spikernn::matio (Debian: libmatio-dev)"
#endif

#include <Eigen/Core>
#include <matio.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
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

/// Number of elements; saturates at SIZE_MAX instead of wrapping around (damaged dimensions).
inline std::size_t numel(const std::vector<std::size_t>& dims) {
  std::size_t n = 1;
  for (std::size_t d : dims) {
    if (d == 0) return 0;
    n = n > std::numeric_limits<std::size_t>::max() / d ? std::numeric_limits<std::size_t>::max() : n * d;
  }
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
/// Looks only at the elements `v` holds (its byte count), never past them, whatever its
/// dimensions say.
inline bool has_multibyte_chars(const matvar_t& v, int depth = 0) {
  const std::size_t n = numel(dims_of(v));
  if (v.class_type == MAT_C_CHAR)
    return v.data_size > 0 && n <= v.nbytes / static_cast<std::size_t>(v.data_size) &&
           v.nbytes != n * static_cast<std::size_t>(v.data_size);
  std::size_t children = 0;
  if (v.class_type == MAT_C_CELL) children = n;
  else if (v.class_type == MAT_C_STRUCT) {
    const std::size_t fields = Mat_VarGetNumberOfFields(const_cast<matvar_t*>(&v));
    children = fields == 0 ? 0 : n > std::numeric_limits<std::size_t>::max() / fields ? n : n * fields;
  }
  if (children == 0 || v.data == nullptr || depth > 64) return false;
  children = std::min(children, v.nbytes / sizeof(matvar_t*));
  const auto* const* elems = static_cast<matvar_t* const*>(v.data);
  for (std::size_t i = 0; i < children; ++i)
    if (elems[i] != nullptr && has_multibyte_chars(*elems[i], depth + 1)) return true;
  return false;
}

/// Limits of what the reader accepts (no MATLAB, Octave or scipy file comes near them).
/// Limits of what the check accepts (no MATLAB, Octave or scipy file comes near them).
inline constexpr std::size_t mat_max_rank = 32;     ///< dimensions per array
inline constexpr int mat_max_nesting = 32;           ///< cells/structs inside cells/structs
inline constexpr std::uint64_t mat_max_elements = std::uint64_t{1} << 48;  ///< elements per array
/// Arrays in one file, cell elements and struct field values included: matio allocates a few
/// hundred bytes for each, and an empty one takes 8 bytes before compression, so without a
/// limit a small compressed file of empty cells could take gigabytes.
inline constexpr std::uint64_t mat_max_arrays = std::uint64_t{1} << 22;

/// A variable name as messages print it: printable ASCII, at most 63 characters.
inline std::string printable_name(const std::string& raw) {
  std::string s;
  for (char c : raw.substr(0, 63)) s += (c >= 0x20 && c < 0x7f) ? c : '?';
  return raw.size() > 63 ? s + "..." : s;
}

/// What is wrong with a variable matio read (or anything inside it), or "" when every part the
/// reader and writer touch is there: data for every element its dimensions declare, every cell
/// element and struct field present. matio hands back NULL elements or short data for parts it
/// could not decode; these are refused by name instead of being passed on.
inline std::string var_problem(const matvar_t& v, int depth = 0) {
  if (depth > mat_max_nesting) return "nested too deeply";
  const auto d = dims_of(v);
  const std::size_t n = numel(d);
  auto short_of = [&](std::size_t need, std::size_t width) {
    return width == 0 || need > v.nbytes / width;
  };
  switch (v.class_type) {
    case MAT_C_EMPTY:
      return {};
    case MAT_C_DOUBLE: case MAT_C_SINGLE: case MAT_C_INT8: case MAT_C_UINT8: case MAT_C_INT16:
    case MAT_C_UINT16: case MAT_C_INT32: case MAT_C_UINT32: case MAT_C_INT64: case MAT_C_UINT64: {
      if (n == 0) return {};
      if (v.data == nullptr || v.data_size <= 0 || short_of(n, static_cast<std::size_t>(v.data_size)))
        return "holds no data or less than its dimensions " + shape_string(d) + " need";
      if (v.isComplex) {
        const auto* z = static_cast<const mat_complex_split_t*>(v.data);
        if (z->Re == nullptr || z->Im == nullptr) return "complex array without its real or imaginary part";
      }
      return {};
    }
    case MAT_C_CHAR:
      if (n == 0) return {};
      if (v.data == nullptr || v.data_size <= 0 || short_of(n, static_cast<std::size_t>(v.data_size)))
        return "char array holds fewer bytes than its dimensions " + shape_string(d) + " need";
      return {};
    case MAT_C_CELL: {
      if (n == 0) return {};
      if (v.data == nullptr || short_of(n, sizeof(matvar_t*)))
        return "the cell holds fewer elements than its dimensions " + shape_string(d) + " say";
      const auto* const* e = static_cast<matvar_t* const*>(v.data);
      for (std::size_t i = 0; i < n; ++i) {
        if (e[i] == nullptr) return "cell element " + std::to_string(i + 1) + " could not be read";
        if (auto p = var_problem(*e[i], depth + 1); !p.empty()) return "cell element " + std::to_string(i + 1) + ": " + p;
      }
      return {};
    }
    case MAT_C_STRUCT: {
      const std::size_t nf = Mat_VarGetNumberOfFields(const_cast<matvar_t*>(&v));
      if (n == 0 || nf == 0) return {};
      if (n > std::numeric_limits<std::size_t>::max() / nf) return "struct dimensions out of range";
      char* const* names = Mat_VarGetStructFieldnames(&v);
      if (names == nullptr) return "struct field names could not be read";
      if (v.data == nullptr || short_of(n * nf, sizeof(matvar_t*)))
        return "the struct holds fewer field values than its dimensions " + shape_string(d) + " and " +
               std::to_string(nf) + " fields need";
      const auto* const* e = static_cast<matvar_t* const*>(v.data);
      for (std::size_t i = 0; i < n * nf; ++i) {
        const std::string field = "field '" + (names[i % nf] ? printable_name(names[i % nf]) : std::string("?")) +
                                  "' of element " + std::to_string(i / nf + 1);
        if (e[i] == nullptr) return field + " could not be read";
        if (auto p = var_problem(*e[i], depth + 1); !p.empty()) return field + ": " + p;
      }
      return {};
    }
    case MAT_C_SPARSE: {
      const auto* s = static_cast<const mat_sparse_t*>(v.data);
      if (s == nullptr) return "sparse array without data";
      if ((s->nir > 0 && s->ir == nullptr) || (s->njc > 0 && s->jc == nullptr) || (s->ndata > 0 && s->data == nullptr))
        return "sparse array with missing indices or values";
      if (v.isComplex && s->ndata > 0) {
        const auto* z = static_cast<const mat_complex_split_t*>(s->data);
        if (z->Re == nullptr || z->Im == nullptr) return "complex sparse array without its real or imaginary part";
      }
      return {};
    }
    default:
      return "MATLAB " + class_name(v) + " arrays are not supported (they cannot be read or copied)";
  }
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

}  // namespace spikernn::io
