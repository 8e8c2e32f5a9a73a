#!/usr/bin/python3
"""PyTorch reference timing for GLIFR-network training (pattern epoch, SMNIST step).

Part of spikernn's benchmark comparison (see benchmarks/README.md and
benchmarks/compare_glifr.sh).  Run with Debian's interpreter, which has
python3-torch (1.13) and numpy installed:

    OPENBLAS_NUM_THREADS=1 \
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 benchmarks/glifr_pytorch.py --repeats 7

An independent PyTorch implementation of the v2021 GLIFR code
(AllenInstitute/GLIFS_ASC, glifr_smnn_spec.md part A): the BNNFC network
(one GLIFR layer with J after-spike currents, sigmoid rate with sigma_v = 1,
learnable V_th, k_m, a_j, r_j, k_j through the A.2 transforms, a synaptic
delay on the lateral weights only, a linear readout with bias), the tanh RNN
baseline (delay 1, as v2021's RNNC), and an nn.LSTMCell baseline (no delay).  It is
written from the specification in the style of the original: a Python loop
over time steps, autograd, nn.Linear readout at every step.

Cases (float32, one thread, torch.set_num_threads(1)):

* pattern/<type>: one training epoch of the sine pattern task (A.7): the 6
  fixed sequences (T = 100 steps, 1 input, 1 output) in shuffled batches of
  2 (a DataLoader with shuffle=True, as the original), MSE over all steps,
  Adam lr 1e-4.  Types Hom (N=131, no ASCs, intrinsics frozen), LHetA (N=128,
  J=2, intrinsics learned), RNN (N=131), LSTM (N=64).
* mnist/<type>: one training step on a batch of 128 line-by-line MNIST
  sequences (T = 28 steps, 28 inputs, 10 outputs), cross entropy on the last
  step's outputs, Adam lr 1e-3.  Types Hom (N=259), LHetA (N=256), RNN
  (N=259), LSTM (N=123).  The pixels are random bytes normalised as MNIST
  ((x/255 - 0.1307)/0.3081) and the labels random: timing only.

The GLIFR delay is 20 steps (--delay): v2021's BNNFC default of 1 ms at
dt = 0.05 ms (spec A.5) and spikernn's glifr_network_params default.  The RNN
delay is 1 step (--rnn-delay): the v2021 RNNC baseline, which these sizes come
from (v2022 gives the RNN the GLIFR delay).

Two ways of writing the same computation are timed:

* "original": as the v2021 code writes it (models/networks.py BNNFC, RNNFC,
  LSTMFC and models/neurons.py GLIFR, RNNC, utils_train.py): per step the
  neuron's forward recomputes the parameter transforms, the firing rate goes
  through nn.Dropout(p=0) and a multiplication by the N x N silencing matrix
  (the identity unless neurons are ablated), the readout output and the
  rate are written into preallocated (B, T, .) tensors, the delayed rates
  are kept in a Python list; the Hom type keeps J = 2 (zero, frozen) ASC
  tensors as v2021 does with ascs=False.
* "lean": the same model and maths with the per-step work reduced to what
  changes within a sequence: transforms and the input drive x @ W_iv once per
  forward, no silencing matmul or dropout, no ASC tensors without ASCs, the
  readout applied once to the stacked rates.

Each case is timed as warm-up runs, then --repeats timed runs; the JSON
reports the median (and mean, min) in seconds.  The result is one JSON object
on stdout (diagnostics go to stderr).

--check instead prints, as JSON, the losses and gradient norms of every case
from a deterministic initialisation (every tensor a sin() pattern, see
det_values) and a fixed sample order, for comparison with
`bench_glifr --check` (compare_glifr.sh --check does both and compares).
"""

import argparse
import json
import math
import os
import platform
import sys
import time

CASES = ("pattern/Hom", "pattern/LHetA", "pattern/RNN", "pattern/LSTM",
         "mnist/Hom", "mnist/LHetA", "mnist/RNN", "mnist/LSTM")

