"""The GLIFR paper's pattern task from Python, as spikernn-glifr --task sine runs it: train GLIFR
networks (here Hom, with fixed homogeneous neurons, and LHetA, whose thresholds, membrane and
after-spike-current constants learn) and the RNN and LSTM baselines on 6 sinusoids, save each
network as the program does, and plot the outputs against the targets.

    python3 glifr_sine.py [epochs] [types] [hidden]     e.g. 5000 Hom,LHetA,RNN,LSTM (the paper's run)

A network trained here is bit for bit the one `spikernn-glifr --task sine --types ... --epochs ...`
writes for the same seed (run r has seed --seed + r - 1).
"""
import os
import sys

import numpy as np

import spikernn as sk

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
types = sys.argv[2].split(",") if len(sys.argv) > 2 else ["Hom", "LHetA", "RNN", "LSTM"]
hidden = int(sys.argv[3]) if len(sys.argv) > 3 else 0          # 0: the paper's parameter-matched sizes

settings = sk.GlifrSettings("sine", version=2021, epochs=epochs, hidden=hidden)  # batch 2, Adam lr 1e-4
data = sk.glifr_sine_dataset()                                 # 6 patterns, T = 100 steps of 0.05 ms
print(settings, data.description, "frequencies (kHz):", np.round(data.sine_frequencies, 3))

runs = {}
for t in types:
    model = sk.GlifrModel(t, settings, data, seed=1)           # sized and built as the program does
    run = sk.train_glifr(model, data, settings,
                         progress=lambda p: print(f"{t:6} epoch {p['epoch']:5}/{p['epochs']}  "
                                                  f"train loss {p['train_loss']:.5f}  test loss {p['test_loss']:.5f}"))
    path = sk.save_glifr(os.path.join("glifr_sine", f"{t}-1", "params.mat"), model, run)
    runs[t] = run
    print(f"{t:6} N = {run.hidden_size:3}, {run.trainable_parameters} trainable parameters: "
          f"sum of the 6 MSEs {run.sine_sum:.4f} ({run.seconds:.1f} s) -> {path}")

if "LHetA" in runs:  # heterogeneity is learned: the thresholds spread out during training
    before, after = runs["LHetA"].initial.arrays()["thresh"], sk.load_glifr(
        os.path.join("glifr_sine", "LHetA-1", "params.mat")).arrays()["thresh"]
    print(f"LHetA thresholds: std {before.std():.4f} before, {after.std():.4f} after training")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(runs), 1, figsize=(8, 2.2 * len(runs)), sharex=True, squeeze=False)
    for ax, (t, run) in zip(axes[:, 0], runs.items()):
        for i, out in enumerate(run.outputs):
            u, z, _ = data.test_sample(i)
            time_ms = np.arange(z.shape[1]) * 0.05
            ax.plot(time_ms, out[0], color=f"C{i}", lw=1.5)
            ax.plot(time_ms, z[0], color=f"C{i}", ls="--", lw=1)
        ax.set_title(f"{t}: outputs (solid) and targets (dashed)", fontsize=9)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(os.path.join("glifr_sine", "outputs.png"), dpi=120)
except ImportError:
    print("no matplotlib: plot skipped")
