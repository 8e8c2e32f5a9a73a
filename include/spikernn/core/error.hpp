// Exceptions. Every message names what was wrong (the parameter, file or variable) and what
// was expected, so a user can fix the input without reading the source.
#pragma once

#include <stdexcept>
#include <string>

namespace spikernn {

/// Base of every error spikernn raises on purpose.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A setting is outside what the model or task can do; `name` is the parameter or flag.
struct invalid_parameter : error {
  invalid_parameter(const std::string& name, const std::string& what_was_expected)
      : error("invalid parameter '" + name + "': " + what_was_expected), parameter(name), expected(what_was_expected) {}
  std::string parameter;
  std::string expected;  ///< what was expected (and what was found), without the parameter's name
};

/// A file could not be read or written, or holds something other than expected.
struct file_error : error {
  file_error(const std::string& path, const std::string& what)
      : error(path + ": " + what), file(path) {}
  std::string file;
};

/// Throws invalid_parameter unless `ok`.
inline void require(bool ok, const std::string& name, const std::string& expected) {
  if (!ok) throw invalid_parameter(name, expected);
}

}  // namespace spikernn
