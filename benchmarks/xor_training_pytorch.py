#!/usr/bin/python3
"""Independent float32 PyTorch re-implementation of the original [TF] XOR training loop.

Used to check whether a training behaviour seen in spikernn belongs to the method or to our
code (see README, "XOR needs a long tau_max"): spec §1 rate RNN (Dale, P_inh = P_rec = 0.2,
gain 1.5, sigmoid, trained per-unit tau), §2.2 XOR trials, §3 training: one trial per Adam step
(lr 0.01), L2 = sqrt(sum of squares) with the one-step offset, 100 fresh evaluation trials when
(tr - 1) % 100 == 0, stop when the mean loss < 7 and accuracy > 0.95. Written from the spec.

    /usr/bin/python3 benchmarks/xor_training_pytorch.py SEED [N] [TAU_MIN TAU_MAX]

Prints one line per evaluation and a final "RESULT" line. About 6 minutes per 6000 trials on
one core (N = 200).
"""
import math
import sys

import torch

torch.set_num_threads(1)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
tau_min, tau_max = (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 4 else (4.0, 20.0)
torch.manual_seed(seed)
T, P_INH, P_REC, GAIN, MAX_TRIALS = 300, 0.2, 0.2, 1.5, 6000

inh = torch.rand(N) < P_INH
w0 = torch.randn(N, N) * (torch.rand(N, N) < P_REC)
w0 = (w0 / math.sqrt(N * P_REC) * GAIN).abs()
sign = torch.ones(N)
sign[inh] = -1
w = w0.clone().requires_grad_()
w_in = torch.randn(N, 2)
w_out = (torch.randn(1, N) / 100).requires_grad_()
b_out = torch.zeros(1, requires_grad=True)
taus_gaus = torch.randn(N, 1).requires_grad_()
opt = torch.optim.Adam([w, w_out, b_out, taus_gaus], lr=0.01)


def trial():
    u = torch.zeros(2, T)
    s1 = 1.0 if torch.rand(1).item() < 0.5 else -1.0
    s2 = 1.0 if torch.rand(1).item() < 0.5 else -1.0
    u[0, 50:100] = s1
    u[1, 110:160] = s2
    z = torch.zeros(T)
    z[170:270] = s1 * s2
    return u, z, s1 * s2


def forward(u):
    w_eff = torch.relu(w) * sign  # column j times the sign of presynaptic unit j
    alpha = 1 / (torch.sigmoid(taus_gaus) * (tau_max - tau_min) + tau_min)
    drive = w_in @ u
    noise = torch.randn(N, T - 1) / 10
    x = torch.randn(N, 1) / 100
    r = torch.sigmoid(x)
    rs = []
    for t in range(1, T):
        x = (1 - alpha) * x + alpha * (w_eff @ r + drive[:, t - 1:t]) + noise[:, t - 1:t]
        r = torch.sigmoid(x)
        rs.append(r)
    return (w_out @ torch.cat(rs, 1)).squeeze(0) + b_out


perf = loss_mean = 0.0
for tr in range(MAX_TRIALS):
    u, z, _ = trial()
    loss = torch.sqrt(((forward(u) - z[:T - 1]) ** 2).sum())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if (tr - 1) % 100 == 0:
        with torch.no_grad():
            correct, total = 0, 0.0
            for _ in range(100):
                u, z, label = trial()
                o = forward(u)
                total += float(torch.sqrt(((o - z[:T - 1]) ** 2).sum()))
                correct += int(bool(o[200:].max() > 0.7)) if label > 0 else int(bool(o[200:].min() < -0.7))
            perf, loss_mean = correct / 100, total / 100
        print(f"tr {tr} perf {perf:.2f} loss {loss_mean:.2f}", flush=True)
        if loss_mean < 7 and perf > 0.95:
            print(f"RESULT seed {seed}: criterion met after {tr + 1} trials")
            sys.exit(0)
print(f"RESULT seed {seed}: not met within {MAX_TRIALS} trials, accuracy {perf:.2f}, loss {loss_mean:.2f}")
