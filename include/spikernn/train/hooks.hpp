// Hooks of the training engine (train/engine.hpp) that every model can use: gradient-norm
// clipping, learning-rate schedules, a target-loss stop rule. The Kim 2019 evaluation and stop
// rule is in train/trainer.hpp; observers of progress in observe/.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/train/gradient_clip.hpp"

#include <cmath>
#include <functional>
#include <utility>

namespace spikernn {

/// torch.nn.utils.clip_grad_norm_ before every update (train/gradient_clip.hpp).
struct clip_gradient_norm {
  double max_norm = 1.0;
  double last_norm = 0;  ///< the norm before clipping at the last step

  template <class S>
  void on_gradient(vector<S>& grad, const param_layout& layout) {
    last_norm = clip_grad_norm(grad, layout, max_norm);
  }
};

/// Sets the learning rate before every step from lr(step): a schedule.
class learning_rate_schedule {
 public:
  explicit learning_rate_schedule(std::function<double(long step)> lr) : lr_(std::move(lr)) {}
  template <class Opt>
  void before_step(long step, Opt& opt) const {
    opt.set_learning_rate(lr_(step));
  }

 private:
  std::function<double(long)> lr_;
};

/// Step decay as torch.optim.lr_scheduler.StepLR: lr0 · gamma^⌊step / every⌋.
inline learning_rate_schedule step_decay(double lr0, double gamma, long every) {
  require(lr0 > 0 && gamma > 0 && every > 0, "step_decay", "a positive rate, factor and period");
  return learning_rate_schedule([=](long step) { return lr0 * std::pow(gamma, double(step / every)); });
}

/// Stops when a step's loss falls below `target`.
struct stop_below_loss {
  double target = 0;
  template <class R>
  bool after_step(const R& r) const {
    return r.loss < target;
  }
};

}  // namespace spikernn
