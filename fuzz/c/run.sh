#!/usr/bin/env bash
# Build every libFuzzer target and run each for SECONDS:
#
#     bash fuzz/c/run.sh SECONDS [TARGET ...]
#
# Targets are the fuzz_<name>.c files here (default: all), run one after the
# other on a scratch copy of fuzz/c/corpus/<name> (the repository's corpus is
# never written to), after replaying the inputs of fuzz/c/crashes/<name>
# (past findings, which must pass).  Prints executions and executions per second per target
# and a final pass/fail line; exits non-zero on any finding (crash, sanitizer
# report, failed check, leak, timeout, out of memory).
#
# Environment:
#   FUZZ_WORK   directory for the build, the corpora, logs and findings
#               (default: a new temporary directory, kept when a target fails)
#   FUZZ_BUILD  an existing build directory to use instead of building
#   FUZZ_RUNS   stop a target after this many executions (default: no limit)
#   FUZZ_JOBS   compile jobs for the build (default: all cores)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${1:?usage: run.sh SECONDS [TARGET ...]}
shift
if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=()
    for f in "$HERE"/fuzz_*.c; do
        n=$(basename "$f" .c)
        TARGETS+=("${n#fuzz_}")
    done
fi
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/sslx-cfuzz.XXXXXX)}
mkdir -p "$WORK/logs" "$WORK/corpus" "$WORK/findings"
BUILD=${FUZZ_BUILD:-$WORK/build}
if [ -z "${FUZZ_BUILD:-}" ]; then
    bash "$HERE/build.sh" "$BUILD" > "$WORK/logs/build.log" 2>&1 || {
        cat "$WORK/logs/build.log"
        echo "cfuzz: FAILED (build)"
        exit 1
    }
fi

# Per target: the longest input and the dictionary.
max_len() {
    case $1 in
        cert_time) echo 256 ;;
        records) echo 512 ;;
        hostname|memorybio) echo 1024 ;;
        *) echo 4096 ;;
    esac
}
dict() {
    case $1 in
        decode_cert|cadata) echo asn1 ;;
        pem_der|cert_time|hostname|records) echo "$1" ;;
        *) echo "" ;;
    esac
}

# LeakSanitizer runs when a fuzzer exits and fails the run on memory no
# longer reachable (see README.md, "Leaks"); libFuzzer's own per-input leak
# hunt (-detect_leaks=1) is off for speed.  UBSan findings abort.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
printf '%-12s %12s %8s %8s  %s\n' target executions exec/s corpus result
for t in "${TARGETS[@]}"; do
    bin=$BUILD/fuzz_$t
    [ -x "$bin" ] || { echo "cfuzz: no such target: $t"; failed+=("$t"); continue; }
    rm -rf "$WORK/corpus/$t"
    mkdir -p "$WORK/corpus/$t" "$WORK/findings/$t"
    cp -r "$HERE/corpus/$t/." "$WORK/corpus/$t/" 2>/dev/null || true
    regressions=("$HERE/crashes/$t"/*)
    if [ -e "${regressions[0]}" ] && ! "$bin" -detect_leaks=0 "${regressions[@]}" \
            > "$WORK/logs/$t.regressions.log" 2>&1; then
        printf '%-12s %12s %8s %8s  %s\n' "$t" - - - "FAILED (fuzz/c/crashes/$t, log $WORK/logs/$t.regressions.log)"
        grep -E "==sslx-fuzz==|ERROR: |SUMMARY|runtime error" "$WORK/logs/$t.regressions.log" | head -20
        failed+=("$t")
        continue
    fi
    opts=(-max_total_time="$SECS" -max_len="$(max_len "$t")" -timeout=25 -rss_limit_mb=4096
          -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$WORK/findings/$t/")
    [ -n "${FUZZ_RUNS:-}" ] && opts+=(-runs="$FUZZ_RUNS")
    d=$(dict "$t")
    [ -n "$d" ] && opts+=(-dict="$HERE/dict/$d.dict")
    "$bin" "${opts[@]}" "$WORK/corpus/$t" > "$WORK/logs/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/logs/$t.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/logs/$t.log" | tail -1)
    corpus=$(ls "$WORK/corpus/$t" | wc -l)
    findings=$(ls "$WORK/findings/$t" | wc -l)
    if [ $rc -eq 0 ] && [ "$findings" -eq 0 ] && [ -n "$execs" ]; then
        result=ok
    else
        result="FAILED (exit $rc, $findings finding(s), log $WORK/logs/$t.log)"
        failed+=("$t")
    fi
    printf '%-12s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
    if [ "$result" != ok ]; then
        grep -E "==sslx-fuzz==|ERROR: |SUMMARY|runtime error|Test unit written" "$WORK/logs/$t.log" | head -20
    fi
done

if [ ${#failed[@]} -eq 0 ]; then
    echo "cfuzz: ${#TARGETS[@]} targets passed (${SECS}s each)"
    [ -z "${FUZZ_WORK:-}" ] && rm -rf "$WORK"
    exit 0
fi
echo "cfuzz: FAILED: ${failed[*]} (logs and inputs in $WORK)"
exit 1
