// The MAT v5 layer under mat_reader and mat_writer: matio handles, the C++ ↔ MATLAB class
// mapping, names and shapes as MATLAB prints them, UTF-8/UTF-16 text, the structure check that
// a MAT v5 file passes before matio reads it (every element, compressed ones inflated and their
// checksums verified), the check of what matio hands back, and range-checked element conversion.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#if defined(__has_include) && !__has_include(<matio.h>)
#error "spikernn/io/mat_layout.hpp needs matio: link the CMake target spikernn::matio (Debian: libmatio-dev)"
#endif

#if defined(__has_include) && !__has_include(<zlib.h>)
#error "spikernn/io/mat_layout.hpp needs zlib to check compressed MAT variables (Debian: zlib1g-dev, a dependency of libmatio-dev)"
#endif

#include <Eigen/Core>
#include <matio.h>
#include <zlib.h>

// matio reads MAT v7.3 files through HDF5, whose errors print to stderr by default; the reader
// turns that off while it reads. Define SPIKERNN_HAS_HDF5=0 where hdf5.h is found but libhdf5 is
// not linked (CMake does so for spikernn::matio when matio was built without HDF5).
#if defined(SPIKERNN_HAS_HDF5)
#define SPIKERNN_DETAIL_MAT_HDF5 SPIKERNN_HAS_HDF5
#elif defined(__has_include)
#if __has_include(<hdf5.h>)
#define SPIKERNN_DETAIL_MAT_HDF5 1
#endif
#endif
#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
#include <hdf5.h>
#endif

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

// ---- MAT v5 structure check ------------------------------------------------------------------
//
// matio trusts a file's element tags: it sizes allocations from a variable's dimensions before
// it looks at the data, reads a cell's elements as far as its dimensions say, reads compressed
// variables without checking the zlib stream's end or its checksum, and stops listing variables
// at the first one it cannot parse. So before matio sees a MAT v5 file, mat_reader walks every
// element of it here, inflating compressed variables (streaming, in bounded memory) and checking
// each array's parts against each other. A file that passes is one matio reads as written.

/// Limits of what the check accepts (no MATLAB, Octave or scipy file comes near them).
inline constexpr std::size_t mat_max_rank = 32;     ///< dimensions per array
inline constexpr int mat_max_nesting = 32;           ///< cells/structs inside cells/structs
inline constexpr std::uint64_t mat_max_elements = std::uint64_t{1} << 48;  ///< elements per array
/// Arrays in one file, cell elements and struct field values included: matio allocates a few
/// hundred bytes for each, and an empty one takes 8 bytes before compression, so without a
/// limit a small compressed file of empty cells could take gigabytes.
inline constexpr std::uint64_t mat_max_arrays = std::uint64_t{1} << 22;

/// What is wrong with a MAT v5 file's structure (without the file's name, which callers add).
struct mat_v5_defect : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// MAT v5 data types (the MAT-File Format, table 1-1).
enum mat_v5_type : std::uint32_t {
  mi_int8 = 1, mi_uint8 = 2, mi_int16 = 3, mi_uint16 = 4, mi_int32 = 5, mi_uint32 = 6,
  mi_single = 7, mi_double = 9, mi_int64 = 12, mi_uint64 = 13, mi_matrix = 14,
  mi_compressed = 15, mi_utf8 = 16, mi_utf16 = 17, mi_utf32 = 18
};

/// Bytes per element of a numeric MAT v5 data type, 0 for any other type.
constexpr std::size_t mat_v5_numeric_size(std::uint32_t type) noexcept {
  switch (type) {
    case mi_int8: case mi_uint8: return 1;
    case mi_int16: case mi_uint16: return 2;
    case mi_int32: case mi_uint32: case mi_single: return 4;
    case mi_double: case mi_int64: case mi_uint64: return 8;
    default: return 0;
  }
}

inline std::string mat_v5_type_name(std::uint32_t type) {
  static constexpr const char* names[] = {"", "miINT8", "miUINT8", "miINT16", "miUINT16", "miINT32",
                                          "miUINT32", "miSINGLE", "(reserved type 8)", "miDOUBLE",
                                          "(reserved type 10)", "(reserved type 11)", "miINT64",
                                          "miUINT64", "miMATRIX", "miCOMPRESSED", "miUTF8", "miUTF16",
                                          "miUTF32"};
  if (type >= 1 && type <= 18) return names[type];
  return "unknown data type " + std::to_string(type);
}

