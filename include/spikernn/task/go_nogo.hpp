// The Go-NoGo task of Kim, Li & Sejnowski 2019 (spec §2.1, §2.5): a 125 ms pulse on Go trials,
// none on NoGo trials; the network must respond after the stimulus on Go trials only.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/task/task.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

struct go_nogo_params {
  int T = 200;          ///< trial length in steps (5 ms each)
  int stim_on = 50;     ///< first stimulus column
  int stim_dur = 25;    ///< stimulus length in steps
  double go_threshold = 0.7;    ///< Go correct when max output after the stimulus exceeds this ([PT]: 0.3)
  double nogo_threshold = 0.3;  ///< NoGo correct when max |output| after the stimulus stays below this
  double spiking_window_start = 0.5;  ///< s; the LIF output is judged from here on (sample 10000 at 0.05 ms)
  int min_trials_before_stop = 1500;  ///< the original never stops Go-NoGo training earlier
};

class go_nogo {
 public:
  enum class type { go, nogo };

  explicit go_nogo(go_nogo_params p = {}) : p_(p) {
    require(p_.T > 1, "T", "at least 2 steps");
    require(p_.stim_on >= 0 && p_.stim_dur > 0 && p_.stim_on + p_.stim_dur < p_.T, "stim_on/stim_dur",
            "a stimulus window [stim_on, stim_on + stim_dur) that ends before T=" + std::to_string(p_.T));
  }

  std::string_view name() const { return "go-nogo"; }
  int n_inputs() const { return 1; }
  int n_steps() const { return p_.T; }
  int min_trials_before_stop() const { return p_.min_trials_before_stop; }
  const go_nogo_params& params() const { return p_; }

  /// A random trial: Go with probability 0.5 (draw ≤ 0.5, as the original).
  trial generate(rng& g) const { return make(g.uniform() <= 0.5 ? type::go : type::nogo); }

  /// A trial of the requested type (the task has no other randomness).
  trial make(type t) const {
    trial tr;
    tr.u = matrix<double>::Zero(1, p_.T);
    tr.z = vector<double>::Zero(p_.T);
    const int end = p_.stim_on + p_.stim_dur;
    if (t == type::go) {
      tr.u.block(0, p_.stim_on, 1, p_.stim_dur).setOnes();
      tr.z.tail(p_.T - end).setOnes();
    }
    tr.label = t == type::go ? 1.0 : 0.0;
    tr.condition = t == type::go ? "go" : "nogo";
    return tr;
  }

  /// [TF] rule on the T − 1 outputs: Go needs max(o[end:]) > 0.7, NoGo max|o[end:]| < 0.3.
  bool correct(const trial& tr, const vector<double>& o) const {
    const index_t from = p_.stim_on + p_.stim_dur;
    if (o.size() <= from) return false;
    const auto window = o.tail(o.size() - from);
    return tr.label > 0.5 ? window.maxCoeff() > p_.go_threshold
                          : window.cwiseAbs().maxCoeff() < p_.nogo_threshold;
  }

  // ---- the spiking side (spec §5.1) --------------------------------------------------------
  /// A random trial for a LIF network: T + 1 input columns (the original's u of 1×201), Go
  /// with probability 0.5 (draw ≥ 0.5, as lambda_grid_search.m).
  trial spiking_trial(rng& g) const { return make_spiking(g.uniform() >= 0.5 ? type::go : type::nogo); }

  trial make_spiking(type t) const {
    trial tr = make(t);
    tr.u.conservativeResize(Eigen::NoChange, p_.T + 1);
    tr.u.col(p_.T).setZero();
    tr.z.conservativeResize(p_.T + 1);
    tr.z[p_.T] = tr.z[p_.T - 1];
    return tr;
  }

  /// The trial types a figure shows one of each.
  std::vector<trial> sample_spiking_trials() const { return {make_spiking(type::go), make_spiking(type::nogo)}; }

  /// [ML] rule on the LIF output (one value per step of dt seconds; step i at time i·dt):
  /// Go needs max(out) > 0.7 from spiking_window_start on, NoGo max(out) < 0.3 (plain max).
  bool spiking_correct(const trial& tr, const row_vector<double>& out, double dt) const {
    const auto window = output_from(out, p_.spiking_window_start, dt);
    if (window.size() == 0) return false;
    const double peak = window.maxCoeff();
    return tr.label > 0.5 ? peak > p_.go_threshold : peak < p_.nogo_threshold;
  }

 private:
  go_nogo_params p_;
};

}  // namespace spikernn
