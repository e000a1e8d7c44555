# t_98_oof.sh - out-of-fold predictions (--oof, --oof-all, --keep) and fold models
# (--keep-fold-models): each OOF row equals `paratune predict` of the model of the fold that
# did not see it, in input order with the --keep ids (oofcheck.py, which recomputes the split
# from its documented rule); regression, binary classification, a forest; the refusals
# (sourced by run.sh).
# the data with a text id column first (a comma-free name with a blank)
for src in diabetes breast_cancer; do
    awk -F, 'NR == 1 { print "id," $0; next } { printf "row %d,%s\n", NR - 2, $0 }' \
        "$HERE/../data/$src.csv" >"$W/oof_$src.csv"
done

# oof_run NAME CHECK-ARGS... -- TUNE-ARGS...: runs tune with --oof and --keep-fold-models into
# fresh outputs, then oofcheck.py for the maps listed before "--" ("best": the reported one).
oof_run() {
    local name=$1 maps=() m best
    shift
    while [ "$1" != "--" ]; do maps+=("$1"); shift; done
    shift
    begin "oof: $name"
    rm -rf "$W/fm" "$W/oof.csv"
    mkdir "$W/fm"
    if ! pt tune "$@" --keep id --oof "$W/oof.csv" --keep-fold-models "$W/fm" --quiet \
        >"$W/out" 2>"$W/err"; then
        bad "tune: $(cat "$W/err")"; return 1
    fi
    best=$(sed -n 's/^best: #\([0-9]*\) .*/\1/p' "$W/out")
    for m in "${maps[@]}"; do
        [ "$m" = best ] && m=$best
        if ! $PY "$HERE/oofcheck.py" "$BIN" "$OOF_DATA" "$W/oof.csv" "$W/fm" "$m" "$OOF_K" \
            "$OOF_SEED" id $OOF_LONG >"$W/chk" 2>&1; then
            bad "map $m: $(cat "$W/chk")"; return 1
        fi
    done
    check_clean && ok
}

OOF_DATA=$W/oof_diabetes.csv OOF_K=3 OOF_SEED=5 OOF_LONG=
oof_run "linearRegression, best map" best -- --data "$W/oof_diabetes.csv" --ignore id \
    --pipeline standardScaler,linearRegression \
    --grid linearRegression.regParam=0.01,0.1,1 --folds 3 --seed 5 --parallelism 2
# every map's fold model is kept, whatever --oof writes
begin "oof: --keep-fold-models keeps every (map, fold)"
n=$(ls "$W/fm" | grep -c '^map[0-2]_fold[0-2]\.ptm$')
if [ "$n" -eq 9 ] && [ "$(ls "$W/fm" | wc -l)" -eq 9 ]; then ok; else bad "$(ls "$W/fm")"; fi
# --oof alone writes the same file (the fold models are not needed for it)
begin "oof: --oof without --keep-fold-models"
cp "$W/oof.csv" "$W/oof_ref.csv"
if pt tune --data "$W/oof_diabetes.csv" --ignore id --pipeline standardScaler,linearRegression \
    --grid linearRegression.regParam=0.01,0.1,1 --folds 3 --seed 5 --parallelism 2 \
    --keep id --oof "$W/oof2.csv" --quiet >/dev/null 2>"$W/err" &&
    cmp -s "$W/oof2.csv" "$W/oof_ref.csv"; then ok; else bad "$(cat "$W/err")"; fi

OOF_LONG=all
oof_run "linearRegression, --oof-all" 0 1 2 -- --data "$W/oof_diabetes.csv" --ignore id \
    --pipeline standardScaler,linearRegression --oof-all \
    --grid linearRegression.regParam=0.01,0.1,1 --folds 3 --seed 5 --parallelism 2

OOF_DATA=$W/oof_breast_cancer.csv OOF_K=4 OOF_SEED=3 OOF_LONG=
oof_run "logisticRegression, binary" best -- --data "$W/oof_breast_cancer.csv" --ignore id \
    --pipeline standardScaler,logisticRegression --evaluator binary \
    --grid logisticRegression.regParam=0.01,0.3 --folds 4 --seed 3 --parallelism 2

OOF_DATA=$W/oof_diabetes.csv OOF_K=3 OOF_SEED=9 OOF_LONG=all
oof_run "randomForestRegressor, --oof-all" 0 1 -- --data "$W/oof_diabetes.csv" --ignore id \
    --pipeline randomForestRegressor --grid randomForestRegressor.numTrees=3,6 \
    --set randomForestRegressor.maxDepth=3 --oof-all --folds 3 --seed 9 --parallelism 2

OOFB=(--data "$W/oof_diabetes.csv" --ignore id --pipeline linearRegression --folds 3)
expect_bad "--oof-all without --oof" "--oof-all" "${OOFB[@]}" --oof-all
expect_bad "--keep without --oof" "--keep" "${OOFB[@]}" --keep id
expect_bad "--oof in a missing directory" "--oof" "${OOFB[@]}" --oof "$W/nodir/o.csv"
expect_bad "--keep-fold-models of a missing directory" "--keep-fold-models" "${OOFB[@]}" \
    --keep-fold-models "$W/nodir"
expect_bad "--oof with a train-validation split" "--validator cv" --data "$W/oof_diabetes.csv" \
    --ignore id --pipeline linearRegression --validator tvs --oof "$W/o.csv"
