// Tests of what mat_reader refuses: damaged MAT v5 files (every element checked before matio
// reads it, compressed variables inflated and their checksums verified), parts that do not
// agree with each other (dimensions against data, cells against their element count), what matio
// hands back, copy_all_except on a variable it cannot read, and damaged MAT v7.3 files (refused
// with one message, nothing from HDF5 on stderr). The damaged files are made here byte by byte
// from files mat_writer wrote.
#include "spikernn/io/mat_file.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support.hpp"

namespace fs = std::filesystem;
using spikernn::file_error;
using spikernn::io::mat_reader;
using spikernn::io::mat_writer;

namespace {
using spikernn::testing::contains;
using spikernn::testing::scratch_dir;
using spikernn::testing::slurp;

void mr_put(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

/// The message of the file_error reading `p` throws, or "" when it reads.
std::string mr_refusal(const fs::path& p) {
  try {
    const mat_reader r(p);
  } catch (const file_error& e) {
    CHECK(e.file == p.string());
    return e.what();
  }
  return "";
}

std::uint32_t mr_u32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);  // little-endian host and file
  return v;
}
void mr_set_u32(std::string& b, std::size_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

/// A top-level element of a little-endian MAT v5 file.
struct mr_element {
  std::size_t offset = 0;
  std::uint32_t type = 0, nbytes = 0;
  std::size_t end() const { return offset + 8 + nbytes + (type == 15 ? 0 : (8 - nbytes % 8) % 8); }
};

std::vector<mr_element> mr_elements(const std::string& file) {
  std::vector<mr_element> out;
  for (std::size_t off = 128; off + 8 <= file.size();) {
    mr_element e{off, mr_u32(file, off), mr_u32(file, off + 4)};
    out.push_back(e);
    off = e.end();
  }
  return out;
}

std::string mr_inflate(const std::string& in) {
  std::string out(1 << 20, '\0');
  uLongf n = static_cast<uLongf>(out.size());
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()),
                     static_cast<uLong>(in.size())) == Z_OK);
  out.resize(n);
  return out;
}

std::string mr_deflate(const std::string& in) {
  std::string out(compressBound(static_cast<uLong>(in.size())), '\0');
  uLongf n = static_cast<uLongf>(out.size());
  REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()),
                   static_cast<uLong>(in.size())) == Z_OK);
  out.resize(n);
  return out;
}

/// The miMATRIX (tag included) of element `e`, inflated when compressed.
std::string mr_matrix(const std::string& file, const mr_element& e) {
  if (e.type == 15) return mr_inflate(file.substr(e.offset + 8, e.nbytes));
  return file.substr(e.offset, e.end() - e.offset);
}

/// The name of a miMATRIX with 2 dimensions: tag 8, flags 16, dims 16, then the name.
std::string mr_name(const std::string& m) {
  const std::uint32_t t = mr_u32(m, 40);
  if (t >> 16) return m.substr(44, t >> 16);
  return m.substr(48, mr_u32(m, 44));
}

/// The element holding variable `name`.
mr_element mr_find(const std::string& file, const std::string& name) {
  for (const auto& e : mr_elements(file))
    if (mr_name(mr_matrix(file, e)) == name) return e;
  FAIL("no variable " << name);
  return {};
}

/// `file` with element `e` replaced by miMATRIX `m` (compressed again, with a valid checksum,
/// when `e` was compressed).
std::string mr_replace(const std::string& file, const mr_element& e, const std::string& m) {
  std::string element = m;
  if (e.type == 15) {
    const std::string z = mr_deflate(m);
    element.assign(8, '\0');
    mr_set_u32(element, 0, 15);
    mr_set_u32(element, 4, static_cast<std::uint32_t>(z.size()));
    element += z;
  }
  return file.substr(0, e.offset) + element + file.substr(e.end());
}

/// A model-like file: a scalar, a 10×10 matrix, a string, a cell of strings.
void mr_write_model(const fs::path& p, bool compress) {
  mat_writer out(p, compress);
  out.write_scalar("a", 1.0);
  spikernn::matrix<double> w(10, 10);
  for (Eigen::Index k = 0; k < w.size(); ++k) w(k) = 0.25 * static_cast<double>(k);
  out.write("w_rec", w);
  out.write_string("name", "go_nogo");
  out.write_strings("labels", {"go", "nogo", "x"});
  out.commit();
}

/// Everything fd 2 receives while f() runs.
template <class F>
std::string mr_stderr_of(F&& f) {
  std::fflush(stderr);
  char name[] = "/tmp/spikernn_stderr_XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  const int saved = dup(2);
  dup2(fd, 2);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  const std::string text = slurp(name);
  std::remove(name);
  return text;
}

}  // namespace

