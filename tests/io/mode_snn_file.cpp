// Tests of spikernn::io's mode SNN file (io/mode_snn_file.hpp): a saved network loads back with
// every setting and every trained number, and gives the saved network's outputs to the bit
// (modes and full rank, lif and leaky); the record (task, seed, curves) comes back; a damaged or
// mismatched file is refused naming the file, the variable and what was expected.
#include "spikernn/io/mode_snn_file.hpp"
#include "spikernn/task/rate_encoding.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>
#include "../support.hpp"

namespace fs = std::filesystem;
namespace sk = spikernn;

namespace {
using spikernn::testing::contains;
using spikernn::testing::scratch_dir;

/// Runs `f`, requires a file_error and that its message holds every one of `parts`.
template <class F>
void msf_check_refusal(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL("expected spikernn::file_error");
  } catch (const sk::file_error& e) {
    const std::string msg = e.what();
    INFO("message: " << msg);
    for (const auto& p : parts) CHECK_MESSAGE(contains(msg, p), "missing '" << p << "'");
  }
}

/// A small network of each kind, with settings away from the defaults so a field that is not
/// saved shows.
sk::mode_snn_params msf_params(bool full_rank, sk::mode_neuron neuron) {
  sk::mode_snn_params p;
  p.n = 9;
  p.n_inputs = 7;
  p.n_outputs = 3;
  p.p = full_rank ? 1 : 4;
  p.full_rank = full_rank;
  p.neuron = neuron;
  p.filter = neuron == sk::mode_neuron::lif ? sk::mode_filter::double_mnist : sk::mode_filter::single;
  p.readout = full_rank ? sk::mode_readout::per_step : sk::mode_readout::max_over_time;
  p.input = sk::input_product::sparse;
  p.dt = 1e-3;
  p.v_thr = 0.75;
  p.tau_s = 11e-3;
  p.tau_m = 19e-3;
  p.tau_d = 27e-3;
  p.tau_r = 3e-3;
  p.refractory_steps = 3;
  p.leaky.beta = 0.8;
  p.leaky.threshold = 0.2;
  p.leaky.reset = sk::leaky_reset::zero;
  return p;
}

sk::io::mode_snn_record msf_record() {
  return {"context", 42, "test_rounds", {1, 2, 3}, {0.25, 0.5, 0.75}, {1.5, 1.25, 1.0, 0.875}};
}

/// Eight trials of Bernoulli spikes over 12 steps, the same every call.
std::vector<sk::spike_events> msf_inputs(sk::index_t n_inputs) {
  std::vector<sk::spike_events> ev;
  for (std::uint64_t b = 0; b < 8; ++b) {
    sk::rng g(sk::seed{5}, sk::purpose::spike_encoding, b);
    ev.push_back(sk::bernoulli_rate_events(sk::vector<double>::Constant(n_inputs, 0.4), 12, g));
  }
  return ev;
}

template <class Net>
sk::matrix<float> msf_outputs(const Net& net) {
  typename Net::tape tp;
  net.forward(std::span<const sk::spike_events>(msf_inputs(net.n_inputs())), tp);
  return tp.o;
}

void msf_check_same_params(const sk::mode_snn_params& a, const sk::mode_snn_params& b) {
  CHECK(a.n == b.n);
  CHECK(a.n_inputs == b.n_inputs);
  CHECK(a.n_outputs == b.n_outputs);
  CHECK(a.full_rank == b.full_rank);
  if (!a.full_rank) CHECK(a.p == b.p);  // ignored with full rank
  CHECK(a.neuron == b.neuron);
  CHECK(a.filter == b.filter);
  CHECK(a.readout == b.readout);
  CHECK(a.input == b.input);
  CHECK(a.dt == b.dt);
  CHECK(a.v_thr == b.v_thr);
  CHECK(a.tau_s == b.tau_s);
  CHECK(a.tau_m == b.tau_m);
  CHECK(a.tau_d == b.tau_d);
  CHECK(a.tau_r == b.tau_r);
  CHECK(a.refractory_steps == b.refractory_steps);
  CHECK(a.leaky.beta == b.leaky.beta);
  CHECK(a.leaky.threshold == b.leaky.threshold);
  CHECK(a.leaky.reset == b.leaky.reset);
  CHECK(a.smooth_spikes == b.smooth_spikes);
}

