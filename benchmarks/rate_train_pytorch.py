#!/usr/bin/python3
"""PyTorch reference timing for one rate-RNN training trial (Go-NoGo or Mante).

Part of spikernn's benchmark comparison (see benchmarks/README.md and
benchmarks/compare_rate_train.sh).  Run with Debian's interpreter, which has
python3-torch (1.13) installed:

    OPENBLAS_NUM_THREADS=1 \
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 benchmarks/rate_train_pytorch.py --trials 30
    ... rate_train_pytorch.py --task mante --trials 10     # N=250, T=500

Two variants of the same computation (spec §1 rate RNN, §2.1 Go-NoGo or
§2.3 Mante in the original's noisy format, §3.1 training: BPTT over T-1 Euler
steps, L2 loss = sqrt(sum of squares), Adam lr 0.01) are timed per trial
(task generation + forward + loss + backward + Adam step):

* "port"  -- the loop written the way the PyTorch port (NuttidaLab/spikeRNN,
             rate/model.py + rate/main.py) writes it: an nn.Module whose
             forward() runs a Python loop over time and, at *every* step,
             recomputes W_eff = (relu(w) @ m) * som_m (a dense N x N x N
             matmul), the per-unit tau from taus_gaus and w_in @ u_{t-1};
             x, r and o are appended to Python lists and the loss is
             accumulated step by step.  Unlike the port (spec §7 bug 1),
             taus_gaus is a real parameter created once and trained.
* "lean"  -- same model and maths, but everything that does not change within
             a trial (W_eff, tau, w_in @ u, the noise) is computed once per
             trial; the Python time loop only does the W_eff @ r matmul and
             the element-wise update; readout and loss are vectorised.

The result is one JSON object on stdout (diagnostics go to stderr).
The code is written from the specification, not copied from the port.
"""

import argparse
import json
import math
import os
import platform
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trials", type=int, default=30,
                   help="timed trials for the port-style loop (default 30)")
    p.add_argument("--lean-trials", type=int, default=None,
                   help="timed trials for the lean loop (default 3 x --trials)")
    p.add_argument("--warmup", type=int, default=3,
                   help="untimed warm-up trials per variant (default 3)")
    p.add_argument("--task", choices=("go-nogo", "mante"), default="go-nogo",
                   help="task (default go-nogo: N=200, T=200, 1 input; "
                        "mante: N=250, T=500, 4 inputs)")
    p.add_argument("--N", type=int, default=None,
                   help="number of units (default 200 go-nogo, 250 mante)")
    p.add_argument("--T", type=int, default=None,
                   help="trial length in steps (default 200 go-nogo, 500 mante)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads and OpenBLAS threads (1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--variants", default="port,lean",
                   help="comma-separated subset of port,lean")
    a = p.parse_args()
    if a.N is None:
        a.N = TASK_DEFAULTS[a.task]["N"]
    if a.T is None:
        a.T = TASK_DEFAULTS[a.task]["T"]
    if a.N <= 0:
        p.error("--N must be positive")
    if a.T <= TASK_DEFAULTS[a.task]["min_T"]:
        p.error(f"--T must exceed {TASK_DEFAULTS[a.task]['min_T']} for {a.task} "
                "(the stimulus window must end before the trial does)")
    return a


# Per task: default N and T, number of input channels, and the largest T that
# is too short for the fixed stimulus window (stim_on + stim_dur).
TASK_DEFAULTS = {
    "go-nogo": {"N": 200, "T": 200, "n_in": 1, "min_T": 1},
    "mante": {"N": 250, "T": 500, "n_in": 4, "min_T": 250},
}


ARGS = parse_args()

# OpenBLAS/OpenMP read their thread counts when the library is loaded, so this
# has to happen before "import torch".  An explicit environment setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from blas_info import blas_info  # noqa: E402  (shared by the PyTorch baselines)