# Hidden sizes: the v2021 parameter-matched sizes of spec A.6 (reference: a
# GLIFR with learned intrinsics and J = 2, N = 128 for the pattern task and
# N = 256 for SMNIST).
SIZES = {
    "pattern": {"Hom": 131, "LHetA": 128, "RNN": 131, "LSTM": 64},
    "mnist": {"Hom": 259, "LHetA": 256, "RNN": 259, "LSTM": 123},
}
TASKS = {
    # T, inputs, outputs, batch, learning rate
    "pattern": {"T": 100, "n_in": 1, "n_out": 1, "batch": 2, "lr": 1e-4},
    "mnist": {"T": 28, "n_in": 28, "n_out": 10, "batch": 128, "lr": 1e-3},
}
DT = 0.05  # ms


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=7,
                   help="timed runs per case and style (default 7)")
    p.add_argument("--warmup", type=int, default=2,
                   help="untimed warm-up runs per case and style (default 2)")
    p.add_argument("--cases", default=",".join(CASES),
                   help="comma-separated subset of " + ",".join(CASES))
    p.add_argument("--styles", default="original,lean",
                   help="comma-separated subset of original,lean")
    p.add_argument("--delay", type=int, default=20,
                   help="synaptic delay of the GLIFR recurrence in steps (20)")
    p.add_argument("--rnn-delay", type=int, default=1,
                   help="delay of the RNN recurrence in steps (1: the v2021 RNNC baseline)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads and OpenBLAS threads (1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", action="store_true",
                   help="print losses and gradient norms from a deterministic "
                        "initialisation instead of timing")
    p.add_argument("--check-lr", type=float, default=1e-3,
                   help="Adam learning rate of the --check epoch (1e-3)")
    a = p.parse_args()
    a.cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    a.styles = [s.strip() for s in a.styles.split(",") if s.strip()]
    for c in a.cases:
        if c not in CASES:
            p.error(f"unknown case {c!r} (choose from {', '.join(CASES)})")
    for s in a.styles:
        if s not in ("original", "lean"):
            p.error(f"unknown style {s!r} (original, lean)")
    if a.repeats <= 0 or a.warmup < 0 or a.delay < 1 or a.rnn_delay < 1 or a.threads < 1:
        p.error("--repeats and --threads must be positive, --warmup >= 0, --delay >= 1")
    return a


ARGS = parse_args()

# OpenBLAS/OpenMP read their thread counts when the library is loaded, so this
# has to happen before "import torch".  An explicit environment setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.utils.data as tud  # noqa: E402
from blas_info import blas_info  # noqa: E402  (shared by the PyTorch baselines)
from torch.nn.parameter import Parameter  # noqa: E402

