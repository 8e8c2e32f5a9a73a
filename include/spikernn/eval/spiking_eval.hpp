// Scoring a spiking network on its task (spec §5.1): accuracy over n random trials with a
// per-condition breakdown, and spike statistics. The network comes already converted
// (convert/rate_to_lif.hpp; convert/scaling_search.hpp scores a rate model at a factor), so
// conversion depends on evaluation and never the other way. Trials run in parallel; trial k
// always uses the stream (seed, spiking_trial, first_trial + k) for its stimulus and its noise,
// so the score is the same for any thread count and every network scored with one seed sees the
// same trials. Trials from held_out_first_trial on are never used by a search (which scores
// trials 0, 1, … or, with fresh trials per factor, blocks below it): an evaluation there is
// held out.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/parallel.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/eval/statistics.hpp"
#include "spikernn/network/rate_model.hpp"
#include "spikernn/network/lif_network.hpp"
#include "spikernn/task/task.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace spikernn {

/// The first trial index of held-out evaluations: no search ever scores a trial at or above it.
inline constexpr std::uint64_t held_out_first_trial = std::uint64_t(1) << 62;

struct spiking_eval_options {
  int trials = 100;                ///< random trials
  int threads = 0;                 ///< 0: all cores
  spikernn::seed seed{1};
  lif_stimulation stimulation{};   ///< applied in every trial
  std::uint64_t first_trial = 0;   ///< trial k is the stream (seed, spiking_trial, first_trial + k)
};

struct condition_score {
  std::string condition;
  int trials = 0, correct = 0;
  double accuracy() const { return trials ? double(correct) / trials : 0.0; }
};

struct spiking_score {
  double factor = 0;                        ///< the scaling factor, when scored through a rate model
  double accuracy = 0;                      ///< fraction of trials correct
  std::vector<condition_score> conditions;  ///< in order of first appearance
  std::vector<char> correct;                ///< per trial
  std::vector<std::string> trial_conditions;
  long total_spikes = 0;                    ///< over all trials
  array<double> unit_rates;                 ///< Hz, mean over trials (spikes from step 10 on)
  double mean_exc_rate = 0, mean_inh_rate = 0;  ///< Hz (every unit counts as excitatory when the
                                                ///< network does not say which are inhibitory)
  /// The 95 % Wilson interval of the accuracy over these trials.
  proportion_interval interval() const {
    long k = 0;
    for (char c : correct) k += c;
    return wilson_interval(k, long(correct.size()));
  }
};

/// Scores `net` on `trials` random trials of `tk`.
template <spiking_task Task, real_scalar S, integrate_and_fire Neuron>
spiking_score evaluate_spiking(const lif_network<S, Neuron>& net, const Task& tk, const spiking_eval_options& opt = {}) {
  require(opt.trials > 0, "trials", "a positive number of trials");
  require(net.n_inputs() == tk.n_inputs(), "task",
          "a task with " + std::to_string(net.n_inputs()) + " input channels like the network's w_in (" +
              std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  const int workers = std::min(thread_count(opt.threads), opt.trials);
  std::vector<lif_network<S, Neuron>> nets(static_cast<std::size_t>(workers), net);
  const auto n = static_cast<std::size_t>(opt.trials);
  std::vector<char> correct(n, 0);
  std::vector<std::string> conditions(n);
  std::vector<long> spikes(n, 0);
  std::vector<array<double>> rates(n);  // per trial, summed in trial order below
  parallel_for(opt.trials, workers, [&](long k, int worker) {
    rng g(opt.seed, purpose::spiking_trial, opt.first_trial + static_cast<std::uint64_t>(k));
    const trial tr = tk.spiking_trial(g);
    const auto res = nets[std::size_t(worker)].run(tr.u, g, {}, opt.stimulation);
    correct[std::size_t(k)] = tk.spiking_correct(tr, res.out, res.dt) ? 1 : 0;
    conditions[std::size_t(k)] = tr.condition;
    spikes[std::size_t(k)] = res.total_spikes;
    rates[std::size_t(k)] = res.firing_rates;
  });
  spiking_score s;
  s.correct = correct;
  s.trial_conditions = conditions;
  s.unit_rates = array<double>::Zero(net.size());
  for (const auto& r : rates) s.unit_rates += r;
  s.unit_rates /= opt.trials;
  int total_correct = 0;
  for (std::size_t k = 0; k < n; ++k) {
    total_correct += correct[k];
    s.total_spikes += spikes[k];
    auto it = std::find_if(s.conditions.begin(), s.conditions.end(),
                           [&](const condition_score& c) { return c.condition == conditions[k]; });
    if (it == s.conditions.end()) it = s.conditions.insert(s.conditions.end(), {conditions[k]});
    ++it->trials;
    it->correct += correct[k];
  }
  s.accuracy = double(total_correct) / opt.trials;
  const Eigen::Array<bool, Eigen::Dynamic, 1> inh =
      net.inhibitory().size() == net.size() ? net.inhibitory() : Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(net.size(), false);
  const index_t n_inh = inh.count(), n_exc = inh.size() - n_inh;
  s.mean_exc_rate = n_exc ? (!inh).select(s.unit_rates, 0.0).sum() / double(n_exc) : 0.0;
  s.mean_inh_rate = n_inh ? inh.select(s.unit_rates, 0.0).sum() / double(n_inh) : 0.0;
  return s;
}

/// The rate network's accuracy on the very trials evaluate_spiking(…, opt) scores (their
/// stimulus without its last column, which only the LIF run reads), judged by the task's
/// training rule: what the spiking network is to be compared with. The rate network's own noise
/// comes from the stream (seed, evaluation_trial, first_trial + k).
template <spiking_task Task, class M>
double rate_accuracy_on_spiking_trials(const rate_model<M>& model, const Task& tk, const spiking_eval_options& opt = {}) {
  require(opt.trials > 0, "trials", "a positive number of trials");
  const auto n = static_cast<std::size_t>(opt.trials);
  std::vector<char> correct(n, 0);
  parallel_for(opt.trials, std::min(thread_count(opt.threads), opt.trials), [&](long k, int) {
    rng g(opt.seed, purpose::spiking_trial, opt.first_trial + static_cast<std::uint64_t>(k));
    trial tr = tk.spiking_trial(g);
    tr.u.conservativeResize(Eigen::NoChange, tr.u.cols() - 1);
    const vector<double> o =
        rate_outputs(model, tr, rng(opt.seed, purpose::evaluation_trial, opt.first_trial + static_cast<std::uint64_t>(k)));
    correct[std::size_t(k)] = tk.correct(tr, o) ? 1 : 0;
  });
  long hits = 0;
  for (char c : correct) hits += c;
  return double(hits) / double(opt.trials);
}

}  // namespace spikernn
