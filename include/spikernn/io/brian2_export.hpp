// Export of a LIF network, with the task trials it is scored on, to Brian2 (brian2.readthedocs.io):
// a folder holding the parameters and the trials as NPY files, a self-describing Brian2 script
// (network.py) that reruns every trial and judges it by the task's rule, and spikernn's own
// result on the very same trials, so that a user can see the two simulators agree
// (docs/brian2.md).
//
// The script integrates lif_network's update exactly, not a continuous-time model of it: Brian2's
// 'euler' step of dx/dt = −k·x + y, with the per-step decay written as the rate
// k = (1 − e^(−dt/τ))/dt, is the discrete filter x·e^(−dt/τ) + y·dt that lif_network runs; the
// refractory gate is spikernn's (t_i > t_last + t_ref on the drift only, never on the threshold);
// the input column and the step clock follow lif_network::run. Only the random numbers (voltage
// noise, initial voltages) come from another generator, so the accuracies agree within sampling
// noise, and one noiseless trial started from spikernn's own initial voltages (written too)
// agrees step for step: `network.py --verify`.
#pragma once

#include "spikernn/config.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/eval/spiking_eval.hpp"
#include "spikernn/io/atomic_file.hpp"
#include "spikernn/io/csv.hpp"
#include "spikernn/io/npy.hpp"
#include "spikernn/network/lif_network.hpp"
#include "spikernn/neuron/lif.hpp"
#include "spikernn/task/go_nogo.hpp"
#include "spikernn/task/mante.hpp"
#include "spikernn/task/mante_port.hpp"
#include "spikernn/task/task.hpp"
#include "spikernn/task/xor.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikernn::io {

/// How a task judges a spiking trial, in a form a script can apply: the output from
/// window_start seconds on (output_from's samples), then
/// - go_nogo_peak: label > 0.5 → max > go_threshold, else max < nogo_threshold (go_nogo);
/// - signed_response: label > 0 → max > threshold, else min < −threshold (task.hpp's
///   signed_response: XOR, Mante).
struct decision_rule {
  enum class kind { go_nogo_peak, signed_response };
  kind type = kind::signed_response;
  double window_start = 0;  ///< s
  double go_threshold = 0, nogo_threshold = 0;  ///< go_nogo_peak
  double threshold = 0;                         ///< signed_response

  /// The rule applied to a LIF output sampled every dt seconds: what the exported script does,
  /// and what the task's spiking_correct does.
  bool correct(double label, const row_vector<double>& out, double dt) const {
    const auto window = output_from(out, window_start, dt);
    if (window.size() == 0) return false;
    if (type == kind::go_nogo_peak)
      return label > 0.5 ? window.maxCoeff() > go_threshold : window.maxCoeff() < nogo_threshold;
    return signed_response(label, window, threshold);
  }
};

inline decision_rule decision_rule_of(const go_nogo& t) {
  const auto& p = t.params();
  return {.type = decision_rule::kind::go_nogo_peak, .window_start = p.spiking_window_start,
          .go_threshold = p.go_threshold, .nogo_threshold = p.nogo_threshold};
}
inline decision_rule decision_rule_of(const xor_task& t) {
  return {.window_start = t.params().spiking_window_start, .threshold = t.params().threshold};
}
inline decision_rule decision_rule_of(const mante& t) {
  return {.window_start = t.params().spiking_window_start, .threshold = t.params().threshold};
}
inline decision_rule decision_rule_of(const mante_port& t) {
  return {.window_start = t.params().spiking_window_start, .threshold = t.params().threshold};
}

/// A spiking task whose rule a script can apply: the tasks above, or a task of your own with a
/// `decision_rule_of(const your_task&)` next to it (found by argument-dependent lookup).
template <class T>
concept brian2_exportable_task = spiking_task<T> && requires(const T& t) {
  { decision_rule_of(t) } -> std::same_as<decision_rule>;
};

struct brian2_export_options {
  int trials = 20;  ///< trials written and scored
  spikernn::seed seed{1};
  std::uint64_t first_trial = held_out_first_trial;  ///< trial k is the stream (seed, spiking_trial, first_trial + k)
  int threads = 0;  ///< for spikernn's own evaluation (0: all cores); the files do not depend on it
};

struct brian2_export_summary {
  spiking_score spikernn;                    ///< spikernn's own score on the exported trials
  decision_rule rule;                        ///< the task's rule, as the script applies it
  std::filesystem::path script;              ///< folder/network.py
  std::vector<std::filesystem::path> files;  ///< everything written, the script first
};

