// Tests of spikernn::io::write_npy / read_npy / read_npy_matrix: the header byte for byte as
// numpy writes it, round trips of every element type (1-D, 2-D, row- and column-major sources),
// Fortran-order files, the version 2.0 fallback, every error message, and the numpy interop half
// driven by tests/python/npy_interop.py.
#include "spikernn/io/npy.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>
#include "../support.hpp"

namespace fs = std::filesystem;
using spikernn::file_error;
using spikernn::invalid_parameter;
using spikernn::matrix;
namespace io = spikernn::io;

namespace {
using spikernn::testing::scratch_dir;
using spikernn::testing::contains;
using spikernn::testing::slurp;

void put_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

/// Runs `f`, requires a file_error naming `file`, and checks its message holds every one of `parts`.
template <class F>
void check_error(const fs::path& file, F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL("expected spikernn::file_error");
  } catch (const file_error& e) {
    const std::string msg = e.what();
    INFO("message: " << msg);
    CHECK(e.file == file.string());
    for (const auto& p : parts) CHECK_MESSAGE(contains(msg, p), "missing '" << p << "'");
  }
}

/// Distinct values of every type, with the extremes of the integers among them.
template <class T>
T sample(std::size_t k) {
  if constexpr (std::is_same_v<T, bool>) {
    return k % 3 == 1;
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(k) * T(0.25) - T(1.5);
  } else {
    if (k == 0) return std::numeric_limits<T>::min();
    if (k == 1) return std::numeric_limits<T>::max();
    return static_cast<T>(k * 37 % 251);
  }
}

/// Header length as stored (version 1.0 little-endian uint16).
std::size_t header_len_v1(const std::string& b) {
  return std::size_t(static_cast<unsigned char>(b[8])) | std::size_t(static_cast<unsigned char>(b[9])) << 8;
}

}  // namespace

TEST_CASE("npy: header of a float32 (2, 3) array is byte for byte what numpy writes") {
  const scratch_dir dir;
  matrix<float> m(2, 3);
  m << 1.5f, -2.0f, 3.25f, 4.0f, 5.5f, -6.75f;
  io::write_npy(dir.path / "a.npy", m);
  const std::string b = slurp(dir.path / "a.npy");

  std::string header("\x93NUMPY\x01\x00v\x00", 10);
  header += "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(127 - header.size(), ' ');
  header += '\n';
  REQUIRE(header.size() == 128);
  REQUIRE(b.size() == 128 + 6 * sizeof(float));
  CHECK(b.substr(0, 128) == header);
  // C order: the first row, then the second, although Eigen stores m by columns
  const float expected[6] = {1.5f, -2.0f, 3.25f, 4.0f, 5.5f, -6.75f};
  CHECK(std::memcmp(b.data() + 128, expected, sizeof expected) == 0);
}

TEST_CASE("npy: the data start on a multiple of 64 bytes for any shape and type") {
  const scratch_dir dir;
  const auto p = dir.path / "x.npy";
  const std::vector<std::vector<std::size_t>> shapes{
      {}, {0}, {7}, {2, 3}, {0, 3}, {123456789, 0}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0}, {99999, 0, 1}};
  const double dummy[8] = {};
  for (const auto& shape : shapes) {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    io::write_npy(p, dummy, shape);
    const std::string b = slurp(p);
    INFO("shape " << io::detail::npy_shape_repr(shape));
    REQUIRE(b.size() >= 10);
    const std::size_t data_start = 10 + header_len_v1(b);
    CHECK(b[6] == '\x01');
    CHECK(data_start % 64 == 0);
    CHECK(b[data_start - 1] == '\n');
    CHECK(b.size() == data_start + n * sizeof(double));
    CHECK(contains(b.substr(0, data_start), "'shape': " + io::detail::npy_shape_repr(shape) + ", }"));
  }
  // numpy's repr of 1-D and 0-d shapes
  CHECK(io::detail::npy_shape_repr({5}) == "(5,)");
  CHECK(io::detail::npy_shape_repr({}) == "()");
  CHECK(io::detail::npy_shape_repr({2, 3, 4}) == "(2, 3, 4)");
}

