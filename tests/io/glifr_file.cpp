// The GLIFR paper's networks as files: what is saved loads back to the same parameters, to the
// bit, and the same outputs, for every family; the values before training and the settings go
// with them; a damaged or mismatched file is refused naming the file and the variable.
#include <spikernn/io/glifr_file.hpp>
#include <spikernn/io/mat_reader.hpp>
#include <spikernn/io/mat_writer.hpp>
#include <spikernn/io/npy.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;
using sk::testing::contains;
using sk::testing::scratch_dir;

namespace {

/// `m` with every parameter moved a little (as training would), so trained ≠ initial.
template <class M>
M glifr_file_trained(M m) {
  for (sk::index_t k = 0; k < m.parameters().size(); ++k) m.parameters()(k) += 0.01f * float(k % 7 + 1);
  return m;
}

/// Two trials of `n_in` inputs over 30 steps.
std::vector<sk::matrix<double>> glifr_file_inputs(int n_in) {
  std::vector<sk::matrix<double>> u;
  for (int b = 0; b < 2; ++b) {
    sk::matrix<double> x(n_in, 30);
    for (sk::index_t k = 0; k < x.size(); ++k) x(k) = std::sin(0.3 * double(k) + b);
    u.push_back(x);
  }
  return u;
}

template <class M>
sk::matrix<float> glifr_file_outputs(const M& m) {
  const auto u = glifr_file_inputs(int(m.n_inputs()));
  typename M::tape tp;
  m.forward(std::span<const sk::matrix<double>>(u), tp);
  return tp.o;
}

template <class M>
void glifr_file_save(const fs::path& dir, const M& trained, const M& initial) {
  sk::io::array_sink sink(dir / "params.mat", dir / "npy");
  sk::io::put_glifr_model(sink, trained, initial);
  sink.commit();
}

/// The same numbers to the bit: parameters, which blocks train, outputs.
template <class M>
void glifr_file_same(const M& a, const M& b) {
  REQUIRE(a.parameters().size() == b.parameters().size());
  CHECK((a.parameters().array() == b.parameters().array()).all());
  REQUIRE(a.layout().size() == b.layout().size());
  for (std::size_t k = 0; k < a.layout().size(); ++k) {
    CHECK(a.layout()[k].name == b.layout()[k].name);
    CHECK(a.layout()[k].trainable == b.layout()[k].trainable);
  }
  const sk::matrix<float> oa = glifr_file_outputs(a), ob = glifr_file_outputs(b);
  REQUIRE(oa.rows() == ob.rows());
  REQUIRE(oa.cols() == ob.cols());
  CHECK((oa.array() == ob.array()).all());
}

sk::glifr_network<float> glifr_file_glifr(sk::glifr_variant v) {
  sk::glifr_network_params p;
  p.n = 7;
  p.n_inputs = 3;
  p.n_outputs = 2;
  p.delay = 2;
  p.neuron.tau = 0.1;  // constants off their defaults, so that a loader ignoring one shows
  p.neuron.r_m = 0.2;
  p.neuron.i0 = 0.01;
  p.neuron.v_reset = 0.05;
  p.neuron.gamma = 1.5;
  p.neuron.sigma_v = 0.7;
  return sk::glifr_network<float>(sk::glifr_variant_params(v, p), sk::seed{11});
}

/// The file at `from` rewritten with `replace` instead of its variables of those names (and
/// without those in `drop`).
template <class F>
void glifr_file_rewrite(const fs::path& from, const fs::path& to, const std::vector<std::string>& drop, F&& replace) {
  const sk::io::mat_reader r(from);
  sk::io::mat_writer w(to);
  r.copy_all_except(w, drop);
  replace(w);
  w.commit();
}

/// The message of the file_error `f` throws ("" when it throws none).
template <class F>
std::string glifr_file_refusal(F&& f) {
  try {
    f();
  } catch (const sk::file_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("glifr_file: a GLIFR network of every kind loads back to the same bits and outputs") {
  for (auto v :
       {sk::glifr_variant::hom, sk::glifr_variant::l_het_a, sk::glifr_variant::r_het, sk::glifr_variant::f_het_a}) {
    CAPTURE(sk::glifr_variant_name(v));
    scratch_dir dir("glifr_file");
    const auto initial = glifr_file_glifr(v);
    auto trained = glifr_file_trained(initial);
    trained.set_sigma_v(1e-3);  // as at the end of an anneal
    glifr_file_save(dir.path, trained, initial);

    const auto back = sk::io::load_glifr_network(dir.path / "params.mat");
    glifr_file_same(trained, back);
    const auto& p = back.params();
    CHECK(p.n == 7);
    CHECK(p.n_inputs == 3);
    CHECK(p.n_outputs == 2);
    CHECK(p.delay == 2);
    CHECK(p.n_asc == initial.params().n_asc);
    CHECK(p.init == initial.params().init);
    CHECK(p.learn.any() == initial.params().learn.any());
    CHECK(p.neuron.tau == 0.1);
    CHECK(p.neuron.r_m == 0.2);
    CHECK(p.neuron.i0 == 0.01);
    CHECK(p.neuron.v_reset == 0.05);
    CHECK(p.neuron.gamma == 1.5);
    CHECK(p.neuron.sigma_v == 1e-3);

    // the values before training, σ_V included
    const auto before = sk::io::load_glifr_network(dir.path / "params.mat", sk::io::glifr_values::initial);
    glifr_file_same(initial, before);
    CHECK(before.params().neuron.sigma_v == 0.7);

    // the same through the loader of any family
    const auto any = sk::io::load_glifr_model(dir.path / "params.mat");
    REQUIRE(std::holds_alternative<sk::glifr_network<float>>(any));
    glifr_file_same(trained, std::get<sk::glifr_network<float>>(any));
  }
}

TEST_CASE("glifr_file: the vanilla RNN and the LSTM load back to the same bits and outputs") {
  scratch_dir dir("glifr_file");
  const sk::vanilla_rnn<float> rnn0({6, 2, 3, 4}, sk::seed{5});
  const auto rnn = glifr_file_trained(rnn0);
  glifr_file_save(dir.path / "", rnn, rnn0);
  const auto rnn_back = sk::io::load_vanilla_rnn(dir.path / "params.mat");
  glifr_file_same(rnn, rnn_back);
  CHECK(rnn_back.delay() == 4);
  glifr_file_same(rnn0, sk::io::load_vanilla_rnn(dir.path / "params.mat", sk::io::glifr_values::initial));
  CHECK(std::holds_alternative<sk::vanilla_rnn<float>>(sk::io::load_glifr_model(dir.path / "params.mat")));

  fs::create_directories(dir.path / "lstm");
  const sk::lstm<float> lstm0({5, 2, 3}, sk::seed{6});
  const auto lstm = glifr_file_trained(lstm0);
  glifr_file_save(dir.path / "lstm", lstm, lstm0);
  glifr_file_same(lstm, sk::io::load_lstm(dir.path / "lstm" / "params.mat"));
  glifr_file_same(lstm0, sk::io::load_lstm(dir.path / "lstm" / "params.mat", sk::io::glifr_values::initial));
  const auto any = sk::io::load_glifr_model(dir.path / "lstm" / "params.mat");
  REQUIRE(std::holds_alternative<sk::lstm<float>>(any));
  glifr_file_same(lstm, std::get<sk::lstm<float>>(any));
}

TEST_CASE("glifr_file: the original's names and orientations, in the MAT file and as npy files") {
  scratch_dir dir("glifr_file");
  const auto initial = glifr_file_glifr(sk::glifr_variant::r_het_a);
  const auto trained = glifr_file_trained(initial);
  glifr_file_save(dir.path, trained, initial);
  const sk::io::mat_reader r(dir.path / "params.mat");
  CHECK(r.string("family") == "glifr");
  CHECK(r.integer("hidden_size") == 7);
  CHECK(r.class_name("weight_iv") == "single");
  // x·W_iv + f·W_lat as in PyTorch: in × N and N × N with presynaptic rows
  CHECK(r.matrix<float>("weight_iv", 3, 7) == sk::matrix<float>(trained.w_in().transpose()));
  CHECK(r.matrix<float>("weight_lat", 7, 7) == sk::matrix<float>(trained.w_rec().transpose()));
  CHECK(r.matrix<float>("weight_lat_init", 7, 7) == sk::matrix<float>(initial.w_rec().transpose()));
  CHECK(r.matrix<float>("thresh", 1, 7) == sk::matrix<float>(trained.thresh().transpose()));
  CHECK(r.matrix<float>("trans_k_j_init", 2, 7) == sk::matrix<float>(initial.trans_k_j()));
  CHECK(r.matrix<float>("k_m", 1, 7) == sk::matrix<float>(trained.physical().k_m.transpose()));
  CHECK(r.matrix<float>("r_j_init", 2, 7) == sk::matrix<float>(initial.physical().r_j));
  CHECK(r.integer("num_ascs") == 2);
  CHECK(r.integer("learn_a_j") == 1);
  CHECK(r.integer("hetinit") == 1);
  // every array also as npy/<name>.npy, the same values; the settings only in the MAT file
  const auto npy = sk::io::read_npy_matrix<float>(dir.path / "npy" / "weight_iv_init.npy");
  CHECK(npy == sk::matrix<float>(initial.w_in().transpose()));
  CHECK(fs::exists(dir.path / "npy" / "a_j.npy"));
  CHECK_FALSE(fs::exists(dir.path / "npy" / "family.npy"));

  // without ASCs there are no ASC variables
  scratch_dir hom("glifr_file");
  const auto h = glifr_file_glifr(sk::glifr_variant::hom);
  glifr_file_save(hom.path, h, h);
  const sk::io::mat_reader rh(hom.path / "params.mat");
  CHECK_FALSE(rh.has("a_j"));
  CHECK_FALSE(rh.has("trans_k_j_init"));
  CHECK(rh.integer("learn_thresh") == 0);
}

TEST_CASE("glifr_file: a network saved without its values before training loads, its initial values are refused") {
  scratch_dir dir("glifr_file");
  const auto net = glifr_file_trained(glifr_file_glifr(sk::glifr_variant::l_het));
  {
    sk::io::array_sink sink(dir.path / "params.mat", dir.path / "npy");
    sk::io::put_glifr_model(sink, net);
    sink.commit();
  }
  glifr_file_same(net, sk::io::load_glifr_network(dir.path / "params.mat"));
  const std::string msg = glifr_file_refusal(
      [&] { (void)sk::io::load_glifr_network(dir.path / "params.mat", sk::io::glifr_values::initial); });
  CHECK(contains(msg, "params.mat"));
  CHECK(contains(msg, "_init'"));
  CHECK(contains(msg, "missing"));
}

TEST_CASE("glifr_file: refuses a trained and an initial network that are not the same network") {
  scratch_dir dir("glifr_file");
  const sk::vanilla_rnn<float> a({6, 2, 3, 4}, sk::seed{5}), b({6, 2, 3, 5}, sk::seed{5});
  sk::io::array_sink sink(dir.path / "params.mat", dir.path / "npy");
  CHECK(sk::testing::refused([&] { sk::io::put_glifr_model(sink, a, b); }) == "initial");
}

TEST_CASE("glifr_file: refuses a missing variable, a wrong shape, a bad setting and another family by name") {
  scratch_dir dir("glifr_file");
  const auto initial = glifr_file_glifr(sk::glifr_variant::l_het_a);
  glifr_file_save(dir.path, glifr_file_trained(initial), initial);
  const fs::path good = dir.path / "params.mat", bad = dir.path / "bad.mat";
  const auto load = [&] { (void)sk::io::load_glifr_network(bad); };

  SUBCASE("missing array") {
    glifr_file_rewrite(good, bad, {"trans_r_j"}, [](auto&) {});
    const std::string msg = glifr_file_refusal(load);
    CHECK(contains(msg, bad.string()));
    CHECK(contains(msg, "'trans_r_j'"));
    CHECK(contains(msg, "missing"));
  }
  SUBCASE("missing setting") {
    glifr_file_rewrite(good, bad, {"delay_steps"}, [](auto&) {});
    CHECK(contains(glifr_file_refusal(load), "'delay_steps': missing"));
  }
  SUBCASE("wrong shape") {
    glifr_file_rewrite(good, bad, {"weight_lat"},
                       [](auto& w) { w.write("weight_lat", sk::matrix<float>::Zero(7, 8)); });
    const std::string msg = glifr_file_refusal(load);
    CHECK(contains(msg, "'weight_lat'"));
    CHECK(contains(msg, "expected a 7×7"));
  }
  SUBCASE("a size that does not match the arrays") {
    glifr_file_rewrite(good, bad, {"input_size"}, [](auto& w) { w.write_int("input_size", 4); });
    CHECK(contains(glifr_file_refusal(load), "'weight_iv': expected a 4×7"));
  }
  SUBCASE("a flag that is not 0 or 1") {
    glifr_file_rewrite(good, bad, {"learn_k_m"}, [](auto& w) { w.write_int("learn_k_m", 2); });
    CHECK(contains(glifr_file_refusal(load), "'learn_k_m': expected 0 or 1, found 2"));
  }
  SUBCASE("a non-positive size") {
    glifr_file_rewrite(good, bad, {"hidden_size"}, [](auto& w) { w.write_int("hidden_size", 0); });
    CHECK(contains(glifr_file_refusal(load), "'hidden_size': expected a positive number of hidden units, found 0"));
  }
  SUBCASE("a constant the neuron refuses") {
    glifr_file_rewrite(good, bad, {"dt"}, [](auto& w) { w.write_scalar("dt", -0.05); });
    CHECK(contains(glifr_file_refusal(load), "'dt'"));
    glifr_file_rewrite(good, bad, {"sigma_v_init"}, [](auto& w) { w.write_scalar("sigma_v_init", 0.0); });
    CHECK(contains(glifr_file_refusal([&] { (void)sk::io::load_glifr_network(bad, sk::io::glifr_values::initial); }),
                   "'sigma_v_init'"));
  }
  SUBCASE("another family") {
    const std::string msg = glifr_file_refusal([&] { (void)sk::io::load_lstm(good); });
    CHECK(contains(msg, good.string()));
    CHECK(contains(msg, "'family': expected 'lstm'"));
    CHECK(contains(msg, "found 'glifr'"));
    CHECK(contains(msg, "load_glifr_network"));
    CHECK(contains(glifr_file_refusal([&] { (void)sk::io::load_vanilla_rnn(good); }), "expected 'rnn'"));
  }
  SUBCASE("a file of no family") {
    glifr_file_rewrite(good, bad, {"family"}, [](auto& w) { w.write_string("family", "rate_rnn"); });
    CHECK(contains(glifr_file_refusal([&] { (void)sk::io::load_glifr_model(bad); }),
                   "'family': expected 'glifr', 'rnn' or 'lstm', found 'rate_rnn'"));
    glifr_file_rewrite(good, bad, {"family"}, [](auto&) {});
    CHECK(contains(glifr_file_refusal(load), "'family': missing"));
  }
  SUBCASE("not a MAT file") {
    sk::io::write_text_atomically(bad, "not a MAT file at all, just some text that is long enough");
    CHECK(contains(glifr_file_refusal(load), bad.string()));
  }
}

TEST_CASE("glifr_file: the intrinsic-parameter figure writes its data and script") {
  scratch_dir dir("glifr_file");
  const auto initial = glifr_file_glifr(sk::glifr_variant::r_het_a);
  const auto trained = glifr_file_trained(initial);
  sk::io::plot_glifr_distributions(dir.path / "params", "RHetA", initial.physical(), trained.physical());
  CHECK(fs::exists(dir.path / "params.dat"));
  CHECK(fs::exists(dir.path / "params.gp"));
  CHECK(contains(sk::testing::slurp(dir.path / "params.gp"), "ASC decay k_j"));
}
