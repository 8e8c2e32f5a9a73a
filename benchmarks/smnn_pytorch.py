#!/usr/bin/python3
"""PyTorch reference timing for one training step of the spiking mode-based RNN on MNIST.

Part of spikernn's benchmark comparison (see benchmarks/README.md and
benchmarks/compare_smnn.sh).  Run with Debian's interpreter, which has
python3-torch (1.13) and numpy installed:

    OPENBLAS_NUM_THREADS=1 \
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 benchmarks/smnn_pytorch.py --repeats 7

An independent PyTorch implementation of the SMNN-Oct23 MNIST model
(LinZhanghan/SMNN Figure/mnist_model.py MDL_RNN_mnist with filter='double',
trained as Figure/mnist_utils.py train(); glifr_smnn_spec.md B.1-B.4),
written from the specification in the style of the original: the image
batch is rate-encoded inside forward() as snntorch.spikegen.rate does
(torch.bernoulli of the image repeated over T = 50 steps; snntorch is not
needed), then a Python loop over the steps with (B, N, 1) column states:

    I   <- ls I + Win @ x_i + Wr @ r           (Win @ x_i batched per step)
    mem <- [dt i > tlast + tref] (lm mem + (1 - lm) I) (1 - s)
    h   <- lr h + dt/(tau_d tau_r) s ;  r <- ld r + dt h   (double filter, MNIST file)
    s   <- Heaviside(mem - 1), backward 1/(25|mem - 1| + 1)^2  (snntorch fast_sigmoid)
    tlast <- tlast + (dt i - tlast) s

with W_r = xi_in diag(lambda) xi_out^T formed as an N x N matrix
(torch.matmul(l * pin, pout.T)) once per forward, as the original does
(spikernn never forms it: two thin N x P products per step instead);
readout y = softmax(Wout max_t r), loss nn.CrossEntropyLoss(y, one-hot)
(softmax applied twice, as the original), backward, clip_grad_norm_(20),
Adam lr 1e-3.  Parameters use the B.4 initialisation (std values):
Win ~ N(0, 1/sqrt(784)), pin, pout ~ N(0, 1/sqrt(P)), l ~ N(0, 1/sqrt(N)),
Wout ~ N(0, 1/sqrt(10)).  The full-rank case trains an N x N Wr ~ N(0, 1/N)
directly (spikernn's mode_snn full_rank, the P = N comparison).

Cases (float32, one thread, torch.set_num_threads(1)): one training step at
batch 256, T = 50, N = 100 for P = 3 (the paper's default), P = 100 and full
rank.  The 256 images are synthetic with MNIST's sparsity (timing only): a
pixel is non-zero with probability 0.19, then uniform in [0.38, 1] (mean
intensity 0.13, so ~13 % of the inputs spike at each step, as for real
MNIST digits), with random labels; they are fixed, the spike trains are
drawn afresh every step.  The secondary case N100_P3_uniform gives the
images pixels uniform in [0, 1] instead (a spike density of 50 %, far
denser than MNIST), which matters to spikernn's event-driven input product
and not to PyTorch's dense one.

Two ways of writing the same computation are timed:

* "original": as Figure/mnist_model.py + mnist_utils.py write it (above):
  (B, N, 1) column tensors, the per-step torch.matmul(Win, spk_in[i]) over
  the batch, the refractory indicator compared in float32 seconds, t_last
  kept through autograd ops on s, U, S and R stacked; one-hot float targets.
* "lean": the same model and maths, written for eager PyTorch speed:
  (B, N) rows, the spike trains drawn as torch.rand(T, B, 784) < pixel
  (the same Bernoulli distribution; torch 1.13's bernoulli_ costs ~25 ns a
  draw), the input current of all 50 steps as one (T*B, 784) x (784, N)
  product before the loop, the recurrence as one r @ Wr^T per step,
  t_last and the refractory indicator outside autograd (they carry no
  gradient; the same float32 arithmetic as the original), only R stacked; integer labels with F.cross_entropy (the same
  value and gradient as the one-hot soft-label form).

Each case is timed as warm-up runs, then --repeats timed runs; the JSON
reports the median (and mean, min) in seconds.  The result is one JSON object
on stdout (diagnostics go to stderr).

--check instead prints, as JSON, the loss, the hidden spike count and the
gradient norms of every case from a deterministic initialisation (every
tensor a sin() pattern, see det_values) and a fixed deterministic spike input
(see check_spikes), then the losses of a few clip + Adam steps on it, for
comparison with `bench_smnn --check` (compare_smnn.sh --check).  The check
compares the refractory indicator in whole steps (as spikernn does), not in
float32 seconds: the original's comparison dt*i > t_last + 5 dt at exactly
five steps after a spike rounds either way (spec B.3), which would make the
spike trains of the two sides differ.
"""

