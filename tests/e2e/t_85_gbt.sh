# t_85_gbt.sh - the boosted tree stages (gbtClassifier, gbtRegressor) wired into paratune:
# refusals, two small boosts worked out in numpy (gbtcheck.py hand), maxIter sharing against
# single runs (with and without subsampling), the model file and predict against the
# tuning's own fit (sourced by run.sh). Exactness against the full numpy reference of
# Spark's GBT is G2's tests/ref/spark_gbt.py.

GBC=$HERE/gbtcheck.py
G=$W/gbt
mkdir -p "$G"
$PY - "$G" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
# hand: x = 1..8, u alternating, y a step in x plus 30 u; fold = i % 2. handc: classes and
# a u chosen so that no two candidate splits of any round tie in gain (a tie is decided by
# rounding, in Spark as here)
with open(f"{w}/hand.csv", "w") as f, open(f"{w}/handc.csv", "w") as g:
    f.write("x,u,label,fold\n")
    g.write("x,u,label,fold\n")
    for i, (y, c, u) in enumerate(zip([0, 0, 10, 10, 100, 100, 100, 100],
                                      [1, 0, 0, 1, 0, 1, 0, 0], [2, 2, 0, 2, 0, 1, 2, 0])):
        f.write(f"{i + 1},{i % 2},{y + 30 * (i % 2)},{i % 2}\n")
        g.write(f"{i + 1},{u},{c},{i % 2}\n")
with open(f"{w}/handp.csv", "w") as f:
    f.write("x,u\n")
    for x, u in [(2, 0), (2.5, 1), (3, 0), (3.5, 1), (4.5, 0), (4.6, 1), (100, 0), (-5, 1)]:
        f.write(f"{x},{u}\n")
# 5 features, a regression label, a binary one and a 3-class one; 3 folds
rng = np.random.default_rng(11)
n = 300
X = rng.normal(size=(n, 5)).round(4)
yr = X[:, 0] * 2 + np.sin(3 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + rng.normal(scale=.3, size=n)
s = X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=.5, size=n)
yb = (s > 0).astype(int)
y3 = np.digitize(s, [-0.6, 0.6])
fold = rng.permutation(np.arange(n) % 3)
head = "a,b,c,d,e,label,fold"
for name, y in (("r", yr), ("b", yb), ("m", y3)):
    t = np.column_stack([X, y, fold])
    fmt = ["%.4f"] * 5 + ["%.6f" if name == "r" else "%d", "%d"]
    for suffix, rows in (("", t), ("_tr", t[fold != 2]), ("_va", t[fold == 2])):
        np.savetxt(f"{w}/{name}{suffix}.csv", rows, fmt=fmt, delimiter=",", header=head,
                   comments="")
PYEOF

GR=(--data "$G/r.csv" --fold-col fold --folds 3 --quiet)
GB=(--data "$G/b.csv" --fold-col fold --folds 3 --quiet)

# ---------------------------------------------------------------- refusals
expect_bad "gbtRegressor with the binary evaluator" "--evaluator binary: needs a classifier" \
    "${GB[@]}" --pipeline gbtRegressor --evaluator binary
expect_bad "gbtClassifier on three classes" "gbtClassifier: Spark's GBT is binary only (the label has 3 classes); use randomForestClassifier" \
    --data "$G/m.csv" --fold-col fold --pipeline gbtClassifier --evaluator multiclass
expect_bad "stepSize 0" "gbtRegressor.stepSize" \
    "${GR[@]}" --pipeline gbtRegressor --grid gbtRegressor.stepSize=0.1,0
expect_bad "stepSize above 1" "gbtClassifier.stepSize" \
    "${GB[@]}" --pipeline gbtClassifier --evaluator binary --set gbtClassifier.stepSize=1.5
expect_bad "lossType not one of Spark's (regressor)" "gbtRegressor.lossType" \
    "${GR[@]}" --pipeline gbtRegressor --set gbtRegressor.lossType=huber
expect_bad "lossType of the other kind (classifier)" "gbtClassifier.lossType" \
    "${GB[@]}" --pipeline gbtClassifier --evaluator binary --set gbtClassifier.lossType=squared
expect_bad "maxIter 0" "gbtRegressor.maxIter" \
    "${GR[@]}" --pipeline gbtRegressor --set gbtRegressor.maxIter=0
expect_bad "subsamplingRate 0" "gbtRegressor.subsamplingRate" \
    "${GR[@]}" --pipeline gbtRegressor --set gbtRegressor.subsamplingRate=0

