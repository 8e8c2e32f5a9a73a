#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/observe/progress.hpp>
#include <spikernn/task/go_nogo.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace spikernn;

TEST_CASE("progress: one line per evaluation with trial / losses / accuracy and ETA - a closing line") {
  std::ostringstream out;
  rate_rnn<float> net({.n = 20}, seed{1});
  const go_nogo task{};
  loss_record rec;
  train(net, task, adam{}, {.eval_trials = 4}, {.n_trials = 150, .seed = seed{1}}, progress{out}, rec);
  const std::string text = out.str();
  CHECK(text.find("trial      1/150") != std::string::npos);
  CHECK(text.find("trial    101/150") != std::string::npos);
  CHECK(text.find("accuracy") != std::string::npos);
  CHECK(text.find("ETA") != std::string::npos);
  CHECK(text.find("stop rule not met; used 150 trials") != std::string::npos);
  REQUIRE(rec.entries().size() == 150);
  CHECK(rec.entries()[3].trial == 3);
  const auto path = std::filesystem::temp_directory_path() / "spikernn_loss_record_test.csv";
  rec.write_csv(path);
  std::ifstream f(path);
  std::string header;
  std::getline(f, header);
  CHECK(header == "trial,loss");
  std::filesystem::remove(path);
  CHECK_THROWS_AS(rec.write_csv("/nonexistent-dir/x.csv"), file_error);
}
