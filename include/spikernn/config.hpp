// Compile-time configuration: the host/device qualifier that lets one maths source serve the
// CPU loops and the CUDA kernels (as EIGEN_DEVICE_FUNC does for Eigen), and the version.
#pragma once

#if defined(__CUDACC__)
#define SPIKERNN_HD __host__ __device__
#else
#define SPIKERNN_HD
#endif

#define SPIKERNN_VERSION_MAJOR 0
#define SPIKERNN_VERSION_MINOR 1
#define SPIKERNN_VERSION_PATCH 0
