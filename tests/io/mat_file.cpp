// Tests of spikernn::io::mat_writer / mat_reader: round trips of every type, shape checks,
// coercion between classes, error messages (file + variable + expectation), atomic writes,
// copy_all_except, and the scipy interop half driven by tests/python/mat_interop.py.
#include "spikernn/io/mat_file.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>
#include "../support.hpp"

namespace fs = std::filesystem;
using spikernn::file_error;
using spikernn::io::mat_reader;
using spikernn::io::mat_writer;

namespace {
using spikernn::testing::scratch_dir;
using spikernn::testing::contains;
using spikernn::testing::listing;
using spikernn::testing::slurp;

/// Runs `f`, requires a file_error, and checks that its message holds every one of `parts`.
template <class F>
void check_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL("expected spikernn::file_error");
  } catch (const file_error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) {
      INFO("message: " << msg);
      CHECK_MESSAGE(contains(msg, p), "missing '" << p << "'");
    }
  }
}

template <class T>
spikernn::matrix<T> counting(Eigen::Index rows, Eigen::Index cols, T offset = T(0)) {
  spikernn::matrix<T> m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = static_cast<T>(offset + static_cast<T>(i + rows * j));
  return m;
}

/// Raw matio helpers for what mat_writer deliberately does not write (structs, MATLAB's
/// UTF-16 chars), so the reader and copy_all_except can be tested on them.
using spikernn::io::detail::mat_ptr;
using spikernn::io::detail::var_ptr;

void write_raw_extras(const fs::path& file) {
  mat_ptr mat(Mat_CreateVer(file.string().c_str(), nullptr, MAT_FT_MAT5));
  REQUIRE(mat);
  // struct meta with fields lr (double) and task (char)
  std::size_t one[2] = {1, 1};
  const char* fields[3] = {"lr", "task", nullptr};  // NULL-terminated
  var_ptr st(Mat_VarCreateStruct2("meta", 2, one, fields));
  REQUIRE(st);
  double lr = 0.01;
  Mat_VarSetStructFieldByName(st.get(), "lr", 0,
                              Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, one, &lr, 0));
  char task[] = "go-nogo";
  std::size_t tdims[2] = {1, 7};
  Mat_VarSetStructFieldByName(st.get(), "task", 0,
                              Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UTF8, 2, tdims, task, 0));
  REQUIRE(Mat_VarWrite(mat.get(), st.get(), MAT_COMPRESSION_NONE) == 0);
  // MATLAB-style UTF-16 char: "µ→😀" is 4 UTF-16 code units (the emoji is a surrogate pair)
  std::uint16_t u16[4] = {0x00B5, 0x2192, 0xD83D, 0xDE00};
  std::size_t udims[2] = {1, 4};
  var_ptr u(Mat_VarCreate("u16", MAT_C_CHAR, MAT_T_UINT16, 2, udims, u16, 0));
  REQUIRE(Mat_VarWrite(mat.get(), u.get(), MAT_COMPRESSION_NONE) == 0);
  // a 2×3 char matrix, one padded string per row: rows "ab ", "cd "
  char rows[] = {'a', 'c', 'b', 'd', ' ', ' '};
  std::size_t rdims[2] = {2, 3};
  var_ptr r(Mat_VarCreate("rows", MAT_C_CHAR, MAT_T_UINT8, 2, rdims, rows, 0));
  REQUIRE(Mat_VarWrite(mat.get(), r.get(), MAT_COMPRESSION_NONE) == 0);
  // a complex double and a sparse-free 4×3×2 array, for the class/shape errors
  double re[1] = {1.0}, im[1] = {2.0};
  mat_complex_split_t z = {re, im};
  var_ptr c(Mat_VarCreate("z", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, one, &z, MAT_F_COMPLEX));
  REQUIRE(Mat_VarWrite(mat.get(), c.get(), MAT_COMPRESSION_NONE) == 0);
  REQUIRE(Mat_Close(mat.release()) == 0);
}

/// Reads field `name` of struct variable `var` as a double through matio (the reader has no
/// struct accessors; this checks copies byte for byte).
double struct_double(const fs::path& file, const char* var, const char* field) {
  mat_ptr mat(Mat_Open(file.string().c_str(), MAT_ACC_RDONLY));
  REQUIRE(mat);
  var_ptr st(Mat_VarRead(mat.get(), var));
  REQUIRE(st);
  REQUIRE(st->class_type == MAT_C_STRUCT);
  matvar_t* f = Mat_VarGetStructFieldByName(st.get(), field, 0);
  REQUIRE(f);
  REQUIRE(f->class_type == MAT_C_DOUBLE);
  return *static_cast<const double*>(f->data);
}

}  // namespace

