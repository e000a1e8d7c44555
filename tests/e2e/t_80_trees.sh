# t_80_trees.sh - the tree stages (decisionTreeClassifier/Regressor, randomForestClassifier/
# Regressor) wired into paratune: refusals, a tiny tree worked out by hand, the model file and
# predict against the tuning's own fit, numTrees sharing against single runs, a categorical
# string column (sourced by run.sh). The learner's exactness against a numpy reference of
# Spark's algorithm is t_82_trees_ref.sh.

TRC=$HERE/treecheck.py
T=$W/trees
mkdir -p "$T"
$PY - "$T" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
# tiny: x = 1..8, a constant z, y in three steps; fold = i % 2
with open(f"{w}/tiny.csv", "w") as f:
    f.write("x,z,label,fold\n")
    for i, y in enumerate([0, 0, 10, 10, 100, 100, 100, 100]):
        f.write(f"{i + 1},0,{y},{i % 2}\n")
with open(f"{w}/tinyc.csv", "w") as f:
    f.write("x,z,label,fold\n")
    for i, y in enumerate([0, 0, 0, 1, 1, 1, 1, 1]):
        f.write(f"{i + 1},0,{y},{i % 2}\n")
with open(f"{w}/tinyp.csv", "w") as f:
    f.write("x,z\n")
    for x in [2, 2.5, 3, 3.5, 4.5, 4.6, 100, -5]:
        f.write(f"{x},0\n")
# forest data: 5 features, a regression label and a 3-class one; 3 folds
rng = np.random.default_rng(5)
n = 360
X = rng.normal(size=(n, 5)).round(4)
yr = X[:, 0] * 2 + np.sin(3 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + rng.normal(scale=.3, size=n)
yc = np.digitize(X[:, 0] + X[:, 1] + rng.normal(scale=.5, size=n), [-0.6, 0.6])
fold = rng.permutation(np.arange(n) % 3)
for name, y in (("rfr", [f"{v:.6f}" for v in yr]), ("rfc", [str(v) for v in yc])):
    with open(f"{w}/{name}.csv", "w") as f, open(f"{w}/{name}_tr.csv", "w") as g, \
         open(f"{w}/{name}_va.csv", "w") as h:
        head = "a,b,c,d,e,label,fold\n"
        f.write(head), g.write(head), h.write(head)
        for i in range(n):
            line = ",".join(f"{v:.4f}" for v in X[i]) + f",{y[i]},{fold[i]}\n"
            f.write(line)
            (h if fold[i] == 2 else g).write(line)
# big: 9000 rows, so that the codes are cut into ranges for threads (4096 rows a range)
Xb = rng.normal(size=(9000, 4)).round(5)
yb = Xb[:, 0] - Xb[:, 1] ** 2 + rng.normal(scale=.2, size=9000)
with open(f"{w}/big.csv", "w") as f:
    f.write("a,b,c,d,label\n")
    for i in range(9000):
        f.write(",".join(f"{v:.5f}" for v in Xb[i]) + f",{yb[i]:.5f}\n")
# cat: a string column that decides the label, a numeric noise column
colors = np.array(["red", "green", "blue", "teal", "sky", "plum"])
c = colors[rng.integers(0, 6, size=240)]
x1 = rng.normal(size=240).round(4)
with open(f"{w}/tcat.csv", "w") as f:
    f.write("x1,color,label,fold\n")
    for i in range(240):
        f.write(f"{x1[i]},{c[i]},{int(c[i] in ('red', 'teal', 'sky'))},{i % 3}\n")
PYEOF

TINY=(--fold-col fold --folds 2 --quiet)
RFR=(--data "$T/rfr.csv" --fold-col fold --folds 3 --quiet)

# ---------------------------------------------------------------- refusals
expect_bad "maxBins below a categorical column's arity" "decisionTreeClassifier.maxBins: 4 is below the 6 categories" \
    --data "$T/tcat.csv" --categorical color --fold-col fold --pipeline stringIndexer,decisionTreeClassifier \
    --evaluator binary --grid decisionTreeClassifier.maxBins=32,4
expect_bad "maxBins below the arity with handleInvalid keep (+1)" "maxBins: 6 is below the 7 categories" \
    --data "$T/tcat.csv" --categorical color --fold-col fold --pipeline stringIndexer,decisionTreeClassifier \
    --evaluator binary --set stringIndexer.handleInvalid=keep --set decisionTreeClassifier.maxBins=6
expect_bad "maxDepth 31" "decisionTreeRegressor.maxDepth" \
    "${RFR[@]}" --pipeline decisionTreeRegressor --grid decisionTreeRegressor.maxDepth=5,31
expect_bad "featureSubsetStrategy not one of Spark's forms" "randomForestRegressor.featureSubsetStrategy" \
    "${RFR[@]}" --pipeline randomForestRegressor --grid randomForestRegressor.featureSubsetStrategy=sqrt,1.5
expect_bad "featureSubsetStrategy 0" "featureSubsetStrategy" \
    "${RFR[@]}" --pipeline randomForestRegressor --set randomForestRegressor.featureSubsetStrategy=0
expect_bad "a tree regressor with a classification evaluator" "needs a classifier" \
    --data "$T/rfc.csv" --fold-col fold --pipeline decisionTreeRegressor --evaluator multiclass
expect_bad "numTrees 0" "randomForestClassifier.numTrees" \
    --data "$T/rfc.csv" --fold-col fold --pipeline randomForestClassifier --evaluator multiclass \
    --set randomForestClassifier.numTrees=0
expect_bad "subsamplingRate 0" "subsamplingRate" \
    "${RFR[@]}" --pipeline randomForestRegressor --set randomForestRegressor.subsamplingRate=0
expect_bad "minWeightFractionPerNode 0.5" "minWeightFractionPerNode" \
    "${RFR[@]}" --pipeline decisionTreeRegressor --set decisionTreeRegressor.minWeightFractionPerNode=0.5
expect_bad "impurity of the other kind" "impurity" \
    "${RFR[@]}" --pipeline decisionTreeRegressor --set decisionTreeRegressor.impurity=gini
expect_bad "thresholds of the wrong length" "thresholds: 2 values, but the label has 3 classes" \
    --data "$T/rfc.csv" --fold-col fold --pipeline decisionTreeClassifier --evaluator multiclass \
    --set decisionTreeClassifier.thresholds=0.5:0.5
expect_bad "a scaler before a tree" "only stringIndexer may stand before decisionTreeRegressor" \
    "${RFR[@]}" --pipeline standardScaler,decisionTreeRegressor

# ---------------------------------------------------------------- a tree by hand
begin "decisionTreeRegressor maxDepth 2 on 8 rows: splits x <= 4.5, then x <= 2.5 (leaves 0, 10, 100), z never; featureImportances [1, 0]"
rm -f "$T/t1.model"
pt tune --data "$T/tiny.csv" "${TINY[@]}" --pipeline decisionTreeRegressor \
    --set decisionTreeRegressor.maxDepth=2 --model-out "$T/t1.model" >/dev/null 2>"$W/e" &&
pt predict --model "$T/t1.model" --data "$T/tinyp.csv" --out "$T/t1.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" hand "$T/t1.out" "$T/t1.model" "0,0,10,10,10,100,100,0" "" "1,0" 2>&1); then bad "$msg";
else ok; fi

