// CSV tables (RFC 4180) for results that people open in a spreadsheet, pandas or R: a header
// row and rows of text fields; a field holding a comma, a quote or a line break is quoted, with
// quotes doubled. Numbers are written as the shortest text that reads back as the same double,
// so a table read back and rewritten is the same bytes. Files are written atomically; reading
// refuses a malformed table naming the file, the line and what was expected.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/io/atomic_file.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace spikernn::io {

/// The shortest text that reads back as the same double ("nan", "inf", "-inf" for the others).
inline std::string exact_text(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  return {buf, end};
}

struct csv_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string origin = "table";  ///< the file it came from, for messages

  /// The index of the column `name`.
  std::size_t column(const std::string& name) const {
    for (std::size_t c = 0; c < header.size(); ++c)
      if (header[c] == name) return c;
    throw file_error(origin, "has no column '" + name + "'");
  }
  /// Row r's field in column `name` as a number (nan, inf accepted), refusing anything else.
  double number(std::size_t r, const std::string& name) const {
    const std::string& f = rows.at(r).at(column(name));
    const char* first = f.data();
    const char* last = f.data() + f.size();
    double v = 0;
    if (f == "nan") return std::nan("");
    if (f == "inf") return HUGE_VAL;
    if (f == "-inf") return -HUGE_VAL;
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last || f.empty())
      throw file_error(origin, "line " + std::to_string(r + 2) + ", column '" + name + "': expected a number, found '" + f + "'");
    return v;
  }
  /// Row r's field in column `name` as a whole number.
  std::int64_t integer(std::size_t r, const std::string& name) const {
    const std::string& f = rows.at(r).at(column(name));
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc() || ptr != f.data() + f.size() || f.empty())
      throw file_error(origin, "line " + std::to_string(r + 2) + ", column '" + name + "': expected a whole number, found '" + f + "'");
    return v;
  }
  /// Appends a row, which must have one field per column.
  void add(std::vector<std::string> row) {
    require(row.size() == header.size(), "row", std::to_string(header.size()) + " fields, one per column, got " +
                                                    std::to_string(row.size()));
    rows.push_back(std::move(row));
  }
};

namespace detail {
inline std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace detail

/// The table as CSV text, lines ending in "\n".
inline std::string to_csv(const csv_table& t) {
  std::string out;
  const auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t c = 0; c < fields.size(); ++c) out += (c ? "," : "") + detail::csv_field(fields[c]);
    out += '\n';
  };
  line(t.header);
  for (const auto& r : t.rows) line(r);
  return out;
}

namespace detail {
inline std::string joined(const std::vector<std::string>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "" : ",") + f;
  return s;
}
}  // namespace detail

/// Parses CSV text; `origin` names it in messages. Every row must have the header's width. With
/// `header`, a table whose header is another is refused as soon as its first line is read,
/// saying it is not `kind` (e.g. "a networks.csv written by reproduce_kim2019").
inline csv_table parse_csv(const std::string& text, const std::string& origin = "table",
                           const std::vector<std::string>& header = {}, const std::string& kind = "") {
  csv_table t;
  t.origin = origin;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  long line = 1, row_line = 1;
  const auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    if (t.header.empty()) {
      t.header = std::move(row);
      if (!header.empty() && t.header != header)
        throw file_error(origin, "expected " + (kind.empty() ? "a table" : kind) + " (header: " + detail::joined(header) + ")");
    } else if (!(row.size() == 1 && row[0].empty())) {  // blank lines are skipped
      if (row.size() != t.header.size())
        throw file_error(origin, "line " + std::to_string(row_line) + ": expected " + std::to_string(t.header.size()) +
                                     " fields like the header, found " + std::to_string(row.size()));
      t.rows.push_back(std::move(row));
    }
    row.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (!any) row_line = line;
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      end_row();
      ++line;
    } else {
      field += c;
    }
  }
  if (quoted) throw file_error(origin, "line " + std::to_string(row_line) + ": a quoted field is not closed");
  if (any) end_row();
  if (t.header.empty()) throw file_error(origin, "is empty, expected a header line");
  return t;
}

/// Writes the table atomically.
inline void write_csv(const std::filesystem::path& path, const csv_table& t) { write_text_atomically(path, to_csv(t)); }

/// Reads a table; with `header`, refuses a file whose header is another (see parse_csv).
inline csv_table read_csv(const std::filesystem::path& path, const std::vector<std::string>& header = {},
                          const std::string& kind = "") {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot be opened for reading");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_csv(text, path.string(), header, kind);
}

}  // namespace spikernn::io