/// Saves a trained-looking network of `Sur` into `dir`/modes.mat and returns it.
template <class Sur = sk::fast_sigmoid>
sk::mode_snn<float, Sur> msf_saved(const fs::path& dir, bool full_rank = false,
                                   sk::mode_neuron neuron = sk::mode_neuron::lif) {
  sk::mode_snn<float, Sur> net(msf_params(full_rank, neuron), sk::seed{3});
  net.parameters() *= 1.7f;  // not the initial draw of any seed
  sk::io::save_mode_snn(dir / "modes.mat", net, msf_record());
  return net;
}

/// Rewrites dir/modes.mat without the variables `drop`, then lets `add` write replacements.
template <class F>
void msf_rewrite(const fs::path& dir, const std::vector<std::string>& drop, F&& add) {
  const sk::io::mat_reader r(dir / "modes.mat");
  sk::io::mat_writer w(dir / "modes.mat");
  r.copy_all_except(w, drop);
  add(w);
  w.commit();
}
}  // namespace

TEST_CASE("mode_snn_file: modes, full rank, lif and leaky load back with the same settings, numbers and outputs") {
  for (const bool full_rank : {false, true})
    for (const auto neuron : {sk::mode_neuron::lif, sk::mode_neuron::leaky}) {
      CAPTURE(full_rank);
      CAPTURE(sk::to_string(neuron));
      scratch_dir dir("mode_snn_file");
      const auto net = msf_saved(dir.path, full_rank, neuron);
      const auto back = sk::io::load_mode_snn(dir.path / "modes.mat");
      msf_check_same_params(back.params(), net.params());
      CHECK(back.modes() == net.modes());
      CHECK(back.parameters() == net.parameters());
      const sk::matrix<float> o = msf_outputs(net);
      CHECK(o.cwiseAbs().sum() > 0);  // the comparison has something to compare
      CHECK(msf_outputs(back) == o);
      // the arrays are also .npy files beside it
      CHECK(fs::exists(dir.path / "npy" / "w_in.npy"));
      CHECK(fs::exists(dir.path / "npy" / (full_rank ? "w_rec.npy" : "xi_in.npy")));
    }
}

TEST_CASE("mode_snn_file: the record, the mode ranking and the surrogate are in the file") {
  scratch_dir dir("mode_snn_file_record");
  const auto net = msf_saved<sk::arctan>(dir.path);
  const sk::io::mode_snn_description d = sk::io::read_mode_snn_description(dir.path / "modes.mat");
  CHECK(d.surrogate == "arctan");
  CHECK(d.surrogate_parameter == 2.0);
  const auto want = msf_record();
  CHECK(d.record.task == want.task);
  CHECK(d.record.seed == want.seed);
  CHECK(d.record.test_x_name == "test_rounds");
  CHECK(d.record.test_x == want.test_x);
  CHECK(d.record.test_accuracy == want.test_accuracy);
  CHECK(d.record.train_loss == want.train_loss);
  const sk::io::mat_reader r(dir.path / "modes.mat");
  CHECK(r.integer("N") == 9);
  CHECK(r.integer("P") == 4);
  const auto rank = sk::mode_importance(net);
  CHECK(r.vector<double>("mode_importance", 4) == rank.score);
  CHECK(r.vector<double>("mode_order", 4)(0) == double(rank.order[0] + 1));  // 1-based
  // a full-rank network is saved with P = 0 and no modes
  scratch_dir full("mode_snn_file_full");
  msf_saved(full.path, true);
  const sk::io::mat_reader f(full.path / "modes.mat");
  CHECK(f.integer("P") == 0);
  CHECK_FALSE(f.has("xi_in"));
  CHECK_FALSE(f.has("mode_importance"));
}

TEST_CASE("mode_snn_file: a network saved without curves loads back") {
  scratch_dir dir("mode_snn_file_bare");
  const sk::mode_snn<float> net(msf_params(false, sk::mode_neuron::lif), sk::seed{9});
  sk::io::save_mode_snn(dir.path / "modes.mat", net, {});
  const auto d = sk::io::read_mode_snn_description(dir.path / "modes.mat");
  CHECK(d.record.test_x.empty());
  CHECK(d.record.train_loss.empty());
  CHECK(sk::io::load_mode_snn(dir.path / "modes.mat").parameters() == net.parameters());
}

TEST_CASE("mode_snn_file: load_any_mode_snn takes the surrogate the file names") {
  scratch_dir dir("mode_snn_file_any");
  const auto net = msf_saved<sk::sigmoid_surrogate>(dir.path, false, sk::mode_neuron::leaky);
  const sk::io::any_mode_snn any = sk::io::load_any_mode_snn(dir.path / "modes.mat");
  REQUIRE(std::holds_alternative<sk::mode_snn<float, sk::sigmoid_surrogate>>(any));
  std::visit([&](const auto& back) { CHECK(msf_outputs(back) == msf_outputs(net)); }, any);
}