begin "decisionTreeClassifier maxDepth 1 on 8 rows: x <= 3.5 is class 0 (probability 0), else 1 (probability 1)"
pt tune --data "$T/tinyc.csv" "${TINY[@]}" --pipeline decisionTreeClassifier --evaluator binary \
    --set decisionTreeClassifier.maxDepth=1 --model-out "$T/t2.model" >/dev/null 2>"$W/e" &&
pt predict --model "$T/t2.model" --data "$T/tinyp.csv" --out "$T/t2.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" hand "$T/t2.out" "$T/t2.model" "0,0,0,0,1,1,1,0" "0,0,0,0,1,1,1,0" "1,0" 2>&1); then bad "$msg";
else ok; fi

# ---------------------------------------------------------------- the model file and predict
# Run 1 fits fold 2's training rows (blocks 0 and 1) and scores fold 2; run 2's refit on
# exactly those rows, in that order, is the model predict applies to fold 2's rows.
begin "randomForestRegressor: predict with the model of the fold's training rows gives the log's rmse of that fold (1e-12)"
RP=(--pipeline randomForestRegressor --set randomForestRegressor.numTrees=7
    --set randomForestRegressor.maxDepth=4 --set randomForestRegressor.seed=3)
pt tune "${RFR[@]}" "${RP[@]}" --log "$T/r1.log" --parallelism 2 >/dev/null 2>"$W/e" &&
pt tune --data "$T/rfr_tr.csv" --fold-col fold --folds 2 --quiet "${RP[@]}" --model-out "$T/r2.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$T/r2.model" --data "$T/rfr_va.csv" --out "$T/r2.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" roundtrip "$T/r1.log" 0 2 "$T/rfr_va.csv" "$T/r2.out" rmse 2>&1); then bad "$msg";
else ok; fi

begin "randomForestClassifier, 3 classes: predict's probabilities give the log's logLoss of the fold (1e-12), rows sum to 1"
CP=(--pipeline randomForestClassifier --evaluator multiclass --metric logLoss
    --set randomForestClassifier.numTrees=9 --set randomForestClassifier.maxDepth=3)
