#include <spikernn/io/mat_model.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/task/xor.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

using namespace spikernn;
namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) {
  const auto dir = fs::temp_directory_path() / "spikernn_mat_model_test";
  fs::create_directories(dir);
  return dir / name;
}

template <class Net>
train_result<float> short_fit(Net& net) {
  const go_nogo task{};
  return train(net, task, adam{}, {.eval_trials = 4}, {.n_trials = 3, .seed = seed{1}});
}

/// A fresh folder of its own per test case (CTest runs the cases in parallel, and another case
/// removes the shared scratch folder when it ends).
fs::path own_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("spikernn_mat_model_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// A few XOR trials: 8 evaluation trials give both labels with this seed (checked below).
train_result<float> short_xor_fit(rate_rnn<float>& net) {
  return train(net, xor_task{}, adam{}, {.eval_trials = 8}, {.n_trials = 3, .seed = seed{3}});
}

template <class Net>
matrix<float> outputs(const Net& net, std::uint64_t s) {
  const trial tr = go_nogo{}.make(go_nogo::type::go);
  std::vector<const trial*> trials{&tr};
  std::vector<rng> noise{rng(seed{s}, purpose::user)};
  typename Net::tape tp;
  net.forward(trials, noise, tp);
  return tp.o;
}
}  // namespace

TEST_CASE("mat_model: a saved model loads back into the same network") {
  rate_rnn<float, sigmoid, dale> net({.n = 40, .som_n = 2, .taus = {4, 20}}, seed{2});
  const auto fit = short_fit(net);
  const auto path = scratch("roundtrip.mat");
  io::save_rate_model(path, net, fit, {.task = "go-nogo", .seed = 2});
  const auto m = io::load_rate_model<float>(path);
  CHECK(m.params.n == 40);
  CHECK(m.params.som_n == 2);
  CHECK(m.params.taus == std::vector<double>{4, 20});
  CHECK(m.activation == "sigmoid");
  CHECK(m.apply_dale);
  CHECK(m.task == "go-nogo");
  CHECK(m.w == net.exported_w());
  CHECK(m.w_in == net.w_in());
  CHECK(m.types.inh.isApprox(net.types().inh));
  CHECK(m.types.som_mask == net.types().som_mask);
  const auto again = io::to_rate_rnn<float, sigmoid, dale>(m);
  CHECK((outputs(again, 5) - outputs(net, 5)).cwiseAbs().maxCoeff() == 0.f);

  const io::mat_reader in(path);
  CHECK(in.vector<double>("losses").size() == 3);
  CHECK(in.integer("tr") == 2);
  CHECK(in.dims("x0") == std::vector<std::size_t>{200, 40, 1});
  CHECK(in.dims("o") == std::vector<std::size_t>{199, 1, 1});
  CHECK(in.class_name("inh") == "logical");
  CHECK(in.class_name("w") == "single");
  // the initial weights are the ones before training
  CHECK(in.matrix<float>("w0", 40, 40) != m.w);
  CHECK_THROWS_AS((io::to_rate_rnn<float, softplus, dale>(m)), file_error);
  CHECK_THROWS_AS((io::to_rate_rnn<float, sigmoid, no_dale>(m)), file_error);
  fs::remove(path);
}