namespace detail {

/// A Python float literal that reads back as the same double.
inline std::string brian2_py_float(double x) {
  if (!std::isfinite(x)) return std::isnan(x) ? "float('nan')" : x > 0 ? "float('inf')" : "float('-inf')";
  std::string s = exact_text(x);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

/// A JSON number; JSON has no NaN or infinity, so those become null.
inline std::string brian2_json_number(double x) { return std::isfinite(x) ? exact_text(x) : "null"; }

/// A JSON string literal (also a valid Python string literal).
inline std::string brian2_json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

inline std::string brian2_json_bools(const std::vector<char>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + std::string(v[k] ? "true" : "false");
  return s + "]";
}

inline std::string brian2_json_strings(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + brian2_json_string(v[k]);
  return s + "]";
}

inline std::string brian2_rule_name(decision_rule::kind k) {
  return k == decision_rule::kind::go_nogo_peak ? "go_nogo_peak" : "signed_response";
}

/// The script's head: its docstring and every constant, each with where it comes from.
inline std::string brian2_script_head(const lif_params& p, const decision_rule& rule, std::string_view task) {
  const auto line = [](const std::string& name, const std::string& value, const std::string& comment) {
    std::string s = name + " = " + value;
    if (s.size() < 28) s.append(28 - s.size(), ' ');
    return s + "# " + comment + "\n";
  };
  const auto f = brian2_py_float;
  std::string s = R"py(#!/usr/bin/python3
"""network.py -- a spikernn LIF network in Brian2, with the task trials spikernn scored it on.

Written by spikernn::io::export_brian2 (spikernn's docs/brian2.md). Next to it: the network
(w.npy, w_in.npy, w_out.npy, b_out.npy, tau_d.npy, inhibitory.npy), the trials (stimuli.npy,
labels.npy, trials.json), spikernn's own result on them (spikernn_reference.json) and one
noiseless trial for --verify (verify_v0.npy, verify_out.npy).

Usage (Debian: apt-get install python3-brian):
    /usr/bin/python3 network.py [--trials K] [--codegen auto|cython|numpy] [--seed S]
                                [--out FILE] [--no-reference] [--verify]

Runs the trials, judges each by the task's rule (RULE below), prints the accuracy with its 95 %
Wilson interval next to spikernn's on the same trials, and writes brian2_result.json (or FILE).
--verify instead reruns the trial spikernn ran without noise (spikernn_reference.json's "verify")
from spikernn's initial voltages and compares the output step by step (exit status 1 when they
differ).

The network: spikernn's lif_network, step i = 1 ... nt at time t_i = i*DT (Brian's step i - 1).
  v  += DT/TAU_M * (-v + IPSC + BIAS + ext)    only while t_i > t_last + T_REF
  v  += NOISE_MV * N(0, 1)                     every step, refractory or not
  the units with v >= V_PEAK spike: v = V_RESET, t_last = t_i (the threshold is never blocked)
  IPSC = IPSC*exp(-DT/tau_d) + h*DT,   h  = h*exp(-DT/TAU_R)  + sum_spiking_j w[:, j] / (TAU_R*tau_d)
  r    = r*exp(-DT/tau_d) + hr*DT,     hr = hr*exp(-DT/TAU_R) + spiked / (TAU_R*tau_d)
     (TAU_R = 0: IPSC = IPSC*exp(-DT/tau_d) + sum_spiking_j w[:, j] / tau_d; r likewise)
  out = w_out . r + b_out
  ext = w_in . u[:, c] with c = round(i / STEPS_PER_COLUMN) (halves up) of the stimulus u
        keeping every DOWNSAMPLE-th column; nt = (columns - 1) * STEPS_PER_COLUMN
Brian2's 'euler' step is this update exactly once each decay is written as a rate:
dIPSC/dt = -k_d*IPSC + h with k_d = (1 - exp(-DT/tau_d))/DT steps to
IPSC*exp(-DT/tau_d) + h*DT. Only the random numbers differ (Brian's generator, not
spikernn's): the two agree on the task within sampling noise, and without noise exactly.
"""

# ---- the network's constants (spikernn lif_params): seconds, mV ------------------------------
)py";
  s += line("DT", f(p.step()), "s, the integration step: lif_params.dt * downsample");
  s += line("BASE_DT", f(p.dt), "s, lif_params.dt (the step at downsample 1)");
  s += line("DOWNSAMPLE", std::to_string(p.downsample), "use every DOWNSAMPLE-th input column");
  s += line("STEPS_PER_COLUMN", std::to_string(p.steps_per_column), "steps per (downsampled) input column");
  s += line("TAU_M", f(p.tau_m), "s, membrane time constant");
  s += line("T_REF", f(p.t_ref), "s, refractory period (no drift while t_i <= t_last + T_REF)");
  s += line("V_RESET", f(p.v_reset), "mV, reset potential");
  s += line("V_PEAK", f(p.v_peak), "mV, threshold (v >= V_PEAK spikes)");
  s += line("BIAS", f(p.bias), "mV, constant bias current");
  s += line("TAU_R", f(p.tau_r), "s, synaptic rise time; 0: single-exponential synapse");
  s += line("NOISE_MV", f(p.noise_mv), "mV, SD of the voltage noise added every step");
  s += line("V_INIT_LO", f(p.v_init_lo), "mV, initial voltages ~ U(V_INIT_LO, V_INIT_HI)");
  s += line("V_INIT_HI", f(p.v_init_hi), "mV");
  s += "\n# ---- how the task judges a trial (spikernn::io::decision_rule) ----------------------------\n";
  s += line("TASK", brian2_json_string(task), "the task the trials come from");
  s += line("RULE", "\"" + brian2_rule_name(rule.type) + "\"",
            rule.type == decision_rule::kind::go_nogo_peak
                ? "label > 0.5: max(out) > GO_THRESHOLD, else max(out) < NOGO_THRESHOLD"
                : "label > 0: max(out) > THRESHOLD, else min(out) < -THRESHOLD");
  s += line("WINDOW_START", f(rule.window_start), "s: out is judged from sample round(WINDOW_START/DT) - 1 on");
  s += line("GO_THRESHOLD", f(rule.go_threshold), "go_nogo_peak only");
  s += line("NOGO_THRESHOLD", f(rule.nogo_threshold), "go_nogo_peak only");
  s += line("THRESHOLD", f(rule.threshold), "signed_response only");
  return s;
}

/// The rest of the script, the same for every network.
inline constexpr std::string_view brian2_script_body = R"py(
import argparse
import json
import math
import os
import sys
import time
from types import SimpleNamespace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMN_DT = STEPS_PER_COLUMN * DT  # s per (downsampled) input column
WILSON_Z = 1.959963984540054       # 95 %


def load(name):
    return np.load(os.path.join(HERE, name))


def build(b2, arrays, stimuli, noise_mv):
    """The Brian2 network driven by `stimuli` (trials x inputs x columns), with its neuron group,
    output monitor, input columns per trial, steps per trial and output bias."""
    from brian2 import Hz, mV, second
    b2.defaultclock.dt = DT * second
    u = stimuli[:, :, ::DOWNSAMPLE]
    trials, _, cols = u.shape
    w, w_in, w_out, tau_d = (arrays[k] for k in ("w", "w_in", "w_out", "tau_d"))
    n = w.shape[0]
    # One TimedArray row per (trial, column); trial k is selected by trial_start = k*cols*COLUMN_DT.
    # Brian's step n is spikernn's step i = n + 1, which reads column
    # c = (i + STEPS_PER_COLUMN//2) // STEPS_PER_COLUMN (round(i / STEPS_PER_COLUMN), halves up).
    # The TimedArray reads row floor(time / COLUMN_DT); at t + ext_shift, i.e. (i +
    # STEPS_PER_COLUMN//2 + 0.5)*DT, that is c, half a step from either boundary: no rounding
    # can pick a neighbour.
    ext_rows = np.einsum("ni,kic->kcn", w_in, u).reshape(trials * cols, n)
    ext = b2.TimedArray(ext_rows * mV, dt=COLUMN_DT * second, name="ext")
    ext_shift = (STEPS_PER_COLUMN // 2 + 1.5) * DT * second
    double = TAU_R > 0
    # t_now = (timestep(t, dt) + 1) * dt is spikernn's t_i = i*DT to the last bit, so the
    # refractory test t_i > t_last + T_REF decides as spikernn's does.
    eqs = """
    dv/dt = integrating * (-v + IPSC + bias + ext(t + trial_start + ext_shift, i)) / tau_m : volt
    integrating = int((timestep(t, dt) + 1) * dt > t_last + t_ref) : 1
    k_d : Hz (constant)
    t_last : second
    trial_start : second (shared)
    spike_count : integer
    rate_count : integer
    """ + ("""
    dIPSC/dt = -k_d * IPSC + h : volt
    dh/dt = -k_r * h : volt/second
    dr/dt = -k_d * r + hr : Hz
    dhr/dt = -k_r * hr : Hz/second
    kick : Hz/second (constant)
    """ if double else """
    dIPSC/dt = -k_d * IPSC : volt
    dr/dt = -k_d * r : Hz
    kick : Hz (constant)
    """)
    # spikernn's firing rates count the spikes of steps 10 ... nt.
    reset = """
    v = v_reset
    t_last = (timestep(t, dt) + 1) * dt
    {} += kick
    spike_count += 1
    rate_count += int(timestep(t, dt) + 1 >= 10)
    """.format("hr" if double else "r")
    namespace = {"tau_m": TAU_M * second, "t_ref": T_REF * second, "bias": BIAS * mV,
                 "v_peak": V_PEAK * mV, "v_reset": V_RESET * mV, "noise": noise_mv * mV,
                 "v_lo": V_INIT_LO * mV, "v_hi": V_INIT_HI * mV,
                 "k_r": (1 - math.exp(-DT / TAU_R)) / DT * Hz if double else 0 * Hz,
                 "ext": ext, "ext_shift": ext_shift}
    G = b2.NeuronGroup(n, eqs, threshold="v >= v_peak", reset=reset, method="euler",
                       namespace=namespace, name="lif")
    G.k_d = (1 - np.exp(-DT / tau_d)) / DT * Hz
    G.kick = (1 / (TAU_R * tau_d) if double else 1 / tau_d) * (Hz / second if double else Hz)
    if noise_mv > 0:  # after the drift, before the threshold, refractory or not: spikernn's order
        G.run_regularly("v += noise * randn()", when="after_groups", name="noise")
    # w[post, pre] is in mV·s: a spike adds w·kick to h (or to IPSC) of the target, in its own step.
    post, pre = np.nonzero(w)
    S = b2.Synapses(G, G, "w : volt*second (constant)",
                    on_pre=("h_post" if double else "IPSC_post") + " += w * kick_post", name="recurrent")
    S.connect(i=pre, j=post)
    S.w = w[post, pre] * mV * second
    # out = w_out . r, summed at the end of the step, after the resets: with TAU_R = 0 a spike
    # enters r (and out) in its own step, as in spikernn. b_out is added to the recording.
    O = b2.NeuronGroup(1, "out : 1", name="readout")
    R = b2.Synapses(G, O, "w_o : second (constant)\nout_post = w_o * r_pre : 1 (summed)", name="readout_weights")
    R.connect(i=np.arange(n), j=np.zeros(n, dtype=int))
    R.w_o = w_out * second
    R.summed_updaters["out_post"].when = "end"
    mon = b2.StateMonitor(O, "out", record=0, when="end", order=1, name="output")
    net = b2.Network(G, S, O, R, mon)
    net.store("initial")
    return SimpleNamespace(net=net, G=G, mon=mon, cols=cols, steps=(cols - 1) * STEPS_PER_COLUMN,
                           b_out=float(arrays["b_out"]))


def run_trial(b2, m, k, seed=None, v0=None):
    """Trial k of the stimuli model m was built with: the output and the spikes of each unit (all,
    and those of steps 10 ... nt, which spikernn's firing rates count)."""
    from brian2 import mV, second
    m.net.restore("initial")
    if seed is not None:
        b2.seed(seed)
    m.G.v = v0 * mV if v0 is not None else "v_lo + (v_hi - v_lo) * rand()"
    m.G.trial_start = k * m.cols * COLUMN_DT * second
    m.net.run(m.steps * DT * second)
    out = np.asarray(m.mon.out[0]) + m.b_out
    if out.size != m.steps:
        raise RuntimeError(f"Brian2 ran {out.size} steps, expected {m.steps}")
    return out, np.asarray(m.G.spike_count[:]), np.asarray(m.G.rate_count[:])


def correct(label, out):
    """The task's rule (RULE) on one output trace; spikernn::io::decision_rule::correct."""
    start = min(max(math.floor(WINDOW_START / DT + 0.5) - 1, 0), out.size)
    window = out[start:]
    if window.size == 0:
        return False
    if RULE == "go_nogo_peak":
        return bool(window.max() > GO_THRESHOLD if label > 0.5 else window.max() < NOGO_THRESHOLD)
    return bool(window.max() > THRESHOLD if label > 0 else window.min() < -THRESHOLD)


def wilson(k, n, z=WILSON_Z):
    """The Wilson score interval of k successes in n trials."""
    if n <= 0:
        return [0.0, 1.0]
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def write_json(path, value):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def simulate(b2, arrays, stimuli, labels, conditions, seed):
    """Every trial with noise; trial k seeds Brian2's generator from (seed, k)."""
    inh = arrays["inhibitory"].astype(bool)
    start = time.perf_counter()
    model = build(b2, arrays, stimuli, NOISE_MV)
    duration = model.steps * DT
    verdicts, spikes, exc_rates, inh_rates, seconds = [], [], [], [], []
    for k in range(len(labels)):
        t0 = time.perf_counter()
        trial_seed = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        out, spk, rate_spk = run_trial(b2, model, k, seed=trial_seed)
        seconds.append(time.perf_counter() - t0)
        verdicts.append(correct(labels[k], out))
        spikes.append(int(spk.sum()))
        rates = rate_spk / duration  # Hz per unit, as spikernn's firing rates
        exc_rates.append(float(rates[~inh].mean()) if (~inh).any() else 0.0)
        inh_rates.append(float(rates[inh].mean()) if inh.any() else 0.0)
        print(f"trial {k} ({conditions[k]}): {'correct' if verdicts[-1] else 'wrong'}, "
              f"{spikes[-1]} spikes, {seconds[-1]:.2f} s", file=sys.stderr)
    by_condition = {}
    for c, v in zip(conditions, verdicts):
        entry = by_condition.setdefault(c, {"trials": 0, "correct": 0})
        entry["trials"] += 1
        entry["correct"] += int(v)
    hits = sum(verdicts)
    return {
        "simulator": f"brian2 {b2.__version__}", "task": TASK, "trials": len(labels), "seed": seed,
        "accuracy": hits / len(labels), "accuracy_interval": wilson(hits, len(labels)),
        "correct": verdicts, "conditions": by_condition,
        "total_spikes": int(sum(spikes)), "spikes": spikes,
        "mean_exc_rate_hz": float(np.mean(exc_rates)), "mean_inh_rate_hz": float(np.mean(inh_rates)),
        "exc_rate_hz": exc_rates, "inh_rate_hz": inh_rates,
        "seconds": {"total": time.perf_counter() - start, "first_trial": seconds[0],
                    "per_trial": seconds},
    }


def compare(result, reference):
    """Prints Brian2's and spikernn's accuracies on the same trials with 95 % intervals."""
    k = result["trials"]
    ref = reference["correct"][:k]
    hits = sum(ref)
    lo, hi = wilson(hits, k)
    blo, bhi = result["accuracy_interval"]
    print(f"spikernn: accuracy {hits / k:.3f} [{lo:.3f}, {hi:.3f}] on these {k} trials")
    print(f"brian2:   accuracy {result['accuracy']:.3f} [{blo:.3f}, {bhi:.3f}]")
    if k == reference["trials"]:
        print(f"mean rates E/I (Hz): spikernn {reference['mean_exc_rate_hz']:.2f} / "
              f"{reference['mean_inh_rate_hz']:.2f}, brian2 {result['mean_exc_rate_hz']:.2f} / "
              f"{result['mean_inh_rate_hz']:.2f}")


def verify(b2, arrays, stimuli, labels, reference):
    """spikernn's noiseless trial (reference["verify"]) from spikernn's initial voltages: Brian2's
    output, spike count and verdict against spikernn's."""
    ref = reference["verify"]
    k = ref["trial"]
    want = load("verify_out.npy")
    out, spk, _ = run_trial(b2, build(b2, arrays, stimuli[k:k + 1], 0.0), 0, v0=load("verify_v0.npy"))
    deviation = float(np.max(np.abs(out - want)))
    scale = max(1.0, float(np.max(np.abs(want))))
    verdict = correct(labels[k], out)
    # Rounding alone leaves ~1e-13; a spike that differs moves the output by far more than 1e-6.
    same = int(spk.sum()) == ref["total_spikes"] and deviation <= 1e-6 * scale and verdict == ref["correct"]
    result = {"verified": same, "trial": k, "max_output_difference": deviation, "output_scale": scale,
              "spikes": int(spk.sum()), "spikernn_spikes": ref["total_spikes"],
              "correct": verdict, "spikernn_correct": ref["correct"]}
    print(json.dumps(result))
    return 0 if same else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=None, help="run the first K trials (default: all)")
    ap.add_argument("--codegen", choices=("auto", "cython", "numpy"), default="auto",
                    help="Brian2 runtime code generation: cython (compiled: needs a C++ compiler and "
                         "the Python headers; much faster), numpy, or auto (cython where it works)")
    ap.add_argument("--seed", type=int, default=1, help="seed of Brian2's random numbers")
    ap.add_argument("--out", default=os.path.join(HERE, "brian2_result.json"), help="result file")
    ap.add_argument("--no-reference", action="store_true", help="do not compare with spikernn_reference.json")
    ap.add_argument("--verify", action="store_true", help="run spikernn's noiseless trial and compare step by step")
    args = ap.parse_args(argv)

