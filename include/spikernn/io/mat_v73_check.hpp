// What a MAT v7.3 (HDF5) file must pass before matio reads it: HDF5 opens and lists it (with its
// error printing off), and no dataset declares more data than the file could hold; and the guard
// that keeps HDF5 quiet while matio reads.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/io/deflate_limit.hpp"
#include "spikernn/io/mat_layout.hpp"

// matio reads MAT v7.3 files through HDF5, whose errors print to stderr by default; the reader
// turns that off while it reads. Define SPIKERNN_HAS_HDF5=0 where hdf5.h is found but libhdf5 is
// not linked (CMake does so for spikernn::matio when matio was built without HDF5).
#if defined(SPIKERNN_HAS_HDF5)
#define SPIKERNN_DETAIL_MAT_HDF5 SPIKERNN_HAS_HDF5
#elif defined(__has_include)
#if __has_include(<hdf5.h>)
#define SPIKERNN_DETAIL_MAT_HDF5 1
#endif
#endif
#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
#include "spikernn/io/hdf5_support.hpp"
#endif

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace spikernn::io::detail {

/// The most data a MAT v7.3 file of `file_size` bytes can hold (see deflate_max_ratio): matio
/// allocates from declared dimensions before it reads anything, so nothing may declare more.
constexpr std::uintmax_t v73_capacity(std::uintmax_t file_size) noexcept { return deflate_max_ratio * file_size; }

#if defined(SPIKERNN_DETAIL_MAT_HDF5) && SPIKERNN_DETAIL_MAT_HDF5
/// Why dataset `name` (open as `d`) is refused, or "": it may not declare more data than a file
/// of `file_size` bytes could hold compressed (v73_capacity).
inline std::string v73_dataset_problem(hid_t d, const std::string& name, std::uintmax_t file_size) {
  const std::uintmax_t cap = v73_capacity(file_size);
  const hid_t space = H5Dget_space(d), type = H5Dget_type(d);
  const int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
  std::string problem;
  if (rank > static_cast<int>(mat_max_rank)) {
    problem = "'" + printable_name(name) + "' has " + std::to_string(rank) + " dimensions";
  } else if (rank > 0 && type >= 0) {
    hsize_t dims[mat_max_rank] = {};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    const std::uintmax_t width = std::max<std::uintmax_t>(1, H5Tget_size(type));
    std::uintmax_t count = width;
    bool over = false;
    std::string shape;  // as MATLAB shows it: HDF5 stores the dimensions in reverse
    for (int k = 0; k < rank; ++k) {
      shape = std::to_string(dims[k]) + (k ? "×" : "") + shape;
      if (dims[k] == 0) count = 0;
      else if (count > cap / dims[k]) over = true;
      else count *= dims[k];
    }
    if (over && count != 0)
      problem = "'" + printable_name(name) + "' declares " + shape + " elements of " + std::to_string(width) +
                " bytes, more than a file of " + std::to_string(file_size) + " bytes can hold even compressed";
  }
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  return problem;
}

/// The variables of a MAT v7.3 file as HDF5 lists them: the root group's members, without
/// MATLAB's own "#refs#" and "#subsystem#". matio skips a member it cannot describe and stops
/// listing at some errors, so the reader compares its list with this one. Every dataset in the
/// file (variables, struct fields, the cell elements under "#refs#") is checked with
/// v73_dataset_problem before matio sees the file. Returns "" or why the file is refused.
inline std::string v73_variables(const std::filesystem::path& path, std::vector<std::string>& names) {
  struct scan {
    std::vector<std::string> names;
    std::uintmax_t size = 0;
    std::size_t objects = 0;
    std::string problem;
  } s;
  std::error_code ec;
  s.size = std::filesystem::file_size(path, ec);
  if (ec) s.size = 0;
  const hid_t file = H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return "HDF5 cannot open it: " + hdf5_error_message();
  hsize_t at = 0;
  herr_t rc = H5Literate(
      file, H5_INDEX_NAME, H5_ITER_NATIVE, &at,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        auto& sc = *static_cast<scan*>(out);
        if (name == nullptr) return -1;
        const std::string n = name;
        if (n == "#refs#" || n == "#subsystem#") return 0;
        sc.names.push_back(n);
        if (sc.names.size() > 1000000) {
          sc.problem = "HDF5 lists more than a million variables (damaged group)";
          return 1;
        }
        return 0;
      },
      &s);
  if (rc >= 0 && s.problem.empty())
    rc = H5Lvisit(
        file, H5_INDEX_NAME, H5_ITER_NATIVE,
        [](hid_t group, const char* name, const H5L_info_t*, void* out) -> herr_t {
          auto& sc = *static_cast<scan*>(out);
          if (name == nullptr) return -1;
          if (++sc.objects > 10000000) {
            sc.problem = "HDF5 lists more than ten million objects (damaged groups)";
            return 1;
          }
          const hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
          if (d < 0) {  // a group (a struct), or an object matio's reading will refuse
            H5Eclear2(H5E_DEFAULT);
            return 0;
          }
          sc.problem = v73_dataset_problem(d, name, sc.size);
          H5Dclose(d);
          H5Eclear2(H5E_DEFAULT);
          return sc.problem.empty() ? 0 : 1;
        },
        &s);
  std::string problem = s.problem.empty() ? "" : "dataset " + s.problem;
  if (s.problem.rfind("HDF5", 0) == 0) problem = s.problem;
  if (rc < 0 && problem.empty()) problem = "HDF5 cannot list its variables: " + hdf5_error_message();
  H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
  names = std::move(s.names);
  return problem;
}
#else
class hdf5_quiet {};
#endif

}  // namespace spikernn::io::detail
