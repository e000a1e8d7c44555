# t_95_metrics.sh - --select one-se (sourced by run.sh): the map it picks, refits and records
# (summary, --model-out) is the one an independent numpy computation over the log's per-fold
# results picks (metriccheck.py); refusals of bad --select values.

MCHK=("$PY" "$HERE/metriccheck.py")
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
