#!/usr/bin/env python3
"""lif_brian2.py -- baseline: the converted LIF network (spec section 4) in Brian2.

Runs K Go trials of the LIF network converted from a trained Go-NoGo rate RNN
(N units, 20,000 steps of 0.05 ms, only the output recorded) with Brian2,
either in C++ standalone mode (default; Brian generates a C++ project and
compiles it with g++) or in runtime mode (Cython code generation, falling back
to numpy).

Usage (Debian's interpreter with python3-brian 2.5.1: apt-get install -y python3-brian):
    /usr/bin/python3 benchmarks/lif_brian2.py --model FILE.mat [--factor F]
        [--trials K] [--seed S] [--mode standalone|runtime]
        [--codegen cython|numpy] [--build-dir DIR] [--keep-build]

Prints one JSON object on stdout (progress on stderr).

The network (same maths as benchmarks/lif_numpy.py and spec 4.1-4.4)
-------------------------------------------------------------------
* NeuronGroup G (N units), method 'euler', dt = 0.05 ms, duration 1.0 s:
      dv/dt    = (-v + IPSC + bias + ext(t + 2.55 ms, i)) / tau_m   (unless refractory)
      dIPSC/dt = -IPSC / td + h            dh/dt  = -h / tau_r
      dr/dt    = -r / td + hr              dhr/dt = -hr / tau_r
  tau_m = 10 ms, bias = -40 mV, tau_r = 2 ms, td per unit from the rate model
  (sigmoid(taus_gaus) * (max - min) + min) * 5 ms; threshold v >= -40 mV,
  reset v = -65 mV, refractory 2 ms.  On a spike the reset also does
  hr += 1 / (tau_r * td) (the unit's own filtered spike train r) and counts
  the spike.  Explicit Euler is exactly the MATLAB membrane update; for the
  synaptic filter it decays by (1 - dt/tau) instead of exp(-dt/tau) per step
  (a second-order difference; Euler's kernel has area exactly 1, MATLAB's
  about 1.3 % more).  Euler avoids five exp() per unit and step, which
  'exponential_euler' would evaluate because td differs per unit.
* Noise: v += 0.1 mV * randn() for every unit at every step, in a
  run_regularly operation scheduled 'after_groups' (after the Euler step,
  before the threshold), i.e. also during refractoriness -- exactly the
  MATLAB order.  (Putting sigma*xi in the equations would scale the noise by
  sqrt(dt) and, with "unless refractory", switch it off while refractory.)
* External input ext = w_in . u (not scaled) as a TimedArray with one row per
  input column (5 ms).  MATLAB uses column round(i/100) at step i = n + 1
  (Brian's step n has t = n*dt), which switches columns half-way through a
  5 ms block; evaluating the TimedArray at t + 2.55 ms reproduces that
  exactly (TimedArray itself takes the column floor(t / 5 ms)).
* Recurrent Synapses: one synapse per nonzero W[post, pre] of
  W = W_rate / factor; on_pre: h_post += w with w = W / (tau_r * td_post)
  precomputed per synapse; no delay (delivered in the spike's own step).
* Output: a 1-unit NeuronGroup whose variable out is a summed variable over
  Synapses from every unit j with weight w_out_j / factor:
  out = sum_j (w_out_j / factor) * r_j, scheduled after G's state update and
  recorded by a StateMonitor at the end of every step (20,000 doubles).
* Initial conditions: v ~ U(-65, 30) mV, all filter variables 0,
  lastspike = 0 (the MATLAB t_last = 0: no integration in the first 40 steps).

Known differences from the MATLAB loop (statistical, not systematic):
* Brian's refractoriness also blocks the threshold.  MATLAB only switches the
  drift off, so the ~74 % of units drawn above -40 mV spike in step 1 there;
  in Brian they spike in step 40 (t = 2 ms) instead.  After that the
  threshold gate never matters (noise cannot move v from -65 to -40 mV in
  2 ms).
* After a spike Brian skips the drift for 39 steps, MATLAB for 40
  (t_i > t_last + 2 ms; 41 * dt > 2 ms but 40 * dt is not, in floating point).
* Different random streams (Brian's randomkit Mersenne twister), Euler vs
  exponential filter decay.

Timing (what ms_per_trial is)
-----------------------------
* standalone: the script builds the project once (code generation + g++,
  reported as build_s / codegen_s / compile_s) without running it, then
  executes the compiled binary once per trial.  A line inserted at the top of
  main() re-seeds Brian's random generator from the first command-line
  argument, so trial k is run as "./main <seed + k>" without recompiling.
  ms_per_trial is Brian's own measurement of the network run inside the
  binary (results/last_run_info.txt, i.e. Network::run only: no array
  loading or writing, no synapse creation); binary_wall_ms_per_trial is the
  wall time of the whole process (start-up, loading the static arrays,
  creating the synapses, the run, writing the results).
* runtime: one fresh network per trial; trial 0 also fills the Cython cache
  (reported as first_trial_wall_s).  ms_per_trial is Brian's own timing of
  the simulation loop of Network.run (device._last_run_time, i.e. excluding
  before_run's code generation), averaged over the timed trials (all but the
  first if K > 1); setup_ms_per_trial is the rest of the wall time of
  Network.run (code generation / cache look-ups, mostly).
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

# A Go trial is correct if max(out[9999:]) > 0.7 (spec 5.1).
WINDOW = 9999


# The model loading and the Go stimulus are the numpy baseline's: both sides run the same network.
from lif_numpy import go_nogo_stimulus, load_model  # noqa: E402  (this folder is sys.path[0])


def build_network(b2, model, factor, u):
    """Create the Brian2 objects in the current (magic) network context."""
    from brian2 import (NeuronGroup, Synapses, StateMonitor, TimedArray,
                        ms, mV, second, defaultclock)
    N = model["N"]
    dt = 0.05 * ms
    defaultclock.dt = dt
    ext_values = (model["w_in"] @ u).T          # cols x N, mV
    ext = TimedArray(ext_values * mV, dt=5 * ms, name="ext")
    tau_m = 10 * ms
    tau_r = 2 * ms
    bias = -40 * mV
    ext_shift = 2.55 * ms

    eqs = """
    dv/dt = (-v + IPSC + bias + ext(t + ext_shift, i)) / tau_m : volt (unless refractory)
    dIPSC/dt = -IPSC / td + h : volt
    dh/dt = -h / tau_r : volt/second
    dr/dt = -r / td + hr : Hz
    dhr/dt = -hr / tau_r : Hz/second
    td : second (constant)
    nspk : integer
    """
    G = NeuronGroup(N, eqs, threshold="v >= -40*mV",
                    reset="v = -65*mV\nhr += 1.0/(tau_r*td)\nnspk += 1",
                    refractory=2 * ms, method="euler", name="lif",
                    namespace={"tau_m": tau_m, "tau_r": tau_r, "bias": bias,
                               "ext": ext, "ext_shift": ext_shift})
    G.td = model["td"] * second
    G.v = "-65*mV + 95*mV*rand()"          # U(-65, 30) mV
    G.lastspike = 0 * ms                    # MATLAB t_last = 0
    noise = G.run_regularly("v += 0.1*mV*randn()", dt=dt, when="after_groups",
                            name="vnoise")

    W = model["W_rate"] / factor               # post x pre
    post, pre = np.nonzero(W)
    S = Synapses(G, G, "w : volt/second (constant)", on_pre="h_post += w",
                 name="rec")
    S.connect(i=pre, j=post)
    S.w = (W[post, pre] / (float(tau_r) * model["td"][post])) * (mV / second)

    O = NeuronGroup(1, "out : 1", name="readout", order=10)
    R = Synapses(G, O, "wo : 1 (constant)\nout_post = wo * r_pre / Hz : 1 (summed)",
                 name="ro")
    R.connect(i=np.arange(N), j=np.zeros(N, dtype=int))
    R.wo = model["w_out"] / factor
    mon = StateMonitor(O, "out", record=0, when="end", name="outmon")
    net = b2.Network(G, noise, S, O, R, mon)
    return net, G, mon, int(len(post))


def summarize(out, nspk):
    peak = float(np.asarray(out)[WINDOW:].max())
    return peak, int(np.sum(nspk))


def run_standalone(args, model, factor, u):
    import brian2 as b2
    from brian2 import set_device, device, prefs, second
    build_dir = args.build_dir or tempfile.mkdtemp(prefix="lif_brian2_")
    set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    # trial k re-seeds from argv[1] (seed + k); without an argument Brian's
    # own random seeding (rk_randomseed) stays in effect.
    device.insert_code(
        "after_start",
        "if (argc > 1) { unsigned long _s = strtoul(argv[1], 0, 10);\n"
        "  for (size_t _k = 0; _k < brian::_mersenne_twister_states.size(); _k++)\n"
        "    rk_seed(_s + _k, brian::_mersenne_twister_states[_k]); }")
    net, G, mon, n_syn = build_network(b2, model, factor, u)
    net.run(1.0 * second)
    t0 = time.perf_counter()
    device.build(directory=build_dir, compile=True, run=False, clean=True)
    build_s = time.perf_counter() - t0
    timers = dict(device.timers) if hasattr(device, "timers") else {}
    comp = timers.get("compile", {}) or {}
    compile_s = float(sum(v for v in comp.values() if v is not None)) if comp else None

    run_ms, wall_ms, spikes, peaks = [], [], [], []
    for k in range(args.trials):
        t0 = time.perf_counter()
        device.run(build_dir, with_output=False, run_args=[str(args.seed + k)])
        wall_ms.append(1e3 * (time.perf_counter() - t0))
        run_ms.append(1e3 * float(device._last_run_time))
        out = np.asarray(mon.out[0])
        peak, ns = summarize(out, G.nspk[:])
        if out.size != 20000:
            raise RuntimeError(f"expected 20000 output samples, got {out.size}")
        spikes.append(ns)
        peaks.append(peak)
        print(f"standalone trial {k}: run {run_ms[-1]:.1f} ms (binary wall "
              f"{wall_ms[-1]:.1f} ms), {ns} spikes, max out after 0.5 s {peak:.3f}",
              file=sys.stderr)
    if not args.keep_build and not args.build_dir:
        shutil.rmtree(build_dir, ignore_errors=True)
    return {
        "ms_per_trial": float(np.mean(run_ms)),
        "ms_per_trial_min": float(np.min(run_ms)),
        "binary_wall_ms_per_trial": float(np.mean(wall_ms)),
        "build_s": build_s,
        "compile_s": compile_s,
        "codegen_s": (build_s - compile_s) if compile_s is not None else None,
        "spikes": spikes, "peaks": peaks, "n_synapses": n_syn,
        "compiler_flags": " ".join(prefs.codegen.cpp.extra_compile_args_gcc),
        "build_dir": build_dir if (args.keep_build or args.build_dir) else None,
    }


def run_runtime(args, model, factor, u):
    import brian2 as b2
    from brian2 import prefs, device, second, seed as b2seed
    target = args.codegen
    if target == "cython":
        try:
            import Cython  # noqa: F401
        except ImportError:
            print("note: Cython missing, using the numpy target", file=sys.stderr)
            target = "numpy"
    prefs.codegen.target = target
    run_ms, setup_ms, walls, spikes, peaks = [], [], [], [], []
    n_syn = None
    for k in range(args.trials):
        b2.start_scope()
        b2seed(args.seed + k)
        net, G, mon, n_syn = build_network(b2, model, factor, u)
        t0 = time.perf_counter()
        try:
            net.run(1.0 * second)
        except Exception as e:  # e.g. Cython compilation failure
            if target == "cython":
                print(f"note: cython target failed ({type(e).__name__}: {e}); "
                      "retrying with numpy", file=sys.stderr)
                target = "numpy"
                prefs.codegen.target = target
                b2.start_scope()
                b2seed(args.seed + k)
                net, G, mon, n_syn = build_network(b2, model, factor, u)
                t0 = time.perf_counter()
                net.run(1.0 * second)
            else:
                raise
        wall = time.perf_counter() - t0
        loop = float(device._last_run_time)
        walls.append(wall)
        run_ms.append(1e3 * loop)
        setup_ms.append(1e3 * (wall - loop))
        peak, ns = summarize(mon.out[0], G.nspk[:])
        spikes.append(ns)
        peaks.append(peak)
        print(f"runtime/{target} trial {k}: run {run_ms[-1]:.0f} ms, "
              f"setup {setup_ms[-1]:.0f} ms, {ns} spikes, max out after 0.5 s "
              f"{peak:.3f}", file=sys.stderr)
    timed = slice(1, None) if args.trials > 1 else slice(0, None)
    return {
        "ms_per_trial": float(np.mean(run_ms[timed])),
        "ms_per_trial_min": float(np.min(run_ms[timed])),
        "setup_ms_per_trial": float(np.mean(setup_ms[timed])),
        "first_trial_wall_s": float(walls[0]),
        "codegen_target": target,
        "spikes": spikes, "peaks": peaks, "n_synapses": n_syn,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="rate-model MAT file")
    ap.add_argument("--factor", type=float, default=None,
                    help="scaling factor (default: the file's opt_scaling_factor, else 50)")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mode", choices=("standalone", "runtime"), default="standalone")
    ap.add_argument("--codegen", choices=("cython", "numpy"), default="cython",
                    help="runtime-mode code generation target (default cython)")
    ap.add_argument("--build-dir", default=None,
                    help="standalone project directory (default: a temporary one, removed)")
    ap.add_argument("--keep-build", action="store_true",
                    help="keep the temporary standalone project")
    args = ap.parse_args(argv)
    if args.trials < 1:
        ap.error("--trials must be >= 1")

    import brian2
    brian2.prefs.logging.console_log_level = "WARNING"
    model = load_model(args.model)
    factor = args.factor
    if factor is None:
        factor = model["opt_scaling_factor"] or 50.0
    u = go_nogo_stimulus(go=True)

    if args.mode == "standalone":
        r = run_standalone(args, model, factor, u)
    else:
        r = run_runtime(args, model, factor, u)
    spikes, peaks = r.pop("spikes"), r.pop("peaks")
    res = {"impl": f"brian2-{args.mode}", "brian2_version": brian2.__version__}
    res.update(r)
    res.update({
        "spikes_per_trial": float(np.mean(spikes)),
        "spikes": spikes,
        "correct": [bool(p > 0.7) for p in peaks],
        "out_max_after_0.5s": peaks,
        "factor": factor, "trials": args.trials, "N": model["N"], "nt": 20000,
    })
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
