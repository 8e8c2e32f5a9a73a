// What the training programs (spikernn-glifr, spikernn-smnn) share for their output files: a
// sink that writes each named array both into one MAT file and as npy/<name>.npy, so MATLAB,
// Octave and numpy users open the same values under the same names.
#pragma once

#include <spikernn/io/mat_file.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/train/checkpoint.hpp>

#include <filesystem>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

namespace spikernn::programs {

struct param_sink {
  io::mat_writer mat;
  std::filesystem::path npy_dir;

  /// The MAT variable and the .npy file `name`, with the matrix's shape.
  template <class Derived>
  void put(const std::string& name, const Eigen::MatrixBase<Derived>& m) {
    const matrix<typename Derived::Scalar> copy = m;
    mat.write(name, copy);
    io::write_npy(npy_dir / (name + ".npy"), copy);
  }

  /// A curve as a 1 × n row.
  void put(const std::string& name, const std::vector<double>& v) {
    put(name, Eigen::Map<const matrix<double>>(v.data(), 1, index_t(v.size())));
  }
};

/// The curves a program's training hook keeps across a resume, saved and loaded by name.
inline void save_curves(checkpoint_section& ck,
                        std::initializer_list<std::pair<const char*, const std::vector<double>*>> curves) {
  for (const auto& [name, v] : curves) ck.put(name, *v);
}
inline void load_curves(const checkpoint_section& ck,
                        std::initializer_list<std::pair<const char*, std::vector<double>*>> curves) {
  for (const auto& [name, v] : curves) *v = ck.get_doubles(name);
}

}  // namespace spikernn::programs
