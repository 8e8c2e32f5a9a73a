// NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// write_npy from an Eigen matrix / vector or a raw row-major buffer, read_npy / read_npy_matrix
// back. One array per file, element types float, double, int32, int64, uint8 and bool, so that
// trained parameters load in Python with a plain numpy.load. No library needed.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/io/atomic_file.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikernn::io {

// Elements are written and read as the host holds them; a big-endian host would need a byte swap
// on every element, which nothing here does.
static_assert(std::endian::native == std::endian::little, "spikernn/io/npy.hpp assumes a little-endian host");
static_assert(sizeof(bool) == 1, "NPY bool ('|b1') is one byte per element");

/// The numpy dtype string ("descr") of each supported element type.
template <class T>
struct npy_dtype;
template <> struct npy_dtype<float> { static constexpr std::string_view descr = "<f4"; };
template <> struct npy_dtype<double> { static constexpr std::string_view descr = "<f8"; };
template <> struct npy_dtype<std::int32_t> { static constexpr std::string_view descr = "<i4"; };
template <> struct npy_dtype<std::int64_t> { static constexpr std::string_view descr = "<i8"; };
template <> struct npy_dtype<std::uint8_t> { static constexpr std::string_view descr = "|u1"; };
template <> struct npy_dtype<bool> { static constexpr std::string_view descr = "|b1"; };

template <class T>
concept npy_element = requires { npy_dtype<T>::descr; };

/// An n-dimensional array as read from a file: `data` holds the elements in C (row-major) order,
/// whatever order the file used.
template <npy_element T>
struct npy_array {
  std::vector<std::size_t> shape;  ///< numpy's shape; empty for a 0-d (scalar) array
  std::vector<T> data;             ///< product(shape) elements, last index fastest
};

namespace detail {

/// Python's repr of a shape tuple, as numpy puts it in the header: (), (5,), (2, 3).
inline std::string npy_shape_repr(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Product of the dimensions, or false when it does not fit a size_t (a damaged header).
inline bool npy_count(const std::vector<std::size_t>& shape, std::size_t& n) {
  n = 1;
  for (auto d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) return false;
    n *= d;
  }
  return true;
}

/// Whether every extent of `shape`, and the product of the nonzero ones times `width` bytes,
/// stays below 2^63: the limit under which each extent is a valid (signed) index and a
/// nonempty array of that shape could exist.
inline bool npy_extents_fit(const std::vector<std::size_t>& shape, std::size_t width) {
  const std::size_t limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
  std::size_t bytes = width;
  for (auto d : shape) {
    if (d == 0) continue;
    if (bytes > limit / d) return false;
    bytes *= d;
  }
  return true;
}

/// Magic, version, header length and the padded header dict, byte for byte what np.save
/// writes for the same array (numpy 1.24), so a file from here and one from numpy compare equal.
inline std::string npy_preamble(std::string_view descr, const std::vector<std::size_t>& shape,
                                bool fortran_order = false) {
  std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': " +
                     (fortran_order ? "True" : "False") + ", 'shape': " + npy_shape_repr(shape) + ", }";
  // numpy leaves room for the growing axis to reach 21 digits so that a header can be rewritten
  // in place when data are appended; copied for byte-identical files.
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(fortran_order ? shape.back() : shape.front()).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  // The data start on a 64-byte boundary (memory mapping, aligned loads). numpy pads a whole
  // 64 bytes when already aligned, hence no "% 64" around the subtraction.
  for (const int version : {1, 2}) {
    const std::size_t prefix = version == 1 ? 10 : 12;
    const std::size_t hlen = dict.size() + 1;  // + '\n'
    const std::size_t pad = 64 - (prefix + hlen) % 64;
    const std::size_t total = hlen + pad;
    if (version == 1 && total > 0xFFFF) continue;  // only then version 2.0 (4-byte length)
    std::string out = "\x93NUMPY";
    out += static_cast<char>(version);
    out += '\0';
    for (std::size_t b = 0; b < prefix - 8; ++b) out += static_cast<char>((total >> (8 * b)) & 0xFF);
    out += dict;
    out.append(pad, ' ');
    out += '\n';
    return out;
  }
  throw invalid_parameter("shape", "an NPY header below 4 GiB (" + std::to_string(shape.size()) + " dimensions)");
}

/// Writes preamble + `nbytes` of element data atomically.
inline void write_npy_file(const std::filesystem::path& path, std::string_view descr,
                           const std::vector<std::size_t>& shape, const char* data, std::size_t nbytes) {
  const std::string pre = npy_preamble(descr, shape);
  atomic_path out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw file_error(path.string(), "cannot open '" + out.temp_path().string() + "' for writing");
    f.write(pre.data(), std::streamsize(pre.size()));
    if (nbytes > 0) f.write(data, std::streamsize(nbytes));
    f.flush();
    if (!f) throw file_error(path.string(), "cannot write (disk full?)");
  }
  out.commit();
}