import argparse
import json
import math
import os
import platform
import sys
import time

CASES = ("N100_P3", "N100_P100", "N100_full", "N100_P3_uniform")
SIZES = {"N100_P3": {"N": 100, "P": 3}, "N100_P100": {"N": 100, "P": 100},
         "N100_full": {"N": 100, "P": None}, "N100_P3_uniform": {"N": 100, "P": 3}}
# Pixel statistics of every case but "_uniform": a pixel is non-zero with probability 0.19 and then
# uniform in [0.38, 1] (mean 0.69), like MNIST digits (mean intensity 0.13); spike density 0.13.
MNISTLIKE_ON, MNISTLIKE_LO = 0.19, 0.38
N_IN, N_OUT = 784, 10

# B.3 constants (seconds)
DT = 2e-3
VTHR = 1.0
TAU_S, TAU_M, TAU_D, TAU_R = 10e-3, 20e-3, 30e-3, 2e-3
REF_STEPS = 5
SLOPE = 25.0  # snntorch fast_sigmoid default
CLIP = 20.0


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
    p.add_argument("--batch", type=int, default=256, help="batch size (256)")
    p.add_argument("--steps", type=int, default=50, help="time steps T (50)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads and OpenBLAS threads (1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", action="store_true",
                   help="print losses and gradient norms from a deterministic "
                        "initialisation and fixed spikes instead of timing")
    p.add_argument("--check-lr", type=float, default=1e-3,
                   help="Adam learning rate of the --check steps (1e-3)")
    a = p.parse_args()
    a.cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    a.styles = [s.strip() for s in a.styles.split(",") if s.strip()]
    for c in a.cases:
        if c not in CASES:
            p.error(f"unknown case {c!r} (choose from {', '.join(CASES)})")
    for s in a.styles:
        if s not in ("original", "lean"):
            p.error(f"unknown style {s!r} (original, lean)")
    if a.repeats <= 0 or a.warmup < 0 or a.threads < 1 or a.batch < 1 or a.steps < 1:
        p.error("--repeats, --threads, --batch and --steps must be positive, --warmup >= 0")
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
from blas_info import blas_info  # noqa: E402  (shared by the PyTorch baselines)

