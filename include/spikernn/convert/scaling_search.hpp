// The scaling-factor grid search of lambda_grid_search.m (spec §5.1): convert the rate model at
// every factor, score the LIF network (eval/spiking_eval.hpp) and keep the best (the first on
// ties, i.e. the smallest in an increasing grid). Two estimators: spikernn's, every factor on the
// same trials (a paired comparison), and the original's, fresh trials for every factor, whose
// best-of-the-grid is biased upward where the accuracy curve is flat (a chance-level network
// scores about 0.58 with 12 factors of 100 trials). Neither touches the held-out trials
// (eval/spiking_eval.hpp). Also the one-call score of a rate model at one factor. With a
// recalibrated readout (convert/readout_calibration.hpp) the readout is refitted at every factor
// before the factor is scored, on calibration trials of the evaluation's seed.
#pragma once

#include "spikernn/convert/rate_to_lif.hpp"
#include "spikernn/convert/readout_calibration.hpp"
#include "spikernn/eval/spiking_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spikernn {

/// The most values a grid may hold: a search scores every factor on every trial, so a grid
/// larger than this is a typing mistake, not an experiment.
inline constexpr std::size_t max_grid_values = 10000;

/// start, start + step, … up to and including stop: MATLAB's start:step:stop, written here with
/// the stop before the step (range(20, 75, 5) is 20:5:75).
inline std::vector<double> range(double start, double stop, double step) {
  require(std::isfinite(start) && std::isfinite(stop) && std::isfinite(step), "range", "finite start, stop and step");
  require(step > 0, "step", "a positive step");
  require(stop >= start, "stop", "stop ≥ start");
  const double count = std::floor((stop - start) / step + 1e-9) + 1;  // checked before any cast
  require(count <= double(max_grid_values), "range",
          "at most " + std::to_string(max_grid_values) + " values, got " + std::to_string(count));
  std::vector<double> v;
  for (long k = 0; k < static_cast<long>(count); ++k) v.push_back(start + double(k) * step);
  return v;
}

/// Parses a grid in MATLAB's notation, "start:step:stop" (stop included when the steps reach it)
/// or "start:stop" (step 1), or a comma-separated list "20,25,30".
inline std::vector<double> parse_factors(const std::string& text) {
  const auto fail = [&] {
    return invalid_parameter("factors", "start:step:stop (MATLAB's notation), start:stop or a comma list of positive "
                                        "numbers, at most " + std::to_string(max_grid_values) + " of them, got '" + text + "'");
  };
  std::vector<double> parts;
  const char sep = text.find(':') != std::string::npos ? ':' : ',';
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(sep, pos), text.size());
    try {
      std::size_t used = 0;
      parts.push_back(std::stod(text.substr(pos, end - pos), &used));
      if (used != end - pos) throw fail();
    } catch (const std::logic_error&) {
      throw fail();
    }
    pos = end + 1;
  }
  std::vector<double> out = parts;
  if (sep == ':') {
    if (parts.size() < 2 || parts.size() > 3) throw fail();
    const double start = parts.front(), stop = parts.back(), step = parts.size() == 3 ? parts[1] : 1.0;
    if (!(step > 0) || !(stop >= start) || !std::isfinite(start) || !std::isfinite(stop) ||
        !((stop - start) / step < double(max_grid_values)))
      throw fail();
    out = range(start, stop, step);
  }
  if (out.size() > max_grid_values) throw fail();
  for (double f : out)
    if (!(f > 0) || !std::isfinite(f)) throw fail();
  return out;
}

/// How a rate model becomes the spiking network that is scored.
struct spiking_conversion {
  std::optional<lif_params> lif{};  ///< the network's constants; unset: the neuron's defaults
  conversion_options options{};
  readout_method readout = readout_method::one_to_one;
  /// With a recalibrated readout: the calibration trials and ridge (their seed and threads are
  /// those of the evaluation the network is built for).
  readout_calibration_options calibration{};
};

