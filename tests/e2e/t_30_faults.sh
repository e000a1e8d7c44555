# t_30_faults.sh - fault isolation, timeouts, memory caps, signals and --resume with real
# processes and real signals (sourced by run.sh). Faults are injected with the worker's
# PARATUNE_FAILPOINT (see workerproc/worker.c); everything else is the production path.

FT=(--data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5)

# wait_for COND_CMD...: up to 30 s until the command succeeds
wait_for() {
    local i
    for i in $(seq 300); do "$@" && return 0; sleep 0.1; done
    return 1
}
has_results() { [ "$($PY "$HERE/logtool.py" count "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
clean_soon() { wait_for test -z "$(leftovers)"; check_clean; }

pt tune "${FT[@]}" --parallelism 2 --log "$W/base.log" --quiet >"$W/base.out" 2>&1 ||
    bad "baseline sweep failed: $(cat "$W/base.out")"

begin "workers killed by SIGSEGV and SIGKILL mid-job: jobs retried, summary as undisturbed"
PARATUNE_FAILPOINT="segv@1:0:1;kill@2:1:2" pt tune "${FT[@]}" --parallelism 2 \
    --log "$W/retry.log" >"$W/retry.out" 2>"$W/retry.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/retry.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/base.log" "$W/retry.log" 2>&1); then bad "$msg";
elif [ "$($PY "$HERE/logtool.py" field "$W/retry.log" 1 0 attempt)" != 2 ] ||
     [ "$($PY "$HERE/logtool.py" field "$W/retry.log" 2 1 attempt)" != 3 ]; then bad "attempts not logged";
elif ! grep -q "SIGSEGV" "$W/retry.err" || ! grep -q "SIGKILL" "$W/retry.err"; then bad "no retry lines: $(cat "$W/retry.err")";
else clean_soon && ok; fi

begin "a job that crashes on every attempt is failed with the signal; its map is excluded"
PARATUNE_FAILPOINT="segv@1:*" pt tune "${FT[@]}" --parallelism 2 --max-retries 1 \
    --log "$W/fail.log" >"$W/fail.out" 2>"$W/fail.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc";
elif ! $PY - "$W/fail.log" "$W/base.log" <<'PYEOF'
import math, sys, msgpack
f = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
b = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
s, sb = f[-1], b[-1]
assert s["record"] == "summary" and s["failed_param_maps"] == [1], s
assert math.isnan(s["avg_metrics"][1]) and s["best_index"] != 1
bad = [r for r in f if r["record"] == "result" and r["param_index"] == 1]
assert len(bad) == 3 and all(r["status"] == "failed" and "SIGSEGV" in r["error"] and r["attempt"] == 2 for r in bad), bad
others = [i for i in range(len(sb["avg_metrics"])) if i != 1]
best = min(others, key=lambda i: (sb["avg_metrics"][i], i))
assert s["best_index"] == best, (s["best_index"], best)
PYEOF
then bad "log wrong";
elif ! grep -q "param map 1 (.*) failed" "$W/fail.err" || ! grep -q "failed" "$W/fail.out"; then bad "failed map not listed";
else clean_soon && ok; fi

begin "a hanging job is killed at --job-timeout and recorded as timeout"
PARATUNE_FAILPOINT="hang@0:1" pt tune "${FT[@]}" --parallelism 2 --job-timeout 1 \
    --log "$W/hang.log" >/dev/null 2>"$W/hang.err"
rc=$?
st=$($PY "$HERE/logtool.py" field "$W/hang.log" 0 1 status)
if [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/hang.err")";
elif [ "$st" != timeout ]; then bad "status $st";
elif [ "$($PY "$HERE/logtool.py" count "$W/hang.log")" != 18 ]; then bad "results missing";
else clean_soon && ok; fi

begin "a job over --worker-memory fails cleanly; coordinator and other jobs live on"
PARATUNE_FAILPOINT="alloc@2:*" pt tune "${FT[@]}" --parallelism 2 --worker-memory 96M \
    --log "$W/mem.log" >/dev/null 2>"$W/mem.err"
rc=$?
e=$($PY "$HERE/logtool.py" field "$W/mem.log" 2 0 error)
if [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/mem.err")";
elif ! echo "$e" | grep -q "out of memory"; then bad "error: $e";
elif ! echo "$e" | grep -qF "(worker memory cap 96 MiB, --worker-memory)"; then bad "no cap note: $e";
elif [ "$($PY "$HERE/logtool.py" field "$W/mem.log" 3 0 status)" != ok ]; then bad "other jobs failed";
else clean_soon && ok; fi

begin "a worker with a fatal start-up error is not respawned in a loop"
PARATUNE_FAILPOINT="startfail" timeout 20 "$BIN/paratune" tune "${FT[@]}" --parallelism 2 \
    >/dev/null 2>"$W/start.err"
rc=$?
n=$(grep -c "failed to start" "$W/start.err")
if [ $rc -ne 1 ]; then bad "exit $rc"; elif [ "$n" -ne 2 ]; then bad "$n start failures";
elif ! grep -q "no worker could start" "$W/start.err"; then bad "$(cat "$W/start.err")";
else clean_soon && ok; fi

begin "every param map failing exits 1 with a clear message"
PARATUNE_FAILPOINT="exit@*:*" pt tune "${FT[@]}" --max-retries 0 --log "$W/allfail.log" \
    >/dev/null 2>"$W/allfail.err"
rc=$?
if [ $rc -ne 1 ]; then bad "exit $rc"; elif ! grep -q "every param map failed" "$W/allfail.err"; then bad "$(cat "$W/allfail.err")";
elif ! grep -q "exited with code 3" "$W/allfail.err"; then bad "no reason";
else clean_soon && ok; fi

begin "kill -9 of the coordinator mid-sweep leaves nothing behind; --resume finishes it"
PARATUNE_FAILPOINT="hang@2:1" "$BIN/paratune" tune "${FT[@]}" --parallelism 1 --log "$W/k9.log" --quiet \
    >/dev/null 2>&1 &
cpid=$!
if ! wait_for has_results "$W/k9.log" 7; then bad "no progress"; kill -9 $cpid;
else
    kill -9 $cpid
    wait $cpid 2>/dev/null
    if ! clean_soon; then :;
    elif [ "$($PY "$HERE/logtool.py" count "$W/k9.log")" != 7 ]; then bad "not 7 results";
    elif ! pt tune "${FT[@]}" --parallelism 2 --log "$W/k9.log" --resume >"$W/k9.out" 2>"$W/k9.err"; then bad "resume: $(cat "$W/k9.err")";
    elif ! grep -q "7 of 18 jobs already have a result; running 11" "$W/k9.err"; then bad "$(cat "$W/k9.err")";
    elif [ "$($PY "$HERE/logtool.py" count "$W/k9.log")" != 18 ]; then bad "not 18 results";
    elif ! $PY -c 'import msgpack,sys,collections; r=[x["run"] for x in msgpack.Unpacker(open(sys.argv[1],"rb"),raw=False) if x["record"]=="result"]; assert collections.Counter(r)=={1:7,2:11}, r' "$W/k9.log"; then bad "run numbers wrong";
    elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/base.log" "$W/k9.log" 2>&1); then bad "$msg";
    elif ! diff <(grep -v '^paratune' "$W/base.out") <(grep -v '^paratune' "$W/k9.out") >/dev/null; then bad "tables differ";
    else clean_soon && ok; fi
fi

begin "a torn last record is dropped and its job re-run on --resume"
$PY "$HERE/logtool.py" cut "$W/base.log" "$W/torn.log"
before=$($PY "$HERE/logtool.py" count "$W/torn.log")
ptlog show "$W/torn.log" >"$W/torn.show" 2>&1
if [ "$before" != 17 ]; then bad "cut log has $before results";
elif ! grep -qi "torn" "$W/torn.show"; then bad "paratune-log does not say torn: $(cat "$W/torn.show")";
elif ! pt tune "${FT[@]}" --log "$W/torn.log" --resume >/dev/null 2>"$W/torn.err"; then bad "resume: $(cat "$W/torn.err")";
elif ! grep -q "dropped" "$W/torn.err"; then bad "no note: $(cat "$W/torn.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/base.log" "$W/torn.log" 2>&1); then bad "$msg";
elif [ "$($PY "$HERE/logtool.py" count "$W/torn.log")" != 18 ]; then bad "results";
else clean_soon && ok; fi

begin "--resume with a changed grid, seed or data is refused and the log is untouched"
cp "$W/base.log" "$W/keep.log"
r1=0; r2=0; r3=0
pt tune --data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5 \
    --grid linearRegression.regParam=0.001,0.03 --folds 3 --seed 5 --log "$W/base.log" --resume \
    >/dev/null 2>"$W/rg.err" || r1=$?
pt tune "${FT[@]:0:${#FT[@]}-1}" 6 --log "$W/base.log" --resume >/dev/null 2>"$W/rs.err" || r2=$?
pt tune --data "$W/big.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5 \
    --log "$W/base.log" --resume >/dev/null 2>"$W/rd.err" || r3=$?
if [ $r1 -ne 2 ] || [ $r2 -ne 2 ] || [ $r3 -ne 2 ]; then bad "exits $r1 $r2 $r3";
elif ! grep -q "different grid" "$W/rg.err" || ! grep -q "different validator" "$W/rs.err" ||
     ! grep -q "different data" "$W/rd.err"; then bad "$(cat "$W/rg.err" "$W/rs.err" "$W/rd.err")";
elif ! cmp -s "$W/base.log" "$W/keep.log"; then bad "log changed";
else check_clean && ok; fi

begin "--resume of a finished sweep runs nothing and changes nothing"
if ! pt tune "${FT[@]}" --log "$W/base.log" --resume >"$W/fin.out" 2>"$W/fin.err"; then bad "$(cat "$W/fin.err")";
elif ! cmp -s "$W/base.log" "$W/keep.log"; then bad "log changed";
elif ! diff <(grep -v '^paratune' "$W/base.out") <(grep -v '^paratune' "$W/fin.out") >/dev/null; then bad "tables differ";
else ok; fi

begin "SIGINT: running jobs get a grace, exit 130 with a resume line; resume completes"
PARATUNE_FAILPOINT="hang@2:0" "$BIN/paratune" tune "${FT[@]}" --parallelism 2 --log "$W/int.log" \
    >/dev/null 2>"$W/int.err" &
cpid=$!
wait_for has_results "$W/int.log" 5
kill -INT $cpid
wait $cpid
rc=$?
if [ $rc -ne 130 ]; then bad "exit $rc: $(cat "$W/int.err")";
elif ! grep -q -- "--resume" "$W/int.err"; then bad "no resume hint: $(cat "$W/int.err")";
elif ! clean_soon; then :;
elif ! pt tune "${FT[@]}" --parallelism 2 --log "$W/int.log" --resume >/dev/null 2>"$W/int2.err"; then bad "resume: $(cat "$W/int2.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/base.log" "$W/int.log" 2>&1); then bad "$msg";
else clean_soon && ok; fi

begin "a second SIGTERM stops at once with exit 143"
# Job (2, 0) hangs; once 7 results are in, the jobs after it have run, so it is running. The
# first SIGTERM then waits up to the 5 s grace for it, which it never ends: a coordinator
# that did not stop at the second signal would exit 5 s or more after the first (its grace
# starts when it sees the signal), while one that stops at once needs only its teardown.
# So the bound is the grace itself, not a guess at how fast a loaded machine tears down.
PARATUNE_FAILPOINT="hang@2:0" "$BIN/paratune" tune "${FT[@]}" --parallelism 2 --log "$W/term.log" \
    >/dev/null 2>"$W/term.err" &
cpid=$!
wait_for has_results "$W/term.log" 7
t0=$(date +%s.%N)
kill -TERM $cpid; sleep 0.2; kill -TERM $cpid
wait $cpid
rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
if [ $rc -ne 143 ]; then bad "exit $rc";
elif ! grep -q "waiting up to 5 s for [12] running (signal again to stop now)" "$W/term.err"; then
    bad "the first SIGTERM did not start the grace for the hung job: $(cat "$W/term.err")";
elif [ "$(echo "$el >= 5" | bc)" = 1 ]; then bad "took $el s, the whole 5 s grace: the second SIGTERM did not stop it";
else clean_soon && ok; fi

# ------------------------------------------------------------------ --pin-cpus
# Two jobs hang (until --job-timeout), so both workers are alive while the CPUs they may run
# on are read from /proc; the sweep then finishes.
cpus_of() { awk '/^Cpus_allowed_list/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# (workers with their command line: warm ones that still wait for it come before the pinning)
two_workers() { [ "$(pgrep -P "$1" -f 'paratune-worker --endpoint' | wc -l)" -ge 2 ]; }
# pin_case NAME WANT_COORD WANT_WORKERS TASKSET_LIST [tune options...]
pin_case() {
    local name=$1 want_c=$2 want_w=$3 set=$4 cpid got_c got_w rc
    shift 4
    begin "--pin-cpus: $name"
    PARATUNE_FAILPOINT="hang@0:0:1;hang@0:1:1" taskset -c "$set" "$BIN/paratune" tune "${FT[@]}" \
        --parallelism 2 --job-timeout 1.5 --quiet --log "$W/pin.log" --overwrite "$@" \
        >/dev/null 2>"$W/pin.err" &
    cpid=$!
    if ! wait_for two_workers $cpid; then kill -9 $cpid; wait $cpid; bad "no workers"; return; fi
    got_c=$(cpus_of $cpid)
    got_w=$(for p in $(pgrep -P $cpid -f 'paratune-worker --endpoint'); do cpus_of "$p"; done | sort | tr '\n' ' ')
    wait $cpid
    rc=$?
    if [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/pin.err")";
    elif [ "$got_c" != "$want_c" ]; then bad "coordinator may use CPUs $got_c, want $want_c";
    elif [ "$got_w" != "$want_w " ]; then bad "workers may use CPUs '$got_w', want '$want_w'";
    elif [ "$($PY "$HERE/logtool.py" count "$W/pin.log")" != 18 ]; then bad "results missing";
    else clean_soon && ok; fi
}
read -r C0 C1 <<<"$($PY -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
if [ -z "${C1:-}" ]; then
    begin "--pin-cpus"; skip "needs 2 CPUs, this process may use only CPU $C0"
else
    both=$C0,$C1
    [ $((C1 - C0)) -eq 1 ] && both=$C0-$C1
    pin_case "auto pins one worker per CPU when parallelism covers them" "$C0" "$C0 $C1" "$C0,$C1"
    pin_case "off leaves every process on every CPU" "$both" "$both $both" "$C0,$C1" --pin-cpus off
    pin_case "a list puts the coordinator and workers on it" "$C1" "$C1 $C1" "$C0,$C1" --pin-cpus "$C1"
fi