TEST_CASE_TEMPLATE("npy: round trip of every element type, 1-D and 2-D", T, float, double, std::int32_t,
                   std::int64_t, std::uint8_t, bool) {
  const scratch_dir dir;
  // 2-D from a column-major matrix
  matrix<T> m(3, 4);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 4; ++j) m(i, j) = sample<T>(std::size_t(i * 4 + j));
  io::write_npy(dir.path / "m.npy", m);
  const auto a = io::read_npy<T>(dir.path / "m.npy");
  CHECK(a.shape == std::vector<std::size_t>{3, 4});
  REQUIRE(a.data.size() == 12);
  for (std::size_t k = 0; k < 12; ++k) CHECK(a.data[k] == sample<T>(k));
  CHECK(io::read_npy_matrix<T>(dir.path / "m.npy") == m);
  const std::string b = slurp(dir.path / "m.npy");
  CHECK(contains(b.substr(0, 128), "'descr': '" + std::string(io::npy_dtype<T>::descr) + "'"));

  // 1-D from a vector: shape (n,), read back as an n x 1 column
  spikernn::vector<T> v(5);
  for (Eigen::Index k = 0; k < 5; ++k) v(k) = sample<T>(std::size_t(k));
  io::write_npy(dir.path / "v.npy", v);
  const auto av = io::read_npy<T>(dir.path / "v.npy");
  CHECK(av.shape == std::vector<std::size_t>{5});
  const matrix<T> mv = io::read_npy_matrix<T>(dir.path / "v.npy");
  CHECK(mv.rows() == 5);
  CHECK(mv.cols() == 1);
  CHECK(mv.col(0) == v);

  // raw row-major buffer, 3-D, and an empty array
  const auto raw = std::make_unique<T[]>(24);  // not std::vector<T>: vector<bool> has no data()
  for (std::size_t k = 0; k < 24; ++k) raw[k] = sample<T>(k);
  io::write_npy(dir.path / "c.npy", static_cast<const T*>(raw.get()), {2, 3, 4});
  const auto ac = io::read_npy<T>(dir.path / "c.npy");
  CHECK(ac.shape == std::vector<std::size_t>{2, 3, 4});
  for (std::size_t k = 0; k < 24; ++k) CHECK(ac.data[k] == sample<T>(k));
  io::write_npy(dir.path / "e.npy", matrix<T>(0, 3));
  CHECK(io::read_npy<T>(dir.path / "e.npy").shape == std::vector<std::size_t>{0, 3});
  CHECK(io::read_npy_matrix<T>(dir.path / "e.npy").cols() == 3);
}