TEST_CASE("mat_model: XOR eval_labels are the original's same/diff strings - other tasks keep numbers") {
  rate_rnn<float> net({.n = 20, .n_inputs = 2}, seed{3});
  const auto fit = short_xor_fit(net);
  const auto& labels = fit.last_eval.labels;
  REQUIRE(labels.size() == 8);
  REQUIRE(std::count(labels.begin(), labels.end(), 1.0) > 0);
  REQUIRE(std::count(labels.begin(), labels.end(), -1.0) > 0);
  const auto dir = own_dir("xor_labels");
  const auto path = dir / "xor.mat";
  io::save_rate_model(path, net, fit, {.task = "xor", .seed = 3});
  {
    const io::mat_reader in(path);
    // what scipy.io.savemat writes for a list of 8 four-letter strings: an 8×4 char matrix
    CHECK(in.class_name("eval_labels") == "char");
    CHECK(in.dims("eval_labels") == std::vector<std::size_t>{8, 4});
    const auto rows = in.strings("eval_labels");
    REQUIRE(rows.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) CHECK(rows[i] == (labels[i] > 0 ? "same" : "diff"));
  }
  CHECK(io::load_eval_labels(path) == labels);
  const auto m = io::load_rate_model<float>(path);
  CHECK(m.task == "xor");
  CHECK(m.params.n_inputs == 2);
  CHECK(m.w == net.exported_w());
  // a scaling search rewrites the file: the char matrix survives as it was
  io::save_scaling_search(path, {20, 25}, {0.5, 0.75}, 25);
  {
    const io::mat_reader in(path);
    CHECK(in.class_name("eval_labels") == "char");
    CHECK(in.dims("eval_labels") == std::vector<std::size_t>{8, 4});
  }
  CHECK(io::load_eval_labels(path) == labels);

  rate_rnn<float> gng({.n = 10}, seed{1});
  const auto gng_fit = short_fit(gng);
  const auto numeric = dir / "go_nogo.mat";
  io::save_rate_model(numeric, gng, gng_fit, {.task = "go-nogo"});
  const io::mat_reader in(numeric);
  CHECK(in.class_name("eval_labels") == "double");
  CHECK(in.dims("eval_labels") == std::vector<std::size_t>{1, 4});
  CHECK(io::load_eval_labels(numeric) == gng_fit.last_eval.labels);
  fs::remove_all(dir);
}

TEST_CASE("mat_model: eval_labels load as numbers or as char or cell strings - other strings are refused") {
  rate_rnn<float> net({.n = 10}, seed{1});
  const auto fit = short_fit(net);
  const auto dir = own_dir("label_forms");
  const auto good = dir / "good.mat";
  io::save_rate_model(good, net, fit, {.task = "go-nogo"});
  const auto with_labels = [&](const std::string& name, auto&& write_labels) {
    const auto p = dir / (name + ".mat");
    io::mat_writer out(p);
    io::mat_reader(good).copy_all_except(out, {"eval_labels"});
    write_labels(out);
    out.commit();
    return p;
  };
  const std::vector<double> same_diff{1, -1, -1, 1};
  const auto as_chars = with_labels("chars", [](io::mat_writer& o) {
    o.write_char_matrix("eval_labels", {"same", "diff", "diff", "same"});
  });
  const auto as_cell = with_labels("cell", [](io::mat_writer& o) {
    o.write_strings("eval_labels", {"same", "diff", "diff", "same"});
  });
  const auto as_int = with_labels("int", [](io::mat_writer& o) {
    o.write("eval_labels", (Eigen::Matrix<std::int64_t, 4, 1>() << 1, -1, -1, 1).finished());
  });
  const auto none = with_labels("none", [](io::mat_writer&) {});
  CHECK(io::load_eval_labels(as_chars) == same_diff);
  CHECK(io::load_eval_labels(as_cell) == same_diff);
  CHECK(io::load_eval_labels(as_int) == same_diff);
  CHECK(io::load_eval_labels(none).empty());
  // the network loads whichever form the labels take
  for (const auto& p : {as_chars, as_cell, as_int, none}) CHECK(io::load_rate_model<float>(p).w == net.exported_w());
  // char padding: MATLAB's char() pads shorter rows with blanks, the reader drops them
  const auto padded =
      with_labels("padded", [](io::mat_writer& o) { o.write_char_matrix("eval_labels", {"go", "nogo"}); });
  CHECK(io::mat_reader(padded).dims("eval_labels") == std::vector<std::size_t>{2, 4});
  CHECK(io::mat_reader(padded).strings("eval_labels") == std::vector<std::string>{"go", "nogo"});
  CHECK_THROWS_WITH_AS(io::load_eval_labels(padded), doctest::Contains("'eval_labels'"), file_error);
  CHECK_THROWS_WITH_AS(io::load_eval_labels(padded), doctest::Contains("'go'"), file_error);
  CHECK(io::load_rate_model<float>(padded).w == net.exported_w());
  fs::remove_all(dir);
}