/// A variable name as messages print it: printable ASCII, at most 63 characters.
inline std::string printable_name(const std::string& raw) {
  std::string s;
  for (char c : raw.substr(0, 63)) s += (c >= 0x20 && c < 0x7f) ? c : '?';
  return raw.size() > 63 ? s + "..." : s;
}

/// The bytes of one top-level element: a range of the file, read as stored or inflated through
/// zlib. read() delivers exactly what is asked or throws mat_v5_defect; finish() checks that a
/// compressed stream ends exactly there: no more data, a valid Adler-32 checksum, and the zlib
/// stream ending at the element's last byte.
class mat_v5_source {
 public:
  mat_v5_source(std::ifstream& in, std::uint64_t begin, std::uint64_t end, bool compressed)
      : in_(in), file_pos_(begin), end_(end), compressed_(compressed), buf_(std::size_t{1} << 16) {
    if (compressed_) {
      if (inflateInit(&z_) != Z_OK) throw mat_v5_defect("zlib could not be initialised (out of memory?)");
      z_open_ = true;
    }
  }
  ~mat_v5_source() {
    if (z_open_) inflateEnd(&z_);
  }
  mat_v5_source(const mat_v5_source&) = delete;
  mat_v5_source& operator=(const mat_v5_source&) = delete;

  /// Bytes delivered so far (inflated bytes for a compressed element).
  [[nodiscard]] std::uint64_t delivered() const noexcept { return delivered_; }

  void read(unsigned char* out, std::size_t n) {
    if (compressed_) {
      inflate_into(out, n, true);
      return;
    }
    while (n > 0) {
      if (avail_ == 0) {
        if (file_pos_ >= end_) throw mat_v5_defect("the element ends inside it");
        avail_ = load();
        at_ = 0;
      }
      const std::size_t k = std::min(n, avail_);
      std::copy_n(buf_.data() + at_, k, out);
      out += k, n -= k, at_ += k, avail_ -= k, delivered_ += k;
    }
  }

  void skip(std::uint64_t n) {
    if (compressed_) {
      unsigned char scratch[4096];
      while (n > 0) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof scratch));
        inflate_into(scratch, k, true);
        n -= k;
      }
      return;
    }
    const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(n, avail_));
    at_ += k, avail_ -= k, n -= k, delivered_ += k;
    if (n > end_ - file_pos_) throw mat_v5_defect("the element ends inside it");
    file_pos_ += n;
    delivered_ += n;
  }

  /// A compressed element must end here: the zlib stream complete (its Adler-32 checksum
  /// verified by zlib) and nothing after it inside the element.
  void finish() {
    if (!compressed_) return;
    unsigned char extra[64];
    while (!ended_) {
      const std::size_t got = inflate_into(extra, sizeof extra, false);
      if (got > 0)
        throw mat_v5_defect("the compressed data hold more bytes after the variable than its tag declares (" +
                            std::to_string(delivered_ - got) + ")");
    }
    const std::uint64_t rest = z_.avail_in + (end_ - file_pos_);
    if (rest > 0)
      throw mat_v5_defect(std::to_string(rest) + " bytes after the end of the zlib stream inside the compressed element");
  }

 private:
  std::size_t load() {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf_.size(), end_ - file_pos_));
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(file_pos_));
    if (!in_.read(reinterpret_cast<char*>(buf_.data()), static_cast<std::streamsize>(n)))
      throw mat_v5_defect("read error at byte " + std::to_string(file_pos_));
    file_pos_ += n;
    return n;
  }

  /// Inflates up to n bytes into out; with `exact`, exactly n or throws.
  std::size_t inflate_into(unsigned char* out, std::size_t n, bool exact) {
    std::size_t produced = 0;
    while (produced < n) {
      if (ended_) {
        if (!exact) break;
        throw mat_v5_defect("the compressed data end after " + std::to_string(delivered_) +
                            " bytes, inside the variable (its tags declare more)");
      }
      if (z_.avail_in == 0 && file_pos_ < end_) {
        z_.avail_in = static_cast<uInt>(load());
        z_.next_in = buf_.data();
      }
      const bool input_left = z_.avail_in > 0;
      z_.next_out = out + produced;
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - produced, 1u << 30));
      const uInt before = z_.avail_out;
      const int rc = ::inflate(&z_, Z_NO_FLUSH);
      const std::size_t got = before - z_.avail_out;
      produced += got;
      delivered_ += got;
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc == Z_BUF_ERROR) {
        // No progress: all input is used (the element ends) before the stream does.
        if (!input_left)
          throw mat_v5_defect("the compressed element is cut short: its zlib stream has no end (no checksum) after " +
                              std::to_string(delivered_) + " inflated bytes");
        throw mat_v5_defect("compressed data damaged: zlib makes no progress after " + std::to_string(delivered_) +
                            " inflated bytes");
      } else if (rc == Z_NEED_DICT) {
        throw mat_v5_defect("compressed data damaged: zlib asks for a preset dictionary");
      } else if (rc == Z_MEM_ERROR) {
        throw mat_v5_defect("out of memory while inflating");
      } else if (rc != Z_OK) {
        throw mat_v5_defect(std::string("compressed data damaged: zlib reports '") +
                            (z_.msg != nullptr ? z_.msg : "data error") + "' after " +
                            std::to_string(delivered_) + " inflated bytes");
      }
    }
    return produced;
  }

  std::ifstream& in_;
  std::uint64_t file_pos_, end_;  // next file byte to load, end of the element's bytes
  bool compressed_;
  std::vector<unsigned char> buf_;
  std::size_t at_ = 0, avail_ = 0;  // uncompressed: unread bytes buf_[at_, at_ + avail_)
  std::uint64_t delivered_ = 0;
  z_stream z_{};
  bool z_open_ = false, ended_ = false;
};