pt tune --data "$T/rfc.csv" --fold-col fold --folds 3 --quiet "${CP[@]}" --log "$T/c1.log" >/dev/null 2>"$W/e" &&
pt tune --data "$T/rfc_tr.csv" --fold-col fold --folds 2 --quiet "${CP[@]}" --model-out "$T/c2.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$T/c2.model" --data "$T/rfc_va.csv" --out "$T/c2.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" roundtrip "$T/c1.log" 0 2 "$T/rfc_va.csv" "$T/c2.out" logLoss 2>&1); then bad "$msg";
else ok; fi

# ---------------------------------------------------------------- numTrees sharing
begin "numTrees grid 10,20,40 (x maxDepth 3,5) equals three single runs exactly, shared codes and not (--no-cache)"
SH=(--pipeline randomForestRegressor --grid randomForestRegressor.maxDepth=3,5
    --set randomForestRegressor.featureSubsetStrategy=onethird)
pt tune "${RFR[@]}" "${SH[@]}" --grid randomForestRegressor.numTrees=10,20,40 --parallelism 2 \
    --log "$T/s0.log" >/dev/null 2>"$W/e" &&
pt tune "${RFR[@]}" "${SH[@]}" --grid randomForestRegressor.numTrees=40,10,20 --no-cache \
    --log "$T/s0n.log" >/dev/null 2>>"$W/e" &&
pt tune "${RFR[@]}" "${SH[@]}" --set randomForestRegressor.numTrees=10 --log "$T/s10.log" >/dev/null 2>>"$W/e" &&
pt tune "${RFR[@]}" "${SH[@]}" --set randomForestRegressor.numTrees=20 --log "$T/s20.log" >/dev/null 2>>"$W/e" &&
pt tune "${RFR[@]}" "${SH[@]}" --set randomForestRegressor.numTrees=40 --log "$T/s40.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" same "$T/s0.log" "$T/s0n.log" "$T/s10.log:10" "$T/s20.log:20" "$T/s40.log:40" 2>&1); then bad "$msg";
else ok; fi

begin "numTrees 1 and 3 with featureSubsetStrategy auto (all features for one tree, sqrt for more) are not shared, and equal single runs"
AU=(--data "$T/rfc.csv" --fold-col fold --folds 3 --quiet --pipeline randomForestClassifier
    --evaluator multiclass --set randomForestClassifier.maxDepth=3)
pt tune "${AU[@]}" --grid randomForestClassifier.numTrees=1,3 --log "$T/a0.log" >/dev/null 2>"$W/e" &&
pt tune "${AU[@]}" --set randomForestClassifier.numTrees=1 --log "$T/a1.log" >/dev/null 2>>"$W/e" &&
pt tune "${AU[@]}" --set randomForestClassifier.numTrees=3 --log "$T/a3.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" apart "$T/a0.log" "$T/a1.log:1" "$T/a3.log:3" 2>&1); then bad "$msg";
else ok; fi

begin "threads change nothing: parallelism 2 x threads-per-job 2 (codes and trees on threads) writes the model file of one thread, byte for byte"
TH=(--data "$T/big.csv" --validator tvs --quiet --pipeline randomForestRegressor
    --set randomForestRegressor.numTrees=4 --set randomForestRegressor.maxDepth=6)
pt tune "${TH[@]}" --model-out "$T/th1.model" >/dev/null 2>"$W/e" &&
pt tune "${TH[@]}" --parallelism 2 --threads-per-job 2 --model-out "$T/th2.model" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! cmp -s "$T/th1.model" "$T/th2.model"; then bad "the model files differ";
else ok; fi

# ---------------------------------------------------------------- a categorical string column
begin "stringIndexer + decisionTreeClassifier: the string column decides the label, areaUnderROC 1 on every fold, predict right, importances [0, 1]"
pt tune --data "$T/tcat.csv" --categorical color --fold-col fold --pipeline stringIndexer,decisionTreeClassifier \
    --evaluator binary --set decisionTreeClassifier.maxDepth=1 --grid stringIndexer.stringOrderType=frequencyDesc,alphabetAsc \
    --log "$T/k1.log" --model-out "$T/k1.model" --quiet >/dev/null 2>"$W/e" &&
pt predict --model "$T/k1.model" --data "$T/tcat.csv" --keep color --out "$T/k1.out" --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$TRC" cat "$T/k1.log" "$T/tcat.csv" "$T/k1.out" "$T/k1.model" 2>&1); then bad "$msg";
else ok; fi

