// Brian2 from Python (io/brian2_export.hpp, docs/brian2.md): export_brian2 writes a LIFNetwork
// with the task trials it is scored on into a folder whose network.py reruns them in Brian2.
#include "common.hpp"

#include <spikernn/io/brian2_export.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

namespace spikernn::python {

namespace fs = std::filesystem;

namespace {

/// A Task, a task name or a task written in Python (which export_brian2 then refuses: a script
/// cannot apply its spiking_correct).
py_task brian2_task(const py::object& t) {
  if (py::isinstance<py_task>(t)) return t.cast<py_task>();
  if (py::isinstance<py::str>(t)) return py_task{to_task_variant(make_task(t.cast<std::string>()))};
  if (is_python_task_object(t)) return python_task(t);
  throw invalid_parameter("task", "a spikernn.Task or a task name (go-nogo, xor, mante or mante_port)");
}

py::dict rule_dict(const io::decision_rule& r) {
  py::dict d;
  d["type"] = r.type == io::decision_rule::kind::go_nogo_peak ? "go_nogo_peak" : "signed_response";
  d["window_start"] = r.window_start;
  d["go_threshold"] = r.go_threshold;
  d["nogo_threshold"] = r.nogo_threshold;
  d["threshold"] = r.threshold;
  return d;
}

}  // namespace

void bind_brian2(py::module_& m) {
  m.def(
      "export_brian2",
      [](const fs::path& folder, const py_lif& l, const py::object& task_obj, int trials, std::uint64_t sd,
         std::uint64_t first_trial, int threads) {
        require(trials > 0, "trials", "a positive number of trials to export");
        require(threads >= 0, "threads", "0 (all cores) or a positive count");
        const py_task task = brian2_task(task_obj);
        // Only the leaky neuron has a Brian2 script; the QIF network is refused as the C++ export
        // refuses it, without compiling the export for a neuron it never writes.
        const auto* net = std::get_if<lif_network<double, leaky_if>>(&l.net);
        if (net == nullptr)
          throw invalid_parameter(
              "neuron",
              "a leaky integrate-and-fire network (leaky_if) for the Brian2 export, got '" + l.neuron() + "'");
        if (std::holds_alternative<callback_task>(task.task))
          throw invalid_parameter("task",
                                  "a task whose spiking rule a Brian2 script can apply (go-nogo, xor, mante, "
                                  "mante_port), not one written in Python ('" +
                                      task.name() + "')");
        const io::brian2_export_options opt{
            .trials = trials, .seed = seed{sd}, .first_trial = first_trial, .threads = threads};
        io::brian2_export_summary sum;
        {
          py::gil_scoped_release nogil;
          sum = std::visit(
              [&](const auto& tk) -> io::brian2_export_summary {
                using T = std::decay_t<decltype(tk)>;
                if constexpr (io::brian2_exportable_task<T>) {
                  return io::export_brian2(folder, *net, tk, opt);
                } else {
                  throw invalid_parameter("task",
                                          "a task with a decision_rule_of for the Brian2 export");  // refused above
                }
              },
              task.task);
        }
        py::list files;
        for (const auto& f : sum.files) files.append(f.string());
        const auto ci = sum.spikernn.interval();
        py::array_t<bool> correct(static_cast<py::ssize_t>(sum.spikernn.correct.size()));
        for (std::size_t k = 0; k < sum.spikernn.correct.size(); ++k)
          correct.mutable_data()[k] = sum.spikernn.correct[k] != 0;
        py::dict out;
        out["folder"] = folder.string();
        out["script"] = sum.script.string();
        out["files"] = files;
        out["task"] = task.name();
        out["trials"] = trials;
        out["seed"] = sd;
        out["first_trial"] = first_trial;
        out["accuracy"] = sum.spikernn.accuracy;
        out["interval"] = py::make_tuple(ci.lo, ci.hi);
        out["correct"] = correct;
        out["total_spikes"] = sum.spikernn.total_spikes;
        out["mean_exc_rate"] = sum.spikernn.mean_exc_rate;
        out["mean_inh_rate"] = sum.spikernn.mean_inh_rate;
        out["rule"] = rule_dict(sum.rule);
        return out;
      },
      py::arg("folder"), py::arg("net"), py::arg("task"), py::kw_only(), py::arg("trials") = 20, py::arg("seed") = 1,
      py::arg("first_trial") = held_out_first_trial, py::arg("threads") = 0,
      "Writes a LIFNetwork (leaky neuron) and `trials` trials of `task` (a Task or a task name: go-nogo, xor, mante, "
      "mante_port) into `folder` for Brian2 (docs/brian2.md): network.py (a self-describing Brian2 script with every "
      "constant and the task's decision rule), the network as NPY (w, w_in, w_out, b_out, tau_d, inhibitory), the "
      "trials (stimuli.npy: trials × inputs × columns, labels.npy, trials.json), spikernn's own result on them "
      "(spikernn_reference.json, written last) and one noiseless trial (verify_v0.npy, verify_out.npy). Trial k is "
      "the one evaluate_spiking scores with the same seed: stream (seed, 'spiking', first_trial + k); the default "
      "first_trial is HELD_OUT_FIRST_TRIAL (evaluate_spiking's held-out trials). threads: spikernn's own "
      "evaluation only (0: all cores); the files do not depend on it. The folder must be new or empty: an existing "
      "non-empty folder (or a file of that name) raises spikernn.FileError and nothing is written, so no file of "
      "yours is ever replaced. A QIF network or a task written in Python raises ValueError. Run it with Debian's "
      "python3-brian: `/usr/bin/python3 FOLDER/network.py` reruns every trial and prints Brian2's accuracy next to "
      "spikernn's (--trials K, --codegen auto|cython|numpy, --seed S, --out FILE); `/usr/bin/python3 "
      "FOLDER/network.py --verify` reruns the noiseless trial from spikernn's initial voltages and exits 1 unless "
      "the output agrees step by step. Returns a dict: folder, script, files (every path written, the script "
      "first), task, trials, seed, first_trial, spikernn's score on the exported trials (accuracy, interval, "
      "correct, total_spikes, mean_exc_rate, mean_inh_rate) and the task's rule as the script applies it.");
}

}  // namespace spikernn::python