torch.set_num_threads(ARGS.threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


# ---------------------------------------------------------------------------
# GLIFR layer (spec A.1-A.4, v2021 models/neurons.py GLIFR).  Trained values
# and their transforms: k = sigmoid(theta)/dt (k_m, k_j), r_j = 1 - 2
# sigmoid(theta), V_th and a_j as they are.  Weights are (pre, post): the
# synaptic current is x @ W_iv + f_delayed @ W_lat.
# ---------------------------------------------------------------------------
class GLIFRLayer(nn.Module):
    def __init__(self, input_size, hidden_size, num_ascs=2, dt=DT, hetinit=False,
                 ascs=True, learnparams=True):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_ascs, self.ascs, self.dt = num_ascs, ascs, dt
        self.tau = dt  # v2021: no tau, i.e. dt/tau = 1
        bound = math.sqrt(1.0 / hidden_size)
        self.weight_iv = Parameter(torch.empty(input_size, hidden_size).uniform_(-bound, bound))
        self.weight_lat = Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound, bound))
        n, J = hidden_size, num_ascs

        def logit_k(k):  # trained value of a rate constant k (1/ms)
            return torch.log(k * dt / (1 - k * dt))

        def inv_r(r):
            return torch.log((1 - r) / (1 + r))

        if hetinit:
            thresh = torch.empty(1, n).uniform_(-1, 1)
            k_m = torch.empty(1, n).uniform_(0.04, 0.06)
            k_j = torch.empty(J, 1, n).uniform_(1.5, 2.5)
            r_j = torch.empty(J, 1, n).uniform_(-0.1, 0.1)
            a_j = torch.empty(J, 1, n).uniform_(-0.1, 0.1)
        else:
            thresh = torch.ones(1, n)
            k_m = torch.full((1, n), 0.05)
            k_j = torch.full((J, 1, n), 2.0)
            r_j = torch.empty(J, 1, n).uniform_(-0.01, 0.01)
            a_j = torch.empty(J, 1, n).uniform_(-0.01, 0.01)
        self.thresh = Parameter(thresh)
        self.trans_k_m = Parameter(logit_k(k_m))
        self.trans_asc_k = Parameter(logit_k(k_j))
        self.trans_asc_r = Parameter(inv_r(r_j))
        self.asc_amp = Parameter(a_j)
        intrinsic = (self.thresh, self.trans_k_m, self.trans_asc_k, self.trans_asc_r, self.asc_amp)
        if not learnparams:
            for q in intrinsic:
                q.requires_grad_(False)
        if not ascs:
            for q in (self.trans_asc_k, self.trans_asc_r, self.asc_amp):
                q.requires_grad_(False)
        self.sigma_v, self.gamma = 1.0, 1.0
        self.R, self.I0, self.v_reset = 0.1, 0.0, 0.0

    def k_of(self, theta):
        return torch.sigmoid(theta) / self.dt

    def r_of(self, theta):
        return 1 - 2 * torch.sigmoid(theta)

    def rate(self, v):
        return torch.sigmoid(self.gamma * (v - self.thresh) / self.sigma_v)

    def forward(self, x, firing, voltage, ascurrent, syncurrent, firing_delayed):
        """One step of A.3, the original's way: every transform per step."""
        syncurrent = x @ self.weight_iv + firing_delayed @ self.weight_lat
        dtt = self.dt / self.tau
        if self.ascs:
            ascurrent = (ascurrent * self.r_of(self.trans_asc_r) + self.asc_amp) * firing * dtt \
                + (1 - self.dt * self.k_of(self.trans_asc_k)) * ascurrent
        k_m_dt = self.dt * self.k_of(self.trans_k_m)
        voltage = syncurrent + k_m_dt * self.R * (torch.sum(ascurrent, dim=0) + self.I0) \
            + (1 - k_m_dt) * voltage - dtt * firing * (voltage - self.v_reset)
        firing = self.rate(voltage)
        return firing, voltage, ascurrent, syncurrent


class DelayedNet(nn.Module):
    """Shared loop for the GLIFR network (BNNFC) and the RNN (RNNFC)."""

    def __init__(self, in_size, hid_size, out_size, delay):
        super().__init__()
        self.in_size, self.hid_size, self.out_size = in_size, hid_size, out_size
        self.delay = delay
        self.output_linear = nn.Linear(hid_size, out_size, bias=True)
        self.dropout_layer = nn.Dropout(p=0.0)
        self.silence_mult = torch.eye(hid_size)
        self.reset_state()


