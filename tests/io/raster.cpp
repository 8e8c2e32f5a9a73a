#include <spikernn/io/raster.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace spikernn;
namespace fs = std::filesystem;

TEST_CASE("raster: one 't id' line per spike / seconds and 1-based units") {
  const auto path = fs::temp_directory_path() / "spikernn_raster_test.txt";
  io::write_raster(path, {{1, 0}, {20000, 199}}, 5e-5);
  std::ifstream f(path);
  std::string header, a, b, extra;
  std::getline(f, header);
  std::getline(f, a);
  std::getline(f, b);
  CHECK(header == "# t id");
  CHECK(a == "0.00005 1");
  CHECK(b == "1.00000 200");
  CHECK_FALSE(std::getline(f, extra));
  CHECK_FALSE(fs::exists(fs::path(path).concat(".tmp")));
  fs::remove(path);
  CHECK_THROWS_AS(io::write_raster("/nonexistent-spikernn-dir/r.txt", {}, 1e-3), file_error);
}