namespace {

void round_trip(bool compress) {
  scratch_dir dir;
  const fs::path file = dir.path / "all.mat";

  const spikernn::matrix<double> w = counting<double>(3, 4, 0.5);
  const spikernn::matrix<float> w32 = counting<float>(2, 5, -1.25f);
  Eigen::Matrix<double, 2, 3, Eigen::RowMajor> row_major;
  row_major << 1, 2, 3, 4, 5, 6;
  Eigen::Array<bool, Eigen::Dynamic, 1> exc(5);
  exc << true, false, true, true, false;
  std::vector<float> traj(4 * 3);  // T×N×1, traj(t, n) = t + n/4
  for (std::size_t n = 0; n < 3; ++n)
    for (std::size_t t = 0; t < 4; ++t) traj[t + 4 * n] = static_cast<float>(t) + 0.25f * static_cast<float>(n);
  std::vector<double> cube(2 * 3 * 2);
  for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = static_cast<double>(i) * 1.5;
  const std::vector<std::string> labels = {"go", "nogo", "µs→x😀", ""};

  {
    mat_writer out(file, compress);
    CHECK(out.compressed() == (compress && mat_writer::zlib_available()));
    out.write("w", w);
    out.write("w32", w32);
    out.write("row_major", row_major);
    out.write("expr", (w * 2.0).transpose());
    out.write("i8", counting<std::int8_t>(2, 2, -3));
    out.write("u8", counting<std::uint8_t>(2, 2, 250));
    out.write("i16", counting<std::int16_t>(2, 2, -300));
    out.write("u16", counting<std::uint16_t>(2, 2, 65000));
    out.write("i32", counting<std::int32_t>(2, 2, -70000));
    out.write("u32", counting<std::uint32_t>(2, 2, 4000000000u));
    out.write("i64", counting<std::int64_t>(2, 2, std::numeric_limits<std::int64_t>::min()));
    out.write("u64", counting<std::uint64_t>(2, 2, std::numeric_limits<std::uint64_t>::max() - 3));
    out.write("bmat", Eigen::Matrix<bool, 2, 2>::Identity());
    out.write("empty", spikernn::matrix<double>(0, 3));
    out.write_array("traj", traj.data(), {4, 3, 1});
    out.write_array("cube", cube.data(), {2, 3, 2});
    out.write_array("vec1d", cube.data(), {5});
    out.write_logical("exc", exc);
    out.write_scalar("x", 0.1);
    out.write_scalar("nan", std::numeric_limits<double>::quiet_NaN());
    out.write_int("n", 200);
    out.write_int("big", std::numeric_limits<std::int64_t>::max());
    out.write_string("activation", "sigmoid");
    out.write_string("unicode", "τ → µs 😀");
    out.write_string("blank", "");
    out.write_strings("labels", labels);
    out.write_strings("none", {});
    CHECK(out.has("labels"));
    CHECK_FALSE(out.has("nope"));
    CHECK_FALSE(fs::exists(file));
    out.commit();
  }
  REQUIRE(fs::exists(file));
  CHECK(listing(dir.path) == std::vector<std::string>{"all.mat"});

  const mat_reader in(file);
  CHECK(in.names() == std::vector<std::string>{
                          "w",     "w32",   "row_major", "expr", "i8",    "u8",     "i16",
                          "u16",   "i32",   "u32",       "i64",  "u64",   "bmat",   "empty",
                          "traj",  "cube",  "vec1d",     "exc",  "x",     "nan",    "n",
                          "big",   "activation",         "unicode", "blank", "labels", "none"});
  CHECK(in.class_name("w") == "double");
  CHECK(in.class_name("w32") == "single");
  CHECK(in.class_name("i8") == "int8");
  CHECK(in.class_name("u8") == "uint8");
  CHECK(in.class_name("i16") == "int16");
  CHECK(in.class_name("u16") == "uint16");
  CHECK(in.class_name("i32") == "int32");
  CHECK(in.class_name("u32") == "uint32");
  CHECK(in.class_name("i64") == "int64");
  CHECK(in.class_name("u64") == "uint64");
  CHECK(in.class_name("bmat") == "logical");
  CHECK(in.class_name("exc") == "logical");
  CHECK(in.class_name("n") == "int64");
  CHECK(in.class_name("x") == "double");
  CHECK(in.class_name("activation") == "char");
  CHECK(in.class_name("labels") == "cell");

  CHECK(in.dims("w") == std::vector<std::size_t>{3, 4});
  CHECK(in.dims("traj") == std::vector<std::size_t>{4, 3, 1});
  CHECK(in.dims("cube") == std::vector<std::size_t>{2, 3, 2});
  CHECK(in.dims("vec1d") == std::vector<std::size_t>{5, 1});
  CHECK(in.dims("exc") == std::vector<std::size_t>{5, 1});
  CHECK(in.dims("x") == std::vector<std::size_t>{1, 1});
  CHECK(in.dims("activation") == std::vector<std::size_t>{1, 7});
  CHECK(in.dims("unicode") == std::vector<std::size_t>{1, 8});  // characters, not bytes
  CHECK(in.dims("blank") == std::vector<std::size_t>{0, 0});
  CHECK(in.dims("labels") == std::vector<std::size_t>{1, 4});
  CHECK(in.dims("none") == std::vector<std::size_t>{0, 0});
  CHECK(in.dims("empty") == std::vector<std::size_t>{0, 3});

  CHECK(in.matrix<double>("w", 3, 4) == w);
  CHECK(in.matrix<float>("w32", 2, 5) == w32);
  CHECK(in.matrix<double>("row_major") == spikernn::matrix<double>(row_major));
  CHECK(in.matrix<double>("expr", 4, 3) == spikernn::matrix<double>((w * 2.0).transpose()));
  CHECK(in.matrix<std::int8_t>("i8") == counting<std::int8_t>(2, 2, -3));
  CHECK(in.matrix<std::uint8_t>("u8") == counting<std::uint8_t>(2, 2, 250));
  CHECK(in.matrix<std::int16_t>("i16") == counting<std::int16_t>(2, 2, -300));
  CHECK(in.matrix<std::uint16_t>("u16") == counting<std::uint16_t>(2, 2, 65000));
  CHECK(in.matrix<std::int32_t>("i32") == counting<std::int32_t>(2, 2, -70000));
  CHECK(in.matrix<std::uint32_t>("u32") == counting<std::uint32_t>(2, 2, 4000000000u));
  CHECK(in.matrix<std::int64_t>("i64") ==
        counting<std::int64_t>(2, 2, std::numeric_limits<std::int64_t>::min()));
  CHECK(in.matrix<std::uint64_t>("u64") ==
        counting<std::uint64_t>(2, 2, std::numeric_limits<std::uint64_t>::max() - 3));
  CHECK(in.matrix<int>("bmat") == Eigen::Matrix2i::Identity());
  CHECK(in.matrix<double>("empty", 0, 3).size() == 0);

  const auto t = in.matrix<float>("traj", 4, 3);  // T×N×1 read as T×N
  for (std::size_t n = 0; n < 3; ++n)
    for (std::size_t s = 0; s < 4; ++s)
      CHECK(t(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(n)) == traj[s + 4 * n]);
  CHECK(in.vector<double>("vec1d", 5) ==
        Eigen::Map<const spikernn::vector<double>>(cube.data(), 5));
  CHECK((in.logical("exc", 5) == exc).all());
  CHECK(in.scalar("x") == 0.1);
  CHECK(std::isnan(in.scalar("nan")));
  CHECK(in.integer("n") == 200);
  CHECK(in.integer("big") == std::numeric_limits<std::int64_t>::max());
  CHECK(in.string("activation") == "sigmoid");
  CHECK(in.string("unicode") == "τ → µs 😀");
  CHECK(in.string("blank").empty());
  CHECK(in.strings("labels") == labels);
  CHECK(in.strings("none").empty());
  CHECK(in.strings("activation") == std::vector<std::string>{"sigmoid"});
}

}  // namespace

