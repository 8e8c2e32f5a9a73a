// Trainable parameters as named blocks of one flat vector. Every trainable model keeps its
// parameters contiguous so the optimizer, the gradient check and the file writers work on any
// model without knowing it; a block can be frozen (e.g. one fixed time constant).
#pragma once

#include "spikernn/core/types.hpp"

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

}  // namespace spikernn
