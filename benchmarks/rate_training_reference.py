#!/usr/bin/python3
"""Independent float32 PyTorch re-implementation of the original [TF] rate training loop.

Used to check whether a training or conversion behaviour seen in spikernn belongs to the method
or to our code (docs/tasks.md: "XOR needs a long tau_max"; docs/kim2019.md). Written from the published
description, not from the original code: the rate RNN (Dale, P_inh = P_rec = 0.2, gain 1.5, per-unit trained
tau, noise SD 0.1 outside the dt/tau factor), the Go-NoGo / XOR trials, training: one trial per
Adam step (lr 0.01), L2 = sqrt(sum of squares) with the one-step offset, 100 fresh evaluation
trials when (tr - 1) % 100 == 0, stop when the mean loss < 7 and accuracy > 0.95 (Go-NoGo: and
tr > 1500). With --out the trained network is written in the original .mat schema (the keys the
LIF conversion reads), so `spikernn-search` can convert a network trained outside spikernn.

    /usr/bin/python3 benchmarks/rate_training_reference.py --task go-nogo --seed 1 --N 250 \
        --taus 4 10 [--act sigmoid|softplus|clipped_relu] [--min_trials 0] [--out net.mat]

Prints one line per evaluation and a final "RESULT" line. About 1-2 minutes per 1500 Go-NoGo
trials and 6 minutes per 6000 XOR trials on one core (N = 200-250).
"""
import argparse
import math
import sys

import torch

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--task", choices=["go-nogo", "xor"], default="go-nogo")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--N", type=int, default=200)
parser.add_argument("--taus", type=float, nargs=2, default=[4.0, 20.0], metavar=("MIN", "MAX"))
parser.add_argument("--act", choices=["sigmoid", "softplus", "clipped_relu"], default="sigmoid")
parser.add_argument("--n_trials", type=int, default=6000)
parser.add_argument("--min_trials", type=int, default=0, help="train at least this many trials")
parser.add_argument("--out", help="write the trained network as a .mat file (original schema)")
args = parser.parse_args()

torch.set_num_threads(1)
torch.manual_seed(args.seed)
N, (tau_min, tau_max) = args.N, args.taus
P_INH, P_REC, GAIN = 0.2, 0.2, 1.5
T = 200 if args.task == "go-nogo" else 300
n_in = 1 if args.task == "go-nogo" else 2

inh = torch.rand(N) < P_INH
connected = torch.rand(N, N) < P_REC
w_init = (torch.randn(N, N) * connected * (GAIN / math.sqrt(N * P_REC))).abs()
sign = torch.ones(N)
sign[inh] = -1
w = w_init.clone().requires_grad_()
w_in = torch.randn(N, n_in)
w_out = (torch.randn(1, N) / 100).requires_grad_()
b_out = torch.zeros(1, requires_grad=True)
taus_gaus = torch.randn(N, 1)
taus_gaus_init = taus_gaus.clone()
taus_gaus.requires_grad_()
opt = torch.optim.Adam([w, w_out, b_out, taus_gaus], lr=0.01)


def phi(x):
    if args.act == "sigmoid":
        return torch.sigmoid(x)
    if args.act == "softplus":
        return torch.clamp(torch.nn.functional.softplus(x), max=20)
    return torch.clamp(x, 0, 20)


def trial():
    u, z = torch.zeros(n_in, T), torch.zeros(T)
    if args.task == "go-nogo":
        label = 1.0 if torch.rand(1).item() <= 0.5 else 0.0
        u[0, 50:75] = label
        z[75:] = label
    else:
        s1 = 1.0 if torch.rand(1).item() < 0.5 else -1.0
        s2 = 1.0 if torch.rand(1).item() < 0.5 else -1.0
        u[0, 50:100], u[1, 110:160] = s1, s2
        label = s1 * s2
        z[170:270] = label
    return u, z, label


def correct(o, label):
    if args.task == "go-nogo":
        return bool(o[75:].max() > 0.7) if label > 0 else bool(o[75:].abs().max() < 0.3)
    return bool(o[200:].max() > 0.7) if label > 0 else bool(o[200:].min() < -0.7)


def forward(u):
    w_eff = torch.relu(w) * sign  # column j times the sign of presynaptic unit j
    alpha = 1 / (torch.sigmoid(taus_gaus) * (tau_max - tau_min) + tau_min)
    drive = w_in @ u
    noise = torch.randn(N, T - 1) / 10
    x = torch.randn(N, 1) / 100
    r = phi(x)
    rs = []
    for t in range(1, T):
        x = (1 - alpha) * x + alpha * (w_eff @ r + drive[:, t - 1:t]) + noise[:, t - 1:t]
        r = phi(x)
        rs.append(r)
    return (w_out @ torch.cat(rs, 1)).squeeze(0) + b_out


perf = loss_mean = 0.0
met = False
for tr in range(args.n_trials):
    u, z, _ = trial()
    loss = torch.sqrt(((forward(u) - z[:T - 1]) ** 2).sum())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if (tr - 1) % 100 == 0:
        with torch.no_grad():
            hits, total = 0, 0.0
            for _ in range(100):
                u, z, label = trial()
                o = forward(u)
                total += float(torch.sqrt(((o - z[:T - 1]) ** 2).sum()))
                hits += correct(o, label)
            perf, loss_mean = hits / 100, total / 100
        print(f"tr {tr} perf {perf:.2f} loss {loss_mean:.2f}", flush=True)
        if loss_mean < 7 and perf > 0.95 and (args.task != "go-nogo" or tr > 1500) and tr + 1 >= args.min_trials:
            met = True
            break
if met:
    print(f"RESULT seed {args.seed}: criterion met after {tr + 1} trials")
else:
    print(f"RESULT seed {args.seed}: not met within {args.n_trials} trials, accuracy {perf:.2f}, loss {loss_mean:.2f}")

if args.out:
    import numpy as np
    import scipy.io

    def f64(t):
        return t.detach().double().numpy()

    scipy.io.savemat(args.out, {
        "w": np.maximum(f64(w), 0), "w0": f64(w_init), "w_in": f64(w_in), "w_out": f64(w_out),
        "b_out": f64(b_out).reshape(1, 1), "m": np.diag(f64(sign)), "som_m": np.ones((N, N)),
        "N": np.array([[N]]), "som_N": np.array([[0]]), "exc": ~inh.numpy().reshape(N, 1),
        "inh": inh.numpy().reshape(N, 1), "taus": np.array([[tau_min, tau_max]]),
        "taus_gaus": f64(taus_gaus), "taus_gaus0": f64(taus_gaus_init), "activation": args.act,
        "task": args.task, "tr": np.array([[tr]]), "eval_perf_mean": perf, "eval_loss_mean": loss_mean,
    })
sys.exit(0 if met else 1)
