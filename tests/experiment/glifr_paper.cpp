// The GLIFR paper's protocol: its settings per version and task, the parameter-matched sizes
// and delays spikernn-glifr reports (its run.json and results table), the σ_V schedule, the
// paper's numbers, and a training run that repeats to the bit, also when resumed.
#include <spikernn/experiment/glifr_paper.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace gp = spikernn::glifr_paper;
using sk::testing::refused;

namespace {

gp::settings glifr_paper_settings(gp::paper_task t, int version) {
  gp::settings s;
  s.task = t;
  s.version = version;
  return gp::with_defaults(s);
}

/// `n` images of `rows` × `cols` pixels, digit k a bright column k.
sk::sequential_mnist glifr_paper_images(std::size_t n, std::size_t rows, std::size_t cols, sk::mnist_sequence seq) {
  sk::labelled_images li;
  li.images = {n, rows, cols, std::vector<std::uint8_t>(n * rows * cols, 20)};
  for (std::size_t i = 0; i < n; ++i) {
    li.labels.push_back(std::uint8_t(i % 3));
    for (std::size_t r = 0; r < rows; ++r) li.images.pixels[i * rows * cols + r * cols + i % 3] = 250;
  }
  sk::sequential_mnist_params p;
  p.sequence = seq;
  return sk::sequential_mnist(std::move(li), p);
}

/// A few epochs of type `type` on the pattern task, everything small.
gp::settings glifr_paper_tiny(bool anneal) {
  gp::settings s;
  s.hidden = 8;
  s.delay = 3;
  s.epochs = 4;
  s.eval_every = 3;
  s.anneal = anneal;
  return gp::with_defaults(s);
}

template <class M>
bool glifr_paper_same(const M& a, const M& b) {
  return a.parameters().size() == b.parameters().size() && (a.parameters().array() == b.parameters().array()).all();
}

bool glifr_paper_same_record(const gp::run_record& a, const gp::run_record& b) {
  bool same = a.train_loss == b.train_loss && a.train_accuracy == b.train_accuracy && a.test_epochs == b.test_epochs &&
              a.test_losses == b.test_losses && a.test_accuracies == b.test_accuracies && a.sine_sum == b.sine_sum &&
              a.outputs.size() == b.outputs.size();
  for (std::size_t i = 0; same && i < a.outputs.size(); ++i)
    same = (a.outputs[i].array() == b.outputs[i].array()).all();
  return same;
}

}  // namespace

TEST_CASE("glifr_paper: tasks and types by name") {
  CHECK(gp::parse_task("sine") == gp::paper_task::sine);
  CHECK(gp::parse_task("pmnist") == gp::paper_task::pmnist);
  CHECK(gp::task_name(gp::paper_task::lmnist) == "lmnist");
  CHECK(refused([] { gp::parse_task("cifar"); }) == "task");

  CHECK(gp::type_names().size() == 10);
  CHECK(gp::glifr_type("RHetA") == sk::glifr_variant::r_het_a);
  CHECK(gp::glifr_type("Hom") == sk::glifr_variant::hom);
  CHECK_FALSE(gp::glifr_type("RNN").has_value());
  CHECK(gp::parse_types("all") == gp::type_names());
  CHECK(gp::parse_types("Hom,LHetA,RNN,LSTM") == std::vector<std::string>{"Hom", "LHetA", "RNN", "LSTM"});
  CHECK(refused([] { gp::parse_types("Hom,GRU"); }) == "types");
  CHECK(refused([] { gp::parse_types(""); }) == "types");
}

