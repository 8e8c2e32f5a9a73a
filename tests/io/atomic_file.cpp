// Tests of spikernn::io::atomic_path: the temporary lives next to the target, commit() renames
// it into place, and anything short of commit() leaves the target untouched and no litter.
#include "spikernn/io/atomic_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>
#include "../support.hpp"

#include <unistd.h>

namespace fs = std::filesystem;
using spikernn::io::atomic_path;

namespace {
using spikernn::testing::scratch_dir;
using spikernn::testing::listing;

/// A fresh directory under the system temporary directory, removed with everything in it.
void put_text(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::string get(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("atomic_path: temporary is a unique sibling of the final path") {
  scratch_dir dir;
  const fs::path target = dir.path / "model.mat";
  atomic_path a(target);
  atomic_path b(target);
  CHECK(a.final_path() == target);
  CHECK(a.temp_path().parent_path() == target.parent_path());
  CHECK(a.temp_path().filename().string().rfind("model.mat.tmp.", 0) == 0);
  CHECK(a.temp_path() != b.temp_path());
  CHECK_FALSE(a.committed());
  // Nothing is created until the caller writes the temporary.
  CHECK(listing(dir.path).empty());
}

TEST_CASE("atomic_path: commit renames the temporary into place") {
  scratch_dir dir;
  const fs::path target = dir.path / "out.txt";
  put_text(target, "old");
  {
    atomic_path a(target);
    put_text(a.temp_path(), "new content");
    CHECK(get(target) == "old");  // untouched until commit
    a.commit();
    CHECK(a.committed());
    CHECK_FALSE(fs::exists(a.temp_path()));
    CHECK_THROWS_AS(a.commit(), spikernn::file_error);  // twice is a bug in the caller
  }
  CHECK(get(target) == "new content");
  CHECK(listing(dir.path) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("atomic_path: without commit the temporary is removed and the target kept") {
  scratch_dir dir;
  const fs::path target = dir.path / "out.txt";
  SUBCASE("no previous file") {
    {
      atomic_path a(target);
      put_text(a.temp_path(), "half written");
      CHECK(fs::exists(a.temp_path()));
    }
    CHECK(listing(dir.path).empty());
  }
  SUBCASE("previous file survives an exception") {
    put_text(target, "old");
    try {
      atomic_path a(target);
      put_text(a.temp_path(), "half written");
      throw std::runtime_error("interrupted");
    } catch (const std::runtime_error&) {
    }
    CHECK(get(target) == "old");
    CHECK(listing(dir.path) == std::vector<std::string>{"out.txt"});
  }
  SUBCASE("discard") {
    atomic_path a(target);
    put_text(a.temp_path(), "x");
    a.discard();
    CHECK_FALSE(fs::exists(a.temp_path()));
    CHECK_THROWS_AS(a.commit(), spikernn::file_error);
    CHECK(listing(dir.path).empty());
  }
}

TEST_CASE("atomic_path: a moved-from object no longer owns the temporary") {
  scratch_dir dir;
  const fs::path target = dir.path / "out.txt";
  atomic_path a(target);
  put_text(a.temp_path(), "data");
  {
    atomic_path b(std::move(a));
    CHECK(fs::exists(b.temp_path()));
    atomic_path c(dir.path / "other.txt");
    c = std::move(b);  // c's own (unwritten) temporary is discarded, it now owns b's
    CHECK(c.final_path() == target);
    c.commit();
  }
  CHECK(get(target) == "data");
  CHECK(listing(dir.path) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("atomic_path: errors name the path") {
  scratch_dir dir;
  SUBCASE("missing directory") {
    const fs::path target = dir.path / "no_such_dir" / "out.txt";
    try {
      atomic_path a(target);
      FAIL("expected file_error");
    } catch (const spikernn::file_error& e) {
      CHECK(e.file == target.string());
      CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
      CHECK(std::string(e.what()).find("no_such_dir") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(dir.path / "no_such_dir"));  // not created behind the caller's back
  }
  SUBCASE("target is a directory") {
    CHECK_THROWS_AS(atomic_path(dir.path), spikernn::file_error);
  }
  SUBCASE("commit before anything was written") {
    atomic_path a(dir.path / "out.txt");
    CHECK_THROWS_WITH_AS(a.commit(), doctest::Contains("out.txt"), spikernn::file_error);
    CHECK(listing(dir.path).empty());
  }
}

TEST_CASE("write_text_atomically: writes the text - replaces an old file - names a bad path") {
  const auto dir = std::filesystem::temp_directory_path() / "spikernn_write_text";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "table.md";
  spikernn::io::write_text_atomically(path, "first\n");
  spikernn::io::write_text_atomically(path, "| a | b |\n");
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  CHECK(line == "| a | b |");
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}) == 1);  // no temporaries left
  CHECK_THROWS_AS(spikernn::io::write_text_atomically(dir / "missing" / "x.md", "x"), spikernn::file_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("atomic_path: a commit that must not replace keeps a file another run wrote meanwhile") {
  scratch_dir dir("atomic_refuse");
  const fs::path target = dir.path / "model.mat";
  {
    atomic_path out(target);
    put_text(out.temp_path(), "first");
    put_text(target, "another run's");  // appears between our write and our commit
    CHECK_THROWS_WITH_AS(out.commit(spikernn::io::on_existing::refuse), doctest::Contains("not replaced"),
                         spikernn::file_error);
  }
  CHECK(get(target) == "another run's");
  CHECK(listing(dir.path) == std::vector<std::string>{"model.mat"});  // and no temporary left
  // with nothing there it commits as usual
  atomic_path fresh(dir.path / "new.mat");
  put_text(fresh.temp_path(), "mine");
  fresh.commit(spikernn::io::on_existing::refuse);
  CHECK(get(dir.path / "new.mat") == "mine");
  CHECK_THROWS_AS(spikernn::io::write_text_atomically(target, "x", spikernn::io::on_existing::refuse), spikernn::file_error);
  CHECK(get(target) == "another run's");
}

TEST_CASE("atomic_path: temporaries left by dead processes are removed, a live writer's are kept") {
  scratch_dir dir("atomic_stale");
  const fs::path target = dir.path / "table.csv";
  // pid 2^22 + 17 is above Linux's default pid_max (2^22): no process has it
  const fs::path dead = dir.path / "table.csv.tmp.4194321.0";
  const fs::path live = dir.path / ("table.csv.tmp." + std::to_string(::getppid()) + ".3");  // our parent lives
  const fs::path other = dir.path / "other.csv.tmp.4194321.0";                               // another file's
  for (const auto& p : {dead, live, other}) put_text(p, "half");
  spikernn::io::write_text_atomically(target, "whole");
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other));
  CHECK(get(target) == "whole");
}
