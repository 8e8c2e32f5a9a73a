"""A spiking mode-based RNN (low-rank recurrence W_r = xi_in diag(lambda) xi_out^T, trained through a
surrogate gradient) on the context-dependent integration task, as spikernn-smnn --task context runs
it; with a folder of MNIST-format IDX files, also on Bernoulli-encoded MNIST (--task mnist).

    python3 smnn_context.py [rounds] [N] [P] [MNIST_DIR]      e.g. 400 100 3 data/mnist (the paper's)

The network is bit for bit the one `spikernn-smnn --task context --N .. --P .. --rounds ..` writes
for the same seed, and the progress lines are the program's.
"""
import os
import sys

import numpy as np

import spikernn as sk

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
p = int(sys.argv[3]) if len(sys.argv) > 3 else 3
mnist_dir = sys.argv[4] if len(sys.argv) > 4 else None
steps = 500 if rounds >= 100 else 200                          # the paper's T = 500 for a full run

net = sk.ModeSNN("context", n=n, p=p, seed=1)                  # 4 inputs, 1 output per step
print(net)
run = sk.train_smnn_context(net, steps=steps, rounds=rounds, progress=lambda r: print(r["line"]))
path = sk.save_mode_snn(os.path.join("smnn", f"N{n}_P{p}-1", "modes.mat"), net, run)
print(f"test accuracy {run.accuracy:.3f}, hidden rate {run.hidden_rate_hz:.1f} Hz ({run.seconds:.1f} s) -> {path}")
print("mode strengths lambda:", np.round(net.mode_strengths, 3))
W = net.recurrent_matrix                                         # N x N, rank P
print(f"W_r is {W.shape[0]} x {W.shape[1]} of rank {np.linalg.matrix_rank(W)}")  # float32 tolerance

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure(figsize=(7, 3.5))
    for k, (m, s) in enumerate(zip(run.mean_output_per_condition, run.sd_output_per_condition)):
        plt.plot(run.time_s, m, color=f"C{k}", lw=2, label=f"condition {k}")
        plt.fill_between(run.time_s, m - s, m + s, color=f"C{k}", alpha=0.2)
    plt.xlabel("time (s)"); plt.ylabel("output"); plt.legend(fontsize=8); plt.tight_layout()
    plt.savefig(os.path.join("smnn", f"N{n}_P{p}-1", "outputs.png"), dpi=120)
except ImportError:
    print("no matplotlib: plot skipped")

if mnist_dir:  # the paper's MNIST run: 784 Bernoulli-encoded pixels, max-over-time readout
    train, test = sk.mnist_digits(mnist_dir, "train"), sk.mnist_digits(mnist_dir, "test")
    mnet = sk.ModeSNN("mnist", n=n, p=p, seed=1)
    mrun = sk.train_smnn_mnist(mnet, train, test, progress=lambda r: print(r["line"]))
    sk.save_mode_snn(os.path.join("smnn_mnist", f"N{n}_P{p}-1", "modes.mat"), mnet, mrun)
    print(f"MNIST test accuracy {mrun.accuracy:.4f}")
