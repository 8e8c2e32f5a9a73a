// The file of a trained spiking mode RNN (network/mode_snn.hpp): one MAT file (modes.mat for
// spikernn-smnn) with every array also as <npy_dir>/<name>.npy (io/array_sink.hpp). It holds the
// trained blocks, the mode ranking of B.1, the training curves, and every setting of
// mode_snn_params plus the surrogate function, so that load_mode_snn rebuilds the network from
// the file alone and its outputs are the saved network's, to the bit: nothing a user trained is
// lost, and nothing has to be re-entered (or remembered) to use it.
//
// Variables (arrays in the MAT file and as .npy; settings in the MAT file only):
//   w_in (N × n_inputs), w_out (n_outputs × N)                 the trained blocks, in the network's
//   xi_in, xi_out (N × P), lambda (P × 1)  — modes, or           scalar type (single for float)
//   w_rec (N × N)                          — full rank
//   mode_importance, mode_order (1 × P; 1-based, as MATLAB indexes) — modes only (B.1)
//   <test_x_name> (test_epochs or test_rounds), test_accuracy, train_loss (1 × k rows)
//   task (text), N, P (P = 0: full rank), seed
//   format ('spikernn mode_snn'), format_version (1)
//   n_inputs, n_outputs, full_rank (0/1), neuron (lif | leaky), filter (single | double_mnist |
//   double_mante), readout (max_over_time | per_step), input_product (sparse | dense |
//   automatic), dt, v_thr, tau_s, tau_m, tau_d, tau_r (seconds), refractory_steps,
//   leaky_beta, leaky_threshold, leaky_reset (subtract | zero), smooth_spikes (0/1),
//   surrogate (the policy's name) and surrogate_parameter (its slope or alpha; 0 if none)
//
// Reading refuses a damaged or mismatched file with a file_error naming the file, the variable
// and what was expected (io/mat_reader.hpp), and a network of another surrogate than the one
// asked for (load_any_mode_snn takes whichever shipped surrogate the file names).
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/eval/mode_importance.hpp"
#include "spikernn/io/array_sink.hpp"
#include "spikernn/io/csv.hpp"
#include "spikernn/io/mat_reader.hpp"
#include "spikernn/network/mode_snn.hpp"
#include "spikernn/network/mode_snn_params.hpp"
#include "spikernn/neuron/surrogate.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace spikernn::io {

inline constexpr std::string_view mode_snn_format = "spikernn mode_snn";
inline constexpr int mode_snn_format_version = 1;

/// What a mode SNN file holds besides the network: what it was trained on and how it went.
struct mode_snn_record {
  std::string task;                          ///< "mnist", "context" or a label of the user's
  std::uint64_t seed = 0;                    ///< the seed the network was built and trained with
  std::string test_x_name = "test_epochs";   ///< the variable of the test curve's x (test_rounds: context)
  std::vector<double> test_x, test_accuracy;  ///< the test curve
  std::vector<double> train_loss;            ///< one value per epoch (MNIST) or round (context)
};

/// Everything a file says about its network and run, without the trained numbers.
struct mode_snn_description {
  mode_snn_params params;
  std::string surrogate;            ///< the surrogate policy's name (Surrogate::name)
  double surrogate_parameter = 0;   ///< its slope or alpha; 0 for one without a parameter
  mode_snn_record record;
};

/// The parameter of a surrogate policy as files record it (a steeper fast_sigmoid has the same
/// name as the default one, so the name alone does not say which network was trained).
template <class Surrogate>
constexpr double surrogate_parameter() {
  if constexpr (requires { Surrogate::slope; }) return double(Surrogate::slope);
  else if constexpr (requires { Surrogate::alpha; }) return double(Surrogate::alpha);
  else return 0.0;
}