class GLIFRNet(DelayedNet):
    """BNNFC: GLIFR layer with delayed lateral input, readout at every step."""

    def __init__(self, in_size, hid_size, out_size, delay, num_ascs=2, ascs=True,
                 learnparams=True, hetinit=False):
        self.num_ascs = num_ascs
        super().__init__(in_size, hid_size, out_size, delay)
        self.neuron_layer = GLIFRLayer(in_size, hid_size, num_ascs=num_ascs, hetinit=hetinit,
                                       ascs=ascs, learnparams=learnparams)

    def reset_state(self, batch_size=1):
        self.batch_size = batch_size
        self.firing = torch.zeros(batch_size, self.hid_size)
        self.voltage = torch.zeros(batch_size, self.hid_size)
        self.syncurrent = torch.zeros(batch_size, self.hid_size)
        self.ascurrents = torch.zeros(self.num_ascs, batch_size, self.hid_size)

    def forward(self, inputs):
        """inputs (B, T, in) -> outputs (B, T, out); the v2021 loop."""
        _, nsteps, _ = inputs.shape
        delay = self.delay
        outputs = torch.empty(self.batch_size, nsteps, self.out_size)
        self.firing_over_time = torch.zeros(self.batch_size, nsteps, self.hid_size)
        delayed = [torch.zeros(self.batch_size, self.hid_size) for _ in range(delay)]
        for step in range(nsteps):
            x = inputs[:, step, :]
            self.firing, self.voltage, self.ascurrents, self.syncurrent = self.neuron_layer(
                x, self.firing, self.voltage, self.ascurrents, self.syncurrent, delayed[-delay])
            self.firing = self.dropout_layer(self.firing)
            self.firing = torch.matmul(self.firing, self.silence_mult)
            outputs[:, step, :] = self.output_linear(self.firing)
            self.firing_over_time[:, step, :] = self.firing.clone()
            delayed.append(self.firing.clone())
            if len(delayed) > delay:
                delayed = delayed[-delay:]
        return outputs

    def forward_lean(self, inputs):
        """The same maths, per-sequence work hoisted out of the loop."""
        L = self.neuron_layer
        B, nsteps, _ = inputs.shape
        d = self.delay
        drive = inputs @ L.weight_iv                       # (B, T, N)
        k_m_dt = torch.sigmoid(L.trans_k_m)                # (1, N)
        use_asc = L.ascs and L.num_ascs > 0
        if use_asc:
            k_j_dt = torch.sigmoid(L.trans_asc_k)          # (J, 1, N)
            r_j = 1 - 2 * torch.sigmoid(L.trans_asc_r)
            asc = torch.zeros(L.num_ascs, B, self.hid_size)
        f = torch.zeros(B, self.hid_size)
        v = torch.zeros(B, self.hid_size)
        rates = []
        for t in range(nsteps):
            syn = drive[:, t, :]
            if t >= d:
                syn = syn + rates[t - d] @ L.weight_lat
            if use_asc:
                asc = (asc * r_j + L.asc_amp) * f + (1 - k_j_dt) * asc
                syn = syn + k_m_dt * L.R * asc.sum(0)
            v = syn + (1 - k_m_dt) * v - f * v             # v_reset = 0, I0 = 0, dt/tau = 1
            f = L.rate(v)
            rates.append(f)
        return self.output_linear(torch.stack(rates, 1))