TEST_CASE("npy: row- and column-major sources, arrays and expressions all write C order") {
  const scratch_dir dir;
  matrix<double> cm(2, 3);
  cm << 1, 2, 3, 4, 5, 6;
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = cm;
  const Eigen::Array<double, 2, 3> fixed = cm.array();
  const Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> ra = cm.array();
  io::write_npy(dir.path / "cm.npy", cm);
  io::write_npy(dir.path / "rm.npy", rm);
  io::write_npy(dir.path / "fixed.npy", fixed);
  io::write_npy(dir.path / "ra.npy", ra);
  io::write_npy(dir.path / "expr.npy", 2.0 * cm.transpose().transpose() - cm);  // evaluated first
  const std::string want = slurp(dir.path / "cm.npy");
  CHECK(slurp(dir.path / "rm.npy") == want);
  CHECK(slurp(dir.path / "fixed.npy") == want);
  CHECK(slurp(dir.path / "ra.npy") == want);
  CHECK(slurp(dir.path / "expr.npy") == want);
  io::write_npy(dir.path / "map.npy", Eigen::Map<const matrix<double>>(cm.data(), 2, 3));  // as rate_rnn::w()
  CHECK(slurp(dir.path / "map.npy") == want);

  io::write_npy(dir.path / "t.npy", cm.transpose());
  CHECK(io::read_npy_matrix<double>(dir.path / "t.npy") == cm.transpose());
  io::write_npy(dir.path / "block.npy", cm.rightCols(2));
  CHECK(io::read_npy<double>(dir.path / "block.npy").data == std::vector<double>{2, 3, 5, 6});
  // a single row of a column-major matrix is contiguous in C order without a copy
  io::write_npy(dir.path / "row.npy", matrix<double>(cm.topRows(1)));
  CHECK(io::read_npy<double>(dir.path / "row.npy").shape == std::vector<std::size_t>{1, 3});

  // compile-time vectors, row or column, are 1-D; a dynamic matrix with one column stays 2-D
  io::write_npy(dir.path / "rv.npy", spikernn::row_vector<float>::LinSpaced(4, 0, 3));
  io::write_npy(dir.path / "arr.npy", spikernn::array<float>::Constant(3, 0.5f));
  io::write_npy(dir.path / "col.npy", matrix<float>::Ones(3, 1));
  CHECK(io::read_npy<float>(dir.path / "rv.npy").data == std::vector<float>{0, 1, 2, 3});
  CHECK(io::read_npy<float>(dir.path / "arr.npy").shape == std::vector<std::size_t>{3});
  CHECK(io::read_npy<float>(dir.path / "col.npy").shape == std::vector<std::size_t>{3, 1});
}

TEST_CASE("npy: Fortran-order files are read into C order") {
  const scratch_dir dir;
  // (2, 3) float32 stored by columns: element (i, j) = 10 i + j
  std::string b = io::detail::npy_preamble("<f4", {2, 3}, true);
  CHECK(b.size() % 64 == 0);
  CHECK(contains(b, "'fortran_order': True"));
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i) {
      const float x = float(10 * i + j);
      b.append(reinterpret_cast<const char*>(&x), sizeof x);
    }
  put_bytes(dir.path / "f.npy", b);
  const auto a = io::read_npy<float>(dir.path / "f.npy");
  CHECK(a.shape == std::vector<std::size_t>{2, 3});
  CHECK(a.data == std::vector<float>{0, 1, 2, 10, 11, 12});
  CHECK(io::read_npy_matrix<float>(dir.path / "f.npy") == (matrix<float>(2, 3) << 0, 1, 2, 10, 11, 12).finished());

  // (2, 3, 4) int64, element (i, j, k) = 100 i + 10 j + k, first index fastest in the file
  b = io::detail::npy_preamble("<i8", {2, 3, 4}, true);
  for (std::int64_t k = 0; k < 4; ++k)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t i = 0; i < 2; ++i) {
        const std::int64_t x = 100 * i + 10 * j + k;
        b.append(reinterpret_cast<const char*>(&x), sizeof x);
      }
  put_bytes(dir.path / "f3.npy", b);
  const auto c = io::read_npy<std::int64_t>(dir.path / "f3.npy");
  REQUIRE(c.data.size() == 24);
  std::size_t at = 0;
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t k = 0; k < 4; ++k) CHECK(c.data[at++] == 100 * i + 10 * j + k);

  // bool goes through its own path
  b = io::detail::npy_preamble("|b1", {2, 2}, true);
  b += std::string("\x01\x00\x00\x01", 4);  // columns (1, 0), (0, 1): the identity
  put_bytes(dir.path / "fb.npy", b);
  CHECK(io::read_npy<bool>(dir.path / "fb.npy").data == std::vector<bool>{true, false, false, true});
}

