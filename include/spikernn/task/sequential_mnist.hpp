// Sequential MNIST for the GLIFR networks (glifr_smnn_spec.md A.7): a labelled image set (read
// from IDX files by io/mnist.hpp) held in memory as bytes, served one trial at a time as an
// n_in × T input matrix in double, the shape glifr_network::forward takes per trial, plus the
// digit label 0..9 (the loss is cross entropy on the last step's outputs, done by the trainer).
// Line by line: T = rows (28) steps of cols (28) inputs, step t = image row t. Pixel by pixel:
// T = rows·cols (784) steps of 1 input in row-major order. These are torchvision's
// view(28, 28) and view(784, 1) of v2022's datasets/mnist.py. Pixels are normalised as
// torchvision's ToTensor + Normalize((0.1307,), (0.3081,)): (x/255 − 0.1307)/0.3081.
// Unlike the generated tasks of task.hpp this is a fixed dataset: trials are chosen by index,
// and subsets (first k, the rest, any index list) share the loaded images instead of copying.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/task/task.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace spikernn {

/// How an image becomes a sequence.
enum class mnist_sequence {
  line_by_line,    ///< L-MNIST / v2021 SMNIST: rows steps × cols inputs (28 × 28)
  pixel_by_pixel,  ///< P-MNIST: rows·cols steps × 1 input (784 × 1)
};

struct sequential_mnist_params {
  mnist_sequence sequence = mnist_sequence::line_by_line;
  double mean = 0.1307;    ///< of x/255 over the MNIST training set (torchvision's constant)
  double stddev = 0.3081;  ///< idem

  void validate() const {
    require(std::isfinite(mean), "mean", "a finite pixel mean");
    require(std::isfinite(stddev) && stddev > 0, "stddev", "a positive, finite pixel standard deviation");
  }
};

class sequential_mnist {
 public:
  static constexpr int n_classes = 10;

  /// Takes ownership of loaded images and labels. Refuses a count mismatch, empty images and a
  /// label outside 0..9, naming the file it came from.
  explicit sequential_mnist(labelled_images data, sequential_mnist_params p = {}) : p_(p) {
    p_.validate();
    const auto& im = data.images;
    if (im.rows == 0 || im.cols == 0)
      throw file_error(data.images_file, "holds images of " + std::to_string(im.rows) + " x " + std::to_string(im.cols) +
                                             " pixels, expected at least one pixel");
    if (im.pixels.size() != im.count * im.rows * im.cols)
      throw file_error(data.images_file, "holds " + std::to_string(im.pixels.size()) + " pixel bytes, expected " +
                                             std::to_string(im.count) + " x " + std::to_string(im.rows) + " x " +
                                             std::to_string(im.cols));
    if (data.labels.size() != im.count)
      throw file_error(data.labels_file, "holds " + std::to_string(data.labels.size()) + " labels but " +
                                             data.images_file + " holds " + std::to_string(im.count) +
                                             " images; expected one label per image");
    for (std::size_t i = 0; i < data.labels.size(); ++i)
      if (data.labels[i] >= n_classes)
        throw file_error(data.labels_file, "label " + std::to_string(int(data.labels[i])) + " at index " +
                                               std::to_string(i) + ", expected a digit 0..9");
    // The index list is 32-bit to halve its size; IDX counts are uint32 anyway.
    order_.resize(im.count);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    store_ = std::make_shared<const labelled_images>(std::move(data));
    // 256 possible bytes: normalise once through a table instead of per pixel per trial.
    for (int b = 0; b < 256; ++b) table_[std::size_t(b)] = (double(b) / 255.0 - p_.mean) / p_.stddev;
  }

  std::size_t size() const noexcept { return order_.size(); }
  bool empty() const noexcept { return order_.empty(); }
  const sequential_mnist_params& params() const noexcept { return p_; }
  std::size_t rows() const noexcept { return store_->images.rows; }
  std::size_t cols() const noexcept { return store_->images.cols; }
  const std::string& images_file() const noexcept { return store_->images_file; }

  /// Inputs per step: cols (28) line by line, 1 pixel by pixel.
  int n_inputs() const noexcept { return p_.sequence == mnist_sequence::line_by_line ? int(cols()) : 1; }
  /// Steps per trial: rows (28) line by line, rows·cols (784) pixel by pixel.
  int n_steps() const noexcept { return p_.sequence == mnist_sequence::line_by_line ? int(rows()) : int(rows() * cols()); }

  /// The raw bytes of trial i (rows × cols, row-major).
  std::span<const std::uint8_t> pixels(std::size_t i) const { return store_->images.image(at(i)); }

