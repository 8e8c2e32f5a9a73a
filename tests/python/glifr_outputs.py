"""What spikernn-glifr writes, read the way a Python user reads it.

  glifr_outputs.py make_data DIR   writes a small MNIST-format data set (IDX files) to DIR:
                                   digit k is a vertical bar in columns 2k+4..2k+6 with noise
  glifr_outputs.py check OUT TASK  checks the folder spikernn-glifr wrote for TASK (sine|lmnist)
"""
import csv
import json
import os
import struct
import sys

import numpy as np
import scipy.io


def write_idx(path, array):
    codes = {np.dtype(np.uint8): 0x08}
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, codes[array.dtype], array.ndim))
        for n in array.shape:
            f.write(struct.pack(">I", n))
        f.write(array.tobytes())


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    for part, count in (("train", 300), ("t10k", 100)):
        labels = (np.arange(count) % 10).astype(np.uint8)
        rng.shuffle(labels)
        images = rng.integers(0, 60, size=(count, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, :, 2 * k + 4: 2 * k + 7] = 255
        write_idx(os.path.join(folder, f"{part}-images-idx3-ubyte"), images)
        write_idx(os.path.join(folder, f"{part}-labels-idx1-ubyte"), labels)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(out, task):
    with open(os.path.join(out, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    types = [r["type"] for r in rows]
    if not rows:
        fail("results.csv has no rows")
    with open(os.path.join(out, "results.md")) as f:
        table = f.read()
    for t in types:
        if f"| {t} |" not in table:
            fail(f"results.md has no row for {t}")
    for r in rows:
        d = os.path.join(out, f"{r['type']}-{r['run']}")
        info = json.load(open(os.path.join(d, "run.json")))
        if info["type"] != r["type"] or info["task"] != task:
            fail(f"{d}/run.json describes {info['type']} on {info['task']}")
        mat = scipy.io.loadmat(os.path.join(d, "params.mat"))
        n = int(r["hidden_size"])
        n_in, n_out = (1, 1) if task == "sine" else (28, 10)
        npy = lambda name: np.load(os.path.join(d, "npy", name + ".npy"))
        # every npy array is the MAT variable of the same name
        for name in os.listdir(os.path.join(d, "npy")):
            key = name[:-4]
            a = np.load(os.path.join(d, "npy", name))
            if not np.array_equal(np.atleast_2d(a), mat[key]):
                fail(f"{d}: npy/{name} differs from params.mat's {key}")
        if npy("output_weight").shape != (n_out, n):
            fail(f"{d}: output_weight is {npy('output_weight').shape}, expected {(n_out, n)}")
        losses = npy("train_loss").ravel()
        if len(losses) != int(info["epochs"]) or not np.all(np.isfinite(losses)):
            fail(f"{d}: train_loss has {len(losses)} finite values for {info['epochs']} epochs")
        if r["type"] in ("RNN", "LSTM"):
            w = npy("weight_ih")
            if w.shape != ((n_in, n) if r["type"] == "RNN" else (4 * n, n_in)):
                fail(f"{d}: weight_ih is {w.shape}")
            continue
        # GLIFR: the original's orientations, the model values, and what training changed
        if npy("weight_iv").shape != (n_in, n) or npy("weight_lat").shape != (n, n):
            fail(f"{d}: weight_iv {npy('weight_iv').shape}, weight_lat {npy('weight_lat').shape}")
        if npy("thresh").shape != (1, n):
            fail(f"{d}: thresh is {npy('thresh').shape}")
        k_m = 1.0 / (1.0 + np.exp(-npy("trans_k_m").astype(np.float64))) / 0.05
        if not np.allclose(k_m, npy("k_m"), rtol=1e-5):
            fail(f"{d}: k_m is not sigmoid(trans_k_m)/dt")
        learned = r["type"] in ("LHet", "LHetA", "RHet", "RHetA")
        moved = not np.array_equal(npy("thresh"), npy("thresh_init"))
        if moved != learned:
            fail(f"{d}: thresholds {'moved' if moved else 'stayed'} for {r['type']}")
        if np.array_equal(npy("weight_lat"), npy("weight_lat_init")):
            fail(f"{d}: the recurrent weights did not train")
        has_asc = r["type"].endswith("A")
        if os.path.exists(os.path.join(d, "npy", "a_j.npy")) != has_asc:
            fail(f"{d}: after-spike currents {'missing' if has_asc else 'present'} for {r['type']}")
        if has_asc and npy("trans_k_j").shape != (2, n):
            fail(f"{d}: trans_k_j is {npy('trans_k_j').shape}")
        if task == "sine":
            o = npy("output_1")
            if o.shape != (1, 100):
                fail(f"{d}: output_1 is {o.shape}")
    if task == "lmnist":
        accuracies = [float(r["test_accuracy"]) for r in rows]
        # the bars are visible at every step: each type learns them well above chance (0.1)
        if min(accuracies) < 0.5:
            fail(f"test accuracies {accuracies}")
    print(f"ok: {len(rows)} networks")


if __name__ == "__main__":
    if sys.argv[1] == "make_data":
        make_data(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
