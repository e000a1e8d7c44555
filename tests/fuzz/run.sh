#!/usr/bin/env bash
# run.sh - runs the libFuzzer targets (make fuzz): each of the names given, one after the
# other, for FUZZ_SECONDS (default 20) from its seed corpus tests/fuzz/corpus/<name>/ and
# with its dictionary tests/fuzz/<name>.dict when there is one.
#
# A finding is a crash, a sanitizer report (ASan, UBSan, a leak), an input that runs longer
# than FUZZ_TIMEOUT seconds (default 10: a hang), a process above 2048 MB, or one allocation
# above FUZZ_MALLOC_MB (default 512; from an input of a few kilobytes: a declared size
# believed). FUZZ_BIG_ALLOC_OK=1 lets such an allocation fail (NULL) instead, so that a
# campaign can look past a known finding of that kind. New inputs go to
# build/fuzz/run/<name>/corpus (kept between runs, so a longer campaign goes on from there),
# the crash file and libFuzzer's output to build/fuzz/run/<name>/ -- never into the repo.
# Prints one line per target (executions, coverage, corpus, peak memory, finding) and exits
# non-zero when any target found something.
set -u
BIN=${BIN:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-20}
TIMEOUT=${FUZZ_TIMEOUT:-10}
MALLOC_MB=${FUZZ_MALLOC_MB:-512}
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$BIN/run
export OPENBLAS_NUM_THREADS=1
# above the limit: ASan's report (an allocation that would succeed: libFuzzer's -malloc_limit_mb)
export ASAN_OPTIONS="detect_leaks=1:max_allocation_size_mb=$MALLOC_MB:allocator_may_return_null=${FUZZ_BIG_ALLOC_OK:-0}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
failed=0
for t in "$@"; do
    dir=$RUN/$t
    mkdir -p "$dir/corpus"
    rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*
    dict=()
    [ -f "$HERE/$t.dict" ] && dict=(-dict="$HERE/$t.dict")
    "$BIN/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
        -malloc_limit_mb="$MALLOC_MB" -print_final_stats=1 -artifact_prefix="$dir/" \
        "${dict[@]}" "$dir/corpus" "$HERE/corpus/$t" >"$dir/log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    line=$(printf 'fuzz %-8s %10s execs in %ss, cov %s, ft %s, corpus %s, peak %s MB' \
        "$t" "${execs:-?}" "$SECONDS_EACH" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}")
    if [ "$rc" -eq 0 ]; then
        echo "$line: ok"
    else
        failed=1
        art=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | head -1)
        why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz: |^==[0-9]+==.*(exceeds|out of memory)' \
            "$dir/log")
        echo "$line: FOUND (exit $rc) ${art:-no artifact}"
        echo "    ${why:-see $dir/log}"
        echo "    reproduce: $BIN/fuzz_$t ${art:-<input>}   (log: $dir/log)"
    fi
done
exit $failed
