#!/usr/bin/env bash
# compare_lif.sh -- spikernn's LIF engine vs numpy and Brian2 on one Go trial
#
# One Go trial of the LIF network converted from a trained Go-NoGo rate RNN
# (spec section 4): N = 200 units, 20,000 steps of 0.05 ms (1.0 s), only the
# output recorded, float64.  Compared implementations:
#   spikernn          build/benchmarks/bench_lif (Google Benchmark): benchmark
#                     lif_go_trial, counter ms_per_trial; lif_search_default,
#                     counter s_total = the whole default grid search
#                     (12 factors x 100 trials, all cores)
#   numpy             benchmarks/lif_numpy.py: the MATLAB loop in numpy
#   Brian2 standalone benchmarks/lif_brian2.py --mode standalone (C++ via g++;
#                     run time only, measured inside the binary; build separate)
#   Brian2 runtime    benchmarks/lif_brian2.py --mode runtime (Cython target;
#                     simulation loop only, warm Cython cache)
# See benchmarks/README.md, section "LIF: one Go trial and the scaling-factor
# search".
#
# Usage (from the repository root):
#   bash benchmarks/compare_lif.sh [BUILD_DIR] [options]
#
#   BUILD_DIR              CMake build directory (default: build); must contain
#                          benchmarks/bench_lif
#   --model FILE           rate-model MAT file; default: train one with
#                          BUILD_DIR/examples/spikernn-train (Go-NoGo, N=200,
#                          seed 1, ~3 s) into a temporary directory
#   --factor F             scaling factor; default: the model's
#                          opt_scaling_factor if present (and finite), else 50
#   --numpy-trials K       numpy Go trials (default 3)
#   --brian-trials K       Brian2 Go trials per mode (default 3)
#   --seed S               seed for the numpy and Brian2 trials (default 1)
#   --no-brian             skip Brian2 entirely
#   --no-brian-runtime     skip Brian2's runtime (Cython) mode
#   --cpp-json FILE        parse this Google Benchmark JSON instead of running
#                          bench_lif (for testing the parser)
#   --numpy-json FILE      use this output of lif_numpy.py instead of running it
#   --brian-json FILE      use this output of lif_brian2.py --mode standalone
#   --brian-runtime-json FILE   same for --mode runtime
#   -h, --help             this text
#
# A row that cannot be measured (no /usr/bin/python3 with numpy+scipy, no
# brian2, a failing run) is named after the table and the script exits 1: a
# comparison never passes with a row silently missing.  --no-brian and
# --no-brian-runtime leave rows out on purpose.  Brian2 comes from Debian:
#   apt-get install -y python3-brian
#
# Exit status: 0 when every row asked for was measured, 2 if
# BUILD_DIR/benchmarks/bench_lif is missing (or no model was given and
# BUILD_DIR/examples/spikernn-train is missing), 1 on other failures.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/common.sh"

BUILD_DIR=build
MODEL=""
FACTOR=""
NP_TRIALS=3
B2_TRIALS=3
SEED=1
NO_BRIAN=0
NO_BRIAN_RUNTIME=0
CPP_JSON=""
NP_JSON=""
B2S_JSON=""
B2R_JSON=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
need() { [[ -n "${2:-}" && "${2:0:2}" != "--" ]] || { echo "error: $1 needs a value" >&2; exit 1; }; }

positional_done=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --model) need "$1" "${2:-}"; MODEL="$2"; shift 2 ;;
        --model=*) MODEL="${1#*=}"; shift ;;
        --factor) need "$1" "${2:-}"; FACTOR="$2"; shift 2 ;;
        --factor=*) FACTOR="${1#*=}"; shift ;;
        --numpy-trials) need "$1" "${2:-}"; NP_TRIALS="$2"; shift 2 ;;
        --brian-trials) need "$1" "${2:-}"; B2_TRIALS="$2"; shift 2 ;;
        --seed) need "$1" "${2:-}"; SEED="$2"; shift 2 ;;
        --no-brian) NO_BRIAN=1; shift ;;
        --no-brian-runtime) NO_BRIAN_RUNTIME=1; shift ;;
        --cpp-json) need "$1" "${2:-}"; CPP_JSON="$2"; shift 2 ;;
        --numpy-json) need "$1" "${2:-}"; NP_JSON="$2"; shift 2 ;;
        --brian-json) need "$1" "${2:-}"; B2S_JSON="$2"; shift 2 ;;
        --brian-runtime-json) need "$1" "${2:-}"; B2R_JSON="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "error: unknown option $1 (see --help)" >&2; exit 1 ;;
        *)
            if [[ $positional_done -eq 1 ]]; then
                echo "error: unexpected argument $1" >&2; exit 1
            fi
            BUILD_DIR="$1"; positional_done=1; shift ;;
    esac