  /// The digit of trial i.
  int label(std::size_t i) const { return store_->labels[at(i)]; }

  /// The normalised input sequence of trial i into `u` (resized to n_inputs × n_steps):
  /// column t is step t.
  void input(std::size_t i, matrix<double>& u) const {
    const auto px = pixels(i);
    const index_t r = index_t(rows()), c = index_t(cols());
    if (p_.sequence == mnist_sequence::line_by_line) {
      u.resize(c, r);
      // Column-major u: column t (row t of the image) is contiguous, as are the image's rows.
      for (index_t t = 0; t < r; ++t)
        for (index_t j = 0; j < c; ++j) u(j, t) = table_[px[std::size_t(t * c + j)]];
    } else {
      u.resize(1, r * c);
      for (index_t t = 0; t < r * c; ++t) u(0, t) = table_[px[std::size_t(t)]];
    }
  }
  matrix<double> input(std::size_t i) const {
    matrix<double> u;
    input(i, u);
    return u;
  }

  /// Every trial as a training sample (input sequence, digit), for fit().
  std::vector<sequence_sample> samples() const {
    std::vector<sequence_sample> s(size());
    for (std::size_t i = 0; i < size(); ++i) {
      input(i, s[i].u);
      s[i].label = label(i);
    }
    return s;
  }

  /// The inputs of several trials, e.g. one batch for glifr_network::forward.
  std::vector<matrix<double>> inputs(std::span<const std::size_t> which) const {
    std::vector<matrix<double>> us(which.size());
    for (std::size_t k = 0; k < which.size(); ++k) input(which[k], us[k]);
    return us;
  }
  std::vector<int> labels(std::span<const std::size_t> which) const {
    std::vector<int> ls(which.size());
    for (std::size_t k = 0; k < which.size(); ++k) ls[k] = label(which[k]);
    return ls;
  }

  /// The value a raw byte normalises to.
  double normalised(std::uint8_t byte) const noexcept { return table_[byte]; }

  // ---- subsets (they share the loaded images) ------------------------------------------------

  /// Trials 0 .. k−1.
  sequential_mnist first(std::size_t k) const {
    require(k <= size(), "k", "at most the " + std::to_string(size()) + " trials of the set");
    return slice(0, k);
  }
  /// Trials k .. size()−1: what first(k) leaves out.
  sequential_mnist rest(std::size_t k) const {
    require(k <= size(), "k", "at most the " + std::to_string(size()) + " trials of the set");
    return slice(k, size());
  }
  /// The last k trials.
  sequential_mnist last(std::size_t k) const {
    require(k <= size(), "k", "at most the " + std::to_string(size()) + " trials of the set");
    return slice(size() - k, size());
  }

  /// A held-out split in file order: the last n_held_out trials are held out, the others train.
  /// File order, not a random draw, so the same files always give the same split.
  struct split_sets;
  split_sets hold_out(std::size_t n_held_out) const;

  /// The trials at `which` (indices into this set, repeats allowed), in that order.
  sequential_mnist subset(std::span<const std::size_t> which) const {
    sequential_mnist s = *this;
    s.order_.resize(which.size());
    for (std::size_t k = 0; k < which.size(); ++k) s.order_[k] = order_[checked(which[k])];
    return s;
  }

  /// The same trials served the other way (line by line ↔ pixel by pixel), sharing the images.
  sequential_mnist with_sequence(mnist_sequence seq) const {
    sequential_mnist s = *this;
    s.p_.sequence = seq;
    return s;
  }

 private:
  std::size_t checked(std::size_t i) const {
    require(i < size(), "trial", "an index below the " + std::to_string(size()) + " trials of the set, got " + std::to_string(i));
    return i;
  }
  std::size_t at(std::size_t i) const { return order_[checked(i)]; }
  sequential_mnist slice(std::size_t from, std::size_t to) const {
    sequential_mnist s = *this;
    s.order_.assign(order_.begin() + std::ptrdiff_t(from), order_.begin() + std::ptrdiff_t(to));
    return s;
  }

  sequential_mnist_params p_;
  std::shared_ptr<const labelled_images> store_;
  std::vector<std::uint32_t> order_;  ///< trial k of this set is image order_[k] of the store
  std::array<double, 256> table_{};
};

struct sequential_mnist::split_sets {
  sequential_mnist train, held_out;
};

inline sequential_mnist::split_sets sequential_mnist::hold_out(std::size_t n_held_out) const {
  require(n_held_out <= size(), "n_held_out", "at most the " + std::to_string(size()) + " trials of the set");
  return {first(size() - n_held_out), last(n_held_out)};
}

}  // namespace spikernn
