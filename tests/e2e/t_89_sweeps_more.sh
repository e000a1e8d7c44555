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