done
for n in NP_TRIALS B2_TRIALS; do
    [[ "${!n}" =~ ^[0-9]+$ && "${!n}" -gt 0 ]] || { echo "error: trial counts must be positive integers" >&2; exit 1; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "error: --seed must be a non-negative integer" >&2; exit 1; }
if [[ -n "$FACTOR" ]] && ! awk -v f="$FACTOR" 'BEGIN { exit !(f + 0 > 0) }'; then
    echo "error: --factor must be a positive number" >&2; exit 1
fi

BENCH="$BUILD_DIR/benchmarks/bench_lif"
TRAIN_EXE="$BUILD_DIR/examples/spikernn-train"

make_tmp compare_lif

# ---------------------------------------------------------------- prerequisites
require_bench "$BENCH" bench_lif
HAVE_PY=1
if [[ ! -x "$PY" ]] || ! "$PY" -c 'import numpy, scipy.io' 2>/dev/null; then
    HAVE_PY=0
    echo "note: $PY with numpy and scipy not found (apt-get install -y python3-scipy);" >&2
    echo "      the numpy and Brian2 rows are skipped and the model's opt_scaling_factor is not read" >&2
fi
# the JSON parsing and the table need only the standard library
PYT="$PY"; [[ -x "$PYT" ]] || PYT=python3
HAVE_BRIAN=0
if [[ $HAVE_PY -eq 1 && $NO_BRIAN -eq 0 ]] && "$PY" -c 'import brian2' 2>/dev/null; then
    HAVE_BRIAN=1
fi

# ---------------------------------------------------------------- model
if [[ -z "$MODEL" ]]; then
    need_model=0
    [[ -z "$CPP_JSON" ]] && need_model=1
    [[ -z "$NP_JSON" && $HAVE_PY -eq 1 ]] && need_model=1
    [[ $HAVE_BRIAN -eq 1 && -z "$B2S_JSON" ]] && need_model=1
    [[ $HAVE_BRIAN -eq 1 && $NO_BRIAN_RUNTIME -eq 0 && -z "$B2R_JSON" ]] && need_model=1
    if [[ $need_model -eq 1 ]]; then
        if [[ ! -x "$TRAIN_EXE" ]]; then
            echo "error: no --model given and the trainer is missing: $TRAIN_EXE" >&2
            echo "       build it (cmake --build $BUILD_DIR --target spikernn-train) or pass --model FILE" >&2
            exit 2
        fi
        echo "== training a Go-NoGo rate model with $TRAIN_EXE (N=200, seed 1)" >&2
        mkdir -p "$TMP/model"
        if ! "$TRAIN_EXE" --task go-nogo --N 200 --act sigmoid --decay_taus 4 20 \
                --apply_dale true --som_N 0 --loss_fn l2 --n_trials 6000 --seed 1 \
                --quiet --output_dir "$TMP/model" > "$TMP/train.out" 2> "$TMP/train.err"; then
            echo "error: spikernn-train failed:" >&2; tail -n 20 "$TMP/train.err" >&2; exit 1
        fi
        MODEL="$(grep -E '\.mat$' "$TMP/train.out" | tail -n 1 || true)"
        if [[ -z "$MODEL" || ! -f "$MODEL" ]]; then
            echo "error: spikernn-train did not print a model path (stdout follows)" >&2
            cat "$TMP/train.out" >&2; exit 1
        fi
    fi
elif [[ ! -f "$MODEL" ]]; then
    echo "error: model file not found: $MODEL" >&2; exit 1
fi
if [[ -n "$MODEL" ]]; then
    MODEL="$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")"
fi

FACTOR_SRC="--factor"
if [[ -z "$FACTOR" ]]; then
    FACTOR=50
    FACTOR_SRC="default: no opt_scaling_factor in the model"
    if [[ $HAVE_PY -eq 1 && -n "$MODEL" ]]; then
        opt="$("$PY" - "$MODEL" <<'EOF' 2>/dev/null || true
import math, sys
import numpy as np, scipy.io
d = scipy.io.loadmat(sys.argv[1], variable_names=["opt_scaling_factor"])
if "opt_scaling_factor" in d:
    v = float(np.asarray(d["opt_scaling_factor"]).ravel()[0])
    if math.isfinite(v) and v > 0:
        print(repr(v))