/// Walks one miMATRIX element (a variable, or a cell element or struct field inside one) and
/// checks its parts against each other before anything is allocated from them: tags inside
/// their element, dimensions against the data's byte count, cells holding as many elements
/// and structs as many fields as declared. Throws mat_v5_defect naming the part.
class mat_v5_checker {
 public:
  /// `arrays` counts the arrays checked so far in the file (see mat_max_arrays).
  mat_v5_checker(mat_v5_source& src, bool little, std::uint64_t& arrays) : src_(src), little_(little), arrays_(arrays) {}

  /// The top-level variable's name, once its name element was read (`named`).
  std::string name;
  bool named = false;

  /// The contents (after the tag) of a top-level miMATRIX of `nbytes`.
  void variable(std::uint64_t nbytes) { contents(nbytes, 0, true); }

 private:
  struct tag {
    std::uint32_t type = 0;
    std::uint32_t nbytes = 0;
    bool small = false;            // the small data element format: data in the tag's last 4 bytes
    unsigned char inline_data[4] = {0, 0, 0, 0};
  };

  std::uint32_t u32(const unsigned char* b) const {
    return little_ ? (std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
                      std::uint32_t{b[3]} << 24)
                   : (std::uint32_t{b[3]} | std::uint32_t{b[2]} << 8 | std::uint32_t{b[1]} << 16 |
                      std::uint32_t{b[0]} << 24);
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string where;
    for (const auto& w : where_) where += w + ": ";
    throw mat_v5_defect(where + what);
  }

  static std::uint64_t padded(std::uint64_t n) { return n + (8 - n % 8) % 8; }

  /// The next tag inside an array with `left` bytes to go; its data (and padding) must fit.
  tag next_tag(std::uint64_t& left, const std::string& what) {
    if (left < 8)
      fail(what + " missing: the array ends " + (left == 0 ? "here" : "with " + std::to_string(left) + " stray bytes"));
    unsigned char b[8];
    src_.read(b, 8);
    left -= 8;
    tag t;
    t.type = u32(b);
    if ((t.type >> 16) != 0) {
      t.small = true;
      t.nbytes = t.type >> 16;
      t.type &= 0xFFFFu;
      if (t.nbytes > 4) fail(what + ": a small data element declares " + std::to_string(t.nbytes) + " bytes (at most 4)");
      std::copy_n(b + 4, 4, t.inline_data);
    } else {
      t.nbytes = u32(b + 4);
      if (padded(t.nbytes) > left)
        fail(what + " (" + mat_v5_type_name(t.type) + ") declares " + std::to_string(t.nbytes) +
             " bytes, the array holds only " + std::to_string(left) + " more");
    }
    return t;
  }

