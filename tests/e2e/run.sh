#!/usr/bin/env bash
# run.sh - end-to-end tests: run the real paratune, paratune-worker and paratune-log binaries
# and check their output, logs and exit codes against independent references (numpy, see
# tests/ref/) and against each other. Needs python3 with numpy and msgpack.
# A test that cannot run here (it needs two CPUs, say) says "skip NAME: why" instead of passing.
# Prints "N passed, N failed, N skipped" last; exits non-zero when any test failed.
set -u
BIN=${BIN:-build}
BIN=$(cd "$BIN" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$HERE/../ref
PY=${PYTHON:-/usr/bin/python3}
W=$(mktemp -d /tmp/paratune-e2e.XXXXXX)
export TMPDIR=$W/tmp
mkdir -p "$TMPDIR"
# Under AddressSanitizer (make check SANITIZE=1) a failed malloc must return NULL, as glibc's
# does, for the --worker-memory tests.
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# LSAN_OPTIONS for the processes that hold CURVE TCP connections (the agents and their
# coordinators that agents.sh and t_69 start): libzmq's teardown leak (lsan_zmq.supp); only
# sanitizer builds read it
ZMQ_LSAN="suppressions=$HERE/lsan_zmq.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
PASS=0
FAIL=0
SKIP=0
NAME=""
trap 'rm -rf "$W"' EXIT

# Every run is bounded, so a hang fails a test instead of the whole CI job.
pt() { timeout -k 5 300 "$BIN/paratune" "$@"; }
ptlog() { "$BIN/paratune-log" "$@"; }

begin() { NAME=$1; }
ok() { PASS=$((PASS + 1)); echo "ok   $NAME"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $NAME: $*"; }
skip() { SKIP=$((SKIP + 1)); echo "skip $NAME: $*"; }

# Nothing of a run may stay behind: no shm object, no socket directory, no worker.
leftovers() {
    local l
    l=$(ls /dev/shm 2>/dev/null | grep '^paratune-' ; ls "$TMPDIR" | grep '^paratune-')
    # workers of this test run only (their socket is under this run's TMPDIR)
    if pgrep -f "paratune-worker --endpoint ipc://$TMPDIR/" >/dev/null 2>&1; then
        l="$l worker-processes"
    fi
    echo -n "$l"
}
check_clean() {
    local l
    l=$(leftovers)
    if [ -n "$l" ]; then bad "left behind: $l"; return 1; fi
    return 0
}

# expect_bad NAME SUBSTRING ARGS... : exit 2, one stderr line containing SUBSTRING, no log.
expect_bad() {
    local name=$1 want=$2
    shift 2
    begin "refuses: $name"
    rm -f "$W/bad.log"
    pt tune "$@" --log "$W/bad.log" >"$W/out" 2>"$W/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$W/err")
    if [ $rc -ne 2 ]; then bad "exit $rc, want 2 ($(head -c 300 "$W/err"))"; return; fi
    if [ "$lines" -ne 1 ]; then bad "$lines stderr lines: $(head -c 300 "$W/err")"; return; fi
    if ! grep -qF -- "$want" "$W/err"; then bad "message lacks '$want': $(cat "$W/err")"; return; fi
    if [ -e "$W/bad.log" ]; then bad "a log was written"; return; fi
    check_clean && ok
}

# expect_predict_bad NAME SUBSTRING ARGS...: exit 2, one line, no output file
expect_predict_bad() {
    local name=$1 want=$2
    shift 2
    begin "predict refuses: $name"
    rm -f "$W/p.out"
    pt predict "$@" --out "$W/p.out" >/dev/null 2>"$W/err"
    local rc=$?
    if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$W/err")";
    elif [ "$(wc -l <"$W/err")" -ne 1 ]; then bad "$(cat "$W/err")";
    elif ! grep -qF -- "$want" "$W/err"; then bad "lacks '$want': $(cat "$W/err")";
    elif [ -e "$W/p.out" ] || ls "$W" | grep -q '^p.out.tmp'; then bad "wrote output";
    else ok; fi
}

# ------------------------------------------------------------------ data
pt gen --rows 3000 --features 30 --seed 7 --out "$W/data.csv" || { echo "gen failed"; exit 1; }
$PY "$HERE/addfold.py" "$W/data.csv" "$W/data_cv.csv" kfold 4 11
$PY "$HERE/addfold.py" "$W/data.csv" "$W/data_tvs.csv" tvs 0.8 42

GRID=(--grid pca.k=3,5,12 --grid linearRegression.regParam=0.001,0.03)


# ------------------------------------------------------------------ tests
# E2E_ONLY=78_weights (a glob after "t_") runs only the files it matches, while developing
for t in "$HERE"/t_${E2E_ONLY:-*}.sh; do
    # shellcheck source=/dev/null
    . "$t"
done

echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