torch.set_num_threads(ARGS.threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

# ---------------------------------------------------------------------------
# Go-NoGo task (spec §2.1): T steps, stimulus 1 on [stim_on, stim_on+stim_dur)
# for Go trials, target 1 from stimulus offset to the end.  The loss pairs
# o-list entry k (time k+1) with z[k], k = 0..T-2.
# ---------------------------------------------------------------------------
STIM_ON, STIM_DUR = 50, 25


def go_nogo_trial(T, gen):
    u = torch.zeros(1, T)
    z = torch.zeros(T)
    go = bool(torch.rand(1, generator=gen).item() <= 0.5)
    if go:
        u[0, STIM_ON:STIM_ON + STIM_DUR] = 1.0
        z[STIM_ON + STIM_DUR:] = 1.0
    return u, z[:T - 1], go


# ---------------------------------------------------------------------------
# Mante / context-dependent integration in the original's noisy format
# (spec §2.3): 4 x T input.  Channels 0 and 1 (the two sensory modalities)
# are N(0, 1) white noise plus an offset of +0.5 or -0.5 (independently; draw
# <= 0.5 => +0.5) on columns [50, 250) and zero elsewhere; the context is
# one-hot for the whole trial: channel 2 = 1 (attend modality 1) with p 0.5,
# else channel 3 = 1 (attend modality 2).  Label = sign of the cued offset;
# target = label from column 250 (stimulus offset) to the end, 0 before.
# ---------------------------------------------------------------------------
MANTE_STIM_ON, MANTE_STIM_DUR, MANTE_OFFSET = 50, 200, 0.5


def mante_trial(T, gen):
    draws = torch.rand(3, generator=gen).tolist()  # offset 1, offset 2, context
    offsets = [MANTE_OFFSET if d <= 0.5 else -MANTE_OFFSET for d in draws[:2]]
    first_context = draws[2] <= 0.5
    on, off = MANTE_STIM_ON, MANTE_STIM_ON + MANTE_STIM_DUR
    u = torch.zeros(4, T)
    u[0:2, on:off] = torch.randn(2, MANTE_STIM_DUR, generator=gen) \
        + torch.tensor(offsets).unsqueeze(1)
    u[2 if first_context else 3, :] = 1.0
    label = 1.0 if (offsets[0] if first_context else offsets[1]) > 0 else -1.0
    z = torch.zeros(T)
    z[off:] = label
    return u, z[:T - 1], label


TASKS = {"go-nogo": go_nogo_trial, "mante": mante_trial}


# ---------------------------------------------------------------------------
# Model (spec §1): Dale's principle, P_inh = P_rec = 0.2, gain 1.5, 'gaus'
# initialisation, no SOM units (som_m all ones), sigmoid, taus [4, 20];
# w_in is N x n_in (1 for Go-NoGo, 4 for Mante), fixed.
# ---------------------------------------------------------------------------
class RateRNN(nn.Module):
    def __init__(self, N, n_in=1, taus=(4.0, 20.0), P_inh=0.2, P_rec=0.2,
                 gain=1.5, dt=1.0, gen=None):
        super().__init__()
        self.N, self.dt = N, dt
        self.tau_min, self.tau_max = float(taus[0]), float(taus[1])
        inh = torch.rand(N, generator=gen) < P_inh
        connected = torch.rand(N, N, generator=gen) < P_rec
        w0 = torch.randn(N, N, generator=gen) * connected
        w0 = (w0 * (gain / math.sqrt(N * P_rec))).abs()
        signs = torch.ones(N)
        signs[inh] = -1.0
        self.w = nn.Parameter(w0)
        self.w_out = nn.Parameter(torch.randn(1, N, generator=gen) / 100)
        self.b_out = nn.Parameter(torch.zeros(()))
        # Two taus => taus_gaus is trained (the TF original; the port re-draws
        # it every forward call, spec §7 bug 1).
        self.taus_gaus = nn.Parameter(torch.randn(N, 1, generator=gen))
        self.register_buffer("w_in", torch.randn(N, n_in, generator=gen))
        self.register_buffer("m", torch.diag(signs))          # N x N sign matrix
        self.register_buffer("som_m", torch.ones(N, N))       # N x N mask

    def tau(self):
        return torch.sigmoid(self.taus_gaus) * (self.tau_max - self.tau_min) + self.tau_min

    # -- port-style forward: everything recomputed inside the time loop ------
    def forward_port(self, u):
        T = u.shape[1]
        xs = [torch.randn(self.N, 1) / 100]
        rs = [torch.sigmoid(xs[0])]
        os_ = []
        for t in range(1, T):
            w_eff = torch.matmul(torch.relu(self.w), self.m) * self.som_m
            tau = self.tau()
            x_new = (1 - self.dt / tau) * xs[t - 1] \
                + (self.dt / tau) * (torch.matmul(w_eff, rs[t - 1])
                                     + torch.matmul(self.w_in, u[:, t - 1:t])) \
                + torch.randn(self.N, 1) / 10
            xs.append(x_new)
            rs.append(torch.sigmoid(x_new))
            os_.append(torch.matmul(self.w_out, rs[t]) + self.b_out)
        return os_

    # -- lean forward: trial-constant work hoisted out of the loop -----------
    def forward_lean(self, u):
        T = u.shape[1]
        w_eff = torch.matmul(torch.relu(self.w), self.m) * self.som_m
        alpha = self.dt / self.tau()                    # N x 1
        decay = 1 - alpha
        drive = torch.matmul(self.w_in, u[:, :T - 1])  # N x (T-1), fixed input
        noise = torch.randn(self.N, T - 1) / 10
        x = torch.randn(self.N, 1) / 100
        r = torch.sigmoid(x)
        rs = []
        for t in range(T - 1):
            x = decay * x + alpha * (torch.matmul(w_eff, r) + drive[:, t:t + 1]) \
                + noise[:, t:t + 1]
            r = torch.sigmoid(x)
            rs.append(r)
        R = torch.cat(rs, dim=1)                        # N x (T-1)
        return torch.matmul(self.w_out, R).squeeze(0) + self.b_out


def l2_loss_port(os_, z):
    # accumulated term by term, as the port's loss_op does
    loss = torch.zeros(())
    for k in range(len(os_)):
        loss = loss + (os_[k].squeeze() - z[k]) ** 2
    return torch.sqrt(loss)


def l2_loss_lean(o, z):
    return torch.sqrt(torch.sum((o - z) ** 2))


def make_trial_fn(variant, net, opt, task_trial, T, gen):
    if variant == "port":
        def step():
            opt.zero_grad()
            u, z, _ = task_trial(T, gen)
            loss = l2_loss_port(net.forward_port(u), z)
            loss.backward()
            opt.step()
            return loss.item()
    else:
        def step():
            opt.zero_grad(set_to_none=True)
            u, z, _ = task_trial(T, gen)
            loss = l2_loss_lean(net.forward_lean(u), z)
            loss.backward()
            opt.step()
            return loss.item()
    return step


def time_variant(variant, trials):
    torch.manual_seed(ARGS.seed)
    gen = torch.Generator().manual_seed(ARGS.seed)
    net = RateRNN(ARGS.N, n_in=TASK_DEFAULTS[ARGS.task]["n_in"], gen=gen)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    step = make_trial_fn(variant, net, opt, TASKS[ARGS.task], ARGS.T, gen)
    for _ in range(ARGS.warmup):
        step()
    times, losses = [], []
    for _ in range(trials):
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
    times_ms = sorted(1e3 * t for t in times)
    mean = sum(times_ms) / len(times_ms)
    median = times_ms[len(times_ms) // 2] if len(times_ms) % 2 else \
        0.5 * (times_ms[len(times_ms) // 2 - 1] + times_ms[len(times_ms) // 2])
    if not all(math.isfinite(v) for v in losses):
        print(f"warning: non-finite loss in {variant} variant", file=sys.stderr)
    return {"mean": mean, "median": median, "min": times_ms[0],
            "trials": trials, "last_loss": losses[-1]}


def main():
    variants = [v.strip() for v in ARGS.variants.split(",") if v.strip()]
    for v in variants:
        if v not in ("port", "lean"):
            sys.exit(f"unknown variant {v!r}")
    lean_trials = ARGS.lean_trials if ARGS.lean_trials else 3 * ARGS.trials
    blas, blas_detail = blas_info()
    print(f"[rate_train_pytorch] torch {torch.__version__}, {blas}; task {ARGS.task}, "
          f"N={ARGS.N}, T={ARGS.T}", file=sys.stderr)

    out = {}
    for v in variants:
        n = ARGS.trials if v == "port" else lean_trials
        t0 = time.perf_counter()
        res = time_variant(v, n)
        print(f"[rate_train_pytorch] {v}: {res['mean']:.2f} ms/trial mean, "
              f"{res['median']:.2f} median, {res['min']:.2f} min over {n} trials "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        out[f"{v}_ms_per_trial"] = res["mean"]
        out[f"{v}_ms_per_trial_median"] = res["median"]
        out[f"{v}_ms_per_trial_min"] = res["min"]
        out[f"{v}_trials"] = n
        out[f"{v}_last_loss"] = res["last_loss"]

    out.update({
        "torch_version": torch.__version__,
        "blas": blas,
        "blas_detail": blas_detail,
        "task": ARGS.task,
        "N": ARGS.N, "T": ARGS.T, "batch": 1, "dtype": "float32",
        "threads": torch.get_num_threads(),
        "warmup": ARGS.warmup,
        "env": {k: os.environ.get(k) for k in
                ("LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
