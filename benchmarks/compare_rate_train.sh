#!/usr/bin/env bash
# compare_rate_train.sh -- spikernn C++ engine vs the PyTorch port's training loop
#
# One training trial of the Go-NoGo rate RNN (N=200, T=200, batch 1, float32,
# one thread): task generation + forward (T-1 Euler steps) + L2 loss + BPTT +
# Adam step.  With --task mante the same for the Mante task in the original's
# noisy format (N=250, T=500, 4 inputs).  See benchmarks/README.md for what
# each side measures.
#
# Usage (from the repository root):
#   bash benchmarks/compare_rate_train.sh [BUILD_DIR] [options]
#
#   BUILD_DIR              CMake build directory (default: build); must contain
#                          benchmarks/bench_rate_train (Google Benchmark binary)
#   --task TASK            go-nogo (default) or mante: selects the C++
#                          benchmarks (rate_*_trial or rate_*_trial_mante)
#                          and runs rate_train_pytorch.py --task TASK
#   --trials N             timed PyTorch port-style trials (default 30; the
#                          lean variant times 3N)
#   --reference-blas       also run the PyTorch side with Debian's reference
#                          (netlib) BLAS, for reference only (slow: ~2 s/trial
#                          port-style for Go-NoGo, ~4x that for Mante; uses
#                          min(N, 5) port trials)
#   --criterion            also time examples/spikernn-train on the task until
#                          the training criterion (or 6000 trials), wall clock
#   --cpp-json FILE        parse this Google Benchmark JSON instead of running
#                          the C++ binary (for testing the parser)
#   --pytorch-json FILE    use this JSON (output of rate_train_pytorch.py)
#                          instead of running the PyTorch script
#   -h, --help             this text
#
# Exit status: 0 on success, 2 if the C++ benchmark binary (or /usr/bin/python3
# with torch) is missing, 1 on other failures.
#
# How the BLAS is chosen for PyTorch
# ----------------------------------
# Debian's python3-torch (1.13, BLAS_INFO=generic) calls the Fortran BLAS
# symbols sgemm_/sgemv_ from whatever "libblas.so.3" the dynamic loader finds.
# The system default is the update-alternatives link
# /usr/lib/x86_64-linux-gnu/libblas.so.3, which may point to the slow netlib
# reference BLAS (/usr/lib/x86_64-linux-gnu/blas/) or to OpenBLAS.  To make the
# choice explicit, this script runs the PyTorch side with
#     LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread (prepended)
#     OPENBLAS_NUM_THREADS=1  OMP_NUM_THREADS=1
# so the OpenBLAS shim libblas.so.3 from package libopenblas0-pthread is found
# first.  rate_train_pytorch.py verifies it: it looks sgemm_ up from
# libtorch_cpu's own handle, asks dladdr() which file provides it, lists the
# BLAS libraries mapped in /proc/self/maps, and reports the result in the JSON
# "blas" field (including OpenBLAS's build config and the kernel core it
# selected).  The script warns if the provider is not OpenBLAS.
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# --------------------------------------
# Debian's OpenBLAS is built with DYNAMIC_ARCH: at load time it picks a kernel
# set for the CPU it detects.  OpenBLAS 0.3.21 does not recognise some newer
# or virtualised CPUs and then falls back to the generic "Prescott" (SSE3)
# kernels, which makes sgemm several times slower than the AVX2 ("Haswell") or
# AVX-512 ("SkylakeX", "Cooperlake") kernels.  OPENBLAS_CORETYPE=<name> forces
# the kernel set (it must be one the CPU supports, or the process dies with an
# illegal instruction); OPENBLAS_L2_SIZE overrides the L2 size used for
# blocking when the detected value is wrong.  On some machines the environment
# already sets them; this script leaves both exactly as it finds them (it
# neither sets nor clears them) and reports them and the chosen core in the
# output.  To try a kernel set by hand:
#     OPENBLAS_CORETYPE=SkylakeX bash benchmarks/compare_rate_train.sh build
# This mainly moves the PyTorch port-style figure (dominated by the 200x200x200
# sgemm recomputing W_eff every step); the lean variant is dominated by Python
# and per-op overhead and barely changes.  spikernn's own kernels do not use
# OpenBLAS.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/common.sh"
REFBLAS_DIR=/usr/lib/x86_64-linux-gnu/blas

BUILD_DIR=build
TASK=go-nogo
TRIALS=30
REFERENCE_BLAS=0
CRITERION=0
CPP_JSON=""
PT_JSON=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

positional_done=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --task) TASK="${2:?--task needs a value}"; shift 2 ;;
        --task=*) TASK="${1#*=}"; shift ;;
        --trials) TRIALS="${2:?--trials needs a value}"; shift 2 ;;
        --trials=*) TRIALS="${1#*=}"; shift ;;
        --reference-blas) REFERENCE_BLAS=1; shift ;;
        --criterion) CRITERION=1; shift ;;
        --cpp-json) CPP_JSON="${2:?--cpp-json needs a file}"; shift 2 ;;
        --pytorch-json) PT_JSON="${2:?--pytorch-json needs a file}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "error: unknown option $1 (see --help)" >&2; exit 1 ;;
        *)
            if [[ $positional_done -eq 1 ]]; then
                echo "error: unexpected argument $1" >&2; exit 1
            fi
            BUILD_DIR="$1"; positional_done=1; shift ;;
    esac
