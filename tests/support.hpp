// Helpers shared by the test files.
#pragma once

#include <spikernn/core/error.hpp>
#include <spikernn/core/types.hpp>
#include <spikernn/train/interrupt.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace spikernn::testing {

/// The parameter an invalid_parameter thrown by f() names, or "" when f() does not throw one.
template <class F>
std::string refused(F&& f) {
  try {
    f();
  } catch (const invalid_parameter& e) {
    return e.parameter;
  }
  return "";
}

/// Central differences (h = 1e-6) of a loss over every entry of the outputs `o`.
template <class F>
matrix<double> numeric_gradient(matrix<double> o, F&& loss) {
  matrix<double> g(o.rows(), o.cols());
  const double h = 1e-6;
  for (index_t k = 0; k < o.size(); ++k) {
    const double keep = o(k);
    o(k) = keep + h;
    const double up = loss(o);
    o(k) = keep - h;
    const double down = loss(o);
    o(k) = keep;
    g(k) = (up - down) / (2 * h);
  }
  return g;
}

/// The whole content of a file (empty when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The names of the entries of a folder, in directory order.
inline std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// A fresh folder under the system's temporary directory, removed with everything in it when
/// the object goes (tests run in parallel: the name is random).
struct scratch_dir {
  explicit scratch_dir(const std::string& what = "test") {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("spikernn_" + what + "_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  std::filesystem::path path;
};

/// An engine hook that asks the run to checkpoint and stop after `at` steps, as Ctrl-C would.
struct interrupt_at {
  long at;
  template <class R>
  void after_step(const R& r) const {
    if (r.step + 1 == at) request_interrupt();
  }
};

}  // namespace spikernn::testing