TEST_CASE("npy: headers over 65535 bytes fall back to format version 2.0") {
  const scratch_dir dir;
  const std::vector<std::size_t> shape(30000, 1);  // "1, " thirty thousand times
  const float one = 42.0f;
  io::write_npy(dir.path / "big.npy", &one, shape);
  const std::string b = slurp(dir.path / "big.npy");
  REQUIRE(b.size() > 12);
  CHECK(b[6] == '\x02');
  CHECK(b[7] == '\x00');
  std::size_t hlen = 0;
  for (int k = 11; k >= 8; --k) hlen = (hlen << 8) | static_cast<unsigned char>(b[std::size_t(k)]);
  CHECK(hlen > 65535);
  CHECK((12 + hlen) % 64 == 0);
  CHECK(b.size() == 12 + hlen + sizeof(float));
  const auto a = io::read_npy<float>(dir.path / "big.npy");
  CHECK(a.shape == shape);
  CHECK(a.data == std::vector<float>{42.0f});
  // and one dimension short of that stays at 1.0
  CHECK(io::detail::npy_preamble("<f4", std::vector<std::size_t>(20000, 1))[6] == '\x01');
}

TEST_CASE("npy: numpy header variants are accepted") {
  const scratch_dir dir;
  const auto p = dir.path / "v.npy";
  const std::string data("\x01\x00\x00\x00\x02\x00\x00\x00", 8);
  // keys in another order, double quotes, Python 2 longs, no trailing comma, version 3.0
  for (const std::string& dict : {std::string("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<i4\"}"),
                                  std::string("{'descr':'<i4','fortran_order':True,'shape':(2,)}")}) {
    for (const char version : {'\x01', '\x03'}) {
      std::string b("\x93NUMPY", 6);
      b += version;
      b += '\0';
      const std::size_t hlen = dict.size() + 1;
      b += static_cast<char>(hlen & 0xFF);
      b += static_cast<char>(hlen >> 8);
      if (version != '\x01') b += std::string(2, '\0');
      b += dict + "\n" + data;
      put_bytes(p, b);
      INFO(dict);
      const auto a = io::read_npy<std::int32_t>(p);
      CHECK(a.shape == std::vector<std::size_t>{2});
      CHECK(a.data == std::vector<std::int32_t>{1, 2});
    }
  }
  // one-byte types carry no byte order: '<u1' and '=u1' are '|u1'
  for (const char* descr : {"<u1", "=u1", "u1"}) {
    put_bytes(p, io::detail::npy_preamble(descr, {1}) + "\x07");
    CHECK(io::read_npy<std::uint8_t>(p).data == std::vector<std::uint8_t>{7});
  }
}

