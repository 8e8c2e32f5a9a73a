// Tests of the Lin & Huang protocol (experiment/smnn_paper.hpp): the networks each task builds,
// the digit conversion, the paper's table, and tiny runs of both training protocols —
// deterministic, with the curves the protocol promises, and resumed to the same bits.
#include "spikernn/experiment/smnn_paper.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>
#include "../support.hpp"

namespace sk = spikernn;
namespace sp = spikernn::smnn_paper;

namespace {
using spikernn::testing::refused;
using spikernn::testing::scratch_dir;


/// Twenty "digits" of 6 pixels: class 1 lights the first three, class 0 the last three.
sp::digit_set smnn_paper_digits(int count, int offset) {
  sp::digit_set d;
  for (int k = 0; k < count; ++k) {
    const int label = (k + offset) % 2;
    sk::vector<double> v = sk::vector<double>::Constant(6, 0.05);
    (label ? v.head(3) : v.tail(3)).setConstant(0.8);
    d.pixels.push_back(v);
    d.labels.push_back(label);
  }
  return d;
}

sk::mode_snn_params smnn_paper_mnist_net() {
  sk::mode_snn_params p = sp::network_params({sp::task_kind::mnist, 10, 2});
  p.n_inputs = 6;
  p.n_outputs = 2;
  return p;
}

const sp::mnist_settings smnn_paper_mnist_settings{.steps = 8, .epochs = 3, .batches_per_epoch = 2, .batch = 4,
                                                   .test_every = 2, .lr = 0.01, .clip = 20};
const sp::context_settings smnn_paper_context_settings{.steps = 30, .rounds = 4, .steps_per_round = 2, .batch = 4,
                                                       .test_trials = 8, .lr = 0.01, .clip = 20};
}  // namespace

TEST_CASE("smnn_paper: each task builds the network of its figure code") {
  const sk::mode_snn_params m = sp::network_params({sp::task_kind::mnist, 30, 3});
  CHECK(m.n == 30);
  CHECK(m.p == 3);
  CHECK_FALSE(m.full_rank);
  CHECK(m.n_inputs == 784);
  CHECK(m.n_outputs == 10);
  CHECK(m.filter == sk::mode_filter::double_mnist);
  CHECK(m.readout == sk::mode_readout::max_over_time);
  CHECK(m.neuron == sk::mode_neuron::lif);

  const sk::mode_snn_params c = sp::network_params({sp::task_kind::context, 20, 0, sk::mode_neuron::leaky, true});
  CHECK(c.full_rank);
  CHECK(c.n_inputs == 4);
  CHECK(c.n_outputs == 1);
  CHECK(c.filter == sk::mode_filter::single);
  CHECK(c.readout == sk::mode_readout::per_step);
  CHECK(c.input == sk::input_product::dense);
  CHECK(c.neuron == sk::mode_neuron::leaky);
  CHECK(sp::network_params({sp::task_kind::context, 20, 2}).filter == sk::mode_filter::double_mante);

  CHECK(refused([] { sp::network_params({sp::task_kind::mnist, 0, 3}); }) == "N");
  CHECK(refused([] { sp::network_params({sp::task_kind::mnist, 10, -1}); }) == "P");
  CHECK(refused([] { sp::parse_task("cifar"); }) == "task");
  CHECK(refused([] { sp::parse_neuron("izhikevich"); }) == "neuron");
  CHECK(sp::parse_task("context") == sp::task_kind::context);
  CHECK(sp::parse_neuron("leaky") == sk::mode_neuron::leaky);
  CHECK(sp::with_surrogate("arctan", []<class S>(std::type_identity<S>) { return std::string(S::name); }) == "arctan");
  CHECK(refused([] { sp::with_surrogate("heaviside", [](auto) {}); }) == "surrogate");
}

TEST_CASE("smnn_paper: the paper repository's MNIST table") {
  CHECK(sp::paper_mnist_accuracy(100, 3).value() == 0.947);
  CHECK(sp::paper_mnist_accuracy(300, 100).value() == 0.919);
  CHECK_FALSE(sp::paper_mnist_accuracy(300, 200).has_value());
  CHECK_FALSE(sp::paper_mnist_accuracy(20, 2).has_value());
}