TEST_CASE("mat_file: round trip of every type") {
  SUBCASE("zlib-compressed (when matio supports it)") { round_trip(true); }
  SUBCASE("uncompressed") { round_trip(false); }
}

TEST_CASE("mat_file: shapes") {
  scratch_dir dir;
  const fs::path file = dir.path / "shapes.mat";
  std::vector<double> cube(4 * 3 * 2, 1.0);
  {
    mat_writer out(file);
    out.write("m", counting<double>(200, 199));
    out.write("col", counting<double>(4, 1));
    out.write("row", counting<double>(1, 4));
    out.write_array("t31", cube.data(), {4, 3, 1});
    out.write_array("t32", cube.data(), {4, 3, 2});
    out.write_array("row3", cube.data(), {1, 4, 1});
    out.write("e00", spikernn::matrix<double>(0, 0));
    out.write("one", counting<double>(1, 1, 7.0));
    out.commit();
  }
  const mat_reader in(file);
  const std::string fname = file.filename().string();

  CHECK(in.matrix<double>("m").rows() == 200);
  CHECK(in.matrix<double>("m", -1, 199).cols() == 199);
  CHECK(in.matrix<double>("m", 200, -1).rows() == 200);
  check_error([&] { (void)in.matrix<double>("m", 200, 200); },
              {fname, "variable 'm'", "expected a 200×200 numeric matrix", "found 200×199"});
  check_error([&] { (void)in.matrix<double>("m", -1, 5); }, {fname, "'m'", "any×5", "200×199"});

  CHECK(in.matrix<double>("t31", 4, 3).size() == 12);
  check_error([&] { (void)in.matrix<double>("t32"); }, {fname, "'t32'", "found 4×3×2"});

  // vectors: column, row, 1×4×1, length checks; a matrix is not a vector
  CHECK(in.vector<double>("col", 4) == counting<double>(4, 1));
  CHECK(in.vector<double>("row", 4) == counting<double>(4, 1));
  CHECK(in.vector<double>("row3").size() == 4);
  CHECK(in.vector<double>("one", 1)(0) == 7.0);
  CHECK(in.vector<double>("e00").size() == 0);
  CHECK(in.vector<double>("e00", 0).size() == 0);
  check_error([&] { (void)in.vector<double>("col", 5); },
              {fname, "'col'", "vector of length 5", "found 4×1"});
  check_error([&] { (void)in.vector<double>("m"); }, {fname, "'m'", "vector", "found 200×199"});
  check_error([&] { (void)in.logical("m"); }, {fname, "'m'", "logical", "found 200×199"});

  // scalars need exactly one element
  CHECK(in.scalar("one") == 7.0);
  check_error([&] { (void)in.scalar("col"); }, {fname, "'col'", "scalar", "found 4×1"});
  check_error([&] { (void)in.integer("e00"); }, {fname, "'e00'", "integer scalar", "found 0×0"});
}

