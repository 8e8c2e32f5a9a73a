// spikernn.train and spikernn.evaluate_rate for softplus networks (both connectivities, every task).
#include "train_impl.hpp"

namespace spikernn::python {

py_train_result train_softplus(any_rnn& net, const py_task& task, train_call& call) {
  return train_activation<softplus>(net, task, call);
}

evaluation evaluate_rate_softplus(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss) {
  return evaluate_activation<softplus>(net, task, trials, s, loss);
}

}  // namespace spikernn::python
