// Tests of spikernn::io::export_brian2: the files and their shapes, the trials being the very
// trials evaluate_spiking scores, spikernn's reference result, every constant in the script,
// the decision rules against the tasks' own spiking rules, and the refusals. That Brian2 runs the
// script and agrees is tests/python/brian2_export_check.py's part.
#include <spikernn/convert/rate_to_lif.hpp>
#include <spikernn/eval/spiking_eval.hpp>
#include <spikernn/io/brian2_export.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/network/rate_model.hpp>
#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/neuron/qif.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/task/mante.hpp>
#include <spikernn/task/mante_port.hpp>
#include <spikernn/task/xor.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace sk = spikernn;
namespace b2x_fs = std::filesystem;
using sk::testing::contains;
using sk::testing::refused;
using sk::testing::scratch_dir;
using sk::testing::slurp;

/// A converted (untrained) network of n units and `inputs` input channels; it spikes.
template <sk::integrate_and_fire Neuron = sk::leaky_if>
sk::lif_network<double, Neuron> b2x_network(int n, int inputs = 1, sk::lif_params p = Neuron::defaults()) {
  const sk::rate_rnn<float> rate({.n = n, .n_inputs = inputs}, sk::seed{5});
  return sk::to_lif<double, Neuron>(sk::to_rate_model(rate), 25.0, p);
}

std::vector<std::size_t> b2x_shape(const b2x_fs::path& file) { return sk::io::read_npy<double>(file).shape; }

/// The text after `"key": ` up to the next comma, line end or brace: a value of
/// spikernn_reference.json exactly as written (the key may span several JSON tokens).
std::string b2x_json_field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return "";
  const auto from = at + key.size() + 4;
  return json.substr(from, json.find_first_of(",\n}", from) - from);
}

}  // namespace

TEST_CASE("brian2_export: the files and their shapes") {
  const scratch_dir tmp("brian2_files");
  const auto folder = tmp.path / "export";  // created by the export
  const auto net = b2x_network(12);
  const sk::go_nogo task{};
  const auto sum = sk::io::export_brian2(folder, net, task, {.trials = 3, .seed = sk::seed{2}});

  CHECK(sum.script == folder / "network.py");
  // written in a staging folder beside it and moved into place: nothing else is left there
  CHECK(sk::testing::listing(tmp.path) == std::vector<std::string>{"export"});
  REQUIRE(!sum.files.empty());
  CHECK(sum.files.front() == sum.script);
  for (const auto& f : sum.files) CHECK(b2x_fs::is_regular_file(f));
  for (const char* name : {"network.py", "w.npy", "w_in.npy", "w_out.npy", "b_out.npy", "tau_d.npy", "inhibitory.npy",
                           "stimuli.npy", "labels.npy", "trials.json", "verify_v0.npy", "verify_out.npy",
                           "spikernn_reference.json"})
    CHECK_MESSAGE(b2x_fs::is_regular_file(folder / name), std::string(name));
  CHECK(sum.files.size() == 13);  // nothing else: no temporaries left

  using shape = std::vector<std::size_t>;
  CHECK(b2x_shape(folder / "w.npy") == shape{12, 12});
  CHECK(b2x_shape(folder / "w_in.npy") == shape{12, 1});
  CHECK(b2x_shape(folder / "w_out.npy") == shape{12});
  CHECK(b2x_shape(folder / "b_out.npy") == shape{});
  CHECK(b2x_shape(folder / "tau_d.npy") == shape{12});
  CHECK(sk::io::read_npy<bool>(folder / "inhibitory.npy").shape == shape{12});
  CHECK(b2x_shape(folder / "stimuli.npy") == shape{3, 1, 201});
  CHECK(b2x_shape(folder / "labels.npy") == shape{3});
  CHECK(b2x_shape(folder / "verify_v0.npy") == shape{12});
  CHECK(b2x_shape(folder / "verify_out.npy") == shape{20000});

  // the parameters as the network holds them (w already divided by the factor)
  CHECK(sk::io::read_npy_matrix<double>(folder / "w.npy") == net.w());
  CHECK(sk::io::read_npy_matrix<double>(folder / "w_in.npy") == net.w_in());
  CHECK(sk::io::read_npy_matrix<double>(folder / "w_out.npy") == net.w_out().transpose());
  CHECK(sk::io::read_npy_matrix<double>(folder / "tau_d.npy") == net.tau_d().matrix());
  const auto inh = sk::io::read_npy<bool>(folder / "inhibitory.npy").data;
  for (sk::index_t k = 0; k < 12; ++k) CHECK(inh[std::size_t(k)] == net.inhibitory()[k]);
}

