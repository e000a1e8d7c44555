# t_95_metrics.sh - several metrics in one pass (--metric a,b,c, --refit-metric) and --select
# one-se (sourced by run.sh). Each metric of a several-metrics sweep equals the value a sweep
# with that metric alone logs for the same job (1e-12), for each evaluator; the map one-se
# picks, refits and records (summary, --model-out) is the one an independent numpy
# computation over the log's per-fold results picks (metriccheck.py); refusals.

MCHK=("$PY" "$HERE/metriccheck.py")
D95=$HERE/../data

# several_metrics TAG "A,B,C" ARGS...: a sweep with --metric A,B,C, then one per metric alone;
# every metric of the first equals the lone sweep's (metriccheck.py same).
several_metrics() {
    local tag=$1 list=$2
    shift 2
    rm -f "$W/m95_$tag"*.log
    pt tune "$@" --metric "$list" --log "$W/m95_$tag.log" --quiet >/dev/null 2>"$W/m95.err" ||
        { echo "several: $(cat "$W/m95.err")"; return 1; }
    for m in ${list//,/ }; do
        pt tune "$@" --metric "$m" --log "$W/m95_${tag}_$m.log" --quiet >/dev/null 2>"$W/m95.err" ||
            { echo "$m: $(cat "$W/m95.err")"; return 1; }
        "${MCHK[@]}" same "$W/m95_$tag.log" "$W/m95_${tag}_$m.log" "$m" || return 1
    done
}

begin "--metric rmse,mse,mae,r2,var: each equals the single-metric run's value (1e-12)"
if msg=$(several_metrics reg rmse,mse,mae,r2,var --data "$W/data.csv" --pipeline pca,linearRegression \
        --grid pca.k=3,12 --grid linearRegression.regParam=0.001,0.3 --folds 3 --parallelism 2 2>&1); then
    check_clean && ok; else bad "$msg"; fi

begin "--metric areaUnderROC,areaUnderPR (binary) and f1,accuracy,logLoss,hammingLoss (multiclass)"
if ! msg=$(several_metrics bin areaUnderROC,areaUnderPR --data "$D95/breast_cancer.csv" --folds 3 \
        --pipeline standardScaler,logisticRegression --grid logisticRegression.regParam=0.01,0.1 \
        --evaluator binary --parallelism 2 2>&1); then bad "$msg";
elif ! msg=$(several_metrics mc f1,accuracy,logLoss,hammingLoss,weightedPrecision,weightedRecall \
        --data "$D95/iris.csv" --folds 3 --pipeline logisticRegression \
        --grid logisticRegression.regParam=0.001,0.1 --evaluator multiclass 2>&1); then bad "$msg";
else check_clean && ok; fi

begin "--refit-metric mae: the best map and the summary are mae's; metric field, header list"
rm -f "$W/m95_refit.log"
if ! pt tune --data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,12 \
        --grid linearRegression.regParam=0.001,0.3 --folds 3 --parallelism 2 --metric rmse,mae,r2 \
        --refit-metric mae --log "$W/m95_refit.log" --quiet >/dev/null 2>"$W/m95.err"; then bad "$(cat "$W/m95.err")";
elif ! $PY "$HERE/logtool.py" sumeq "$W/m95_refit.log" "$W/m95_reg_mae.log"; then bad "summary differs from the mae sweep's";
elif ! $PY - "$W/m95_refit.log" <<'PYEOF'; then bad "header or metric field";
import sys, msgpack
recs = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, strict_map_key=False))
ev = recs[0]["evaluator"]
assert ev["metric"] == "mae" and ev["metrics"] == "rmse,mae,r2" and ev["larger_is_better"] is False, ev
for r in recs:
    if r["record"] == "result":
        assert r["metric"] == r["metrics"]["mae"] and list(r["metrics"]) == ["rmse", "mae", "r2"], r
PYEOF
else check_clean && ok; fi

expect_bad "--refit-metric not among --metric" "--refit-metric: r2 is not among --metric" \
    --data "$W/data.csv" --pipeline linearRegression --metric rmse,mae --refit-metric r2
expect_bad "--metric of two evaluators" "--metric:" \
    --data "$W/data.csv" --pipeline linearRegression --metric rmse,areaUnderROC
expect_bad "--metric with a name twice" "--metric: mae is given twice" \
    --data "$W/data.csv" --pipeline linearRegression --metric mae,rmse,mae

begin "--resume of a log written with other metrics is refused, saying what differs"
cp "$W/m95_refit.log" "$W/m95_res.log"
pt tune --data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,12 \
    --grid linearRegression.regParam=0.001,0.3 --folds 3 --metric rmse,mae --refit-metric mae \
    --log "$W/m95_res.log" --resume --quiet >/dev/null 2>"$W/m95.err"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$W/m95.err")";
elif [ "$(wc -l <"$W/m95.err")" -ne 1 ] || ! grep -q "metrics (the log has --metric rmse,mae,r2; now rmse,mae)" "$W/m95.err"; then
    bad "$(cat "$W/m95.err")";
elif ! cmp -s "$W/m95_refit.log" "$W/m95_res.log"; then bad "the log changed";
else check_clean && ok; fi

OSE=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5,12,20
     --grid linearRegression.regParam=0.001,0.03,0.1,0.3,1 --folds 4 --parallelism 2 --quiet)

begin "--select one-se: the most regularized map within one standard error, as numpy picks it"
rm -f "$W/ose.log" "$W/ose.model"
if ! pt tune "${OSE[@]}" --select one-se --log "$W/ose.log" --model-out "$W/ose.model" \
        >"$W/ose.out" 2>"$W/ose.err"; then bad "exit: $(cat "$W/ose.err")";
elif ! m=$("${MCHK[@]}" onese "$W/ose.log" "$W/ose.model" 2>&1); then bad "$m";
elif [ "$(echo "$m" | awk '{print $2}')" = "$(echo "$m" | awk '{print $4}')" ]; then
    bad "the rule picked the best-average map itself here ($m): the test shows nothing";
elif ! grep -q "^best: #$(echo "$m" | awk '{print $4}') " "$W/ose.out"; then bad "best line: $(cat "$W/ose.out")";
elif ! grep -q "^select: one-se: #" "$W/ose.out"; then bad "no select line";
else check_clean && ok; fi

begin "--select one-se with a larger-is-better metric (r2); --select best is today's choice"
rm -f "$W/ose2.log" "$W/ose2.model" "$W/ose3.log"
if ! pt tune "${OSE[@]}" --metric r2 --select one-se --log "$W/ose2.log" \
        --model-out "$W/ose2.model" >/dev/null 2>"$W/ose.err"; then bad "exit: $(cat "$W/ose.err")";
elif ! m=$("${MCHK[@]}" onese "$W/ose2.log" "$W/ose2.model" 2>&1); then bad "$m";
elif ! pt tune "${OSE[@]}" --metric r2 --select best --log "$W/ose3.log" >/dev/null 2>"$W/ose.err"; then
    bad "best: $(cat "$W/ose.err")";
elif [ "$($PY "$HERE/logtool.py" summary "$W/ose3.log" | $PY -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["best_index"], "select" in s)')" \
       != "$(echo "$m" | awk '{print $2}') False" ]; then bad "--select best did not pick the best average";
else check_clean && ok; fi

expect_bad "--select one-se with tvs (one split, no standard error)" "--select" \
    --data "$W/data.csv" --pipeline linearRegression --validator tvs --select one-se
expect_bad "--select with an unknown rule" "expected best or one-se" \
    --data "$W/data.csv" --pipeline linearRegression --select worst