TEST_CASE("glifr_paper: each version's defaults per task (A.5, A.7)") {
  struct row {
    gp::paper_task task;
    int version, epochs, batch;
    double lr;
    int eval_every;
  };
  for (const row& r :
       {row{gp::paper_task::sine, 2021, 5000, 2, 1e-4, 50}, row{gp::paper_task::sine, 2022, 5000, 6, 1e-4, 50},
        row{gp::paper_task::lmnist, 2021, 50, 128, 1e-3, 1}, row{gp::paper_task::lmnist, 2022, 30, 256, 1e-3, 1},
        row{gp::paper_task::pmnist, 2021, 50, 128, 1e-4, 1}, row{gp::paper_task::pmnist, 2022, 50, 512, 1e-4, 1}}) {
    CAPTURE(gp::task_name(r.task));
    CAPTURE(r.version);
    const gp::settings s = glifr_paper_settings(r.task, r.version);
    CHECK(s.epochs == r.epochs);
    CHECK(s.batch == r.batch);
    CHECK(s.lr == r.lr);
    CHECK(s.eval_every == r.eval_every);
  }
  gp::settings given;
  given.epochs = 7;
  given.lr = 0.5;
  given = gp::with_defaults(given);
  CHECK(given.epochs == 7);
  CHECK(given.lr == 0.5);
  CHECK(given.batch == 2);

  gp::settings bad;
  bad.version = 2020;
  CHECK(refused([&] { bad.validate(); }) == "paper_version");
  bad.version = 2021;
  bad.batch = -1;
  CHECK(refused([&] { (void)gp::with_defaults(bad); }) == "batch");
  bad.batch = 0;
  bad.sigma_v = 0;
  CHECK(refused([&] { bad.validate(); }) == "sigma_v");
}

TEST_CASE("glifr_paper: the matched hidden sizes and trainable counts spikernn-glifr reports (A.6)") {
  // type order RNN, LSTM, Hom, HomA, LHet, LHetA, FHet, FHetA, RHet, RHetA; as the program
  // printed them before the protocol moved into the library
  struct row {
    gp::paper_task task;
    int version, n_in;
    std::vector<int> sizes;
    std::vector<long> trainable;
  };
  const std::vector<row> rows = {
      {gp::paper_task::sine,
       2021,
       1,
       {131, 64, 131, 131, 130, 128, 131, 131, 130, 128},
       {17555, 17217, 17424, 17424, 17421, 17665, 17424, 17424, 17421, 17665}},
      {gp::paper_task::sine,
       2022,
       1,
       {128, 63, 128, 128, 127, 124, 128, 128, 127, 124},
       {16769, 16696, 16641, 16641, 16638, 16617, 16641, 16641, 16638, 16617}},
      {gp::paper_task::lmnist,
       2021,
       28,
       {259, 123, 259, 259, 258, 256, 259, 259, 258, 256},
       {77192, 76516, 76933, 76933, 76894, 77322, 76933, 76933, 76894, 77322}},
      {gp::paper_task::lmnist,
       2022,
       28,
       {256, 122, 256, 256, 255, 252, 256, 256, 255, 252},
       {75530, 75406, 75274, 75274, 75235, 75106, 75274, 75274, 75235, 75106}},
      {gp::paper_task::pmnist,
       2021,
       1,
       {259, 129, 259, 259, 258, 256, 259, 259, 258, 256},
       {70199, 69412, 69940, 69940, 69928, 70410, 69940, 69940, 69928, 70410}},
      {gp::paper_task::pmnist,
       2022,
       1,
       {256, 128, 256, 256, 255, 252, 256, 256, 255, 252},
       {68618, 68362, 68362, 68362, 68350, 68302, 68362, 68362, 68350, 68302}},
  };
  for (const row& r : rows) {
    const gp::settings s = glifr_paper_settings(r.task, r.version);
    const int n_out = r.task == gp::paper_task::sine ? 1 : 10;
    for (std::size_t k = 0; k < gp::type_names().size(); ++k) {
      const std::string& type = gp::type_names()[k];
      CAPTURE(gp::task_name(r.task));
      CAPTURE(r.version);
      CAPTURE(type);
      CHECK(gp::hidden_size(type, s, r.n_in, n_out) == r.sizes[k]);
      const gp::paper_network m = gp::make_model(type, s, r.n_in, n_out, sk::seed{1});
      std::visit(
          [&](const auto& net) {
            CHECK(net.size() == r.sizes[k]);
            CHECK(gp::trainable_count(net.layout()) == r.trainable[k]);
          },
          m);
    }
  }
  gp::settings fixed = glifr_paper_settings(gp::paper_task::lmnist, 2021);
  fixed.hidden = 24;
  CHECK(gp::hidden_size("LSTM", fixed, 28, 10) == 24);
  CHECK(gp::hidden_size("RHetA", fixed, 28, 10) == 24);
  CHECK(refused([&] { (void)gp::hidden_size("GRU", fixed, 28, 10); }) == "type");
}

