#!/usr/bin/python3
"""Checks a folder written by spikernn::io::export_brian2 against Brian2 itself.

Usage (Debian's interpreter with python3-brian: /usr/bin/python3):

    brian2_export_check.py FOLDER [--codegen auto|cython|numpy]

Runs FOLDER/network.py twice and exits 1, naming every failed check, unless

  1. --verify: the trial spikernn ran without noise, rerun by Brian2 from spikernn's initial
     voltages, gives the same spike count, the same verdict and the same output within 1e-6 of
     its scale (rounding alone leaves ~1e-13; one spike more or less moves it by far more). This
     is the sharp check: it holds only if the script's equations, their order within a step, the
     refractory gate, the input columns and the readout are spikernn's to the last bit.
  2. every trial: Brian2 ran each exported trial (one verdict, one spike count, one E and one I
     rate per trial), and
     - its accuracy agrees with spikernn's (spikernn_reference.json) on the same trials: the 95 %
       interval of the difference of the two proportions (Newcombe's, from the two Wilson
       intervals) contains 0. The trials are the same stimuli with independent noise, so the two
       verdicts of a trial are positively correlated and this unpaired interval is wider than
       needed: a network that agrees fails it less than 5 % of the time. Both runs are seeded,
       so for one network it always passes or always fails.
     - the mean E and I rates and the mean spikes per trial agree within 3.29 standard errors
       (two-sided 0.1 %) of the difference, sqrt(2/K)·s, with s Brian2's standard deviation over
       the K trials: the difference of trial k's values has variance 2·σ_k² with σ_k the
       noise-driven spread of trial k, which the spread s over trials (stimuli differ too) bounds.

Exit status 77 (to be CTest's SKIP_RETURN_CODE) when brian2 cannot be imported.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

WILSON_Z = 1.959963984540054  # 95 %
RATE_Z = 3.29                 # two-sided 0.1 %


def wilson(k, n, z=WILSON_Z):
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(k1, k2, n):
    """95 % interval of p1 - p2 for k1 and k2 successes in n trials each (Newcombe 1998, method 10)."""
    p1, p2 = k1 / n, k2 / n
    l1, u1 = wilson(k1, n)
    l2, u2 = wilson(k2, n)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def run(folder, *args):
    cmd = [sys.executable, os.path.join(folder, "network.py"), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    print(f"$ {' '.join(cmd)}  ({seconds:.1f} s, exit {proc.returncode})")
    print(proc.stdout, end="")
    if proc.returncode not in (0, 1):
        print(proc.stderr[-4000:], end="", file=sys.stderr)
    return proc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--codegen", choices=("auto", "cython", "numpy"), default="auto",
                    help="Brian2 code generation (auto: cython where it compiles, else numpy)")
    args = ap.parse_args()
    try:
        import brian2  # noqa: F401
    except ImportError as e:
        print(f"skipped: brian2 cannot be imported ({e}); apt-get install python3-brian")
        return 77

    failures = []

    def check(ok, what):
        print(("ok:   " if ok else "FAIL: ") + what)
        if not ok:
            failures.append(what)

    with open(os.path.join(args.folder, "spikernn_reference.json")) as f:
        ref = json.load(f)
    k = ref["trials"]

    proc = run(args.folder, "--verify", "--codegen", args.codegen)
    lines = proc.stdout.strip().splitlines()
    verify = json.loads(lines[-1]) if proc.returncode in (0, 1) and lines else {}
    check(proc.returncode == 0 and verify.get("verified") is True,
          f"noiseless trial {verify.get('trial')}: {verify.get('spikes')} spikes vs spikernn's "
          f"{verify.get('spikernn_spikes')}, output difference {verify.get('max_output_difference')} "
          f"(scale {verify.get('output_scale')}), verdict {verify.get('correct')} vs {verify.get('spikernn_correct')}")

    out_path = os.path.join(args.folder, "brian2_result.json")
    proc = run(args.folder, "--codegen", args.codegen, "--out", out_path)
    check(proc.returncode == 0, "network.py ran the trials")
    if proc.returncode != 0:
        print(proc.stderr[-4000:], end="", file=sys.stderr)
        return 1
    with open(out_path) as f:
        res = json.load(f)

    lengths = {key: len(res[key]) for key in ("correct", "spikes", "exc_rate_hz", "inh_rate_hz")}
    check(res["trials"] == k and all(v == k for v in lengths.values()),
          f"Brian2 ran every one of the {k} trials ({res['trials']} trials, {lengths})")

    hits_b, hits_s = sum(res["correct"]), sum(ref["correct"])
    lo, hi = newcombe(hits_b, hits_s, k)
    check(lo <= 0 <= hi, f"accuracy: brian2 {hits_b}/{k}, spikernn {hits_s}/{k}; 95 % interval of the "
                         f"difference [{lo:+.3f}, {hi:+.3f}] holds 0")

    for name, per_trial, reference in (
            ("mean E rate (Hz)", res["exc_rate_hz"], ref["mean_exc_rate_hz"]),
            ("mean I rate (Hz)", res["inh_rate_hz"], ref["mean_inh_rate_hz"]),
            ("spikes per trial", res["spikes"], ref["total_spikes"] / k)):
        values = np.asarray(per_trial, dtype=float)
        spread = values.std(ddof=1) if k > 1 else abs(values[0])
        tolerance = RATE_Z * math.sqrt(2 / k) * spread
        difference = values.mean() - reference
        check(abs(difference) <= tolerance,
              f"{name}: brian2 {values.mean():.3f}, spikernn {reference:.3f}, difference "
              f"{difference:+.3f} within ±{tolerance:.3f}")
    if ref["total_spikes"] == 0:
        print("note: spikernn's network never spiked on these trials; the rate checks are trivial")

    print(f"Brian2 {res['seconds']['total']:.1f} s for {k} trials ({res['codegen']}, first trial "
          f"{res['seconds']['first_trial']:.1f} s)")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
