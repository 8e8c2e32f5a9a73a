// Shared by the fuzz targets: the readers take paths, so each input is written to a file of
// this process's own (parallel fuzzing jobs do not share it) and read back from there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace spikernn::fuzz {

/// A file in the temporary directory, named after the target and the process, holding the
/// current input; removed at exit.
class input_file {
 public:
  explicit input_file(const std::string& target, const std::string& suffix = "") {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    path_ = dir / ("spikernn_fuzz_" + target + "_" + std::to_string(::getpid()) + suffix);
  }
  ~input_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;

  /// Replaces the file's content with the input.
  const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f == nullptr) __builtin_trap();  // the harness itself is broken: stop rather than test nothing
    if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
    std::fclose(f);
    return path_;
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace spikernn::fuzz