TEST_CASE("glifr_paper: delays, and the networks make_model builds") {
  const gp::settings s21 = glifr_paper_settings(gp::paper_task::sine, 2021),
                     s22 = glifr_paper_settings(gp::paper_task::sine, 2022);
  const gp::settings p22 = glifr_paper_settings(gp::paper_task::pmnist, 2022);
  CHECK(gp::delay_steps("Hom", s21) == 20);
  CHECK(gp::delay_steps("RNN", s21) == 1);
  CHECK(gp::delay_steps("RNN", s22) == 20);
  CHECK(gp::delay_steps("RHetA", p22) == 300);
  CHECK(gp::delay_steps("RNN", p22) == 300);
  gp::settings given = s21;
  given.delay = 5;
  CHECK(gp::delay_steps("RNN", given) == 5);

  given.sigma_v = 0.25;
  const auto m = gp::make_model("FHetA", given, 1, 1, sk::seed{3});
  REQUIRE(std::holds_alternative<sk::glifr_network<float>>(m));
  const auto& g = std::get<sk::glifr_network<float>>(m);
  CHECK(g.params().n_asc == 2);
  CHECK(g.params().init == sk::glifr_init::heterogeneous);
  CHECK_FALSE(g.params().learn.any());
  CHECK(g.params().delay == 5);
  CHECK(g.params().neuron.sigma_v == 0.25);
  CHECK(std::holds_alternative<sk::vanilla_rnn<float>>(gp::make_model("RNN", given, 1, 1, sk::seed{3})));
  CHECK(std::holds_alternative<sk::lstm<float>>(gp::make_model("LSTM", given, 1, 1, sk::seed{3})));
  // the same seed, the same network
  const auto again = gp::make_model("FHetA", given, 1, 1, sk::seed{3});
  CHECK(glifr_paper_same(g, std::get<sk::glifr_network<float>>(again)));
}

TEST_CASE("glifr_paper: the σ_V schedule of the v2021 anneal as it ran (A.10)") {
  gp::settings s;
  s.sigma_v = 0.3;
  s.epochs = 10;
  CHECK(gp::sigma_v_of_epoch(s, 0) == 0.3);
  CHECK(gp::sigma_v_of_epoch(s, 9) == 0.3);
  s.anneal = true;
  for (int e = 0; e < 5; ++e) CHECK(gp::sigma_v_of_epoch(s, e) == 1.0);
  for (int e = 5; e < 10; ++e) CHECK(gp::sigma_v_of_epoch(s, e) == 1e-3);
  s.epochs = 5;  // an odd count: the first half is the shorter
  CHECK(gp::sigma_v_of_epoch(s, 1) == 1.0);
  CHECK(gp::sigma_v_of_epoch(s, 2) == 1e-3);
}

TEST_CASE("glifr_paper: the paper's numbers (A.9)") {
  CHECK(std::string(gp::paper_numbers("RNN").sine_2021) == "1.574 ± 0.487");
  CHECK(std::string(gp::paper_numbers("LSTM").smnist_2021) == "0.9883 ± 0.0013");
  CHECK(std::string(gp::paper_numbers("RHetA").pmnist_2022) == "0.6721 (0.0146)");
  CHECK(std::string(gp::paper_numbers("Hom").pmnist_2022) == "—");
  const gp::paper_row& l = gp::paper_numbers("LHetA");
  CHECK(std::string(l.mnist(gp::paper_task::lmnist, 2021)) == "0.9417 ± 0.0036");
  CHECK(std::string(l.mnist(gp::paper_task::lmnist, 2022)) == "0.9417 (0.0017)");
  CHECK(std::string(l.mnist(gp::paper_task::pmnist, 2022)) == "0.6168 (0.0221)");
  CHECK(refused([] { (void)gp::paper_numbers("GRU"); }) == "type");
}

