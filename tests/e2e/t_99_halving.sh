# t_99_halving.sh - successive halving, --search halving (sourced by run.sh). The rungs (maps
# and rows per rung) must equal scikit-learn's HalvingGridSearchCV schedule for several grid
# sizes, row counts, folds, factors and min_resources; every (rung, map, fold) metric must
# equal a numpy reference fitted on the documented prefix of each fold block; each rung keeps
# the best maps by mean; a last rung on every row must agree with a full grid sweep; an
# interrupted sweep resumed must equal an uninterrupted one; bad combinations are refused.
# Checked by tests/e2e/halvcheck.py.

HC="$HERE/halvcheck.py"
head -n 2701 "$W/data.csv" >"$W/h2700.csv" # 2700 rows: 27 maps in 4 rungs of 100 x 3^r rows
head -n 1001 "$W/data.csv" >"$W/h1000.csv"
head -n 201 "$W/data.csv" >"$W/h200.csv"
H99=(--label label --pipeline pca,linearRegression --seed 0 --quiet --parallelism 2)
K9="pca.k=1,2,3,4,5,6,7,8,9"
R3="linearRegression.regParam=0.001,0.01,0.1"

begin "halving: rungs (maps x rows) equal HalvingGridSearchCV's for 9 schedules"
specs=()
hrun() { # LOG DATA NCAND ROWS FOLDS FACTOR MINRES VALIDATOR GRID...
    local log=$1 data=$2 nc=$3 rows=$4 k=$5 fac=$6 mr=$7 val=$8
    shift 8
    local v=(--folds "$k")
    [ "$val" = tvs ] && v=(--validator tvs --train-ratio 0.8)
    pt tune --data "$data" "${H99[@]}" "${v[@]}" --search halving --halving-factor "$fac" \
        --min-resources "$mr" "$@" --log "$log" >/dev/null 2>"$W/h99.err" || return 1
    specs+=("$log:$nc:$rows:$k:$fac:$mr:$val")
}
if hrun "$W/h1.log" "$W/h2700.csv" 27 2700 3 3 exhaust cv --grid "$K9" --grid "$R3" &&
   hrun "$W/h2.log" "$W/data.csv" 27 3000 4 3 exhaust cv --grid "$K9" --grid "$R3" &&
   hrun "$W/h3.log" "$W/h1000.csv" 15 1000 3 3 exhaust cv --grid pca.k=2,4,6,8,10 --grid "$R3" &&
   hrun "$W/h4.log" "$W/h1000.csv" 10 1000 5 2 exhaust cv --grid pca.k=1,2,3,4,5,6,7,8,9,10 &&
   hrun "$W/h5.log" "$W/data.csv" 8 3000 3 3 100 cv --grid pca.k=1,2,3,4,5,6,7,8 &&
   hrun "$W/h6.log" "$W/h1000.csv" 81 1000 3 3 50 cv --grid "$K9" \
       --grid linearRegression.regParam=0.0001,0.0003,0.001,0.003,0.01,0.03,0.1,0.3,1 &&
   hrun "$W/h7.log" "$W/h200.csv" 30 200 3 4 exhaust cv --grid pca.k=1,2,3,4,5,6,7,8,9,10 \
       --grid "$R3" &&
   hrun "$W/h8.log" "$W/h1000.csv" 9 1000 1 3 exhaust tvs --grid pca.k=1,2,3,4,5,6,7,8,9 &&
   hrun "$W/h9.log" "$W/data.csv" 1 3000 3 3 exhaust cv --grid pca.k=5; then
    if ! m=$("$PY" "$HC" schedule "${specs[@]}" 2>&1); then bad "$m";
    else check_clean && ok; fi
else
    bad "a halving run failed: $(head -c 300 "$W/h99.err")"
fi

begin "halving: each (rung, map, fold) metric equals numpy on the fold blocks' prefixes (cache on and off)"
rm -f "$W/h3n.log"
if ! m=$("$PY" "$HC" rungs "$W/h2.log" "$W/data.csv" 4 0 2>&1); then bad "$m";
elif ! m=$("$PY" "$HC" rungs "$W/h3.log" "$W/h1000.csv" 3 0 2>&1); then bad "$m";
elif ! pt tune --data "$W/h1000.csv" "${H99[@]}" --folds 3 --search halving --no-cache \
        --grid pca.k=2,4,6,8,10 --grid "$R3" --log "$W/h3n.log" >/dev/null 2>"$W/h99.err"; then
    bad "--no-cache: $(head -c 300 "$W/h99.err")";
elif ! m=$("$PY" "$HC" rungs "$W/h3n.log" "$W/h1000.csv" 3 0 2>&1); then bad "--no-cache: $m";
else ok; fi

begin "halving: a last rung on every row equals the full sweep over its maps"
rm -f "$W/h99full.log"
if ! pt tune --data "$W/h2700.csv" "${H99[@]}" --folds 3 --grid "$K9" --grid "$R3" \
        --log "$W/h99full.log" >/dev/null 2>&1; then bad "the full sweep failed";
elif ! m=$("$PY" "$HC" final "$W/h1.log" "$W/h99full.log" 2>&1); then bad "$m";
elif ! ptlog show "$W/h1.log" | grep -q "halving: rung 0: 27 param maps on 100, rung 1: 9 param maps on 300, rung 2: 3 param maps on 900, rung 3: 1 param map on 2700";
then bad "paratune-log show: $(ptlog show "$W/h1.log" | grep halving)";
else check_clean && ok; fi

