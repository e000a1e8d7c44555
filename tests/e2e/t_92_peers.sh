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

# probe92 TAG FAILPOINT START_TIMEOUT STEAL: a parallelism-1 sweep whose only worker is held
# at start-up by the failpoint FAILPOINT=$W/p92TAG, and the probe against that worker's pid
# (STEAL=1: with its secret copied out of the worker's pipe). Sets rc, the sweep's exit code;
# returns 1 (after bad) when the worker or the socket was not found.
probe92() {
    local tag=$1 fp=$2 st=$3 steal=$4 cpid ppid wpid="" sock sfd pipe=""
    rm -f "$W/p92$tag"
    PARATUNE_FAILPOINT="$fp=$W/p92$tag" timeout -k 5 60 "$BIN/paratune" tune "${PT92[@]}" \
        --parallelism 1 --start-timeout "$st" --log "$W/p92$tag.log" >"$W/p92$tag.out" 2>"$W/p92$tag.err" &
    cpid=$!
    wait_for92 test -e "$W/p92$tag" && wpid=$(pgrep -P "$(pgrep -P $cpid -x paratune)" -x paratune-worker | head -1)
    sock=$(ls "$TMPDIR"/paratune-*/ctl 2>/dev/null | head -1)
    if [ "$steal" = 1 ] && [ -n "$wpid" ]; then
        sfd=$(tr '\0' '\n' <"/proc/$wpid/cmdline" | grep -A1 -x -- --secret-fd | tail -1)
        pipe="/proc/$wpid/fd/$sfd"
    fi
    if [ -z "$wpid" ] || [ -z "$sock" ]; then
        bad "no held worker ($wpid) or socket ($sock)"; kill $cpid; wait $cpid; return 1
    fi
    timeout -k 2 20 "$BIN/tests/peer_probe" "ipc://$sock" "$wpid" 3 $pipe >"$W/p92$tag.jobs" 2>&1 &
    ppid=$!
    wait $cpid
    rc=$?
    wait $ppid
    return 0
}
# check92 TAG: the probed sweep ended as an undisturbed one, the probe got no job, and the
# refusal was noted; prints what is wrong, if anything.
check92() {
    local tag=$1 msg
    if [ $rc -ne 0 ]; then echo "exit $rc: $(head -c 300 "$W/p92$tag.err")";
    elif [ "$(cat "$W/p92$tag.jobs")" != "jobs 0" ]; then echo "the probe: $(cat "$W/p92$tag.jobs")";
    elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/p92base.log" "$W/p92$tag.log" 2>&1); then echo "$msg";
    elif ! diff <(grep -v '^paratune' "$W/p92base.out") <(grep -v '^paratune' "$W/p92$tag.out") >/dev/null; then echo "tables differ";
    elif ! grep -q "refused a connection to the worker socket" "$W/p92$tag.err"; then echo "no refusal noted: $(cat "$W/p92$tag.err")";
    fi
}

begin "a foreign peer that says HELLO for a worker's pid is refused; its results are never used"
# The worker stalls before HELLO (nohello=FILE), so its slot waits for a HELLO with its pid:
# the probe sends one at once, then would answer every job it got with rmse 0.
if [ ! -x "$BIN/tests/peer_probe" ]; then skip "no $BIN/tests/peer_probe";
elif probe92 probe nohello 2 0; then
    msg=$(check92 probe)
    if [ -n "$msg" ]; then bad "$msg"; else clean92 && ok; fi
fi

begin "a peer with a worker's secret copied out of its pipe is refused (not its pid); the worker keeps its slot"
# The worker waits 3 s before reading its secret (slowsecret=FILE): the probe copies it from
# /proc/PID/fd/N (tee: it stays there for the worker) and presents it first.
if [ ! -x "$BIN/tests/peer_probe" ]; then skip "no $BIN/tests/peer_probe";
elif probe92 steal slowsecret 8 1; then
    msg=$(check92 steal)
    if [ -n "$msg" ]; then bad "$msg";
    elif grep -q "failed to start" "$W/p92steal.err"; then bad "the worker lost its slot: $(cat "$W/p92steal.err")";
    else clean92 && ok; fi
fi
