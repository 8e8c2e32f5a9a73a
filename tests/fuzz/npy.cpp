// Fuzz target of the NPY reader: every element type read_npy supports, and read_npy_matrix.
// A clean spikernn::error is a pass; a crash, leak, sanitizer report or timeout is a finding.
#include "spikernn/io/npy.hpp"

#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>

namespace {

template <class T>
void read_as(const std::filesystem::path& p) {
  try {
    const auto a = spikernn::io::read_npy<T>(p);
    std::size_t n = 1;
    for (auto d : a.shape) n *= d;
    if (n != a.data.size()) __builtin_trap();  // shape and data disagree
  } catch (const spikernn::error&) {
  }
  try {
    const auto m = spikernn::io::read_npy_matrix<T>(p);
    if (m.rows() < 0 || m.cols() < 0) __builtin_trap();
  } catch (const spikernn::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static spikernn::fuzz::input_file file("npy", ".npy");
  const auto& p = file.write(data, size);
  read_as<float>(p);
  read_as<double>(p);
  read_as<std::int32_t>(p);
  read_as<std::int64_t>(p);
  read_as<std::uint8_t>(p);
  read_as<bool>(p);
  return 0;
}
