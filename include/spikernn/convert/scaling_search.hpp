// The scaling-factor grid search of lambda_grid_search.m (spec §5.1): convert the rate model at
// every factor, score the LIF network on the same random trials (eval/spiking_eval.hpp) and keep
// the best (the first on ties, i.e. the smallest in an increasing grid). Also the one-call
// score of a rate model at one factor.
#pragma once

#include "spikernn/convert/rate_to_lif.hpp"
#include "spikernn/eval/spiking_eval.hpp"

#include <cmath>
#include <optional>
#include <string>
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
};

/// Scores the spiking network of `model` at `factor` on opt.trials random trials of `tk`, with
/// leaky integrate-and-fire neurons unless another neuron policy is named.
template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
spiking_score evaluate_spiking(const rate_model<M>& model, const Task& tk, double factor,
                               const spiking_eval_options& opt = {}, const spiking_conversion& conv = {}) {
  require(model.params.n_inputs == tk.n_inputs(), "task",
          "a task with " + std::to_string(model.params.n_inputs) + " input channels like the model's w_in (" +
              std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  require(opt.trials > 0, "trials", "a positive number of trials");
  spiking_score s = evaluate_spiking(
      to_lif<double, Neuron>(model, factor, conv.lif.value_or(Neuron::defaults()), conv.options), tk, opt);
  s.factor = factor;
  return s;
}

struct search_options {
  std::vector<double> factors = range(20, 75, 5);  ///< the original's 20:5:75
  spiking_eval_options eval{};
  spiking_conversion conversion{};
};

struct search_result {
  std::vector<double> factors;
  std::vector<spiking_score> scores;  ///< one per factor
  std::vector<double> perfs;          ///< accuracy per factor (the original's all_perfs)
  std::size_t best_index = 0;
  double best_factor() const { return factors.at(best_index); }
  double best_perf() const { return perfs.at(best_index); }
};

template <integrate_and_fire Neuron = leaky_if, spiking_task Task, class M>
search_result search_scaling(const rate_model<M>& model, const Task& tk, const search_options& opt = {}) {
  require(!opt.factors.empty(), "factors", "at least one scaling factor");
  search_result res;
  res.factors = opt.factors;
  for (double f : opt.factors) {
    res.scores.push_back(evaluate_spiking<Neuron>(model, tk, f, opt.eval, opt.conversion));
    res.perfs.push_back(res.scores.back().accuracy);
  }
  for (std::size_t k = 1; k < res.perfs.size(); ++k)
    if (res.perfs[k] > res.perfs[res.best_index]) res.best_index = k;  // strict: first on ties
  return res;
}

}  // namespace spikernn
