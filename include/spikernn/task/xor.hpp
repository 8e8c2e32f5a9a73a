// The temporal exclusive-OR task of Kim, Li & Sejnowski 2019 (spec §2.2, §2.5, §5.1): two
// ±1 pulses separated by a delay; the network answers +1 when they were the same, −1 when
// they differed. (The class is xor_task: `xor` is a C++ keyword.)
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/task/task.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

struct xor_params {
  int T = 300;          ///< trial length in steps (5 ms each)
  int stim_on = 50;     ///< first pulse starts here
  int stim_dur = 50;    ///< length of each pulse
  int delay = 10;       ///< gap between the pulses
  double threshold = 0.7;        ///< |output| the answer must exceed ([PT]: 0.3)
  int eval_from = 200;           ///< rate rule looks at o[eval_from:] (the original's [200:])
  double spiking_window_start = 1.0;  ///< s; the LIF output is judged from here on (sample 20000)
};

class xor_task {
 public:
  explicit xor_task(xor_params p = {}) : p_(p) {
    require(p_.stim_on >= 0 && p_.stim_dur > 0 && p_.delay >= 0, "stim_on/stim_dur/delay", "non-negative, positive, non-negative");
    require(task_end() + 110 <= p_.T, "T", "room for the response window [task_end + 10, task_end + 110) (T ≥ " +
                                              std::to_string(task_end() + 110) + ")");
    require(p_.eval_from >= 0 && p_.eval_from < p_.T - 1, "eval_from", "an output index inside the trial");
  }

  std::string_view name() const { return "xor"; }
  int n_inputs() const { return 2; }
  int n_steps() const { return p_.T; }
  int min_trials_before_stop() const { return 0; }
  const xor_params& params() const { return p_; }
  int task_end() const { return p_.stim_on + 2 * p_.stim_dur + p_.delay; }

  /// A random trial: each pulse +1 or −1 with probability 0.5 (draw < 0.5 ⇒ +1).
  trial generate(rng& g) const {
    const double s1 = g.uniform() < 0.5 ? 1.0 : -1.0;
    const double s2 = g.uniform() < 0.5 ? 1.0 : -1.0;
    return make(s1, s2);
  }

  /// The trial with pulses s1 and s2 (each ±1), T columns.
  trial make(double s1, double s2) const { return build(s1, s2, p_.T); }

  /// [TF] rule on the T − 1 outputs: 'same' needs max(o[200:]) > 0.7, 'diff' min(o[200:]) < −0.7.
  bool correct(const trial& tr, const vector<double>& o) const {
    if (o.size() <= p_.eval_from) return false;
    return signed_response(tr.label, o.tail(o.size() - p_.eval_from), p_.threshold);
  }

  // ---- the spiking side (spec §5.1) --------------------------------------------------------
  trial spiking_trial(rng& g) const {
    const double s1 = g.uniform() < 0.5 ? 1.0 : -1.0;
    const double s2 = g.uniform() < 0.5 ? 1.0 : -1.0;
    return build(s1, s2, p_.T + 1);
  }
  std::vector<trial> sample_spiking_trials() const {
    return {build(1, 1, p_.T + 1), build(1, -1, p_.T + 1), build(-1, 1, p_.T + 1), build(-1, -1, p_.T + 1)};
  }
  /// [ML] rule: +1 needs max(out) > 0.7, −1 min(out) < −0.7, from spiking_window_start on.
  bool spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const {
    return signed_response(tr.label, output_from(out, p_.spiking_window_start, dt), p_.threshold);
  }

 private:
  trial build(double s1, double s2, int columns) const {
    trial tr;
    tr.u = matrix<double>::Zero(2, columns);
    tr.u.block(0, p_.stim_on, 1, p_.stim_dur).setConstant(s1);
    tr.u.block(1, p_.stim_on + p_.stim_dur + p_.delay, 1, p_.stim_dur).setConstant(s2);
    tr.label = s1 * s2 > 0 ? 1.0 : -1.0;
    tr.z = vector<double>::Zero(columns);
    tr.z.segment(task_end() + 10, 100).setConstant(tr.label);
    tr.condition = std::string(s1 > 0 ? "+" : "-") + (s2 > 0 ? "+" : "-");
    return tr;
  }

  xor_params p_;
};

}  // namespace spikernn
