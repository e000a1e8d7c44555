# t_20_badinput.sh - every bad input is refused with one line and exit 2 (sourced by run.sh).
# ------------------------------------------------------------------ bad input
printf 'a,b,label\n1,2,3\n4,5\n' >"$W/ragged.csv"
printf 'a,b,label\n1,2,3\n4,x,6\n' >"$W/nonnum.csv"
printf 'a,b,label\n1,2,3\n4,5,nan\n' >"$W/nanlabel.csv"
printf 'a,b,label\n1,2,3\n4,5,\n' >"$W/emptylabel.csv"
printf 'a,b,label\n' >"$W/norows.csv"
printf 'a,b,fold,label\n1,2,0,3\n4,5,7,6\n3,3,1,1\n' >"$W/foldrange.csv"
D=(--data "$W/data.csv" --pipeline pca,linearRegression)
expect_bad "missing file" "nope.csv" --data "$W/nope.csv" --pipeline linearRegression
expect_bad "ragged row" "ragged.csv:3" --data "$W/ragged.csv" --pipeline linearRegression
expect_bad "non-numeric field" "nonnum.csv:3" --data "$W/nonnum.csv" --pipeline linearRegression
expect_bad "NaN label" "nanlabel.csv:3" --data "$W/nanlabel.csv" --pipeline linearRegression
expect_bad "empty label" "emptylabel.csv:3" --data "$W/emptylabel.csv" --pipeline linearRegression
expect_bad "no rows" "no data rows" --data "$W/norows.csv" --pipeline linearRegression
printf 'label\n1\n2\n3\n4\n' >"$W/nofeat.csv"
expect_bad "no feature column" "nofeat.csv: no feature column besides the label" --data "$W/nofeat.csv" --pipeline linearRegression
expect_bad "missing label column" "no column named \"target\"" --data "$W/data.csv" --label target --pipeline linearRegression
expect_bad "unknown stage" "unknown stage \"lasso\"" --data "$W/data.csv" --pipeline lasso
expect_bad "unknown param" "unknown param \"kk\"" "${D[@]}" --grid pca.kk=3
expect_bad "k > features" "pca.k must be <= 30" "${D[@]}" --grid pca.k=3,31
expect_bad "negative regParam" "must be >= 0" "${D[@]}" --set pca.k=3 --grid linearRegression.regParam=-1
expect_bad "trainRatio 1" "trainRatio must be in (0, 1)" "${D[@]}" --set pca.k=3 --validator tvs --train-ratio 1
expect_bad "trainRatio 0" "trainRatio must be in (0, 1)" "${D[@]}" --set pca.k=3 --validator tvs --train-ratio 0
expect_bad "folds 1" "numFolds must be an integer >= 2" "${D[@]}" --set pca.k=3 --folds 1
expect_bad "parallelism 0" "--parallelism 0" "${D[@]}" --set pca.k=3 --parallelism 0
expect_bad "threads 0" "--threads-per-job" "${D[@]}" --set pca.k=3 --threads-per-job 0
expect_bad "pin-cpus backwards range" "--pin-cpus 3-1: the range 3-1 runs backwards" "${D[@]}" --set pca.k=3 --pin-cpus 3-1
expect_bad "pin-cpus not a list" "--pin-cpus all: expected a CPU number at \"all\"" "${D[@]}" --set pca.k=3 --pin-cpus all
expect_bad "pin-cpus CPU not usable" "CPU 1023 is not one this process may run on" "${D[@]}" --set pca.k=3 --pin-cpus 0,1023
expect_bad "fold column value out of range" "foldrange.csv:3" --data "$W/foldrange.csv" --fold-col fold --pipeline linearRegression
expect_bad "grid axis named twice" "names it twice" "${D[@]}" --grid pca.k=3 --grid pca.k=4
expect_bad "unknown option" "--frobnicate" "${D[@]}" --frobnicate
expect_bad "unknown metric" "unknown metric" "${D[@]}" --set pca.k=3 --metric auc
expect_bad "k without value" "pca.k has no default" "${D[@]}"
printf 'a,b,label\n1,2,3\n4,5,6\n' >"$W/tiny.csv"
expect_bad "more folds than rows" "--folds 5" --data "$W/tiny.csv" --pipeline linearRegression --folds 5

begin "refuses an existing log and leaves it as it was"
echo "precious" >"$W/exists.log"
pt tune "${D[@]}" --set pca.k=3 --log "$W/exists.log" >/dev/null 2>"$W/err"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc"; elif [ "$(cat "$W/exists.log")" != precious ]; then bad "log changed";
elif ! grep -q "exists" "$W/err"; then bad "$(cat "$W/err")"; else check_clean && ok; fi

begin "paratune-log shows the sweep's table with the best first"
if ! ptlog show "$W/p3.log" >"$W/show.out" 2>"$W/show.err"; then bad "$(cat "$W/show.err")";
elif ! grep -q '\*' "$W/show.out"; then bad "no best mark: $(cat "$W/show.out")"; else ok; fi

begin "no shared memory, socket directory or worker left after all runs"
check_clean && ok


begin "a metric that is not a number (r2 of a constant label) is named, not called a failure"
printf 'a,b,label\n1,2,3\n2,1,3\n3,5,3\n4,4,3\n' >"$W/constlabel.csv"
pt tune --data "$W/constlabel.csv" --pipeline linearRegression --folds 2 --metric r2 --quiet \
    >"$W/out" 2>"$W/err"
rc=$?
if [ $rc -ne 1 ]; then bad "exit $rc";
elif ! grep -q "r2 is not a finite number in fold 0" "$W/err" ||
     ! grep -q "no param map has a finite average r2" "$W/err"; then bad "$(cat "$W/err")";
else check_clean && ok; fi
