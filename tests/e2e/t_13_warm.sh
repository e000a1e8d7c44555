# t_13_warm.sh - warm workers (coordinator/procs.h): the workers are started before the data
# is loaded and wait for their command line; one that dies while it waits is replaced, and
# none outlives a run that stops on bad input (sourced by run.sh).

# waiting13 PID: the pids of the workers of coordinator PID that still wait for their command
# line (their own, not the one they are handed, is what /proc shows until then)
waiting13() { pgrep -P "$1" -f -- "paratune-worker --wait-fd [0-9]+ --parent $1 " || true; }

pt gen --rows 100000 --features 30 --seed 13 --out "$W/w13.csv"
W13=(--data "$W/w13.csv" --pipeline linearRegression --grid linearRegression.regParam=0.01,0.1
     --folds 2 --seed 13 --parallelism 2)
pt tune "${W13[@]}" --log "$W/w13base.log" --quiet >"$W/w13base.out" 2>&1 ||
    bad "baseline sweep failed: $(cat "$W/w13base.out")"

begin "a worker killed while it waits for the image is replaced; the sweep is as undisturbed"
timeout -k 5 120 "$BIN/paratune" tune "${W13[@]}" --log "$W/w13kill.log" >"$W/w13kill.out" \
    2>"$W/w13kill.err" &
tpid=$!
cpid="" victim=""
for i in $(seq 400); do
    [ -z "$cpid" ] && cpid=$(pgrep -P $tpid -x paratune | head -1)
    if [ -n "$cpid" ]; then
        victim=$(waiting13 "$cpid" | head -1)
        [ -n "$victim" ] && kill -9 "$victim" && break
    fi
    kill -0 $tpid 2>/dev/null || break
    sleep 0.005
done
wait $tpid
rc=$?
if [ -z "$victim" ]; then skip "the data was loaded before a waiting worker was seen";
elif [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/w13kill.err")";
elif ! msg=$($PY "$HERE/logtool.py" sumeq "$W/w13base.log" "$W/w13kill.log" 2>&1); then bad "$msg";
elif [ -n "$(waiting13 "$cpid")" ] || kill -0 "$victim" 2>/dev/null; then bad "a worker is left";
else check_clean && ok; fi

begin "bad input found after the workers started: exit 2, one line, no worker left waiting"
# the bad value is in the last row: the whole file is parsed, with the workers waiting
cp "$W/w13.csv" "$W/w13bad.csv"
tail -1 "$W/w13.csv" | sed 's/^[^,]*,/oops,/' >>"$W/w13bad.csv"
timeout -k 5 120 "$BIN/paratune" tune "${W13[@]/$W\/w13.csv/$W/w13bad.csv}" \
    --log "$W/w13bad.log" >/dev/null 2>"$W/w13bad.err" &
tpid=$!
cpid="" seen=""
for i in $(seq 400); do
    [ -z "$cpid" ] && cpid=$(pgrep -P $tpid -x paratune | head -1)
    [ -n "$cpid" ] && [ -z "$seen" ] && seen=$(waiting13 "$cpid" | head -1)
    kill -0 $tpid 2>/dev/null || break
    sleep 0.005
done
wait $tpid
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$W/w13bad.err")";
elif [ "$(wc -l <"$W/w13bad.err")" -ne 1 ] || ! grep -q "w13bad.csv:" "$W/w13bad.err"; then
    bad "not one line: $(cat "$W/w13bad.err")";
elif [ -e "$W/w13bad.log" ]; then bad "a log was written";
elif [ -n "$seen" ] && kill -0 "$seen" 2>/dev/null; then bad "worker $seen is left";
elif [ -n "$cpid" ] && [ -n "$(pgrep -f -- "--parent $cpid " || true)" ]; then bad "a worker is left";
else check_clean && ok; fi