namespace detail {
inline std::string_view input_product_name(input_product v) {
  return v == input_product::sparse ? "sparse" : v == input_product::dense ? "dense" : "automatic";
}
inline std::string_view leaky_reset_name(leaky_reset v) { return v == leaky_reset::subtract ? "subtract" : "zero"; }

/// The enum value whose name is the string variable `name`, refusing any other text.
template <class E, std::size_t K>
E mode_snn_read_choice(const mat_reader& r, const std::string& name, const E (&values)[K],
                       std::string_view (*to_name)(E)) {
  const std::string text = r.string(name);
  std::string allowed;
  for (const E v : values) {
    if (text == to_name(v)) return v;
    allowed += (allowed.empty() ? "" : " | ") + std::string(to_name(v));
  }
  throw file_error(r.path().string(), "variable '" + name + "': expected one of " + allowed + ", found '" + text + "'");
}

inline int mode_snn_read_int(const mat_reader& r, const std::string& name) {
  const std::int64_t v = r.integer(name);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    throw file_error(r.path().string(), "variable '" + name + "': expected an int, found " + std::to_string(v));
  return int(v);
}

inline bool mode_snn_read_flag(const mat_reader& r, const std::string& name) {
  const std::int64_t v = r.integer(name);
  if (v != 0 && v != 1)
    throw file_error(r.path().string(), "variable '" + name + "': expected 0 or 1, found " + std::to_string(v));
  return v == 1;
}

inline std::vector<double> mode_snn_read_curve(const mat_reader& r, const std::string& name) {
  const vector<double> v = r.vector<double>(name);
  return {v.data(), v.data() + v.size()};
}

/// The file's variable for a field of mode_snn_params (as validate() names it).
inline std::string mode_snn_variable_of(const std::string& field) {
  if (field == "n") return "N";
  if (field == "p") return "P";
  if (field == "beta" || field == "threshold") return "leaky_" + field;
  return field;
}
}  // namespace detail

/// Puts `net` and `record` into `sink` (without committing it): the variables listed above.
template <real_scalar S, surrogate_function Surrogate>
void put_mode_snn(array_sink& sink, const mode_snn<S, Surrogate>& net, const mode_snn_record& record) {
  sink.put("w_in", net.w_in());
  sink.put("w_out", net.w_out());
  if (net.full_rank()) {
    sink.put("w_rec", net.w_rec());
  } else {
    sink.put("xi_in", net.xi_in());
    sink.put("lambda", net.lambda());
    sink.put("xi_out", net.xi_out());
    const auto rank = mode_importance(net);
    sink.put("mode_importance", rank.score.transpose());
    std::vector<double> order;
    for (const auto k : rank.order) order.push_back(double(k + 1));  // 1-based, as MATLAB indexes
    sink.put("mode_order", order);
  }
  sink.put(record.test_x_name, record.test_x);
  sink.put("test_accuracy", record.test_accuracy);
  sink.put("train_loss", record.train_loss);
  sink.put_string("task", record.task);
  sink.put_int("N", net.size());
  sink.put_int("P", net.modes());
  sink.put_int("seed", std::int64_t(record.seed));
  // What rebuilding the network takes (format 1).
  const mode_snn_params& p = net.params();
  sink.put_string("format", std::string(mode_snn_format));
  sink.put_int("format_version", mode_snn_format_version);
  sink.put_int("n_inputs", p.n_inputs);
  sink.put_int("n_outputs", p.n_outputs);
  sink.put_int("full_rank", p.full_rank ? 1 : 0);
  sink.put_string("neuron", std::string(to_string(p.neuron)));
  sink.put_string("filter", std::string(to_string(p.filter)));
  sink.put_string("readout", std::string(to_string(p.readout)));
  sink.put_string("input_product", std::string(detail::input_product_name(p.input)));
  sink.put_scalar("dt", p.dt);
  sink.put_scalar("v_thr", p.v_thr);
  sink.put_scalar("tau_s", p.tau_s);
  sink.put_scalar("tau_m", p.tau_m);
  sink.put_scalar("tau_d", p.tau_d);
  sink.put_scalar("tau_r", p.tau_r);
  sink.put_int("refractory_steps", p.refractory_steps);
  sink.put_scalar("leaky_beta", p.leaky.beta);
  sink.put_scalar("leaky_threshold", p.leaky.threshold);
  sink.put_string("leaky_reset", std::string(detail::leaky_reset_name(p.leaky.reset)));
  sink.put_int("smooth_spikes", p.smooth_spikes ? 1 : 0);
  sink.put_string("surrogate", std::string(Surrogate::name));
  sink.put_scalar("surrogate_parameter", surrogate_parameter<Surrogate>());
}

