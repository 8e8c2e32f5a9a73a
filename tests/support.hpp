// Helpers shared by the test files.
#pragma once

#include <spikernn/core/error.hpp>

#include <string>

namespace spikernn::testing {

/// The parameter an invalid_parameter thrown by f() names, or "" when f() does not throw one.
template <class F>
std::string refused(F&& f) {
  try {
    f();
  } catch (const invalid_parameter& e) {
    return e.parameter;
  }
  return "";
}

}  // namespace spikernn::testing
