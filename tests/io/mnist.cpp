#include <spikernn/io/mnist.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace spikernn;
namespace fs = std::filesystem;

namespace {

// n images of 2 x 3 pixels with labels k % 10, as IDX files named `prefix`-… in `dir`.
void write_mnist_part(const fs::path& dir, const std::string& prefix, std::size_t n) {
  image_stack im{n, 2, 3, {}};
  std::vector<std::uint8_t> labels;
  for (std::size_t k = 0; k < n; ++k) {
    for (int p = 0; p < 6; ++p) im.pixels.push_back(std::uint8_t(k * 6 + std::size_t(p)));
    labels.push_back(std::uint8_t(k % 10));
  }
  io::write_idx_images(dir / (prefix + "-images-idx3-ubyte"), im);
  io::write_idx_labels(dir / (prefix + "-labels-idx1-ubyte"), labels);
}

}  // namespace

TEST_CASE("mnist: the MNIST file names in a folder, plain or gz") {
  const testing::scratch_dir dir("mnist");
  write_mnist_part(dir.path, "train", 3);
  fs::rename(dir.path / "train-labels-idx1-ubyte", dir.path / "train-labels-idx1-ubyte.gz");
  const auto f = io::find_mnist_files(dir.path, io::mnist_part::train);
  CHECK(f.images == dir.path / "train-images-idx3-ubyte");
  CHECK(f.labels == dir.path / "train-labels-idx1-ubyte.gz");
  try {
    (void)io::find_mnist_files(dir.path, io::mnist_part::test);
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(testing::contains(e.what(), "t10k-images-idx3-ubyte"));
  }
}

TEST_CASE("mnist: a folder's train and test parts load as sequential MNIST") {
  const testing::scratch_dir dir("mnist");
  write_mnist_part(dir.path, "t10k", 5);
  const auto set = io::load_sequential_mnist(dir.path, io::mnist_part::test);
  CHECK(set.size() == 5);
  CHECK(set.images_file() == (dir.path / "t10k-images-idx3-ubyte").string());
  CHECK(set.n_steps() == 2);
  CHECK(set.n_inputs() == 3);
  CHECK(set.label(4) == 4);
  CHECK(set.pixels(1)[0] == 6);
  CHECK_THROWS_AS((void)io::load_sequential_mnist(dir.path, io::mnist_part::train), file_error);
  // a labels file with another count is refused, naming it
  write_mnist_part(dir.path, "train", 4);
  io::write_idx_labels(dir.path / "train-labels-idx1-ubyte", std::vector<std::uint8_t>{1, 2});
  try {
    (void)io::load_sequential_mnist(dir.path, io::mnist_part::train);
    FAIL("expected a file_error");
  } catch (const file_error& e) {
    CHECK(e.file == (dir.path / "train-labels-idx1-ubyte").string());
  }
}
