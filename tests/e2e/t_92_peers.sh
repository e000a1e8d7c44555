# t_92_peers.sh - stalled workers and foreign peers on the worker socket (sourced by run.sh):
# a worker SIGSTOPped mid-job, one whose connection closes and one that never says HELLO,
# without --job-timeout, are
# killed and their jobs retried (the heartbeat and the start-up deadline); a fit longer than
# the heartbeat is not killed; a peer without a worker's secret is refused and its results are
# never used. Short --heartbeat and --start-timeout values keep each test to a few seconds.
# Each compares the summary with an undisturbed run's (logtool.py sumeq).

PT92=(--data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5)
# wait_for92 COND_CMD...: up to 10 s until the command succeeds
wait_for92() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
    return 1
}
clean92() { wait_for92 test -z "$(leftovers)"; check_clean; }

pt tune "${PT92[@]}" --parallelism 2 --log "$W/p92base.log" --quiet >"$W/p92base.out" 2>&1 ||
    bad "baseline sweep failed: $(cat "$W/p92base.out")"

begin "a worker SIGSTOPped mid-job, no --job-timeout: killed at the heartbeat, job retried"
PARATUNE_FAILPOINT="stop@1:0:1" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" --parallelism 2 \
    --heartbeat 0.3 --log "$W/p92stop.log" >"$W/p92stop.out" 2>"$W/p92stop.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/p92stop.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92stop.log" 2>&1); then bad "$msg";
elif [ "$($PY "$HERE/logtool.py" count "$W/p92stop.log")" != 18 ]; then bad "results missing";
elif [ "$($PY "$HERE/logtool.py" field "$W/p92stop.log" 1 0 attempt)" != 2 ]; then bad "job not retried";
elif ! grep -q "lost its connection (no answer to the heartbeat within 0.9 s" "$W/p92stop.err"; then
    bad "no heartbeat line: $(cat "$W/p92stop.err")";
elif ! diff <(grep -v '^paratune' "$W/p92base.out") <(grep -v '^paratune' "$W/p92stop.out") >/dev/null; then bad "tables differ";
else clean92 && ok; fi

begin "a worker whose connection closes mid-job (heartbeat off): killed, job retried"
PARATUNE_FAILPOINT="close@2:1:1" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" --parallelism 2 \
    --heartbeat 0 --log "$W/p92close.log" >/dev/null 2>"$W/p92close.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/p92close.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92close.log" 2>&1); then bad "$msg";
elif [ "$($PY "$HERE/logtool.py" field "$W/p92close.log" 2 1 attempt)" != 2 ]; then bad "job not retried";
elif ! grep -q "lost its connection" "$W/p92close.err"; then bad "$(cat "$W/p92close.err")";
else clean92 && ok; fi

begin "a fit longer than the heartbeat is not a stall: not killed, not retried"
# the slow job sleeps 3 s, twice the heartbeat's 1.5 s plus the 0.5 s grace
PARATUNE_FAILPOINT="slow@1:0" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" --parallelism 2 \
    --heartbeat 0.5 --log "$W/p92slow.log" >/dev/null 2>"$W/p92slow.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/p92slow.err")";
elif [ "$($PY "$HERE/logtool.py" field "$W/p92slow.log" 1 0 attempt)" != 1 ]; then bad "the long fit was retried";
elif grep -q "lost its connection" "$W/p92slow.err"; then bad "$(cat "$W/p92slow.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92slow.log" 2>&1); then bad "$msg";
else clean92 && ok; fi

begin "a worker that never says HELLO is killed at --start-timeout and replaced"
rm -f "$W/p92nohello"
PARATUNE_FAILPOINT="nohello=$W/p92nohello" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" \
    --parallelism 1 --start-timeout 1.5 --log "$W/p92nh.log" >/dev/null 2>"$W/p92nh.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/p92nh.err")";
elif [ ! -e "$W/p92nohello" ]; then bad "the failpoint did not fire";
elif ! grep -q "did not connect within 1.5 s (--start-timeout); killed" "$W/p92nh.err"; then bad "$(cat "$W/p92nh.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92nh.log" 2>&1); then bad "$msg";
else clean92 && ok; fi

begin "workers that never say HELLO: the sweep ends with exit 1, no hang"
PARATUNE_FAILPOINT="nohello" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" --parallelism 2 \
    --start-timeout 0.2 >/dev/null 2>"$W/p92nh2.err"
rc=$?
if [ $rc -ne 1 ]; then bad "exit $rc: $(head -c 300 "$W/p92nh2.err")";
elif ! grep -q "no worker could start" "$W/p92nh2.err"; then bad "$(cat "$W/p92nh2.err")";
else clean92 && ok; fi

begin "a foreign peer that says HELLO for a worker's pid is refused; its results are never used"
if [ ! -x "$BIN/tests/peer_probe" ]; then skip "no $BIN/tests/peer_probe (make $BIN/tests/peer_probe)";
else
    # The first worker stalls before HELLO (nohello=FILE), so its slot waits for a HELLO with
    # its pid: the probe sends one at once, then answers every job it gets with rmse 0.
    rm -f "$W/p92probe"
    PARATUNE_FAILPOINT="nohello=$W/p92probe" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" \
        --parallelism 1 --start-timeout 2 --log "$W/p92probe.log" >"$W/p92probe.out" 2>"$W/p92probe.err" &
    cpid=$!
    wpid=""
    wait_for92 test -e "$W/p92probe" && wpid=$(pgrep -P "$(pgrep -P $cpid -x paratune)" -x paratune-worker | head -1)
    sock=$(ls "$TMPDIR"/paratune-*/ctl 2>/dev/null | head -1)
    if [ -z "$wpid" ] || [ -z "$sock" ]; then bad "no stalled worker ($wpid) or socket ($sock)"; kill $cpid; wait $cpid;
    else
        timeout -k 2 20 "$BIN/tests/peer_probe" "ipc://$sock" "$wpid" 3 >"$W/p92probe.jobs" 2>&1 &
        ppid=$!
        wait $cpid
        rc=$?
        wait $ppid
        if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/p92probe.err")";
        elif [ "$(cat "$W/p92probe.jobs")" != "jobs 0" ]; then bad "the probe got work: $(cat "$W/p92probe.jobs")";
        elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92probe.log" 2>&1); then bad "$msg";
        elif ! diff <(grep -v '^paratune' "$W/p92base.out") <(grep -v '^paratune' "$W/p92probe.out") >/dev/null; then bad "tables differ";
        elif ! grep -q "refused a connection to the worker socket" "$W/p92probe.err"; then bad "no refusal noted: $(cat "$W/p92probe.err")";
        else clean92 && ok; fi
    fi
fi
