#!/usr/bin/env bash
# compare_smnn.sh -- spikernn vs PyTorch: a training step of the spiking mode-based RNN
#
# Four cases, float32, one thread on each side (see benchmarks/README.md):
#   N100_P3, N100_P100, N100_full   one training step of the SMNN-Oct23 MNIST
#                   model (glifr_smnn_spec.md B.3/B.4: N = 100 LIF neurons,
#                   W_r = xi_in diag(lambda) xi_out^T of rank P = 3 or 100, or
#                   an N x N W_r; double filter, 5-step refractory, max-over-
#                   time readout) at batch 256: a fresh Bernoulli rate encoding
#                   of 256 images over T = 50 steps (synthetic images of
#                   MNIST's sparsity: 19 % non-zero pixels in [0.38, 1], so
#                   ~13 % of the inputs spike per step; random labels: timing
#                   only), forward, softmax then cross entropy, backward,
#                   gradient-norm clip 20, Adam lr 1e-3.
#   N100_P3_uniform  secondary: N100_P3 with pixels uniform in [0, 1] (spike
#                   density 0.5, far denser than MNIST), which only
#                   spikernn's input product notices.
# spikernn: benchmarks/bench_smnn (Google Benchmark, the median of
# --cpp-repetitions repetitions).  PyTorch: benchmarks/smnn_pytorch.py, the
# median of --repeats runs after --warmup warm-up runs, in two styles:
# "original" (Figure/mnist_model.py's loop: per-step input product over the
# batch, W_r formed N x N) and "lean" (same maths, the input current of all
# steps as one product, rows instead of columns).  The ratio is PyTorch time /
# spikernn time.
#
# Usage (from the repository root):
#   bash benchmarks/compare_smnn.sh [BUILD_DIR] [options]
#
#   BUILD_DIR              CMake build directory (default: build); must contain
#                          benchmarks/bench_smnn
#   --repeats N            timed PyTorch runs per case and style (default 7)
#   --warmup N             untimed PyTorch warm-up runs (default 2)
#   --cpp-repetitions N    Google Benchmark repetitions per case (default 5)
#   --styles LIST          PyTorch styles, a subset of original,lean (default both)
#   --check                instead of timing: run bench_smnn --check and
#                          smnn_pytorch.py --check (the same deterministic
#                          initialisation and fixed input spikes on both sides)
#                          and compare hidden spike counts, losses and
#                          gradients case by case; exit 1 on disagreement
#   --tol X                relative tolerance of --check (default 1e-3)
#   --cpp-json FILE        parse this JSON (bench_smnn --benchmark_format=json
#                          output, or bench_smnn --check output with --check)
#                          instead of running the C++ binary
#   --pytorch-json FILE    use this JSON (output of smnn_pytorch.py, or of
#                          smnn_pytorch.py --check with --check) instead of
#                          running the PyTorch script
#   -h, --help             this text
#
# Exit status: 0 on success, 2 if the C++ benchmark binary (or /usr/bin/python3
# with torch) is missing, 1 on other failures (and on a failed --check).
#
# BLAS: as compare_rate_train.sh explains, Debian's python3-torch calls
# sgemm_ from whichever libblas.so.3 the loader finds first, so the PyTorch
# side runs with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
# (prepended), OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1 and
# torch.set_num_threads(1); smnn_pytorch.py reports the sgemm_ provider it
# really got in its JSON "blas" field, and the table warns if it is not
# OpenBLAS.  OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as found and
# printed.  spikernn does not use OpenBLAS (Eigen kernels, event-driven input).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/common.sh"

parse_compare_options "$@"

BENCH="$BUILD_DIR/benchmarks/bench_smnn"

make_tmp compare_smnn

# ---------------------------------------------------------------- prerequisites
require_bench "$BENCH" bench_smnn
require_torch numpy

# ---------------------------------------------------------------- --check
if [[ $CHECK -eq 1 ]]; then
    collect_check_outputs "$BENCH" smnn_pytorch.py
    "$PY" - "$CPP_JSON" "$PT_JSON" "$TOL" <<'EOF'
import json, sys
cpp = json.load(open(sys.argv[1]))
pt = json.load(open(sys.argv[2]))
tol = float(sys.argv[3])
if "check" not in cpp or "check" not in pt:
    sys.exit("error: --check needs the --check outputs of bench_smnn and smnn_pytorch.py")
for key in ("check_lr", "check_batch", "check_steps", "check_adam_steps"):
    if cpp.get(key) != pt.get(key):
        print(f"WARNING: {key} differs: spikernn {cpp.get(key)}, PyTorch {pt.get(key)}")

def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)