  /// Consumes a tag's data and padding; the first min(keep, nbytes) bytes go to `out`.
  void take(const tag& t, std::uint64_t& left, unsigned char* out = nullptr, std::size_t keep = 0) {
    if (t.small) {
      if (out != nullptr) std::copy_n(t.inline_data, std::min<std::size_t>(keep, t.nbytes), out);
      return;
    }
    const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(keep, t.nbytes));
    if (k > 0) src_.read(out, k);
    src_.skip(padded(t.nbytes) - k);
    left -= padded(t.nbytes);
  }

  void expect_type(const tag& t, std::initializer_list<std::uint32_t> types, const std::string& what) {
    for (auto ty : types)
      if (t.type == ty) return;
    std::string list;
    std::size_t i = 0;
    for (auto ty : types) list += (i++ == 0 ? "" : i == types.size() ? " or " : ", ") + mat_v5_type_name(ty);
    fail(what + " stored as " + mat_v5_type_name(t.type) + ", expected " + list);
  }

  void contents(std::uint64_t nbytes, int depth, bool top) {
    if (++arrays_ > mat_max_arrays)
      fail("more than " + std::to_string(mat_max_arrays) + " arrays (cell elements and struct fields included) in one file");
    if (nbytes == 0) {
      // MATLAB writes an empty cell element or struct field as a bare miMATRIX tag; a variable
      // needs at least its array flags, dimensions and name.
      if (top) fail("an empty array element (no array flags, dimensions or name)");
      return;
    }
    if (depth > mat_max_nesting) fail("cells or structs nested deeper than " + std::to_string(mat_max_nesting) + " levels");
    std::uint64_t left = nbytes;
    // array flags: class, complex/global/logical flags; for sparse arrays nzmax
    const tag flags_tag = next_tag(left, "array flags");
    if (flags_tag.small || flags_tag.type != mi_uint32 || flags_tag.nbytes != 8)
      fail("array flags stored as " + std::string(flags_tag.small ? "a small element of " : "") +
           std::to_string(flags_tag.nbytes) + " bytes of " + mat_v5_type_name(flags_tag.type) +
           ", expected 8 bytes of miUINT32");
    unsigned char fb[8];
    take(flags_tag, left, fb, 8);
    const std::uint32_t flags = u32(fb);
    const std::uint32_t cls = flags & 0xFFu;
    const bool complex = (flags & 0x0800u) != 0, logical = (flags & 0x0200u) != 0;
    // classes 1 (cell) to 17 (opaque); matio reads anything else as an empty array
    if (cls == 0 || cls > MAT_C_OPAQUE) fail("array class " + std::to_string(cls) + ", expected 1 to 17");
    if (cls == MAT_C_OPAQUE) {  // MATLAB objects of classdef classes: no dimensions; not read
      generic(left, depth);
      return;
    }
    // dimensions
    const tag dims_tag = next_tag(left, "dimensions");
    if (dims_tag.small || dims_tag.type != mi_int32 || dims_tag.nbytes % 4 != 0)
      fail("dimensions stored as " + std::to_string(dims_tag.nbytes) + " bytes of " + mat_v5_type_name(dims_tag.type) +
           ", expected miINT32 values");
    const std::size_t rank = dims_tag.nbytes / 4;
    if (rank < 2 || rank > mat_max_rank)
      fail(std::to_string(rank) + " dimensions, expected 2 to " + std::to_string(mat_max_rank));
    unsigned char db[4 * mat_max_rank];
    take(dims_tag, left, db, sizeof db);
    std::vector<std::size_t> dims(rank);
    std::uint64_t count = 1;
    bool huge = false;
    for (std::size_t k = 0; k < rank; ++k) {
      const std::uint32_t d = u32(db + 4 * k);
      if (d > 0x7FFFFFFFu) fail("dimension " + std::to_string(k + 1) + " is negative (" + std::to_string(static_cast<std::int32_t>(d)) + ")");
      dims[k] = d;
      if (d == 0) count = 0;
      else if (count != 0 && count > mat_max_elements / d) huge = true;
      else count *= d;
    }
    if (huge && count != 0)
      fail("dimensions " + shape_string(dims) + " exceed " + std::to_string(mat_max_elements) + " elements");
    // name (empty for cell elements and struct fields)
    const tag name_tag = next_tag(left, "array name");
    expect_type(name_tag, {mi_int8}, "array name");
    unsigned char nb[64];
    const std::size_t keep = std::min<std::size_t>(name_tag.nbytes, sizeof nb);
    if (name_tag.small) std::copy_n(name_tag.inline_data, keep, nb);
    else src_.read(nb, keep);
    if (top) {  // known before the rest is read: a damaged stream may end right after it
      name.assign(reinterpret_cast<const char*>(nb), keep);
      named = true;
    }
    if (!name_tag.small) {
      src_.skip(padded(name_tag.nbytes) - keep);
      left -= padded(name_tag.nbytes);
    }
    const std::string shape = shape_string(dims);
    auto no_more = [&](const std::string& what) {
      if (left != 0) fail(std::to_string(left) + " bytes after the " + what + ", expected the array to end there");
    };
    auto numeric_data = [&](const std::string& part) {
      const tag t = next_tag(left, part);
      const std::size_t width = mat_v5_numeric_size(t.type);
      if (width == 0) fail(part + " stored as " + mat_v5_type_name(t.type) + ", expected a numeric type");
      if (t.nbytes != count * width)
        fail(part + ": dimensions " + shape + " (" + std::to_string(count) + " elements) of " + mat_v5_type_name(t.type) +
             " need " + std::to_string(count * width) + " bytes, the data element holds " + std::to_string(t.nbytes));
      take(t, left);
    };
    switch (cls) {
      case MAT_C_DOUBLE: case MAT_C_SINGLE: case MAT_C_INT8: case MAT_C_UINT8: case MAT_C_INT16:
      case MAT_C_UINT16: case MAT_C_INT32: case MAT_C_UINT32: case MAT_C_INT64: case MAT_C_UINT64:
        numeric_data("real part");
        if (complex) numeric_data("imaginary part");
        no_more(complex ? "imaginary part" : "data");
        return;
      case MAT_C_CHAR: {
        if (complex) fail("a complex char array");
        const tag t = next_tag(left, "char data");
        expect_type(t, {mi_utf8, mi_uint8, mi_uint16, mi_utf16}, "char data");
        if (t.type == mi_utf8 || t.type == mi_uint8) {
          // UTF-8: 1 to 4 bytes a character; 8-bit: one
          const std::uint64_t most = t.type == mi_utf8 ? 4 * count : count;
          if (t.nbytes < count || t.nbytes > most)
            fail("char data: dimensions " + shape + " (" + std::to_string(count) + " characters) need " +
                 (most == count ? std::to_string(count) : std::to_string(count) + " to " + std::to_string(most)) +
                 " bytes of " + mat_v5_type_name(t.type) + ", the data element holds " + std::to_string(t.nbytes));
        } else if (t.nbytes != 2 * count) {
          fail("char data: dimensions " + shape + " (" + std::to_string(count) + " characters) need " +
               std::to_string(2 * count) + " bytes of " + mat_v5_type_name(t.type) + ", the data element holds " +
               std::to_string(t.nbytes));
        }
        take(t, left);
        no_more("char data");
        return;
      }
      case MAT_C_CELL: {
        if (complex) fail("a complex cell array");
        for (std::uint64_t i = 0; i < count; ++i) {
          if (left < 8)
            fail("the cell's dimensions " + shape + " say " + std::to_string(count) + " elements, it holds " + std::to_string(i));
          where_.push_back("cell element " + std::to_string(i + 1) + " of " + std::to_string(count));
          element(left, depth);
          where_.pop_back();
        }
        no_more("cell's " + std::to_string(count) + " elements");
        return;
      }
      case MAT_C_STRUCT: case MAT_C_OBJECT: {
        if (complex) fail("a complex struct array");
        if (cls == MAT_C_OBJECT) {
          const tag c = next_tag(left, "class name");
          expect_type(c, {mi_int8}, "class name");
          take(c, left);
        }
        const tag len_tag = next_tag(left, "field name length");
        expect_type(len_tag, {mi_int32}, "field name length");
        if (len_tag.nbytes != 4) fail("field name length holds " + std::to_string(len_tag.nbytes) + " bytes, expected 4");
        unsigned char lb[4];
        take(len_tag, left, lb, 4);
        const std::uint32_t width = u32(lb);
        if (width == 0 || width > 0x7FFFFFFFu) fail("field name length " + std::to_string(width) + ", expected at least 1");
        const tag names_tag = next_tag(left, "field names");
        expect_type(names_tag, {mi_int8}, "field names");
        if (names_tag.nbytes % width != 0)
          fail("field names hold " + std::to_string(names_tag.nbytes) + " bytes, not a multiple of the field name length " +
               std::to_string(width));
        const std::uint64_t nfields = names_tag.nbytes / width;
        // Field names for messages: the first 64 fields' names (each NUL-terminated in `width` bytes).
        std::vector<std::string> fields;
        auto field_name = [&](const unsigned char* p, std::size_t n) {
          fields.emplace_back(reinterpret_cast<const char*>(p),
                              static_cast<std::size_t>(std::find(p, p + n, 0) - p));
        };
        if (names_tag.small) {
          for (std::uint64_t f = 0; f < nfields; ++f) field_name(names_tag.inline_data + f * width, width);
          take(names_tag, left);
        } else {
          const std::size_t shown = static_cast<std::size_t>(std::min<std::uint64_t>(nfields, 64));
          const std::size_t part = std::min<std::size_t>(width, 64);
          unsigned char fbuf[64];
          for (std::size_t f = 0; f < shown; ++f) {
            src_.read(fbuf, part);
            src_.skip(width - part);
            field_name(fbuf, part);
          }
          src_.skip(padded(names_tag.nbytes) - std::uint64_t{width} * shown);
          left -= padded(names_tag.nbytes);
        }
        if (nfields > 0 && count > left / 8 / nfields)
          fail("the struct's dimensions " + shape + " and " + std::to_string(nfields) + " fields need " +
               std::to_string(count) + " × " + std::to_string(nfields) + " field values, the array has room for at most " +
               std::to_string(left / 8));
        for (std::uint64_t i = 0; i < count && nfields > 0; ++i)  // no fields: nothing stored, whatever the count
          for (std::uint64_t f = 0; f < nfields; ++f) {
            if (left < 8)
              fail("the struct's dimensions " + shape + " and " + std::to_string(nfields) + " fields need " +
                   std::to_string(count * nfields) + " field values, it holds " + std::to_string(i * nfields + f));
            where_.push_back("field '" + (f < fields.size() ? printable_name(fields[f]) : std::to_string(f + 1)) +
                             "' of element " + std::to_string(i + 1));
            element(left, depth);
            where_.pop_back();
          }
        no_more("struct's field values");
        return;
      }
      case MAT_C_SPARSE: {
        if (rank != 2) fail("a sparse array with " + std::to_string(rank) + " dimensions, expected 2");
        const tag ir = next_tag(left, "row indices (ir)");
        expect_type(ir, {mi_int32, mi_uint32}, "row indices (ir)");
        if (ir.nbytes % 4 != 0) fail("row indices (ir) hold " + std::to_string(ir.nbytes) + " bytes, not a multiple of 4");
        take(ir, left);
        const tag jc = next_tag(left, "column indices (jc)");
        expect_type(jc, {mi_int32, mi_uint32}, "column indices (jc)");
        if (jc.nbytes != 4 * (std::uint64_t{dims[1]} + 1))
          fail("column indices (jc) hold " + std::to_string(jc.nbytes / 4) + " values, the " + shape +
               " sparse array needs " + std::to_string(dims[1] + 1));
        take(jc, left);
        auto values = [&](const std::string& part) {
          const tag t = next_tag(left, part);
          const std::size_t width = mat_v5_numeric_size(t.type);
          if (width == 0) fail(part + " stored as " + mat_v5_type_name(t.type) + ", expected a numeric type");
          // MATLAB stores logical sparse values as bytes under an miDOUBLE tag (matio reads them so).
          const std::size_t w = logical && t.type == mi_double ? 1 : width;
          if (t.nbytes % w != 0)
            fail(part + " hold " + std::to_string(t.nbytes) + " bytes, not a multiple of the " + std::to_string(w) +
                 "-byte " + mat_v5_type_name(t.type));
          take(t, left);
          return t.nbytes / w;
        };
        const std::uint64_t nre = values("real values");
        if (complex) {
          const std::uint64_t nim = values("imaginary values");
          if (nim != nre)
            fail("sparse array with " + std::to_string(nre) + " real and " + std::to_string(nim) + " imaginary values");
        }
        no_more("sparse data");
        return;
      }
      default:  // function handles: parts inside bounds, arrays inside checked as arrays
        generic(left, depth);
        return;
    }
  }

  /// One miMATRIX element inside a cell or struct.
  void element(std::uint64_t& left, int depth) {
    const tag t = next_tag(left, "element");
    if (t.small || t.type != mi_matrix) fail("stored as " + mat_v5_type_name(t.type) + ", expected miMATRIX");
    if (t.nbytes % 8 != 0) fail("an miMATRIX of " + std::to_string(t.nbytes) + " bytes, expected a multiple of 8");
    left -= t.nbytes;
    contents(t.nbytes, depth + 1, false);
  }

  /// Parts of a class without a fixed layout: each must lie inside the array; nested arrays are
  /// checked as arrays.
  void generic(std::uint64_t& left, int depth) {
    for (std::size_t k = 1; left > 0; ++k) {
      const tag t = next_tag(left, "part " + std::to_string(k));
      if (t.type == mi_matrix && !t.small) {
        if (t.nbytes % 8 != 0) fail("an miMATRIX of " + std::to_string(t.nbytes) + " bytes, expected a multiple of 8");
        left -= t.nbytes;
        where_.push_back("part " + std::to_string(k));
        contents(t.nbytes, depth + 1, false);
        where_.pop_back();
      } else if (t.type == mi_compressed) {
        fail("part " + std::to_string(k) + ": compressed data inside an array");
      } else {
        take(t, left);
      }
    }
  }

  mat_v5_source& src_;
  bool little_;
  std::vector<std::string> where_;
  std::uint64_t& arrays_;
};

