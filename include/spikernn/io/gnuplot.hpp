// Line plots through gnuplot: for each figure the data (<stem>.dat) and the gnuplot script
// (<stem>.gp) are always written, and <stem>.png is rendered when gnuplot is installed, so a
// user without gnuplot still has both and can plot them with any tool. Every file is written
// atomically, and a PNG is checked to be whole before it takes its name.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/atomic_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace spikernn::io {

struct series {
  std::string title;
  std::vector<double> x, y;
  std::string style = "lines";  ///< gnuplot "with" clause, e.g. "lines lw 2 dt 2"
};

struct figure {
  std::string title, xlabel, ylabel;
  std::vector<series> lines;
  bool log_y = false;
  int width = 900, height = 500;
  std::vector<std::pair<double, std::string>> xtics{};  ///< labelled x positions (categories); empty: numbers
  std::pair<double, double> yrange{0, 0};               ///< fixed y range when lo < hi; else automatic
  std::pair<double, double> xrange{0, 0};               ///< fixed x range when lo < hi; else automatic
};

namespace detail {
inline std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}
inline void write_checked(const std::filesystem::path& path, const std::string& text) { write_text_atomically(path, text); }

/// Whether `path` holds a whole PNG: the signature first and the IEND chunk last (a disk that
/// filled up under gnuplot leaves an empty or cut file, and gnuplot still exits 0).
inline bool complete_png(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  unsigned char head[8] = {}, tail[12] = {};
  if (!f.read(reinterpret_cast<char*>(head), 8)) return false;
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!std::equal(head, head + 8, signature)) return false;
  f.seekg(-12, std::ios::end);
  if (!f.read(reinterpret_cast<char*>(tail), 12)) return false;
  const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  return std::equal(tail, tail + 12, iend);
}
}  // namespace detail

/// Whether `gnuplot` is on the PATH.
inline bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

namespace detail {
/// The data of `figs`' series, one gnuplot "index" block each (two blank lines apart), in order.
inline std::string data_blocks(const std::vector<figure>& figs) {
  std::string data;
  for (const auto& fig : figs)
    for (const auto& s : fig.lines) {
      require(s.x.size() == s.y.size(), "series '" + s.title + "'", "as many x as y values");
      data += "# " + s.title + "\n";
      for (std::size_t i = 0; i < s.x.size(); ++i) data += std::to_string(s.x[i]) + " " + std::to_string(s.y[i]) + "\n";
      data += "\n\n";
    }
  return data;
}

/// The commands that draw one panel whose series start at data block `first_index`; in a
/// multiplot (`reset`) the settings a previous panel may have made are undone first.
inline std::string panel_script(const figure& fig, const std::string& dat, std::size_t first_index, bool reset) {
  std::string script = "set title " + quoted(fig.title) + "\nset xlabel " + quoted(fig.xlabel) + "\nset ylabel " +
                       quoted(fig.ylabel) + "\n";
  if (fig.log_y) script += "set logscale y\n";
  else if (reset) script += "unset logscale y\n";
  if (!fig.xtics.empty()) {
    script += "set xtics (";
    for (std::size_t k = 0; k < fig.xtics.size(); ++k)
      script += std::string(k ? ", " : "") + quoted(fig.xtics[k].second) + " " + std::to_string(fig.xtics[k].first);
    script += ")\n";
  } else if (reset) {
    script += "set xtics autofreq\n";
  }
  const auto range = [&](const char* axis, std::pair<double, double> r) {
    if (r.first < r.second)
      script += std::string("set ") + axis + "range [" + std::to_string(r.first) + ":" + std::to_string(r.second) + "]\n";
    else if (reset)
      script += std::string("set ") + axis + "range [*:*]\n";
  };
  range("x", fig.xrange);
  range("y", fig.yrange);
  script += "plot ";
  for (std::size_t k = 0; k < fig.lines.size(); ++k)
    script += std::string(k ? ", \\\n     " : "") + quoted(dat) + " index " + std::to_string(first_index + k) +
              " using 1:2 with " + fig.lines[k].style + " title " + quoted(fig.lines[k].title);
  return script + "\n";
}

}  // namespace detail

