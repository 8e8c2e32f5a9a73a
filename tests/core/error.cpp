#include <spikernn/core/error.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("error: require names the parameter and what was expected") {
  try {
    spikernn::require(false, "P_rec", "a probability in [0, 1]");
    FAIL("require(false) did not throw");
  } catch (const spikernn::invalid_parameter& e) {
    CHECK(e.parameter == "P_rec");
    CHECK(std::string(e.what()).find("P_rec") != std::string::npos);
    CHECK(std::string(e.what()).find("probability") != std::string::npos);
  }
  CHECK_NOTHROW(spikernn::require(true, "x", "y"));
  const spikernn::file_error fe("model.mat", "variable 'w' missing");
  CHECK(std::string(fe.what()) == "model.mat: variable 'w' missing");
}
