#!/usr/bin/env bash
# Builds the fuzz targets of the file readers with clang++ (libFuzzer + AddressSanitizer +
# UndefinedBehaviorSanitizer, LeakSanitizer on) in build-fuzz/ and runs each for FUZZ_SECONDS
# (default 30) from its seed corpus tests/fuzz/corpus/<target>/ (new inputs are kept in
# build-fuzz/fuzz-corpus/<target>/; the committed corpus is not touched). Prints executions and
# findings per target and reproduces every finding to say where it is:
#   spikernn  in spikernn's code, or in matio/zlib on input spikernn let through: a bug to fix;
#   libhdf5   inside HDF5, which reads MAT v7.3 files for matio and NIR files for spikernn and
#             which spikernn cannot check first (HDF5 1.10's own memory errors and allocations
#             on damaged files; its leaks are suppressed, tests/fuzz/lsan.supp);
#   not reproducible  no report (the finding's log and a rerun of its input show none).
# Exits 1 when a finding is in spikernn, 0 otherwise. Artifacts: build-fuzz/fuzz-findings/<target>/
# (the input, its fuzzing log .log, and a rerun with full stacks .report).
#
#   tests/fuzz/run.sh                              all targets, 30 s each (CI: 10 s)
#   FUZZ_SECONDS=600 tests/fuzz/run.sh             longer runs
#   FUZZ_TARGETS="mat_v5 npy" tests/fuzz/run.sh    some targets (mat_v5 mat_v73 npy idx nir)
#   tests/fuzz/run.sh repro build-fuzz/fuzz-findings/mat_v5/crash-…   rerun one input, full report
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"mat_v5 mat_v73 npy idx nir"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# HDF5's own leaks on damaged files are not findings (tests/fuzz/lsan.supp says why)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
# reproductions unwind every allocation the slow way: full stacks through libraries built
# without frame pointers (libhdf5), too slow for fuzzing itself
repro_asan="$ASAN_OPTIONS:fast_unwind_on_malloc=0:malloc_context_size=40"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# clang and its fuzzer runtime (Debian 12: clang-14, libclang-rt-14-dev), installed when missing
if ! command -v clang++ >/dev/null || ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "installing clang and libclang-rt-14-dev"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi

if [ "${1:-}" = repro ]; then
  t=$(basename "$(dirname "$2")")
  ASAN_OPTIONS=$repro_asan exec "$build/tests/fuzz/fuzz_$t" -rss_limit_mb=2048 -timeout=30 "$2"
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
start=$(date +%s)
cmake -S . -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSPIKERNN_BUILD_FUZZERS=ON -DSPIKERNN_BUILD_TESTS=OFF \
  -DSPIKERNN_BUILD_EXAMPLES=OFF -DSPIKERNN_BUILD_BENCHMARKS=OFF -DSPIKERNN_BUILD_PYTHON=OFF \
  -DSPIKERNN_ENABLE_CUDA=OFF -DSPIKERNN_NATIVE=OFF -DSPIKERNN_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
echo "built the fuzz targets in $(( $(date +%s) - start )) s"

# Where a finding is: the first stack frame of its report outside the sanitizer and fuzzer
# runtime and libc (for a leak: the first frame above the allocation); "not reproducible" when
# the text holds no sanitizer or libFuzzer report.
classify() {
  local report=$1
  if ! grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:|SUMMARY:" "$report"; then
    echo "not reproducible"
    return
  fi
  awk '
    /^ *#[0-9]+ 0x/ {
      line = $0
      if (line ~ /libhdf5/) { print "libhdf5"; exit }
      if (line ~ /libmatio|libz\.so/) { print "spikernn"; exit }
      # the sanitizer and fuzzer runtime (frames without source lines in the fuzz program: its
      # interceptors of malloc, strdup, memcpy...) and libc
      if (line ~ /\(\/[^)]*fuzz_[a-z0-9_]+\+0x[0-9a-f]+\)/ || line ~ /libc\.so|sysdeps\/|csu\/|libstdc\+\+|libgcc/) next
      if (line ~ /(__sanitizer|__asan|__lsan|__ubsan|__interceptor_|fuzzer::)/) next
      print "spikernn"; exit
    }
    END { }' "$report" | head -1 | grep . || echo "spikernn"
}