TEST_CASE("npy: errors name the file and what was expected") {
  const scratch_dir dir;
  const auto good = dir.path / "good.npy";
  io::write_npy(good, (matrix<float>(2, 3) << 1, 2, 3, 4, 5, 6).finished());
  const std::string b = slurp(good);
  const auto p = dir.path / "bad.npy";
  auto read_f = [&] { (void)io::read_npy<float>(p); };

  check_error(dir.path / "missing.npy", [&] { (void)io::read_npy<float>(dir.path / "missing.npy"); }, {"does not exist"});
  check_error(dir.path, [&] { (void)io::read_npy<float>(dir.path); }, {"is a directory", "expected an NPY file"});

  put_bytes(p, "\x89PNG\r\n\x1a\n and more");
  check_error(p, read_f, {"not an NPY file", "89 50 4e 47 0d 0a", "\\x93NUMPY"});
  put_bytes(p, "");
  check_error(p, read_f, {"truncated: 0 bytes"});
  put_bytes(p, b.substr(0, 8));
  check_error(p, read_f, {"truncated: 8 bytes", "10-byte preamble"});

  std::string v = b;
  v[6] = '\x04';
  put_bytes(p, v);
  check_error(p, read_f, {"version 4.0 is not supported", "expected 1.0, 2.0 or 3.0"});
  v = b;
  v[7] = '\x01';
  put_bytes(p, v);
  check_error(p, read_f, {"version 1.1 is not supported"});

  // another element type: says what was found and what was asked for
  check_error(good, [&] { (void)io::read_npy<double>(good); }, {"holds '<f4' (float32) elements", "expected '<f8' (float64)"});
  check_error(good, [&] { (void)io::read_npy<bool>(good); }, {"'<f4' (float32)", "expected '|b1' (bool)"});
  io::write_npy(dir.path / "i8.npy", (Eigen::Matrix<std::int64_t, 1, 2>() << 1, 2).finished());
  check_error(dir.path / "i8.npy", [&] { (void)io::read_npy<std::int32_t>(dir.path / "i8.npy"); },
              {"'<i8' (int64)", "expected '<i4' (int32)", "astype('<i4')"});

  // big-endian data
  put_bytes(p, io::detail::npy_preamble(">f4", {2}) + std::string(8, '\0'));
  check_error(p, read_f, {"big-endian '>f4' (float32)", "expected little-endian '<f4'"});
  put_bytes(p, io::detail::npy_preamble("|f4", {2}) + std::string(8, '\0'));
  check_error(p, read_f, {"no byte order", "expected '<f4'"});

  // data shorter or longer than the header declares
  put_bytes(p, b.substr(0, b.size() - 1));
  check_error(p, read_f, {"truncated data", "shape (2, 3) of <f4 (24 bytes)", "holds only 23 bytes"});
  put_bytes(p, b + "x");
  check_error(p, read_f, {"1 bytes after the end of the data", "expected the file to end there"});
  put_bytes(p, io::detail::npy_preamble("<f4", {std::size_t(1) << 40, std::size_t(1) << 40}) + "abcd");
  check_error(p, read_f, {"truncated data", "holds only 4 bytes"});
  // header length beyond the end of the file
  put_bytes(p, b.substr(0, 100));
  check_error(p, read_f, {"truncated header", "declares 118 bytes"});

  // malformed headers
  auto with_dict = [&](const std::string& dict) {
    std::string h("\x93NUMPY\x01\x00", 8);
    h += static_cast<char>(dict.size() + 1);
    h += '\0';
    put_bytes(p, h + dict + "\n");
  };
  with_dict("{'descr': '<f4', 'shape': (0,)}");
  check_error(p, read_f, {"malformed NPY header", "expected the keys 'descr', 'fortran_order' and 'shape'"});
  with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'extra': 1}");
  check_error(p, read_f, {"unexpected key 'extra'"});
  with_dict("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (0,)}");
  check_error(p, read_f, {"structured dtype", "'<f4'"});
  with_dict("{'descr': '<f4', 'fortran_order': 0, 'shape': (0,)}");
  check_error(p, read_f, {"expected True or False"});
  with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}");
  check_error(p, read_f, {"non-negative integer"});
  with_dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (0,)}");
  check_error(p, read_f, {"'descr' appears twice"});
  with_dict("['descr']");
  check_error(p, read_f, {"expected '{'", "header: ['descr']"});

  // a matrix wants 1 or 2 dimensions
  const float zero[8] = {};
  io::write_npy(p, zero, {2, 2, 2});
  check_error(p, [&] { (void)io::read_npy_matrix<float>(p); },
              {"3-dimensional array of shape (2, 2, 2)", "expected 1 or 2 dimensions for a matrix"});
  CHECK(io::read_npy<float>(p).data.size() == 8);  // read_npy itself takes any rank
  io::write_npy(p, zero, {});
  check_error(p, [&] { (void)io::read_npy_matrix<float>(p); }, {"0-dimensional array of shape ()"});
}

