#!/usr/bin/env bash
# compare_glifr.sh -- spikernn vs PyTorch: training the GLIFR paper's networks
#
# Eight cases, float32, one thread on each side (see benchmarks/README.md):
#   pattern/<type>  one training epoch of the sine pattern task (6 sequences,
#                   T=100, batch 2 shuffled, MSE, Adam lr 1e-4)
#   mnist/<type>    one training step on 128 line-by-line MNIST sequences
#                   (T=28, 28 inputs, 10 outputs, last-step cross entropy,
#                   Adam lr 1e-3; random pixels, timing only)
# for the types Hom, LHetA, RNN and LSTM at the v2021 parameter-matched sizes
# (pattern 131/128/131/64, MNIST 259/256/259/123), GLIFR and RNN delay 20
# steps.  spikernn: benchmarks/bench_glifr (Google Benchmark, the median of
# --cpp-repetitions repetitions).  PyTorch: benchmarks/glifr_pytorch.py, the
# median of --repeats runs after --warmup warm-up runs, in two styles:
# "original" (the v2021 code's loop) and "lean" (same maths, per-sequence
# work hoisted out of the time loop).  The ratio is PyTorch time / spikernn
# time.
#
# Usage (from the repository root):
#   bash benchmarks/compare_glifr.sh [BUILD_DIR] [options]
#
#   BUILD_DIR              CMake build directory (default: build); must contain
#                          benchmarks/bench_glifr
#   --repeats N            timed PyTorch runs per case and style (default 7)
#   --warmup N             untimed PyTorch warm-up runs (default 2)
#   --cpp-repetitions N    Google Benchmark repetitions per case (default 5)
#   --styles LIST          PyTorch styles, a subset of original,lean (default both)
#   --check                instead of timing: run bench_glifr --check and
#                          glifr_pytorch.py --check (the same deterministic
#                          initialisation on both sides) and compare losses
#                          and gradients case by case; exit 1 on disagreement
#   --tol X                relative tolerance of --check (default 1e-3)
#   --cpp-json FILE        parse this JSON (bench_glifr --benchmark_format=json
#                          output, or bench_glifr --check output with --check)
#                          instead of running the C++ binary
#   --pytorch-json FILE    use this JSON (output of glifr_pytorch.py, or of
#                          glifr_pytorch.py --check with --check) instead of
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
# torch.set_num_threads(1); glifr_pytorch.py reports the sgemm_ provider it
# really got in its JSON "blas" field, and the table warns if it is not
# OpenBLAS.  OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as found and
# printed.  spikernn does not use OpenBLAS (Eigen kernels).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/common.sh"

parse_compare_options "$@"

BENCH="$BUILD_DIR/benchmarks/bench_glifr"

make_tmp compare_glifr

# ---------------------------------------------------------------- prerequisites
require_bench "$BENCH" bench_glifr
require_torch numpy

# ---------------------------------------------------------------- --check
if [[ $CHECK -eq 1 ]]; then
    collect_check_outputs "$BENCH" glifr_pytorch.py
    "$PY" - "$CPP_JSON" "$PT_JSON" "$TOL" <<'EOF'
import json, sys
cpp = json.load(open(sys.argv[1]))
pt = json.load(open(sys.argv[2]))
tol = float(sys.argv[3])
if "check" not in cpp or "check" not in pt:
    sys.exit("error: --check needs the --check outputs of bench_glifr and glifr_pytorch.py")
if cpp.get("check_lr") != pt.get("check_lr"):
    print(f"WARNING: check learning rates differ: spikernn {cpp.get('check_lr')}, PyTorch {pt.get('check_lr')}")
for key in ("delay", "rnn_delay"):
    if cpp.get(key) != pt.get(key):
        print(f"WARNING: {key} differs: spikernn {cpp.get(key)}, PyTorch {pt.get(key)}")

def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)

print()
print(f"Deterministic-initialisation check (Adam lr {pt.get('check_lr')}, tolerance {tol:g}): "
      "largest relative difference, spikernn vs PyTorch autograd")
hdr = f"{'case':14s} {'PyTorch':9s} {'losses':>9s} {'grad norms':>11s} {'grad proj.':>11s}  worst block"
print(hdr)
print("-" * len(hdr))
failed = False
for case, sides in pt["check"].items():
    c = cpp["check"].get(case, {}).get("spikernn")
    for style, p in sides.items():
        if c is None:
            print(f"{case:14s} {style:9s} missing on the spikernn side"); failed = True; continue
        losses = [rel(c["initial_loss"], p["initial_loss"]), rel(c["final_loss"], p["final_loss"])]
        losses += [rel(a, b) for a, b in zip(c["batch_losses"], p["batch_losses"])]
        if len(c["batch_losses"]) != len(p["batch_losses"]):
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
        ok = max(losses + norms + projs) <= tol
        failed |= not ok
        print(f"{case:14s} {style:9s} {max(losses):9.1e} {max(norms):11.1e} {max(projs or [0]):11.1e}  "
              f"{worst_block}{'' if ok else '   <-- DISAGREE'}")
print()
print("check " + ("FAILED" if failed else "passed") + " (projections: |difference| / gradient norm)")
sys.exit(1 if failed else 0)
EOF
    exit $?
fi

# ---------------------------------------------------------------- C++ side
if [[ -z "$CPP_JSON" ]]; then
    CPP_JSON="$TMP/cpp.json"
    echo "== running $BENCH ($CPP_REPS repetitions per case)" >&2
    if ! "$BENCH" --benchmark_format=json \
             --benchmark_filter='^(pattern_epoch|mnist_step)/' \
             --benchmark_repetitions="$CPP_REPS" \
             --benchmark_out="$CPP_JSON" --benchmark_out_format=json \
             > "$TMP/cpp_stdout.json"; then
        echo "error: $BENCH failed" >&2; exit 1
    fi
