// The structure check a MAT v5 file passes before matio reads it (mat_reader calls
// detail::v5_file_problem): every element walked, compressed variables inflated through zlib to
// their end with the Adler-32 checksum verified, each array's parts checked against each other.
//
// matio trusts a file's element tags: it sizes allocations from a variable's dimensions before
// it looks at the data, reads a cell's elements as far as its dimensions say, reads compressed
// variables without checking the zlib stream's end or its checksum, and stops listing variables
// at the first one it cannot parse. So before matio sees a MAT v5 file, mat_reader walks every
// element of it here, inflating compressed variables (streaming, in bounded memory) and checking
// each array's parts against each other. A file that passes is one matio reads as written.
//
// Needs matio and zlib: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/io/mat_layout.hpp"

#if defined(__has_include) && !__has_include(<zlib.h>)
#error "spikernn/io/mat_v5_check.hpp needs zlib to check compressed MAT variables (Debian: zlib1g-dev, a dependency of libmatio-dev)"
#endif
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace spikernn::io::detail {

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

}  // namespace spikernn::io::detail