print()
print(f"Deterministic-initialisation check (fixed input spikes, batch {pt.get('check_batch')}, "
      f"T {pt.get('check_steps')}, {pt.get('check_adam_steps')} clip + Adam steps at lr "
      f"{pt.get('check_lr')}, tolerance {tol:g}): largest relative difference, spikernn vs PyTorch autograd")
hdr = (f"{'case':10s} {'PyTorch':9s} {'spikes':>13s} {'losses':>9s} {'grad norms':>11s} "
       f"{'grad proj.':>11s}  worst block")
print(hdr)
print("-" * len(hdr))
failed = False
for case, sides in pt["check"].items():
    c = cpp["check"].get(case, {}).get("spikernn")
    for style, p in sides.items():
        if c is None:
            print(f"{case:10s} {style:9s} missing on the spikernn side"); failed = True; continue
        # hidden spikes of the initial forward: the original style keeps them (model.S)
        if "hidden_spikes" in p:
            spikes = f"{c['hidden_spikes']:.0f}/{p['hidden_spikes']:.0f}"
            spikes_ok = c["hidden_spikes"] == p["hidden_spikes"]
        else:
            spikes, spikes_ok = f"{c['hidden_spikes']:.0f}/-", True
        losses = [rel(c["initial_loss"], p["initial_loss"]), rel(c["final_loss"], p["final_loss"])]
        losses += [rel(a, b) for a, b in zip(c["step_losses"], p["step_losses"])]
        losses += [rel(a, b) for a, b in zip(c["clip_norms"], p["clip_norms"])]
        if len(c["step_losses"]) != len(p["step_losses"]):
            losses.append(float("inf"))
        worst, worst_block = 0.0, "-"
        norms, projs = [], []
        for block in sorted(set(p["grad_norms"]) | set(c["grad_norms"])):
            if block not in p["grad_norms"] or block not in c["grad_norms"]:
                norms.append(float("inf")); worst_block = f"{block} (trained on one side only)"; worst = float("inf")
                continue
            n = rel(c["grad_norms"][block], p["grad_norms"][block])
            # a projection can be small by cancellation: measure its error against the norm
            d = abs(c["grad_projections"][block] - p["grad_projections"][block]) / max(p["grad_norms"][block], 1e-12)
            norms.append(n); projs.append(d)
            if max(n, d) > worst:
                worst, worst_block = max(n, d), block
        ok = spikes_ok and max(losses + norms + projs) <= tol
        failed |= not ok
        print(f"{case:10s} {style:9s} {spikes:>13s} {max(losses):9.1e} {max(norms):11.1e} {max(projs or [0]):11.1e}  "
              f"{worst_block}{'' if ok else '   <-- DISAGREE'}")
print()
print("check " + ("FAILED" if failed else "passed")
      + " (spikes: hidden spike count spikernn/PyTorch, which must be equal; losses include the clip norms;"
        " projections: |difference| / gradient norm)")
sys.exit(1 if failed else 0)
EOF
    exit $?
fi

# ---------------------------------------------------------------- C++ side
if [[ -z "$CPP_JSON" ]]; then
    CPP_JSON="$TMP/cpp.json"
    echo "== running $BENCH ($CPP_REPS repetitions per case)" >&2
    if ! "$BENCH" --benchmark_format=json \
             --benchmark_filter='^smnn_step/' \
             --benchmark_repetitions="$CPP_REPS" \
             --benchmark_out="$CPP_JSON" --benchmark_out_format=json \
             > "$TMP/cpp_stdout.json"; then
        echo "error: $BENCH failed" >&2; exit 1
    fi
fi

# Extract {case: {"s": seconds, "N": .., "P": .., "density": ..}}: the "median"
# aggregate if there is one, else the median of the plain iteration entries.
"$PY" - "$CPP_JSON" > "$TMP/cpp_s.json" <<'EOF'
import json, statistics, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
unit = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
median, runs, extra = {}, {}, {}
for b in data.get("benchmarks", []):
    name = (b.get("run_name") or b["name"]).removesuffix("/real_time")
    prefix, _, case = name.partition("/")
    if prefix != "smnn_step" or b.get("error_occurred"):
        continue
    s = float(b["real_time"]) * unit[b.get("time_unit", "ns")]
    if "N" in b and b.get("aggregate_name") in (None, "mean", "median"):  # not stddev / cv
        extra[case] = {"N": int(b["N"]), "P": int(b["P"]) if "P" in b else None,
                       "density": b.get("input_density")}
    if b.get("run_type") == "aggregate":
        if b.get("aggregate_name") == "median":
            median[case] = s
    else:
        runs.setdefault(case, []).append(s)
res = {}
for case in set(median) | set(runs):
    res[case] = {"s": median[case] if case in median else statistics.median(runs[case]), **extra.get(case, {})}
