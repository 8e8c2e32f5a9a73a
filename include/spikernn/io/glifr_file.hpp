// The GLIFR paper's networks (glifr_network, vanilla_rnn, lstm) as files: one MAT file (MATLAB,
// Octave, scipy.io.loadmat) and npy/<name>.npy per array, through io::array_sink, under the
// original code's variable names and orientations, with the values before training under the
// same names + "_init"; and loading such a file back into the network it came from, so that a
// trained network is never lost: it loads with the same parameters, to the bit, and gives the
// same outputs (to the bit in a program built with the same compiler flags: -march=native's FMA,
// for one, rounds float arithmetic differently).
//
// Variables (N hidden units, `in` inputs, `out` outputs, J after-spike currents; arrays single):
//   every family  family ('glifr' | 'rnn' | 'lstm'), hidden_size, input_size, output_size (int64),
//                 output_weight out × N, output_bias out × 1
//   glifr         weight_iv in × N, weight_lat N × N (rows presynaptic: I_syn = x·W_iv + f·W_lat
//                 as in PyTorch), thresh 1 × N, trans_k_m 1 × N, and with J > 0 trans_k_j,
//                 trans_r_j, a_j J × N (row j = ASC j); model values k_m 1 × N and k_j, r_j J × N
//                 (k in 1/ms; written for the reader, not read back); settings delay_steps,
//                 num_ascs, hetinit, learn_thresh, learn_k_m, learn_k_j, learn_r_j, learn_a_j
//                 (int64, 0/1 for the flags), dt, tau, r_m, i0, v_reset, sigma_v, sigma_v_init,
//                 gamma (double; σ_V as at the end of training and at the start)
//   rnn           weight_ih in × N, weight_lat N × N (presynaptic rows), bias N × 1; delay_steps
//   lstm          nn.LSTMCell's weight_ih 4N × in, weight_hh 4N × N, bias_ih, bias_hh 4N × 1
//                 (gates i, f, g, o)
// Settings go into the MAT file only; every array also into npy/.
//
// Also here: the figure of a GLIFR network's intrinsic parameters before and after training.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/io/array_sink.hpp"
#include "spikernn/io/gnuplot.hpp"
#include "spikernn/io/mat_reader.hpp"
#include "spikernn/network/glifr_network.hpp"
#include "spikernn/network/lstm.hpp"
#include "spikernn/network/vanilla_rnn.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace spikernn::io {

/// Any network of the file format. (glifr_paper::paper_network is the same type.)
using glifr_model = std::variant<glifr_network<float>, vanilla_rnn<float>, lstm<float>>;

/// Which values to load: the trained ones, or those before training ("_init").
enum class glifr_values { trained, initial };

// ---- writing -----------------------------------------------------------------------------------

/// The parameter arrays of a GLIFR network under the original's names; `suffix` "_init" marks
/// the values before training.
template <real_scalar S>
void put_glifr_parameters(array_sink& out, const glifr_network<S>& m, const std::string& suffix = "") {
  out.put("weight_iv" + suffix, m.w_in().transpose());
  out.put("weight_lat" + suffix, m.w_rec().transpose());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
  out.put("thresh" + suffix, m.thresh().transpose());
  out.put("trans_k_m" + suffix, m.trans_k_m().transpose());
  if (m.n_asc() > 0) {
    out.put("trans_k_j" + suffix, m.trans_k_j());
    out.put("trans_r_j" + suffix, m.trans_r_j());
    out.put("a_j" + suffix, m.a_j());
  }
  // model values (A.2): k_m and k_j in 1/ms, r_j — what a reader wants to look at
  const auto ph = m.physical();
  out.put("k_m" + suffix, ph.k_m.transpose());
  if (m.n_asc() > 0) {
    out.put("k_j" + suffix, ph.k_j);
    out.put("r_j" + suffix, ph.r_j);
  }
}
template <real_scalar S>
void put_glifr_parameters(array_sink& out, const vanilla_rnn<S>& m, const std::string& suffix = "") {
  out.put("weight_ih" + suffix, m.w_in().transpose());
  out.put("weight_lat" + suffix, m.w_rec().transpose());
  out.put("bias" + suffix, m.b_rec());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
}
template <real_scalar S>
void put_glifr_parameters(array_sink& out, const lstm<S>& m, const std::string& suffix = "") {
  // nn.LSTMCell's own names and shapes (4N × in, 4N × N; gates i, f, g, o)
  out.put("weight_ih" + suffix, m.w_in());
  out.put("weight_hh" + suffix, m.w_rec());
  out.put("bias_ih" + suffix, m.b_ih());
  out.put("bias_hh" + suffix, m.b_hh());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
}