TEST_CASE("mat_file: coercion from every numeric class") {
  scratch_dir dir;
  const fs::path file = dir.path / "classes.mat";
  // Every class holds 0, 1, 0, 1 (valid as logical) in a 1×4 row, plus a scalar 3.
  const Eigen::RowVector4d zero_one(0, 1, 0, 1);
  {
    mat_writer out(file);
    out.write("double", zero_one);
    out.write("single", zero_one.cast<float>());
    out.write("int8", zero_one.cast<std::int8_t>());
    out.write("uint8", zero_one.cast<std::uint8_t>());
    out.write("int16", zero_one.cast<std::int16_t>());
    out.write("uint16", zero_one.cast<std::uint16_t>());
    out.write("int32", zero_one.cast<std::int32_t>());
    out.write("uint32", zero_one.cast<std::uint32_t>());
    out.write("int64", zero_one.cast<std::int64_t>());
    out.write("uint64", zero_one.cast<std::uint64_t>());
    out.write("logical", zero_one.cast<bool>());
    out.write_scalar("three_d", 3.0);
    out.write("three_f", Eigen::Matrix<float, 1, 1>::Constant(3.0f));
    out.write("three_u8", Eigen::Matrix<std::uint8_t, 1, 1>::Constant(3));
    out.write("three_i64", Eigen::Matrix<std::int64_t, 1, 1>::Constant(3));
    out.write("three_u64", Eigen::Matrix<std::uint64_t, 1, 1>::Constant(3));
    out.write_scalar("half", 2.5);
    out.write_scalar("huge", 1e300);
    out.write_scalar("nan", std::numeric_limits<double>::quiet_NaN());
    out.write("u64max", Eigen::Matrix<std::uint64_t, 1, 1>::Constant(std::numeric_limits<std::uint64_t>::max()));
    out.write("neg", Eigen::Matrix<std::int32_t, 1, 1>::Constant(-1));
    out.write("two", (Eigen::Vector3d() << 0, 1, 2).finished());
    out.commit();
  }
  const mat_reader in(file);
  const std::string fname = file.filename().string();
  for (const char* cls : {"double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32",
                          "int64", "uint64", "logical"}) {
    CAPTURE(cls);
    CHECK(in.class_name(cls) == cls);
    CHECK(in.dims(cls) == std::vector<std::size_t>{1, 4});
    CHECK(in.matrix<double>(cls, 1, 4) == zero_one);
    CHECK(in.matrix<float>(cls, 1, 4) == zero_one.cast<float>());
    CHECK(in.matrix<int>(cls, -1, 4) == zero_one.cast<int>());
    CHECK(in.matrix<std::uint8_t>(cls) == zero_one.cast<std::uint8_t>());
    CHECK(in.vector<double>(cls, 4) == Eigen::Vector4d(0, 1, 0, 1));
    CHECK((in.logical(cls, 4) == Eigen::Array<bool, 4, 1>(false, true, false, true)).all());
  }
  for (const char* three : {"three_d", "three_f", "three_u8", "three_i64", "three_u64"}) {
    CAPTURE(three);
    CHECK(in.scalar(three) == 3.0);
    CHECK(in.integer(three) == 3);
  }

  // Values the target type cannot hold are refused, never wrapped or truncated.
  check_error([&] { (void)in.integer("half"); }, {fname, "'half'", "integer", "2.5"});
  check_error([&] { (void)in.integer("nan"); }, {fname, "'nan'", "integer"});
  check_error([&] { (void)in.integer("u64max"); }, {fname, "'u64max'", "integer"});
  check_error([&] { (void)in.matrix<float>("huge"); }, {fname, "'huge'", "does not fit"});
  check_error([&] { (void)in.matrix<int>("half"); }, {fname, "'half'", "does not fit"});
  check_error([&] { (void)in.matrix<unsigned>("neg"); }, {fname, "'neg'", "does not fit"});
  check_error([&] { (void)in.logical("two"); }, {fname, "'two'", "logical", "element 2 is 2"});
}

