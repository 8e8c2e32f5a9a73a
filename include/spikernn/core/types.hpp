// Eigen aliases used throughout: column-major dynamic matrices and vectors of a scalar type.
#pragma once

#include <Eigen/Core>

#include <concepts>
#include <span>
#include <vector>

namespace spikernn {

template <class S>
using matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using row_vector = Eigen::Matrix<S, 1, Eigen::Dynamic>;
template <class S>
using array = Eigen::Array<S, Eigen::Dynamic, 1>;
template <class S>
using array2d = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;

using index_t = Eigen::Index;

/// The scalar types a network can be instantiated with.
template <class S>
concept real_scalar = std::same_as<S, float> || std::same_as<S, double>;

/// Pointers to a batch of input matrices: the form the sequence models' forward() takes.
inline std::vector<const matrix<double>*> input_pointers(std::span<const matrix<double>> inputs) {
  std::vector<const matrix<double>*> ptrs;
  ptrs.reserve(inputs.size());
  for (const auto& u : inputs) ptrs.push_back(&u);
  return ptrs;
}

/// A view of trial b as an n_rows × T matrix inside a time-major n_rows × (T·B) matrix
/// (column t·B + b is step t of trial b), as the sequence models' tapes store their states and outputs
/// and their backward() takes dL/doutputs. No copy.
template <class S>
Eigen::Map<const matrix<S>, 0, Eigen::OuterStride<>> time_major_trial(const matrix<S>& m, index_t batch, index_t b) {
  return {m.data() + b * m.rows(), m.rows(), m.cols() / batch, Eigen::OuterStride<>(m.rows() * batch)};
}
template <class S>
Eigen::Map<matrix<S>, 0, Eigen::OuterStride<>> time_major_trial(matrix<S>& m, index_t batch, index_t b) {
  return {m.data() + b * m.rows(), m.rows(), m.cols() / batch, Eigen::OuterStride<>(m.rows() * batch)};
}

}  // namespace spikernn
