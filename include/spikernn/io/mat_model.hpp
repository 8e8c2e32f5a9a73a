// A trained rate RNN in the original's MAT schema (spec §3.5, [TF] column): what spikernn
// saves opens in MATLAB, Octave and scipy.io.loadmat, and a model saved by the original
// TensorFlow code (or by the PyTorch port, whose raw w may hold negative entries) loads here.
// Needs the spikernn::matio target.
#pragma once

#include "spikernn/io/mat_reader.hpp"
#include "spikernn/io/mat_writer.hpp"
#include "spikernn/network/rate_model.hpp"
#include "spikernn/network/rate_rnn.hpp"
#include "spikernn/train/loss.hpp"
#include "spikernn/train/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace spikernn::io {

/// What the file needs beyond the network and the training result.
struct model_info {
  std::string task;             ///< task name (spikernn addition: `task`)
  loss_fn loss = loss_fn::l2;   ///< (spikernn addition: `loss_fn`)
  std::uint64_t seed = 0;       ///< (spikernn addition: `seed`)
};

namespace detail {
/// N×T trajectory written as the original's T×N×1 array (a list of T column vectors).
template <class S>
void write_trajectory(mat_writer& out, const std::string& name, const matrix<S>& n_by_t) {
  const matrix<S> t_by_n = n_by_t.transpose();
  out.write_array(name, t_by_n.data(), {std::size_t(t_by_n.rows()), std::size_t(t_by_n.cols()), 1});
}

/// eval_labels as the original saves them (spec §3.5): numbers for every task but XOR, whose
/// labels are the strings 'same' (+1) / 'diff' (−1). A Python list of those becomes, through
/// scipy.io.savemat, an n×4 char matrix (100×4 after the usual 100 evaluation trials); an empty
/// list stays numeric, as scipy writes [] as a double.
inline void write_eval_labels(mat_writer& out, const std::string& task, const std::vector<double>& labels) {
  if (task == "xor" && !labels.empty()) {
    std::vector<std::string> rows;
    rows.reserve(labels.size());
    for (double l : labels) rows.emplace_back(l > 0 ? "same" : "diff");
    out.write_char_matrix("eval_labels", rows);
  } else {
    out.write("eval_labels", Eigen::Map<const row_vector<double>>(labels.data(), index_t(labels.size())));
  }
}
}  // namespace detail

/// Saves `net` and its training record under the original's variable names, atomically. With
/// on_existing::refuse a file already at `path` is kept and file_error thrown.
template <class S, class Act, class Conn>
void save_rate_model(const std::filesystem::path& path, const rate_rnn<S, Act, Conn>& net,
                     const train_result<S>& fit, const model_info& info,
                     on_existing existing = on_existing::replace) {
  const index_t n = net.size();
  mat_writer out(path);
  // Network
  out.write("w", net.exported_w());
  out.write("w_in", net.w_in());
  out.write("w_out", matrix<S>(net.w_out()));
  out.write("b_out", matrix<S>::Constant(1, 1, net.b_out()));
  out.write("m", net.types().sign_matrix());
  out.write("som_m", net.types().som_mask);
  out.write_int("N", n);
  out.write_int("som_N", net.params().som_n);
  out.write_logical("exc", net.types().exc());
  out.write_logical("inh", net.types().inh);
  out.write("taus", row_vector<double>(Eigen::Map<const row_vector<double>>(net.params().taus.data(),
                                                                              index_t(net.params().taus.size()))));
  out.write("taus_gaus", matrix<S>(net.taus_gaus()));
  out.write_string("activation", std::string(Act::name));
  // Initial state
  const auto& layout = net.layout();
  matrix<S> w0;
  Conn::exported(Eigen::Map<const matrix<S>>(fit.initial_parameters.data() + layout[0].offset, n, n), w0);
  out.write("w0", w0);
  out.write("w_in0", net.w_in());
  out.write("taus_gaus0", matrix<S>(fit.initial_parameters.segment(layout[3].offset, n)));
  detail::write_trajectory(out, "x0", fit.initial.x);
  detail::write_trajectory(out, "r0", fit.initial.r);
  // Last training trial
  out.write("u", fit.last.u);
  detail::write_trajectory(out, "x", fit.last.x);
  detail::write_trajectory(out, "r", fit.last.r);
  out.write_array("o", fit.last.o.data(), {std::size_t(fit.last.o.size()), 1, 1});
  out.write("target", row_vector<double>(fit.last.z.transpose()));
  // Training record
  out.write("losses", Eigen::Map<const row_vector<double>>(fit.losses.data(), index_t(fit.losses.size())));
  out.write_int("tr", fit.last_trial);
  out.write_scalar("eval_perf_mean", fit.last_eval.perf_mean);
  out.write_scalar("eval_loss_mean", fit.last_eval.loss_mean);
  out.write("eval_os", fit.last_eval.outputs);
  detail::write_eval_labels(out, info.task, fit.last_eval.labels);
  // spikernn additions: what the original keeps only in the file's path or command line
  out.write_string("task", info.task);
  out.write_string("loss_fn", std::string(to_string(info.loss)));
  out.write_logical("apply_dale", Eigen::Array<bool, 1, 1>::Constant(Conn::applies_dale));
  out.write_scalar("P_rec", net.params().p_rec);
  out.write_scalar("P_inh", net.params().p_inh);
  out.write_scalar("gain", net.params().gain);
  out.write_scalar("noise_sd", net.params().noise_sd);
  out.write_int("seed", std::int64_t(info.seed));
  out.write_logical("success", Eigen::Array<bool, 1, 1>::Constant(fit.success));
  out.commit(existing);
}