# ---------------------------------------------------------------- row weights (--weight-col)
# Integer weights are repeated rows for Spark's trees: findSplits and every histogram cell sum
# weights (the stride rule included), the leaves are weighted means / class weights and the
# evaluators weigh rows; minInstancesPerNode (raw counts) stays 1 so that it cannot tell them
# apart. Weights are 1..3: a row of weight 0 is not a row that is absent in Spark (its value
# is still a candidate threshold of findSplits). Folds come from a fold column, the same in
# both files.
$PY - "$T" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(17)
n = 300
X = rng.normal(size=(n, 3)).round(3)
# quarters: every sum of labels and squares is exact, so equal gains tie exactly in both files
# (with decimal labels w * y and y + y + ... round differently and decide exact ties apart)
yr = np.round(4 * (2 * X[:, 0] - X[:, 1] ** 2 + rng.normal(scale=0.3, size=n))) / 4
yc = (X[:, 0] + 0.5 * X[:, 2] > 0).astype(int)
wt = rng.integers(1, 4, size=n)
fold = rng.integers(0, 3, size=n)
with open(f"{w}/wt.csv", "w") as f, open(f"{w}/wdup.csv", "w") as g:
    f.write("x0,x1,x2,wt,yr,yc,fold\n")
    g.write("x0,x1,x2,yr,yc,fold\n")
    for i in range(n):
        f.write("%s,%s,%s,%d,%s,%d,%d\n" % (X[i, 0], X[i, 1], X[i, 2], wt[i], yr[i], yc[i], fold[i]))
        for _ in range(wt[i]):
            g.write("%s,%s,%s,%s,%d,%d\n" % (X[i, 0], X[i, 1], X[i, 2], yr[i], yc[i], fold[i]))
PYEOF
for kind in "decisionTreeRegressor yr yc regression rmse" "decisionTreeClassifier yc yr multiclass logLoss"; do
    set -- $kind
    begin "$1 with integer --weight-col equals the file with each row repeated weight times (every map and fold's $5 to 1e-9, predictions equal)"
    common=(--fold-col fold --pipeline "$1" --grid "$1.maxDepth=2,5" --grid "$1.maxBins=8,32"
            --evaluator "$4" --metric "$5" --quiet)
    pt tune --data "$T/wt.csv" --label "$2" --ignore "$3" --weight-col wt "${common[@]}" \
        --log "$T/w_$1.log" --model-out "$T/w_$1.model" >/dev/null 2>"$W/e" &&
    pt tune --data "$T/wdup.csv" --label "$2" --ignore "$3" "${common[@]}" \
        --log "$T/d_$1.log" --model-out "$T/d_$1.model" >/dev/null 2>>"$W/e" &&
    pt predict --model "$T/w_$1.model" --data "$T/wt.csv" --out "$T/w_$1.out" --quiet 2>>"$W/e" &&
    pt predict --model "$T/d_$1.model" --data "$T/wt.csv" --out "$T/d_$1.out" --quiet 2>>"$W/e"
    if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
    elif ! $PY "$HERE/logtool.py" same "$T/w_$1.log" "$T/d_$1.log" 1e-9 >"$W/e" 2>&1; then bad "metrics differ: $(cat "$W/e")";
    elif ! cmp -s "$T/w_$1.out" "$T/d_$1.out"; then bad "predictions differ";
    else ok; fi
done

begin "predict prints a tree model's featureImportances on stderr (one line, by feature name), those of the model file; --quiet prints nothing"
pt predict --model "$T/w_decisionTreeClassifier.model" --data "$T/wt.csv" --out "$T/imp.out" 2>"$T/imp.err" &&
pt predict --model "$T/w_decisionTreeClassifier.model" --data "$T/wt.csv" --out "$T/imp.out" --quiet 2>"$T/impq.err"
if [ $? -ne 0 ]; then bad "$(cat "$T/imp.err")";
elif [ -s "$T/impq.err" ]; then bad "--quiet printed: $(cat "$T/impq.err")";
elif ! msg=$($PY - "$T/w_decisionTreeClassifier.model" "$T/imp.err" <<'PYEOF' 2>&1
import sys
import msgpack
model = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False, strict_map_key=False)
want = model["pipeline"]["stages"][-1]["feature_importances"]
names = model["feature_names"]
lines = [l for l in open(sys.argv[2]).read().splitlines() if "featureImportances" in l]
assert len(lines) == 1, lines
got = [p.strip().split(" ") for p in lines[0].split("featureImportances:")[1].split(",")]
assert [g[0] for g in got] == names[:len(got)] and len(got) == len(want), (got, names, want)
assert all(abs(float(g[1]) - w) <= 1e-6 * max(1.0, abs(w)) for g, w in zip(got, want)), (got, want)
assert abs(sum(want) - 1) < 1e-12 and max(want) > 0.5, want
PYEOF
); then bad "$msg"; else ok; fi