# ---------------------------------------------------------------- boosts worked out in numpy
for lt in "squared 1 2 0.5" "absolute 2 3 0.3" "logistic 1 2 0.5" "logistic 2 4 0.1"; do
    set -- $lt
    st=gbtRegressor; ev=(); data=hand
    if [ "$1" = logistic ]; then st=gbtClassifier; ev=(--evaluator binary); data=handc; fi
    begin "$st lossType $1, maxDepth $2, $3 rounds, stepSize $4 on 8 rows: numpy's Spark algorithm (predictions, probabilities, importances to 1e-12)"
    if [ "$1" = logistic ]; then lset=(); else lset=(--set "$st.lossType=$1"); fi
    pt tune --data "$G/$data.csv" --fold-col fold --folds 2 --quiet --pipeline $st "${ev[@]}" "${lset[@]}" \
        --set "$st.maxDepth=$2" --set "$st.maxIter=$3" --set "$st.stepSize=$4" \
        --model-out "$G/h.model" >/dev/null 2>"$W/e" &&
    pt predict --model "$G/h.model" --data "$G/handp.csv" --out "$G/h.out" --quiet 2>>"$W/e"
    if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
    else
        cut -d, -f1-3 "$G/$data.csv" >"$G/htrain.csv"
        if ! msg=$($PY "$GBC" hand "$G/htrain.csv" "$G/handp.csv" "$G/h.out" "$G/h.model" "$1" "$2" "$3" "$4" 2>&1); then bad "$msg";
        else ok; fi
    fi
done

# ---------------------------------------------------------------- maxIter sharing
begin "gbtRegressor maxIter grid 5,10,20 (x maxDepth 2,3) equals three single runs exactly, one job per (maxDepth, fold)"
SH=(--pipeline gbtRegressor --grid gbtRegressor.maxDepth=2,3)
pt tune "${GR[@]}" "${SH[@]}" --grid gbtRegressor.maxIter=5,10,20 --parallelism 2 \
    --log "$G/s0.log" >/dev/null 2>"$W/e" &&
pt tune "${GR[@]}" "${SH[@]}" --set gbtRegressor.maxIter=5 --log "$G/s5.log" >/dev/null 2>>"$W/e" &&
pt tune "${GR[@]}" "${SH[@]}" --set gbtRegressor.maxIter=10 --log "$G/s10.log" >/dev/null 2>>"$W/e" &&
pt tune "${GR[@]}" "${SH[@]}" --set gbtRegressor.maxIter=20 --log "$G/s20.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$GBC" same maxIter "$G/s0.log" "$G/s5.log:5" "$G/s10.log:10" "$G/s20.log:20" 2>&1); then bad "$msg";
else ok; fi

begin "gbtClassifier with subsamplingRate 0.7 and featureSubsetStrategy 2: maxIter grid 3,8 equals single runs exactly (per-round streams)"
SB=(--pipeline gbtClassifier --evaluator binary --grid gbtClassifier.maxDepth=2,3
    --set gbtClassifier.subsamplingRate=0.7 --set gbtClassifier.featureSubsetStrategy=2)
pt tune "${GB[@]}" "${SB[@]}" --grid gbtClassifier.maxIter=8,3 --log "$G/b0.log" >/dev/null 2>"$W/e" &&
pt tune "${GB[@]}" "${SB[@]}" --set gbtClassifier.maxIter=3 --log "$G/b3.log" >/dev/null 2>>"$W/e" &&
pt tune "${GB[@]}" "${SB[@]}" --set gbtClassifier.maxIter=8 --log "$G/b8.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$GBC" same maxIter "$G/b0.log" "$G/b3.log:3" "$G/b8.log:8" 2>&1); then bad "$msg";
else ok; fi

# ---------------------------------------------------------------- the model file and predict
# Run 1 fits fold 2's training rows (blocks 0 and 1) and scores fold 2; run 2's refit on
# exactly those rows, in that order, is the model predict applies to fold 2's rows.
begin "gbtRegressor (absolute): predict with the model of the fold's training rows gives the log's rmse of that fold (1e-12)"
RP=(--pipeline gbtRegressor --set gbtRegressor.maxIter=12 --set gbtRegressor.lossType=absolute
    --set gbtRegressor.maxDepth=3)
pt tune "${GR[@]}" "${RP[@]}" --log "$G/r1.log" >/dev/null 2>"$W/e" &&
pt tune --data "$G/r_tr.csv" --fold-col fold --folds 2 --quiet "${RP[@]}" --model-out "$G/r2.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$G/r2.model" --data "$G/r_va.csv" --out "$G/r2.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$HERE/treecheck.py" roundtrip "$G/r1.log" 0 2 "$G/r_va.csv" "$G/r2.out" rmse 2>&1); then bad "$msg";
else ok; fi

begin "gbtClassifier: predict's probability gives the log's logLoss of the fold (1e-12)"
CP=(--pipeline gbtClassifier --evaluator multiclass --metric logLoss
    --set gbtClassifier.maxIter=15 --set gbtClassifier.maxDepth=3 --set gbtClassifier.stepSize=0.3)
pt tune "${GB[@]}" "${CP[@]}" --log "$G/c1.log" >/dev/null 2>"$W/e" &&
pt tune --data "$G/b_tr.csv" --fold-col fold --folds 2 --quiet "${CP[@]}" --model-out "$G/c2.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$G/c2.model" --data "$G/b_va.csv" --out "$G/c2.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$HERE/treecheck.py" roundtrip "$G/c1.log" 0 2 "$G/b_va.csv" "$G/c2.out" logLoss 2>&1); then bad "$msg";
else ok; fi
