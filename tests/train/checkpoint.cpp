// Checkpoint files: every kind of entry round-trips exactly; a wrong kind or a missing entry is
// refused by name. (Damaged, cut and foreign files: tests/train/engine.cpp.)
#include <spikernn/train/checkpoint.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

using namespace spikernn;
namespace fs = std::filesystem;

TEST_CASE("checkpoint: entries round-trip exactly and are refused by kind") {
  const fs::path dir = fs::temp_directory_path() / ("spikernn_checkpoint_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  checkpoint ck;
  matrix<float> m(2, 3);
  m << 1.5f, -2, 3, 4, 5, 1e-30f;
  ck.put("m", m);
  ck.put("d", std::vector<double>{0.1, -0.0, 1e300});
  ck.put("i", std::int64_t(-7));
  ck.put("s", std::vector<std::string>{"go", "", "nogo"});
  ck.save(dir / "c.ckpt");
  const checkpoint back = checkpoint::load(dir / "c.ckpt");
  CHECK(back.get_matrix<float>("m") == m);
  CHECK(back.get_doubles("d") == std::vector<double>{0.1, -0.0, 1e300});
  CHECK(back.get_int("i") == -7);
  CHECK(back.get_strings("s") == std::vector<std::string>{"go", "", "nogo"});
  CHECK_THROWS_AS(back.get_matrix<double>("m"), file_error);  // stored as float32
  CHECK_THROWS_AS(back.get_int("nothing"), file_error);
  fs::remove_all(dir);
}