namespace detail {
inline void put_glifr_sizes(array_sink& out, const char* family, index_t n, index_t n_in, index_t n_out) {
  out.put_string("family", family);
  out.put_int("hidden_size", n);
  out.put_int("input_size", n_in);
  out.put_int("output_size", n_out);
}

/// What rebuilds the network beyond its arrays: sizes, delay, neuron constants, which blocks train.
template <real_scalar S>
void put_glifr_settings(array_sink& out, const glifr_network<S>& m) {
  const glifr_network_params& p = m.params();
  put_glifr_sizes(out, "glifr", p.n, p.n_inputs, p.n_outputs);
  out.put_int("delay_steps", p.delay);
  out.put_int("num_ascs", p.n_asc);
  out.put_int("hetinit", p.init == glifr_init::heterogeneous);
  out.put_int("learn_thresh", p.learn.thresh);
  out.put_int("learn_k_m", p.learn.k_m);
  out.put_int("learn_k_j", p.learn.k_j);
  out.put_int("learn_r_j", p.learn.r_j);
  out.put_int("learn_a_j", p.learn.a_j);
  const glifr_constants& c = p.neuron;
  out.put_scalar("dt", c.dt);
  out.put_scalar("tau", c.tau);
  out.put_scalar("r_m", c.r_m);
  out.put_scalar("i0", c.i0);
  out.put_scalar("v_reset", c.v_reset);
  out.put_scalar("sigma_v", c.sigma_v);
  out.put_scalar("gamma", c.gamma);
}
template <real_scalar S>
void put_glifr_settings(array_sink& out, const vanilla_rnn<S>& m) {
  put_glifr_sizes(out, "rnn", m.size(), m.n_inputs(), m.n_outputs());
  out.put_int("delay_steps", m.delay());
}
template <real_scalar S>
void put_glifr_settings(array_sink& out, const lstm<S>& m) {
  put_glifr_sizes(out, "lstm", m.size(), m.n_inputs(), m.n_outputs());
}

template <real_scalar S>
bool same_structure(const glifr_network<S>& a, const glifr_network<S>& b) {
  const auto &p = a.params(), &q = b.params();
  const auto &c = p.neuron, &d = q.neuron;
  return p.n == q.n && p.n_inputs == q.n_inputs && p.n_outputs == q.n_outputs && p.n_asc == q.n_asc &&
         p.delay == q.delay && p.init == q.init && p.learn.thresh == q.learn.thresh && p.learn.k_m == q.learn.k_m &&
         p.learn.k_j == q.learn.k_j && p.learn.r_j == q.learn.r_j && p.learn.a_j == q.learn.a_j && c.dt == d.dt &&
         c.tau == d.tau && c.r_m == d.r_m && c.i0 == d.i0 && c.v_reset == d.v_reset && c.gamma == d.gamma;
}
template <real_scalar S>
bool same_structure(const vanilla_rnn<S>& a, const vanilla_rnn<S>& b) {
  return a.size() == b.size() && a.n_inputs() == b.n_inputs() && a.n_outputs() == b.n_outputs() &&
         a.delay() == b.delay();
}
template <real_scalar S>
bool same_structure(const lstm<S>& a, const lstm<S>& b) {
  return a.size() == b.size() && a.n_inputs() == b.n_inputs() && a.n_outputs() == b.n_outputs();
}
}  // namespace detail

/// A network and what rebuilds it (sizes, delay, constants, learned blocks), without values
/// before training: load_glifr_*(…, glifr_values::initial) refuses such a file.
template <class Model>
void put_glifr_model(array_sink& out, const Model& trained) {
  detail::put_glifr_settings(out, trained);
  put_glifr_parameters(out, trained, "");
}