TEST_CASE("smnn_paper: the accuracy table and the progress lines") {
  const std::string md =
      sp::accuracy_table({{100, 3, 0.5}, {30, 0, 0.25}, {100, 3, 0.75}, {20, 2, 1}}, sp::task_kind::mnist);
  CHECK(md ==
        "| N | P | test accuracy (mean, min–max over runs) | paper repository (B.6) |\n|---|---|---|---|\n"
        "| 20 | 2 | 1.0000 (1.0000–1.0000) | — |\n"
        "| 30 | full | 0.2500 (0.2500–0.2500) | — |\n"
        "| 100 | 3 | 0.6250 (0.5000–0.7500) | 0.947 |\n");
  CHECK(sp::accuracy_table({{20, 2, 1}}, sp::task_kind::context) ==
        "| N | P | test accuracy (mean, min–max over runs) |\n|---|---|---|\n"
        "| 20 | 2 | 1.0000 (1.0000–1.0000) |\n");
  CHECK(sp::progress_line("N20_P2-1", {2, 3, 2.25, 0.5, 12.5}, sp::task_kind::mnist) ==
        "N20_P2-1     epoch    2/3  loss 2.2500  test accuracy 0.5000  hidden rate 12.5 Hz");
  CHECK(sp::progress_line("N20_P2-1", {4, 400, 0.125, 0.75}, sp::task_kind::context) ==
        "N20_P2-1     round    4/400  loss 0.125  test accuracy 0.750");
}

TEST_CASE("smnn_paper: digits become intensities in [0, 1] with their labels") {
  sk::labelled_images li;
  li.images.count = 2;
  li.images.rows = 1;
  li.images.cols = 3;
  li.images.pixels = {0, 255, 51, 102, 0, 255};
  li.labels = {7, 2};
  const sp::digit_set d = sp::to_digits(sk::sequential_mnist(li));
  REQUIRE(d.size() == 2);
  CHECK(d.labels == std::vector<int>{7, 2});
  CHECK(d.pixels[0](0) == 0.0);
  CHECK(d.pixels[0](1) == 1.0);
  CHECK(d.pixels[0](2) == 51.0 / 255.0);
  CHECK(d.pixels[1](0) == 102.0 / 255.0);
  const sp::digit_set first = sp::to_digits(sk::sequential_mnist(li), 1);  // --train_limit
  CHECK(first.labels == std::vector<int>{7});
  CHECK(first.pixels[0] == d.pixels[0]);
  // a test digit has one encoding, whoever asks
  const auto a = sp::test_encoding(d, 1, 20, sk::seed{3});
  const auto b = sp::test_encoding(d, 1, 20, sk::seed{3});
  CHECK(a.dense() == b.dense());
}

TEST_CASE("smnn_paper: a tiny MNIST run is deterministic, has its curves and resumes to the same bits") {
  const sp::digit_set train = smnn_paper_digits(20, 0), test = smnn_paper_digits(10, 1);
  const auto& s = smnn_paper_mnist_settings;
  std::vector<sp::test_report> reports;
  const auto run = [&](sk::fit_options fo, auto&&... hooks) {
    sk::mode_snn<float> net(smnn_paper_mnist_net(), sk::seed{4});
    const sp::mnist_result r =
        sp::train_mnist(net, train, test, s, sk::seed{4}, fo, [&](const sp::test_report& t) { reports.push_back(t); },
                        hooks...);
    return std::pair{net.parameters(), r};
  };
  const auto [theta, r] = run({});
  CHECK(r.curves.test_x == std::vector<double>{0, 2});  // every test_every epochs, and the last
  CHECK(r.curves.test_accuracy.size() == 2);
  CHECK(r.curves.train_loss.size() == 3);  // one per epoch
  CHECK(r.accuracy == r.curves.test_accuracy.back());
  CHECK(r.loss == r.curves.train_loss.back());
  CHECK(r.accuracy >= 0);
  CHECK(r.accuracy <= 1);
  CHECK(std::isfinite(r.loss));
  REQUIRE(reports.size() == 2);
  CHECK(reports[1].at == 2);
  CHECK(reports[1].of == 3);
  CHECK(reports[1].accuracy == r.curves.test_accuracy[1]);

  sk::mode_snn<float> after(smnn_paper_mnist_net(), sk::seed{4});
  after.parameters() = theta;
  const sp::mnist_score score = sp::mnist_test(after, test, s.steps, sk::seed{4});
  CHECK(score.hidden_rate_hz == r.hidden_rate_hz);
  CHECK(score.hidden_rate_hz > 0);
  CHECK(score.accuracy == r.accuracy);  // the last epoch is tested
  const auto raster = sp::mnist_raster(after, test, s.steps, sk::seed{4});
  CHECK(raster.size() == 4);
  CHECK(raster[0].title == "digit 1");

  const auto [again, r2] = run({});
  CHECK(again == theta);
  CHECK(r2.curves.train_loss == r.curves.train_loss);

  scratch_dir dir("smnn_paper_mnist");
  const auto ck = dir.path / "run.ckpt";
  {
    const sk::interrupt_guard guard;
    CHECK_THROWS_AS(run({.checkpoint = ck}, spikernn::testing::interrupt_at{3}), sk::training_interrupted);
  }
  const auto [resumed, r3] = run({.checkpoint = ck, .resume = ck});
  CHECK(resumed == theta);
  CHECK(r3.curves.test_x == r.curves.test_x);
  CHECK(r3.curves.test_accuracy == r.curves.test_accuracy);
  CHECK(r3.curves.train_loss == r.curves.train_loss);
}