TEST_CASE("glifr_paper: a training run on the pattern task repeats to the bit and records its curves") {
  const gp::dataset d = gp::sine_dataset();
  CHECK(d.train.size() == 6);
  CHECK_FALSE(d.classify);
  const gp::settings s = glifr_paper_tiny(true);
  for (const std::string type : {"LHetA", "RNN", "LSTM"}) {
    CAPTURE(type);
    gp::paper_network a = gp::make_model(type, s, d.n_in, d.n_out, sk::seed{4});
    gp::paper_network b = a;
    const gp::paper_network start = a;
    std::vector<int> tested;
    gp::run_options ro;
    ro.on_test = [&](const sk::epoch_progress& p, const sk::sequence_score&) { tested.push_back(p.epoch); };
    const auto train = [&](gp::paper_network& m, const gp::run_options& opt) {
      return std::visit([&](auto& net) { return gp::train_network(net, type, 2, sk::seed{4}, s, d, opt); }, m);
    };
    const gp::run_record ra = train(a, ro), rb = train(b, {});
    CHECK(glifr_paper_same_record(ra, rb));
    std::visit(
        [&](const auto& x) {
          using M = std::decay_t<decltype(x)>;
          CHECK(glifr_paper_same(x, std::get<M>(b)));
          CHECK_FALSE(glifr_paper_same(x, std::get<M>(start)));  // it trained
          if constexpr (std::is_same_v<M, sk::glifr_network<float>>)
            CHECK(x.params().neuron.sigma_v == 1e-3);  // the second half of the anneal
        },
        a);
    CHECK(tested == std::vector<int>{3, 4});
    CHECK(ra.type == type);
    CHECK(ra.run == 2);
    CHECK(ra.seed == 4);
    CHECK(ra.hidden == 8);
    CHECK(ra.delay == (type == "LSTM" ? 0 : 3));
    CHECK(ra.train_loss.size() == 4);
    CHECK(ra.train_accuracy == std::vector<double>(4, -1.0));
    CHECK(ra.test_epochs == std::vector<double>{3, 4});
    CHECK(ra.test_loss == ra.test_losses.back());
    CHECK(ra.test_accuracy == -1);
    REQUIRE(ra.outputs.size() == 6);
    double sum = 0;
    for (int i = 0; i < 6; ++i) {
      CHECK(ra.outputs[std::size_t(i)].rows() == 1);
      CHECK(ra.outputs[std::size_t(i)].cols() == 100);
      sum += d.sine->mse(i, ra.outputs[std::size_t(i)].cast<double>());
    }
    CHECK(ra.sine_sum == sum);
    // the test loss is the mean of the patterns' MSEs
    CHECK(ra.test_loss == doctest::Approx(sum / 6).epsilon(1e-5));
  }
}

TEST_CASE("glifr_paper: a run resumed from its checkpoint ends as the run never stopped") {
  sk::testing::scratch_dir dir("glifr_paper");
  const gp::dataset d = gp::sine_dataset();
  const gp::settings s = glifr_paper_tiny(true);  // 4 epochs of 3 steps: the anneal switches at epoch 2
  auto whole = std::get<sk::glifr_network<float>>(gp::make_model("RHetA", s, 1, 1, sk::seed{9}));
  auto cut = whole;
  gp::run_options ro;
  ro.checkpoint = dir.path / "run.ckpt";
  ro.checkpoint_every = 5;  // written after steps 5 and 10 (mid-epoch), not after the last
  const gp::run_record rw = gp::train_network(whole, "RHetA", 1, sk::seed{9}, s, d, ro);
  REQUIRE(std::filesystem::exists(ro.checkpoint));
  gp::run_options resume;
  resume.resume = ro.checkpoint;
  cut.set_sigma_v(0.5);  // whatever σ_V it has, the checkpoint's epoch decides
  const gp::run_record rc = gp::train_network(cut, "RHetA", 1, sk::seed{9}, s, d, resume);
  CHECK(glifr_paper_same(whole, cut));
  CHECK(glifr_paper_same_record(rw, rc));
}