/// The numpy name of a descr such as "<f4" (float32), for messages; empty when unknown.
inline std::string npy_type_name(std::string_view descr) {
  if (!descr.empty() && std::strchr("<>|=", descr.front()) != nullptr) descr.remove_prefix(1);
  if (descr == "b1") return "bool";
  if (descr.size() < 2 || descr.size() > 3) return "";
  const char* kind = descr[0] == 'f' ? "float" : descr[0] == 'i' ? "int" : descr[0] == 'u' ? "uint"
                   : descr[0] == 'c' ? "complex" : nullptr;
  int bytes = 0;
  for (char c : descr.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return "";
    bytes = bytes * 10 + (c - '0');
  }
  return kind != nullptr ? kind + std::to_string(8 * bytes) : "";
}

inline std::string npy_describe(std::string_view descr) {
  const std::string name = npy_type_name(descr);
  return "'" + std::string(descr) + "'" + (name.empty() ? "" : " (" + name + ")");
}

struct npy_header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

/// Parses the header dict. numpy writes it with repr(); this accepts that literal syntax
/// (either quote, any key order, Python 2's "3L" integers), not arbitrary Python.
class npy_header_parser {
 public:
  npy_header_parser(std::string_view text, std::string file) : s_(text), file_(std::move(file)) {}

  npy_header parse() {
    npy_header h;
    bool seen[3] = {false, false, false};
    expect('{');
    while (!accept('}')) {
      const std::string key = string_literal("a key");
      expect(':');
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          fail("'descr' is not a plain dtype string (a structured dtype?); expected one of '<f4', '<f8', "
               "'<i4', '<i8', '|u1', '|b1'");
        h.descr = string_literal("the descr string");
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
      } else if (key == "shape") {
        h.shape = tuple();
      } else {
        fail("unexpected key '" + key + "'; expected exactly 'descr', 'fortran_order' and 'shape'");
      }
      bool& once = seen[key == "descr" ? 0 : key == "fortran_order" ? 1 : 2];
      if (once) fail("key '" + key + "' appears twice");
      once = true;
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != s_.size()) fail("text after the closing '}'");
    if (!(seen[0] && seen[1] && seen[2])) fail("expected the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw file_error(file_, "malformed NPY header at character " + std::to_string(pos_) + ": " + what +
                                "; header: " + std::string(s_.substr(0, 200)));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string_literal(const char* what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail(std::string("expected ") + what + " in quotes");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string v(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return v;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}})
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    fail("expected True or False for 'fortran_order'");
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> v;
    expect('(');
    while (!accept(')')) {
      skip_space();
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_])))
        fail("expected a non-negative integer in 'shape'");
      std::size_t d = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        const auto digit = static_cast<std::size_t>(s_[pos_++] - '0');
        if (d > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
        d = d * 10 + digit;
      }
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;
      v.push_back(d);
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return v;
  }

  std::string_view s_;
  std::string file_;
  std::size_t pos_ = 0;
};