    stimuli, labels = load("stimuli.npy"), load("labels.npy")
    with open(os.path.join(HERE, "trials.json")) as f:
        conditions = json.load(f)["conditions"]
    k = len(labels) if args.trials is None else args.trials
    if not 1 <= k <= len(labels):
        ap.error(f"--trials must be between 1 and {len(labels)} (the trials written)")
    import brian2 as b2
    if args.codegen == "auto":
        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        args.codegen = "cython" if CythonCodeObject.is_available() else "numpy"
    b2.prefs.codegen.target = args.codegen
    arrays = {name: load(name + ".npy") for name in ("w", "w_in", "w_out", "b_out", "tau_d", "inhibitory")}
    reference = None
    ref_path = os.path.join(HERE, "spikernn_reference.json")
    if (args.verify or not args.no_reference) and os.path.exists(ref_path):
        with open(ref_path) as f:
            reference = json.load(f)
    if args.verify:
        if reference is None:
            ap.error("--verify needs spikernn_reference.json")
        return verify(b2, arrays, stimuli, labels, reference)
    result = simulate(b2, arrays, stimuli[:k], labels[:k], conditions[:k], args.seed)
    result["codegen"] = args.codegen
    write_json(args.out, result)
    print(f"{k} trials in {result['seconds']['total']:.1f} s ({args.codegen}); result: {args.out}")
    if reference is not None:
        compare(result, reference)
    else:
        lo, hi = result["accuracy_interval"]
        print(f"brian2: accuracy {result['accuracy']:.3f} [{lo:.3f}, {hi:.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
)py";

}  // namespace detail

