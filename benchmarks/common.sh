# Shared by the compare_*.sh scripts (sourced, not run): where the baselines' Python lives, the
# temporary folder, the prerequisite checks and how the PyTorch side is pinned to one OpenBLAS
# thread (see compare_rate_train.sh for why the BLAS is chosen explicitly).
PY=/usr/bin/python3
OPENBLAS_DIR=/usr/lib/x86_64-linux-gnu/openblas-pthread

# make_tmp NAME: a fresh folder in $TMP, removed when the script exits.
make_tmp() {
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    trap 'rm -rf "$TMP"' EXIT
}

# require_bench BINARY TARGET: exit 2 unless the Google Benchmark binary is built (skipped when
# $CPP_JSON names a saved result).
require_bench() {
    if [[ -z "${CPP_JSON:-}" && ! -x "$1" ]]; then
        echo "error: C++ benchmark binary not found: $1" >&2
        echo "       build it first, e.g.: cmake -S . -B $BUILD_DIR -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD_DIR --target $2" >&2
        exit 2
    fi
}

# require_torch MODULE...: exit 2 unless Debian's python3 imports torch and MODULE... (skipped
# when $PT_JSON names a saved result); warn when the OpenBLAS shim is missing.
require_torch() {
    if [[ ! -x "$PY" ]]; then
        echo "error: $PY not found (the PyTorch side needs Debian's python3 with python3-torch)" >&2
        exit 2
    fi
    [[ -n "${PT_JSON:-}" ]] && return 0
    local imports="torch" pkgs="python3-torch" m
    for m in "$@"; do imports+=", $m"; pkgs+=" python3-$m"; done
    if ! "$PY" -c "import $imports" 2>/dev/null; then
        echo "error: $PY cannot import $imports; install with: apt-get install -y $pkgs libopenblas0-pthread" >&2
        exit 2
    fi
    if [[ ! -e "$OPENBLAS_DIR/libblas.so.3" ]]; then
        echo "warning: $OPENBLAS_DIR/libblas.so.3 missing (apt-get install -y libopenblas0-pthread);" >&2
        echo "         PyTorch will use whatever libblas.so.3 the system provides" >&2
    fi
}

# with_blas LIBDIR COMMAND...: runs COMMAND with LIBDIR first on the loader path and one
# BLAS / OpenMP thread.
with_blas() {
    local libdir="$1"; shift
    env LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$@"
}

# parse_compare_options ARGS...: the options compare_glifr.sh and compare_smnn.sh share (each
# script's header documents them); sets BUILD_DIR REPEATS WARMUP CPP_REPS STYLES CHECK TOL
# CPP_JSON PT_JSON, prints the calling script's header for --help, exits 1 on a bad option.
parse_compare_options() {
    BUILD_DIR=build REPEATS=7 WARMUP=2 CPP_REPS=5 STYLES=original,lean CHECK=0 TOL=1e-3
    CPP_JSON="" PT_JSON=""
    local positional_done=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --repeats) REPEATS="${2:?--repeats needs a value}"; shift 2 ;;
            --repeats=*) REPEATS="${1#*=}"; shift ;;
            --warmup) WARMUP="${2:?--warmup needs a value}"; shift 2 ;;
            --warmup=*) WARMUP="${1#*=}"; shift ;;
            --cpp-repetitions) CPP_REPS="${2:?--cpp-repetitions needs a value}"; shift 2 ;;
            --cpp-repetitions=*) CPP_REPS="${1#*=}"; shift ;;
            --styles) STYLES="${2:?--styles needs a value}"; shift 2 ;;
            --styles=*) STYLES="${1#*=}"; shift ;;
            --check) CHECK=1; shift ;;
            --tol) TOL="${2:?--tol needs a value}"; shift 2 ;;
            --tol=*) TOL="${1#*=}"; shift ;;
            --cpp-json) CPP_JSON="${2:?--cpp-json needs a file}"; shift 2 ;;
            --pytorch-json) PT_JSON="${2:?--pytorch-json needs a file}"; shift 2 ;;
            -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[-1]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
            -*) echo "error: unknown option $1 (see --help)" >&2; exit 1 ;;
            *)
                if [[ $positional_done -eq 1 ]]; then
                    echo "error: unexpected argument $1" >&2; exit 1
                fi
                BUILD_DIR="$1"; positional_done=1; shift ;;
        esac
    done
    [[ "$REPEATS" =~ ^[0-9]+$ && "$REPEATS" -gt 0 ]] || { echo "error: --repeats must be a positive integer" >&2; exit 1; }
    [[ "$CPP_REPS" =~ ^[0-9]+$ && "$CPP_REPS" -gt 0 ]] || { echo "error: --cpp-repetitions must be a positive integer" >&2; exit 1; }
    [[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "error: --warmup must be a non-negative integer" >&2; exit 1; }
    [[ "$STYLES" =~ ^(original|lean)(,(original|lean))?$ ]] || { echo "error: --styles must be a subset of original,lean" >&2; exit 1; }
    [[ "$TOL" =~ ^[0-9.]+([eE][-+]?[0-9]+)?$ ]] || { echo "error: --tol must be a positive number" >&2; exit 1; }
}

# run_pytorch SCRIPT OUT ARGS...: runs the PyTorch baseline SCRIPT (in this folder) on one thread
# with OpenBLAS, its JSON into OUT.
run_pytorch() {
    local script="$1" out="$2"; shift 2
    with_blas "$OPENBLAS_DIR" "$PY" "$SCRIPT_DIR/$script" --threads 1 "$@" > "$out" \
        || { echo "error: $script failed" >&2; exit 1; }
}

# collect_check_outputs BENCH SCRIPT: for --check, runs BENCH --check and SCRIPT --check unless
# --cpp-json / --pytorch-json name saved outputs; leaves their files in CPP_JSON and PT_JSON.
collect_check_outputs() {
    if [[ -z "$CPP_JSON" ]]; then
        CPP_JSON="$TMP/cpp_check.json"
        echo "== running $1 --check" >&2
        "$1" --check > "$CPP_JSON" || { echo "error: $1 --check failed" >&2; exit 1; }
    fi
    if [[ -z "$PT_JSON" ]]; then
        PT_JSON="$TMP/pytorch_check.json"
        echo "== running $2 --check (styles $STYLES)" >&2
        run_pytorch "$2" "$PT_JSON" --check --styles "$STYLES"
    fi
}
