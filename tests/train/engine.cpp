// The training engine: one loop for every model, its hooks, and checkpoints that resume a run
// to the same bits — for the rate RNN (train()), GLIFR (fit() over a dataset) and the spiking
// mode RNN (encoded batches with gradient clipping).
#include <spikernn/network/glifr_network.hpp>
#include <spikernn/network/mode_snn.hpp>
#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/train/checkpoint.hpp>
#include <spikernn/train/engine.hpp>
#include <spikernn/train/epoch_trainer.hpp>
#include <spikernn/train/hooks.hpp>
#include <spikernn/train/trainer.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace spikernn;
namespace fs = std::filesystem;

namespace {
using spikernn::testing::scratch_dir;
using spikernn::testing::slurp;
using spikernn::testing::interrupt_at;

/// Interrupts a rate-RNN training after `at` trials (an observer of train()).
struct interrupt_after_trial {
  long at;
  void on_trial(const train_progress& p) const {
    if (p.trial + 1 == at) request_interrupt();
  }
};

std::vector<sequence_sample> sine_pair() {
  std::vector<sequence_sample> data(6);
  for (int i = 0; i < 6; ++i) {
    const double offset = 0.1 * i, freq = 0.1 + 0.05 * i;
    data[std::size_t(i)].u = matrix<double>::Constant(1, 30, offset);
    data[std::size_t(i)].z.resize(1, 30);
    for (index_t t = 0; t < 30; ++t) data[std::size_t(i)].z(0, t) = std::sin(freq * double(t)) + offset;
  }
  return data;
}

void spit(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << s;
}
}  // namespace

TEST_CASE("engine: a rate RNN interrupted and resumed trains to the same bits as one never stopped") {
  scratch_dir dir("engine_rate");
  const go_nogo task({.T = 60, .stim_on = 10, .stim_dur = 10});
  const rate_rnn_params p{.n = 24, .n_inputs = 1};
  const stop_rule stop{.eval_every = 40, .eval_trials = 10};
  const train_options base{.n_trials = 150, .batch = 2, .seed = seed{4}};

  rate_rnn<float> whole(p, seed{3});
  const auto full = train(whole, task, adam{}, stop, base);

  rate_rnn<float> first(p, seed{3});
  train_options interrupted = base;
  interrupted.checkpoint = dir.path / "run.ckpt";
  {
    const interrupt_guard guard;
    CHECK_THROWS_AS(train(first, task, adam{}, stop, interrupted, interrupt_after_trial{90}), training_interrupted);
  }
  REQUIRE(fs::exists(interrupted.checkpoint));

  // The network is rebuilt as for the first run (its fixed input weights and unit types come
  // from its seed); everything trained comes from the checkpoint, which refuses another seed.
  rate_rnn<float> resumed(p, seed{3});
  resumed.parameters().setZero();
  train_options again = interrupted;
  again.resume = interrupted.checkpoint;
  train_options other_seed = again;
  other_seed.seed = seed{5};
  CHECK(testing::refused([&] { train(resumed, task, adam{}, stop, other_seed); }) == "seed");
  const auto rest = train(resumed, task, adam{}, stop, again);
  CHECK(resumed.parameters() == whole.parameters());
  CHECK(rest.losses == full.losses);
  REQUIRE(rest.history.size() == full.history.size());
  for (std::size_t i = 0; i < full.history.size(); ++i) {
    CHECK(rest.history[i].loss_mean == full.history[i].loss_mean);
    CHECK(rest.history[i].perf_mean == full.history[i].perf_mean);
  }
  CHECK(rest.last_eval.outputs == full.last_eval.outputs);
  CHECK(rest.initial_parameters == full.initial_parameters);
  CHECK(rest.initial.x == full.initial.x);
  CHECK(rest.last.o == full.last.o);
  CHECK(rest.last_trial == full.last_trial);
}

TEST_CASE("engine: GLIFR resumed from a checkpoint written mid-epoch equals the uninterrupted run") {
  scratch_dir dir("engine_glifr");
  const auto data = sine_pair();
  glifr_network_params p;
  p.n = 10;
  p.delay = 1;
  epoch_options opts{.epochs = 4, .batch = 2, .seed = seed{5}};  // 3 steps an epoch, 12 in all

  glifr_network<double> whole(p, seed{2});
  adam o1({.lr = 0.01, .form = adam_form::pytorch});
  const auto full = fit(whole, std::span<const sequence_sample>(data), o1, opts);

  glifr_network<double> first(p, seed{2});
  adam o2({.lr = 0.01, .form = adam_form::pytorch});
  epoch_options saving = opts;
  saving.checkpoint = dir.path / "glifr.ckpt";
  saving.checkpoint_every = 5;  // last written at step 10: inside epoch 4
  fit(first, std::span<const sequence_sample>(data), o2, saving);
  CHECK(first.parameters() == whole.parameters());  // checkpointing changes nothing

  glifr_network<double> resumed(p, seed{2});
  adam o3({.lr = 0.01, .form = adam_form::pytorch});
  epoch_options again = opts;
  again.resume = saving.checkpoint;
  const auto rest = fit(resumed, std::span<const sequence_sample>(data), o3, again);
  CHECK(resumed.parameters() == whole.parameters());
  CHECK(rest.losses == full.losses);
  CHECK(o3.steps() == o1.steps());
}

