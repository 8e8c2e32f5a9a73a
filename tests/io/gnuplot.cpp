#include <spikernn/io/gnuplot.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstdlib>

using namespace spikernn;
namespace fs = std::filesystem;

TEST_CASE("gnuplot: data and script are always written / the PNG when gnuplot is installed") {
  const auto dir = fs::temp_directory_path() / "spikernn_gnuplot_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const io::figure fig{"a \"quoted\" title", "time (s)", "output",
                       {{"first", {0, 1, 2}, {0, 1, 4}}, {"second", {0, 1}, {3, 2}, "points pt 7"}}};
  const bool rendered = io::plot(dir / "fig", fig);
  std::ifstream dat(dir / "fig.dat"), gp(dir / "fig.gp");
  std::stringstream d, g;
  d << dat.rdbuf();
  g << gp.rdbuf();
  CHECK(d.str().find("# first\n0.000000 0.000000\n1.000000 1.000000\n2.000000 4.000000\n\n\n# second") == 0);
  CHECK(g.str().find("index 0 using 1:2 with lines title \"first\"") != std::string::npos);
  CHECK(g.str().find("index 1 using 1:2 with points pt 7 title \"second\"") != std::string::npos);
  CHECK(g.str().find("set title \"a \\\"quoted\\\" title\"") != std::string::npos);
  CHECK(g.str().find("set xtics") == std::string::npos);  // numeric axes unless labels are given
  CHECK(g.str().find("set yrange") == std::string::npos);
  CHECK(rendered == io::gnuplot_available());
  CHECK(fs::exists(dir / "fig.png") == rendered);
  const io::figure bad{"t", "x", "y", {{"broken", {0, 1}, {0}}}};
  CHECK_THROWS_AS(io::plot(dir / "bad", bad), invalid_parameter);
  CHECK_THROWS_AS(io::plot(dir / "missing" / "fig", fig), file_error);
  fs::remove_all(dir);
}

TEST_CASE("gnuplot: category labels on x and fixed ranges go into the script") {
  const auto dir = fs::temp_directory_path() / "spikernn_gnuplot_tics";
  fs::remove_all(dir);
  fs::create_directories(dir);
  io::figure fig{"strip", "", "accuracy", {{"nets", {1, 2}, {0.9, 0.5}, "points"}}};
  fig.xtics = {{1, "sigmoid"}, {2, "clipped_relu"}};
  fig.yrange = {0, 1.05};
  fig.xrange = {0.5, 2.5};
  io::plot(dir / "fig", fig);
  std::ifstream gp(dir / "fig.gp");
  std::stringstream g;
  g << gp.rdbuf();
  CHECK(g.str().find("set xtics (\"sigmoid\" 1.000000, \"clipped_relu\" 2.000000)") != std::string::npos);
  CHECK(g.str().find("set yrange [0.000000:1.050000]") != std::string::npos);
  CHECK(g.str().find("set xrange [0.500000:2.500000]") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("gnuplot: panels share one data file and one script, each panel undoing the last one's settings") {
  const auto dir = fs::temp_directory_path() / "spikernn_gnuplot_panels";
  fs::remove_all(dir);
  fs::create_directories(dir);
  io::figure a{"loss", "epoch", "loss", {{"train", {1, 2}, {1.0, 0.5}}, {"test", {1, 2}, {1.2, 0.7}}}};
  a.log_y = true;
  a.yrange = {0.1, 2};
  const io::figure b{"accuracy", "epoch", "fraction", {{"test", {1, 2}, {0.8, 0.9}, "points"}}};
  const bool rendered = io::plot_panels(dir / "panels", {a, b}, 2, "run 1", 1000, 400);
  std::ifstream dat(dir / "panels.dat"), gp(dir / "panels.gp");
  std::stringstream d, g;
  d << dat.rdbuf();
  g << gp.rdbuf();
  const std::string script = g.str();
  CHECK(d.str().find("# train") < d.str().find("# test"));
  CHECK(script.find("set multiplot layout 1,2 title \"run 1\"") != std::string::npos);
  // the second panel's series is the data file's third block, and it is drawn on a reset axis
  CHECK(script.find("index 2 using 1:2 with points title \"test\"") != std::string::npos);
  const auto second = script.find("set title \"accuracy\"");
  REQUIRE(second != std::string::npos);
  CHECK(script.find("unset logscale y", second) != std::string::npos);
  CHECK(script.find("set yrange [*:*]", second) != std::string::npos);
  CHECK(script.find("unset multiplot") != std::string::npos);
  CHECK(fs::exists(dir / "panels.png") == rendered);
  CHECK(rendered == io::gnuplot_available());
  CHECK_THROWS_AS(io::plot_panels(dir / "none", {}, 2, "t", 100, 100), invalid_parameter);
  CHECK_THROWS_AS(io::plot_panels(dir / "cols", {a}, 0, "t", 100, 100), invalid_parameter);
  fs::remove_all(dir);
}

TEST_CASE("gnuplot: a histogram gives each bin's fraction at its centre") {
  const auto h = io::histogram("h", {0.0, 0.1, 0.9, 1.0, 5.0, -3.0}, 0.0, 1.0, 2, "histeps");
  REQUIRE(h.x.size() == 2);
  CHECK(h.x[0] == doctest::Approx(0.25));
  CHECK(h.x[1] == doctest::Approx(0.75));
  CHECK(h.y[0] == doctest::Approx(3.0 / 6));  // 0, 0.1 and -3 (below the range: first bin)
  CHECK(h.y[1] == doctest::Approx(3.0 / 6));  // 0.9, 1 and 5 (above: last bin)
  CHECK(h.style == "histeps");
  const auto same = io::histogram("s", {2.0, 2.0}, 2.0, 2.0, 3);  // one value: a range around it
  CHECK(same.y[1] == doctest::Approx(1.0));
  CHECK(same.x[1] == doctest::Approx(2.0));
}

TEST_CASE("gnuplot: a PNG takes its name only when whole, and the script also runs by hand") {
  const testing::scratch_dir dir("gnuplot_png");
  CHECK_FALSE(io::detail::complete_png(dir.path / "none.png"));
  std::ofstream(dir.path / "empty.png").flush();
  CHECK_FALSE(io::detail::complete_png(dir.path / "empty.png"));
  const io::figure fig{"t", "x", "y", {{"line", {0, 1}, {0, 1}}}};
  if (!io::plot(dir.path / "fig", fig)) return;  // no gnuplot here: the data and script are tested above
  CHECK(io::detail::complete_png(dir.path / "fig.png"));
  for (const auto& name : testing::listing(dir.path)) CHECK(name.find(".tmp.") == std::string::npos);  // no temporary left
  // cut the image short, as a full disk would: it is no longer whole
  const std::string whole = testing::slurp(dir.path / "fig.png");
  std::ofstream(dir.path / "cut.png", std::ios::binary) << whole.substr(0, whole.size() - 5);
  CHECK_FALSE(io::detail::complete_png(dir.path / "cut.png"));
  // the script names the PNG itself when run without spikernn's temporary name
  fs::remove(dir.path / "fig.png");
  const std::string cmd = "cd '" + dir.path.string() + "' && gnuplot fig.gp 2>/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(io::detail::complete_png(dir.path / "fig.png"));
}
