// MNIST-style folders: the file names of a train / test pair (LeCun's distribution,
// scripts/fetch_mnist.sh's ./data/mnist, Debian's /usr/share/datasets/fashion-mnist), and the
// sequential-MNIST dataset (task/sequential_mnist.hpp) loaded from them. Plain IDX files need
// nothing; gzip-compressed ones need zlib (the spikernn::idx target, see io/idx.hpp).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/idx.hpp"
#include "spikernn/task/sequential_mnist.hpp"

#include <filesystem>
#include <string>
#include <system_error>

namespace spikernn::io {

/// Which half of an MNIST-style folder.
enum class mnist_part { train, test };

/// The files of one part in a folder.
struct mnist_paths {
  std::filesystem::path images, labels;
};

/// The files of `part` in `dir` under the names of the MNIST distribution
/// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…), each plain or with ".gz".
inline mnist_paths find_mnist_files(const std::filesystem::path& dir, mnist_part part) {
  namespace fs = std::filesystem;
  const std::string prefix = part == mnist_part::train ? "train" : "t10k";
  auto pick = [&](const std::string& base) {
    std::error_code ec;
    for (const char* ext : {"", ".gz"}) {
      const fs::path p = dir / (base + ext);
      if (fs::is_regular_file(p, ec)) return p;
    }
    throw file_error((dir / base).string(), "not found (nor " + base + ".gz) in " + dir.string() +
                                                 "; expected the MNIST file names, see scripts/fetch_mnist.sh");
  };
  return {pick(prefix + "-images-idx3-ubyte"), pick(prefix + "-labels-idx1-ubyte")};
}

/// Sequential MNIST from an images file and its labels file (plain or .gz IDX).
inline sequential_mnist load_sequential_mnist(const std::filesystem::path& images, const std::filesystem::path& labels,
                                              sequential_mnist_params p = {}) {
  return sequential_mnist(read_labelled_images(images, labels), p);
}

/// Sequential MNIST from the train or test part of an MNIST-style folder.
inline sequential_mnist load_sequential_mnist(const std::filesystem::path& dir, mnist_part part,
                                              sequential_mnist_params p = {}) {
  const mnist_paths f = find_mnist_files(dir, part);
  return load_sequential_mnist(f.images, f.labels, p);
}

}  // namespace spikernn::io