TEST_CASE("brian2_export: the trials are those evaluate_spiking scores, and the reference is its score") {
  const scratch_dir tmp("brian2_trials");
  const auto net = b2x_network(16);
  const sk::go_nogo task{};
  const sk::io::brian2_export_options opt{.trials = 4, .seed = sk::seed{9}, .first_trial = 1000, .threads = 2};
  const auto sum = sk::io::export_brian2(tmp.path, net, task, opt);  // an empty folder is fine

  const auto stimuli = sk::io::read_npy<double>(tmp.path / "stimuli.npy").data;
  const auto labels = sk::io::read_npy<double>(tmp.path / "labels.npy").data;
  for (std::uint64_t k : {std::uint64_t(0), std::uint64_t(3)}) {
    CAPTURE(k);
    sk::rng g(sk::seed{9}, sk::purpose::spiking_trial, 1000 + k);
    const sk::trial tr = task.spiking_trial(g);
    for (sk::index_t c = 0; c < tr.u.cols(); ++c) CHECK(stimuli[std::size_t(k) * 201 + std::size_t(c)] == tr.u(0, c));
    CHECK(labels[std::size_t(k)] == tr.label);
    CHECK(contains(slurp(tmp.path / "trials.json"), "\"" + tr.condition + "\""));
  }

  const auto score = sk::evaluate_spiking(net, task, {.trials = 4, .threads = 1, .seed = sk::seed{9}, .first_trial = 1000});
  CHECK(sum.spikernn.accuracy == score.accuracy);
  CHECK(sum.spikernn.correct == score.correct);
  CHECK(sum.spikernn.total_spikes == score.total_spikes);
  const std::string ref = slurp(tmp.path / "spikernn_reference.json");
  CHECK(b2x_json_field(ref, "accuracy") == sk::io::exact_text(score.accuracy));
  CHECK(b2x_json_field(ref, "total_spikes") == std::to_string(score.total_spikes));
  CHECK(b2x_json_field(ref, "mean_exc_rate_hz") == sk::io::exact_text(score.mean_exc_rate));
  CHECK(b2x_json_field(ref, "mean_inh_rate_hz") == sk::io::exact_text(score.mean_inh_rate));
  CHECK(b2x_json_field(ref, "first_trial") == "1000");
  CHECK(b2x_json_field(ref, "seed") == "9");
  std::string flags;
  for (char c : score.correct) flags += std::string(flags.empty() ? "" : ", ") + (c ? "true" : "false");
  CHECK(contains(ref, "\"correct\": [" + flags + "]"));

  // --verify's trial: of these, the one with the most spikes when run without noise, its
  // initial voltages drawn from its stream as run() draws them, and its noiseless output.
  const auto trial_index = std::stoul(b2x_json_field(ref, "verify\": {\"trial"));  // "verify": {"trial": k
  sk::lif_params quiet = net.params();
  quiet.noise_mv = 0;
  sk::lif_network<double> silent(net.w(), net.w_in(), net.w_out(), net.tau_d(), quiet);
  std::vector<long> spikes;
  for (std::uint64_t k = 0; k < 4; ++k) {
    sk::rng g(sk::seed{9}, sk::purpose::spiking_trial, 1000 + k);
    const sk::trial tr = task.spiking_trial(g);
    sk::rng probe = g;
    silent.reset(probe);
    const sk::vector<double> v0 = silent.v().matrix();
    const auto res = silent.run(tr.u, g);
    spikes.push_back(res.total_spikes);
    if (k != trial_index) continue;
    CHECK(sk::io::read_npy_matrix<double>(tmp.path / "verify_v0.npy") == v0);
    CHECK(sk::io::read_npy_matrix<double>(tmp.path / "verify_out.npy") == res.out.transpose());
    CHECK(b2x_json_field(ref, "total_spikes\": " + std::to_string(res.total_spikes) + ", \"correct") ==
          (task.spiking_correct(tr, res.out, res.dt) ? "true" : "false"));
  }
  REQUIRE(trial_index < 4);
  for (std::size_t k = 0; k < 4; ++k) CHECK(spikes[k] <= spikes[trial_index]);
  for (std::size_t k = 0; k < trial_index; ++k) CHECK(spikes[k] < spikes[trial_index]);  // the first of the most
}

