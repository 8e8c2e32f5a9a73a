// The spikernn::cuda library: host launchers of the rate-RNN kernels, one instantiation per
// scalar type and activation, behind the plain C++ interface of backend/cuda/rate_step.hpp.
// activation.hpp brings <Eigen/Core> along with the policies; it is compiled with EIGEN_NO_CUDA
// (see cuda/CMakeLists.txt), so Eigen stays host-only here and no Eigen type reaches a kernel.
#include "spikernn/backend/cuda/rate_kernels.cuh"
#include "spikernn/backend/cuda/rate_step.hpp"

#include "spikernn/activation/activation.hpp"
#include "spikernn/core/error.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <string>

namespace spikernn::cuda {
namespace {

constexpr int threads_per_block = 256;
constexpr std::size_t max_blocks = 65535;  // the kernels loop over the rest (grid-stride)

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(status));
}

/// Blocks for `total` elements; 0 when there is nothing to do (a 0-block launch is an error).
unsigned blocks_for(int n, int batch) {
  require(n >= 0 && batch >= 0, "n/batch", "non-negative sizes");
  const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(batch);
  const std::size_t blocks = (total + threads_per_block - 1) / threads_per_block;
  return static_cast<unsigned>(std::min(blocks, max_blocks));
}

/// Calls f with the activation policy named by `act`.
template <class F>
void with_activation(activation_kind act, F&& f) {
  switch (act) {
    case activation_kind::sigmoid: f(spikernn::sigmoid{}); return;
    case activation_kind::softplus: f(spikernn::softplus{}); return;
    case activation_kind::clipped_relu: f(spikernn::clipped_relu{}); return;
  }
  throw invalid_parameter("act", "sigmoid, softplus or clipped_relu");
}

template <class S>
void step(const S* x_prev, const S* drive, const S* a, const S* noise, S noise_sd, S* x, S* r, int n, int batch,
          activation_kind act, void* stream) {
  const unsigned blocks = blocks_for(n, batch);
  if (blocks == 0) return;
  with_activation(act, [&](auto policy) {
    using Act = decltype(policy);
    rate_step_kernel<Act, S><<<blocks, threads_per_block, 0, static_cast<cudaStream_t>(stream)>>>(
        x_prev, drive, a, noise, noise_sd, x, r, n, batch);
  });
  check(cudaGetLastError(), "rate_step_kernel launch");
}

template <class S>
void adjoint(const S* x, const S* r, const S* d_r, const S* a, const S* d_x_next, S* d_x, S* a_d_x, int n, int batch,
             activation_kind act, void* stream) {
  const unsigned blocks = blocks_for(n, batch);
  if (blocks == 0) return;
  with_activation(act, [&](auto policy) {
    using Act = decltype(policy);
    rate_adjoint_kernel<Act, S><<<blocks, threads_per_block, 0, static_cast<cudaStream_t>(stream)>>>(
        x, r, d_r, a, d_x_next, d_x, a_d_x, n, batch);
  });
  check(cudaGetLastError(), "rate_adjoint_kernel launch");
}

}  // namespace

bool cuda_device_available() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clear it, so the next runtime call does not report it again
    return false;
  }
  return count > 0;
}

void rate_step_device(const float* x_prev, const float* drive, const float* a, const float* noise, float noise_sd,
                      float* x, float* r, int n, int batch, activation_kind act, void* stream) {
  step(x_prev, drive, a, noise, noise_sd, x, r, n, batch, act, stream);
}
void rate_step_device(const double* x_prev, const double* drive, const double* a, const double* noise,
                      double noise_sd, double* x, double* r, int n, int batch, activation_kind act, void* stream) {
  step(x_prev, drive, a, noise, noise_sd, x, r, n, batch, act, stream);
}

void rate_adjoint_device(const float* x, const float* r, const float* d_r, const float* a, const float* d_x_next,
                         float* d_x, float* a_d_x, int n, int batch, activation_kind act, void* stream) {
  adjoint(x, r, d_r, a, d_x_next, d_x, a_d_x, n, batch, act, stream);
}
void rate_adjoint_device(const double* x, const double* r, const double* d_r, const double* a,
                         const double* d_x_next, double* d_x, double* a_d_x, int n, int batch, activation_kind act,
                         void* stream) {
  adjoint(x, r, d_r, a, d_x_next, d_x, a_d_x, n, batch, act, stream);
}

}  // namespace spikernn::cuda
