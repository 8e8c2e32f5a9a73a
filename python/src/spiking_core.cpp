// The LIF simulations of the module (see spiking_core.hpp): no pybind11 here.
#include "spiking_core.hpp"

namespace spikernn::python {

void step_lif(lif_variant& net, rng& g, const lif_stimulation* stim) {
  std::visit([&](auto& n) { n.step(g, stim); }, net);
}

lif_trial<double> run_lif(lif_variant& net, const matrix<double>& u, rng& g, const lif_recording& rec,
                          const lif_stimulation& stim) {
  return std::visit([&](auto& n) { return n.run(u, g, rec, stim); }, net);
}

spiking_score evaluate_lif(const lif_variant& net, const task_variant& task, const spiking_eval_options& opt) {
  return std::visit([&](const auto& n, const auto& tk) { return evaluate_spiking(n, tk, opt); }, net, task);
}

spiking_score evaluate_model(const rate_model<float>& model, const task_variant& task, double factor,
                             const std::string& neuron, const spiking_eval_options& opt, const spiking_conversion& conv,
                             readout_fit* fit) {
  return std::visit(
      [&](const auto& tk) {
        if (neuron == "qif") return evaluate_spiking<quadratic_if>(model, tk, factor, opt, conv, fit);
        return evaluate_spiking<leaky_if>(model, tk, factor, opt, conv, fit);
      },
      task);
}

readout_fit fit_lif_readout(const lif_variant& net, const task_variant& task, const readout_calibration_options& opt) {
  return std::visit([&](const auto& n, const auto& tk) { return fit_readout(n, tk, opt); }, net, task);
}

double rate_accuracy(const rate_model<float>& model, const task_variant& task, const spiking_eval_options& opt) {
  return std::visit([&](const auto& tk) { return rate_accuracy_on_spiking_trials(model, tk, opt); }, task);
}

search_result search_model(const rate_model<float>& model, const task_variant& task, const std::string& neuron,
                           const search_options& opt, int extend) {
  return std::visit(
      [&](const auto& tk) {
        if (neuron == "qif")
          return extend > 0 ? search_scaling_until_interior<quadratic_if>(model, tk, opt, extend)
                            : search_scaling<quadratic_if>(model, tk, opt);
        return extend > 0 ? search_scaling_until_interior<leaky_if>(model, tk, opt, extend)
                          : search_scaling<leaky_if>(model, tk, opt);
      },
      task);
}

}  // namespace spikernn::python
