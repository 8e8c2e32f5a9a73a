// GPU test of the spikernn::cuda kernels: runs the Euler step and its adjoint on a device and
// compares them, element by element, with neuron/rate_unit.hpp evaluated on the CPU (the maths
// the doctest suite checks). The argument checks need no device; the rest exits 77 — CTest's
// "skipped" for this test — when no CUDA device is present.
#include <spikernn/activation/activation.hpp>
#include <spikernn/backend/cuda/rate_step.hpp>
#include <spikernn/core/error.hpp>
#include <spikernn/neuron/rate_unit.hpp>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace sc = spikernn::cuda;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

void cuda_ok(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw spikernn::error(std::string(what) + ": " + cudaGetErrorString(status));
}

/// A device copy of a host vector, freed on scope exit.
template <class S>
class device_buffer {
 public:
  explicit device_buffer(const std::vector<S>& host) : size_(host.size()) {
    cuda_ok(cudaMalloc(reinterpret_cast<void**>(&ptr_), bytes()), "cudaMalloc");
    cuda_ok(cudaMemcpy(ptr_, host.data(), bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  ~device_buffer() { cudaFree(ptr_); }
  S* get() const { return ptr_; }
  std::vector<S> to_host() const {
    std::vector<S> out(size_);
    cuda_ok(cudaMemcpy(out.data(), ptr_, bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
    return out;
  }

 private:
  std::size_t bytes() const { return size_ * sizeof(S); }
  S* ptr_ = nullptr;
  std::size_t size_;
};

template <class S>
std::vector<S> uniform(std::mt19937_64& g, std::size_t count, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<S> out(count);
  for (auto& v : out) v = static_cast<S>(d(g));
  return out;
}

/// Device and host results agree to a few ulp of S (device exp/log1p are not glibc's).
template <class S>
void expect_close(const std::vector<S>& gpu, const std::vector<S>& cpu, const std::string& what) {
  const double tol = sizeof(S) == sizeof(float) ? 1e-5 : 1e-12;
  double worst = 0;
  for (std::size_t k = 0; k < cpu.size(); ++k) {
    const double err = std::abs(double(gpu[k]) - double(cpu[k])) / std::max(1.0, std::abs(double(cpu[k])));
    worst = std::max(worst, std::isfinite(err) ? err : 1e300);
  }
  expect(worst <= tol, what + ": max relative error " + std::to_string(worst));
}

template <class Act, class S>
void check_kernels(sc::activation_kind kind) {
  const std::string name = std::string(Act::name) + (sizeof(S) == sizeof(float) ? "<float>" : "<double>");
  constexpr int n = 37, batch = 5;  // not a multiple of the block size
  const std::size_t total = std::size_t(n) * batch;
  std::mt19937_64 g(42);
  // Drives up to 30 reach the ceiling of softplus and clipped_relu; negatives reach relu's floor.
  const auto x_prev = uniform<S>(g, total, -3, 3);
  const auto drive = uniform<S>(g, total, -10, 30);
  const auto a = uniform<S>(g, n, 0.05, 0.5);
  const auto noise = uniform<S>(g, total, -2, 2);
  const auto d_r = uniform<S>(g, total, -1, 1);
  const auto d_x_next = uniform<S>(g, total, -1, 1);
  const S noise_sd = S(0.1);

  std::vector<S> x(total), r(total), x_quiet(total), d_x(total), a_d_x(total);
  for (std::size_t k = 0; k < total; ++k) {
    const S ak = a[k % n];
    x[k] = spikernn::rate_unit_step<Act>(x_prev[k], drive[k], ak, noise_sd * noise[k]);
    r[k] = spikernn::rate_unit_rate<Act>(x[k]);
    x_quiet[k] = spikernn::rate_unit_step<Act>(x_prev[k], drive[k], ak, S(0));
    d_x[k] = spikernn::rate_unit_adjoint<Act>(x[k], r[k], d_r[k], ak, d_x_next[k]);
    a_d_x[k] = ak * d_x[k];
  }

  const std::vector<S> zeros(total, S(0));
  const device_buffer<S> dev_x_prev(x_prev), dev_drive(drive), dev_a(a), dev_noise(noise), dev_d_r(d_r),
      dev_d_x_next(d_x_next), dev_x(zeros), dev_r(zeros), dev_d_x(zeros), dev_a_d_x(zeros);

  sc::rate_step_device(dev_x_prev.get(), dev_drive.get(), dev_a.get(), dev_noise.get(), noise_sd, dev_x.get(),
                       dev_r.get(), n, batch, kind);
  expect_close(dev_x.to_host(), x, name + " step x");
  expect_close(dev_r.to_host(), r, name + " step r");

  sc::rate_step_device(dev_x_prev.get(), dev_drive.get(), dev_a.get(), static_cast<const S*>(nullptr), noise_sd,
                       dev_x.get(), dev_r.get(), n, batch, kind);
  expect_close(dev_x.to_host(), x_quiet, name + " step x without noise");

  // The adjoint reads x and r as the forward step left them on the device.
  sc::rate_step_device(dev_x_prev.get(), dev_drive.get(), dev_a.get(), dev_noise.get(), noise_sd, dev_x.get(),
                       dev_r.get(), n, batch, kind);
  sc::rate_adjoint_device(dev_x.get(), dev_r.get(), dev_d_r.get(), dev_a.get(), dev_d_x_next.get(), dev_d_x.get(),
                          dev_a_d_x.get(), n, batch, kind);
  expect_close(dev_d_x.to_host(), d_x, name + " adjoint d_x");
  expect_close(dev_a_d_x.to_host(), a_d_x, name + " adjoint a·d_x");

  // In place: d_x written over d_x_next, no a·d_x wanted.
  sc::rate_adjoint_device(dev_x.get(), dev_r.get(), dev_d_r.get(), dev_a.get(), dev_d_x_next.get(),
                          dev_d_x_next.get(), static_cast<S*>(nullptr), n, batch, kind);
  expect_close(dev_d_x_next.to_host(), d_x, name + " adjoint in place");
}

/// Argument checks run before any CUDA call, so they need no device.
void check_arguments() {
  float* none = nullptr;
  bool threw = false;
  try {
    sc::rate_step_device(none, none, none, none, 0.1f, none, none, -1, 1, sc::activation_kind::sigmoid);
  } catch (const spikernn::invalid_parameter&) {
    threw = true;
  }
  expect(threw, "a negative size is refused");
  // Nothing to do is not an error (and launches nothing).
  sc::rate_step_device(none, none, none, none, 0.1f, none, none, 0, 4, sc::activation_kind::sigmoid);
  sc::rate_adjoint_device(none, none, none, none, none, none, none, 7, 0, sc::activation_kind::softplus);
}

}  // namespace

int main() {
  try {
    check_arguments();
    if (failures > 0) return 1;
    if (!sc::cuda_device_available()) {
      std::printf("gpu.rate_step: no CUDA device, skipped\n");
      return 77;
    }
    check_kernels<spikernn::sigmoid, float>(sc::activation_kind::sigmoid);
    check_kernels<spikernn::softplus, float>(sc::activation_kind::softplus);
    check_kernels<spikernn::clipped_relu, float>(sc::activation_kind::clipped_relu);
    check_kernels<spikernn::sigmoid, double>(sc::activation_kind::sigmoid);
    check_kernels<spikernn::softplus, double>(sc::activation_kind::softplus);
    check_kernels<spikernn::clipped_relu, double>(sc::activation_kind::clipped_relu);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAILED: %s\n", e.what());
    return 1;
  }
  std::printf("gpu.rate_step: %s\n", failures == 0 ? "all checks passed" : "FAILED");
  return failures == 0 ? 0 : 1;
}
