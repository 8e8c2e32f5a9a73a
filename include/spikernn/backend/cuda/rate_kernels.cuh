// CUDA kernels of the rate RNN's element-wise work: the Euler step and its adjoint over an
// N × B block (column-major, element k = i + n·b is unit i of trial b). Each thread computes
// whole elements by calling the SPIKERNN_HD functions of neuron/rate_unit.hpp, so the kernels
// hold no maths of their own and the CPU tests of rate_unit.hpp cover them. Raw pointers only:
// the matrix products around these steps stay with the caller. Include from .cu files only.
#pragma once

#include "spikernn/neuron/rate_unit.hpp"

#include <cstddef>

namespace spikernn::cuda {

/// x = rate_unit_step(x_prev, drive, a[i], noise_sd·noise), r = φ(x); noise may be nullptr.
/// A grid-stride loop, so any grid covers any N × B.
template <class Act, class S>
__global__ void rate_step_kernel(const S* __restrict__ x_prev, const S* __restrict__ drive,
                                 const S* __restrict__ a, const S* __restrict__ noise, S noise_sd,
                                 S* __restrict__ x, S* __restrict__ r, int n, int batch) {
  const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(batch);
  const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
  for (std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < total; k += stride) {
    const S eta = noise != nullptr ? noise_sd * noise[k] : S(0);
    const S xk = rate_unit_step<Act>(x_prev[k], drive[k], a[k % static_cast<std::size_t>(n)], eta);
    x[k] = xk;
    r[k] = rate_unit_rate<Act>(xk);
  }
}

/// d_x = rate_unit_adjoint(x, r, d_r, a[i], d_x_next) and, if a_d_x is given, a_d_x = a[i]·d_x.
/// d_x may alias d_x_next (no __restrict__ on them): each element is read before it is written.
template <class Act, class S>
__global__ void rate_adjoint_kernel(const S* __restrict__ x, const S* __restrict__ r, const S* __restrict__ d_r,
                                    const S* __restrict__ a, const S* d_x_next, S* d_x, S* __restrict__ a_d_x,
                                    int n, int batch) {
  const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(batch);
  const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
  for (std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < total; k += stride) {
    const S ak = a[k % static_cast<std::size_t>(n)];
    const S dx = rate_unit_adjoint<Act>(x[k], r[k], d_r[k], ak, d_x_next[k]);
    d_x[k] = dx;
    if (a_d_x != nullptr) a_d_x[k] = ak * dx;
  }
}

}  // namespace spikernn::cuda