TEST_CASE("mat_model: missing variables / wrong shapes and non-finite weights are refused by name") {
  rate_rnn<float> net({.n = 10}, seed{1});
  const auto fit = short_fit(net);
  const auto good = scratch("good.mat");
  io::save_rate_model(good, net, fit, {.task = "go-nogo"});
  const auto rewrite = [&](const std::string& name, auto&& write_replacement) {
    const auto bad = scratch("bad_" + name + ".mat");
    io::mat_writer out(bad);
    io::mat_reader(good).copy_all_except(out, {name});
    write_replacement(out);
    out.commit();
    return bad;
  };
  const auto no_w = rewrite("w", [](io::mat_writer&) {});
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(no_w), doctest::Contains("variable 'w'"), file_error);
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(no_w), doctest::Contains("bad_w.mat"), file_error);
  const auto wrong_shape = rewrite("w_out", [](io::mat_writer& o) { o.write("w_out", matrix<float>::Ones(1, 9)); });
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(wrong_shape), doctest::Contains("w_out"), file_error);
  const auto nan_w = rewrite("w", [](io::mat_writer& o) {
    matrix<float> w = matrix<float>::Zero(10, 10);
    w(3, 4) = std::numeric_limits<float>::quiet_NaN();
    o.write("w", w);
  });
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(nan_w), doctest::Contains("'w'"), file_error);
  const auto bad_m = rewrite("m", [](io::mat_writer& o) { o.write("m", matrix<float>::Constant(10, 10, 2.f)); });
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(bad_m), doctest::Contains("'m'"), file_error);
  // a w_in without columns: embed_lif crashed on it (it drives input channel 0)
  const auto no_inputs = rewrite("w_in", [](io::mat_writer& o) { o.write("w_in", matrix<float>::Zero(10, 0)); });
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(no_inputs), doctest::Contains("'w_in'"), file_error);
  CHECK_THROWS_WITH_AS(io::load_rate_model<float>(no_inputs), doctest::Contains("at least one input channel"), file_error);
  CHECK_THROWS_AS(io::load_rate_model<float>(scratch("does_not_exist.mat")), file_error);
  fs::remove_all(scratch("").parent_path());
}

TEST_CASE("mat_model: saving into a missing folder fails and leaves nothing behind") {
  rate_rnn<float> net({.n = 10}, seed{1});
  const auto fit = short_fit(net);
  CHECK_THROWS_AS(io::save_rate_model("/nonexistent-spikernn-dir/m.mat", net, fit, {}), file_error);
}

TEST_CASE("mat_model interop: files of the original and of the PyTorch port load - scipy reads ours") {
  const char* dir = std::getenv("SPIKERNN_INTEROP_DIR");
  if (dir == nullptr) {
    MESSAGE("SPIKERNN_INTEROP_DIR is not set; skipped (see tests/python/model_interop.py)");
    return;
  }
  const fs::path d(dir);
  const auto original = io::load_rate_model<float>(d / "original_model.mat");
  CHECK(original.params.n == 30);
  CHECK(original.apply_dale);
  CHECK(original.types.n_inh() >= 2);
  CHECK(original.b_out == doctest::Approx(0.25));
  CHECK(original.activation == "sigmoid");
  const auto net = io::to_rate_rnn<float, sigmoid, dale>(original);
  CHECK(net.effective_weights().col(1).maxCoeff() <= 0.f);  // unit 1 is inhibitory

  // The port: float64 everywhere, exc/inh as 0/1 doubles, and a negative raw weight (its bug 2),
  // which relu removes here so the network keeps Dale's principle.
  const auto port = io::load_rate_model<double>(d / "port_model.mat");
  CHECK(port.w(0, 1) < 0);
  const auto port_net = io::to_rate_rnn<double, sigmoid, dale>(port);
  CHECK(port_net.effective_weights()(0, 1) == 0.0);
  CHECK(port_net.effective_weights().col(1).maxCoeff() <= 0.0);  // unit 1 is inhibitory

  rate_rnn<float> ours({.n = 25}, seed{4});
  io::save_rate_model(d / "spikernn_model.mat", ours, short_fit(ours), {.task = "go-nogo"});
  // XOR: scipy must read eval_labels as the original's list of 'same' / 'diff'
  rate_rnn<float> ours_xor({.n = 25, .n_inputs = 2}, seed{3});
  io::save_rate_model(d / "spikernn_xor_model.mat", ours_xor, short_xor_fit(ours_xor), {.task = "xor"});
}

// ---- save_scaling_search (spec §5.1: the grid search's result appended to the model file) ----

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/resource.h>