begin "halving: a sweep killed in rung 1 and resumed equals an uninterrupted one"
"$PY" "$HC" cut "$W/h2.log" 120 "$W/h99r.log"
if ! pt tune --data "$W/data.csv" "${H99[@]}" --folds 4 --search halving --halving-factor 3 \
        --min-resources exhaust --grid "$K9" --grid "$R3" --log "$W/h99r.log" --resume \
        >/dev/null 2>"$W/h99.err"; then bad "resume: $(head -c 300 "$W/h99.err")";
elif ! m=$("$PY" "$HC" resume "$W/h99r.log" "$W/h2.log" 2>&1); then bad "$m";
else check_clean && ok; fi

begin "halving: --resume of a halving log without --search halving is refused"
pt tune --data "$W/data.csv" "${H99[@]}" --folds 4 --grid "$K9" --grid "$R3" \
    --log "$W/h99r.log" --resume >/dev/null 2>"$W/h99.err"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$W/h99.err")" -ne 1 ] ||
   ! grep -q "was written for --search halving" "$W/h99.err"; then
    bad "exit $rc: $(cat "$W/h99.err")"
else ok; fi

begin "halving --resource maxIter: rungs as HalvingGridSearchCV's, each fit the grid sweep's at that maxIter"
G99=(--data "$W/h1000.csv" --label label --pipeline gbtRegressor --seed 0 --quiet --parallelism 2
     --folds 3 --grid gbtRegressor.maxDepth=1,2,3 --grid gbtRegressor.stepSize=0.1,0.3,0.5)
rm -f "$W/h99g.log" "$W/h99gg.log"
if ! pt tune "${G99[@]}" --search halving --resource maxIter --grid gbtRegressor.maxIter=5,27 \
        --log "$W/h99g.log" --model-out "$W/h99g.ptm" >"$W/h99g.out" 2>"$W/h99.err"; then
    bad "halving: $(head -c 300 "$W/h99.err")";
elif ! pt tune "${G99[@]}" --grid gbtRegressor.maxIter=3,9,27 --log "$W/h99gg.log" \
        >/dev/null 2>"$W/h99.err"; then bad "grid: $(head -c 300 "$W/h99.err")";
elif ! m=$("$PY" "$HC" schedule "$W/h99g.log:9:1000:3:3:exhaust:cv:27" 2>&1); then bad "$m";
elif ! m=$("$PY" "$HC" param "$W/h99g.log" "$W/h99gg.log" gbtRegressor.maxIter 2>&1); then
    bad "$m";
elif ! grep -q "rung 2: 1 param map on 27 maxIter" "$W/h99g.out"; then bad "$(cat "$W/h99g.out")";
elif ! "$PY" -c 'import msgpack, sys
u = msgpack.Unpacker(raw=False, strict_map_key=False); u.feed(open(sys.argv[1], "rb").read())
m = next(o for o in u if isinstance(o, dict))
sys.exit(0 if m["params"]["gbtRegressor.maxIter"] == 27 else "model maxIter %r" % m["params"])' \
        "$W/h99g.ptm"; then bad "the refit did not use the last rung's maxIter";
else check_clean && ok; fi

begin "halving: a classifier's first rung missing classes (a file sorted by its label) is said"
IRIS=$HERE/../data/iris.csv
pt tune --data "$IRIS" --label label --pipeline logisticRegression --evaluator multiclass \
    --grid logisticRegression.regParam=0.001,0.01,0.1,1,3,10 --search halving --stratify \
    >/dev/null 2>"$W/h99.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/h99.err")";
elif ! grep -q "hold 1 of its 3 classes: rungs read each block's first rows" "$W/h99.err"; then
    bad "no note: $(cat "$W/h99.err")";
else check_clean && ok; fi

HB=(--data "$W/h1000.csv" --label label --pipeline pca,linearRegression --grid pca.k=1,2,3)
expect_bad "halving with --race" "--race" "${HB[@]}" --search halving --race
expect_bad "halving with --extend" "--extend" "${HB[@]}" --search halving --extend
expect_bad "halving with --time-budget" "--time-budget" "${HB[@]}" --search halving \
    --time-budget 10s
expect_bad "halving with one-se" "one-se" "${HB[@]}" --search halving --select one-se
expect_bad "--min-resources above the rows" "min_resources 5000 is greater than max_resources 1000" \
    "${HB[@]}" --search halving --min-resources 5000
expect_bad "--min-resources 0" "--min-resources" "${HB[@]}" --search halving --min-resources 0
expect_bad "--min-resources 2 (a block without rows)" "without a row" "${HB[@]}" \
    --search halving --min-resources 2
expect_bad "--halving-factor 1" "--halving-factor" "${HB[@]}" --search halving \
    --halving-factor 1
expect_bad "--halving-factor without halving" "applies to --search halving only" "${HB[@]}" \
    --halving-factor 2
expect_bad "--search other" "--search" "${HB[@]}" --search random
expect_bad "--resource other" "--resource" "${HB[@]}" --search halving --resource depth
expect_bad "--resource maxIter without boosting" "has no maxIter to grow" "${HB[@]}" \
    --search halving --resource maxIter
expect_bad "--resource numTrees with --random on it" "--random" --data "$W/h1000.csv" \
    --pipeline randomForestRegressor --search halving --resource numTrees \
    --random randomForestRegressor.numTrees=uniform:1:9 --samples 3
expect_bad "--resource maxIter with --oof" "--oof" --data "$W/h1000.csv" \
    --pipeline gbtRegressor --search halving --resource maxIter --oof "$W/h99.oof"