namespace detail {

/// A folder written beside its final path and renamed into place at the end (commit): an export
/// that fails half-way (a full disk, a write error) leaves nothing behind, and a folder under
/// the final name always holds a complete export. The final folder may exist if it is empty
/// (POSIX rename replaces an empty directory); one that filled up meanwhile is kept, and the
/// commit fails.
class staging_folder {
 public:
  explicit staging_folder(std::filesystem::path final_path) : final_(std::move(final_path)) {
    namespace fs = std::filesystem;
    static std::atomic<std::uint64_t> counter{0};  // unique among this process's exports
    std::error_code ec;
    const fs::path parent = final_.has_parent_path() ? final_.parent_path() : fs::path(".");
    if (!fs::create_directories(parent, ec) && ec) throw file_error(final_.string(), "cannot create the folder's parent: " + ec.message());
    do {
      temp_ = final_;
      temp_ += ".tmp." + std::to_string(atomic_path::process_id()) + "." + std::to_string(counter.fetch_add(1));
    } while (fs::exists(fs::symlink_status(temp_, ec)));
    if (!fs::create_directory(temp_, ec)) throw file_error(final_.string(), "cannot create the staging folder '" + temp_.string() + "': " + ec.message());
  }
  staging_folder(const staging_folder&) = delete;
  staging_folder& operator=(const staging_folder&) = delete;
  ~staging_folder() {
    if (committed_) return;
    std::error_code ec;
    std::filesystem::remove_all(temp_, ec);
  }
  const std::filesystem::path& path() const { return temp_; }
  void commit() {
    std::error_code ec;
    std::filesystem::rename(temp_, final_, ec);
    if (ec) throw file_error(final_.string(), "cannot move the finished export into place (was the folder filled meanwhile?): " + ec.message());
    committed_ = true;
  }