/// A trained network, what rebuilds it, and its values before training ("_init"). The two must
/// be the same network (sizes, delay, constants; σ_V may differ, as an anneal changes it: both
/// are kept, sigma_v and sigma_v_init).
template <class Model>
void put_glifr_model(array_sink& out, const Model& trained, const Model& initial) {
  require(detail::same_structure(trained, initial), "initial",
          "the network before training of the same sizes, delay and constants as the trained one");
  put_glifr_model(out, trained);
  put_glifr_parameters(out, initial, "_init");
  if constexpr (requires { initial.params().neuron.sigma_v; })
    out.put_scalar("sigma_v_init", initial.params().neuron.sigma_v);
}

// ---- reading -----------------------------------------------------------------------------------

namespace detail {
[[noreturn]] inline void glifr_file_fail(const mat_reader& r, const std::string& name, const std::string& what) {
  throw file_error(r.path().string(), "variable '" + name + "': " + what);
}

/// A size or count of at least `lo`; the upper bound stops a damaged file from asking for an
/// absurd allocation before the arrays' shapes are checked.
inline int glifr_file_int(const mat_reader& r, const std::string& name, std::int64_t lo, const std::string& what) {
  const std::int64_t v = r.integer(name);
  if (v < lo || v > 1'000'000'000) glifr_file_fail(r, name, "expected " + what + ", found " + std::to_string(v));
  return int(v);
}

inline bool glifr_file_flag(const mat_reader& r, const std::string& name) {
  const std::int64_t v = r.integer(name);
  if (v != 0 && v != 1) glifr_file_fail(r, name, "expected 0 or 1, found " + std::to_string(v));
  return v == 1;
}

/// The file's `family`, refusing a file without one.
inline std::string glifr_file_family_of(const mat_reader& r) {
  if (!r.has("family"))
    glifr_file_fail(r, "family",
                    "missing: not a network saved by io::put_glifr_model (spikernn-glifr before it "
                    "saved the settings that rebuild a network wrote only the arrays)");
  return r.string("family");
}

/// Refuses a file of another family, naming the loader that fits.
inline void glifr_file_family(const mat_reader& r, const std::string& family, const std::string& what) {
  const std::string found = glifr_file_family_of(r);
  if (found == family) return;
  const std::string loader = found == "glifr"  ? "load_glifr_network"
                             : found == "rnn"  ? "load_vanilla_rnn"
                             : found == "lstm" ? "load_lstm"
                                               : "";
  glifr_file_fail(r, "family",
                  "expected '" + family + "' (" + what + "), found '" + found + "'" +
                      (loader.empty() ? "" : "; load it with " + loader + " or load_glifr_model"));
}

inline std::string glifr_suffix(glifr_values v) { return v == glifr_values::initial ? "_init" : ""; }

/// A settings value of the file that the model's validate() refuses, as a file error naming it.
template <class F>
auto glifr_file_checked(const mat_reader& r, glifr_values which, F&& make) {
  try {
    return make();
  } catch (const invalid_parameter& e) {
    const bool init = e.parameter == "sigma_v" && which == glifr_values::initial;
    glifr_file_fail(r, init ? "sigma_v_init" : e.parameter,
                    std::string("holds a value the network refuses (") + e.what() + ")");
  }
}

template <real_scalar S>
glifr_network<S> load_glifr_network(const mat_reader& r, glifr_values which) {
  glifr_file_family(r, "glifr", "a GLIFR network");
  glifr_network_params p;
  p.n = glifr_file_int(r, "hidden_size", 1, "a positive number of hidden units");
  p.n_inputs = glifr_file_int(r, "input_size", 1, "a positive number of inputs");
  p.n_outputs = glifr_file_int(r, "output_size", 1, "a positive number of outputs");
  p.delay = glifr_file_int(r, "delay_steps", 1, "a delay of at least one step");
  p.n_asc = glifr_file_int(r, "num_ascs", 0, "a non-negative number of after-spike currents");
  p.init = glifr_file_flag(r, "hetinit") ? glifr_init::heterogeneous : glifr_init::homogeneous;
  p.learn = {glifr_file_flag(r, "learn_thresh"), glifr_file_flag(r, "learn_k_m"), glifr_file_flag(r, "learn_k_j"),
             glifr_file_flag(r, "learn_r_j"), glifr_file_flag(r, "learn_a_j")};
  glifr_constants& c = p.neuron;
  c.dt = r.scalar("dt");
  c.tau = r.scalar("tau");
  c.r_m = r.scalar("r_m");
  c.i0 = r.scalar("i0");
  c.v_reset = r.scalar("v_reset");
  c.sigma_v = r.scalar(which == glifr_values::initial ? "sigma_v_init" : "sigma_v");
  c.gamma = r.scalar("gamma");
  const std::string x = glifr_suffix(which);
  const index_t n = p.n, in = p.n_inputs, out = p.n_outputs, j = p.n_asc;
  // every array is read (and its shape checked) before the network is built
  const matrix<S> w_iv = r.matrix<S>("weight_iv" + x, in, n), w_lat = r.matrix<S>("weight_lat" + x, n, n);
  const matrix<S> w_out = r.matrix<S>("output_weight" + x, out, n);
  const vector<S> b_out = r.vector<S>("output_bias" + x, out);
  glifr_intrinsic<S> intr{r.vector<S>("thresh" + x, n), r.vector<S>("trans_k_m" + x, n), matrix<S>(j, n),
                          matrix<S>(j, n), matrix<S>(j, n)};
  if (j > 0) {
    intr.trans_k_j = r.matrix<S>("trans_k_j" + x, j, n);
    intr.trans_r_j = r.matrix<S>("trans_r_j" + x, j, n);
    intr.a_j = r.matrix<S>("a_j" + x, j, n);
  }
  // The seed is irrelevant: every value it draws is replaced by the file's.
  glifr_network<S> m = glifr_file_checked(r, which, [&] { return glifr_network<S>(p, seed{0}); });
  m.w_in() = w_iv.transpose();
  m.w_rec() = w_lat.transpose();
  m.w_out() = w_out;
  m.b_out() = b_out;
  m.set_intrinsic(intr);
  return m;
}

template <real_scalar S>
vanilla_rnn<S> load_vanilla_rnn(const mat_reader& r, glifr_values which) {
  glifr_file_family(r, "rnn", "a vanilla RNN");
  vanilla_rnn_params p;
  p.n = glifr_file_int(r, "hidden_size", 1, "a positive number of hidden units");
  p.n_inputs = glifr_file_int(r, "input_size", 1, "a positive number of inputs");
  p.n_outputs = glifr_file_int(r, "output_size", 1, "a positive number of outputs");
  p.delay = glifr_file_int(r, "delay_steps", 1, "a delay of at least one step");
  const std::string x = glifr_suffix(which);
  const index_t n = p.n, in = p.n_inputs, out = p.n_outputs;
  const matrix<S> w_ih = r.matrix<S>("weight_ih" + x, in, n), w_lat = r.matrix<S>("weight_lat" + x, n, n);
  const vector<S> bias = r.vector<S>("bias" + x, n);
  const matrix<S> w_out = r.matrix<S>("output_weight" + x, out, n);
  const vector<S> b_out = r.vector<S>("output_bias" + x, out);
  vanilla_rnn<S> m(p, seed{0});
  m.w_in() = w_ih.transpose();
  m.w_rec() = w_lat.transpose();
  m.b_rec() = bias;
  m.w_out() = w_out;
  m.b_out() = b_out;
  return m;
}

template <real_scalar S>
lstm<S> load_lstm(const mat_reader& r, glifr_values which) {
  glifr_file_family(r, "lstm", "an LSTM");
  lstm_params p;
  p.n = glifr_file_int(r, "hidden_size", 1, "a positive number of hidden units");
  p.n_inputs = glifr_file_int(r, "input_size", 1, "a positive number of inputs");
  p.n_outputs = glifr_file_int(r, "output_size", 1, "a positive number of outputs");
  const std::string x = glifr_suffix(which);
  const index_t n = p.n, in = p.n_inputs, out = p.n_outputs;
  const matrix<S> w_ih = r.matrix<S>("weight_ih" + x, 4 * n, in), w_hh = r.matrix<S>("weight_hh" + x, 4 * n, n);
  const vector<S> b_ih = r.vector<S>("bias_ih" + x, 4 * n), b_hh = r.vector<S>("bias_hh" + x, 4 * n);
  const matrix<S> w_out = r.matrix<S>("output_weight" + x, out, n);
  const vector<S> b_out = r.vector<S>("output_bias" + x, out);
  lstm<S> m(p, seed{0});
  m.w_in() = w_ih;
  m.w_rec() = w_hh;
  m.b_ih() = b_ih;
  m.b_hh() = b_hh;
  m.w_out() = w_out;
  m.b_out() = b_out;
  return m;
}
}  // namespace detail

/// The GLIFR network saved in `path`; refuses, naming the file and the variable, a file of
/// another family, a missing variable or one of the wrong shape.
template <real_scalar S = float>
glifr_network<S> load_glifr_network(const std::filesystem::path& path, glifr_values which = glifr_values::trained) {
  return detail::load_glifr_network<S>(mat_reader(path), which);
}

/// The vanilla RNN saved in `path` (refusals as load_glifr_network).
template <real_scalar S = float>
vanilla_rnn<S> load_vanilla_rnn(const std::filesystem::path& path, glifr_values which = glifr_values::trained) {
  return detail::load_vanilla_rnn<S>(mat_reader(path), which);
}

/// The LSTM saved in `path` (refusals as load_glifr_network).
template <real_scalar S = float>
lstm<S> load_lstm(const std::filesystem::path& path, glifr_values which = glifr_values::trained) {
  return detail::load_lstm<S>(mat_reader(path), which);
}

/// Whichever network `path` holds, by its `family`.
inline glifr_model load_glifr_model(const std::filesystem::path& path, glifr_values which = glifr_values::trained) {
  const mat_reader r(path);
  const std::string family = detail::glifr_file_family_of(r);
  if (family == "glifr") return detail::load_glifr_network<float>(r, which);
  if (family == "rnn") return detail::load_vanilla_rnn<float>(r, which);
  if (family == "lstm") return detail::load_lstm<float>(r, which);
  detail::glifr_file_fail(r, "family", "expected 'glifr', 'rnn' or 'lstm', found '" + family + "'");
}

// ---- figure ------------------------------------------------------------------------------------

/// The paper's central figure for one GLIFR network ("heterogeneity is learned"): histograms of
/// the thresholds, membrane constants and (with ASCs) the after-spike-current amplitudes,
/// factors and decay constants, before and after training, as <stem>.dat/.gp/.png.
template <real_scalar S>
void plot_glifr_distributions(const std::filesystem::path& stem, const std::string& title,
                              const glifr_physical<S>& before, const glifr_physical<S>& after, int bins = 30) {
  struct quantity {
    std::string name;
    std::vector<double> before, after;
  };
  const auto values = [](const auto& m) {
    std::vector<double> v;
    for (index_t k = 0; k < m.size(); ++k) v.push_back(double(m.data()[k]));
    return v;
  };
  std::vector<quantity> qs = {{"threshold V_th", values(before.v_th), values(after.v_th)},
                              {"membrane k_m (1/ms)", values(before.k_m), values(after.k_m)}};
  if (before.a_j.size() > 0) {
    qs.push_back({"ASC amplitude a_j", values(before.a_j), values(after.a_j)});
    qs.push_back({"ASC factor r_j", values(before.r_j), values(after.r_j)});
    qs.push_back({"ASC decay k_j (1/ms)", values(before.k_j), values(after.k_j)});
  }
  std::vector<figure> panels;
  for (const auto& q : qs) {
    require(!q.before.empty() && !q.after.empty(), "before/after", "networks of at least one unit");
    // one range for both, so the two histograms share their bins
    const double lo = std::min(*std::min_element(q.before.begin(), q.before.end()),
                               *std::min_element(q.after.begin(), q.after.end()));
    const double hi = std::max(*std::max_element(q.before.begin(), q.before.end()),
                               *std::max_element(q.after.begin(), q.after.end()));
    panels.push_back({q.name,
                      q.name,
                      "fraction of units",
                      {histogram("before", q.before, lo, hi, bins, "histeps lw 2 dt 2"),
                       histogram("after", q.after, lo, hi, bins, "histeps lw 2")}});
  }
  const bool many = panels.size() > 2;
  plot_panels(stem, panels, many ? 3 : 2, title, many ? 1350 : 900, many ? 750 : 380);
}

}  // namespace spikernn::io
