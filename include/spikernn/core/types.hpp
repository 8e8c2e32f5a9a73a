// Eigen aliases used throughout: column-major dynamic matrices and vectors of a scalar type.
#pragma once

#include <Eigen/Core>

#include <concepts>

namespace spikernn {

template <class S>
using matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using row_vector = Eigen::Matrix<S, 1, Eigen::Dynamic>;
template <class S>
using array = Eigen::Array<S, Eigen::Dynamic, 1>;

using index_t = Eigen::Index;

/// The scalar types a network can be instantiated with.
template <class S>
concept real_scalar = std::same_as<S, float> || std::same_as<S, double>;

}  // namespace spikernn
