// What spikernn's two HDF5 users (the MAT v7.3 checks before matio reads, and the NIR files)
// share: HDF5's error printing turned off while they work, the message HDF5 left on its error
// stack, and handles that close themselves.
//
// Needs libhdf5: included only where a target linking it is (spikernn::matio with HDF5,
// spikernn::nir).
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

namespace spikernn::io::detail {

/// Turns HDF5's automatic error printing (the "HDF5-DIAG: Error detected in HDF5" stack on
/// stderr) off for its lifetime; failures reach the caller as return values.
class hdf5_quiet {
 public:
  hdf5_quiet() { saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0 && H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }
  ~hdf5_quiet() {
    if (saved_) H5Eset_auto2(H5E_DEFAULT, func_, data_);
  }
  hdf5_quiet(const hdf5_quiet&) = delete;
  hdf5_quiet& operator=(const hdf5_quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
  bool saved_ = false;
};

/// The first (innermost) message on HDF5's error stack, which says what went wrong; the stack
/// is cleared.
inline std::string hdf5_error_message() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        auto& m = *static_cast<std::string*>(out);
        if (m.empty() && e != nullptr && e->desc != nullptr) m = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? std::string("no reason given") : msg;
}

/// An HDF5 identifier closed by `Close` when it goes (negative ids, failures, are not closed).
template <herr_t (*Close)(hid_t)>
class hdf5_handle {
 public:
  hdf5_handle() = default;
  explicit hdf5_handle(hid_t id) : id_(id) {}
  hdf5_handle(hdf5_handle&& o) noexcept : id_(std::exchange(o.id_, -1)) {}
  hdf5_handle& operator=(hdf5_handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
    }
    return *this;
  }
  hdf5_handle(const hdf5_handle&) = delete;
  hdf5_handle& operator=(const hdf5_handle&) = delete;
  ~hdf5_handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
};

using h5_file = hdf5_handle<H5Fclose>;
using h5_group = hdf5_handle<H5Gclose>;
using h5_dataset = hdf5_handle<H5Dclose>;
using h5_space = hdf5_handle<H5Sclose>;
using h5_type = hdf5_handle<H5Tclose>;
using h5_plist = hdf5_handle<H5Pclose>;

}  // namespace spikernn::io::detail
