// The context-dependent integration task of the spiking mode-based RNN paper
// (glifr_smnn_spec.md B.5; SMNN mante/generate_data.py): T = 500 steps; two sensory channels
// are silent for T/10 steps, then carry N(0, 1) + offset_k (offset_k = ±0.5, drawn per channel
// per trial) until T/2, then fall silent again; two context channels hold a one-hot cue for
// the whole trial, picking channel 1 or 2 with probability ½. The target is 0 for the first
// T/2 steps and the sign of the cued channel's offset for the rest. Inputs are 4 × T, targets
// 1 × T, as sequence_sample holds them for the sequence trainers. Unlike the rate paper's Mante
// task (task/mante.hpp) the answer is asked for only after the evidence ends, and the network
// reads out at every step.
//
// A trial's condition (which channel is cued, and the sign the network must report) is kept in
// sequence_sample::label as 2·(cued channel − 1) + (sign < 0): 0 = channel 1 / +1,
// 1 = channel 1 / −1, 2 = channel 2 / +1, 3 = channel 2 / −1.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/task/task.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace spikernn {

struct context_dependent_params {
  int T = 500;          ///< steps per trial (2 ms each in the Oct23 model: 1 s)
  double offset = 0.5;  ///< |mean| of a sensory channel during the evidence
  double noise = 1.0;   ///< standard deviation of the sensory noise

  /// Evidence runs over [T/10, T/2), integer division as the original.
  int evidence_start() const { return T / 10; }
  int evidence_end() const { return T / 2; }

  void validate() const {
    require(T >= 10, "T", "at least 10 steps (the evidence starts at T/10 and ends at T/2)");
    require(std::isfinite(offset) && offset > 0, "offset", "a positive channel offset");
    require(std::isfinite(noise) && noise >= 0, "noise", "a non-negative noise level");
  }
};

class context_dependent {
 public:
  static constexpr int n_conditions = 4;

  explicit context_dependent(context_dependent_params p = {}) : p_(p) { p_.validate(); }

  const context_dependent_params& params() const noexcept { return p_; }
  int n_inputs() const noexcept { return 4; }
  int n_outputs() const noexcept { return 1; }
  int n_steps() const noexcept { return p_.T; }

  /// The channel (1 or 2) a condition cues, and the sign it asks for.
  static int cued_channel(int condition) { return checked(condition) / 2 + 1; }
  static int answer(int condition) { return checked(condition) % 2 == 0 ? 1 : -1; }
  static std::string condition_name(int condition) {
    return "channel " + std::to_string(cued_channel(condition)) + ", answer " + (answer(condition) > 0 ? "+1" : "-1");
  }

  /// One trial from `g`: the two offsets, the cue, then the noise in time order.
  sequence_sample sample(rng& g) const {
    const int T = p_.T, on = p_.evidence_start(), off = p_.evidence_end();
    const double off1 = g.bernoulli(0.5) ? p_.offset : -p_.offset;
    const double off2 = g.bernoulli(0.5) ? p_.offset : -p_.offset;
    const int cued = g.bernoulli(0.5) ? 1 : 2;
    sequence_sample s;
    s.u = matrix<double>::Zero(4, T);
    for (int t = on; t < off; ++t) {
      s.u(0, t) = p_.noise * g.normal() + off1;
      s.u(1, t) = p_.noise * g.normal() + off2;
    }
    s.u.row(cued + 1).setOnes();  // context channels are rows 2 and 3
    const int sign = (cued == 1 ? off1 : off2) > 0 ? 1 : -1;
    s.z = matrix<double>::Zero(1, T);
    s.z.rightCols(T - off).setConstant(sign);
    s.label = 2 * (cued - 1) + (sign < 0 ? 1 : 0);
    return s;
  }

  /// `count` trials: trial k of batch `batch` comes from the stream (seed, training_trial,
  /// batch·2³² + k), so a batch is the same whatever else was drawn.
  std::vector<sequence_sample> batch(spikernn::seed s, std::uint64_t batch, int count) const {
    require(count > 0, "count", "at least one trial");
    std::vector<sequence_sample> out;
    out.reserve(std::size_t(count));
    for (int k = 0; k < count; ++k) {
      rng g(s, purpose::training_trial, (batch << 32) + std::uint64_t(k));
      out.push_back(sample(g));
    }
    return out;
  }

  /// Whether a 1 × T output answers correctly: the sign of its mean over the answer period
  /// [T/2, T) is the trial's answer.
  template <class D>
  bool correct(const sequence_sample& s, const Eigen::MatrixBase<D>& output) const {
    require(output.rows() == 1 && output.cols() == p_.T, "output", "a 1 x " + std::to_string(p_.T) + " sequence");
    const double late = output.rightCols(p_.T - p_.evidence_end()).template cast<double>().mean();
    return (late > 0 ? 1 : -1) == answer(s.label) && late != 0;
  }

 private:
  static int checked(int condition) {
    require(condition >= 0 && condition < n_conditions, "condition", "0..3");
    return condition;
  }
  context_dependent_params p_;
};

}  // namespace spikernn