class RNNCell(nn.Module):
    """v2021 RNNC: h = tanh(x W_ih + h_delayed W_lat + b), all U(+-1/sqrt(N))."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        bound = math.sqrt(1.0 / hidden_size)
        self.weight_ih = Parameter(torch.empty(input_size, hidden_size).uniform_(-bound, bound))
        self.weight_lat = Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias = Parameter(torch.empty(1, hidden_size).uniform_(-bound, bound))

    def forward(self, x, hidden_delayed):
        return torch.tanh(torch.mm(x, self.weight_ih) + torch.mm(hidden_delayed, self.weight_lat) + self.bias)


class RNNNet(DelayedNet):
    def __init__(self, in_size, hid_size, out_size, delay):
        super().__init__(in_size, hid_size, out_size, delay)
        self.neuron_layer = RNNCell(in_size, hid_size)

    def reset_state(self, batch_size=1):
        self.batch_size = batch_size
        self.firing = torch.zeros(batch_size, self.hid_size)

    def forward(self, inputs):
        _, nsteps, _ = inputs.shape
        delay = self.delay
        outputs = torch.empty(self.batch_size, nsteps, self.out_size)
        self.firing_over_time = torch.zeros(self.batch_size, nsteps, self.hid_size)
        delayed = [torch.zeros(self.batch_size, self.hid_size) for _ in range(delay)]
        for step in range(nsteps):
            self.firing = self.neuron_layer(inputs[:, step, :], delayed[-delay])
            self.firing = self.dropout_layer(self.firing)
            self.firing = torch.matmul(self.firing, self.silence_mult)
            outputs[:, step, :] = self.output_linear(self.firing)
            self.firing_over_time[:, step, :] = self.firing.clone()
            delayed.append(self.firing.clone())
            if len(delayed) > delay:
                delayed = delayed[-delay:]
        return outputs

    def forward_lean(self, inputs):
        c = self.neuron_layer
        _, nsteps, _ = inputs.shape
        d = self.delay
        drive = inputs @ c.weight_ih + c.bias
        hs = []
        for t in range(nsteps):
            a = drive[:, t, :]
            if t >= d:
                a = a + hs[t - d] @ c.weight_lat
            hs.append(torch.tanh(a))
        return self.output_linear(torch.stack(hs, 1))


class LSTMNet(nn.Module):
    """v2021 LSTMFC: nn.LSTMCell stepped over the sequence, readout every step."""

    def __init__(self, in_size, hid_size, out_size):
        super().__init__()
        self.in_size, self.hid_size, self.out_size = in_size, hid_size, out_size
        self.output_linear = nn.Linear(hid_size, out_size, bias=True)
        self.neuron_layer = nn.LSTMCell(in_size, hid_size, bias=True)
        self.dropout_layer = nn.Dropout(p=0.0)
        self.silence_mult = torch.eye(hid_size)
        self.reset_state()

    def reset_state(self, batch_size=1):
        self.batch_size = batch_size
        self.h = torch.zeros(batch_size, self.hid_size)
        self.c = torch.zeros(batch_size, self.hid_size)

    def forward(self, inputs):
        _, nsteps, _ = inputs.shape
        outputs = torch.empty(self.batch_size, nsteps, self.out_size)
        self.firing_over_time = torch.zeros(self.batch_size, nsteps, self.hid_size)
        for step in range(nsteps):
            self.h, self.c = self.neuron_layer(inputs[:, step, :], (self.h, self.c))
            self.h = self.dropout_layer(self.h)
            self.h = torch.matmul(self.h, self.silence_mult)
            outputs[:, step, :] = self.output_linear(self.h)
            self.firing_over_time[:, step, :] = self.h.clone()
        return outputs

    def forward_lean(self, inputs):
        B, nsteps, _ = inputs.shape
        h = torch.zeros(B, self.hid_size)
        c = torch.zeros(B, self.hid_size)
        hs = []
        for t in range(nsteps):
            h, c = self.neuron_layer(inputs[:, t, :], (h, c))
            hs.append(h)
        return self.output_linear(torch.stack(hs, 1))


def make_model(task, kind):
    t = TASKS[task]
    n = SIZES[task][kind]
    if kind == "Hom":   # v2021 Hom: hom init, ascs=False (J = 2 zero tensors), frozen intrinsics
        return GLIFRNet(t["n_in"], n, t["n_out"], ARGS.delay, num_ascs=2, ascs=False, learnparams=False)
    if kind == "LHetA":
        return GLIFRNet(t["n_in"], n, t["n_out"], ARGS.delay, num_ascs=2, ascs=True, learnparams=True)
    if kind == "RNN":
        return RNNNet(t["n_in"], n, t["n_out"], ARGS.rnn_delay)
    return LSTMNet(t["n_in"], n, t["n_out"])


# ---------------------------------------------------------------------------
# Data (spec A.7)
# ---------------------------------------------------------------------------
def sine_dataset():
    """The 6 pattern sequences: inputs (6, T, 1) constant offset_i = i/6 + 0.25,
    targets sin(2 pi f_i t) + offset_i on t = 0, 0.05, ..., 4.95 ms."""
    T, n = TASKS["pattern"]["T"], 6
    freqs = 10 ** np.linspace(np.log10(0.08), np.log10(0.6), num=n)
    t = np.arange(T) * DT
    offsets = np.arange(n) / n + 0.25
    inputs = np.repeat(offsets[:, None, None], T, axis=1)
    targets = np.sin(2 * np.pi * freqs[:, None] * t[None, :])[:, :, None] + offsets[:, None, None]
    return (torch.tensor(inputs, dtype=torch.float32), torch.tensor(targets, dtype=torch.float32))


def random_mnist_batch(gen):
    """128 line-by-line sequences of random pixel bytes, normalised as MNIST."""
    B = TASKS["mnist"]["batch"]
    pixels = torch.randint(0, 256, (B, 28, 28), generator=gen).float()
    data = (pixels / 255.0 - 0.1307) / 0.3081
    target = torch.randint(0, 10, (B,), generator=gen)
    return data, target


def forward_of(model, style):
    return model.forward if style == "original" else model.forward_lean


def make_runner(task, kind, style, gen):
    """A closure running one timed unit (pattern: one epoch; mnist: one step)."""
    model = make_model(task, kind)
    lr = TASKS[task]["lr"]
    opt = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=lr)
    fwd = forward_of(model, style)
    set_to_none = style == "lean"
    if task == "pattern":
        inputs, targets = sine_dataset()
        loader = tud.DataLoader(tud.TensorDataset(inputs, targets),
                                batch_size=TASKS["pattern"]["batch"], shuffle=True, generator=gen)
        loss_fn = nn.MSELoss()

        def run():
            tot = 0.0
            for x, z in loader:
                nsteps = x.shape[1]
                model.reset_state(len(z))
                opt.zero_grad(set_to_none=set_to_none)
                out = fwd(x)[:, -nsteps:, :]
                loss = loss_fn(out, z)
                loss.backward()
                opt.step()
                tot += loss.item()
            return tot
    else:
        data, target = random_mnist_batch(gen)
        loss_fn = nn.CrossEntropyLoss()

        def run():
            model.reset_state(len(target))
            opt.zero_grad(set_to_none=set_to_none)
            out = torch.swapaxes(fwd(data), 1, 2)[:, :, -1]
            loss = loss_fn(out, target)
            loss.backward()
            opt.step()
            return loss.item()
    return run


def time_case(case, style):
    task, kind = case.split("/")
    torch.manual_seed(ARGS.seed)
    gen = torch.Generator().manual_seed(ARGS.seed)
    run = make_runner(task, kind, style, gen)
    for _ in range(ARGS.warmup):
        run()
    times, losses = [], []
    for _ in range(ARGS.repeats):
        t0 = time.perf_counter()
        losses.append(run())
        times.append(time.perf_counter() - t0)
    s = sorted(times)
    k = len(s)
    median = s[k // 2] if k % 2 else 0.5 * (s[k // 2 - 1] + s[k // 2])
    if not all(math.isfinite(v) for v in losses):
        print(f"warning: non-finite loss in {case} ({style})", file=sys.stderr)
    return {"median_s": median, "mean_s": sum(s) / k, "min_s": s[0], "repeats": k,
            "last_loss": losses[-1]}


# ---------------------------------------------------------------------------
# --check: deterministic initialisation shared with bench_glifr --check.
# Every tensor is given in spikernn's orientation (postsynaptic rows) as
# value(r, c) = scale * sin(0.37 r + 0.91 c + phase), computed in double and
# rounded to float32; the PyTorch tensors are its transposes where the
# original stores (pre, post).
# ---------------------------------------------------------------------------
def det_values(rows, cols, scale, phase, offset=0.0):
    r = np.arange(rows, dtype=np.float64)[:, None]
    c = np.arange(cols, dtype=np.float64)[None, :]
    return torch.tensor(offset + scale * np.sin(0.37 * r + 0.91 * c + phase), dtype=torch.float32)


def det_init(model, kind):
    """Sets every parameter; returns {spikernn block name: torch parameter}."""
    n = model.hid_size
    w = 1.0 / math.sqrt(n)
    with torch.no_grad():
        model.output_linear.weight.copy_(det_values(model.out_size, n, w, 0.3))
        model.output_linear.bias.copy_(det_values(model.out_size, 1, w, 0.4)[:, 0])
        names = {"w_out": model.output_linear.weight, "b_out": model.output_linear.bias}
        if kind in ("Hom", "LHetA"):
            L = model.neuron_layer
            J = L.num_ascs
            L.weight_iv.copy_(det_values(n, model.in_size, w, 0.1).T)
            L.weight_lat.copy_(det_values(n, n, w, 0.2).T)
            L.thresh.copy_(det_values(n, 1, 0.2, 0.5, 1.0).T)
            L.trans_k_m.copy_(det_values(n, 1, 0.3, 0.6, math.log(0.05 * DT / (1 - 0.05 * DT))).T)
            L.trans_asc_k.copy_(det_values(J, n, 0.3, 0.7, math.log(2 * DT / (1 - 2 * DT)))[:, None, :])
            L.trans_asc_r.copy_(det_values(J, n, 0.2, 0.8)[:, None, :])
            L.asc_amp.copy_(det_values(J, n, 0.5, 0.9)[:, None, :])
            names.update({"w_in": L.weight_iv, "w_rec": L.weight_lat, "thresh": L.thresh,
                          "trans_k_m": L.trans_k_m, "trans_k_j": L.trans_asc_k,
                          "trans_r_j": L.trans_asc_r, "a_j": L.asc_amp})
        elif kind == "RNN":
            c = model.neuron_layer
            c.weight_ih.copy_(det_values(n, model.in_size, w, 0.1).T)
            c.weight_lat.copy_(det_values(n, n, w, 0.2).T)
            c.bias.copy_(det_values(n, 1, w, 0.5).T)
            names.update({"w_in": c.weight_ih, "w_rec": c.weight_lat, "b_rec": c.bias})
        else:
            c = model.neuron_layer
            c.weight_ih.copy_(det_values(4 * n, model.in_size, w, 0.1))
            c.weight_hh.copy_(det_values(4 * n, n, w, 0.2))
            c.bias_ih.copy_(det_values(4 * n, 1, w, 0.5)[:, 0])
            c.bias_hh.copy_(det_values(4 * n, 1, w, 0.6)[:, 0])
            names.update({"w_in": c.weight_ih, "w_rec": c.weight_hh, "b_ih": c.bias_ih, "b_hh": c.bias_hh})
    return names


# A gradient block is also projected onto det_values(rows, cols, 1, PROJ_PHASE)
# (in spikernn's orientation), which checks its direction, not only its norm.
PROJ_PHASE = 1.234


def to_spikernn_orientation(name, kind, t):
    """A parameter-shaped tensor as the (rows, cols) matrix of spikernn's block."""
    if t.dim() == 3:                                   # (J, 1, N) ASC blocks -> J x N
        return t[:, 0, :]
    if t.dim() == 1:                                   # nn.Linear / LSTMCell biases
        return t[:, None]
    if name == "w_out" or kind == "LSTM":              # already (post, pre)
        return t
    return t.T                                         # (pre, post) weights, (1, N) rows