fi

# Extract {case: {"s": seconds, "N": hidden size}}: the "median" aggregate if
# there is one, else the median of the plain iteration entries.
"$PY" - "$CPP_JSON" > "$TMP/cpp_s.json" <<'EOF'
import json, statistics, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
unit = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
median, runs, sizes = {}, {}, {}
for b in data.get("benchmarks", []):
    name = (b.get("run_name") or b["name"]).removesuffix("/real_time")
    prefix, _, kind = name.partition("/")
    case = {"pattern_epoch": "pattern", "mnist_step": "mnist"}.get(prefix)
    if case is None or b.get("error_occurred"):
        continue
    case += "/" + kind
    s = float(b["real_time"]) * unit[b.get("time_unit", "ns")]
    if "N" in b and b.get("aggregate_name") in (None, "mean", "median"):  # not stddev / cv
        sizes[case] = int(b["N"])
    if b.get("run_type") == "aggregate":
        if b.get("aggregate_name") == "median":
            median[case] = s
    else:
        runs.setdefault(case, []).append(s)
res = {}
for case in set(median) | set(runs):
    res[case] = {"s": median[case] if case in median else statistics.median(runs[case]),
                 "N": sizes.get(case)}
if not res:
    sys.exit("error: no pattern_epoch/... or mnist_step/... benchmark in " + sys.argv[1])
json.dump(res, sys.stdout)
EOF

# ---------------------------------------------------------------- PyTorch side
if [[ -z "$PT_JSON" ]]; then
    PT_JSON="$TMP/pytorch.json"
    echo "== running glifr_pytorch.py with OpenBLAS ($WARMUP warm-up + $REPEATS timed runs per case, styles $STYLES)" >&2
    run_pytorch glifr_pytorch.py "$PT_JSON" --repeats "$REPEATS" --warmup "$WARMUP" --styles "$STYLES"
fi

# ---------------------------------------------------------------- table
"$PY" - "$TMP/cpp_s.json" "$PT_JSON" <<'EOF'
import json, sys
cpp = json.load(open(sys.argv[1]))
pt = json.load(open(sys.argv[2]))
if "cases" not in pt:
    sys.exit("error: " + sys.argv[2] + " is not a timing output of glifr_pytorch.py (a --check output?)")
order = ["pattern/Hom", "pattern/LHetA", "pattern/RNN", "pattern/LSTM",
         "mnist/Hom", "mnist/LHetA", "mnist/RNN", "mnist/LSTM"]
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
print("GLIFR-paper networks, one training unit (pattern: one epoch of 6 sequences, batch 2; "
      "mnist: one step of batch 128), float32, 1 thread")
print(f"spikernn: median of Google Benchmark repetitions; PyTorch: median of {pt.get('repeats')} runs "
      f"after {pt.get('warmup')} warm-up; ratio = PyTorch / spikernn")
hdr = f"{'case':14s} {'N':>4s} {'spikernn':>10s}"
for s in styles:
    hdr += f" {('PyTorch ' + s):>17s} {'ratio':>7s}"
print(hdr)
print("-" * len(hdr))
warnings = []
for c in cases:
    sp = cpp.get(c, {}).get("s")
    n = cpp.get(c, {}).get("N") or (pt.get("sizes") or {}).get(c)
    ptn = (pt.get("sizes") or {}).get(c)
    if ptn is not None and cpp.get(c, {}).get("N") is not None and ptn != cpp[c]["N"]:
        warnings.append(f"{c}: spikernn N={cpp[c]['N']}, PyTorch N={ptn}")
    line = f"{c:14s} {n if n is not None else '?':>4} {fmt(sp):>10s}"
    for s in styles:
        v = pt["cases"].get(c, {}).get(s, {}).get("median_s")
        line += f" {fmt(v):>17s} {ratio(v, sp):>7s}"
    print(line)
print()
print(f"torch {pt.get('torch_version')}; BLAS: {pt.get('blas')}")
env = pt.get("env") or {}
print("OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s (left as found in the environment)" % tuple(
    env.get(k) if env.get(k) is not None else "<unset>" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")))
print(f"delays in steps: PyTorch GLIFR {pt.get('delay')}, RNN {pt.get('rnn_delay')}; spikernn GLIFR 20 (glifr_network_params default), RNN 1 (v2021)")
missing = [c for c in cases if c not in cpp]
if missing:
    print("note: no spikernn result for: " + ", ".join(missing))
missing = [c for c in cases if c not in pt["cases"]]
if missing:
    print("note: no PyTorch result for: " + ", ".join(missing))
for w in warnings:
    print("WARNING: hidden sizes differ, " + w)
if pt.get("delay") != 20 or pt.get("rnn_delay") != 1:
    print(f"WARNING: the PyTorch JSON uses delays {pt.get('delay')} / {pt.get('rnn_delay')}; bench_glifr uses 20 (GLIFR) / 1 (RNN)")
if pt.get("threads") != 1:
    print(f"WARNING: PyTorch ran with {pt.get('threads')} threads")
kind = (pt.get("blas_detail") or {}).get("kind")
if kind != "openblas":
    print(f"WARNING: PyTorch did not use OpenBLAS (provider: {(pt.get('blas_detail') or {}).get('sgemm_provider')})")
EOF
