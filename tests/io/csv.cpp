#include <spikernn/io/csv.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace spikernn;

TEST_CASE("csv: fields with commas, quotes and line breaks survive a round trip") {
  io::csv_table t;
  t.header = {"name", "value", "note"};
  t.add({"plain", io::exact_text(0.1), ""});
  t.add({"a,b", io::exact_text(-2.5e-300), "she said \"hi\""});
  t.add({"two\nlines", io::exact_text(1.0 / 3.0), "x"});
  const std::string text = io::to_csv(t);
  CHECK(testing::contains(text, "\"a,b\""));
  CHECK(testing::contains(text, "\"she said \"\"hi\"\"\""));
  const auto back = io::parse_csv(text);
  CHECK(back.header == t.header);
  CHECK(back.rows == t.rows);
  CHECK(io::to_csv(back) == text);
  CHECK(back.number(2, "value") == 1.0 / 3.0);  // the shortest text reads back exactly
  CHECK(back.number(1, "value") == -2.5e-300);
  CHECK(io::exact_text(0.1) == "0.1");
  CHECK(std::isnan(io::parse_csv("x\nnan\n").number(0, "x")));
  CHECK(io::parse_csv("x\n-inf\n").number(0, "x") == -std::numeric_limits<double>::infinity());
  CHECK(io::parse_csv("a,b\r\n1,2\r\n\r\n3,4\r\n").rows.size() == 2);  // CRLF, blank lines skipped
}

TEST_CASE("csv: a malformed table is refused naming the file, the line and what was expected") {
  CHECK_THROWS_WITH_AS(io::parse_csv("a,b\n1,2\n3\n", "t.csv"), doctest::Contains("t.csv: line 3: expected 2 fields"),
                       file_error);
  CHECK_THROWS_WITH_AS(io::parse_csv("a\n\"open\n", "t.csv"), doctest::Contains("not closed"), file_error);
  CHECK_THROWS_WITH_AS(io::parse_csv("", "t.csv"), doctest::Contains("empty"), file_error);
  const auto t = io::parse_csv("a,n\n1,x2\n", "t.csv");
  CHECK_THROWS_WITH_AS((void)t.number(0, "n"), doctest::Contains("line 2, column 'n': expected a number, found 'x2'"),
                       file_error);
  CHECK(t.integer(0, "a") == 1);
  CHECK_THROWS_WITH_AS((void)t.column("z"), doctest::Contains("no column 'z'"), file_error);
  io::csv_table w;
  w.header = {"a"};
  CHECK(testing::refused([&] { w.add({"1", "2"}); }) == "row");
}

TEST_CASE("csv: files are written atomically and read back with their header checked") {
  const testing::scratch_dir dir("csv");
  io::csv_table t;
  t.header = {"seed", "accuracy"};
  t.add({"1", io::exact_text(0.95)});
  io::write_csv(dir.path / "r.csv", t);
  CHECK(testing::listing(dir.path) == std::vector<std::string>{"r.csv"});
  const auto back = io::read_csv(dir.path / "r.csv", {"seed", "accuracy"});
  CHECK(back.integer(0, "seed") == 1);
  CHECK(back.number(0, "accuracy") == 0.95);
  CHECK_THROWS_WITH_AS((void)io::read_csv(dir.path / "r.csv", {"seed", "loss"}),
                       doctest::Contains("r.csv: expected a table (header: seed,loss)"), file_error);
  // the header is checked before the rows: a file of another kind is named as such
  io::write_text_atomically(dir.path / "notes.md", "# notes\n| a | b |\n");
  CHECK_THROWS_WITH_AS((void)io::read_csv(dir.path / "notes.md", {"seed"}, "a results table"),
                       doctest::Contains("notes.md: expected a results table (header: seed)"), file_error);
  CHECK_THROWS_AS((void)io::read_csv(dir.path / "missing.csv"), file_error);
}
