// Writing MAT files: mat_writer writes typed variables (matrices, logical vectors, strings,
// cell arrays of strings, char matrices) into a temporary file and renames it into place on
// commit(), after reading it back, so an interrupted or failed save never leaves a half file
// and never replaces the old one.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/io/atomic_file.hpp"
#include "spikernn/io/mat_layout.hpp"
#include "spikernn/io/mat_reader.hpp"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace spikernn::io {

/// Writes a MAT v5 file (readable by MATLAB, Octave, scipy.io.loadmat) under a temporary name;
/// commit() closes it and renames it into place. Destroying an uncommitted writer removes the
/// temporary, so an interrupted save never leaves a half file and never touches the old one.
class mat_writer {
 public:
  /// Opens a temporary next to `path` (whose directory must exist). With `compress`, variables
  /// are zlib-compressed when this matio build supports it (see zlib_available()).
  explicit mat_writer(std::filesystem::path path, bool compress = true)
      : tmp_(std::move(path)),
        compression_(compress && zlib_available() ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE) {
    mat_.reset(Mat_CreateVer(tmp_.temp_path().string().c_str(), nullptr, MAT_FT_MAT5));
    if (!mat_)
      throw file_error(str(), "cannot create temporary file '" + tmp_.temp_path().string() + "'");
  }