TEST_CASE("mat_reader: a flipped byte anywhere in a compressed variable is refused, naming it") {
  // Before: matio read a damaged compressed variable without a word (wrong values), and
  // copy_all_except wrote them back with a fresh checksum.
  scratch_dir dir;
  const fs::path good = dir.path / "model.mat", bad = dir.path / "flipped.mat";
  mr_write_model(good, true);
  const std::string file = slurp(good);
  const mr_element w = mr_find(file, "w_rec");
  REQUIRE(w.type == 15);
  const auto original = mat_reader(good).matrix<double>("w_rec");
  int refused = 0, same = 0;
  for (std::size_t at = w.offset + 8; at < w.end(); ++at) {
    CAPTURE(at);
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    mr_put(bad, damaged);
    const std::string msg = mr_refusal(bad);
    if (msg.empty()) {
      // only bits that carry nothing (padding after the last deflate block) may change silently
      CHECK(mat_reader(bad).matrix<double>("w_rec") == original);
      ++same;
      continue;
    }
    ++refused;
    CHECK(contains(msg, "flipped.mat"));
    CHECK(contains(msg, "corrupt MAT file"));
    CHECK((contains(msg, "variable 'w_rec'") || contains(msg, "element 2")));
  }
  CHECK(refused > 0);
  CHECK(same <= 2);
  // the message says what zlib found
  std::string damaged = file;
  damaged[w.offset + 8 + w.nbytes / 2] = static_cast<char>(damaged[w.offset + 8 + w.nbytes / 2] ^ 0x10);
  mr_put(bad, damaged);
  const std::string msg = mr_refusal(bad);
  CHECK(contains(msg, "variable 'w_rec' (element 2 at byte " + std::to_string(w.offset) + ")"));
  CHECK((contains(msg, "compressed data damaged") || contains(msg, "compressed data")));
}

TEST_CASE("mat_reader: a compressed variable cut short by 1 to 7 bytes is refused") {
  // Before: the end of the file tolerated up to 7 missing bytes (the padding of uncompressed
  // elements), and a compressed element is not padded.
  scratch_dir dir;
  const fs::path good = dir.path / "model.mat", cut = dir.path / "cut.mat";
  mr_write_model(good, true);
  const std::string file = slurp(good);
  const auto elements = mr_elements(file);
  REQUIRE(elements.back().type == 15);
  REQUIRE(elements.back().end() == file.size());
  for (std::size_t k = 1; k <= 7; ++k) {
    CAPTURE(k);
    // the file ends early
    mr_put(cut, file.substr(0, file.size() - k));
    std::string msg = mr_refusal(cut);
    CHECK(contains(msg, "truncated"));
    CHECK(contains(msg, "variable 'labels'"));
    // the element's tag agrees with the shorter file: the zlib stream has no end
    std::string shorter = file.substr(0, file.size() - k);
    mr_set_u32(shorter, elements.back().offset + 4, elements.back().nbytes - static_cast<std::uint32_t>(k));
    mr_put(cut, shorter);
    msg = mr_refusal(cut);
    CHECK(contains(msg, "variable 'labels'"));
    CHECK(contains(msg, "cut short"));
  }
  // bytes after the end of the zlib stream inside the element
  std::string longer = file + std::string(3, '\0');
  mr_set_u32(longer, elements.back().offset + 4, elements.back().nbytes + 3);
  mr_put(cut, longer);
  CHECK(contains(mr_refusal(cut), "3 bytes after the end of the zlib stream"));
}