TEST_CASE("mat_file: errors name the file / the variable and what was expected") {
  scratch_dir dir;
  const fs::path file = dir.path / "model.mat";
  {
    mat_writer out(file);
    spikernn::matrix<double> w = counting<double>(3, 3);
    w(1, 2) = std::numeric_limits<double>::quiet_NaN();
    out.write("w", w);
    spikernn::vector<float> b = spikernn::vector<float>::Ones(4);
    b(3) = -std::numeric_limits<float>::infinity();
    out.write("b", b);
    out.write("ok", counting<double>(2, 2));
    out.write("okv", counting<double>(4, 1));
    out.write_string("activation", "relu");
    out.write_strings("labels", {"a", "b"});
    out.commit();
  }
  write_raw_extras(dir.path / "extras.mat");
  const mat_reader in(file);
  const mat_reader extras(dir.path / "extras.mat");
  const std::string fname = file.filename().string();

  SUBCASE("missing variable lists what the file holds") {
    check_error([&] { (void)in.matrix<double>("w_out", 1, 200); },
                {fname, "variable 'w_out'", "missing", "1×200", "activation"});
    check_error([&] { (void)in.scalar("N"); }, {fname, "'N'", "missing", "scalar"});
    check_error([&] { (void)in.string("task"); }, {fname, "'task'", "missing", "string"});
    check_error([&] { (void)in.dims("nope"); }, {fname, "'nope'", "missing"});
    CHECK_FALSE(in.has("w_out"));
    CHECK(in.has("w"));
  }
  SUBCASE("NaN and Inf are refused by the finite readers only") {
    CHECK(std::isnan(in.matrix<double>("w")(1, 2)));
    check_error([&] { (void)in.finite_matrix<double>("w", 3, 3); },
                {fname, "variable 'w'", "finite", "NaN", "(1, 2)"});
    check_error([&] { (void)in.finite_vector<float>("b", 4); }, {fname, "'b'", "finite", "Inf"});
    CHECK(in.finite_matrix<float>("ok", 2, 2) == counting<float>(2, 2));
    CHECK(in.finite_vector<double>("okv", 4).size() == 4);
  }
  SUBCASE("wrong class") {
    check_error([&] { (void)in.matrix<double>("activation"); },
                {fname, "'activation'", "numeric matrix", "found char"});
    check_error([&] { (void)in.vector<double>("labels"); }, {fname, "'labels'", "found cell"});
    check_error([&] { (void)in.scalar("labels"); }, {fname, "'labels'", "found cell"});
    check_error([&] { (void)in.logical("activation"); }, {fname, "'activation'", "found char"});
    check_error([&] { (void)in.string("w"); }, {fname, "'w'", "string", "found double"});
    check_error([&] { (void)in.strings("w"); }, {fname, "'w'", "strings", "found double"});
    const std::string xname = "extras.mat";
    check_error([&] { (void)extras.matrix<double>("meta"); }, {xname, "'meta'", "found struct"});
    check_error([&] { (void)extras.scalar("z"); }, {xname, "'z'", "complex double"});
  }
  SUBCASE("a truncated file is refused, not read as zeros") {
    for (const bool compress : {false, true}) {
      CAPTURE(compress);
      const fs::path cut = dir.path / "cut.mat";
      {
        mat_writer out(cut, compress);
        out.write_scalar("a", 1.0);
        out.write("w_rec", counting<double>(10, 10));
        out.commit();
      }
      fs::resize_file(cut, fs::file_size(cut) - 8);
      check_error([&] { mat_reader r(cut); }, {"cut.mat", "truncated", "'w_rec'"});
    }
  }
  SUBCASE("not a MAT file, empty file, missing file, directory") {
    const fs::path text = dir.path / "notes.txt";
    std::ofstream(text) << "this is not a MAT file\n";
    check_error([&] { mat_reader r(text); }, {"notes.txt", "not a MAT file"});
    const fs::path empty = dir.path / "empty.mat";
    std::ofstream{empty};
    check_error([&] { mat_reader r(empty); }, {"empty.mat", "not a MAT file"});
    check_error([&] { mat_reader r(dir.path / "absent.mat"); }, {"absent.mat", "does not exist"});
    check_error([&] { mat_reader r(dir.path); }, {dir.path.string(), "directory"});
    try {
      mat_reader r(dir.path / "absent.mat");
    } catch (const file_error& e) {
      CHECK(e.file == (dir.path / "absent.mat").string());
    }
  }
}