if not res:
    sys.exit("error: no smnn_step/... benchmark in " + sys.argv[1])
json.dump(res, sys.stdout)
EOF

# ---------------------------------------------------------------- PyTorch side
if [[ -z "$PT_JSON" ]]; then
    PT_JSON="$TMP/pytorch.json"
    echo "== running smnn_pytorch.py with OpenBLAS ($WARMUP warm-up + $REPEATS timed runs per case, styles $STYLES)" >&2
    run_pytorch smnn_pytorch.py "$PT_JSON" --repeats "$REPEATS" --warmup "$WARMUP" --styles "$STYLES"
fi

# ---------------------------------------------------------------- table
"$PY" - "$TMP/cpp_s.json" "$PT_JSON" <<'EOF'
import json, sys
cpp = json.load(open(sys.argv[1]))
pt = json.load(open(sys.argv[2]))
if "cases" not in pt:
    sys.exit("error: " + sys.argv[2] + " is not a timing output of smnn_pytorch.py (a --check output?)")
order = ["N100_P3", "N100_P100", "N100_full", "N100_P3_uniform"]
cases = [c for c in order if c in cpp or c in pt["cases"]]
styles = [s for s in ("original", "lean") if any(s in pt["cases"].get(c, {}) for c in cases)]

def fmt(s):
    if s is None:
        return "n/a"
    ms = 1e3 * s
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 1000 else f"{s:.2f} s"

def ratio(a, b):
    return "n/a" if a is None or b is None or b <= 0 else f"{a / b:.1f}x"

print()
print(f"Spiking mode-based RNN (SMNN-Oct23 MNIST model), one training step at batch {pt.get('batch')}, "
      f"T = {pt.get('steps')}, 784 inputs, float32, 1 thread")
print(f"spikernn: median of Google Benchmark repetitions; PyTorch: median of {pt.get('repeats')} runs "
      f"after {pt.get('warmup')} warm-up; ratio = PyTorch / spikernn")
hdr = f"{'case':18s} {'N':>4s} {'P':>4s} {'spikernn':>10s}"
for s in styles:
    hdr += f" {('PyTorch ' + s):>17s} {'ratio':>7s}"
print(hdr)
print("-" * len(hdr))
warnings = []
for c in cases:
    sp = cpp.get(c, {}).get("s")
    ptsz = (pt.get("sizes") or {}).get(c) or {}
    n = cpp.get(c, {}).get("N") or ptsz.get("N")
    p = "full" if c.endswith("_full") else (cpp.get(c, {}).get("P") or ptsz.get("P"))
    if ptsz.get("N") is not None and cpp.get(c, {}).get("N") is not None and ptsz["N"] != cpp[c]["N"]:
        warnings.append(f"{c}: spikernn N={cpp[c]['N']}, PyTorch N={ptsz['N']}")
    line = f"{c:18s} {n if n is not None else '?':>4} {p if p is not None else '?':>4} {fmt(sp):>10s}"
    for s in styles:
        v = pt["cases"].get(c, {}).get(s, {}).get("median_s")
        line += f" {fmt(v):>17s} {ratio(v, sp):>7s}"
    print(line)
print()
dens = {c: v.get("density") for c, v in cpp.items() if v.get("density") is not None}
if dens:
    print("input spike density (spikernn): " + ", ".join(f"{c} {d:.3f}" for c, d in sorted(dens.items()))
          + " (MNIST-like images: ~0.13; _uniform pixels: 0.5)")
print(f"torch {pt.get('torch_version')}; BLAS: {pt.get('blas')}")
env = pt.get("env") or {}
print("OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s (left as found in the environment)" % tuple(
    env.get(k) if env.get(k) is not None else "<unset>" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")))
missing = [c for c in cases if c not in cpp]
if missing:
    print("note: no spikernn result for: " + ", ".join(missing))
missing = [c for c in cases if c not in pt["cases"]]
if missing:
    print("note: no PyTorch result for: " + ", ".join(missing))
for w in warnings:
    print("WARNING: hidden sizes differ, " + w)
if pt.get("batch") != 256 or pt.get("steps") != 50:
    print(f"WARNING: the PyTorch JSON uses batch {pt.get('batch')}, T {pt.get('steps')}; bench_smnn uses 256, 50")
if pt.get("threads") != 1:
    print(f"WARNING: PyTorch ran with {pt.get('threads')} threads")
kind = (pt.get("blas_detail") or {}).get("kind")
if kind != "openblas":
    print(f"WARNING: PyTorch did not use OpenBLAS (provider: {(pt.get('blas_detail') or {}).get('sgemm_provider')})")
EOF