TEST_CASE("brian2_export: the script states every constant of the network and the rule") {
  const scratch_dir tmp("brian2_script");
  sk::lif_params p{};
  p.downsample = 2;
  p.tau_r = 0;  // the single-exponential synapse
  p.noise_mv = 0.25;
  p.t_ref = 0.0015;
  p.v_init_hi = -41.5;
  const auto net = b2x_network(8, 2, p);
  const auto sum = sk::io::export_brian2(tmp.path / "x", net, sk::xor_task{}, {.trials = 2});
  const std::string py = slurp(sum.script);
  for (const char* line : {"DT = 1e-04 ", "BASE_DT = 5e-05 ", "DOWNSAMPLE = 2 ", "STEPS_PER_COLUMN = 100 ",
                           "TAU_M = 0.01 ", "T_REF = 0.0015 ", "V_RESET = -65.0 ", "V_PEAK = -40.0 ", "BIAS = -40.0 ",
                           "TAU_R = 0.0 ", "NOISE_MV = 0.25 ", "V_INIT_LO = -65.0 ", "V_INIT_HI = -41.5 ",
                           "TASK = \"xor\" ", "RULE = \"signed_response\" ", "WINDOW_START = 1.0 ", "THRESHOLD = 0.7 "})
    CHECK_MESSAGE(contains(py, std::string("\n") + line), std::string(line));
  CHECK(py.rfind("#!/usr/bin/python3\n", 0) == 0);
  CHECK(sum.rule.type == sk::io::decision_rule::kind::signed_response);
  CHECK(b2x_shape(tmp.path / "x" / "stimuli.npy") == std::vector<std::size_t>{2, 2, 301});
}

TEST_CASE("brian2_export: each decision rule judges like its task's spiking rule") {
  const double dt = 5e-5;
  sk::rng g(sk::seed{3}, sk::purpose::user);
  // outputs around every threshold, with the window start in between
  const auto judge_all = [&](const auto& task) {
    const sk::io::decision_rule rule = sk::io::decision_rule_of(task);
    int agreements = 0;
    for (int k = 0; k < 200; ++k) {
      const sk::trial tr = task.spiking_trial(g);
      sk::row_vector<double> out(30000);
      const double level = g.uniform(-1.2, 1.2), early = g.uniform(-1.5, 1.5);
      for (sk::index_t i = 0; i < out.size(); ++i) out[i] = level + 0.05 * g.normal();
      out.head(g.uniform() < 0.5 ? 9999 : 19999).setConstant(early);  // before the window only
      agreements += rule.correct(tr.label, out, dt) == task.spiking_correct(tr, out, dt);
    }
    return agreements;
  };
  CHECK(judge_all(sk::go_nogo{}) == 200);
  CHECK(judge_all(sk::xor_task{}) == 200);
  CHECK(judge_all(sk::mante{}) == 200);
  CHECK(judge_all(sk::mante_port{}) == 200);
  const auto gng = sk::io::decision_rule_of(sk::go_nogo{});
  CHECK(gng.type == sk::io::decision_rule::kind::go_nogo_peak);
  CHECK(gng.go_threshold == 0.7);
  CHECK(gng.nogo_threshold == 0.3);
  CHECK(gng.window_start == 0.5);
}

TEST_CASE("brian2_export: refuses other neurons, used folders and a task the network cannot take") {
  const scratch_dir tmp("brian2_refusals");
  const sk::go_nogo task{};

  // a QIF network: no Brian2 model is written for it, and nothing is created
  const auto qif = b2x_network<sk::quadratic_if>(6);
  CHECK(refused([&] { sk::io::export_brian2(tmp.path / "qif", qif, task, {.trials = 1}); }) == "neuron");
  CHECK(!b2x_fs::exists(tmp.path / "qif"));

  // a folder holding anything is never written into
  const auto net = b2x_network(6);
  const auto used = tmp.path / "used";
  b2x_fs::create_directories(used);
  { std::ofstream(used / "notes.txt") << "mine"; }
  try {
    sk::io::export_brian2(used, net, task, {.trials = 1});
    FAIL("a non-empty folder was written into");
  } catch (const sk::file_error& e) {
    CHECK(e.file == used.string());
    CHECK(contains(e.what(), "not empty"));
  }
  CHECK(sk::testing::listing(used) == std::vector<std::string>{"notes.txt"});
  CHECK(slurp(used / "notes.txt") == "mine");
  // nor is a file taken for a folder
  CHECK_THROWS_AS(sk::io::export_brian2(used / "notes.txt", net, task, {.trials = 1}), sk::file_error);

  // a task with other inputs than the network's w_in (XOR has 2), and no trials
  CHECK(refused([&] { sk::io::export_brian2(tmp.path / "xor", net, sk::xor_task{}, {.trials = 1}); }) == "task");
  CHECK(refused([&] { sk::io::export_brian2(tmp.path / "none", net, task, {.trials = 0}); }) == "trials");
  CHECK(!b2x_fs::exists(tmp.path / "xor"));
  CHECK(!b2x_fs::exists(tmp.path / "none"));
}
