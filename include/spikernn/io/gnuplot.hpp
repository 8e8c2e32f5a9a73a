// Line plots through gnuplot: for each figure the data (<stem>.dat) and the gnuplot script
// (<stem>.gp) are always written, and <stem>.png is rendered when gnuplot is installed, so a
// user without gnuplot still has both and can plot them with any tool.
#pragma once

#include "spikernn/core/error.hpp"

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
inline void write_checked(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw file_error(path.string(), "cannot write");
}
}  // namespace detail

/// Whether `gnuplot` is on the PATH.
inline bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

/// Writes <stem>.dat and <stem>.gp and, with gnuplot, renders <stem>.png. Returns whether the
/// PNG was rendered.
inline bool plot(const std::filesystem::path& stem, const figure& fig) {
  for (const auto& s : fig.lines)
    require(s.x.size() == s.y.size(), "series '" + s.title + "'", "as many x as y values");
  const auto dat = std::filesystem::path(stem).concat(".dat");
  const auto gp = std::filesystem::path(stem).concat(".gp");
  const auto png = std::filesystem::path(stem).concat(".png");
  std::string data;
  for (const auto& s : fig.lines) {  // one block per series, separated by two blank lines (gnuplot's "index")
    data += "# " + s.title + "\n";
    for (std::size_t i = 0; i < s.x.size(); ++i) data += std::to_string(s.x[i]) + " " + std::to_string(s.y[i]) + "\n";
    data += "\n\n";
  }
  detail::write_checked(dat, data);
  std::string script = "set terminal pngcairo noenhanced size " + std::to_string(fig.width) + "," + std::to_string(fig.height) +
                       " font \"sans,11\"\nset output " + detail::quoted(png.filename().string()) +
                       "\nset title " + detail::quoted(fig.title) + "\nset xlabel " + detail::quoted(fig.xlabel) +
                       "\nset ylabel " + detail::quoted(fig.ylabel) + "\nset key outside right\nset grid\n";
  if (fig.log_y) script += "set logscale y\n";
  if (!fig.xtics.empty()) {
    script += "set xtics (";
    for (std::size_t k = 0; k < fig.xtics.size(); ++k)
      script += std::string(k ? ", " : "") + detail::quoted(fig.xtics[k].second) + " " + std::to_string(fig.xtics[k].first);
    script += ")\n";
  }
  const auto range = [&](const char* axis, std::pair<double, double> r) {
    if (r.first < r.second) script += std::string("set ") + axis + "range [" + std::to_string(r.first) + ":" + std::to_string(r.second) + "]\n";
  };
  range("x", fig.xrange);
  range("y", fig.yrange);
  script += "plot ";
  for (std::size_t k = 0; k < fig.lines.size(); ++k)
    script += std::string(k ? ", \\\n     " : "") + detail::quoted(dat.filename().string()) + " index " +
              std::to_string(k) + " using 1:2 with " + fig.lines[k].style + " title " + detail::quoted(fig.lines[k].title);
  script += "\n";
  detail::write_checked(gp, script);
  if (!gnuplot_available()) return false;
  // The script names its files relative to its own folder, so it also runs by hand from there.
  const std::string cmd = "cd " + detail::quoted(std::filesystem::absolute(gp).parent_path().string()) +
                          " && gnuplot " + detail::quoted(gp.filename().string()) + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0 && std::filesystem::exists(png);
}

}  // namespace spikernn::io