TEST_CASE("mat_file: strings stored the MATLAB way (UTF-16 / padded char matrix / 1×1 cell)") {
  scratch_dir dir;
  const fs::path file = dir.path / "extras.mat";
  write_raw_extras(file);
  {
    // A 1×1 cell holding a string is accepted by string().
    mat_writer out(dir.path / "cell1.mat");
    out.write_strings("one", {"tanh"});
    out.write_strings("two", {"a", "b"});
    out.commit();
  }
  const mat_reader in(file);
  CHECK(in.string("u16") == "µ→😀");
  CHECK(in.strings("rows") == std::vector<std::string>{"ab", "cd"});
  check_error([&] { (void)in.string("rows"); }, {"extras.mat", "'rows'", "found 2×3"});
  const mat_reader cells(dir.path / "cell1.mat");
  CHECK(cells.string("one") == "tanh");
  check_error([&] { (void)cells.string("two"); }, {"cell1.mat", "'two'", "found 1×2"});
}

TEST_CASE("mat_file: writes are atomic") {
  scratch_dir dir;
  const fs::path file = dir.path / "model.mat";

  SUBCASE("nothing appears before commit, everything after") {
    mat_writer out(file);
    out.write_scalar("x", 1.0);
    CHECK_FALSE(fs::exists(file));
    CHECK(listing(dir.path).size() == 1);  // the temporary, next to the target
    CHECK(listing(dir.path).front().rfind("model.mat.tmp.", 0) == 0);
    out.commit();
    CHECK(listing(dir.path) == std::vector<std::string>{"model.mat"});
    CHECK(mat_reader(file).scalar("x") == 1.0);
    check_error([&] { out.write_scalar("y", 2.0); }, {"model.mat", "committed"});
    check_error([&] { out.commit(); }, {"model.mat", "committed"});
  }
  SUBCASE("a writer destroyed without commit leaves no file and no temporary") {
    {
      mat_writer out(file);
      out.write("w", counting<double>(50, 50));
    }
    CHECK(listing(dir.path).empty());
  }
  SUBCASE("a failed rewrite leaves the old file intact") {
    {
      mat_writer out(file);
      out.write("w", counting<double>(3, 3));
      out.write_int("N", 3);
      out.commit();
    }
    const std::string before = slurp(file);
    try {
      const mat_reader old(file);
      mat_writer out(file);
      old.copy_all_except(out, {"w"});
      out.write("w", counting<double>(3, 3, 100.0));
      out.write_int("N", 4);  // already copied: an error half way through the rewrite
      out.commit();
      FAIL("expected file_error");
    } catch (const file_error& e) {
      CHECK(contains(e.what(), "'N' written twice"));
    }
    CHECK(slurp(file) == before);
    CHECK(listing(dir.path) == std::vector<std::string>{"model.mat"});
  }
  SUBCASE("bad names, duplicate names, missing directory") {
    mat_writer out(file);
    out.write_scalar("x", 1.0);
    check_error([&] { out.write_scalar("x", 2.0); }, {"model.mat", "'x' written twice"});
    check_error([&] { out.write_scalar("_x", 2.0); }, {"model.mat", "'_x'", "not a valid MATLAB name"});
    check_error([&] { out.write_scalar("2x", 2.0); }, {"'2x'", "not a valid"});
    check_error([&] { out.write_scalar("a b", 2.0); }, {"'a b'", "not a valid"});
    check_error([&] { out.write_scalar(std::string(64, 'a'), 2.0); }, {"not a valid"});
    out.write_scalar(std::string(63, 'a'), 2.0);
    check_error([&] { out.write_string("s", std::string("\xff\xfe")); }, {"'s'", "UTF-8"});
    out.commit();  // the refused writes did not spoil the file
    const mat_reader in(file);
    CHECK(in.names() == std::vector<std::string>{"x", std::string(63, 'a')});
    check_error([&] { mat_writer w(dir.path / "missing" / "m.mat"); }, {"missing", "does not exist"});
  }
}

