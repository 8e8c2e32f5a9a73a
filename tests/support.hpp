// Helpers shared by the test files.
#pragma once

#include <spikernn/core/error.hpp>
#include <spikernn/core/types.hpp>

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

/// Central differences (h = 1e-6) of a loss over every entry of the outputs `o`.
template <class F>
matrix<double> numeric_gradient(matrix<double> o, F&& loss) {
  matrix<double> g(o.rows(), o.cols());
  const double h = 1e-6;
  for (index_t k = 0; k < o.size(); ++k) {
    const double keep = o(k);
    o(k) = keep + h;
    const double up = loss(o);
    o(k) = keep - h;
    const double down = loss(o);
    o(k) = keep;
    g(k) = (up - down) / (2 * h);
  }
  return g;
}

}  // namespace spikernn::testing