EOF
)"
        if [[ -n "$opt" ]]; then FACTOR="$opt"; FACTOR_SRC="the model's opt_scaling_factor"; fi
    elif [[ $HAVE_PY -eq 0 ]]; then
        FACTOR_SRC="default: could not read the model without scipy"
    fi
fi
echo "== model: ${MODEL:-<none>}; scaling factor $FACTOR ($FACTOR_SRC)" >&2

# ---------------------------------------------------------------- C++ side
if [[ -z "$CPP_JSON" ]]; then
    CPP_JSON="$TMP/cpp.json"
    echo "== running $BENCH (lif_go_trial, lif_search_default)" >&2
    if ! SPIKERNN_BENCH_MODEL="$MODEL" SPIKERNN_BENCH_FACTOR="$FACTOR" \
            "$BENCH" --benchmark_format=json \
            --benchmark_filter='^lif_(go_trial|search_default)' \
            --benchmark_out="$CPP_JSON" --benchmark_out_format=json \
            > "$TMP/cpp_stdout.json"; then
        echo "error: $BENCH failed" >&2; exit 1
    fi
fi

# Pull {name: {counter: value}} out of the Google Benchmark JSON.  Counters are
# top-level keys of each benchmark entry; a trailing "/real_time" (and other
# "/..." arguments of the two families) is stripped; with
# --benchmark_repetitions the "mean" aggregate wins over the iteration rows.
CPP_PARSED="$TMP/cpp_parsed.json"
if ! "$PYT" - "$CPP_JSON" > "$CPP_PARSED" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
COUNTERS = ("ms_per_trial", "s_total", "spikes_per_trial", "trials_per_s")
res, from_mean = {}, set()
for b in data.get("benchmarks", []):
    name = (b.get("run_name") or b["name"]).split("/")[0]
    if name not in ("lif_go_trial", "lif_search_default"):
        continue
    vals = {k: float(b[k]) for k in COUNTERS if k in b}
    if not vals:
        continue
    if b.get("run_type") == "aggregate":
        if b.get("aggregate_name") != "mean":
            continue
        res[name] = vals; from_mean.add(name)
    elif name not in from_mean and not b.get("error_occurred"):
        res[name] = vals
ctx = data.get("context", {})
json.dump({"results": res, "context": {k: ctx.get(k) for k in
          ("date", "host_name", "num_cpus", "mhz_per_cpu", "library_build_type")}}, sys.stdout)
EOF
then
    echo "error: could not parse $CPP_JSON" >&2; exit 1
fi

# ---------------------------------------------------------------- numpy side
NP_NOTE=""
if [[ -z "$NP_JSON" ]]; then
    if [[ $HAVE_PY -eq 1 ]]; then
        NP_JSON="$TMP/numpy.json"
        echo "== running lif_numpy.py ($NP_TRIALS Go trials, ~1 s each)" >&2
        if ! "$PY" "$SCRIPT_DIR/lif_numpy.py" --model "$MODEL" --factor "$FACTOR" \
                --trials "$NP_TRIALS" --seed "$SEED" > "$NP_JSON" 2> "$TMP/numpy.err"; then
            echo "note: lif_numpy.py failed (skipping the row):" >&2; tail -n 5 "$TMP/numpy.err" >&2
            NP_JSON=""; NP_NOTE="lif_numpy.py failed"
        fi
    else
        NP_NOTE="no $PY with numpy+scipy"
    fi
fi

# ---------------------------------------------------------------- Brian2 side
B2S_NOTE=""; B2R_NOTE=""
run_brian() {  # $1 = mode, $2 = output file
    "$PY" "$SCRIPT_DIR/lif_brian2.py" --model "$MODEL" --factor "$FACTOR" \
        --trials "$B2_TRIALS" --seed "$SEED" --mode "$1" > "$2" 2> "$TMP/brian_$1.err"
}
if [[ -z "$B2S_JSON" ]]; then
    if [[ $NO_BRIAN -eq 1 ]]; then
        B2S_NOTE="skipped (--no-brian)"
    elif [[ $HAVE_BRIAN -eq 0 ]]; then
        B2S_NOTE="brian2 not importable by $PY (apt-get install -y python3-brian)"
    else
        B2S_JSON="$TMP/brian_standalone.json"
        echo "== running lif_brian2.py --mode standalone (build ~15 s, then $B2_TRIALS trials)" >&2
        if ! run_brian standalone "$B2S_JSON"; then
            echo "note: Brian2 standalone failed (skipping the row):" >&2; tail -n 8 "$TMP/brian_standalone.err" >&2
            B2S_JSON=""; B2S_NOTE="lif_brian2.py --mode standalone failed"
        fi
    fi