TEST_CASE("smnn_paper: a tiny context run is deterministic, has its curves and resumes to the same bits") {
  const auto& s = smnn_paper_context_settings;
  const auto run = [&](sk::fit_options fo, auto&&... hooks) {
    sk::mode_snn<float> net(sp::network_params({sp::task_kind::context, 10, 2}), sk::seed{6});
    const sp::context_result r = sp::train_context(net, s, sk::seed{6}, fo, {}, hooks...);
    return std::pair{net.parameters(), r};
  };
  const auto [theta, r] = run({});
  CHECK(r.curves.test_x == std::vector<double>{1, 2, 3, 4});  // rounds / 20 < 1: every round
  CHECK(r.curves.train_loss.size() == 4);                    // one per round
  CHECK(r.accuracy == r.curves.test_accuracy.back());
  CHECK(r.outputs.mean.rows() == 4);
  CHECK(r.outputs.mean.cols() == 30);
  CHECK(r.outputs.time_s.size() == 30);
  CHECK(r.outputs.sd.minCoeff() >= 0);
  CHECK(r.outputs.hidden_rate_hz > 0);
  CHECK(sp::condition_figure(r.outputs, "t").lines.size() == 12);  // mean, − std, + std per condition
  CHECK(sp::curve_panels(r.curves, sp::task_kind::context, "n").size() == 2);

  // the per-condition mean is the mean of the test trials' outputs of that condition
  sk::mode_snn<float> after(sp::network_params({sp::task_kind::context, 10, 2}), sk::seed{6});
  after.parameters() = theta;
  const auto task = sp::context_task(s);
  const auto set = sp::context_test_set(task, s.test_trials, sk::seed{6});
  const auto in = sp::input_pointers(set);
  sk::mode_snn<float>::tape tp;
  after.forward(std::span<const sk::matrix<double>* const>(in), tp);
  const sk::index_t B = sk::index_t(set.size());
  for (int c = 0; c < 4; ++c) {
    double sum = 0;
    int count = 0;
    for (sk::index_t b = 0; b < B; ++b)
      if (set[std::size_t(b)].label == c) {
        sum += tp.o(0, 29 * B + b);
        ++count;
      }
    if (count) CHECK(r.outputs.mean(c, 29) == doctest::Approx(sum / count));
  }
  CHECK(sp::context_accuracy(after, task, set) == r.accuracy);

  const auto [again, r2] = run({});
  CHECK(again == theta);
  CHECK(r2.outputs.mean == r.outputs.mean);

  scratch_dir dir("smnn_paper_context");
  const auto ck = dir.path / "run.ckpt";
  {
    const sk::interrupt_guard guard;
    CHECK_THROWS_AS(run({.checkpoint = ck}, spikernn::testing::interrupt_at{5}), sk::training_interrupted);
  }
  const auto [resumed, r3] = run({.checkpoint = ck, .resume = ck});
  CHECK(resumed == theta);
  CHECK(r3.curves.test_x == r.curves.test_x);
  CHECK(r3.curves.test_accuracy == r.curves.test_accuracy);
  CHECK(r3.curves.train_loss == r.curves.train_loss);
}