inline std::string npy_hex(std::string_view bytes) {
  std::string s;
  char buf[4];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    s += (s.empty() ? "" : " ") + std::string(buf);
  }
  return s;
}

/// Reads and checks everything before the data; leaves `in` at the first data byte and sets
/// `data_bytes` to the number of bytes from there to the end of the file.
inline npy_header read_npy_header(std::ifstream& in, const std::string& name, std::size_t file_size,
                                  std::size_t& data_bytes) {
  char pre[12] = {};
  const std::size_t first = std::min<std::size_t>(file_size, 10);
  in.read(pre, std::streamsize(first));
  if (!in) throw file_error(name, "read error");
  if (std::memcmp(pre, "\x93NUMPY", std::min<std::size_t>(first, 6)) != 0)
    throw file_error(name, "not an NPY file: starts with " + npy_hex({pre, std::min<std::size_t>(first, 6)}) +
                               ", expected the magic string \\x93NUMPY (93 4e 55 4d 50 59)");
  if (first < 10)
    throw file_error(name, "truncated: " + std::to_string(file_size) +
                               " bytes, an NPY file starts with a 10-byte preamble (magic, version, header length)");
  const auto major = static_cast<unsigned char>(pre[6]), minor = static_cast<unsigned char>(pre[7]);
  if (major < 1 || major > 3 || minor != 0)
    throw file_error(name, "NPY format version " + std::to_string(major) + "." + std::to_string(minor) +
                               " is not supported; expected 1.0, 2.0 or 3.0");
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (file_size < prefix)
    throw file_error(name, "truncated: " + std::to_string(file_size) + " bytes, an NPY " + std::to_string(major) +
                               ".0 file starts with " + std::to_string(prefix));
  if (prefix == 12) {
    in.read(pre + 10, 2);
    if (!in) throw file_error(name, "read error");
  }
  std::size_t hlen = 0;
  for (std::size_t b = prefix - 1; b >= 8; --b) hlen = (hlen << 8) | static_cast<unsigned char>(pre[b]);
  if (hlen > file_size - prefix)
    throw file_error(name, "truncated header: it declares " + std::to_string(hlen) + " bytes, the file holds " +
                               std::to_string(file_size - prefix) + " after the " + std::to_string(prefix) +
                               "-byte preamble");
  std::string text(hlen, '\0');
  in.read(text.data(), std::streamsize(hlen));
  if (!in) throw file_error(name, "read error");
  data_bytes = file_size - prefix - hlen;
  return npy_header_parser(text, name).parse();
}

/// Checks that `h.descr` is T's dtype in little-endian order (byte order does not apply to
/// one-byte types: numpy writes '|' for them, but '<', '>' and '=' mean the same).
template <npy_element T>
void check_npy_descr(const npy_header& h, const std::string& name) {
  constexpr std::string_view want = npy_dtype<T>::descr;
  std::string_view got = h.descr;
  char order = '=';  // no prefix: numpy reads it as native order
  if (!got.empty() && std::strchr("<>|=", got.front()) != nullptr) {
    order = got.front();
    got.remove_prefix(1);
  }
  if (got != want.substr(1))
    throw file_error(name, "holds " + npy_describe(h.descr) + " elements, expected " + npy_describe(want) +
                               " (convert in numpy with a.astype('" + std::string(want) + "'))");
  if (order == '>' && sizeof(T) > 1)
    throw file_error(name, "holds big-endian " + npy_describe(h.descr) + " elements, expected little-endian '" +
                               std::string(want) + "' (convert in numpy with a.astype('" + std::string(want) + "'))");
  if (order == '|' && sizeof(T) > 1)
    throw file_error(name, "descr '" + h.descr + "' has no byte order, expected '" + std::string(want) + "'");
}

}  // namespace detail