CHECK_MNIST_SAMPLES, CHECK_MNIST_BATCH = 8, 4


def check_data(task):
    """pattern: the 6 sequences.  mnist: 8 deterministic sequences,
    x[s, t, c] = sin(0.5 t + 0.9 c + 1.3 s), label s % 10."""
    if task == "pattern":
        return sine_dataset()
    s = np.arange(CHECK_MNIST_SAMPLES, dtype=np.float64)[:, None, None]
    t = np.arange(28, dtype=np.float64)[None, :, None]
    c = np.arange(28, dtype=np.float64)[None, None, :]
    x = torch.tensor(np.sin(0.5 * t + 0.9 * c + 1.3 * s), dtype=torch.float32)
    return x, torch.arange(CHECK_MNIST_SAMPLES) % 10


def check_case(case, style):
    task, kind = case.split("/")
    model = make_model(task, kind)
    blocks = det_init(model, kind)
    fwd = forward_of(model, style)
    x, z = check_data(task)

    def loss_of(xb, zb):
        model.reset_state(len(zb))
        out = fwd(xb)
        if task == "pattern":
            return F.mse_loss(out, zb)
        return F.cross_entropy(torch.swapaxes(out, 1, 2)[:, :, -1], zb)

    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_of(x, z)
    for p in params:
        p.grad = None
    loss.backward()
    grads, projs = {}, {}
    for name, p in blocks.items():
        if not p.requires_grad or p.grad is None:
            continue
        g = to_spikernn_orientation(name, kind, p.grad).double()
        grads[name] = float(g.norm())
        projs[name] = float((g * det_values(g.shape[0], g.shape[1], 1.0, PROJ_PHASE).double()).sum())
    opt = torch.optim.Adam(params, lr=ARGS.check_lr)
    batch = TASKS[task]["batch"] if task == "pattern" else CHECK_MNIST_BATCH
    batch_losses = []
    for first in range(0, len(z), batch):    # one epoch, samples in order
        opt.zero_grad()
        lb = loss_of(x[first:first + batch], z[first:first + batch])
        lb.backward()
        opt.step()
        batch_losses.append(float(lb))
    with torch.no_grad():
        final = float(loss_of(x, z))
    return {"initial_loss": float(loss), "grad_norms": grads, "grad_projections": projs,
            "batch_losses": batch_losses,
            "final_loss": final}