TEST_CASE("npy: shapes no array can have are refused; empty shapes with huge extents read at once") {
  // Before: shape (2^64 - 1, 0) was accepted and read_npy_matrix returned a matrix with a
  // negative number of rows; (10^15, 0) kept read_npy_matrix looping for hours.
  const scratch_dir dir;
  const auto p = dir.path / "shape.npy";
  // a version 1.0 header holding `shape` as written, then `data`
  auto with_shape = [&](const std::string& shape, const std::string& data = "") {
    const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
    const std::size_t len = dict.size() + 1 + (64 - (10 + dict.size() + 1) % 64) % 64;
    std::string h("\x93NUMPY\x01\x00", 8);
    h += static_cast<char>(len & 0xFF);
    h += static_cast<char>(len >> 8);
    put_bytes(p, h + dict + std::string(len - dict.size() - 1, ' ') + "\n" + data);
  };
  with_shape("(18446744073709551615, 0)");
  check_error(p, [&] { (void)io::read_npy<double>(p); }, {"(18446744073709551615, 0)", "exceeds 2^63 bytes"});
  check_error(p, [&] { (void)io::read_npy_matrix<double>(p); }, {"exceeds 2^63 bytes"});
  with_shape("(0, 4611686018427387904)");  // 2^62 elements of 8 bytes
  check_error(p, [&] { (void)io::read_npy<double>(p); }, {"exceeds 2^63 bytes"});
  with_shape("(-1, 2)");
  check_error(p, [&] { (void)io::read_npy<double>(p); }, {"non-negative integer"});
  with_shape("(99999999999999999999999, 1)");
  check_error(p, [&] { (void)io::read_npy<double>(p); }, {"dimension too large"});
  with_shape("(4294967296, 4294967296)", std::string(8, '\0'));
  check_error(p, [&] { (void)io::read_npy<double>(p); }, {"truncated data", "holds only 8 bytes"});
  // an empty array may have any extents an index can hold
  with_shape("(1000000000000000, 0)");
  const auto m = io::read_npy_matrix<double>(p);
  CHECK(m.rows() == 1000000000000000);
  CHECK(m.cols() == 0);
  CHECK(io::read_npy<double>(p).data.empty());
  with_shape("(0, 1000000000000000)");
  CHECK(io::read_npy_matrix<double>(p).cols() == 1000000000000000);
}

TEST_CASE("npy: writes are atomic and check their arguments") {
  const scratch_dir dir;
  const auto p = dir.path / "w.npy";
  io::write_npy(p, spikernn::vector<double>::Zero(3));
  const std::string before = slurp(p);
  // a null pointer for a non-empty shape is refused before the old file is touched
  CHECK_THROWS_AS(io::write_npy(p, static_cast<const double*>(nullptr), {2}), invalid_parameter);
  CHECK(slurp(p) == before);
  const double x = 1;
  CHECK_THROWS_AS(io::write_npy(p, &x, {std::size_t(1) << 62, 16}), invalid_parameter);
  io::write_npy(p, static_cast<const double*>(nullptr), {0, 5});  // nothing to point at
  CHECK(io::read_npy<double>(p).shape == std::vector<std::size_t>{0, 5});
  // no temporary left next to the file
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
  // a missing directory is a file_error naming the path
  check_error(dir.path / "no" / "w.npy", [&] { io::write_npy(dir.path / "no" / "w.npy", &x, {1}); },
              {"does not exist"});
}

// ---- numpy interop: see tests/python/npy_interop.py for the ctest sequence ----------------