TEST_CASE("mat_file: copy_all_except keeps every other variable") {
  scratch_dir dir;
  const fs::path file = dir.path / "model.mat";
  write_raw_extras(file);  // struct meta, UTF-16 char u16, char matrix rows, complex z
  {
    // Add the numeric/logical/cell variables next to the raw ones by one rewrite.
    const mat_reader raw(file);
    mat_writer out(file);
    raw.copy_all_except(out, {});
    out.write("w", counting<double>(4, 4));
    out.write("w_in", counting<float>(4, 2));
    Eigen::Array<bool, Eigen::Dynamic, 1> exc(4);
    exc << true, true, false, true;
    out.write_logical("exc", exc);
    out.write_int("N", 4);
    out.write_strings("labels", {"go", "nogo"});
    out.write_string("activation", "sigmoid");
    out.commit();
  }
  const mat_reader before(file);
  {
    mat_writer out(file);
    before.copy_all_except(out, {"w", "not_there"});
    out.write("w", counting<double>(4, 4, 1000.0));
    out.write_scalar("opt_scaling_factor", 50.0);
    out.commit();
  }
  const mat_reader after(file);
  CHECK(after.names() == std::vector<std::string>{"meta", "u16", "rows", "z", "w_in", "exc", "N",
                                                  "labels", "activation", "w",
                                                  "opt_scaling_factor"});
  for (const auto& name : before.names()) {
    CAPTURE(name);
    CHECK(after.class_name(name) == before.class_name(name));
    CHECK(after.dims(name) == before.dims(name));
  }
  CHECK(after.matrix<double>("w") == counting<double>(4, 4, 1000.0));
  CHECK(after.matrix<float>("w_in") == before.matrix<float>("w_in"));
  CHECK(after.class_name("w_in") == "single");
  CHECK((after.logical("exc") == before.logical("exc")).all());
  CHECK(after.class_name("exc") == "logical");
  CHECK(after.integer("N") == 4);
  CHECK(after.class_name("N") == "int64");
  CHECK(after.strings("labels") == std::vector<std::string>{"go", "nogo"});
  CHECK(after.string("activation") == "sigmoid");
  CHECK(after.string("u16") == "µ→😀");
  CHECK(after.strings("rows") == std::vector<std::string>{"ab", "cd"});
  CHECK(after.class_name("z") == "complex double");
  CHECK(after.class_name("meta") == "struct");
  CHECK(struct_double(file, "meta", "lr") == 0.01);
  CHECK(after.scalar("opt_scaling_factor") == 50.0);
}

TEST_CASE("mat_file: reads MAT v7.3 (HDF5) files when matio supports them") {
  scratch_dir dir;
  const fs::path file = dir.path / "v73.mat";
  {
    mat_ptr mat(Mat_CreateVer(file.string().c_str(), nullptr, MAT_FT_MAT73));
    if (!mat) {
      MESSAGE("this matio has no MAT v7.3 support; skipped");
      return;
    }
    double w[6] = {1, 2, 3, 4, 5, 6};
    std::size_t dims[2] = {2, 3};
    var_ptr v(Mat_VarCreate("w", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, w, MAT_F_DONT_COPY_DATA));
    REQUIRE(Mat_VarWrite(mat.get(), v.get(), MAT_COMPRESSION_NONE) == 0);
  }
  const mat_reader in(file);
  CHECK(in.matrix<double>("w", 2, 3) == (Eigen::Matrix<double, 2, 3>() << 1, 3, 5, 2, 4, 6).finished());
}

// ---- scipy interop: see tests/python/mat_interop.py for the ctest sequence ----------------