namespace {
/// A folder of its own per test case: CTest may run the cases in parallel.
fs::path search_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("spikernn_mat_search_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Whether `p` still holds exactly `bytes` (a bool, so a failure does not print a binary file).
bool unchanged(const fs::path& p, const std::string& bytes) { return file_text(p) == bytes; }

std::set<std::string> name_set(const fs::path& p) {
  const auto names = io::mat_reader(p).names();
  return {names.begin(), names.end()};
}

/// Files in `dir` whose name marks a temporary of an atomic write.
int leftover_temporaries(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

fs::path saved_model(const fs::path& dir) {
  rate_rnn<float> net({.n = 10, .taus = {4, 20}}, seed{1});
  const auto fit = short_fit(net);
  const auto path = dir / "model.mat";
  io::save_rate_model(path, net, fit, {.task = "go-nogo", .seed = 1});
  return path;
}
}  // namespace

TEST_CASE("mat_model: save_scaling_search writes the result and keeps every other variable") {
  const auto dir = search_dir("keeps");
  const auto path = saved_model(dir);
  const auto names_before = name_set(path);
  REQUIRE(names_before.count("w") == 1);
  REQUIRE(names_before.count("opt_scaling_factor") == 0);
  const io::mat_reader before(path);

  io::save_scaling_search(path, {20, 25, 30}, {0.5, 0.96, 0.96}, 25);
  auto expected_names = names_before;
  expected_names.insert({"opt_scaling_factor", "all_perfs", "scaling_factors", "spiking_neuron", "search_estimator"});
  CHECK(name_set(path) == expected_names);
  const io::mat_reader after(path);
  CHECK(after.string("spiking_neuron") == "lif");
  // other variables unchanged, class included
  CHECK(after.matrix<float>("w", 10, 10) == before.matrix<float>("w", 10, 10));
  CHECK(after.class_name("w") == "single");
  CHECK(after.vector<double>("taus") == before.vector<double>("taus"));
  CHECK(after.vector<double>("losses") == before.vector<double>("losses"));
  CHECK(after.string("task") == "go-nogo");
  CHECK(after.integer("N") == 10);
  CHECK(after.class_name("inh") == "logical");
  CHECK(after.dims("x0") == before.dims("x0"));
  // the result, shaped as the original's lambda_grid_search.m saves it
  CHECK(after.dims("opt_scaling_factor") == std::vector<std::size_t>{1, 1});
  CHECK(after.class_name("opt_scaling_factor") == "double");
  CHECK(after.scalar("opt_scaling_factor") == 25.0);
  CHECK(after.dims("all_perfs") == std::vector<std::size_t>{3, 1});
  CHECK(after.class_name("all_perfs") == "double");
  CHECK(after.vector<double>("all_perfs") == (vector<double>(3) << 0.5, 0.96, 0.96).finished());
  CHECK(after.dims("scaling_factors") == std::vector<std::size_t>{1, 3});
  CHECK(after.class_name("scaling_factors") == "double");
  CHECK(after.vector<double>("scaling_factors") == (vector<double>(3) << 20, 25, 30).finished());
  // still a model
  const auto m = io::load_rate_model<float>(path);
  CHECK(m.w == before.matrix<float>("w", 10, 10));
  CHECK(m.task == "go-nogo");

  // a second search replaces the result; the first moves to the history instead of being lost
  io::save_scaling_search(path, {.factors = {40, 45}, .perfs = {0.25, 0.75}, .best_factor = 45, .spiking_neuron = "qif",
                                 .estimator = "fresh_per_factor", .trials = 50});
  for (const char* v : {"opt_scaling_factor", "all_perfs", "scaling_factors", "spiking_neuron", "search_estimator"})
    expected_names.insert(std::string("search_history_1_") + v);
  expected_names.insert("search_trials");
  CHECK(name_set(path) == expected_names);
  const auto first = io::read_scaling_search(path, "search_history_1_");
  REQUIRE(first.has_value());
  CHECK(first->best_factor == 25.0);
  CHECK(first->factors == std::vector<double>{20, 25, 30});
  CHECK(first->spiking_neuron == "lif");
  const auto latest = io::read_scaling_search(path);
  REQUIRE(latest.has_value());
  CHECK(latest->estimator == "fresh_per_factor");
  CHECK(latest->trials == 50);
  io::save_scaling_search(path, {40}, {0.5}, 40);  // a third: the second becomes history 2
  CHECK(io::read_scaling_search(path, "search_history_2_")->trials == 50);
  CHECK(io::read_scaling_search(path, "search_history_1_")->best_factor == 25.0);
  io::save_scaling_search(path, {40, 45}, {0.25, 0.75}, 45, "qif");
  const io::mat_reader again(path);
  CHECK(again.string("spiking_neuron") == "qif");
  CHECK(again.scalar("opt_scaling_factor") == 45.0);
  CHECK(again.dims("all_perfs") == std::vector<std::size_t>{2, 1});
  CHECK(again.dims("scaling_factors") == std::vector<std::size_t>{1, 2});
  CHECK(again.vector<double>("all_perfs") == (vector<double>(2) << 0.25, 0.75).finished());
  CHECK(again.matrix<float>("w", 10, 10) == before.matrix<float>("w", 10, 10));
  CHECK(leftover_temporaries(dir) == 0);
  fs::remove_all(dir);
}

TEST_CASE("mat_model: save_scaling_search failures throw file_error and leave the file byte-identical") {
  const auto dir = search_dir("fails");
  const auto path = saved_model(dir);
  const std::string original = file_text(path);
  REQUIRE(original.size() > 128);
  // a result that does not fit
  CHECK_THROWS_AS(io::save_scaling_search(path, {20, 25}, {0.5}, 20), file_error);
  CHECK_THROWS_AS(io::save_scaling_search(path, {}, {}, 20), file_error);
  CHECK(unchanged(path, original));
  // not a MAT file: refused, left alone
  const auto junk = dir / "junk.mat";
  { std::ofstream(junk, std::ios::binary) << "this is not a MAT file, just text long enough to look like a header ..."; }
  const std::string junk_bytes = file_text(junk);
  CHECK_THROWS_AS(io::save_scaling_search(junk, {20}, {1.0}, 20), file_error);
  CHECK(unchanged(junk, junk_bytes));
  // the file vanished: nothing is created in its place
  const auto gone = dir / "gone.mat";
  CHECK_THROWS_AS(io::save_scaling_search(gone, {20}, {1.0}, 20), file_error);
  CHECK_FALSE(fs::exists(gone));
  // the folder vanished
  CHECK_THROWS_AS(io::save_scaling_search(dir / "no_such_folder" / "model.mat", {20}, {1.0}, 20), file_error);
  // a read-only folder (meaningless for root, who may write anyway)
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec);
  const bool writable_anyway = std::ofstream(dir / "probe").good();
  if (writable_anyway) {
    fs::remove(dir / "probe");
    MESSAGE("running as a user who may write into read-only folders (root): read-only case not checked");
  } else {
    CHECK_THROWS_AS(io::save_scaling_search(path, {20}, {1.0}, 20), file_error);
    CHECK(unchanged(path, original));
  }
  fs::permissions(dir, fs::perms::owner_all);
  CHECK(unchanged(path, original));
  CHECK(leftover_temporaries(dir) == 0);
  fs::remove_all(dir);
}

TEST_CASE("mat_model: a write error during save_scaling_search leaves the original file") {
  // Simulates a full disk with RLIMIT_FSIZE (works for root too): every write past the limit
  // fails with EFBIG. matio 1.5 does not report failed writes (Mat_VarWrite and Mat_Close
  // return 0), so mat_writer::commit() renames a truncated file over the model. Skipped until
  // mat_writer checks what it wrote before the rename.
  const auto dir = search_dir("disk_full");
  const auto path = saved_model(dir);
  const std::string original = file_text(path);
  REQUIRE(original.size() > 4096);
  (void)io::mat_writer::zlib_available();  // its probe file must not run under the limit
  struct limit_guard {
    rlimit old{};
    void (*old_handler)(int) = SIG_DFL;
    explicit limit_guard(rlim_t bytes) {
      getrlimit(RLIMIT_FSIZE, &old);
      old_handler = std::signal(SIGXFSZ, SIG_IGN);
      rlimit lim = old;
      lim.rlim_cur = bytes;
      setrlimit(RLIMIT_FSIZE, &lim);
    }
    ~limit_guard() {
      setrlimit(RLIMIT_FSIZE, &old);
      std::signal(SIGXFSZ, old_handler);
    }
  };
  bool threw = false;
  {
    const limit_guard full(static_cast<rlim_t>(original.size() / 4));
    try {
      io::save_scaling_search(path, {20, 25}, {0.5, 1.0}, 25);
    } catch (const file_error&) {
      threw = true;
    }
  }
  CHECK(threw);
  CHECK(unchanged(path, original));
  CHECK(leftover_temporaries(dir) == 0);
  fs::remove_all(dir);
}
