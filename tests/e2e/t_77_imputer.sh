# t_77_imputer.sh - the imputer stage (Spark's Imputer, strategies mean, median, mode) on CSV
# files with missing values, against tests/e2e/impcheck.py (Spark's rule in numpy per fold of
# paratune's documented split, then tests/ref/pipeline_ref.py / logreg_ref.py); a fold whose
# training rows have a column without an observed value fails its job; predict imputes with
# the model's surrogates; bad input (sourced by run.sh).
$PY - "$W" "$REF" <<'PYEOF'
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import split_ref
w = sys.argv[1]
rng = np.random.default_rng(5)
n = 240
# a, c on a grid of 0.5 (mode has real ties), b, d continuous (median of an even count: the
# lower middle value, not the average; mode: every value once, the smallest)
X = np.round(rng.normal(size=(n, 4)) * 2) / 2
X[:, [1, 3]] = np.round(rng.normal(size=(n, 2)), 4)
y = X @ [1.0, -2.0, 0.5, 1.5] + 0.3 + rng.normal(scale=0.4, size=n)
yb = (y + rng.normal(scale=1.0, size=n) > np.median(y)).astype(int)
fold = np.array(split_ref.kfold(n, 3, 7))
tokens = ["", "NA", "NaN", "null", " na "]
miss = np.zeros((n, 4), dtype=bool)
miss[rng.choice(n, 30, replace=False), 0] = True
miss[rng.choice(n, 12, replace=False), 2] = True
miss[rng.choice(n, 40, replace=False), 3] = True   # column b (1) has none
def write(name, label, miss, with_fold):
    with open(f"{w}/{name}.csv", "w") as f:
        f.write("a,b,c,d,label" + (",fold" if with_fold else "") + "\n")
        for i in range(n):
            v = [tokens[(i + j) % 5] if miss[i, j] else f"{X[i, j]:g}" for j in range(4)]
            f.write(",".join(v) + f",{label[i]}" + (f",{fold[i]}" if with_fold else "") + "\n")
write("imp", [f"{v:.6f}" for v in y], miss, False)
write("imp_f", [f"{v:.6f}" for v in y], miss, True)
write("impb", [str(v) for v in yb], miss, False)
write("impb_f", [str(v) for v in yb], miss, True)
# column c observed only in fold 0: the training rows of fold 0 have no c
m2 = miss.copy()
m2[:, 2] = fold != 0
write("impz", [f"{v:.6f}" for v in y], m2, False)
write("impz_f", [f"{v:.6f}" for v in y], m2, True)
# for predict: missing values in every column, also b (no missing value when tuning)
with open(f"{w}/impp.csv", "w") as f:
    f.write("d,c,b,a,label\n")
    for i in range(60):
        v = [tokens[i % 5] if (i + j) % 4 == 0 else f"{X[i, j]:g}" for j in range(4)]
        f.write(",".join([v[3], v[2], v[1], v[0]]) + ",0\n")
with open(f"{w}/impp_ref.csv", "w") as f:  # the same rows in the tuning file's column order
    f.write("a,b,c,d\n")
    for i in range(60):
        v = [tokens[i % 5] if (i + j) % 4 == 0 else f"{X[i, j]:g}" for j in range(4)]
        f.write(",".join(v) + "\n")
PYEOF
ICHK=$HERE/impcheck.py
IMP=(--folds 3 --seed 7 --quiet --grid imputer.strategy=mean,median,mode)

begin "imputer + linearRegression, strategy mean, median, mode, regParam 0 and 0.1: numpy (1e-6), with and without the moments cache; predict with missing values in every column"
pt tune --data "$W/imp.csv" "${IMP[@]}" --pipeline imputer,linearRegression \
    --grid linearRegression.regParam=0,0.1 --parallelism 2 --log "$W/i1.log" \
    --model-out "$W/i1.model" >/dev/null 2>"$W/e" &&
