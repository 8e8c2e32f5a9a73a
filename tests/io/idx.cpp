#include <spikernn/io/idx.hpp>

#include <doctest/doctest.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace spikernn;
namespace fs = std::filesystem;

namespace {

fs::path idx_test_dir() {
  const auto dir = fs::temp_directory_path() / ("spikernn_idx_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::vector<std::uint8_t> file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void put_bytes(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// Compresses with zlib's own gzip writer, independently of the reader under test.
void gzip_file(const fs::path& from, const fs::path& to) {
  const auto b = file_bytes(from);
  gzFile gz = gzopen(to.string().c_str(), "wb9");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, b.data(), unsigned(b.size())) == int(b.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

// Three 2 x 3 images with distinct bytes and their labels.
image_stack tiny_images() {
  image_stack im{3, 2, 3, {}};
  for (int k = 0; k < 18; ++k) im.pixels.push_back(std::uint8_t(k * 14 + 1));
  return im;
}

std::string message_of(const fs::path& p) {
  try {
    (void)io::read_idx(p);
  } catch (const file_error& e) {
    CHECK(e.file == p.string());
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("idx: unsigned byte writer produces the big-endian MNIST layout") {
  const auto dir = idx_test_dir();
  const auto p = dir / "labels-idx1-ubyte";
  const std::vector<std::uint8_t> labels{7, 2, 1, 0};
  io::write_idx_labels(p, labels);
  const std::vector<std::uint8_t> expected{0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 1, 0};
  CHECK(file_bytes(p) == expected);

  const auto q = dir / "images-idx3-ubyte";
  const std::array<std::size_t, 3> dims{1, 300, 2};
  const std::vector<std::uint8_t> px(600, 9);
  io::write_idx_ubyte(q, dims, px);
  const auto b = file_bytes(q);
  REQUIRE(b.size() == 16 + 600);
  CHECK(b[2] == 0x08);
  CHECK(b[3] == 3);
  CHECK(b[10] == 0x01);  // 300 = 0x0000012c, big-endian
  CHECK(b[11] == 0x2c);
  fs::remove_all(dir);
}

TEST_CASE("idx: plain round trip of images and labels") {
  const auto dir = idx_test_dir();
  const auto im = tiny_images();
  const std::vector<std::uint8_t> labels{4, 0, 9};
  io::write_idx_images(dir / "i", im);
  io::write_idx_labels(dir / "l", labels);

  const auto back = io::read_idx_images(dir / "i");
  CHECK(back.count == 3);
  CHECK(back.rows == 2);
  CHECK(back.cols == 3);
  CHECK(back.pixels == im.pixels);
  CHECK(back.image(1)[0] == im.pixels[6]);
  CHECK(io::read_idx_labels(dir / "l") == labels);

  const auto both = io::read_labelled_images(dir / "i", dir / "l");
  CHECK(both.labels == labels);
  CHECK(both.images_file == (dir / "i").string());

  const auto a = io::read_idx(dir / "i");
  CHECK(a.type == io::idx_type::u8);
  CHECK(a.dims == std::vector<std::size_t>{3, 2, 3});
  CHECK(a.count() == 18);
  CHECK(a.value(17) == double(im.pixels[17]));
  fs::remove_all(dir);
}

TEST_CASE("idx: gzip-compressed files are recognised by their magic bytes") {
  REQUIRE(io::idx_reads_gzip);
  const auto dir = idx_test_dir();
  const auto im = tiny_images();
  const std::vector<std::uint8_t> labels{4, 0, 9};
  io::write_idx_images(dir / "i", im);
  io::write_idx_labels(dir / "l", labels);
  gzip_file(dir / "i", dir / "i.gz");
  // no .gz suffix: detection must not rely on the name
  gzip_file(dir / "l", dir / "labels-compressed");

  const auto both = io::read_labelled_images(dir / "i.gz", dir / "labels-compressed");
  CHECK(both.images.pixels == im.pixels);
  CHECK(both.images.rows == 2);
  CHECK(both.labels == labels);
  fs::remove_all(dir);
}

TEST_CASE("idx: other element types decode big-endian") {
  const auto dir = idx_test_dir();
  // 2 x 2 signed 16-bit: 1, -2, 300, -32768; then a 1-D float32 holding 1.5 and -0.25
  put_bytes(dir / "s", {0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0x00, 0x01, 0xFF, 0xFE, 0x01, 0x2C, 0x80, 0x00});
  const auto a = io::read_idx(dir / "s");
  CHECK(a.type == io::idx_type::i16);
  CHECK(a.value(0) == 1);
  CHECK(a.value(1) == -2);
  CHECK(a.value(2) == 300);
  CHECK(a.value(3) == -32768);
  put_bytes(dir / "f", {0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xBE, 0x80, 0, 0});
  const auto f = io::read_idx(dir / "f");
  CHECK(f.value(0) == 1.5);
  CHECK(f.value(1) == -0.25);
  // An images reader wants unsigned bytes and says so.
  try {
    (void)io::read_idx_images(dir / "f");
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(std::string(e.what()).find("32-bit float") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("idx: a wrong magic number is refused naming the file") {
  const auto dir = idx_test_dir();
  put_bytes(dir / "png", {0x89, 'P', 'N', 'G', 0, 0, 0, 0});
  const auto msg = message_of(dir / "png");
  CHECK(msg.find("not an IDX file") != std::string::npos);
  CHECK(msg.find("0x89504e47") != std::string::npos);
  CHECK(msg.find((dir / "png").string()) == 0);

  put_bytes(dir / "type", {0, 0, 0x07, 1, 0, 0, 0, 0});
  CHECK(message_of(dir / "type").find("unknown IDX element type 0x07") != std::string::npos);
  put_bytes(dir / "short", {0, 0});
  CHECK(message_of(dir / "short").find("truncated") != std::string::npos);
  put_bytes(dir / "one", {0x1f});
  CHECK(message_of(dir / "one").find("truncated: 1 bytes") != std::string::npos);
  put_bytes(dir / "empty", {});
  CHECK(message_of(dir / "empty").find("truncated: 0 bytes") != std::string::npos);
  CHECK(message_of(dir / "missing").find("does not exist") != std::string::npos);
  // a .gz beside a missing plain name is pointed out
  put_bytes(dir / "x.gz", {0x1f, 0x8b});
  CHECK(message_of(dir / "x").find("x.gz does") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("idx: truncated data and trailing bytes are refused") {
  const auto dir = idx_test_dir();
  io::write_idx_images(dir / "i", tiny_images());
  auto b = file_bytes(dir / "i");
  const auto full = b;
  b.resize(b.size() - 1);
  put_bytes(dir / "cut", b);
  const auto msg = message_of(dir / "cut");
  CHECK(msg.find("truncated data") != std::string::npos);
  CHECK(msg.find("3 x 2 x 3") != std::string::npos);
  CHECK(msg.find("holds only 17 bytes") != std::string::npos);

  b.resize(10);  // inside the dimension list
  put_bytes(dir / "header", b);
  CHECK(message_of(dir / "header").find("truncated header") != std::string::npos);

  auto extra = full;
  extra.push_back(0);
  put_bytes(dir / "extra", extra);
  CHECK(message_of(dir / "extra").find("1 bytes after the end of the data") != std::string::npos);

  // a damaged header whose dimensions multiply past 2^64 is "truncated", not an overflow
  put_bytes(dir / "huge", {0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1});
  CHECK(message_of(dir / "huge").find("truncated data") != std::string::npos);

  // a gzip stream cut short
  gzip_file(dir / "i", dir / "i.gz");
  auto gz = file_bytes(dir / "i.gz");
  gz.resize(gz.size() / 2);
  put_bytes(dir / "cut.gz", gz);
  CHECK(message_of(dir / "cut.gz").find("truncated gzip") != std::string::npos);
  // a corrupted one (flipped CRC)
  gz = file_bytes(dir / "i.gz");
  gz[gz.size() - 6] ^= 0xFF;
  put_bytes(dir / "crc.gz", gz);
  CHECK(message_of(dir / "crc.gz").find("corrupt gzip") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("idx: label and image counts must agree") {
  const auto dir = idx_test_dir();
  io::write_idx_images(dir / "i", tiny_images());
  const std::vector<std::uint8_t> two{1, 2};
  io::write_idx_labels(dir / "l", two);
  try {
    (void)io::read_labelled_images(dir / "i", dir / "l");
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(e.file == (dir / "l").string());
    CHECK(std::string(e.what()).find("holds 2 labels but") != std::string::npos);
    CHECK(std::string(e.what()).find("holds 3 images") != std::string::npos);
  }
  // labels where images are expected
  try {
    (void)io::read_idx_images(dir / "l");
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(std::string(e.what()).find("1-dimensional") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("idx: writer refuses dimensions that do not match the data") {
  const auto dir = idx_test_dir();
  const std::array<std::size_t, 2> dims{2, 3};
  const std::vector<std::uint8_t> five(5, 0);
  CHECK_THROWS_AS(io::write_idx_ubyte(dir / "w", dims, five), invalid_parameter);
  CHECK_FALSE(fs::exists(dir / "w"));
  CHECK_THROWS_AS(io::write_idx_ubyte(dir / "w", std::span<const std::size_t>{}, five), invalid_parameter);
  CHECK_THROWS_AS(io::write_idx_labels("/nonexistent-spikernn-dir/l", five), file_error);
  fs::remove_all(dir);
}

TEST_CASE("idx: a gzip file is inflated only as far as its header declares") {
  // Before: the whole file was inflated before its header was looked at (a 3 MB file took
  // 4.2 GB and 36 s before it was refused).
  const auto dir = idx_test_dir();
  auto gzip_bytes = [&](const fs::path& to, const std::vector<std::uint8_t>& header, std::size_t zeros) {
    gzFile gz = gzopen(to.string().c_str(), "wb9");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, header.data(), unsigned(header.size())) == int(header.size()));
    const std::vector<std::uint8_t> block(std::size_t(1) << 20, 0);
    for (std::size_t left = zeros; left > 0;) {
      const std::size_t k = std::min(left, block.size());
      REQUIRE(gzwrite(gz, block.data(), unsigned(k)) == int(k));
      left -= k;
    }
    REQUIRE(gzclose(gz) == Z_OK);
  };
  // a header declaring 65536 x 65536 bytes (4 GiB): refused before any data are inflated
  gzip_bytes(dir / "huge.gz", {0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0}, 1000);
  std::string msg = message_of(dir / "huge.gz");
  CHECK(msg.find("65536 x 65536 unsigned byte elements") != std::string::npos);
  CHECK(msg.find("more than the 2 GiB") != std::string::npos);
  // a 2 x 2 header followed by 16 MiB: inflation stops a mebibyte after the declared end
  gzip_bytes(dir / "long.gz", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2}, std::size_t(16) << 20);
  msg = message_of(dir / "long.gz");
  CHECK(msg.find("more than 1048576 bytes after the end of the data") != std::string::npos);
  CHECK(msg.find("2 x 2 unsigned byte elements, 4 bytes") != std::string::npos);
  // a header declaring more than the stream holds
  gzip_bytes(dir / "short.gz", {0, 0, 8, 1, 0, 0, 0, 100}, 10);
  msg = message_of(dir / "short.gz");
  CHECK(msg.find("truncated data") != std::string::npos);
  CHECK(msg.find("holds only 10 bytes after the header (inflated)") != std::string::npos);
  // an exact file still reads, and one split into two gzip members too
  gzip_bytes(dir / "exact.gz", {0, 0, 8, 1, 0, 0, 0, 5}, 5);
  CHECK(io::read_idx(dir / "exact.gz").bytes == std::vector<std::uint8_t>(5, 0));
  fs::remove_all(dir);
}