TEST_CASE("mat_reader: a cell or struct with fewer elements than its dimensions is refused") {
  // Before: matio handed back NULL cell elements and the multibyte-character check read past
  // the cell's data (heap-buffer-overflow under ASan).
  scratch_dir dir;
  for (const bool compress : {false, true}) {
    CAPTURE(compress);
    const fs::path good = dir.path / "model.mat", bad = dir.path / "cell.mat";
    mr_write_model(good, compress);
    const std::string file = slurp(good);
    const mr_element e = mr_find(file, "labels");
    std::string m = mr_matrix(file, e);
    REQUIRE(mr_u32(m, 32) == 1);
    REQUIRE(mr_u32(m, 36) == 3);
    mr_set_u32(m, 36, 5);  // 1×5, three elements stored
    mr_put(bad, mr_replace(file, e, m));
    const std::string msg = mr_refusal(bad);
    CHECK(contains(msg, "variable 'labels'"));
    CHECK(contains(msg, "dimensions 1×5 say 5 elements, it holds 3"));
    mr_set_u32(m, 36, 2);  // 1×2, three stored
    mr_put(bad, mr_replace(file, e, m));
    CHECK(contains(mr_refusal(bad), "bytes after the cell's 2 elements"));
  }
  // matio's own view of a cell is checked against the elements it holds, never past them
  std::size_t dims[2] = {1, 3};
  spikernn::io::detail::var_ptr cell(Mat_VarCreate("c", MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0));
  REQUIRE(cell);
  char text[] = "x";
  std::size_t tdims[2] = {1, 1};
  for (int i = 0; i < 3; ++i)
    Mat_VarSetCell(cell.get(), i, Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UTF8, 2, tdims, text, 0));
  CHECK_FALSE(spikernn::io::detail::has_multibyte_chars(*cell));
  CHECK(spikernn::io::detail::var_problem(*cell).empty());
  cell->dims[1] = 5;  // dimensions promise more than the 3 element pointers held
  CHECK_FALSE(spikernn::io::detail::has_multibyte_chars(*cell));  // looks at all 3, reads no further
  CHECK(contains(spikernn::io::detail::var_problem(*cell), "fewer elements than its dimensions 1×5"));
  cell->dims[1] = 3;
  Mat_VarFree(Mat_VarSetCell(cell.get(), 1, nullptr));  // the old element comes back to be freed
  CHECK(contains(spikernn::io::detail::var_problem(*cell), "cell element 2 could not be read"));
}

TEST_CASE("mat_reader: dimensions that do not match the stored data are refused before allocating") {
  // Before: a 55 KB file whose char dimensions were inflated made matio allocate 1.6 GB.
  scratch_dir dir;
  for (const bool compress : {false, true}) {
    CAPTURE(compress);
    const fs::path good = dir.path / "model.mat", bad = dir.path / "dims.mat";
    mr_write_model(good, compress);
    const std::string file = slurp(good);
    // char 1×7 claiming 1×800000000
    mr_element e = mr_find(file, "name");
    std::string m = mr_matrix(file, e);
    mr_set_u32(m, 36, 800000000);
    mr_put(bad, mr_replace(file, e, m));
    std::string msg = mr_refusal(bad);
    CHECK(contains(msg, "variable 'name'"));
    CHECK(contains(msg, "char data: dimensions 1×800000000"));
    CHECK(contains(msg, "the data element holds 7"));
    // a 10×10 double claiming 10×11, and a negative dimension
    e = mr_find(file, "w_rec");
    m = mr_matrix(file, e);
    mr_set_u32(m, 36, 11);
    mr_put(bad, mr_replace(file, e, m));
    msg = mr_refusal(bad);
    CHECK(contains(msg, "variable 'w_rec'"));
    CHECK(contains(msg, "dimensions 10×11 (110 elements) of miDOUBLE need 880 bytes, the data element holds 800"));
    mr_set_u32(m, 36, 0xFFFFFFF6u);
    mr_put(bad, mr_replace(file, e, m));
    CHECK(contains(mr_refusal(bad), "dimension 2 is negative (-10)"));
  }
}

TEST_CASE("mat_reader: top-level elements that are not variables are refused") {
  // Before: matio stopped listing variables at such an element, silently hiding the rest.
  scratch_dir dir;
  const fs::path good = dir.path / "model.mat", bad = dir.path / "odd.mat";
  mr_write_model(good, false);
  std::string file = slurp(good);
  const mr_element e = mr_find(file, "w_rec");
  mr_set_u32(file, e.offset, 9);  // miDOUBLE where a variable should be
  mr_put(bad, file);
  CHECK(contains(mr_refusal(bad), "element 2 at byte " + std::to_string(e.offset) + ": not a variable: data type miDOUBLE"));
}