TEST_CASE("engine: a spiking mode RNN with clipping resumes to the same bits") {
  scratch_dir dir("engine_smnn");
  mode_snn_params p;
  p.n = 16;
  p.n_inputs = 6;
  p.n_outputs = 2;
  p.p = 2;
  std::vector<vector<double>> x;
  std::vector<int> labels;
  for (int k = 0; k < 12; ++k) {
    vector<double> v = vector<double>::Constant(6, 0.1);
    v.head(3).setConstant(k % 2 ? 0.7 : 0.1);
    x.push_back(v);
    labels.push_back(k % 2);
  }
  const auto run = [&](fit_options fo, auto&&... hooks) {
    mode_snn<float> net(p, seed{8});
    adam opt({.lr = 0.01, .form = adam_form::pytorch});
    encoded_batches data(x, labels, 15, 4, 3, seed{9});
    fit(net, data, spiking_objective{}, opt, fo, clip_gradient_norm{0.5}, hooks...);
    return net.parameters();
  };
  const vector<float> whole = run({.steps = 12});
  {
    const interrupt_guard guard;
    CHECK_THROWS_AS(run({.steps = 12, .checkpoint = dir.path / "smnn.ckpt"}, interrupt_at{7}), training_interrupted);
  }
  const vector<float> resumed = run({.steps = 12, .checkpoint = dir.path / "smnn.ckpt", .resume = dir.path / "smnn.ckpt"});
  CHECK(resumed == whole);
}

TEST_CASE("engine: hooks stop the run, set the learning rate and clip the gradient") {
  const auto data = sine_pair();
  glifr_network_params p;
  p.n = 8;
  glifr_network<double> net(p, seed{1});
  adam opt({.lr = 0.01, .form = adam_form::pytorch});
  dataset_batches source(data, 3, true, seed{2});
  struct record {
    std::vector<double> lr, loss;
    long epochs = 0;
    void before_step(long, const adam& o) { lr.push_back(o.learning_rate()); }
    void after_step(const step_report<glifr_network<double>, sample_batch>& r) { loss.push_back(r.loss); }
    void on_epoch(const epoch_report& e) {
      CHECK(e.batches == 2);
      CHECK(e.samples == 6);
      CHECK(e.correct == -1);  // mse does not classify
      ++epochs;
    }
  } rec;
  clip_gradient_norm clip{1e-3};
  const auto out = fit(net, source, sequence_objective{}, opt, {.steps = 10}, step_decay(0.01, 0.5, 4), clip, rec);
  CHECK(out.status == fit_status::finished);
  CHECK(out.steps_done == 10);
  CHECK(rec.epochs == 5);
  REQUIRE(rec.lr.size() == 10);
  CHECK(rec.lr[0] == doctest::Approx(0.01));
  CHECK(rec.lr[4] == doctest::Approx(0.005));
  CHECK(rec.lr[9] == doctest::Approx(0.0025));
  CHECK(clip.last_norm > 1e-3);  // the clip had work to do

  glifr_network<double> again(p, seed{1});
  adam opt2({.lr = 0.01, .form = adam_form::pytorch});
  const double target = rec.loss[3];  // stop at the first loss below the fourth's
  const auto stopped = fit(again, source, sequence_objective{}, opt2, {.steps = 10}, stop_below_loss{target * 1.0000001});
  CHECK(stopped.status == fit_status::stopped);
  CHECK(stopped.steps_done <= 4);
}

TEST_CASE("engine: a damaged, cut or foreign checkpoint is refused naming the file") {
  scratch_dir dir("engine_bad");
  const auto data = sine_pair();
  glifr_network_params p;
  p.n = 8;
  const fs::path ck = dir.path / "a.ckpt";
  {
    glifr_network<double> net(p, seed{1});
    adam opt;
    fit(net, std::span<const sequence_sample>(data), opt,
        epoch_options{.epochs = 2, .batch = 3, .checkpoint = ck, .checkpoint_every = 1});
  }
  const std::string good = slurp(ck);
  const auto resume_from = [&](const fs::path& file, int n = 8) {
    glifr_network_params q = p;
    q.n = n;
    glifr_network<double> net(q, seed{1});
    adam opt;
    fit(net, std::span<const sequence_sample>(data), opt, epoch_options{.epochs = 2, .batch = 3, .resume = file});
  };
  CHECK_NOTHROW(resume_from(ck));
  const auto message = [&](auto&& f) -> std::string {
    try {
      f();
    } catch (const file_error& e) {
      CHECK(e.file == (dir.path / "b.ckpt").string());
      return e.what();
    }
    return "";
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x10);
  spit(dir.path / "b.ckpt", flipped);
  CHECK(message([&] { resume_from(dir.path / "b.ckpt"); }).find("checksum") != std::string::npos);
  spit(dir.path / "b.ckpt", good.substr(0, good.size() - 9));
  CHECK(message([&] { resume_from(dir.path / "b.ckpt"); }).find("checksum") != std::string::npos);
  spit(dir.path / "b.ckpt", "not a checkpoint at all, just text long enough to look like one");
  CHECK(message([&] { resume_from(dir.path / "b.ckpt"); }).find("not a spikernn checkpoint") != std::string::npos);
  fs::copy_file(ck, dir.path / "b.ckpt", fs::copy_options::overwrite_existing);
  CHECK(message([&] { resume_from(dir.path / "b.ckpt", 9); }).find("another model") != std::string::npos);
  CHECK_THROWS_AS(resume_from(dir.path / "missing.ckpt"), file_error);
}