/// Loads the variables the network needs (w, w_in, w_out, m, som_m, N, inh, taus, taus_gaus …),
/// checking shapes and finiteness; errors name the file and the variable.
template <class S>
rate_model<S> load_rate_model(const std::filesystem::path& path) {
  const mat_reader in(path);
  const auto fail = [&](const std::string& var, const std::string& what) -> file_error {
    return file_error(path.string(), "variable '" + var + "': " + what);
  };
  for (const char* key : {"w", "w_in", "w_out", "N", "inh", "m", "taus"})
    if (!in.has(key)) throw fail(key, "missing (a rate model needs w, w_in, w_out, N, inh, m, taus)");
  rate_model<S> m;
  m.file = path;
  const std::int64_t n = in.integer("N");
  if (n <= 0 || n > std::numeric_limits<int>::max())
    throw fail("N", "expected a positive unit count, found " + std::to_string(n));
  m.w = in.finite_matrix<S>("w", n, n);
  m.w0 = in.has("w0") ? in.finite_matrix<S>("w0", n, n) : m.w;
  m.w_in = in.finite_matrix<S>("w_in", n, -1);
  if (m.w_in.cols() == 0) throw fail("w_in", "expected at least one input channel (column), found " + std::to_string(n) + "×0");
  m.w_out = in.finite_vector<S>("w_out", n).transpose();
  const double b_out = in.has("b_out") ? in.scalar("b_out") : 0.0;
  if (!std::isfinite(b_out)) throw fail("b_out", "expected a finite bias, found " + std::to_string(b_out));
  m.b_out = static_cast<S>(b_out);
  const vector<double> taus = in.finite_vector<double>("taus");
  if (taus.size() != 1 && taus.size() != 2) throw fail("taus", "expected 1 or 2 values, found " + std::to_string(taus.size()));
  m.params.taus.assign(taus.data(), taus.data() + taus.size());
  if (in.has("taus_gaus")) m.taus_gaus = in.finite_vector<S>("taus_gaus", n);
  else if (taus.size() == 2) throw fail("taus_gaus", "missing (needed with two taus)");
  else m.taus_gaus = vector<S>::Zero(n);
  m.taus_gaus0 = in.has("taus_gaus0") ? in.finite_vector<S>("taus_gaus0", n) : m.taus_gaus;

  m.types.inh = in.logical("inh", n);
  const matrix<S> sign_m = in.finite_matrix<S>("m", n, n);
  for (index_t i = 0; i < n; ++i) {
    const S expected = m.types.inh[i] ? S(-1) : S(1);
    if (sign_m(i, i) != expected)
      throw fail("m", "expected a diagonal of +1 (excitatory) / -1 (inhibitory) agreeing with 'inh' at unit " +
                          std::to_string(i + 1));
  }
  if ((sign_m - matrix<S>(sign_m.diagonal().asDiagonal())).cwiseAbs().maxCoeff() != S(0))
    throw fail("m", "expected a diagonal matrix");
  const std::int64_t som_count = in.has("som_N") ? in.integer("som_N") : 0;
  if (som_count < 0 || som_count > n)
    throw fail("som_N", "expected a count of SOM units between 0 and N = " + std::to_string(n) + ", found " +
                            std::to_string(som_count));
  const int som_n = static_cast<int>(som_count);
  m.types.derive(som_n);
  if (in.has("som_m")) {
    m.types.som_mask = in.finite_matrix<S>("som_m", n, n);
    if (!((m.types.som_mask.array() == S(0)) || (m.types.som_mask.array() == S(1))).all())
      throw fail("som_m", "expected a 0/1 mask");
  }
  m.activation = in.has("activation") ? in.string("activation") : "sigmoid";
  // Dale networks are saved with w ≥ 0; a file says so itself (spikernn), or has inhibitory
  // units, or (original no-Dale files) has negative entries in w.
  if (in.has("apply_dale")) m.apply_dale = in.logical("apply_dale", 1)[0];
  else m.apply_dale = m.types.n_inh() > 0 || m.w.minCoeff() >= S(0);
  if (in.has("task")) m.task = in.string("task");

  m.params.n = static_cast<int>(n);
  m.params.som_n = som_n;
  m.params.n_inputs = static_cast<int>(m.w_in.cols());
  if (in.has("P_rec")) m.params.p_rec = in.scalar("P_rec");
  if (in.has("P_inh")) m.params.p_inh = in.scalar("P_inh");
  if (in.has("gain")) m.params.gain = in.scalar("gain");
  if (in.has("noise_sd")) {  // files of the original have none: theirs is 0.1, the default
    m.params.noise_sd = in.scalar("noise_sd");
    if (!(m.params.noise_sd >= 0) || !std::isfinite(m.params.noise_sd))
      throw fail("noise_sd", "a non-negative, finite noise SD");
  }
  return m;
}

