// The spiking simulations the module runs — a LIF trial, an evaluation, a rate model scored at a
// factor — compiled in spiking_core.cpp, a file without pybind11, as a program compiles them. The
// binding files never instantiate lif_network::step or run, so the LIF loop Python runs is this
// file's (of a template function compiled in several files the linker keeps one copy).
#pragma once

#include <spikernn/convert/readout_calibration.hpp>
#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/eval/spiking_eval.hpp>
#include <spikernn/network/lif_network.hpp>
#include <spikernn/task/registry.hpp>

#include "python_task.hpp"

#include <string>
#include <variant>

namespace spikernn::python {

using lif_variant = std::variant<lif_network<double, leaky_if>, lif_network<double, quadratic_if>>;

/// net.step(g, stim) for either neuron.
void step_lif(lif_variant& net, rng& g, const lif_stimulation* stim);
/// net.run(u, g, rec, stim) for either neuron.
lif_trial<double> run_lif(lif_variant& net, const matrix<double>& u, rng& g, const lif_recording& rec,
                          const lif_stimulation& stim);
/// evaluate_spiking(net, task, opt) for either neuron and any task.
spiking_score evaluate_lif(const lif_variant& net, const task_variant& task, const spiking_eval_options& opt);
/// evaluate_spiking<Neuron>(model, task, factor, opt, conv, fit); neuron "lif" or "qif". `fit`, when
/// given, receives the readout a recalibrated conversion fitted.
spiking_score evaluate_model(const rate_model<float>& model, const task_variant& task, double factor,
                             const std::string& neuron, const spiking_eval_options& opt, const spiking_conversion& conv,
                             readout_fit* fit = nullptr);
/// fit_readout(net, task, opt) for either neuron and any task: the least-squares readout of the
/// network's own filtered spike trains on calibration trials.
readout_fit fit_lif_readout(const lif_variant& net, const task_variant& task, const readout_calibration_options& opt);
/// rate_accuracy_on_spiking_trials(model, task, opt): the rate network on the trials evaluate scores.
double rate_accuracy(const rate_model<float>& model, const task_variant& task, const spiking_eval_options& opt);
/// search_scaling<Neuron>(model, task, opt), or search_scaling_until_interior(…, extend) when extend > 0.
search_result search_model(const rate_model<float>& model, const task_variant& task, const std::string& neuron,
                           const search_options& opt, int extend);

}  // namespace spikernn::python
