// Adam exactly as TensorFlow 1's AdamOptimizer (the original trainer): the bias corrections
// are folded into the step size, lr_t = lr·sqrt(1 − β2^t)/(1 − β1^t), and ε is added to
// sqrt(v) without correction. PyTorch's torch.optim.Adam (the GLIFR code) differs only in
// where ε sits — it is added to sqrt(v̂), the corrected moment — and is the `pytorch` form.
// Frozen parameter blocks are left untouched.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/core/param_store.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace spikernn {

enum class adam_form { tensorflow, pytorch };

struct adam_params {
  double lr = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  adam_form form = adam_form::tensorflow;

  void validate() const {
    require(lr > 0 && std::isfinite(lr), "lr", "a positive learning rate");
    require(beta1 >= 0 && beta1 < 1, "beta1", "a value in [0, 1)");
    require(beta2 >= 0 && beta2 < 1, "beta2", "a value in [0, 1)");
    require(epsilon > 0, "epsilon", "a positive value");
  }
};

class adam {
 public:
  explicit adam(adam_params p = {}) : p_(p) { p_.validate(); }

  const adam_params& params() const { return p_; }
  long steps() const { return t_; }
  double learning_rate() const { return p_.lr; }
  /// For schedules (train/hooks.hpp): the step size of the updates from now on.
  void set_learning_rate(double lr) {
    require(lr > 0 && std::isfinite(lr), "lr", "a positive learning rate");
    p_.lr = lr;
  }

  /// The moments, the step count and the learning rate, for a checkpoint: a resumed run makes
  /// the same updates as one never stopped.
  template <class Section>
  void save_state(Section& ck) const {
    ck.put("t", std::int64_t(t_));
    ck.put("lr", p_.lr);
    ck.put("m_float", moments_f_.first);
    ck.put("v_float", moments_f_.second);
    ck.put("m_double", moments_d_.first);
    ck.put("v_double", moments_d_.second);
  }
  template <class Section>
  void load_state(const Section& ck) {
    t_ = long(ck.get_int("t"));
    p_.lr = ck.get_double("lr");
    moments_f_ = {ck.template get_vector<float>("m_float"), ck.template get_vector<float>("v_float")};
    moments_d_ = {ck.template get_vector<double>("m_double"), ck.template get_vector<double>("v_double")};
  }

  /// One update of the trainable blocks of `theta` with gradient `grad`. The moments are kept
  /// in the parameters' precision, as TensorFlow keeps its slots.
  template <class S>
  void step(vector<S>& theta, const vector<S>& grad, const param_layout& layout) {
    require(grad.size() == theta.size(), "grad", "as many entries as the parameters");
    auto& m = moments<S>().first;
    auto& v = moments<S>().second;
    if (m.size() != theta.size()) {
      m = vector<S>::Zero(theta.size());
      v = vector<S>::Zero(theta.size());
    }
    ++t_;
    const double correction2 = std::sqrt(1 - std::pow(p_.beta2, double(t_)));
    const S lr_t = static_cast<S>(p_.lr * correction2 / (1 - std::pow(p_.beta1, double(t_))));
    const S b1 = static_cast<S>(p_.beta1), b2 = static_cast<S>(p_.beta2);
    // m̂/(√v̂ + ε) = (m/(1−β1^t)) / (√v/√(1−β2^t) + ε): PyTorch's ε is TensorFlow's ε·√(1−β2^t)
    const S eps = static_cast<S>(p_.form == adam_form::pytorch ? p_.epsilon * correction2 : p_.epsilon);
    for (const auto& b : layout) {
      if (!b.trainable) continue;
      const auto g = grad.segment(b.offset, b.size).array();
      auto mb = m.segment(b.offset, b.size).array();
      auto vb = v.segment(b.offset, b.size).array();
      mb = b1 * mb + (S(1) - b1) * g;
      vb = b2 * vb + (S(1) - b2) * g.square();
      theta.segment(b.offset, b.size).array() -= lr_t * mb / (vb.sqrt() + eps);
    }
  }

 private:
  template <class S>
  std::pair<vector<S>, vector<S>>& moments() {
    if constexpr (std::is_same_v<S, float>) return moments_f_;
    else return moments_d_;
  }

  adam_params p_;
  std::pair<vector<float>, vector<float>> moments_f_;
  std::pair<vector<double>, vector<double>> moments_d_;
  long t_ = 0;
};

}  // namespace spikernn
