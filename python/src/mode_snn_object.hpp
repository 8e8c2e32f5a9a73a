// The Python class ModeSNN's C++ object, shared by smnn.cpp (which binds it) and nir.cpp
// (export_nir writes it as a NIR graph). Apart from common.hpp so that the other binding files
// do not compile the mode network.
#pragma once

#include "common.hpp"

#include <spikernn/network/mode_snn.hpp>

#include <cstdint>
#include <string>
#include <variant>

namespace spikernn::python {

/// A mode network of any shipped surrogate (the same type as io::any_mode_snn).
using any_mode_snn = std::variant<mode_snn<float, fast_sigmoid>, mode_snn<float, arctan>,
                                  mode_snn<float, sigmoid_surrogate>, mode_snn<float, straight_through>>;

/// The Python class ModeSNN (smnn.cpp; export_nir in nir.cpp writes it as a NIR graph).
struct py_mode_snn {
  any_mode_snn net;
  std::string task;  ///< mnist or context
  std::uint64_t seed = 0;
};

}  // namespace spikernn::python