torch.set_num_threads(ARGS.threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


# ---------------------------------------------------------------------------
# snntorch pieces (v0.6.2, spec B.2), written out: snntorch is not installed.
# ---------------------------------------------------------------------------
class FastSigmoidSpike(torch.autograd.Function):
    """snntorch.surrogate.fast_sigmoid(slope=25): Heaviside forward (u > 0),
    backward grad / (slope |u| + 1)^2."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u > 0).float()

    @staticmethod
    def backward(ctx, grad_output):
        (u,) = ctx.saved_tensors
        return grad_output / (SLOPE * torch.abs(u) + 1.0) ** 2


spike_grad = FastSigmoidSpike.apply


def spikegen_rate(data, num_steps):
    """snntorch.spikegen.rate: the data repeated over a new leading time axis,
    then Bernoulli(clamp(x, 0, 1)) per element and step."""
    time_data = data.repeat(tuple([num_steps] + [1] * data.dim()))
    return torch.bernoulli(torch.clamp(time_data, 0, 1))


# ---------------------------------------------------------------------------
# The model (Figure/mnist_model.py MDL_RNN_mnist, filter='double').
# ---------------------------------------------------------------------------
class MDLRNNMnist(nn.Module):
    def __init__(self, hidden_shape, P, full_rank=False, steps=50, refractory="seconds"):
        super().__init__()
        self.input_shape, self.hidden_shape, self.output_shape = N_IN, hidden_shape, N_OUT
        self.P, self.full_rank, self.steps = P, full_rank, steps
        self.refractory = refractory  # "seconds" (the original) or "steps" (exact, --check)
        n = hidden_shape
        # B.4 initialisation (std values)
        self.Win = nn.Parameter(torch.randn(n, N_IN) / math.sqrt(N_IN))
        self.Wout = nn.Parameter(torch.randn(N_OUT, n) / math.sqrt(N_OUT))
        if full_rank:
            self.Wrec = nn.Parameter(torch.randn(n, n) / n)
        else:
            self.pin = nn.Parameter(torch.randn(n, P) / math.sqrt(P))    # input modes
            self.pout = nn.Parameter(torch.randn(n, P) / math.sqrt(P))   # output modes
            self.l = nn.Parameter(torch.randn(P) / math.sqrt(n))         # mode scores

    def recurrent(self):
        """W_r, N x N: the original forms torch.matmul(l * pin, pout.T) every forward."""
        if self.full_rank:
            return self.Wrec
        return torch.matmul(self.l * self.pin, self.pout.T)

    def forward(self, x, spikes=None):
        """The original's forward: x (B, 28, 28) images in [0, 1] -> softmax (B, 10, 1).
        `spikes` (T, B, 784), if given, replaces the rate encoding (--check)."""
        U, S, R = [], [], []
        batch_size = x.shape[0]
        dt = DT
        time_steps = self.steps
        vthr = torch.tensor(VTHR)
        taus, taum, tau_d = torch.tensor(TAU_S), torch.tensor(TAU_M), torch.tensor(TAU_D)
        if spikes is None:
            spk_in = spikegen_rate(x.flatten(1), time_steps).reshape(time_steps, -1, N_IN, 1)
        else:
            spk_in = spikes.reshape(time_steps, -1, N_IN, 1)
        tau_r = torch.tensor(TAU_R)
        lr = torch.exp(-dt / tau_r)
        h = torch.zeros(size=(self.hidden_shape, 1))
        tref = REF_STEPS * dt
        tlast = torch.zeros(size=(batch_size, self.hidden_shape, 1)) - 1
        Wr = self.recurrent()
        I = torch.zeros(size=(batch_size, self.hidden_shape, 1))
        mem = torch.zeros(size=(batch_size, self.hidden_shape, 1))
        s = torch.zeros(size=(batch_size, self.hidden_shape, 1))
        ls, lm, ld = torch.exp(-dt / taus), torch.exp(-dt / taum), torch.exp(-dt / tau_d)
        r = torch.zeros(size=(self.hidden_shape, 1))
        for i in range(time_steps):
            I = ls * I + torch.matmul(self.Win, spk_in[i]) + torch.matmul(Wr, r)
            if self.refractory == "seconds":
                gate = dt * i > (tlast + tref)
            else:  # t_last in steps: -1/dt before any spike
                gate = i > (tlast / dt).round() + REF_STEPS
            mem = gate * (lm * mem + (1 - lm) * I) * (1 - s)
            h = lr * h + dt / tau_d / tau_r * s
            r = ld * r + dt * h
            s = spike_grad(mem - vthr)
            tlast = tlast + (dt * i - tlast) * s
            U.append(mem)
            S.append(s)
            R.append(r)
        S = torch.stack(S, 0)
        U = torch.stack(U, 0)
        R = torch.stack(R, 0)
        rm, _ = torch.max(R, 0)
        rout = torch.matmul(self.Wout, rm)
        y = torch.softmax(rout, 1)
        self.U, self.S, self.R, self.rm = U, S, R, rm
        return y

    def forward_lean(self, x, spikes=None):
        """The same maths in (B, N) rows: x (B, 28, 28) -> softmax (B, 10)."""
        B, n, T = x.shape[0], self.hidden_shape, self.steps
        if spikes is None:  # Bernoulli(p) as u < p: the same distribution, drawn ~10x faster
            spk = (torch.rand(T, B, N_IN) < x.reshape(1, B, N_IN).clamp(0, 1)).float()
        else:
            spk = spikes
        # the input current of every step as one GEMM; unbind (not cur[i]) so that backward
        # stacks the 50 step gradients instead of adding 50 mostly-zero (T, B, N) tensors
        cur = torch.matmul(spk.reshape(T * B, N_IN), self.Win.T).reshape(T, B, n).unbind(0)
        WrT = self.recurrent().T
        ls, lm = math.exp(-DT / TAU_S), math.exp(-DT / TAU_M)
        ld, lr = math.exp(-DT / TAU_D), math.exp(-DT / TAU_R)
        ch = DT / TAU_D / TAU_R
        seconds = self.refractory == "seconds"
        # t_last outside autograd (it only feeds the indicator, which has no gradient):
        # in float32 seconds with the original's update, or in whole steps
        tlast = torch.full((B, n), -1.0 if seconds else -1.0 / DT)
        I = mem = s = r = h = torch.zeros(B, n)
        R = []
        for i in range(T):
            I = ls * I + cur[i] + torch.matmul(r, WrT) if i > 0 else cur[0]
            with torch.no_grad():
                gate = (DT * i > tlast + REF_STEPS * DT) if seconds else (i - tlast > REF_STEPS)
            mem = gate * (lm * mem + (1 - lm) * I) * (1 - s)
            h = lr * h + ch * s
            r = ld * r + DT * h
            s = spike_grad(mem - VTHR)
            with torch.no_grad():
                tlast = tlast + ((DT * i if seconds else float(i)) - tlast) * s
            R.append(r)
        rm = torch.stack(R, 0).max(0).values
        return torch.softmax(torch.matmul(rm, self.Wout.T), 1)


def make_model(case, refractory="seconds"):
    sz = SIZES[case]
    return MDLRNNMnist(sz["N"], sz["P"], full_rank=sz["P"] is None, steps=ARGS.steps,
                       refractory=refractory)


def forward_of(model, style):
    return model.forward if style == "original" else model.forward_lean


def make_runner(case, style, gen):
    """A closure running one timed training step (mnist_utils.py train())."""
    model = make_model(case)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    B = ARGS.batch
    data = torch.rand(B, 28, 28, generator=gen)                   # pixels in [0, 1]
    if not case.endswith("_uniform"):                             # MNIST-like (the default)
        on = torch.rand(B, 28, 28, generator=gen) < MNISTLIKE_ON
        data = torch.where(on, MNISTLIKE_LO + (1 - MNISTLIKE_LO) * data, torch.zeros(()))
    targets = torch.randint(0, N_OUT, (B,), generator=gen)
    if style == "original":
        targets_onehot = F.one_hot(targets, N_OUT).float().reshape(B, -1, 1)
        criterion = torch.nn.CrossEntropyLoss()

        def run():
            output = model(data)
            loss = criterion(output, targets_onehot)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=CLIP, norm_type=2)
            opt.step()
            return loss.item()
    else:
        def run():
            loss = F.cross_entropy(model.forward_lean(data), targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=CLIP)
            opt.step()
            return loss.item()
    return run


def time_case(case, style):
    torch.manual_seed(ARGS.seed)
    gen = torch.Generator().manual_seed(ARGS.seed)
    run = make_runner(case, style, gen)
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
# --check: deterministic initialisation and spikes shared with bench_smnn
# --check.  Every block, in spikernn's orientation (which is the original's:
# Win N x 784, pin / pout N x P, l as a P x 1 column, Wout 10 x N, Wr N x N),
# is value(r, c) = offset + scale * sin(0.37 r + 0.91 c + phase), computed in
# double and rounded to float32.
# ---------------------------------------------------------------------------
def det_values(rows, cols, scale, phase, offset=0.0):
    r = np.arange(rows, dtype=np.float64)[:, None]
    c = np.arange(cols, dtype=np.float64)[None, :]
    return torch.tensor(offset + scale * np.sin(0.37 * r + 0.91 * c + phase), dtype=torch.float32)


# Scales of the deterministic blocks (bench_smnn.cpp uses the same numbers).
CHECK_SCALES = {"w_in": (0.1, 0.1, 0.0), "xi_in": (1.0, 0.2, 0.0), "lambda": (3.0, 0.25, 0.0),
                "xi_out": (1.0, 0.3, 0.0), "w_out": (0.5, 0.4, 0.0), "w_rec": (3.0, 0.5, 0.0)}


def det_init(model):
    """Sets every parameter; returns {spikernn block name: torch parameter}."""
    n = model.hidden_shape

    def v(name, rows, cols):
        scale, phase, offset = CHECK_SCALES[name]
        return det_values(rows, cols, scale, phase, offset)

    with torch.no_grad():
        model.Win.copy_(v("w_in", n, N_IN))
        model.Wout.copy_(v("w_out", N_OUT, n))
        blocks = {"w_in": model.Win, "w_out": model.Wout}
        if model.full_rank:
            model.Wrec.copy_(v("w_rec", n, n) / n)
            blocks["w_rec"] = model.Wrec
        else:
            P = model.P
            model.pin.copy_(v("xi_in", n, P) / math.sqrt(P))
            model.pout.copy_(v("xi_out", n, P) / math.sqrt(P))
            model.l.copy_(v("lambda", P, 1)[:, 0])
            blocks.update({"xi_in": model.pin, "lambda": model.l, "xi_out": model.pout})
    return blocks


CHECK_BATCH, CHECK_STEPS, CHECK_ADAM_STEPS = 8, 50, 3
PROJ_PHASE = 1.234


def check_spikes(B, T):
    """(T, B, 784) of 0/1: with v = 7919 c + 104729 t + 1299709 b, input c of
    trial b spikes at step t iff (v^2 mod 1000003) mod 7 < 2 (density ~2/7, no
    regular pattern; exact in int64); labels b mod 10."""
    t = torch.arange(T, dtype=torch.int64)[:, None, None]
    b = torch.arange(B, dtype=torch.int64)[None, :, None]
    c = torch.arange(N_IN, dtype=torch.int64)[None, None, :]
    v = 7919 * c + 104729 * t + 1299709 * b
    return (((v * v) % 1000003) % 7 < 2).float(), torch.arange(B) % N_OUT


def check_case(case, style):
    model = make_model(case, refractory="steps")
    model.steps = CHECK_STEPS
    blocks = det_init(model)
    spikes, labels = check_spikes(CHECK_BATCH, CHECK_STEPS)
    x = torch.zeros(CHECK_BATCH, 28, 28)   # unused: the spikes are given
    onehot = F.one_hot(labels, N_OUT).float().reshape(CHECK_BATCH, -1, 1)

    def loss_of():
        if style == "original":
            y = model(x, spikes)
            return torch.nn.CrossEntropyLoss()(y, onehot), float(model.S.sum())
        y = model.forward_lean(x, spikes)
        return F.cross_entropy(y, labels), None

    params = list(model.parameters())
    loss, n_spikes = loss_of()
    loss.backward()
    grads, projs = {}, {}
    for name, p in blocks.items():
        g = p.grad.double()
        if g.dim() == 1:
            g = g[:, None]
        grads[name] = float(g.norm())
        projs[name] = float((g * det_values(g.shape[0], g.shape[1], 1.0, PROJ_PHASE).double()).sum())
    opt = torch.optim.Adam(params, lr=ARGS.check_lr)
    step_losses, clip_norms = [], []
    for _ in range(CHECK_ADAM_STEPS):
        opt.zero_grad()
        lb, _ = loss_of()
        lb.backward()
        clip_norms.append(float(nn.utils.clip_grad_norm_(params, max_norm=CLIP)))
        opt.step()
        step_losses.append(float(lb))
    with torch.no_grad():
        final, _ = loss_of()
    out = {"initial_loss": float(loss), "grad_norms": grads, "grad_projections": projs,
           "step_losses": step_losses, "clip_norms": clip_norms, "final_loss": float(final)}
    if n_spikes is not None:
        out["hidden_spikes"] = n_spikes
    return out


def meta():
    return {
        "torch_version": torch.__version__,
        "dtype": "float32",
        "threads": torch.get_num_threads(),
        "batch": ARGS.batch,
        "steps": ARGS.steps,
        "sizes": {c: SIZES[c] for c in ARGS.cases},
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }


def main():
    if ARGS.check:
        out = {"check": {}, "check_lr": ARGS.check_lr, "check_batch": CHECK_BATCH,
               "check_steps": CHECK_STEPS, "check_adam_steps": CHECK_ADAM_STEPS}
        for case in ARGS.cases:
            if case.endswith("_uniform"):  # the same model as N100_P3; the check fixes the spikes
                continue
            out["check"][case] = {s: check_case(case, s) for s in ARGS.styles}
            print(f"[smnn_pytorch] check {case}: "
                  + ", ".join(f"{s} loss {out['check'][case][s]['initial_loss']:.7g} -> "
                              f"{out['check'][case][s]['final_loss']:.7g}" for s in ARGS.styles),
                  file=sys.stderr)
        out.update(meta())
        print(json.dumps(out))
        return

    blas, blas_detail = blas_info()
    print(f"[smnn_pytorch] torch {torch.__version__}, {blas}; batch {ARGS.batch}, T {ARGS.steps}, "
          f"{ARGS.warmup} warm-up + {ARGS.repeats} timed runs per case", file=sys.stderr)
    out = {"cases": {}}
    for case in ARGS.cases:
        out["cases"][case] = {}
        for style in ARGS.styles:
            t0 = time.perf_counter()
            res = time_case(case, style)
            out["cases"][case][style] = res
            print(f"[smnn_pytorch] {case:10s} {style:8s}: median {res['median_s'] * 1e3:9.2f} ms, "
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