namespace {

/// The interop directory, or empty when SPIKERNN_INTEROP_DIR is unset (the test is skipped).
fs::path interop_dir() {
  const char* dir = std::getenv("SPIKERNN_INTEROP_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path();
}

}  // namespace

TEST_CASE("mat_file interop: read scipy_written.mat") {
  const fs::path dir = interop_dir();
  if (dir.empty()) {
    MESSAGE("SPIKERNN_INTEROP_DIR is not set; skipped (see tests/python/mat_interop.py)");
    return;
  }
  const fs::path file = dir / "scipy_written.mat";
  REQUIRE_MESSAGE(fs::exists(file), "run `mat_interop.py write " << dir.string() << "` first");
  const mat_reader in(file);

  CHECK(in.class_name("a32") == "single");
  CHECK(in.matrix<float>("a32", 2, 3) ==
        (Eigen::Matrix<float, 2, 3>() << 1.5f, -2.0f, 3.25f, 4.0f, 5.5f, -6.75f).finished());
  CHECK(in.class_name("a64") == "double");
  CHECK(in.matrix<double>("a64", 3, 2) ==
        (Eigen::Matrix<double, 3, 2>() << 0.1, 0.2, 0.3, 0.4, 0.5, 1e-300).finished());
  CHECK(in.class_name("n") == "int64");
  CHECK(in.integer("n") == 200);
  CHECK(in.scalar("n") == 200.0);
  CHECK(in.class_name("flags") == "logical");
  CHECK(in.dims("flags") == std::vector<std::size_t>{5, 1});
  CHECK((in.logical("flags", 5) == Eigen::Array<bool, 5, 1>(true, false, true, true, false)).all());
  CHECK(in.string("name") == "go_nogo");
  CHECK(in.class_name("labels") == "cell");
  CHECK(in.strings("labels") == std::vector<std::string>{"go", "nogo", "µs→x"});
  CHECK(in.class_name("cube") == "single");
  CHECK(in.dims("cube") == std::vector<std::size_t>{4, 3, 1});
  const auto cube = in.matrix<float>("cube", 4, 3);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < 4; ++i) CHECK(cube(i, j) == 0.5f * static_cast<float>(i + 4 * j));
  CHECK(in.class_name("exc") == "double");  // PyTorch-port style 0/1 doubles
  CHECK((in.logical("exc", 5) == Eigen::Array<bool, 5, 1>(true, true, false, true, false)).all());
  CHECK(in.class_name("meta") == "struct");
}

TEST_CASE("mat_file interop: write cpp_written.mat") {
  const fs::path dir = interop_dir();
  if (dir.empty()) {
    MESSAGE("SPIKERNN_INTEROP_DIR is not set; skipped (see tests/python/mat_interop.py)");
    return;
  }
  // Values mirrored in mat_interop.py (CPP_*).
  {
    mat_writer out(dir / "cpp_written.mat");
    spikernn::matrix<double> w(3, 2);
    for (Eigen::Index i = 0; i < 3; ++i)
      for (Eigen::Index j = 0; j < 2; ++j) w(i, j) = static_cast<double>(i) + 10.0 * static_cast<double>(j);
    out.write("w", w);
    out.write("w32", (Eigen::Matrix<float, 2, 3>() << 0.5f, 1.5f, 2.5f, -1.0f, -2.0f, -3.0f).finished());
    out.write("i32", (Eigen::Matrix<std::int32_t, 2, 2>() << -3, 4, std::numeric_limits<std::int32_t>::max(),
                      std::numeric_limits<std::int32_t>::min())
                         .finished());
    out.write("u8", (Eigen::Matrix<std::uint8_t, 1, 3>() << 0, 7, 255).finished());
    out.write_int("n", 200);
    out.write_scalar("x", 0.25);
    Eigen::Array<bool, Eigen::Dynamic, 1> exc(4);
    exc << true, false, false, true;
    out.write_logical("exc", exc);
    std::vector<float> traj(4 * 3);
    for (std::size_t n = 0; n < 3; ++n)
      for (std::size_t t = 0; t < 4; ++t) traj[t + 4 * n] = static_cast<float>(t) + 0.25f * static_cast<float>(n);
    out.write_array("traj", traj.data(), {4, 3, 1});
    out.write_string("name", "rate → spiking");
    out.write_strings("labels", {"go", "nogo", "µs→x", ""});
    out.write_string("empty_str", "");
    out.write("empty", spikernn::matrix<double>(0, 3));
    out.write_strings("no_labels", {});
    out.commit();
  }
  // The scipy fixture rewritten in place of a64 (checked by mat_interop.py check).
  const fs::path scipy_file = dir / "scipy_written.mat";
  if (fs::exists(scipy_file)) {
    const mat_reader in(scipy_file);
    mat_writer out(dir / "cpp_rewritten.mat");
    in.copy_all_except(out, {"a64"});
    out.write("a64", 2.0 * in.matrix<double>("a64", 3, 2));
    out.commit();
  }
}
