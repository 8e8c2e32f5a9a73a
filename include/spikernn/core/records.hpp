// The records every layer passes around: a task's trial, a dataset's sample, a spike train as
// events, a stack of labelled images. They sit here, below tasks, networks, the trainer and the
// file readers, so that a network never includes a task header to learn what its input is, and
// a task never includes a file reader to learn what a dataset holds.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace spikernn {

/// One trial. Stimulus and target are kept in double: they are small (inputs × T), and the
/// network converts them once per trial to its own scalar type.
struct trial {
  matrix<double> u;     ///< n_inputs × T stimulus; column t drives step t + 1
  vector<double> z;     ///< T targets; output o_{k+1} is compared with z[k] (spec §2.1)
  double label = 0;     ///< task-specific label (Go-NoGo: 1 go / 0 nogo)
  std::string condition;  ///< human-readable trial type ("go", "nogo", ...)

  index_t n_steps() const { return u.cols(); }
};

/// One sample of a fixed dataset trained in mini-batches (GLIFR's tasks): the input
/// (n_in × T), and either a target sequence (n_out × T, regression) or a class (classification).
struct sequence_sample {
  matrix<double> u;
  matrix<double> z;
  int label = -1;
};

/// Binary spike trains of `channels` inputs over `steps` steps, as events: the channels that
/// spiked at step t are index[start[t]] … index[start[t+1] − 1], ascending.
struct spike_events {
  index_t channels = 0, steps = 0;
  std::vector<std::int32_t> start;  ///< steps + 1 offsets into index
  std::vector<std::int32_t> index;  ///< channels that spiked, step by step

  index_t count() const { return static_cast<index_t>(index.size()); }
  /// The channels × steps matrix of 0/1.
  matrix<double> dense() const {
    matrix<double> m = matrix<double>::Zero(channels, steps);
    for (index_t t = 0; t < steps; ++t)
      for (std::int32_t k = start[std::size_t(t)]; k < start[std::size_t(t + 1)]; ++k)
        m(index[std::size_t(k)], t) = 1.0;
    return m;
  }
};

/// N images of rows × cols unsigned bytes, row-major, image after image: an idx3-ubyte file
/// (io/idx.hpp), the MNIST images.
struct image_stack {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count·rows·cols bytes

  std::size_t image_size() const noexcept { return rows * cols; }
  std::span<const std::uint8_t> image(std::size_t i) const {
    if (i >= count) throw error("image_stack::image: image " + std::to_string(i) + " of " + std::to_string(count));
    return {pixels.data() + i * image_size(), image_size()};
  }
};

/// Images with their labels, and the files they came from (for later error messages).
struct labelled_images {
  image_stack images;
  std::vector<std::uint8_t> labels;
  std::string images_file = "images", labels_file = "labels";
};

}  // namespace spikernn
