// Spike rasters as plain text, one spike per line "t id" (seconds, 1-based unit), the format
// most plotting and analysis tools read directly. Written atomically (temporary, then rename).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace spikernn::io {

/// Writes (step, unit) spikes — steps 1-based as lif_trial::spikes — at dt seconds per step.
inline void write_raster(const std::filesystem::path& path, const std::vector<std::pair<long, index_t>>& spikes,
                         double dt) {
  const auto tmp = std::filesystem::path(path).concat(".tmp");
  {
    std::ofstream f(tmp);
    if (!f) throw file_error(path.string(), "cannot open for writing");
    f << "# t id\n";
    char line[64];
    for (const auto& [step, unit] : spikes) {
      std::snprintf(line, sizeof line, "%.5f %ld\n", double(step) * dt, long(unit) + 1);
      f << line;
    }
    if (!f) throw file_error(path.string(), "write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace spikernn::io
