#include <spikernn/io/file_lock.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace spikernn;
namespace fs = std::filesystem;

TEST_CASE("file_lock: a second holder is refused at once, naming the file - released with the first") {
  const testing::scratch_dir dir("file_lock");
  const fs::path f = dir.path / "model.mat";
  std::ofstream(f) << "data";
  {
    const io::exclusive_file_lock first(f, "a search");
    CHECK_THROWS_WITH_AS(io::exclusive_file_lock(f, "a search"), doctest::Contains("model.mat: in use by another process (a search)"),
                         file_error);
    first.require_unchanged();
    // the file replaced under the holder (a rename, as the atomic writers do): refused before writing
    std::ofstream(dir.path / "new") << "other";
    fs::rename(dir.path / "new", f);
    CHECK_THROWS_WITH_AS(first.require_unchanged(), doctest::Contains("was replaced or removed"), file_error);
  }
  const io::exclusive_file_lock again(f, "a search");  // the first is gone: free again
  CHECK_THROWS_WITH_AS(io::exclusive_file_lock(dir.path / "missing.mat", "x"), doctest::Contains("missing.mat: cannot be opened"),
                       file_error);
  CHECK_THROWS_WITH_AS(io::exclusive_file_lock(dir.path, "x"), doctest::Contains("not a regular file"), file_error);
}