pt tune --data "$W/imp.csv" "${IMP[@]}" --pipeline imputer,linearRegression \
    --grid linearRegression.regParam=0,0.1 --no-cache --log "$W/i1n.log" >/dev/null 2>>"$W/e" &&
pt predict --model "$W/i1.model" --data "$W/impp.csv" --out "$W/i1p.csv" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$ICHK" "$W/i1.log" "$W/imp_f.csv" 1e-6 "$W/impp_ref.csv" "$W/i1p.csv" 2>&1); then bad "$msg";
elif ! msg=$($PY "$ICHK" "$W/i1n.log" "$W/imp_f.csv" 1e-6 2>&1); then bad "$msg"; else ok; fi

begin "imputer + logisticRegression (areaUnderROC), three strategies: numpy (1e-4), cache off; predict"
pt tune --data "$W/impb.csv" "${IMP[@]}" --pipeline imputer,logisticRegression --evaluator binary \
    --set logisticRegression.regParam=0.05 --log "$W/i2.log" --model-out "$W/i2.model" \
    --no-cache >/dev/null 2>"$W/e" &&
pt predict --model "$W/i2.model" --data "$W/impp.csv" --out "$W/i2p.csv" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$ICHK" "$W/i2.log" "$W/impb_f.csv" 1e-4 "$W/impp_ref.csv" "$W/i2p.csv" 2>&1); then bad "$msg"; else ok; fi

begin "a fold whose training rows have a column without an observed value: that job fails (surrogate cannot be computed), the others as numpy"
pt tune --data "$W/impz.csv" "${IMP[@]}" --pipeline imputer,linearRegression \
    --log "$W/i3.log" >/dev/null 2>"$W/e"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then bad "exit $rc: $(cat "$W/e")";
elif ! msg=$($PY "$ICHK" "$W/i3.log" "$W/impz_f.csv" 1e-6 2>&1); then bad "$msg";
elif ! "$BIN/paratune-log" show "$W/i3.log" 2>/dev/null | grep -q "surrogate cannot be computed" &&
     ! $PY -c "import msgpack,sys; sys.exit(0 if any('surrogate cannot be computed' in str(r.get('error','')) for r in msgpack.Unpacker(open('$W/i3.log','rb'),raw=False,strict_map_key=False)) else 1)"; then
    bad "the failed job's reason lacks 'surrogate cannot be computed'"
else ok; fi

L=(--pipeline linearRegression)
expect_bad "a missing value without the imputer says how" ", or add the imputer stage to the pipeline)" --data "$W/imp.csv" "${L[@]}"
expect_bad "imputer not first" "--pipeline: imputer must be the first stage" --data "$W/imp.csv" --pipeline standardScaler,imputer,linearRegression
expect_bad "an unknown strategy" "strategy" --data "$W/imp.csv" --pipeline imputer,linearRegression --set imputer.strategy=max
pt tune --data "$W/imp.csv" --features b --pipeline linearRegression --quiet --log "$W/i0.log" \
    --model-out "$W/i0.model" >/dev/null 2>&1
expect_predict_bad "a missing value for a model without the imputer" "impp.csv:5: column b: missing value" --model "$W/i0.model" --data "$W/impp.csv"

begin "imputer median (b, d continuous: lower middle value) + linearRegression: predict with missing values in every column as the numpy refit"
pt tune --data "$W/imp.csv" --folds 3 --seed 7 --quiet --pipeline imputer,linearRegression \
    --set imputer.strategy=median --log "$W/i4.log" --model-out "$W/i4.model" >/dev/null 2>"$W/e" &&
pt predict --model "$W/i4.model" --data "$W/impp.csv" --out "$W/i4p.csv" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$ICHK" "$W/i4.log" "$W/imp_f.csv" 1e-6 "$W/impp_ref.csv" "$W/i4p.csv" 2>&1); then bad "$msg"; else ok; fi