done
[[ "$TRIALS" =~ ^[0-9]+$ && "$TRIALS" -gt 0 ]] || { echo "error: --trials must be a positive integer" >&2; exit 1; }
# Per task: suffix of the C++ benchmark names, extra rate_train_pytorch.py
# arguments, and the network size for the --criterion run.
case "$TASK" in
    go-nogo) BENCH_SUFFIX=""; PT_TASK_ARGS=(); TASK_N=200 ;;
    mante) BENCH_SUFFIX="_mante"; PT_TASK_ARGS=(--task mante); TASK_N=250 ;;
    *) echo "error: --task must be go-nogo or mante, got $TASK" >&2; exit 1 ;;
esac

BENCH="$BUILD_DIR/benchmarks/bench_rate_train"
TRAIN_EXE="$BUILD_DIR/examples/spikernn-train"

make_tmp compare_rate_train

# ---------------------------------------------------------------- prerequisites
require_bench "$BENCH" bench_rate_train
require_torch

# ---------------------------------------------------------------- C++ side
if [[ -z "$CPP_JSON" ]]; then
    CPP_JSON="$TMP/cpp.json"
    echo "== running $BENCH" >&2
    if ! "$BENCH" --benchmark_format=json \
             --benchmark_filter="^rate_(train|forward)_trial${BENCH_SUFFIX}/batch:(1|32)(/real_time)?\$" \
             --benchmark_out="$CPP_JSON" --benchmark_out_format=json \
             > "$TMP/cpp_stdout.json"; then
        echo "error: $BENCH failed" >&2; exit 1
    fi
fi

# Extract {benchmark name: ms_per_trial}.  User counters are top-level keys of
# each benchmark entry; with --benchmark_repetitions prefer the "mean"
# aggregate, otherwise take the (last) plain iteration entry.
"$PY" - "$CPP_JSON" > "$TMP/cpp_ms.json" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
res, from_mean = {}, set()
for b in data.get("benchmarks", []):
    if "ms_per_trial" not in b:
        continue
    name = (b.get("run_name") or b["name"]).removesuffix("/real_time")
    if b.get("run_type") == "aggregate":
        if b.get("aggregate_name") != "mean":
            continue
        res[name] = float(b["ms_per_trial"]); from_mean.add(name)
    elif name not in from_mean:
        if b.get("error_occurred"):
            continue
        res[name] = float(b["ms_per_trial"])
if not res:
    sys.exit("error: no benchmark with an ms_per_trial counter in " + sys.argv[1])
json.dump(res, sys.stdout)
EOF

# ---------------------------------------------------------------- PyTorch side
run_pytorch() {  # $1 = lib dir to prepend, $2 = output file, rest = extra args
    local libdir="$1" out="$2"; shift 2
    with_blas "$libdir" "$PY" "$SCRIPT_DIR/rate_train_pytorch.py" --threads 1 "$@" > "$out" \
        || { echo "error: rate_train_pytorch.py failed (LD_LIBRARY_PATH prefix $libdir)" >&2; exit 1; }
}

if [[ -z "$PT_JSON" ]]; then
    PT_JSON="$TMP/pytorch_openblas.json"
    echo "== running PyTorch port-style/lean loops with OpenBLAS ($TRIALS port trials${PT_TASK_ARGS[*]:+, ${PT_TASK_ARGS[*]}})" >&2
    run_pytorch "$OPENBLAS_DIR" "$PT_JSON" --trials "$TRIALS" ${PT_TASK_ARGS[@]+"${PT_TASK_ARGS[@]}"}
fi
PT_REF_JSON=""
if [[ $REFERENCE_BLAS -eq 1 ]]; then
    PT_REF_JSON="$TMP/pytorch_refblas.json"
    ref_trials=$(( TRIALS < 5 ? TRIALS : 5 ))
    echo "== running PyTorch loops with Debian's reference BLAS ($ref_trials port trials)" >&2
    run_pytorch "$REFBLAS_DIR" "$PT_REF_JSON" --trials "$ref_trials" --lean-trials 30 --warmup 1 \
        ${PT_TASK_ARGS[@]+"${PT_TASK_ARGS[@]}"}
fi

