#!/usr/bin/python3
"""Rate models in the original MAT schema between spikernn and scipy (spec §3.5).

Run with Debian's /usr/bin/python3 (python3-scipy, python3-numpy).

  model_interop.py write DIR   writes DIR/original_model.mat (the [TF] original's types: float32
                               weights, logical exc/inh, int N) and DIR/port_model.mat (the
                               PyTorch port's: everything float64, exc/inh as 0/1 doubles, raw w
                               with negative entries — its bug 2)
  model_interop.py check FILE  checks a model written by spikernn (names, types, shapes, Dale,
                               eval_labels: numbers, or for XOR the original's 'same'/'diff'
                               strings), and spikernn_xor_model.mat beside it when present

ctest runs: write <dir>; SPIKERNN_INTEROP_DIR=<dir> spikernn_tests --test-case='*model interop*'
(which loads both files and writes <dir>/spikernn_model.mat and <dir>/spikernn_xor_model.mat);
check <dir>/spikernn_model.mat.
The C++ side (tests/io/mat_model.cpp) mirrors the values made here from seed 0.
"""

import os
import sys

import numpy as np
import scipy.io as sio

N = 30


def original_like(rng):
    inh = rng.random(N) < 0.2
    inh[:3] = [False, True, True]  # at least two inhibitory units
    mask = rng.random((N, N)) < 0.2
    w = np.abs(rng.standard_normal((N, N))) * mask * 1.5 / np.sqrt(N * 0.2)
    m = np.diag(np.where(inh, -1.0, 1.0))
    return inh, w, m


def write(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(0)
    inh, w, m = original_like(rng)
    w_in = rng.standard_normal((N, 1))
    w_out = rng.standard_normal((1, N)) / 100
    taus_gaus = rng.standard_normal((N, 1))
    original = {
        "w": w.astype(np.float32), "w0": w.astype(np.float32),
        "w_in": w_in.astype(np.float32), "w_out": w_out.astype(np.float32),
        "b_out": np.float32(0.25), "m": m.astype(np.float32),
        "som_m": np.ones((N, N), np.float32), "N": N, "som_N": 0,
        "exc": (~inh).reshape(N, 1), "inh": inh.reshape(N, 1),
        "taus": [4.0, 20.0], "taus_gaus": taus_gaus.astype(np.float32),
        "taus_gaus0": taus_gaus.astype(np.float32), "activation": "sigmoid", "tr": 1501,
    }
    sio.savemat(os.path.join(d, "original_model.mat"), original)
    port = {k: (np.asarray(v, dtype=np.float64) if k not in ("activation",) else v) for k, v in original.items()}
    port["exc"] = (~inh).astype(np.float64).reshape(N, 1)
    port["inh"] = inh.astype(np.float64).reshape(N, 1)
    raw = w.copy()
    raw[0, 1] = -0.3  # the port saves the raw parameter: negative entries exist
    port["w"] = raw
    sio.savemat(os.path.join(d, "port_model.mat"), port)


def check(path):
    def fail(var, what):
        sys.exit(f"{path}: variable '{var}': {what}")

    d = sio.loadmat(path)
    keys = ["w", "w0", "w_in", "w_in0", "w_out", "b_out", "m", "som_m", "N", "som_N", "exc", "inh",
            "taus", "taus_gaus", "taus_gaus0", "x0", "r0", "x", "r", "u", "o", "target", "losses",
            "tr", "eval_perf_mean", "eval_loss_mean", "eval_os", "eval_labels", "activation"]
    for k in keys:
        if k not in d:
            fail(k, "missing")
    n = int(d["N"].item())
    t = d["u"].shape[1]
    shapes = {"w": (n, n), "w0": (n, n), "m": (n, n), "som_m": (n, n), "w_out": (1, n),
              "exc": (n, 1), "inh": (n, 1), "taus_gaus": (n, 1), "taus_gaus0": (n, 1),
              "x0": (t, n, 1), "r0": (t, n, 1), "x": (t, n, 1), "r": (t, n, 1),
              "o": (t - 1, 1, 1), "target": (1, t), "b_out": (1, 1)}
    for k, s in shapes.items():
        if d[k].shape != s:
            fail(k, f"expected shape {s}, found {d[k].shape}")
    for k in ("w", "w0", "w_in", "w_out", "m", "som_m", "taus_gaus", "x", "r"):
        if d[k].dtype != np.float32:
            fail(k, f"expected single precision, found {d[k].dtype}")
    for k in ("exc", "inh"):
        if d[k].dtype != np.uint8 or not set(np.unique(d[k])) <= {0, 1}:
            fail(k, "expected a logical (uint8 0/1) column")
    inh = d["inh"].astype(bool).ravel()
    if np.any(d["exc"].astype(bool).ravel() == inh):
        fail("exc", "expected the complement of inh")
    if not (d["w"] >= 0).all() or not (d["w0"] >= 0).all():
        fail("w", "a Dale network is saved after relu: expected w >= 0")
    m = d["m"]
    if not np.array_equal(m, np.diag(np.diag(m))) or not np.array_equal(np.diag(m), np.where(inh, -1, 1)):
        fail("m", "expected a diagonal of -1 for inhibitory and +1 for excitatory units")
    w_eff = (d["w"] @ m) * d["som_m"]
    if not np.all((w_eff[:, inh] <= 0)) or not np.all(w_eff[:, ~inh] >= 0):
        fail("w", "effective weights break Dale's principle")
    if d["activation"][0] not in ("sigmoid", "softplus", "clipped_relu"):
        fail("activation", f"unexpected {d['activation']}")
    taus = d["taus"].ravel()
    if taus.size == 2:
        tau = 1 / (1 + np.exp(-d["taus_gaus"].ravel())) * (taus[1] - taus[0]) + taus[0]
        if not np.all((tau > taus[0]) & (tau < taus[1])):
            fail("taus_gaus", "time constants outside (tau_min, tau_max)")
    if d["losses"].shape[0] != 1 or d["losses"].shape[1] < int(d["tr"].item()) + 1:
        fail("losses", "expected one loss per trial up to tr")
    if d["eval_os"].shape[1] != t - 1:
        fail("eval_os", f"expected {t - 1} outputs per evaluation trial")
    # The original saves XOR's labels as a list of 'same'/'diff', which savemat stores as a char
    # matrix and loadmat returns as an array of str; other tasks' labels are numbers.
    labels, n_eval = d["eval_labels"], d["eval_os"].shape[0]
    task = str(d["task"][0]) if "task" in d else ""
    if task == "xor":
        if labels.dtype.kind != "U" or labels.shape != (n_eval,) or not set(labels) <= {"same", "diff"}:
            fail("eval_labels", f"expected {n_eval} strings 'same'/'diff', found {labels!r}")
    elif labels.dtype.kind not in "fiu" or labels.size != n_eval:
        fail("eval_labels", f"expected {n_eval} numbers, found {labels!r}")
    print(f"{path}: ok ({len(keys)} keys, N={n}, T={t}, task {task or 'unknown'})")


def check_with_xor(path):
    check(path)
    xor = os.path.join(os.path.dirname(path), "spikernn_xor_model.mat")
    if os.path.exists(xor):
        check(xor)
        if str(sio.loadmat(xor)["task"][0]) != "xor":
            sys.exit(f"{xor}: variable 'task': expected 'xor'")
    else:
        print(f"{xor}: not present, XOR labels not checked")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    (write if sys.argv[1] == "write" else check_with_xor)(sys.argv[2])