TEST_CASE("mode_snn_file: a file of another surrogate is refused, naming both") {
  scratch_dir dir("mode_snn_file_surrogate");
  msf_saved<sk::arctan>(dir.path);
  const auto file = (dir.path / "modes.mat").string();
  msf_check_refusal([&] { (void)sk::io::load_mode_snn<sk::fast_sigmoid>(dir.path / "modes.mat"); },
                    {file, "'surrogate'", "arctan", "fast_sigmoid"});
  // the same name with another parameter is another surrogate
  msf_check_refusal([&] { (void)sk::io::load_mode_snn<sk::basic_arctan<std::ratio<4>>>(dir.path / "modes.mat"); },
                    {file, "'surrogate'", "parameter 2"});
  // one that spikernn does not ship cannot be taken by load_any_mode_snn
  scratch_dir own("mode_snn_file_own_surrogate");
  msf_saved<sk::basic_fast_sigmoid<std::ratio<50>>>(own.path);
  msf_check_refusal([&] { (void)sk::io::load_any_mode_snn(own.path / "modes.mat"); },
                    {(own.path / "modes.mat").string(), "'surrogate'", "fast_sigmoid", "50"});
  CHECK(sk::io::load_mode_snn<sk::basic_fast_sigmoid<std::ratio<50>>>(own.path / "modes.mat").size() == 9);
}

TEST_CASE("mode_snn_file: a missing variable, a wrong shape or a bad setting is refused by name") {
  scratch_dir dir("mode_snn_file_refusals");
  const fs::path mat = dir.path / "modes.mat";
  const std::string file = mat.string();
  const auto load = [&] { (void)sk::io::load_mode_snn(mat); };

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"xi_out"}, [](sk::io::mat_writer&) {});
  msf_check_refusal(load, {file, "'xi_out'", "missing"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"w_in"}, [](sk::io::mat_writer& w) { w.write("w_in", sk::matrix<float>::Zero(9, 6)); });
  msf_check_refusal(load, {file, "'w_in'", "9×7", "9×6"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"lambda"}, [](sk::io::mat_writer& w) { w.write("lambda", sk::matrix<float>::Zero(3, 1)); });
  msf_check_refusal(load, {file, "'lambda'", "length 4"});

  msf_saved(dir.path, true);
  msf_rewrite(dir.path, {"w_rec"}, [](sk::io::mat_writer&) {});
  msf_check_refusal(load, {file, "'w_rec'", "missing"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"neuron"}, [](sk::io::mat_writer& w) { w.write_string("neuron", "izhikevich"); });
  msf_check_refusal(load, {file, "'neuron'", "lif | leaky", "izhikevich"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"tau_m"}, [](sk::io::mat_writer& w) { w.write_scalar("tau_m", -1); });
  msf_check_refusal(load, {file, "'tau_m'", "positive membrane time constant"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"leaky_beta"}, [](sk::io::mat_writer& w) { w.write_scalar("leaky_beta", 2); });
  msf_check_refusal(load, {file, "'leaky_beta'", "[0, 1]"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"P"}, [](sk::io::mat_writer& w) { w.write_int("P", 0); });
  msf_check_refusal(load, {file, "'P'", "positive number of modes"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"full_rank"}, [](sk::io::mat_writer& w) { w.write_int("full_rank", 2); });
  msf_check_refusal(load, {file, "'full_rank'", "0 or 1"});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"format_version"}, [](sk::io::mat_writer& w) { w.write_int("format_version", 7); });
  msf_check_refusal(load, {file, "'format_version'", "newer"});

  // a file without the settings, e.g. one spikernn-smnn wrote before it saved them
  msf_saved(dir.path);
  msf_rewrite(dir.path, {"format", "format_version", "neuron"}, [](sk::io::mat_writer&) {});
  msf_check_refusal(load, {file, "'format'", std::string(sk::io::mode_snn_format)});

  msf_saved(dir.path);
  msf_rewrite(dir.path, {"test_accuracy"},
              [](sk::io::mat_writer& w) { w.write("test_accuracy", sk::matrix<double>::Zero(1, 2)); });
  msf_check_refusal([&] { (void)sk::io::read_mode_snn_description(mat); }, {file, "'test_accuracy'", "3 values"});

  msf_check_refusal([&] { (void)sk::io::load_mode_snn(dir.path / "absent.mat"); },
                    {(dir.path / "absent.mat").string(), "does not exist"});
}
