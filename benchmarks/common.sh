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