/// The spiking network of `model` at `factor` as `conv` says, with leaky integrate-and-fire
/// neurons unless another neuron policy is named; a recalibrated readout is fitted on the
/// calibration trials of `seed` (and `fit`, when given, receives it).
template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
lif_network<double, Neuron> to_spiking(const rate_model<M>& model, const Task& tk, double factor,
                                       const spiking_conversion& conv = {}, spikernn::seed seed = spikernn::seed{1},
                                       int threads = 0, readout_fit* fit = nullptr) {
  require(model.params.n_inputs == tk.n_inputs(), "task",
          "a task with " + std::to_string(model.params.n_inputs) + " input channels like the model's w_in (" +
              std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  auto net = to_lif<double, Neuron>(model, factor, conv.lif.value_or(Neuron::defaults()), conv.options);
  if (conv.readout == readout_method::recalibrated) {
    readout_calibration_options cal = conv.calibration;
    cal.seed = seed;
    cal.threads = threads;
    const readout_fit f = fit_readout(net, tk, cal);
    net.set_readout(f.w_out, f.b_out);
    if (fit) *fit = f;
  }
  return net;
}

/// Scores the spiking network of `model` at `factor` (to_spiking) on opt.trials random trials of `tk`.
template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
spiking_score evaluate_spiking(const rate_model<M>& model, const Task& tk, double factor,
                               const spiking_eval_options& opt = {}, const spiking_conversion& conv = {},
                               readout_fit* fit = nullptr) {
  require(opt.trials > 0, "trials", "a positive number of trials");
  spiking_score s = evaluate_spiking(to_spiking<Neuron>(model, tk, factor, conv, opt.seed, opt.threads, fit), tk, opt);
  s.factor = factor;
  return s;
}

/// Which trials the factors of a search are scored on.
enum class search_estimator {
  common_trials,     ///< every factor on the same trials (spikernn's default)
  fresh_per_factor,  ///< new trials for every factor, as lambda_grid_search.m draws them
};
constexpr std::string_view to_string(search_estimator e) {
  return e == search_estimator::common_trials ? "common_trials" : "fresh_per_factor";
}

/// The first trial index factor k of a grid is scored from (fresh_per_factor: blocks of 2^40
/// trials, below held_out_first_trial for any grid the search accepts).
inline std::uint64_t search_first_trial(search_estimator e, std::size_t k, std::uint64_t base = 0) {
  return e == search_estimator::common_trials ? base : base + (std::uint64_t(k) + 1) * (std::uint64_t(1) << 40);
}

struct search_options {
  std::vector<double> factors = range(20, 75, 5);  ///< the original's 20:5:75
  spiking_eval_options eval{};
  spiking_conversion conversion{};
  search_estimator estimator = search_estimator::common_trials;
  /// Called after each factor is scored (k, its score): progress lines, ETAs. Optional.
  std::function<void(std::size_t, const spiking_score&)> on_factor{};
};

struct search_result {
  search_estimator estimator = search_estimator::common_trials;
  std::vector<double> factors;
  std::vector<spiking_score> scores;  ///< one per factor
  std::vector<double> perfs;          ///< accuracy per factor (the original's all_perfs)
  std::vector<readout_fit> readouts;  ///< per factor, with a recalibrated readout (else empty)
  std::size_t best_index = 0;
  double best_factor() const { return factors.at(best_index); }
  double best_perf() const { return perfs.at(best_index); }
  /// Whether the best factor is the first or the last of a grid of several: the best one may
  /// lie outside the grid.
  bool best_at_edge() const { return factors.size() > 1 && (best_index == 0 || best_index + 1 == factors.size()); }
};

namespace detail {
/// Scores `factors[from…]` into `res`; factor k of the search draws its trials as the
/// estimator says (search_first_trial), so a factor added later never reuses another's.
template <integrate_and_fire Neuron, spiking_task Task, class M>
void score_factors(search_result& res, const rate_model<M>& model, const Task& tk, const search_options& opt,
                   const std::vector<double>& factors) {
  for (double f : factors) {
    const std::size_t k = res.factors.size();
    spiking_eval_options eval = opt.eval;
    eval.first_trial = search_first_trial(opt.estimator, k, opt.eval.first_trial);
    res.factors.push_back(f);
    readout_fit fit;
    res.scores.push_back(evaluate_spiking<Neuron>(model, tk, f, eval, opt.conversion, &fit));
    if (opt.conversion.readout == readout_method::recalibrated) res.readouts.push_back(std::move(fit));
    res.perfs.push_back(res.scores.back().accuracy);
    if (opt.on_factor) opt.on_factor(k, res.scores.back());
  }
}
/// The best factor of an increasing grid: the first of the highest accuracy.
inline void choose_best(search_result& res) {
  res.best_index = 0;
  for (std::size_t k = 1; k < res.perfs.size(); ++k)
    if (res.perfs[k] > res.perfs[res.best_index]) res.best_index = k;  // strict: first on ties
}
}  // namespace detail

template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
search_result search_scaling(const rate_model<M>& model, const Task& tk, const search_options& opt = {}) {
  require(!opt.factors.empty(), "factors", "at least one scaling factor");
  require(opt.factors.size() <= max_grid_values, "factors", "at most " + std::to_string(max_grid_values) + " factors");
  search_result res;
  res.estimator = opt.estimator;
  detail::score_factors<Neuron>(res, model, tk, opt, opt.factors);
  detail::choose_best(res);
  return res;
}

/// The search, then, while the best factor is at an edge of the grid, `steps` more factors past
/// that edge at the grid's first spacing (positive ones only), up to `max_extensions` times:
/// what to do when the optimum may lie outside the grid. The grid must increase; the result's
/// grid is the extended one, in increasing order, with every factor scored once.
template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
search_result search_scaling_until_interior(const rate_model<M>& model, const Task& tk, const search_options& opt = {},
                                            int max_extensions = 4, int steps = 3) {
  require(opt.factors.size() >= 2 && std::is_sorted(opt.factors.begin(), opt.factors.end()) &&
              std::adjacent_find(opt.factors.begin(), opt.factors.end()) == opt.factors.end(),
          "factors", "an increasing grid of at least two factors to extend");
  require(max_extensions >= 0 && steps > 0, "extend", "a non-negative number of extensions of at least one factor");
  const double spacing = opt.factors[1] - opt.factors[0];
  search_result res = search_scaling<Neuron>(model, tk, opt);
  for (int round = 0; round < max_extensions && res.best_at_edge(); ++round) {
    std::vector<double> more;
    const bool low = res.best_index == 0;
    for (int i = 1; i <= steps; ++i) {
      const double f = low ? res.factors.front() - spacing * i : res.factors.back() + spacing * i;
      if (f > 0) more.push_back(f);
    }
    if (more.empty() || res.factors.size() + more.size() > max_grid_values) break;  // nothing left below 0
    // score the new factors, then put the grid back in increasing order
    search_result grown = res;
    detail::score_factors<Neuron>(grown, model, tk, opt, more);
    std::vector<std::size_t> order(grown.factors.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return grown.factors[a] < grown.factors[b]; });
    res.factors.clear();
    res.scores.clear();
    res.perfs.clear();
    res.readouts.clear();
    for (std::size_t k : order) {
      res.factors.push_back(grown.factors[k]);
      res.scores.push_back(grown.scores[k]);
      res.perfs.push_back(grown.perfs[k]);
      if (!grown.readouts.empty()) res.readouts.push_back(grown.readouts[k]);
    }
    detail::choose_best(res);
  }
  return res;
}

}  // namespace spikernn