namespace {

/// The interop directory, or empty when SPIKERNN_NPY_INTEROP_DIR is unset (the test is skipped).
fs::path npy_interop_dir() {
  const char* dir = std::getenv("SPIKERNN_NPY_INTEROP_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path();
}

}  // namespace

TEST_CASE("npy_interop: read the files numpy wrote") {
  const fs::path dir = npy_interop_dir();
  if (dir.empty()) {
    MESSAGE("SPIKERNN_NPY_INTEROP_DIR is not set; skipped (see tests/python/npy_interop.py)");
    return;
  }
  REQUIRE_MESSAGE(fs::exists(dir / "np_f32.npy"), "run `npy_interop.py write " << dir.string() << "` first");
  // Values mirrored in npy_interop.py (NP_*).
  CHECK(io::read_npy_matrix<float>(dir / "np_f32.npy") ==
        (matrix<float>(2, 3) << 1.5f, -2.0f, 3.25f, 4.0f, 5.5f, -6.75f).finished());
  CHECK(io::read_npy_matrix<double>(dir / "np_f64_fortran.npy") ==
        (matrix<double>(3, 2) << 0.1, 0.2, 0.3, 0.4, 0.5, 1e-300).finished());
  const auto i32 = io::read_npy<std::int32_t>(dir / "np_i32.npy");
  CHECK(i32.shape == std::vector<std::size_t>{4});
  CHECK(i32.data == std::vector<std::int32_t>{-3, 4, std::numeric_limits<std::int32_t>::max(),
                                               std::numeric_limits<std::int32_t>::min()});
  CHECK(io::read_npy_matrix<std::int64_t>(dir / "np_i64.npy") ==
        (matrix<std::int64_t>(2, 2) << std::numeric_limits<std::int64_t>::min(), -1, 0,
         std::numeric_limits<std::int64_t>::max())
            .finished());
  CHECK(io::read_npy<std::uint8_t>(dir / "np_u8.npy").data == std::vector<std::uint8_t>{0, 7, 255});
  const auto flags = io::read_npy<bool>(dir / "np_bool.npy");
  CHECK(flags.shape == std::vector<std::size_t>{5});
  CHECK(flags.data == std::vector<bool>{true, false, true, true, false});
  const auto cube = io::read_npy<float>(dir / "np_f32_3d_fortran.npy");
  CHECK(cube.shape == std::vector<std::size_t>{2, 3, 4});
  for (std::size_t k = 0; k < 24; ++k) CHECK(cube.data[k] == 0.5f * float(k));  // C-order arange
  CHECK(io::read_npy<double>(dir / "np_scalar.npy").data == std::vector<double>{0.25});
  CHECK(io::read_npy_matrix<double>(dir / "np_empty.npy").rows() == 0);
  check_error(dir / "np_f32_big_endian.npy", [&] { (void)io::read_npy<float>(dir / "np_f32_big_endian.npy"); },
              {"big-endian '>f4'"});
}

TEST_CASE("npy_interop: write the files numpy checks") {
  const fs::path dir = npy_interop_dir();
  if (dir.empty()) {
    MESSAGE("SPIKERNN_NPY_INTEROP_DIR is not set; skipped (see tests/python/npy_interop.py)");
    return;
  }
  // Values mirrored in npy_interop.py (CPP_*).
  matrix<double> w(3, 2);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 2; ++j) w(i, j) = static_cast<double>(i) + 10.0 * static_cast<double>(j);
  io::write_npy(dir / "cpp_f64.npy", w);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w32 =
      (matrix<float>(2, 3) << 0.5f, 1.5f, 2.5f, -1.0f, -2.0f, -3.0f).finished();
  io::write_npy(dir / "cpp_f32_rowmajor.npy", w32);
  io::write_npy(dir / "cpp_i32_vector.npy",
                (spikernn::vector<std::int32_t>(4) << -3, 4, std::numeric_limits<std::int32_t>::max(),
                 std::numeric_limits<std::int32_t>::min())
                    .finished());
  io::write_npy(dir / "cpp_i64.npy", (Eigen::Matrix<std::int64_t, 2, 2>() << std::numeric_limits<std::int64_t>::min(),
                                      -1, 0, std::numeric_limits<std::int64_t>::max())
                                         .finished());
  io::write_npy(dir / "cpp_u8.npy", (Eigen::Matrix<std::uint8_t, 1, 3>() << 0, 7, 255).finished());
  Eigen::Array<bool, Eigen::Dynamic, 1> exc(4);
  exc << true, false, false, true;
  io::write_npy(dir / "cpp_bool.npy", exc);
  std::vector<float> cube(24);
  for (std::size_t k = 0; k < 24; ++k) cube[k] = 0.5f * float(k);
  io::write_npy(dir / "cpp_f32_3d.npy", cube.data(), {2, 3, 4});
  io::write_npy(dir / "cpp_empty.npy", matrix<double>(0, 3));
  const double quarter = 0.25;
  io::write_npy(dir / "cpp_scalar.npy", &quarter, {});
}
