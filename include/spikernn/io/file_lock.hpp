// An exclusive advisory lock on a file for the time a program works on it, so that two programs
// that would read a file, work, then rewrite it (two spikernn-search runs on one model) cannot
// both succeed: the second is refused at once, instead of one result being silently dropped.
// The lock is flock(2) on the file itself (no lock files left behind); it protects against other
// spikernn programs, not against tools that ignore advisory locks, which is why the holder also
// checks, before it rewrites the file, that the path still names the file it locked.
#pragma once

#include "spikernn/core/error.hpp"

#include <filesystem>
#include <string>

#if !defined(_WIN32)
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace spikernn::io {

class exclusive_file_lock {
 public:
  /// Locks `path` or throws file_error naming it: "in use by another process (`what`)".
  exclusive_file_lock(std::filesystem::path path, const std::string& what) : path_(std::move(path)) {
#if !defined(_WIN32)
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) throw file_error(path_.string(), std::string("cannot be opened: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw file_error(path_.string(), "is not a regular file");
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      if (err == EWOULDBLOCK) throw file_error(path_.string(), "in use by another process (" + what + "); try again when it is done");
      throw file_error(path_.string(), std::string("cannot be locked: ") + std::strerror(err));
    }
    device_ = st.st_dev;
    inode_ = st.st_ino;
#else
    (void)what;
#endif
  }
  exclusive_file_lock(const exclusive_file_lock&) = delete;
  exclusive_file_lock& operator=(const exclusive_file_lock&) = delete;
  ~exclusive_file_lock() {
#if !defined(_WIN32)
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
#endif
  }

  /// Throws file_error unless the path still names the file that was locked (nobody replaced
  /// or removed it meanwhile).
  void require_unchanged() const {
#if !defined(_WIN32)
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_)
      throw file_error(path_.string(), "was replaced or removed by another process while this one worked on it; "
                                       "nothing was written");
#endif
  }

 private:
  std::filesystem::path path_;
#if !defined(_WIN32)
  int fd_ = -1;
  dev_t device_{};
  ino_t inode_{};
#endif
};

}  // namespace spikernn::io
