// Context-dependent sensory integration (Mante et al. 2013) in the original's noisy format
// (spec §2.3, §2.5, §5.1): two noisy sensory channels with offsets ±0.5 during 1 s, and a
// one-hot context for the whole trial saying which channel to report; the network answers
// the sign of the cued channel's offset.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/task/task.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

struct mante_params {
  int T = 500;          ///< trial length in steps (5 ms each)
  int stim_on = 50;     ///< stimulus window [stim_on, stim_on + stim_dur)
  int stim_dur = 200;
  double offset = 0.5;  ///< |mean| of a sensory channel
  double threshold = 0.7;        ///< |output| the answer must exceed
  int eval_last = 200;           ///< rate rule looks at the last eval_last outputs
  double spiking_window_start = 1.3;  ///< s; the LIF output is judged from here on (sample 26000)
};

class mante {
 public:
  explicit mante(mante_params p = {}) : p_(p) {
    require(p_.stim_on >= 0 && p_.stim_dur > 0 && p_.stim_on + p_.stim_dur < p_.T, "stim_on/stim_dur",
            "a stimulus window that ends before T=" + std::to_string(p_.T));
    require(p_.eval_last > 0 && p_.eval_last < p_.T, "eval_last", "a window inside the trial");
  }

  std::string_view name() const { return "mante"; }
  int n_inputs() const { return 4; }
  int n_steps() const { return p_.T; }
  int min_trials_before_stop() const { return 0; }
  const mante_params& params() const { return p_; }

  /// A random trial: offsets ±0.5 (draw ≤ 0.5 ⇒ +), context 1 or 2 with probability 0.5,
  /// white noise N(0, 1) on both sensory channels.
  trial generate(rng& g) const { return build(g, p_.T); }

  /// [TF] rule: +1 needs max of the last 200 outputs > 0.7, −1 their min < −0.7.
  bool correct(const trial& tr, const vector<double>& o) const {
    if (o.size() < p_.eval_last) return false;
    return signed_response(tr.label, o.tail(p_.eval_last), p_.threshold);
  }

  // ---- the spiking side (spec §5.1) --------------------------------------------------------
  trial spiking_trial(rng& g) const { return build(g, p_.T + 1); }
  std::vector<trial> sample_spiking_trials() const {
    rng g(seed{1}, purpose::user);
    return {build(g, p_.T + 1, 1), build(g, p_.T + 1, 2)};
  }
  /// [ML] rule: +1 needs max(out) > 0.7, −1 min(out) < −0.7, from spiking_window_start on.
  bool spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const {
    return signed_response(tr.label, output_from(out, p_.spiking_window_start, dt), p_.threshold);
  }

 private:
  /// context 0: drawn; 1 or 2: that context.
  trial build(rng& g, int columns, int context = 0) const {
    trial tr;
    tr.u = matrix<double>::Zero(4, columns);
    const double off1 = g.uniform() <= 0.5 ? p_.offset : -p_.offset;
    const double off2 = g.uniform() <= 0.5 ? p_.offset : -p_.offset;
    const bool drawn_first = g.uniform() <= 0.5;
    const bool first_context = context == 0 ? drawn_first : context == 1;
    for (int c = 0; c < 2; ++c)
      for (int t = p_.stim_on; t < p_.stim_on + p_.stim_dur; ++t) tr.u(c, t) = g.normal() + (c == 0 ? off1 : off2);
    tr.u.row(first_context ? 2 : 3).setOnes();
    tr.label = (first_context ? off1 : off2) > 0 ? 1.0 : -1.0;
    tr.z = vector<double>::Zero(columns);
    const int end = p_.stim_on + p_.stim_dur;
    tr.z.tail(columns - end).setConstant(tr.label);
    tr.condition = first_context ? "context1" : "context2";
    return tr;
  }

  mante_params p_;
};

}  // namespace spikernn