TEST_CASE("glifr_paper: sequential MNIST data and a classification run") {
  const auto train = glifr_paper_images(12, 5, 6, sk::mnist_sequence::line_by_line);
  const auto test = glifr_paper_images(9, 5, 6, sk::mnist_sequence::line_by_line);
  const gp::dataset d = gp::mnist_dataset(train, test, "somewhere", 10, 0);
  CHECK(d.train.size() == 10);
  CHECK(d.test.size() == 9);
  CHECK(d.n_in == 6);
  CHECK(d.n_out == 10);
  CHECK(d.classify);
  CHECK_FALSE(d.sine.has_value());
  CHECK(d.description == "10 training and 9 test images from somewhere, line by line (28 × 28)");
  const auto pixels = gp::mnist_dataset(glifr_paper_images(4, 5, 6, sk::mnist_sequence::pixel_by_pixel),
                                        glifr_paper_images(4, 5, 6, sk::mnist_sequence::pixel_by_pixel), "x");
  CHECK(pixels.n_in == 1);
  CHECK(sk::testing::contains(pixels.description, "pixel by pixel"));

  gp::settings s;
  s.task = gp::paper_task::lmnist;
  s.hidden = 6;
  s.delay = 2;
  s.epochs = 2;
  s.batch = 4;
  s = gp::with_defaults(s);
  auto m = std::get<sk::glifr_network<float>>(gp::make_model("LHetA", s, d.n_in, d.n_out, sk::seed{2}));
  auto m2 = m;
  const gp::run_record r = gp::train_network(m, "LHetA", 1, sk::seed{2}, s, d);
  CHECK(glifr_paper_same_record(r, gp::train_network(m2, "LHetA", 1, sk::seed{2}, s, d)));
  CHECK(r.train_accuracy.size() == 2);
  CHECK(r.test_epochs == std::vector<double>{1, 2});
  CHECK(r.test_accuracy >= 0);
  CHECK(r.test_accuracy <= 1);
  CHECK(r.outputs.empty());
  CHECK(r.sine_sum == 0);
}

TEST_CASE("glifr_paper: the results tables: one CSV row per network, mean ± population std per type") {
  const auto record = [](std::string type, int run, int hidden, long trainable, double loss, double sum) {
    gp::run_record r;
    r.type = std::move(type);
    r.run = run;
    r.seed = std::uint64_t(run);
    r.hidden = hidden;
    r.trainable = trainable;
    r.test_loss = loss;
    r.sine_sum = sum;
    return r;
  };
  std::vector<gp::run_record> rs = {record("LHetA", 1, 128, 17665, 0.5, 3.0), record("LHetA", 2, 128, 17665, 0.25, 1.5),
                                    record("RNN", 1, 131, 17555, 0.1, 0.6)};
  const sk::io::csv_table t = gp::results_table(rs);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.header.front() == "type");
  CHECK(t.number(1, "test_loss") == 0.25);
  CHECK(t.integer(2, "hidden_size") == 131);
  CHECK(t.number(0, "test_accuracy") == -1);

  gp::table_context c{glifr_paper_settings(gp::paper_task::sine, 2021), 2, 1, "the 6 sinusoids", 12.4};
  const std::string md = gp::results_markdown(rs, {"RNN", "LHetA", "LSTM"}, c);
  CHECK(sk::testing::contains(md, "# Sinusoid pattern generation, GLIFR paper settings v2021"));
  CHECK(sk::testing::contains(md, "2 network(s) per type, seeds 1…2; 5000 epochs, batch 2, Adam lr 0.0001"));
  CHECK(sk::testing::contains(md, "Wall time 12 s."));
  // population std: of 3 and 1.5 it is 0.75 (the sample std would be 1.0607)
  CHECK(sk::testing::contains(
      md, "| LHetA | 128 | 2.2500 ± 0.7500 | 0.0835 ± 0.0119 | 0.37500 ± 0.12500 | 0.0227 (0.0047) |"));
  CHECK(sk::testing::contains(md, "| RNN | 131 | 0.6000 ± 0.0000 |"));
  CHECK(md.find("| RNN |") < md.find("| LHetA |"));    // in the order asked for
  CHECK_FALSE(sk::testing::contains(md, "| LSTM |"));  // no runs, no row

  rs[0].test_accuracy = 0.9;
  rs[1].test_accuracy = 0.8;
  c.s = glifr_paper_settings(gp::paper_task::lmnist, 2022);
  const std::string mn = gp::results_markdown({rs[0], rs[1]}, {"LHetA"}, c);
  CHECK(sk::testing::contains(mn, "# Line-by-line MNIST, GLIFR paper settings v2022"));
  CHECK(sk::testing::contains(mn, "| LHetA | 128 | 0.8500 ± 0.0500 | 0.9417 (0.0017) | 0.3750 ± 0.1250 |"));
}
