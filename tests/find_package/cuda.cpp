// Links the installed spikernn::cuda and asks the CUDA runtime for a device: the exported target
// brings its kernels and the runtime with it. Exits 0 with or without a GPU.
#include <spikernn/backend/cuda/rate_step.hpp>

#include <cstdio>

int main() {
  std::printf("CUDA device: %s\n", spikernn::cuda::cuda_device_available() ? "yes" : "no");
  return 0;
}