/// Writes `net` and `record` to the MAT file `mat_path` and the .npy files of `npy_dir`
/// (default: npy/ beside the MAT file), both atomically.
template <real_scalar S, surrogate_function Surrogate>
void save_mode_snn(const std::filesystem::path& mat_path, const mode_snn<S, Surrogate>& net,
                   const mode_snn_record& record, std::filesystem::path npy_dir = {}) {
  if (npy_dir.empty()) npy_dir = mat_path.parent_path() / "npy";
  array_sink sink(mat_path, npy_dir);
  put_mode_snn(sink, net, record);
  sink.commit();
}

/// The settings, surrogate and record of a mode SNN file (not its trained numbers).
inline mode_snn_description read_mode_snn_description(const mat_reader& r) {
  const std::string file = r.path().string();
  const auto fail = [&](const std::string& name, const std::string& what) {
    throw file_error(file, "variable '" + name + "': " + what);
  };
  if (!r.has("format"))
    throw file_error(file, "is not a spikernn mode SNN file: it has no variable 'format' (expected '" +
                               std::string(mode_snn_format) + "'; files spikernn-smnn wrote before format 1 "
                               "lack the settings needed to rebuild the network)");
  if (const std::string f = r.string("format"); f != mode_snn_format)
    fail("format", "expected '" + std::string(mode_snn_format) + "', found '" + f + "'");
  if (const auto v = r.integer("format_version"); v < 1 || v > mode_snn_format_version)
    fail("format_version", "expected 1 to " + std::to_string(mode_snn_format_version) + ", found " + std::to_string(v) +
                               (v > mode_snn_format_version ? " (written by a newer spikernn)" : ""));
  mode_snn_description d;
  mode_snn_params& p = d.params;
  p.n = detail::mode_snn_read_int(r, "N");
  p.full_rank = detail::mode_snn_read_flag(r, "full_rank");
  const int modes = detail::mode_snn_read_int(r, "P");
  if (p.full_rank && modes != 0)
    fail("P", "expected 0 for a full-rank network (full_rank = 1), found " + std::to_string(modes));
  if (!p.full_rank && modes <= 0)
    fail("P", "expected a positive number of modes (full_rank = 0), found " + std::to_string(modes));
  p.p = p.full_rank ? 1 : modes;  // mode_snn ignores p with full_rank
  p.n_inputs = detail::mode_snn_read_int(r, "n_inputs");
  p.n_outputs = detail::mode_snn_read_int(r, "n_outputs");
  p.neuron = detail::mode_snn_read_choice(r, "neuron", {mode_neuron::lif, mode_neuron::leaky},
                                          +[](mode_neuron v) { return to_string(v); });
  p.filter = detail::mode_snn_read_choice(r, "filter",
                                          {mode_filter::single, mode_filter::double_mnist, mode_filter::double_mante},
                                          +[](mode_filter v) { return to_string(v); });
  p.readout = detail::mode_snn_read_choice(r, "readout", {mode_readout::max_over_time, mode_readout::per_step},
                                           +[](mode_readout v) { return to_string(v); });
  p.input = detail::mode_snn_read_choice(r, "input_product",
                                         {input_product::sparse, input_product::dense, input_product::automatic},
                                         &detail::input_product_name);
  p.dt = r.scalar("dt");
  p.v_thr = r.scalar("v_thr");
  p.tau_s = r.scalar("tau_s");
  p.tau_m = r.scalar("tau_m");
  p.tau_d = r.scalar("tau_d");
  p.tau_r = r.scalar("tau_r");
  p.refractory_steps = detail::mode_snn_read_int(r, "refractory_steps");
  p.leaky.beta = r.scalar("leaky_beta");
  p.leaky.threshold = r.scalar("leaky_threshold");
  p.leaky.reset = detail::mode_snn_read_choice(r, "leaky_reset", {leaky_reset::subtract, leaky_reset::zero},
                                               &detail::leaky_reset_name);
  p.smooth_spikes = detail::mode_snn_read_flag(r, "smooth_spikes");
  try {
    p.validate();
  } catch (const invalid_parameter& e) {
    fail(detail::mode_snn_variable_of(e.parameter), e.what());
  }
  d.surrogate = r.string("surrogate");
  d.surrogate_parameter = r.scalar("surrogate_parameter");

  mode_snn_record& rec = d.record;
  rec.task = r.string("task");
  rec.seed = std::uint64_t(r.integer("seed"));
  if (r.has("test_epochs")) rec.test_x_name = "test_epochs";
  else if (r.has("test_rounds")) rec.test_x_name = "test_rounds";
  else throw file_error(file, "has no test curve: expected a variable 'test_epochs' or 'test_rounds'");
  rec.test_x = detail::mode_snn_read_curve(r, rec.test_x_name);
  rec.test_accuracy = detail::mode_snn_read_curve(r, "test_accuracy");
  if (rec.test_accuracy.size() != rec.test_x.size())
    fail("test_accuracy", "expected " + std::to_string(rec.test_x.size()) + " values, one per entry of '" +
                              rec.test_x_name + "', found " + std::to_string(rec.test_accuracy.size()));
  rec.train_loss = detail::mode_snn_read_curve(r, "train_loss");
  return d;
}

