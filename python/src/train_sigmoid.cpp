// spikernn.train and spikernn.evaluate_rate for sigmoid networks (both connectivities, every task).
#include "train_impl.hpp"

namespace spikernn::python {

py_train_result train_sigmoid(any_rnn& net, const py_task& task, train_call& call) {
  return train_activation<sigmoid>(net, task, call);
}

evaluation evaluate_rate_sigmoid(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss) {
  return evaluate_activation<sigmoid>(net, task, trials, s, loss);
}

}  // namespace spikernn::python
