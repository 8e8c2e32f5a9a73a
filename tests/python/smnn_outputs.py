"""What spikernn-smnn writes, read the way a Python user reads it.

  smnn_outputs.py check OUT TASK N P   checks the network folder OUT/N<N>_P<P>-1 and OUT's tables
"""
import csv
import json
import os
import sys

import numpy as np
import scipy.io


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(out, task, n, p):
    rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
    if len(rows) != 1 or rows[0]["N"] != str(n) or rows[0]["P"] != p:
        fail(f"results.csv rows {rows}")
    acc = float(rows[0]["test_accuracy"])
    if not 0 <= acc <= 1:
        fail(f"accuracy {acc}")
    d = os.path.join(out, f"N{n}_P{p}-1")
    info = json.load(open(os.path.join(d, "run.json")))
    if info["task"] != task or info["N"] != n:
        fail(f"run.json {info}")
    mat = scipy.io.loadmat(os.path.join(d, "modes.mat"))
    npy = lambda name: np.load(os.path.join(d, "npy", name + ".npy"))
    for name in os.listdir(os.path.join(d, "npy")):
        key = name[:-4]
        if key in mat and not np.array_equal(np.atleast_2d(npy(key)), mat[key]):
            fail(f"npy/{name} differs from modes.mat")
    n_in, n_out = (784, 10) if task == "mnist" else (4, 1)
    if npy("w_in").shape != (n, n_in) or npy("w_out").shape != (n_out, n):
        fail(f"w_in {npy('w_in').shape}, w_out {npy('w_out').shape}")
    if p == "full":
        if npy("w_rec").shape != (n, n):
            fail(f"w_rec {npy('w_rec').shape}")
    else:
        k = int(p)
        xi_in, lam, xi_out = npy("xi_in"), npy("lambda"), npy("xi_out")
        if xi_in.shape != (n, k) or xi_out.shape != (n, k) or lam.size != k:
            fail(f"modes {xi_in.shape} {lam.shape} {xi_out.shape}")
        # the importance of B.1, recomputed here: tau = g|xi_in| + g|xi_out| + |lambda|
        ni, no = np.linalg.norm(xi_in, axis=0), np.linalg.norm(xi_out, axis=0)
        g = np.abs(lam).sum() / (ni + no).sum()
        tau = g * ni + g * no + np.abs(lam.ravel())
        if not np.allclose(tau, npy("mode_importance").ravel(), rtol=1e-4):
            fail(f"mode importance {npy('mode_importance')} vs {tau}")
        if list(npy("mode_order").ravel().astype(int)) != list(np.argsort(-tau, kind="stable") + 1):
            fail(f"mode order {npy('mode_order')} vs importance {tau}")
    if task == "context" and npy("mean_output_per_condition").shape[0] != 4:
        fail("mean_output_per_condition")
    print("ok")


if __name__ == "__main__":
    check(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
