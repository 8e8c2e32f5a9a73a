// Trainable parameters as named blocks of one flat vector. Every trainable model keeps its
// parameters contiguous so the optimizer, the gradient check, checkpoints and the file writers
// work on any model without knowing it; a block can be frozen (e.g. one fixed time constant).
//
// param_store owns that vector and its layout, so a model declares its blocks once (names,
// sizes, which are trained) and reads them back as Eigen maps by index; the same maps over a
// gradient vector of the same layout are what its adjoint adds into.
#pragma once

#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace spikernn {

struct param_block {
  std::string name;       ///< the variable name used in files and messages
  index_t offset = 0;     ///< first entry in the flat vector
  index_t size = 0;       ///< number of entries
  bool trainable = true;  ///< frozen blocks are neither updated nor gradient-checked
};

using param_layout = std::vector<param_block>;

/// Number of entries the layout's blocks span.
inline index_t layout_size(const param_layout& layout) {
  index_t n = 0;
  for (const auto& b : layout) n = std::max(n, b.offset + b.size);
  return n;
}

/// One block as a model declares it: blocks are laid out one after the other in this order.
struct param_spec {
  const char* name;
  index_t size;
  bool trainable = true;  ///< a block of size 0 is never trainable (nothing to train)
};

template <class S>
class param_store {
 public:
  /// Lays the blocks out one after the other and sets every entry to 0.
  void allocate(std::initializer_list<param_spec> blocks) {
    layout_.clear();
    index_t offset = 0;
    for (const param_spec& b : blocks) {
      layout_.push_back({b.name, offset, b.size, b.trainable && b.size > 0});
      offset += b.size;
    }
    values_ = vector<S>::Zero(offset);
  }

  vector<S>& values() { return values_; }
  const vector<S>& values() const { return values_; }
  const param_layout& layout() const { return layout_; }
  const param_block& operator[](std::size_t k) const { return layout_[k]; }
  index_t size() const { return values_.size(); }

  /// Block k as a rows × cols matrix (column-major, like every file the models write).
  Eigen::Map<matrix<S>> block(std::size_t k, index_t rows, index_t cols) { return block_of(values_, k, rows, cols); }
  Eigen::Map<const matrix<S>> block(std::size_t k, index_t rows, index_t cols) const {
    return {values_.data() + layout_[k].offset, rows, cols};
  }
  /// Block k as a column vector of all its entries.
  Eigen::Map<vector<S>> segment(std::size_t k) { return {values_.data() + layout_[k].offset, layout_[k].size}; }
  Eigen::Map<const vector<S>> segment(std::size_t k) const {
    return {values_.data() + layout_[k].offset, layout_[k].size};
  }
  /// Block k of another vector with this layout (a gradient).
  Eigen::Map<matrix<S>> block_of(vector<S>& v, std::size_t k, index_t rows, index_t cols) const {
    return {v.data() + layout_[k].offset, rows, cols};
  }

 private:
  vector<S> values_;
  param_layout layout_;
};

}  // namespace spikernn