TEST_CASE("mat_reader: copy_all_except refuses a variable it cannot read before writing anything") {
  // Before: the variables before it were already written when the copy failed.
  scratch_dir dir;
  const fs::path good = dir.path / "model.mat", with = dir.path / "object.mat";
  mr_write_model(good, false);
  // A MATLAB object (class 3, 'inline' with one field x = 2.5): the layout is sound, matio cannot read it.
  auto tag = [](std::uint32_t type, std::uint32_t n) {
    std::string t(8, '\0');
    mr_set_u32(t, 0, type);
    mr_set_u32(t, 4, n);
    return t;
  };
  auto pad = [](std::string s) { return s + std::string((8 - s.size() % 8) % 8, '\0'); };
  std::string field = tag(6, 8) + std::string("\x06\0\0\0\0\0\0\0", 8) + tag(5, 8) +
                      std::string("\x01\0\0\0\x01\0\0\0", 8) + tag(1, 0);
  double x = 2.5;
  field += tag(9, 8) + std::string(reinterpret_cast<const char*>(&x), 8);
  std::string body = tag(6, 8) + std::string("\x03\0\0\0\0\0\0\0", 8) + tag(5, 8) + std::string("\x01\0\0\0\x01\0\0\0", 8) +
                     tag(1, 3) + pad("obj") + tag(1, 6) + pad("inline");
  std::string len = tag(5, 4);
  mr_set_u32(len, 0, (4u << 16) | 5u);  // small element: 4 bytes of miINT32
  mr_set_u32(len, 4, 8);
  body += len + tag(1, 8) + std::string("x\0\0\0\0\0\0\0", 8) + tag(14, static_cast<std::uint32_t>(field.size())) + field;
  mr_put(with, slurp(good) + tag(14, static_cast<std::uint32_t>(body.size())) + body);

  const mat_reader in(with);
  CHECK(in.has("obj"));
  CHECK(in.matrix<double>("w_rec", 10, 10)(1, 0) == 0.25);
  try {
    (void)in.scalar("obj");
    FAIL("expected file_error");
  } catch (const file_error& e) {
    CHECK(contains(e.what(), "variable 'obj'"));
    CHECK(contains(e.what(), "object arrays are not supported"));
  }
  {
    mat_writer out(dir.path / "copy.mat");
    try {
      in.copy_all_except(out, {});
      FAIL("expected file_error");
    } catch (const file_error& e) {
      CHECK(contains(e.what(), "variable 'obj'"));
      CHECK(contains(e.what(), "nothing was written"));
    }
    CHECK_FALSE(out.has("a"));
    CHECK_FALSE(out.has("w_rec"));
  }
  CHECK_FALSE(fs::exists(dir.path / "copy.mat"));
  // leaving it out copies the rest
  mat_writer out(dir.path / "copy.mat");
  in.copy_all_except(out, {"obj"});
  out.commit();
  CHECK(mat_reader(dir.path / "copy.mat").names() == std::vector<std::string>{"a", "w_rec", "name", "labels"});
}

TEST_CASE("mat_reader: a damaged MAT v7.3 file is refused with one message and nothing from HDF5 on stderr") {
  // Before: HDF5 printed its error stack (HDF5-DIAG …) and the file read as one without
  // variables, or without the damaged one.
  scratch_dir dir;
  const fs::path good = dir.path / "v73.mat";
  {
    spikernn::io::detail::mat_ptr mat(Mat_CreateVer(good.string().c_str(), nullptr, MAT_FT_MAT73));
    if (!mat) {
      MESSAGE("this matio has no MAT v7.3 support; skipped");
      return;
    }
    double w[6] = {1, 2, 3, 4, 5, 6};
    std::size_t dims[2] = {2, 3};
    spikernn::io::detail::var_ptr v(Mat_VarCreate("w", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, w, MAT_F_DONT_COPY_DATA));
    REQUIRE(Mat_VarWrite(mat.get(), v.get(), MAT_COMPRESSION_NONE) == 0);
    std::int64_t n = 200;
    std::size_t one[2] = {1, 1};
    spikernn::io::detail::var_ptr vn(Mat_VarCreate("N", MAT_C_INT64, MAT_T_INT64, 2, one, &n, MAT_F_DONT_COPY_DATA));
    REQUIRE(Mat_VarWrite(mat.get(), vn.get(), MAT_COMPRESSION_NONE) == 0);
  }
  const std::string file = slurp(good);
  const fs::path bad = dir.path / "bad73.mat";
  // cut in half: the HDF5 superblock says how long the file should be
  mr_put(bad, file.substr(0, file.size() / 2));
  std::string msg;
  std::string err = mr_stderr_of([&] { msg = mr_refusal(bad); });
  CHECK(contains(msg, "bad73.mat: corrupt MAT v7.3 file: HDF5 cannot open it: truncated file"));
  CHECK_FALSE(contains(err, "HDF5-DIAG"));
  CHECK(err.empty());
  // the HDF5 signature overwritten
  std::string damaged = file;
  std::memset(damaged.data() + 512, 0, 8);
  mr_put(bad, damaged);
  err = mr_stderr_of([&] { msg = mr_refusal(bad); });
  CHECK(contains(msg, "corrupt MAT v7.3 file: HDF5 cannot open it"));
  CHECK(err.empty());
  // the intact file still reads, and quietly
  err = mr_stderr_of([&] { CHECK(mat_reader(good).integer("N") == 200); });
  CHECK(err.empty());
}

TEST_CASE("mat_reader: a pipe or device given as a model is refused instead of blocking") {
  scratch_dir dir;
  const fs::path fifo = dir.path / "model.mat";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(contains(mr_refusal(fifo), "is not a regular file"));
  CHECK(contains(mr_refusal("/dev/null"), "is not a regular file"));
}
