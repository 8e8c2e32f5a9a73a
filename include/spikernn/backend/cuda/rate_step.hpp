// Host entry points of the CUDA rate-RNN kernels (the spikernn::cuda target). A plain C++
// header: it names no CUDA type, so host code compiled by any C++ compiler can call the kernels
// in cuda/rate_step.cu. Every pointer is a device pointer; N × B blocks are column-major like
// Eigen's (element i + n·b is unit i of trial b), so an Eigen matrix's data() copies as it is.
// Launches are asynchronous on `stream` (a cudaStream_t, nullptr = the default stream): launch
// errors throw spikernn::error at once, faults inside a kernel at the next synchronising call.
#pragma once

namespace spikernn::cuda {

/// Which activation φ a kernel applies (the policies of activation/activation.hpp).
enum class activation_kind { sigmoid, softplus, clipped_relu };

/// True when the CUDA runtime finds at least one usable device (false without a driver).
bool cuda_device_available();

/// One Euler step over N units × B trials (see rate_unit_step):
///   x = (1 − a)·x_prev + a·drive + noise_sd·noise,  r = φ(x),
/// with a[N] = dt/τ per unit and noise[N×B] standard normals (nullptr: no noise).
void rate_step_device(const float* x_prev, const float* drive, const float* a, const float* noise, float noise_sd,
                      float* x, float* r, int n, int batch, activation_kind act, void* stream = nullptr);
void rate_step_device(const double* x_prev, const double* drive, const double* a, const double* noise,
                      double noise_sd, double* x, double* r, int n, int batch, activation_kind act,
                      void* stream = nullptr);

/// One adjoint step over N units × B trials (see rate_unit_adjoint):
///   d_x = φ'(x, r)·d_r + (1 − a)·d_x_next,
/// and, when a_d_x is not nullptr, a_d_x = a·d_x (the drive's adjoint, for the weight gradient).
/// d_x may alias d_x_next (each element is read before it is written).
void rate_adjoint_device(const float* x, const float* r, const float* d_r, const float* a, const float* d_x_next,
                         float* d_x, float* a_d_x, int n, int batch, activation_kind act, void* stream = nullptr);
void rate_adjoint_device(const double* x, const double* r, const double* d_r, const double* a,
                         const double* d_x_next, double* d_x, double* a_d_x, int n, int batch, activation_kind act,
                         void* stream = nullptr);

}  // namespace spikernn::cuda
