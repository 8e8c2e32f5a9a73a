// One MAT file and a folder of .npy files written together: each named array goes both into
// the MAT file (for MATLAB and Octave) and into <npy_dir>/<name>.npy (for numpy), so users of
// either open the same values under the same names. The MAT file is written atomically on
// commit(); each .npy file atomically as it is put.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/types.hpp"
#include "spikernn/io/mat_writer.hpp"
#include "spikernn/io/npy.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace spikernn::io {

class array_sink {
 public:
  /// Opens `mat_path` for writing (see mat_writer) and creates `npy_dir` if needed.
  array_sink(const std::filesystem::path& mat_path, std::filesystem::path npy_dir)
      : mat_(mat_path), npy_dir_(std::move(npy_dir)) {
    std::filesystem::create_directories(npy_dir_);
  }

  /// The MAT variable and the .npy file `name`, with the matrix's shape and scalar type.
  template <class Derived>
  void put(const std::string& name, const Eigen::MatrixBase<Derived>& m) {
    const matrix<typename Derived::Scalar> copy = m;
    mat_.write(name, copy);
    write_npy(npy_dir_ / (name + ".npy"), copy);
  }

  /// A curve as a 1 × n row.
  void put(const std::string& name, const std::vector<double>& v) {
    put(name, Eigen::Map<const matrix<double>>(v.data(), 1, index_t(v.size())));
  }

  /// Settings and labels: in the MAT file only.
  void put_string(const std::string& name, const std::string& s) { mat_.write_string(name, s); }
  void put_int(const std::string& name, std::int64_t v) { mat_.write_int(name, v); }
  void put_scalar(const std::string& name, double v) { mat_.write_scalar(name, v); }

  /// Renames the MAT file into place (see mat_writer::commit).
  void commit() { mat_.commit(); }

  mat_writer& mat() { return mat_; }
  const std::filesystem::path& npy_dir() const { return npy_dir_; }

 private:
  mat_writer mat_;
  std::filesystem::path npy_dir_;
};

}  // namespace spikernn::io