namespace detail {
/// Writes <stem>.dat (every panel's series) and <stem>.gp, then renders <stem>.png when gnuplot
/// is there; `layout` is "" for one plot or gnuplot's multiplot layout clause.
inline bool render(const std::filesystem::path& stem, const std::vector<figure>& panels, int width, int height,
                   const std::string& layout) {
  const auto dat = std::filesystem::path(stem).concat(".dat");
  const auto gp = std::filesystem::path(stem).concat(".gp");
  const auto png = std::filesystem::path(stem).concat(".png");
  write_checked(dat, data_blocks(panels));
  // The output name is a variable so that the script renders to a temporary (checked, then
  // renamed into place) when spikernn runs it, and to the PNG itself when a user runs it.
  std::string script = "if (!exists(\"outfile\")) outfile = " + quoted(png.filename().string()) +
                       "\nset terminal pngcairo noenhanced size " + std::to_string(width) + "," +
                       std::to_string(height) + " font \"sans,11\"\nset output outfile\nset grid\n";
  script += layout.empty() ? "set key outside right\n" : "set key top right\nset multiplot " + layout + "\n";
  std::size_t first = 0;
  for (const auto& fig : panels) {
    script += panel_script(fig, dat.filename().string(), first, !layout.empty());
    first += fig.lines.size();
  }
  if (!layout.empty()) script += "unset multiplot\n";
  write_checked(gp, script);
  if (!gnuplot_available()) return false;
  atomic_path image(png);
  // The script names its files relative to its own folder, so it also runs by hand from there.
  const std::string cmd = "cd " + quoted(std::filesystem::absolute(gp).parent_path().string()) + " && gnuplot -e " +
                          quoted("outfile='" + image.temp_path().filename().string() + "'") + " " +
                          quoted(gp.filename().string()) + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return false;  // gnuplot failed (its script is kept for the user)
  if (!complete_png(image.temp_path()))
    throw file_error(png.string(), "gnuplot wrote an incomplete image (disk full?); the data and script are kept");
  image.commit();
  return true;
}
}  // namespace detail

/// A histogram of `values` over [lo, hi] in `bins` bins as a series of (bin centre, fraction of
/// the values) for a "histeps" style; values outside the range count in the end bins. When
/// hi ≤ lo (every value equal) the range widens to one bin around it.
inline series histogram(const std::string& title, const std::vector<double>& values, double lo, double hi, int bins,
                        const std::string& style = "histeps lw 2") {
  require(bins > 0, "bins", "at least one bin");
  series s{title, {}, {}, style};
  if (!(hi > lo)) {
    lo -= 0.5 * std::max(1e-6, std::abs(lo));
    hi += 0.5 * std::max(1e-6, std::abs(hi));
  }
  std::vector<double> count(std::size_t(bins), 0.0);
  for (double v : values) {
    const int k = std::clamp(int((v - lo) / (hi - lo) * bins), 0, bins - 1);
    count[std::size_t(k)] += 1;
  }
  for (int k = 0; k < bins; ++k) {
    s.x.push_back(lo + (k + 0.5) * (hi - lo) / bins);
    s.y.push_back(values.empty() ? 0.0 : count[std::size_t(k)] / double(values.size()));
  }
  return s;
}

/// Writes <stem>.dat and <stem>.gp and, with gnuplot, renders <stem>.png. Returns whether the
/// PNG was rendered.
inline bool plot(const std::filesystem::path& stem, const figure& fig) {
  return detail::render(stem, {fig}, fig.width, fig.height, "");
}

/// Several figures as panels of one image, `columns` per row, under a common title: one .dat,
/// one .gp, one .png. Each panel keeps its own title, labels, ranges and log scale.
inline bool plot_panels(const std::filesystem::path& stem, const std::vector<figure>& panels, int columns,
                        const std::string& title, int width, int height) {
  require(!panels.empty(), "panels", "at least one figure");
  require(columns > 0, "columns", "a positive number of columns");
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  return detail::render(stem, panels, width, height,
                        "layout " + std::to_string(rows) + "," + std::to_string(columns) + " title " +
                            detail::quoted(title));
}

}  // namespace spikernn::io
