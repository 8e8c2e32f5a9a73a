// spikernn.train and spikernn.evaluate_rate for clipped_relu networks (both connectivities, every task).
#include "train_impl.hpp"

namespace spikernn::python {

py_train_result train_clipped_relu(any_rnn& net, const py_task& task, train_call& call) {
  return train_activation<clipped_relu>(net, task, call);
}

evaluation evaluate_rate_clipped_relu(const any_rnn& net, const py_task& task, int trials, seed s, loss_fn loss) {
  return evaluate_activation<clipped_relu>(net, task, trials, s, loss);
}

}  // namespace spikernn::python
