#!/usr/bin/env python3
"""lif_numpy.py -- baseline: the original MATLAB LIF loop written in plain numpy.

Runs K Go (or NoGo) trials of the LIF network converted from a trained Go-NoGo rate RNN
(spec section 4: weight transfer 4.1, constants 4.2, initial conditions 4.3,
per-step update 4.4) in float64, the way one would naturally port
LIF_network_fnc.m to numpy: vectorised over units, a Python loop over the
nt = 20,000 steps of 0.05 ms, and an event-driven input JD = W[:, spiked].sum(1).
Only the network output out = (w_out / factor) . r is recorded (no N x nt
arrays), which is what the scaling-factor grid search needs.

Usage (use Debian's interpreter, /usr/bin/python3, which has scipy):
    /usr/bin/python3 benchmarks/lif_numpy.py --model FILE.mat [--factor F]
        [--trials K] [--seed S] [--trial go|nogo]

Prints one JSON object on stdout:
    {"ms_per_trial": ..., "spikes_per_trial": ..., "correct": [...],
     "out_max_after_0.5s": [...], ...}
ms_per_trial is the mean wall time of one whole trial (initial draws, input
drive, the 20,000-step loop and the output), excluding loading the MAT file.
A Go trial is correct if max(out[9999:]) > 0.7, a NoGo trial (--trial nogo) if it is < 0.3
(spec 5.1; MATLAB out(10000:end)).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import scipy.io


def load_model(path):
    d = scipy.io.loadmat(path)
    w = np.maximum(np.asarray(d["w"], dtype=np.float64), 0.0)  # relu (spec 4.1 note)
    m = np.asarray(d["m"], dtype=np.float64)
    som_m = np.asarray(d["som_m"], dtype=np.float64)
    w_in = np.asarray(d["w_in"], dtype=np.float64)            # N x n_in
    w_out = np.asarray(d["w_out"], dtype=np.float64).ravel()   # N
    taus = np.asarray(d["taus"], dtype=np.float64).ravel()
    taus_gaus = np.asarray(d["taus_gaus"], dtype=np.float64).ravel()
    N = int(np.asarray(d["N"]).ravel()[0])
    if taus.size > 1:
        tmin, tmax = taus.min(), taus.max()
        td = (1.0 / (1.0 + np.exp(-taus_gaus)) * (tmax - tmin) + tmin) * 5.0 / 1000.0
    else:
        td = np.full(N, taus[0] * 5.0 / 1000.0)
    opt = None
    if "opt_scaling_factor" in d:
        v = float(np.asarray(d["opt_scaling_factor"]).ravel()[0])
        opt = v if math.isfinite(v) else None
    return {
        "W_rate": (w @ m) * som_m,  # post x pre
        "w_in": w_in,
        "w_out": w_out,
        "td": td,
        "N": N,
        "opt_scaling_factor": opt,
    }


def go_nogo_stimulus(go=True):
    u = np.zeros((1, 201))
    if go:
        u[0, 50:75] = 1.0  # 0-based columns 50..74 (MATLAB u(51:75) = 1)
    return u


def lif_trial(model, factor, u, rng):
    """One trial of the [ML] loop (spec 4.4); returns (out[nt], n_spikes)."""
    N = model["N"]
    W = model["W_rate"] / factor
    w_out = model["w_out"] / factor
    td = model["td"]
    ext = model["w_in"] @ u                   # N x cols, not scaled

    dt = 0.00005
    nt = (u.shape[1] - 1) * 100               # 20,000 for a 1 x 201 u
    tref, tm = 0.002, 0.010
    vreset, vpeak = -65.0, -40.0
    BIAS = vpeak
    tr = 0.002
    ed, er = np.exp(-dt / td), math.exp(-dt / tr)
    inv_trtd = 1.0 / (tr * td)

    v = vreset + (30.0 - vreset) * rng.random(N)   # U(-65, 30) mV
    IPSC = np.zeros(N)
    h = np.zeros(N)
    r = np.zeros(N)
    hr = np.zeros(N)
    tlast = np.zeros(N)
    out = np.empty(nt)
    n_spikes = 0

    for i in range(1, nt + 1):
        t = i * dt
        c = int(math.floor(i / 100.0 + 0.5))       # MATLAB round(i/100), i > 0
        I = IPSC + BIAS + ext[:, c]
        active = t > tlast + tref
        v = v + np.where(active, dt * (-v + I) / tm, 0.0)
        v += 0.1 * rng.standard_normal(N)
        spiked = v >= vpeak
        idx = np.flatnonzero(spiked)
        if idx.size:
            JD = W[:, idx].sum(axis=1)
            n_spikes += idx.size
            tlast[idx] = t
        else:
            JD = 0.0
        IPSC = IPSC * ed + h * dt
        h = h * er + JD * inv_trtd
        r = r * ed + hr * dt
        hr = hr * er + spiked * inv_trtd
        out[i - 1] = w_out @ r
        v[idx] = vreset
    return out, n_spikes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="rate-model MAT file")
    ap.add_argument("--factor", type=float, default=None,
                    help="scaling factor (default: the file's opt_scaling_factor, else 50)")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trial", choices=["go", "nogo"], default="go",
                    help="Go trials (correct: max > 0.7) or NoGo trials (correct: max < 0.3)")
    args = ap.parse_args(argv)

    model = load_model(args.model)
    factor = args.factor
    if factor is None:
        factor = model["opt_scaling_factor"] or 50.0
    rng = np.random.default_rng(args.seed)
    go = args.trial == "go"
    u = go_nogo_stimulus(go)

    times, spikes, correct, peaks = [], [], [], []
    for k in range(args.trials):
        t0 = time.perf_counter()
        out, ns = lif_trial(model, factor, u, rng)
        times.append(time.perf_counter() - t0)
        peak = float(out[9999:].max())
        spikes.append(ns)
        peaks.append(peak)
        correct.append(bool(peak > 0.7) if go else bool(peak < 0.3))
        print(f"trial {k}: {times[-1] * 1e3:.0f} ms, {ns} spikes, "
              f"max out after 0.5 s {peak:.3f}", file=sys.stderr)

    res = {
        "impl": "numpy",
        "ms_per_trial": 1e3 * float(np.mean(times)),
        "ms_per_trial_min": 1e3 * float(np.min(times)),
        "spikes_per_trial": float(np.mean(spikes)),
        "spikes": spikes,
        "correct": correct,
        "out_max_after_0.5s": peaks,
        "factor": factor,
        "trial": args.trial,
        "trials": args.trials,
        "N": model["N"],
        "nt": 20000,
        "numpy_version": np.__version__,
    }
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