inline mode_snn_description read_mode_snn_description(const std::filesystem::path& path) {
  return read_mode_snn_description(mat_reader(path));
}

/// The trained network of a mode SNN file, as mode_snn<S, Surrogate>. Refuses a file whose
/// network was trained with another surrogate (name or parameter): its gradients, and so any
/// further training, would not be the ones it was trained with.
template <surrogate_function Surrogate = fast_sigmoid, real_scalar S = float>
mode_snn<S, Surrogate> load_mode_snn(const mat_reader& r) {
  const mode_snn_description d = read_mode_snn_description(r);
  if (d.surrogate != Surrogate::name || d.surrogate_parameter != surrogate_parameter<Surrogate>())
    throw file_error(r.path().string(),
                     "variable 'surrogate': the network was trained with " + d.surrogate + " (parameter " +
                         exact_text(d.surrogate_parameter) + "), expected " + std::string(Surrogate::name) +
                         " (parameter " + exact_text(surrogate_parameter<Surrogate>()) +
                         ") as asked for; load it with that surrogate or with load_any_mode_snn");
  const mode_snn_params& p = d.params;
  mode_snn<S, Surrogate> net(p, seed{0});  // the initial draw is overwritten below
  net.w_in() = r.matrix<S>("w_in", p.n, p.n_inputs);
  net.w_out() = r.matrix<S>("w_out", p.n_outputs, p.n);
  if (p.full_rank) {
    net.w_rec() = r.matrix<S>("w_rec", p.n, p.n);
  } else {
    net.xi_in() = r.matrix<S>("xi_in", p.n, p.p);
    net.lambda() = r.vector<S>("lambda", p.p);
    net.xi_out() = r.matrix<S>("xi_out", p.n, p.p);
  }
  return net;
}

template <surrogate_function Surrogate = fast_sigmoid, real_scalar S = float>
mode_snn<S, Surrogate> load_mode_snn(const std::filesystem::path& path) {
  return load_mode_snn<Surrogate, S>(mat_reader(path));
}

/// A network of any surrogate spikernn ships (std::visit it to run forward()).
using any_mode_snn = std::variant<mode_snn<float, fast_sigmoid>, mode_snn<float, arctan>,
                                  mode_snn<float, sigmoid_surrogate>, mode_snn<float, straight_through>>;

/// The trained network of a mode SNN file, with the shipped surrogate the file names.
inline any_mode_snn load_any_mode_snn(const std::filesystem::path& path) {
  const mat_reader r(path);
  const mode_snn_description d = read_mode_snn_description(r);
  const auto is = [&]<class Sur>(std::type_identity<Sur>) {
    return d.surrogate == Sur::name && d.surrogate_parameter == surrogate_parameter<Sur>();
  };
  if (is(std::type_identity<fast_sigmoid>{})) return load_mode_snn<fast_sigmoid>(r);
  if (is(std::type_identity<arctan>{})) return load_mode_snn<arctan>(r);
  if (is(std::type_identity<sigmoid_surrogate>{})) return load_mode_snn<sigmoid_surrogate>(r);
  if (is(std::type_identity<straight_through>{})) return load_mode_snn<straight_through>(r);
  throw file_error(r.path().string(), "variable 'surrogate': expected a shipped surrogate (fast_sigmoid slope 25, "
                                      "arctan alpha 2, sigmoid slope 25, straight_through), found " +
                                          d.surrogate + " (parameter " + exact_text(d.surrogate_parameter) +
                                          "); load it with load_mode_snn<your surrogate>");
}

}  // namespace spikernn::io