/// Checks a whole MAT v5 file before matio reads it: the 128-byte header, top-level elements
/// that tile the file exactly (matio does not notice a truncated file: it returns the missing
/// part of the last variable as zeros, or silently lists fewer variables), every compressed
/// element inflated to its end (zlib stream complete, Adler-32 checksum valid, ending exactly
/// at the element's end, holding exactly the miMATRIX its tag declares), and every array's
/// parts consistent (see mat_v5_checker). Returns an empty string when the file is sound,
/// otherwise what is wrong, naming the variable (or "element k" when its name cannot be read).
inline std::string v5_file_problem(const std::filesystem::path& path) {
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
  std::uint64_t arrays = 0;
  for (std::size_t k = 1; off < size; ++k) {
    unsigned char tag[8];
    in.clear();
    in.seekg(static_cast<std::streamoff>(off));
    if (size - off < 8) {
      // Tolerate zero padding at the very end; anything else is a cut-off element.
      const auto rest = static_cast<std::streamsize>(size - off);
      if (!in.read(reinterpret_cast<char*>(tag), rest)) return "read error at byte " + std::to_string(off);
      if (std::all_of(tag, tag + rest, [](unsigned char c) { return c == 0; })) return {};
      return "truncated: " + std::to_string(rest) + " stray bytes at the end (after " + std::to_string(k - 1) +
             " complete variables)";
    }
    if (!in.read(reinterpret_cast<char*>(tag), 8)) return "read error at byte " + std::to_string(off);
    const std::uint32_t type = u32(tag), nbytes = u32(tag + 4);
    const std::string at = "element " + std::to_string(k) + " at byte " + std::to_string(off);
    if (type != mi_matrix && type != mi_compressed)
      return at + ": not a variable: " +
             ((type >> 16) != 0 ? "a small data element" : "data type " + mat_v5_type_name(type)) +
             ", expected miMATRIX or miCOMPRESSED";
    const bool compressed = type == mi_compressed;
    const std::uintmax_t available = size - off - 8;
    // An uncompressed element is padded to 8 bytes; only that padding may be missing at the end
    // of the file. A compressed element is not padded and must be complete.
    const std::uintmax_t next = off + 8 + (compressed ? nbytes : nbytes + (8 - nbytes % 8) % 8);
    const bool truncated = nbytes > available;
    const std::uintmax_t end = off + 8 + std::min<std::uintmax_t>(nbytes, available);
    std::string name, problem;
    bool named = false;
    try {
      mat_v5_source src(in, off + 8, end, compressed);
      mat_v5_checker check(src, little, arrays);
      try {
        if (compressed) {
          unsigned char inner[8];
          src.read(inner, 8);
          const std::uint32_t inner_type = u32(inner);
          if (inner_type != mi_matrix)
            throw mat_v5_defect("the compressed element holds " +
                                ((inner_type >> 16) != 0 ? std::string("a small data element") : mat_v5_type_name(inner_type)) +
                                ", expected miMATRIX");
          check.variable(u32(inner + 4));
          src.finish();
        } else {
          check.variable(nbytes);
        }
      } catch (const mat_v5_defect& e) {
        problem = e.what();
      }
      name = check.name;
      named = check.named;
    } catch (const mat_v5_defect& e) {
      problem = e.what();
    }
    const std::string which = named ? "variable '" + printable_name(name) + "' (" + at + ")" : at;
    if (truncated)
      return "truncated: " + which + " needs " + std::to_string(nbytes) + " bytes, only " + std::to_string(available) +
             " remain";
    if (!problem.empty()) return which + ": " + problem;
    off = next;
  }
  return {};
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

#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
/// Turns HDF5's automatic error printing (the "HDF5-DIAG: Error detected in HDF5" stack on
/// stderr) off for its lifetime; failures reach the caller as matio's return values.
class hdf5_quiet {
 public:
  hdf5_quiet() { saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0 && H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }
  ~hdf5_quiet() {
    if (saved_) H5Eset_auto2(H5E_DEFAULT, func_, data_);
  }
  hdf5_quiet(const hdf5_quiet&) = delete;
  hdf5_quiet& operator=(const hdf5_quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
  bool saved_ = false;
};

/// The first (innermost) message on HDF5's error stack, which says what went wrong; the stack
/// is cleared.
inline std::string hdf5_error_message() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        auto& m = *static_cast<std::string*>(out);
        if (m.empty() && e != nullptr && e->desc != nullptr) m = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? std::string("no reason given") : msg;
}

/// Why dataset `name` (open as `d`) is refused, or "": it may not declare more data than a file
/// of `file_size` bytes could hold compressed (deflate, which MATLAB uses, packs at most 1032
/// bytes into one), since matio allocates from these dimensions before it reads anything.
inline std::string v73_dataset_problem(hid_t d, const std::string& name, std::uintmax_t file_size) {
  const std::uintmax_t cap = 1032 * file_size;
  const hid_t space = H5Dget_space(d), type = H5Dget_type(d);
  const int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
  std::string problem;
  if (rank > static_cast<int>(mat_max_rank)) {
    problem = "'" + printable_name(name) + "' has " + std::to_string(rank) + " dimensions";
  } else if (rank > 0 && type >= 0) {
    hsize_t dims[mat_max_rank] = {};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    const std::uintmax_t width = std::max<std::uintmax_t>(1, H5Tget_size(type));
    std::uintmax_t count = width;
    bool over = false;
    std::string shape;  // as MATLAB shows it: HDF5 stores the dimensions in reverse
    for (int k = 0; k < rank; ++k) {
      shape = std::to_string(dims[k]) + (k ? "×" : "") + shape;
      if (dims[k] == 0) count = 0;
      else if (count > cap / dims[k]) over = true;
      else count *= dims[k];
    }
    if (over && count != 0)
      problem = "'" + printable_name(name) + "' declares " + shape + " elements of " + std::to_string(width) +
                " bytes, more than a file of " + std::to_string(file_size) + " bytes can hold even compressed";
  }
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  return problem;
}

/// The variables of a MAT v7.3 file as HDF5 lists them: the root group's members, without
/// MATLAB's own "#refs#" and "#subsystem#". matio skips a member it cannot describe and stops
/// listing at some errors, so the reader compares its list with this one. Every dataset in the
/// file (variables, struct fields, the cell elements under "#refs#") is checked with
/// v73_dataset_problem before matio sees the file. Returns "" or why the file is refused.
inline std::string v73_variables(const std::filesystem::path& path, std::vector<std::string>& names) {
  struct scan {
    std::vector<std::string> names;
    std::uintmax_t size = 0;
    std::size_t objects = 0;
    std::string problem;
  } s;
  std::error_code ec;
  s.size = std::filesystem::file_size(path, ec);
  if (ec) s.size = 0;
  const hid_t file = H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return "HDF5 cannot open it: " + hdf5_error_message();
  hsize_t at = 0;
  herr_t rc = H5Literate(
      file, H5_INDEX_NAME, H5_ITER_NATIVE, &at,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        auto& sc = *static_cast<scan*>(out);
        if (name == nullptr) return -1;
        const std::string n = name;
        if (n == "#refs#" || n == "#subsystem#") return 0;
        sc.names.push_back(n);
        if (sc.names.size() > 1000000) {
          sc.problem = "HDF5 lists more than a million variables (damaged group)";
          return 1;
        }
        return 0;
      },
      &s);
  if (rc >= 0 && s.problem.empty())
    rc = H5Lvisit(
        file, H5_INDEX_NAME, H5_ITER_NATIVE,
        [](hid_t group, const char* name, const H5L_info_t*, void* out) -> herr_t {
          auto& sc = *static_cast<scan*>(out);
          if (name == nullptr) return -1;
          if (++sc.objects > 10000000) {
            sc.problem = "HDF5 lists more than ten million objects (damaged groups)";
            return 1;
          }
          const hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
          if (d < 0) {  // a group (a struct), or an object matio's reading will refuse
            H5Eclear2(H5E_DEFAULT);
            return 0;
          }
          sc.problem = v73_dataset_problem(d, name, sc.size);
          H5Dclose(d);
          H5Eclear2(H5E_DEFAULT);
          return sc.problem.empty() ? 0 : 1;
        },
        &s);
  std::string problem = s.problem.empty() ? "" : "dataset " + s.problem;
  if (s.problem.rfind("HDF5", 0) == 0) problem = s.problem;
  if (rc < 0 && problem.empty()) problem = "HDF5 cannot list its variables: " + hdf5_error_message();
  H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
  names = std::move(s.names);
  return problem;
}
#else
class hdf5_quiet {};
#endif

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