/// Writes `shape` elements of row-major (C order) `data` as an NPY file, atomically.
/// An empty shape writes a 0-d array of one element.
template <npy_element T>
void write_npy(const std::filesystem::path& path, const T* data, std::vector<std::size_t> shape) {
  std::size_t n = 0;
  if (!detail::npy_count(shape, n) || n > std::numeric_limits<std::size_t>::max() / sizeof(T))
    throw invalid_parameter("shape", "a number of elements that fits in memory, got " + detail::npy_shape_repr(shape));
  if (n > 0 && data == nullptr) throw invalid_parameter("data", "a pointer to " + std::to_string(n) + " elements, got null");
  detail::write_npy_file(path, npy_dtype<T>::descr, shape, reinterpret_cast<const char*>(data), n * sizeof(T));
}

/// Writes an Eigen matrix or 2-D array (any storage order, or an expression) with shape
/// (rows, cols) in C order, as numpy users expect, whatever order Eigen stores it in.
template <class Derived>
  requires(npy_element<typename Derived::Scalar> && !bool(Derived::IsVectorAtCompileTime))
void write_npy(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& m) {
  using T = typename Derived::Scalar;
  const auto& e = m.derived().eval();  // a reference for plain objects, a copy of an expression
  const std::vector<std::size_t> shape{std::size_t(e.rows()), std::size_t(e.cols())};
  if (std::decay_t<decltype(e)>::IsRowMajor || e.rows() <= 1 || e.cols() <= 1) {
    write_npy(path, e.data(), shape);  // memory order already is C order
    return;
  }
  const auto buf = std::make_unique<T[]>(std::size_t(e.size()));
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(buf.get(), e.rows(), e.cols()) =
      Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(e.data(), e.rows(), e.cols());
  write_npy(path, buf.get(), shape);
}

/// Writes an Eigen vector (a compile-time row or column vector) as a 1-D array of shape (n,),
/// which is how numpy code holds biases and time constants. To write an n x 1 matrix instead,
/// pass a dynamic matrix type.
template <class Derived>
  requires(npy_element<typename Derived::Scalar> && bool(Derived::IsVectorAtCompileTime))
void write_npy(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& v) {
  const auto& e = v.derived().eval();
  write_npy(path, e.data(), {std::size_t(e.size())});
}