failed=0
summary=()
for t in $targets; do
  exe="$build/tests/fuzz/fuzz_$t"
  [ -x "$exe" ] || { summary+=("$t: not built (needs matio / zlib / HDF5)"); continue; }
  work="$build/fuzz-corpus/$t" findings="$build/fuzz-findings/$t"
  mkdir -p "$work"
  rm -rf "$findings"
  mkdir -p "$findings"
  log="$build/fuzz-$t.log"
  : >"$log"
  # libFuzzer stops at a finding: it is saved, and fuzzing resumes for the rest of the time,
  # so that one run shows what it reaches
  execs=0 ours=0 upstream=0 unknown=0 names=() deadline=$(( $(date +%s) + seconds ))
  # a fixed seed per round (FUZZ_SEED, then +1 after each finding) so that a run repeats, and a
  # round after a finding does not replay the mutations that led to it
  round=0
  while (( $(date +%s) < deadline )); do
    round=$((round + 1))
    "$exe" -seed=$(( ${FUZZ_SEED:-1} + round - 1 )) -max_total_time=$(( deadline - $(date +%s) )) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$t" >"$log.run" 2>&1 || true
    cat "$log.run" >>"$log"
    n=$(grep -E "^stat::number_of_executed_units:" "$log.run" | tail -1 | awk '{print $2}')
    execs=$(( execs + ${n:-0} ))
    # the finding of this run (at most one): its report is in the run's log; a reproduction
    # with full stacks is kept beside it
    a=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log.run" | tail -1)
    if [ -n "$a" ] && [ -e "$a" ] && [ ! -e "$a.report" ]; then
      if [[ $(basename "$a") == timeout-* ]]; then
        # a hang: the fuzzing log holds its stack; rerunning it would cost the whole timeout again
        echo "a timeout: its stack is in $(basename "$a").log; rerun it with: $0 repro $a" >"$a.report"
      else
        ASAN_OPTIONS=$repro_asan timeout 120 "$exe" -rss_limit_mb=2048 -timeout=30 "$a" >"$a.report" 2>&1 || true
      fi
      where=$(classify "$log.run")
      [ "$where" = "not reproducible" ] && where=$(classify "$a.report")
      case $where in
        libhdf5) upstream=$((upstream + 1)) ;;
        "not reproducible") unknown=$((unknown + 1)) ;;
        *) ours=$((ours + 1)); names+=("$(basename "$a")") ;;
      esac
      cp "$log.run" "$a.log"
    fi
    # libFuzzer keeps an input with new coverage in the work corpus before it checks it for
    # leaks: a leaking input (HDF5's) stays there, and every later round would stop on it while
    # loading the corpus. The finding (named <kind>-<sha1>, the corpus file <sha1>) is taken out.
    [ -n "$a" ] && rm -f "$work/${a##*-}"
    grep -qE "^(==[0-9]+==|SUMMARY:|INFO: libFuzzer.*Done|Done [0-9]+ runs)" "$log.run" || break
    grep -qE "^Done [0-9]+ runs" "$log.run" && break
  done
  rm -f "$log.run"
  line="$t: ${execs:-0} executions in ${seconds} s; findings: spikernn $ours, libhdf5 $upstream, not reproducible $unknown"
  ((ours)) && line+=" (${names[*]})" && failed=1
  summary+=("$line")
  echo "$line"
done
echo "== fuzzing summary (total $(( $(date +%s) - start )) s)"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "findings in spikernn: see $build/fuzz-findings/<target>/*.report; rerun one with: $0 repro <file>"
  exit 1
fi
