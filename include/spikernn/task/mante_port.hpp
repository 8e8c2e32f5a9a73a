// The PyTorch port's context-dependent task (spec §2.4 `ManteTask`), for users coming from the
// port. It is a different task from the original's Mante (mante.hpp, spec §2.3, §7.4): no
// noise, a constant colour and a constant motion coherence drawn from U(−1.25, 1.25), and a
// signed context cue (+1 colour, −1 motion) on one channel, all only during the stimulus; the
// network answers the sign of the cued coherence.
//
// Defaults are the port's training settings (its main.py: T = 500, stim_on = 50, stim_dur = 200),
// not the port's spiking-task defaults (T = 300, stim_dur = 100), which differ from what the
// network was trained on (§7.13). The rate rule defaults to the original's (the last 200
// outputs beyond ±0.7), like the other tasks here, so accuracies compare across tasks; the
// port's rule (o[stim_on + stim_dur:] beyond ±0.3) is `.rule = mante_port_rule::after_stimulus,
// .threshold = 0.3`. LIF trials use the same stimulus format as training (the port's grid
// search tests on the original's noisy format instead, its bug §7.4) and the original's
// spiking rule (from 1.3 s, beyond ±threshold).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/task/task.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

/// Which outputs the rate rule judges (spec §2.5).
enum class mante_port_rule {
  last_outputs,    ///< the original's: the last eval_last outputs (o[−200:])
  after_stimulus,  ///< the port's: o[stim_on + stim_dur:]
};

struct mante_port_params {
  int T = 500;       ///< trial length in steps (5 ms each)
  int stim_on = 50;  ///< stimulus window [stim_on, stim_on + stim_dur)
  int stim_dur = 200;
  double coherence = 1.25;  ///< coherences are drawn from U(−coherence, coherence)
  mante_port_rule rule = mante_port_rule::last_outputs;
  double threshold = 0.7;             ///< |output| the answer must exceed, rate and spiking rule ([PT]: 0.3)
  int eval_last = 200;                ///< the last_outputs rule looks at the last eval_last outputs
  double spiking_window_start = 1.3;  ///< s; the LIF output is judged from here on (sample 26000)
};

class mante_port {
 public:
  enum class context { color, motion };

  explicit mante_port(mante_port_params p = {}) : p_(p) {
    require(p_.T > 2, "T", "at least 3 steps");
    // The target starts at stimulus offset; o_{k+1} meets z[k] for k ≤ T − 2 only (spec §2.1).
    require(p_.stim_on >= 0 && p_.stim_dur > 0 && stim_end() < p_.T - 1, "stim_on/stim_dur",
            "a stimulus window [stim_on, stim_on + stim_dur) that ends before T − 1 = " + std::to_string(p_.T - 1));
    require(std::isfinite(p_.coherence) && p_.coherence > 0, "coherence",
            "a positive half-width of the coherence range");
    require(std::isfinite(p_.threshold) && p_.threshold >= 0, "threshold", "a non-negative output level");
    require(p_.eval_last > 0 && p_.eval_last < p_.T, "eval_last", "a window inside the T − 1 outputs");
    require(std::isfinite(p_.spiking_window_start) && p_.spiking_window_start >= 0 &&
                p_.spiking_window_start < 0.005 * p_.T,
            "spiking_window_start", "a time in seconds inside the trial (0 ≤ t < T · 5 ms)");
  }

  std::string_view name() const { return "mante_port"; }
  int n_inputs() const { return 4; }
  int n_steps() const { return p_.T; }
  int min_trials_before_stop() const { return 0; }
  const mante_port_params& params() const { return p_; }
  int stim_end() const { return p_.stim_on + p_.stim_dur; }

  /// A random trial: colour context with probability 0.5 (draw < 0.5), then the colour and the
  /// motion coherence, each U(−coherence, coherence).
  trial generate(rng& g) const { return draw(g, draw_context(g), p_.T); }

  /// A random trial of a given context (the port's trial_type 'color' / 'motion').
  trial generate(rng& g, context c) const { return draw(g, c, p_.T); }

  /// The trial with these coherences, T columns (the task has no other randomness).
  trial make(context c, double color, double motion) const { return build(c, color, motion, p_.T); }

  /// The rate rule on the T − 1 outputs: +1 needs their max above +threshold, −1 their min below
  /// −threshold, over the last eval_last outputs or from stimulus offset on (see `rule`).
  bool correct(const trial& tr, const vector<double>& o) const {
    if (p_.rule == mante_port_rule::last_outputs) {
      if (o.size() < p_.eval_last) return false;
      return signed_response(tr.label, o.tail(p_.eval_last), p_.threshold);
    }
    if (o.size() <= stim_end()) return false;
    return signed_response(tr.label, o.tail(o.size() - stim_end()), p_.threshold);
  }

  // ---- the spiking side (spec §5.1) --------------------------------------------------------
  /// A random LIF trial: T + 1 input columns, as the original's grid search.
  trial spiking_trial(rng& g) const { return draw(g, draw_context(g), p_.T + 1); }

  /// One trial of each context, with coherences that disagree (colour +c/2, motion −c/2), so the
  /// answer depends on the context: +1 in colour context, −1 in motion context.
  std::vector<trial> sample_spiking_trials() const {
    const double half = p_.coherence / 2;
    return {build(context::color, half, -half, p_.T + 1), build(context::motion, half, -half, p_.T + 1)};
  }

  /// [ML]-style rule: +1 needs max(out) > threshold, −1 min(out) < −threshold, from
  /// spiking_window_start on.
  bool spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const {
    return signed_response(tr.label, output_from(out, p_.spiking_window_start, dt), p_.threshold);
  }

 private:
  static context draw_context(rng& g) { return g.uniform() < 0.5 ? context::color : context::motion; }

  trial draw(rng& g, context c, int columns) const {
    const double color = g.uniform(-p_.coherence, p_.coherence);
    const double motion = g.uniform(-p_.coherence, p_.coherence);
    return build(c, color, motion, columns);
  }

  trial build(context c, double color, double motion, int columns) const {
    trial tr;
    tr.u = matrix<double>::Zero(4, columns);
    const bool by_color = c == context::color;
    tr.u.block(0, p_.stim_on, 1, p_.stim_dur).setConstant(by_color ? 1.0 : -1.0);
    tr.u.block(1, p_.stim_on, 1, p_.stim_dur).setConstant(color);
    tr.u.block(2, p_.stim_on, 1, p_.stim_dur).setConstant(motion);
    // channel 3 stays zero: the port keeps a four-channel input but never uses the last one
    tr.label = (by_color ? color : motion) > 0 ? 1.0 : -1.0;
    tr.z = vector<double>::Zero(columns);
    tr.z.tail(columns - stim_end()).setConstant(tr.label);
    tr.condition = by_color ? "color" : "motion";
    return tr;
  }

  mante_port_params p_;
};

}  // namespace spikernn
