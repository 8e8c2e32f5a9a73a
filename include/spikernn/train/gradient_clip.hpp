// Gradient-norm clipping as PyTorch's torch.nn.utils.clip_grad_norm_, which the spiking
// mode-based RNN code applies before every Adam step (glifr_smnn_spec.md B.4, B.5): the 2-norm
// of the gradient over all trainable blocks together; when it exceeds max_norm every entry is
// scaled by max_norm / (norm + 1e-6). Frozen blocks neither count nor change.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/param_store.hpp"

#include <cmath>

namespace spikernn {

/// Clips `grad` in place and returns its norm before clipping.
template <class S>
double clip_grad_norm(vector<S>& grad, const param_layout& layout, double max_norm) {
  require(max_norm > 0 && std::isfinite(max_norm), "max_norm", "a positive, finite gradient norm");
  require(grad.size() >= layout_size(layout), "grad", "a gradient covering the parameter layout");
  double sq = 0;
  for (const auto& b : layout)
    if (b.trainable) sq += grad.segment(b.offset, b.size).template cast<double>().squaredNorm();
  const double norm = std::sqrt(sq);
  if (norm > max_norm) {
    const S scale = static_cast<S>(max_norm / (norm + 1e-6));
    for (const auto& b : layout)
      if (b.trainable) grad.segment(b.offset, b.size) *= scale;
  }
  return norm;
}

}  // namespace spikernn