/// Reads an NPY file holding T elements (C or Fortran order) into row-major data.
/// Throws file_error naming the file and what was expected when it is not an NPY file, has
/// another element type or byte order, or is truncated or longer than its header declares.
/// Nothing is allocated before the shape is checked: non-negative extents whose product with
/// the element size equals the data in the file, and extents a (signed) index can hold even
/// where another is 0 (the nonzero ones multiply to less than 2^63 bytes).
template <npy_element T>
npy_array<T> read_npy(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string name = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw file_error(name, "does not exist");
  if (fs::is_directory(path, ec)) throw file_error(name, "is a directory, expected an NPY file");
  if (!fs::is_regular_file(path, ec))
    throw file_error(name, "is not a regular file (a pipe, socket or device?), expected an NPY file");
  const auto size = static_cast<std::size_t>(fs::file_size(path, ec));
  if (ec) throw file_error(name, "cannot read its size: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(name, "cannot open for reading");

  std::size_t available = 0;
  const detail::npy_header h = detail::read_npy_header(in, name, size, available);
  detail::check_npy_descr<T>(h, name);
  std::size_t n = 0;
  const bool fits = detail::npy_count(h.shape, n) && n <= std::numeric_limits<std::size_t>::max() / sizeof(T);
  const std::string what = "shape " + detail::npy_shape_repr(h.shape) + " of " + std::string(npy_dtype<T>::descr);
  if (!fits || available < n * sizeof(T))
    throw file_error(name, "truncated data: the header declares " + what +
                               (fits ? " (" + std::to_string(n * sizeof(T)) + " bytes)" : "") +
                               ", the file holds only " + std::to_string(available) + " bytes after the header");
  if (available > n * sizeof(T))
    throw file_error(name, std::to_string(available - n * sizeof(T)) + " bytes after the end of the data (the header declares " +
                               what + ", " + std::to_string(n * sizeof(T)) + " bytes); expected the file to end there");
  // Every extent must be a valid index even when another is 0 and the array empty: the shape
  // with its zero extents taken as 1 must fit in memory (a damaged (2^64-1, 0) is no array).
  if (!detail::npy_extents_fit(h.shape, sizeof(T)))
    throw file_error(name, "the header declares " + what + ": extents that no array in memory can have "
                           "(their product, zero extents aside, exceeds 2^63 bytes)");

  // std::vector<bool> has no contiguous storage, and a Fortran-order file needs reordering:
  // both go through a byte buffer; the common case reads straight into the result.
  npy_array<T> a{h.shape, std::vector<T>(n)};
  constexpr bool direct = !std::is_same_v<T, bool>;
  std::unique_ptr<T[]> staged;
  T* dst = nullptr;
  if constexpr (direct) dst = a.data.data();
  if (!direct || (h.fortran_order && h.shape.size() > 1)) {
    staged = std::make_unique<T[]>(n);
    dst = staged.get();
  }
  if (n > 0) {
    // bool is read as bytes and tested against 0: a byte other than 0 or 1 in a bool object is undefined.
    if constexpr (std::is_same_v<T, bool>) {
      auto bytes = std::make_unique<unsigned char[]>(n);
      in.read(reinterpret_cast<char*>(bytes.get()), std::streamsize(n));
      for (std::size_t k = 0; k < n; ++k) dst[k] = bytes[k] != 0;
    } else {
      in.read(reinterpret_cast<char*>(dst), std::streamsize(n * sizeof(T)));
    }
    if (!in) throw file_error(name, "read error");
  }
  if (!staged) return a;
  if (!h.fortran_order || h.shape.size() <= 1) {
    for (std::size_t k = 0; k < n; ++k) a.data[k] = staged[k];
    return a;
  }
  // Fortran order: walk the file's elements (first index fastest) and place each at its C index.
  const std::size_t nd = h.shape.size();
  std::vector<std::size_t> stride(nd, 1), idx(nd, 0);
  for (std::size_t k = nd - 1; k > 0; --k) stride[k - 1] = stride[k] * h.shape[k];
  std::size_t c = 0;
  for (std::size_t f = 0; f < n; ++f) {
    a.data[c] = staged[f];
    for (std::size_t k = 0; k < nd; ++k) {
      c += stride[k];
      if (++idx[k] < h.shape[k]) break;
      c -= stride[k] * idx[k];
      idx[k] = 0;
    }
  }
  return a;
}

/// Reads a 1-D or 2-D NPY file into a column-major spikernn::matrix: shape (r, c) gives r x c,
/// shape (n,) gives an n x 1 column (spikernn's vectors are columns).
template <npy_element T>
matrix<T> read_npy_matrix(const std::filesystem::path& path) {
  npy_array<T> a = read_npy<T>(path);
  if (a.shape.empty() || a.shape.size() > 2)
    throw file_error(path.string(), "holds a " + std::to_string(a.shape.size()) + "-dimensional array of shape " +
                                        detail::npy_shape_repr(a.shape) + ", expected 1 or 2 dimensions for a matrix");
  // read_npy checked that every extent is a valid index (below 2^63)
  const auto rows = static_cast<index_t>(a.shape[0]);
  const auto cols = a.shape.size() == 2 ? static_cast<index_t>(a.shape[1]) : index_t(1);
  if (rows < 0 || cols < 0)
    throw file_error(path.string(), "shape " + detail::npy_shape_repr(a.shape) + " does not fit a matrix's index type");
  // One copy from C order; no loop over an extent whose partner is 0 (shape (10^15, 0) is empty).
  matrix<T> m(rows, cols);
  if (m.size() == 0) return m;
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> has no data()
    for (index_t i = 0; i < rows; ++i)
      for (index_t j = 0; j < cols; ++j) m(i, j) = a.data[std::size_t(i * cols + j)];
  } else {
    m = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data.data(), rows, cols);
  }
  return m;
}

}  // namespace spikernn::io