  mat_writer(const mat_writer&) = delete;
  mat_writer& operator=(const mat_writer&) = delete;
  mat_writer(mat_writer&&) noexcept = default;
  // No move assignment: it would drop the old temporary before closing the old file.
  mat_writer& operator=(mat_writer&&) = delete;
  // Members close the file (mat_) before removing the temporary (tmp_): see their order.
  ~mat_writer() = default;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return tmp_.final_path(); }
  [[nodiscard]] bool compressed() const noexcept { return compression_ == MAT_COMPRESSION_ZLIB; }
  [[nodiscard]] bool has(const std::string& name) const { return written_.count(name) != 0; }

  /// A dense matrix or array, rows×cols, in its own element class: float → single,
  /// double → double, integers → the int/uint class of the same size, bool → logical.
  template <class Derived>
  void write(const std::string& name, const Eigen::DenseBase<Derived>& m) {
    using T = typename Derived::Scalar;
    static_assert(detail::mat_element<T>, "MAT files hold arithmetic element types only");
    if constexpr (std::is_same_v<T, bool>) {
      const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> u8 =
          m.derived().template cast<std::uint8_t>();
      write_numeric(name, u8.data(), {size(u8.rows()), size(u8.cols())}, true);
    } else {
      // Evaluating into a plain column-major matrix handles expressions and row-major input.
      const spikernn::matrix<T> plain = m.derived();
      write_numeric(name, plain.data(), {size(plain.rows()), size(plain.cols())}, false);
    }
  }

  /// An N-d array of `dims` (column-major: first index fastest, as MATLAB and Fortran store
  /// them); e.g. a T×N×1 trajectory. One dimension {n} is written as n×1.
  template <detail::mat_element T>
  void write_array(const std::string& name, const T* data, std::vector<std::size_t> dims) {
    if (dims.empty()) dims = {1, 1};
    if (dims.size() == 1) dims.push_back(1);
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<std::uint8_t> u8(data, data + detail::numel(dims));
      write_numeric(name, u8.data(), std::move(dims), true);
    } else {
      write_numeric(name, data, std::move(dims), false);
    }
  }

  /// An N×1 logical (uint8 with MATLAB's logical flag).
  void write_logical(const std::string& name, const Eigen::Array<bool, Eigen::Dynamic, 1>& v) {
    write(name, v);
  }

  /// A 1×1 double.
  void write_scalar(const std::string& name, double v) { write_numeric(name, &v, {1, 1}, false); }

  /// A 1×1 int64.
  void write_int(const std::string& name, std::int64_t v) { write_numeric(name, &v, {1, 1}, false); }

  /// A 1×len char row (0×0 when empty, like MATLAB's ''). `s` is UTF-8.
  void write_string(const std::string& name, const std::string& s) {
    check_new_name(name);
    detail::var_ptr var = make_char(name.c_str(), s, name);
    write_var(*var, name);
  }

  /// A 1×n cell of char rows, what scipy.io.savemat writes for an object array of str and what
  /// MATLAB calls a cellstr.
  void write_strings(const std::string& name, const std::vector<std::string>& v) {
    check_new_name(name);
    std::size_t dims[2] = {v.empty() ? std::size_t{0} : std::size_t{1}, v.size()};
    detail::var_ptr cell(Mat_VarCreate(name.c_str(), MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0));
    if (!cell) throw file_error(str(), "variable '" + name + "': matio could not create a cell");
    for (std::size_t i = 0; i < v.size(); ++i) {
      detail::var_ptr elem = make_char(nullptr, v[i], name);
      // The cell takes ownership of the element (Mat_VarFree of the cell frees it).
      Mat_VarSetCell(cell.get(), static_cast<int>(i), elem.release());
    }
    write_var(*cell, name);
  }

  /// An n×len char matrix, one string per row, shorter rows padded with blanks (MATLAB's char()):
  /// what scipy.io.savemat writes for a list of str, e.g. the original's XOR eval_labels.
  /// mat_reader::strings() reads it back without the padding. `rows` are UTF-8.
  void write_char_matrix(const std::string& name, const std::vector<std::string>& rows) {
    check_new_name(name);
    std::vector<std::vector<char32_t>> cps(rows.size());
    std::size_t width = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (!detail::utf8_decode(rows[r].data(), rows[r].size(), cps[r]))
        throw file_error(str(), "variable '" + name + "': row " + std::to_string(r) + " is not valid UTF-8");
      width = std::max(width, cps[r].size());
    }
    // miUTF8 in column-major character order, as make_char; nbytes counts the real bytes.
    std::string bytes;
    for (std::size_t c = 0; c < width; ++c)
      for (const auto& row : cps) detail::append_utf8(bytes, c < row.size() ? row[c] : U' ');
    std::size_t dims[2] = {width == 0 ? std::size_t{0} : rows.size(), width};
    detail::var_ptr var(Mat_VarCreate(name.c_str(), MAT_C_CHAR, MAT_T_UTF8, 2, dims,
                                      bytes.empty() ? nullptr : bytes.data(), MAT_F_DONT_COPY_DATA));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create a char array");
    var->nbytes = bytes.size();
    write_var(*var, name);
  }

  /// Closes the file and renames it over path(). Nothing can be written afterwards.
  /// With on_existing::refuse an existing file at path() — another run's — is kept and
  /// file_error thrown (see atomic_path::commit).
  void commit(on_existing existing = on_existing::replace) {
    if (!mat_) throw file_error(str(), committed_ ? "already committed" : "writer is closed");
    if (failed_) throw file_error(str(), "an earlier write failed, refusing to commit");
    const int err = Mat_Close(mat_.release());
    if (err != 0) {
      failed_ = true;
      throw file_error(str(), "error while closing '" + tmp_.temp_path().string() + "' (matio code " +
                                  std::to_string(err) + ")");
    }
    // matio reports success even when the disk filled up under it, so read the temporary back
    // before it replaces anything: every variable written must be there and readable.
    std::vector<std::string> back;
    try {
      back = mat_reader(tmp_.temp_path()).names();
    } catch (const std::exception& e) {
      failed_ = true;
      throw file_error(str(), std::string("the written file does not read back: ") + e.what());
    }
    for (const auto& name : written_)
      if (std::find(back.begin(), back.end(), name) == back.end()) {
        failed_ = true;
        throw file_error(str(), "variable '" + name + "' did not reach the disk (disk full?); the old file is kept");
      }
    tmp_.commit(existing);
    committed_ = true;
  }

  /// Whether this matio build writes zlib-compressed variables. matio exposes no query, so this
  /// writes, once per process, a small compressed probe file in the temporary directory and
  /// checks that it reads back compressed and correct; any failure means "write uncompressed",
  /// which every MAT reader handles.
  static bool zlib_available() {
    static const bool available = [] {
      std::error_code ec;
      const auto dir = std::filesystem::temp_directory_path(ec);
      if (ec) return false;
      try {
        atomic_path probe(dir / "spikernn_zlib_probe.mat");
        const std::string file = probe.temp_path().string();
        double x = 42.5;
        {
          detail::mat_ptr m(Mat_CreateVer(file.c_str(), nullptr, MAT_FT_MAT5));
          if (!m) return false;
          std::size_t dims[2] = {1, 1};
          detail::var_ptr v(
              Mat_VarCreate("x", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, &x, MAT_F_DONT_COPY_DATA));
          if (!v || Mat_VarWrite(m.get(), v.get(), MAT_COMPRESSION_ZLIB) != 0) return false;
          if (Mat_Close(m.release()) != 0) return false;
        }
        detail::mat_ptr m(Mat_Open(file.c_str(), MAT_ACC_RDONLY));
        if (!m) return false;
        detail::var_ptr v(Mat_VarReadNext(m.get()));
        return v && v->compression == MAT_COMPRESSION_ZLIB && v->class_type == MAT_C_DOUBLE &&
               v->data != nullptr && *static_cast<const double*>(v->data) == x;
      } catch (const std::exception&) {
        return false;
      }  // probe's destructor removes the file
    }();
    return available;
  }

 private:
  friend class mat_reader;

  std::string str() const { return path().string(); }

  static std::size_t size(Eigen::Index n) { return static_cast<std::size_t>(n); }

  void check_open() const {
    if (!mat_) throw file_error(str(), committed_ ? "already committed, cannot write" : "writer is closed");
    if (failed_) throw file_error(str(), "an earlier write failed");
  }

  void check_new_name(const std::string& name) const {
    check_open();
    if (!detail::valid_name(name))
      throw file_error(str(), "variable name '" + name +
                                  "' is not a valid MATLAB name (a letter, then letters, digits "
                                  "or '_', at most 63 characters)");
    if (has(name)) throw file_error(str(), "variable '" + name + "' written twice");
  }

  template <class T>
  void write_numeric(const std::string& name, const T* data, std::vector<std::size_t> dims,
                     bool logical) {
    check_new_name(name);
    for (std::size_t d : dims)
      if (d > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw file_error(str(), "variable '" + name + "': dimension " + std::to_string(d) +
                                    " exceeds the MAT v5 limit of 2^31-1");
    // DONT_COPY_DATA: matio reads straight from our buffer and Mat_VarFree leaves it alone.
    // matio's API is not const-correct; it does not modify the data it writes.
    const int opt = MAT_F_DONT_COPY_DATA | (logical ? MAT_F_LOGICAL : 0);
    detail::var_ptr var(Mat_VarCreate(name.c_str(), detail::class_of<T>(), detail::type_of<T>(),
                                      static_cast<int>(dims.size()), dims.data(),
                                      const_cast<T*>(data), opt));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create it");
    write_var(*var, name);
  }

  /// A 1×n char row holding `bytes` (UTF-8) as miUTF8, with n counted in characters: the
  /// layout scipy.io.savemat writes and MATLAB reads (uncompressed if non-ASCII, see
  /// detail::has_multibyte_chars). (matio's own UTF-16 path, miUINT16, is
  /// what MATLAB writes, but scipy.io.loadmat decodes miUINT16 chars as single bytes by default
  /// and mangles anything outside Latin-1.) `bytes` must outlive the write: matio does not copy.
  detail::var_ptr make_char(const char* var_name, const std::string& bytes, const std::string& name) {
    std::vector<char32_t> cps;
    if (!detail::utf8_decode(bytes.data(), bytes.size(), cps))
      throw file_error(str(), "variable '" + name + "': string is not valid UTF-8");
    std::size_t dims[2] = {cps.empty() ? std::size_t{0} : std::size_t{1}, cps.size()};
    detail::var_ptr var(Mat_VarCreate(var_name, MAT_C_CHAR, MAT_T_UTF8, 2, dims,
                                      cps.empty() ? nullptr : const_cast<char*>(bytes.data()),
                                      MAT_F_DONT_COPY_DATA));
    if (!var) throw file_error(str(), "variable '" + name + "': matio could not create a char array");
    // matio sizes the data as characters × 1 byte; a multi-byte character needs the real count.
    var->nbytes = bytes.size();
    return var;
  }

  /// Writes `var` under `name`; the hook mat_reader::copy_all_except uses for raw copies.
  void write_var(matvar_t& var, const std::string& name) {
    check_open();
    if (has(name)) throw file_error(str(), "variable '" + name + "' written twice");
    const matio_compression compression =
        detail::has_multibyte_chars(var) ? MAT_COMPRESSION_NONE : compression_;
    const int err = Mat_VarWrite(mat_.get(), &var, compression);
    if (err != 0) {
      failed_ = true;  // the file may hold a partial variable now
      throw file_error(str(), "variable '" + name + "': matio failed to write it (code " +
                                  std::to_string(err) + "; a MAT v5 variable is limited to 2 GiB)");
    }
    written_.insert(name);
  }

  // Order matters: members are destroyed in reverse, so mat_ is closed before tmp_ deletes the
  // temporary file.
  atomic_path tmp_;
  matio_compression compression_;
  detail::mat_ptr mat_;
  std::set<std::string> written_;
  bool failed_ = false;
  bool committed_ = false;
};

}  // namespace spikernn::io