fi
if [[ -z "$B2R_JSON" ]]; then
    if [[ $NO_BRIAN -eq 1 ]]; then
        B2R_NOTE="skipped (--no-brian)"
    elif [[ $NO_BRIAN_RUNTIME -eq 1 ]]; then
        B2R_NOTE="skipped (--no-brian-runtime)"
    elif [[ $HAVE_BRIAN -eq 0 ]]; then
        B2R_NOTE="brian2 not importable by $PY"
    else
        B2R_JSON="$TMP/brian_runtime.json"
        echo "== running lif_brian2.py --mode runtime ($B2_TRIALS trials; the first also fills the Cython cache)" >&2
        if ! run_brian runtime "$B2R_JSON"; then
            echo "note: Brian2 runtime failed (skipping the row):" >&2; tail -n 8 "$TMP/brian_runtime.err" >&2
            B2R_JSON=""; B2R_NOTE="lif_brian2.py --mode runtime failed"
        fi
    fi
fi

# ---------------------------------------------------------------- table
"$PYT" - "$CPP_PARSED" "${NP_JSON:-}" "${B2S_JSON:-}" "${B2R_JSON:-}" \
        "$NP_NOTE" "$B2S_NOTE" "$B2R_NOTE" "$FACTOR" "$FACTOR_SRC" "${MODEL:-}" <<'EOF'
import json, sys
cpp_all = json.load(open(sys.argv[1]))
cpp, ctx = cpp_all["results"], cpp_all["context"]
def load(p):
    return json.load(open(p)) if p else None
npj, b2s, b2r = load(sys.argv[2]), load(sys.argv[3]), load(sys.argv[4])
np_note, b2s_note, b2r_note = sys.argv[5], sys.argv[6], sys.argv[7]
factor, factor_src, model = sys.argv[8], sys.argv[9], sys.argv[10]

go = cpp.get("lif_go_trial", {})
search = cpp.get("lif_search_default", {})
s_ms = go.get("ms_per_trial")
s_total = search.get("s_total")

def fmt(v, nd=1):
    if v is None:
        return "n/a"
    return f"{v:.{nd}f}"
def ratio(a, b):
    return "n/a" if a is None or b is None or b <= 0 else f"{a / b:.1f}x"
def spikes(d):
    return None if d is None else d.get("spikes_per_trial")
def correct(d):
    if d is None or "correct" not in d:
        return "n/a"
    c = d["correct"]
    return f"{sum(bool(x) for x in c)}/{len(c)}"
def peak(d):
    if d is None or not d.get("out_max_after_0.5s"):
        return "n/a"
    p = d["out_max_after_0.5s"]
    return f"{sum(p) / len(p):.2f}"

rows = [("spikernn (bench_lif lif_go_trial)", s_ms, "1.0x" if s_ms else "n/a",
         go.get("spikes_per_trial"), "n/a", "n/a")]
notes = []
if s_ms is None:
    notes.append("no lif_go_trial/ms_per_trial in the C++ results")
if npj:
    rows.append((f"numpy loop ({npj.get('trials')} trials)", npj.get("ms_per_trial"),
                 ratio(npj.get("ms_per_trial"), s_ms), spikes(npj), correct(npj), peak(npj)))
else:
    notes.append(f"numpy row skipped: {np_note or 'no result'}")
if b2s:
    rows.append((f"Brian2 standalone, run only ({b2s.get('trials')} trials)", b2s.get("ms_per_trial"),
                 ratio(b2s.get("ms_per_trial"), s_ms), spikes(b2s), correct(b2s), peak(b2s)))
    rows.append(("Brian2 standalone, whole binary (wall)", b2s.get("binary_wall_ms_per_trial"),
                 ratio(b2s.get("binary_wall_ms_per_trial"), s_ms), None, "", ""))
else:
    notes.append(f"Brian2 standalone row skipped: {b2s_note or 'no result'}")
if b2r:
    tgt = b2r.get("codegen_target", "?")
    rows.append((f"Brian2 runtime/{tgt}, run loop ({b2r.get('trials')} trials)", b2r.get("ms_per_trial"),
                 ratio(b2r.get("ms_per_trial"), s_ms), spikes(b2r), correct(b2r), peak(b2r)))
