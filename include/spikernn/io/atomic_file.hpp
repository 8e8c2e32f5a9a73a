// atomic_path: write a file under a temporary name next to its final path, then rename it into
// place, so that readers (and a crash) only ever see the old file or the complete new one. A
// commit can also refuse to replace a file that appeared meanwhile (another run's), and the
// temporaries that crashed runs left beside a file are removed the next time it is written.
#pragma once

#include "spikernn/core/error.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#if defined(_WIN32)
#include <process.h>
#else
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace spikernn::io {

/// What commit() does when the final path exists.
enum class on_existing {
  replace,  ///< rename over it (the file is ours: a model rewritten with its search, a table that grows)
  refuse,   ///< keep it and throw: a new file must never replace one another run wrote
};

/// RAII owner of a temporary path in the directory of `final_path`.
///
/// Write the content to temp_path() by any means, then call commit(): the temporary is renamed
/// over the final path (std::filesystem::rename, atomic on POSIX within one directory, which is
/// why the temporary lives next to the target and not in /tmp). If commit() is never reached,
/// e.g. because an exception unwinds, the destructor removes the temporary and the final path is
/// left exactly as it was.
///
/// The parent directory must already exist; creating it is the caller's decision.
class atomic_path {
 public:
  explicit atomic_path(std::filesystem::path final_path) : final_(std::move(final_path)) {
    namespace fs = std::filesystem;
    if (final_.empty()) throw file_error(final_.string(), "empty output path");
    if (!final_.has_filename())
      throw file_error(final_.string(), "output path names a directory, not a file");
    const fs::path dir = final_.has_parent_path() ? final_.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw file_error(final_.string(), "directory '" + dir.string() + "' does not exist");
    if (fs::is_directory(final_, ec))
      throw file_error(final_.string(), "is a directory, cannot be replaced by a file");
    remove_stale_temporaries();
    // pid + process-wide counter make the name unique among concurrent writers; the loop only
    // matters if a crashed process with a recycled pid left a temporary behind.
    do {
      temp_ = final_;
      temp_ += ".tmp." + std::to_string(process_id()) + "." + std::to_string(next_counter());
    } while (fs::exists(fs::symlink_status(temp_, ec)));
  }

  atomic_path(const atomic_path&) = delete;
  atomic_path& operator=(const atomic_path&) = delete;

  atomic_path(atomic_path&& other) noexcept
      : final_(std::move(other.final_)),
        temp_(std::move(other.temp_)),
        live_(std::exchange(other.live_, false)),
        committed_(other.committed_) {}

  atomic_path& operator=(atomic_path&& other) noexcept {
    if (this != &other) {
      discard();
      final_ = std::move(other.final_);
      temp_ = std::move(other.temp_);
      live_ = std::exchange(other.live_, false);
      committed_ = other.committed_;
    }
    return *this;
  }

  ~atomic_path() { discard(); }

  [[nodiscard]] const std::filesystem::path& final_path() const noexcept { return final_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const noexcept { return temp_; }
  [[nodiscard]] bool committed() const noexcept { return committed_; }

  /// Flushes the temporary to disk and renames it over the final path. Throws file_error if
  /// the temporary was never written, was already committed, or the rename fails (in which case
  /// the destructor still removes the temporary). With on_existing::refuse a file at the final
  /// path, even one created a moment ago by another process, is kept and file_error thrown: the
  /// temporary is linked under the final name, which fails when the name exists, so two
  /// writers cannot both succeed.
  void commit(on_existing existing = on_existing::replace) {
    namespace fs = std::filesystem;
    if (committed_) throw file_error(final_.string(), "already committed");
    if (!live_) throw file_error(final_.string(), "temporary was discarded, nothing to commit");
    std::error_code ec;
    if (!fs::is_regular_file(temp_, ec))
      throw file_error(final_.string(),
                       "temporary file '" + temp_.string() + "' was not written, nothing to commit");
    // Without fsync a power loss right after the rename can leave an empty file under the final
    // name on some file systems; the rename alone only protects against a crashed process.
    sync_file(temp_);
    if (existing == on_existing::refuse) {
#if defined(_WIN32)
      if (fs::exists(final_, ec)) throw file_error(final_.string(), "exists already; not replaced");
      fs::rename(temp_, final_, ec);
#else
      if (::link(temp_.c_str(), final_.c_str()) != 0) {
        if (errno == EEXIST) throw file_error(final_.string(), "exists already (written by another run?); not replaced");
        throw file_error(final_.string(), "cannot link '" + temp_.string() + "' into place: " + std::strerror(errno));
      }
      fs::remove(temp_, ec);  // the final name holds the data now; a left-over temporary is harmless
      ec.clear();
#endif
    } else {
      fs::rename(temp_, final_, ec);
    }
    if (ec)
      throw file_error(final_.string(),
                       "cannot rename '" + temp_.string() + "' into place: " + ec.message());
    committed_ = true;
    live_ = false;
  }

  /// Removes the temporary now (no-op once committed or discarded). Never throws.
  void discard() noexcept {
    if (!live_) return;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
    live_ = false;
  }

  /// This process's id: temporaries carry it, so that a crashed run's can be told from a live one's.
  static long long process_id() noexcept {
#if defined(_WIN32)
    return static_cast<long long>(_getpid());
#else
    return static_cast<long long>(::getpid());
#endif
  }

 private:
  /// Removes the temporaries of final_ (<name>.tmp.<pid>.<n>) whose process is gone: what a run
  /// killed mid-write left behind. Those of live processes (a concurrent writer) are kept.
  void remove_stale_temporaries() const noexcept {
#if !defined(_WIN32)
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = final_.has_parent_path() ? final_.parent_path() : fs::path(".");
    const std::string prefix = final_.filename().string() + ".tmp.";
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string rest = name.substr(prefix.size());  // <pid>.<n>
      const std::size_t dot = rest.find('.');
      if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789.") != std::string::npos) continue;
      const long long pid = std::atoll(rest.substr(0, dot).c_str());
      if (pid <= 0 || pid == process_id()) continue;
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
#endif
  }

  static std::uint64_t next_counter() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }

  static void sync_file([[maybe_unused]] const std::filesystem::path& p) noexcept {
#if !defined(_WIN32)
    const int fd = ::open(p.c_str(), O_RDONLY);
    if (fd >= 0) {
      (void)::fsync(fd);
      (void)::close(fd);
    }
#endif
  }

  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool live_ = true;  // temp_ may exist and is ours to remove
  bool committed_ = false;
};

/// Writes `text` to `path` atomically (a table, a CSV): the old file or the whole new one.
inline void write_text_atomically(const std::filesystem::path& path, const std::string& text,
                                  on_existing existing = on_existing::replace) {
  atomic_path out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f << text;
    f.flush();
    if (!f) throw file_error(path.string(), "cannot write (disk full?)");
  }
  out.commit(existing);
}

}  // namespace spikernn::io