/// The last evaluation's labels (`eval_labels`) as numbers, from either form a model file
/// holds them in: numeric (Go-NoGo 1/0, Mante ±1), or XOR's strings as the original saves them
/// (a char matrix or a cell; 'same' → +1, 'diff' → −1). Empty when the file has none.
/// load_rate_model does not need them: a model loads whichever form its eval_labels take.
inline std::vector<double> load_eval_labels(const std::filesystem::path& path) {
  const mat_reader in(path);
  if (!in.has("eval_labels")) return {};
  const std::string cls = in.class_name("eval_labels");
  if (cls != "char" && cls != "cell") {
    const vector<double> v = in.vector<double>("eval_labels");
    return {v.data(), v.data() + v.size()};
  }
  std::vector<double> out;
  for (const auto& s : in.strings("eval_labels")) {
    if (s != "same" && s != "diff")
      throw file_error(path.string(),
                       "variable 'eval_labels': expected the strings 'same' or 'diff', found '" + s + "'");
    out.push_back(s == "same" ? 1.0 : -1.0);
  }
  return out;
}

/// A scaling-factor search as a model file records it.
struct scaling_search_record {
  std::vector<double> factors, perfs;
  double best_factor = 0;
  std::string spiking_neuron = "lif";
  std::string estimator = "common_trials";  ///< search_estimator's name ("" in files of older versions)
  long trials = 0;                          ///< per factor (0: not recorded)
  std::string readout = "one_to_one";       ///< readout_method's name: one_to_one or recalibrated
  long calibration_trials = 0;              ///< of a recalibrated readout
};

