# t_89_sweeps_more.sh - the gaps of the sweeps issue (sourced by run.sh): paratune-log
# --metric on a several-metrics log, checked against the log read with python3-msgpack
# (sweepcheck.py); racing's late winner and clear loser through the real binaries, the
# paired rule recomputed with scipy; the time budget's grace on a hanging fit, then --resume.

SCHK=("$PY" "$HERE/sweepcheck.py")

M89=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5,12
     --grid linearRegression.regParam=0.001,0.03,0.3 --folds 3 --parallelism 2 --quiet)

# plog89 LOG M DIR: every paratune-log command's output under --metric M into DIR
plog89() {
    local log=$1 m=$2 d=$3
    mkdir -p "$d"
    ptlog show "$log" --metric "$m" >"$d/show.txt" &&
        ptlog csv "$log" --metric "$m" >"$d/csv.csv" &&
        ptlog csv "$log" --maps --metric "$m" >"$d/maps.csv" &&
        ptlog json "$log" --metric "$m" >"$d/json.jsonl" &&
        ptlog best "$log" --metric "$m" >"$d/best.txt" &&
        ptlog heatmap "$log" --metric "$m" --x k --y regParam --out "$d/heat.svg"
}

begin "paratune-log --metric r2 / mae: shown and ranked by that metric, as python reads the log"
rm -rf "$W/p89"*
if ! pt tune "${M89[@]}" --metric rmse,mae,r2 --log "$W/p89.log" >/dev/null 2>"$W/p89.err"; then
    bad "tune: $(cat "$W/p89.err")"
elif ! plog89 "$W/p89.log" r2 "$W/p89r2" 2>"$W/p89.err"; then bad "r2: $(cat "$W/p89.err")"
elif ! m=$("${SCHK[@]}" metric "$W/p89.log" r2 "$W/p89r2" 2>&1); then bad "r2: $m"
elif ! plog89 "$W/p89.log" mae "$W/p89mae" 2>"$W/p89.err"; then bad "mae: $(cat "$W/p89.err")"
elif ! m=$("${SCHK[@]}" metric "$W/p89.log" mae "$W/p89mae" 2>&1); then bad "mae: $m"
elif ! ptlog show "$W/p89.log" --metric rmse | cmp -s - <(ptlog show "$W/p89.log"); then
    bad "--metric of the refit metric changed show"
else ok; fi

begin "paratune-log --metric of a metric the log does not record: one line, exit 2, no SVG"
rm -f "$W/p89x.svg"
ptlog heatmap "$W/p89.log" --metric f1 --x k --y regParam --out "$W/p89x.svg" >"$W/p89.out" 2>"$W/p89.err"
rc1=$?
ptlog best "$W/p89.log" --metric mse >/dev/null 2>"$W/p89.err2"
rc2=$?
if [ $rc1 -ne 2 ] || [ "$(wc -l <"$W/p89.err")" -ne 1 ] || [ -s "$W/p89.out" ] ||
        ! grep -q "not recorded in the log (its metrics: rmse,mae,r2)" "$W/p89.err"; then
    bad "exit $rc1: $(cat "$W/p89.err")"
elif [ -e "$W/p89x.svg" ]; then bad "an SVG was written"
elif [ $rc2 -ne 2 ] || [ "$(wc -l <"$W/p89.err2")" -ne 1 ]; then bad "best --metric mse: exit $rc2: $(cat "$W/p89.err2")"
else ok; fi

# Racing's late winner. Folds by --fold-col: in folds 0 and 1 the label is noise around 50
# (sd 1, then 3), in folds 2-4 it is 50 + x1 + noise. Map regParam=0 (the late winner) fits
# the slope and loses on folds 0-1 to regParam=1000 (a near-constant model) by margins that
# differ (about 0.2 and 0.08 rmse), which the paired t-test does not call significant with 2
# folds (p ~ 0.13), then wins clearly on folds 2-4. The two fitIntercept=false maps miss the
# offset of 50 on every fold: clearly worse from their first folds, pruned.
begin "race: a map worse on its first folds by a noisy margin is not pruned and wins; clear losers are"
"$PY" - "$W/late89.csv" <<'PYEOF'
import sys
import numpy as np
rng = np.random.default_rng(5)
with open(sys.argv[1], "w") as o:
    o.write("x1,fold,label\n")
    for f, (signal, sd) in enumerate([(0, 1.0), (0, 3.0), (1, .3), (1, .3), (1, .3)]):
        x = rng.normal(size=200)
        for a, b in zip(x, 50 + signal * x + rng.normal(scale=sd, size=200)):
            o.write("%r,%d,%r\n" % (float(a), f, float(b)))
PYEOF
rm -f "$W/late89.log"
if ! pt tune --data "$W/late89.csv" --fold-col fold --folds 5 --pipeline linearRegression \
        --grid linearRegression.regParam=0,1000 --grid linearRegression.fitIntercept=true,false \
        --race --parallelism 2 --quiet --log "$W/late89.log" >"$W/late89.out" 2>"$W/late89.err"; then
    bad "exit: $(cat "$W/late89.err")"
elif ! m=$("${SCHK[@]}" race "$W/late89.log" 0 2 2>&1); then bad "$m"
elif [ "${m%% /*}" != "1 3" ]; then bad "pruned ${m%% /*}, want the two maps without an intercept"
elif ! grep -q "^best: #0 " "$W/late89.out"; then bad "best line: $(grep best "$W/late89.out")"
else check_clean && ok; fi

# The budget's grace: the last fit hangs ("hang" failpoint) and nothing is queued when the
# budget of 1 s is spent; it gets the documented 5 s (GRACE_SECONDS in coordinator/sweep.c),
# then its worker is killed: exit 0, a summary with the map incomplete, no worker left; the
# resumed sweep equals an uninterrupted one.
G89=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5,12
     --grid linearRegression.regParam=0.001,0.03 --folds 3 --parallelism 2 --quiet)
begin "time budget: a hanging fit is killed after the 5 s grace; exit 0, summary; --resume finishes it"
rm -f "$W/g89.log" "$W/g89f.log"
t0=$(date +%s.%N)
PARATUNE_FAILPOINT='hang@1:0' timeout -k 5 40 "$BIN/paratune" tune "${G89[@]}" --time-budget 1s \
    --log "$W/g89.log" >/dev/null 2>"$W/g89.err"
rc=$?
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
if [ $rc -ne 0 ]; then bad "exit $rc after ${el}s: $(head -c 300 "$W/g89.err")"
elif ! check_clean; then :
elif awk -v e="$el" 'BEGIN { exit !(e < 5.9 || e > 20) }'; then bad "stopped after ${el}s, want 1 s + the 5 s grace"
elif ! pt tune "${G89[@]}" --log "$W/g89.log" --resume >/dev/null 2>"$W/g89.err"; then bad "resume: $(cat "$W/g89.err")"
elif ! pt tune "${G89[@]}" --log "$W/g89f.log" >/dev/null 2>"$W/g89.err"; then bad "full: $(cat "$W/g89.err")"
elif ! m=$("${SCHK[@]}" budget "$W/g89.log" "$W/g89f.log" 2>&1); then bad "$m"
elif [ "$m" != 1 ]; then bad "incomplete maps '$m', want the hanging fit's map 1"
else check_clean && ok; fi