else:
    notes.append(f"Brian2 runtime row skipped: {b2r_note or 'no result'}")

for label, d in (("numpy", npj), ("Brian2 standalone", b2s), ("Brian2 runtime", b2r)):
    if d and d.get("factor") is not None and abs(float(d["factor"]) - float(factor)) > 1e-9:
        notes.append(f"the {label} result was run with factor {d['factor']}, not {factor}")

w = max(len(r[0]) for r in rows)
print()
print("LIF network from a Go-NoGo rate RNN, one Go trial (N=200, 20,000 steps of 0.05 ms, output only)")
print(f"model: {model or '(not needed)'}")
print(f"scaling factor: {factor} ({factor_src})")
hdr = f"{'':{w}}  {'ms/trial':>9}  {'/ spikernn':>10}  {'spikes':>7}  {'correct':>7}  {'peak':>5}"
print(hdr)
print("-" * len(hdr))
for name, v, r, sp, c, pk in rows:
    print(f"{name:{w}}  {fmt(v):>9}  {r:>10}  {fmt(sp, 0) if sp is not None else '':>7}  {c:>7}  {pk:>5}")
print("(spikes = mean spikes per trial; correct = Go trials with max(out[9999:]) > 0.7;"
      " peak = mean of that max)")
print()
if s_total is not None:
    print(f"spikernn default grid search (12 factors x 100 trials, all cores): {s_total:.2f} s")
else:
    notes.append("no lif_search_default/s_total in the C++ results")
if npj and npj.get("ms_per_trial"):
    print(f"  numpy loop, same 1200 trials on one core (extrapolated): {1200 * npj['ms_per_trial'] / 1e3:.0f} s")
if b2s and b2s.get("ms_per_trial"):
    bs = b2s.get("build_s")
    ext = 1200 * b2s["ms_per_trial"] / 1e3
    extra = f" + 12 builds x {bs:.0f} s" if bs else ""
    print(f"  Brian2 standalone, 1200 runs on one core (extrapolated): {ext:.0f} s{extra}")
if b2s:
    cs, gs = b2s.get("compile_s"), b2s.get("codegen_s")
    print(f"Brian2 standalone build (not in ms/trial): {fmt(b2s.get('build_s'))} s"
          f" (g++ {fmt(cs)} s, code generation {fmt(gs)} s); ms/trial = Network::run inside the"
          " binary (results/last_run_info.txt)")
if b2r:
    print(f"Brian2 runtime: first trial {fmt(b2r.get('first_trial_wall_s'))} s wall (Cython compile/cache),"
          f" then setup {fmt(b2r.get('setup_ms_per_trial'))} ms + run loop per trial")
print()
print("targets: spikernn <= 20 ms per trial; >= 8x faster than Brian2 standalone (run only);"
      " >= 30x faster than numpy; default search < 15 s")
checks = []
if s_ms is not None:
    checks.append(("<= 20 ms/trial", s_ms <= 20.0, f"{s_ms:.1f} ms"))
    if b2s and b2s.get("ms_per_trial"):
        q = b2s["ms_per_trial"] / s_ms
        checks.append((">= 8x vs Brian2 standalone", q >= 8.0, f"{q:.1f}x"))
    if npj and npj.get("ms_per_trial"):
        q = npj["ms_per_trial"] / s_ms
        checks.append((">= 30x vs numpy", q >= 30.0, f"{q:.1f}x"))
if s_total is not None:
    checks.append(("search < 15 s", s_total < 15.0, f"{s_total:.2f} s"))
for what, ok, val in checks:
    print(f"  [{'met' if ok else 'MISSED'}] {what}: {val}")
if ctx.get("num_cpus"):
    print(f"C++ context: {ctx.get('num_cpus')} CPUs, {ctx.get('mhz_per_cpu')} MHz,"
          f" benchmark library build {ctx.get('library_build_type')}, {ctx.get('date')}")
for n in notes:
    print("note: " + n)
EOF

# ---------------------------------------------------------------- rows not measured
missing=()
[[ -n "$NP_NOTE" ]] && missing+=("numpy: $NP_NOTE")
[[ -n "$B2S_NOTE" && "$B2S_NOTE" != skipped* ]] && missing+=("Brian2 standalone: $B2S_NOTE")
[[ -n "$B2R_NOTE" && "$B2R_NOTE" != skipped* ]] && missing+=("Brian2 runtime: $B2R_NOTE")
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "error: rows not measured (leave them out on purpose with --no-brian / --no-brian-runtime):" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
fi