# ---------------------------------------------------------------- criterion run
CRIT_LINE=""
if [[ $CRITERION -eq 1 ]]; then
    if [[ -x "$TRAIN_EXE" ]]; then
        echo "== timing $TRAIN_EXE ($TASK to criterion, <= 6000 trials)" >&2
        mkdir -p "$TMP/train_out"
        t0=$(date +%s.%N)
        "$TRAIN_EXE" --task "$TASK" --N "$TASK_N" --act sigmoid --decay_taus 4 20 \
            --apply_dale true --som_N 0 --loss_fn l2 --n_trials 6000 --seed 1 \
            --output_dir "$TMP/train_out" > "$TMP/train.log" 2>&1 \
            || { echo "warning: spikernn-train exited with status $? (log tail follows)" >&2; tail -n 20 "$TMP/train.log" >&2; }
        t1=$(date +%s.%N)
        CRIT_LINE=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    else
        echo "note: $TRAIN_EXE not found; skipping the --criterion run" >&2
        CRIT_LINE="missing"
    fi
fi

# ---------------------------------------------------------------- table
"$PY" - "$TMP/cpp_ms.json" "$PT_JSON" "${PT_REF_JSON:-}" "$CRIT_LINE" "$TASK" <<'EOF'
import json, sys
cpp = json.load(open(sys.argv[1]))
pt = json.load(open(sys.argv[2]))
ref = json.load(open(sys.argv[3])) if sys.argv[3] else None
crit = sys.argv[4]
task = sys.argv[5]
sfx = "_mante" if task == "mante" else ""
# the C++ benchmarks' fixed sizes, to check the PyTorch JSON against
cpp_size = {"go-nogo": (200, 200), "mante": (250, 500)}[task]

def get(name):
    v = cpp.get(name)
    return None if v is None else float(v)

s1, s32 = get(f"rate_train_trial{sfx}/batch:1"), get(f"rate_train_trial{sfx}/batch:32")
f1 = get(f"rate_forward_trial{sfx}/batch:1")

def fmt(v, unit=" ms"):
    return "n/a" if v is None else f"{v:.3f}{unit}" if v < 10 else f"{v:.1f}{unit}"

def ratio(a, b):
    return "n/a" if a is None or b is None or b <= 0 else f"{a / b:.1f}x"

rows = [
    ("spikernn train, batch 1", s1, ""),
    ("spikernn train, batch 32 (per trial)", s32, ""),
    ("spikernn forward only, batch 1", f1, ""),
    ("PyTorch port-style, batch 1", pt.get("port_ms_per_trial"), ratio(pt.get("port_ms_per_trial"), s1)),
    ("PyTorch lean, batch 1", pt.get("lean_ms_per_trial"), ratio(pt.get("lean_ms_per_trial"), s1)),
]
if ref:
    rows += [
        ("PyTorch port-style, reference BLAS", ref.get("port_ms_per_trial"), ratio(ref.get("port_ms_per_trial"), s1)),
        ("PyTorch lean, reference BLAS", ref.get("lean_ms_per_trial"), ratio(ref.get("lean_ms_per_trial"), s1)),
    ]
w = max(len(r[0]) for r in rows)
print()
if task == "mante":
    print(f"Mante rate RNN (original noisy format, 4 inputs), one training trial "
          f"(N={pt.get('N')}, T={pt.get('T')}, float32, 1 thread)")
else:
    print(f"Go-NoGo rate RNN, one training trial (N={pt.get('N')}, T={pt.get('T')}, float32, 1 thread)")
print(f"{'':{w}}  {'ms/trial':>12}  {'/ spikernn b1':>13}")
print("-" * (w + 29))
for name, v, r in rows:
    print(f"{name:{w}}  {fmt(v, ''):>12}  {r:>13}")
print()
print(f"torch {pt.get('torch_version')}; BLAS: {pt.get('blas')}")
if ref:
    print(f"reference run BLAS: {ref.get('blas')}")
env = pt.get("env") or {}
print("OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s (left as found in the environment)" % tuple(
    env.get(k) if env.get(k) is not None else "<unset>" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")))
if crit:
    if crit == "missing":
        print("spikernn-train to criterion: skipped (binary missing)")
    else:
        print(f"spikernn-train {'Mante' if task == 'mante' else 'Go-NoGo'} to criterion "
              f"(<= 6000 trials, incl. evaluation): {crit} s wall")
missing = [n for n, v in ((f"rate_train_trial{sfx}/batch:1", s1), (f"rate_train_trial{sfx}/batch:32", s32),
                          (f"rate_forward_trial{sfx}/batch:1", f1)) if v is None]
if missing:
    print("note: no ms_per_trial in the C++ results for: " + ", ".join(missing))
kind = (pt.get("blas_detail") or {}).get("kind")
for label, j in (("PyTorch", pt), ("reference-BLAS PyTorch", ref)):
    if j is None:
        continue
    if j.get("task", "go-nogo") != task:
        print(f"WARNING: the {label} JSON is for task {j.get('task', 'go-nogo')}, not {task}")
    if (j.get("N"), j.get("T")) != cpp_size:
        print(f"WARNING: the {label} JSON has N={j.get('N')}, T={j.get('T')}; "
              f"the C++ benchmarks use N={cpp_size[0]}, T={cpp_size[1]}")
if kind != "openblas":
    print(f"WARNING: PyTorch did not use OpenBLAS (provider: {(pt.get('blas_detail') or {}).get('sgemm_provider')})")
EOF
