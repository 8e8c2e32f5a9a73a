#include <spikernn/io/mnist.hpp>
#include <spikernn/task/sequential_mnist.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

using namespace spikernn;
namespace fs = std::filesystem;

namespace {

// Byte of image i at (row r, col c): distinct enough that a transposed or shifted read shows.
std::uint8_t pixel(std::size_t i, std::size_t r, std::size_t c) { return std::uint8_t((i * 37 + r * 28 + c) % 256); }

// A tiny synthetic MNIST: n images of 28 x 28 with labels (i * 3) % 10, written as IDX.
struct synthetic_mnist {
  fs::path dir;
  explicit synthetic_mnist(std::size_t n, const std::string& prefix = "train") {
    dir = fs::temp_directory_path() / ("spikernn_smnist_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    image_stack im{n, 28, 28, {}};
    std::vector<std::uint8_t> labels;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t r = 0; r < 28; ++r)
        for (std::size_t c = 0; c < 28; ++c) im.pixels.push_back(pixel(i, r, c));
      labels.push_back(std::uint8_t((i * 3) % 10));
    }
    io::write_idx_images(dir / (prefix + "-images-idx3-ubyte"), im);
    io::write_idx_labels(dir / (prefix + "-labels-idx1-ubyte"), labels);
  }
  ~synthetic_mnist() { fs::remove_all(dir); }
  fs::path images() const { return dir / "train-images-idx3-ubyte"; }
  fs::path labels() const { return dir / "train-labels-idx1-ubyte"; }
};

double norm(std::uint8_t b) { return (b / 255.0 - 0.1307) / 0.3081; }

}  // namespace

TEST_CASE("sequential_mnist: line by line is 28 steps of 28 normalised inputs") {
  const synthetic_mnist files(6);
  const auto set = io::load_sequential_mnist(files.images(), files.labels());
  CHECK(set.size() == 6);
  CHECK(set.n_inputs() == 28);
  CHECK(set.n_steps() == 28);
  CHECK(sequential_mnist::n_classes == 10);
  const matrix<double> u = set.input(4);
  REQUIRE(u.rows() == 28);
  REQUIRE(u.cols() == 28);
  for (int t = 0; t < 28; ++t)
    for (int j = 0; j < 28; ++j) CHECK(u(j, t) == doctest::Approx(norm(pixel(4, std::size_t(t), std::size_t(j)))).epsilon(1e-15));
  CHECK(set.label(4) == 2);
  CHECK(set.normalised(0) == doctest::Approx(-0.1307 / 0.3081));
  CHECK(set.normalised(255) == doctest::Approx((1 - 0.1307) / 0.3081));
}

TEST_CASE("sequential_mnist: pixel by pixel is 784 steps of 1 input in row-major order") {
  const synthetic_mnist files(3);
  const auto set = io::load_sequential_mnist(files.images(), files.labels(), {.sequence = mnist_sequence::pixel_by_pixel});
  CHECK(set.n_inputs() == 1);
  CHECK(set.n_steps() == 784);
  const matrix<double> u = set.input(2);
  REQUIRE(u.rows() == 1);
  REQUIRE(u.cols() == 784);
  for (std::size_t r = 0; r < 28; ++r)
    for (std::size_t c = 0; c < 28; ++c) CHECK(u(0, index_t(r * 28 + c)) == doctest::Approx(norm(pixel(2, r, c))));
  // the same data the other way round share the images and agree with the line view
  const auto lines = set.with_sequence(mnist_sequence::line_by_line);
  const matrix<double> l = lines.input(2);
  CHECK(l(5, 3) == u(0, 3 * 28 + 5));
}

TEST_CASE("sequential_mnist: batches and subsets keep labels with their images") {
  const synthetic_mnist files(10);
  const auto set = io::load_sequential_mnist(files.images(), files.labels());
  const std::array<std::size_t, 3> which{7, 0, 7};
  const auto us = set.inputs(which);
  const auto ls = set.labels(which);
  REQUIRE(us.size() == 3);
  CHECK(us[0] == set.input(7));
  CHECK(us[1] == set.input(0));
  CHECK(ls == std::vector<int>{1, 0, 1});

  const auto samples = set.samples();  // the training form: every input with its digit
  REQUIRE(samples.size() == 10);
  CHECK(samples[7].u == set.input(7));
  CHECK(samples[7].label == set.label(7));
  CHECK(samples[0].z.size() == 0);

  const auto head = set.first(4);
  CHECK(head.size() == 4);
  CHECK(head.label(3) == set.label(3));
  const auto rest = set.rest(4);
  CHECK(rest.size() == 6);
  CHECK(rest.input(0) == set.input(4));
  CHECK(rest.label(5) == set.label(9));
  const auto tail = set.last(3);
  CHECK(tail.label(0) == set.label(7));

  const auto split = set.hold_out(2);
  CHECK(split.train.size() == 8);
  CHECK(split.held_out.size() == 2);
  CHECK(split.held_out.input(1) == set.input(9));
  CHECK(split.train.pixels(7)[0] == pixel(7, 0, 0));

  const auto sub = rest.subset(std::span<const std::size_t>(which).subspan(1, 1));  // rest's trial 0 = image 4
  CHECK(sub.size() == 1);
  CHECK(sub.label(0) == set.label(4));
  // subsets of subsets index their parent
  CHECK(set.rest(2).first(3).rest(1).label(0) == set.label(3));

  CHECK(testing::refused([&] { (void)set.first(11); }) == "k");
  CHECK(testing::refused([&] { (void)set.hold_out(11); }) == "n_held_out");
  CHECK(testing::refused([&] { (void)set.label(10); }) == "trial");
  CHECK(testing::refused([&] { (void)head.input(4); }) == "trial");
}

TEST_CASE("sequential_mnist: refuses labels outside 0..9 and bad normalisation naming the culprit") {
  const synthetic_mnist files(4);
  auto data = io::read_labelled_images(files.images(), files.labels());
  data.labels[2] = 12;
  try {
    sequential_mnist bad(data);
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(e.file == files.labels().string());
    CHECK(std::string(e.what()).find("label 12 at index 2") != std::string::npos);
  }
  data.labels.pop_back();
  CHECK_THROWS_AS(sequential_mnist{data}, file_error);
  CHECK(testing::refused([&] { (void)io::load_sequential_mnist(files.images(), files.labels(), {.stddev = 0}); }) ==
        "stddev");
}

TEST_CASE("sequential_mnist: images of any size give rows steps of cols inputs") {
  labelled_images data;
  data.images = {2, 3, 5, {}};
  for (int k = 0; k < 30; ++k) data.images.pixels.push_back(std::uint8_t(k * 8));
  data.labels = {1, 9};
  const sequential_mnist set(data, {.mean = 0, .stddev = 1});
  CHECK(set.n_steps() == 3);
  CHECK(set.n_inputs() == 5);
  const matrix<double> u = set.input(1);
  CHECK(u(4, 2) == doctest::Approx((15 + 14) * 8 / 255.0));  // image 1, row 2, col 4
  CHECK(set.with_sequence(mnist_sequence::pixel_by_pixel).n_steps() == 15);
}