def meta():
    return {
        "torch_version": torch.__version__,
        "dtype": "float32",
        "threads": torch.get_num_threads(),
        "delay": ARGS.delay,
        "rnn_delay": ARGS.rnn_delay,
        "sizes": {c: SIZES[c.split("/")[0]][c.split("/")[1]] for c in ARGS.cases},
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }


def main():
    if ARGS.check:
        out = {"check": {}, "check_lr": ARGS.check_lr}
        for case in ARGS.cases:
            out["check"][case] = {s: check_case(case, s) for s in ARGS.styles}
            print(f"[glifr_pytorch] check {case}: "
                  + ", ".join(f"{s} final loss {out['check'][case][s]['final_loss']:.7g}"
                              for s in ARGS.styles), file=sys.stderr)
        out.update(meta())
        print(json.dumps(out))
        return

    blas, blas_detail = blas_info()
    print(f"[glifr_pytorch] torch {torch.__version__}, {blas}; delay {ARGS.delay}, "
          f"{ARGS.warmup} warm-up + {ARGS.repeats} timed runs per case", file=sys.stderr)
    out = {"cases": {}}
    for case in ARGS.cases:
        out["cases"][case] = {}
        for style in ARGS.styles:
            t0 = time.perf_counter()
            res = time_case(case, style)
            out["cases"][case][style] = res
            print(f"[glifr_pytorch] {case:14s} {style:8s}: median {res['median_s'] * 1e3:9.2f} ms, "
                  f"min {res['min_s'] * 1e3:9.2f} ms ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    out.update(meta())
    out.update({
        "blas": blas,
        "blas_detail": blas_detail,
        "warmup": ARGS.warmup,
        "repeats": ARGS.repeats,
        "env": {k: os.environ.get(k) for k in
                ("LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