 private:
  std::filesystem::path final_, temp_;
  bool committed_ = false;
};

template <class Task, real_scalar S>
brian2_export_summary export_brian2_lif(const std::filesystem::path& folder, const lif_network<S, leaky_if>& net,
                                        const Task& tk, const brian2_export_options& opt) {
  namespace fs = std::filesystem;
  require(opt.trials > 0, "trials", "a positive number of trials to export");
  require(net.n_inputs() == tk.n_inputs(), "task",
          "a task with " + std::to_string(net.n_inputs()) + " input channels like the network's w_in (" +
              std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  const std::string where = folder.string();
  std::error_code ec;
  if (fs::exists(fs::symlink_status(folder, ec))) {
    if (!fs::is_directory(folder, ec)) throw file_error(where, "exists and is not a folder; the export needs a new or empty folder");
    const bool empty = fs::is_empty(folder, ec);
    if (ec) throw file_error(where, "cannot list the folder: " + ec.message());
    if (!empty) throw file_error(where, "is not empty; the export writes only into a new or empty folder and replaces nothing");
  }

  // The trials exactly as evaluate_spiking draws them: stimulus from the trial's stream.
  const decision_rule rule = decision_rule_of(tk);
  const auto k_trials = static_cast<std::size_t>(opt.trials);
  std::vector<trial> trials;
  trials.reserve(k_trials);
  for (std::size_t k = 0; k < k_trials; ++k) {
    rng g(opt.seed, purpose::spiking_trial, opt.first_trial + k);
    trials.push_back(tk.spiking_trial(g));
    const auto shape = [](const trial& tr) { return std::to_string(tr.u.rows()) + "×" + std::to_string(tr.u.cols()); };
    require(shape(trials.back()) == shape(trials.front()), "task",
            "trials of one stimulus shape to export in one array (trial " + std::to_string(k) + " is " +
                shape(trials.back()) + ", trial 0 " + shape(trials.front()) + ")");
  }
  brian2_export_summary sum;
  sum.rule = rule;
  sum.spikernn = evaluate_spiking(net, tk, {.trials = opt.trials, .threads = opt.threads, .seed = opt.seed,
                                            .first_trial = opt.first_trial});

  // --verify's trial: the trial (of the first few) with the most spikes without noise, so that
  // the comparison exercises the recurrent dynamics and not only a network falling silent. Run
  // in double, as the script computes, on the parameters as written. run() draws the initial
  // voltages first: a copy of the stream shows them.
  lif_params quiet_params = net.params();
  quiet_params.noise_mv = 0;
  lif_network<double, leaky_if> quiet(net.w().template cast<double>(), net.w_in().template cast<double>(),
                                      net.w_out().template cast<double>(), net.tau_d().template cast<double>(),
                                      quiet_params);
  quiet.set_readout(net.w_out().template cast<double>(), static_cast<double>(net.b_out()));
  std::size_t verify_trial = 0;
  vector<double> verify_v0;
  lif_trial<double> verify;
  for (std::size_t k = 0; k < std::min<std::size_t>(k_trials, 8); ++k) {
    rng g(opt.seed, purpose::spiking_trial, opt.first_trial + k);
    tk.spiking_trial(g);
    rng probe = g;
    quiet.reset(probe);
    const vector<double> v0 = quiet.v().matrix();
    auto res = quiet.run(trials[k].u, g);
    if (k == 0 || res.total_spikes > verify.total_spikes) {
      verify_trial = k;
      verify_v0 = v0;
      verify = std::move(res);
    }
  }
  const bool verify_correct = tk.spiking_correct(trials[verify_trial], verify.out, verify.dt);

  staging_folder staging(folder);
  const auto file = [&](const char* name) {
    sum.files.push_back(folder / name);
    return staging.path() / name;
  };
  sum.script = folder / "network.py";
  const fs::path script = file("network.py");
  write_text_atomically(script, brian2_script_head(net.params(), rule, tk.name()) + std::string(brian2_script_body),
                        on_existing::refuse);
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add, ec);  // a convenience: `./network.py` works where allowed

  const index_t n = net.size();
  write_npy(file("w.npy"), net.w().template cast<double>().eval());
  write_npy(file("w_in.npy"), net.w_in().template cast<double>().eval());
  write_npy(file("w_out.npy"), vector<double>(net.w_out().transpose().template cast<double>()));
  const double b_out = static_cast<double>(net.b_out());
  write_npy(file("b_out.npy"), &b_out, {});
  write_npy(file("tau_d.npy"), vector<double>(net.tau_d().matrix().template cast<double>()));
  // A network that does not say which units are inhibitory counts all as excitatory, as in
  // evaluate_spiking's E/I rates.
  const bool inh_known = net.inhibitory().size() == n;
  const Eigen::Array<bool, Eigen::Dynamic, 1> inh =
      inh_known ? net.inhibitory() : Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(n, false);
  write_npy(file("inhibitory.npy"), inh.data(), {std::size_t(n)});

  const auto rows = static_cast<std::size_t>(trials.front().u.rows()), cols = static_cast<std::size_t>(trials.front().u.cols());
  std::vector<double> stimuli;
  stimuli.reserve(k_trials * rows * cols);
  std::vector<double> labels;
  std::vector<std::string> conditions;
  for (const trial& tr : trials) {
    for (index_t r = 0; r < tr.u.rows(); ++r)
      for (index_t c = 0; c < tr.u.cols(); ++c) stimuli.push_back(tr.u(r, c));
    labels.push_back(tr.label);
    conditions.push_back(tr.condition);
  }
  write_npy(file("stimuli.npy"), stimuli.data(), {k_trials, rows, cols});
  write_npy(file("labels.npy"), labels.data(), {k_trials});
  write_npy(file("verify_v0.npy"), verify_v0);
  write_npy(file("verify_out.npy"), vector<double>(verify.out.transpose()));

  using detail::brian2_json_number;
  using detail::brian2_json_string;
  const std::string provenance = "  \"task\": " + brian2_json_string(tk.name()) + ",\n  \"seed\": " +
                                 std::to_string(opt.seed.value) + ",\n  \"first_trial\": " +
                                 std::to_string(opt.first_trial) + ",\n  \"trials\": " + std::to_string(opt.trials);
  write_text_atomically(file("trials.json"), "{\n" + provenance + ",\n  \"conditions\": " +
                                                 detail::brian2_json_strings(conditions) + "\n}\n",
                        on_existing::refuse);

  // Written last: a folder with spikernn_reference.json holds a complete export.
  const spiking_score& s = sum.spikernn;
  const auto ci = s.interval();
  std::string by_condition;
  for (const auto& c : s.conditions)
    by_condition += std::string(by_condition.empty() ? "" : ", ") + brian2_json_string(c.condition) +
                    ": {\"trials\": " + std::to_string(c.trials) + ", \"correct\": " + std::to_string(c.correct) + "}";
  const std::string reference =
      "{\n  \"simulator\": \"spikernn " + std::to_string(SPIKERNN_VERSION_MAJOR) + "." +
      std::to_string(SPIKERNN_VERSION_MINOR) + "." + std::to_string(SPIKERNN_VERSION_PATCH) + "\",\n" + provenance +
      ",\n  \"N\": " + std::to_string(n) + ",\n  \"accuracy\": " + brian2_json_number(s.accuracy) +
      ",\n  \"accuracy_interval\": [" + brian2_json_number(ci.lo) + ", " + brian2_json_number(ci.hi) +
      "],\n  \"correct\": " + detail::brian2_json_bools(s.correct) + ",\n  \"conditions\": {" + by_condition +
      "},\n  \"total_spikes\": " + std::to_string(s.total_spikes) +
      ",\n  \"mean_exc_rate_hz\": " + brian2_json_number(s.mean_exc_rate) +
      ",\n  \"mean_inh_rate_hz\": " + brian2_json_number(s.mean_inh_rate) +
      ",\n  \"inhibitory_known\": " + (inh_known ? "true" : "false") +
      ",\n  \"verify\": {\"trial\": " + std::to_string(verify_trial) + ", \"noise_mv\": 0, \"total_spikes\": " +
      std::to_string(verify.total_spikes) + ", \"correct\": " + (verify_correct ? "true" : "false") + "}\n}\n";
  write_text_atomically(file("spikernn_reference.json"), reference, on_existing::refuse);
  staging.commit();
  return sum;
}

}  // namespace detail

/// Writes `net` and `opt.trials` trials of `tk` into `folder` for Brian2 (see the top of this
/// file and docs/brian2.md): network.py, the parameters and the trials as NPY, trials.json,
/// spikernn_reference.json (spikernn's evaluate_spiking on the same trials) and the noiseless
/// trial of `network.py --verify`. The folder must be new or empty: nothing a user made is ever
/// replaced. The files are written into a staging folder beside it, moved into place at the end:
/// an export that fails leaves nothing behind. Only leaky integrate-and-fire networks can be written (Brian2 has the model; the
/// other neuron policies are refused at run time, so a program may choose the neuron at run time).
template <brian2_exportable_task Task, real_scalar S, integrate_and_fire Neuron>
brian2_export_summary export_brian2(const std::filesystem::path& folder, const lif_network<S, Neuron>& net,
                                    const Task& tk, const brian2_export_options& opt = {}) {
  if constexpr (!std::is_same_v<Neuron, leaky_if>)
    throw invalid_parameter("neuron", "a leaky integrate-and-fire network (leaky_if) for the Brian2 export, got '" +
                                          std::string(Neuron::name) + "'");
  else
    return detail::export_brian2_lif(folder, net, tk, opt);
}

}  // namespace spikernn::io