/// The search a model file holds, if any.
inline std::optional<scaling_search_record> read_scaling_search(const std::filesystem::path& path,
                                                                const std::string& prefix = "") {
  const mat_reader in(path);
  if (!in.has(prefix + "opt_scaling_factor")) return std::nullopt;
  scaling_search_record r;
  r.best_factor = in.scalar(prefix + "opt_scaling_factor");
  if (in.has(prefix + "scaling_factors")) {
    const auto f = in.vector<double>(prefix + "scaling_factors");
    r.factors.assign(f.data(), f.data() + f.size());
    const auto p = in.vector<double>(prefix + "all_perfs", f.size());
    r.perfs.assign(p.data(), p.data() + p.size());
  }
  if (in.has(prefix + "spiking_neuron")) r.spiking_neuron = in.string(prefix + "spiking_neuron");
  r.estimator = in.has(prefix + "search_estimator") ? in.string(prefix + "search_estimator") : "";
  if (in.has(prefix + "search_trials")) r.trials = long(in.integer(prefix + "search_trials"));
  if (in.has(prefix + "spiking_readout")) r.readout = in.string(prefix + "spiking_readout");
  if (in.has(prefix + "calibration_trials")) r.calibration_trials = long(in.integer(prefix + "calibration_trials"));
  return r;
}

/// Writes a search's result into a model file (opt_scaling_factor, all_perfs, scaling_factors as
/// lambda_grid_search.m, plus spiking_neuron, search_estimator and search_trials), keeping every
/// other variable. A search the file held before is not lost: it moves to
/// search_history_<k>_<name> (k = 1, 2, … oldest first).
inline void save_scaling_search(const std::filesystem::path& path, const scaling_search_record& rec) {
  if (rec.factors.size() != rec.perfs.size() || rec.factors.empty())
    throw file_error(path.string(), "a search result needs one performance per scaling factor");
  const std::vector<std::string> names{"opt_scaling_factor", "all_perfs",        "scaling_factors",  "spiking_neuron",
                                       "search_estimator",   "search_trials",    "spiking_readout", "calibration_trials"};
  const std::optional<scaling_search_record> earlier = read_scaling_search(path);
  const mat_reader in(path);  // reads everything now: the file can be replaced below
  mat_writer out(path);
  in.copy_all_except(out, names);
  const auto write = [&](const scaling_search_record& r, const std::string& prefix) {
    out.write_string(prefix + "spiking_neuron", r.spiking_neuron);
    if (!r.estimator.empty()) out.write_string(prefix + "search_estimator", r.estimator);
    if (r.trials > 0) out.write_int(prefix + "search_trials", r.trials);
    if (r.readout != "one_to_one") {  // files of the paper's readout stay as they were
      out.write_string(prefix + "spiking_readout", r.readout);
      if (r.calibration_trials > 0) out.write_int(prefix + "calibration_trials", r.calibration_trials);
    }
    out.write_scalar(prefix + "opt_scaling_factor", r.best_factor);
    if (!r.factors.empty()) {
      out.write(prefix + "all_perfs", Eigen::Map<const vector<double>>(r.perfs.data(), index_t(r.perfs.size())));
      out.write(prefix + "scaling_factors", Eigen::Map<const row_vector<double>>(r.factors.data(), index_t(r.factors.size())));
    }
  };
  if (earlier) {  // the earlier search goes to the history, under the next number
    int k = 1;
    while (in.has("search_history_" + std::to_string(k) + "_opt_scaling_factor")) ++k;
    write(*earlier, "search_history_" + std::to_string(k) + "_");
  }
  write(rec, "");
  out.commit();
}

/// The same, as the programs of earlier versions called it.
inline void save_scaling_search(const std::filesystem::path& path, const std::vector<double>& factors,
                                const std::vector<double>& perfs, double best_factor,
                                const std::string& spiking_neuron = "lif") {
  save_scaling_search(path, scaling_search_record{factors, perfs, best_factor, spiking_neuron, "common_trials", 0, "one_to_one", 0});
}

using spikernn::rate_model;
using spikernn::to_rate_rnn;

}  // namespace spikernn::io
