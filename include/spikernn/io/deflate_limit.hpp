// The most data a compressed file can hold: what the readers of compressed formats (MAT v7.3,
// NIR) check declared sizes against before they allocate.
#pragma once

#include <cstdint>

namespace spikernn::io::detail {

/// deflate, which MATLAB and h5py use, packs at most 1032 bytes into one: a file of n bytes can
/// hold no more than 1032·n bytes of data, so nothing read from it may declare more (the readers
/// allocate from declared dimensions before they read).
inline constexpr std::uintmax_t deflate_max_ratio = 1032;

}  // namespace spikernn::io::detail
