# t_82_trees_ref.sh - decision trees and random forests (issue 14) against independent
# references: decisionTree{Regressor,Classifier} against tests/ref/spark_trees.py (Spark's
# algorithm in numpy) per (param map, fold) to 1e-9 and `paratune predict` on held-out rows to
# 1e-12, for variance / gini / entropy, maxDepth, minInstancesPerNode, minInfoGain,
# minWeightFractionPerNode, ordered and unordered categorical features, the stride rule of
# findSplits; randomForest{Classifier,Regressor} against scikit-learn's forests with
# equivalent settings, averaged over seeds (the numTrees prefix property is t_80's; sourced by
# run.sh).
#
# The data make every sum of weights and labels exact (unit weights, integer labels), so
# the splits do not depend on the order rows are summed in, and only Spark's rules decide
# ties. Folds come from a fold column (--fold-col) holding paratune's documented split.

TREF=$REF/spark_trees.py
tree_stages=1
if ! pt tune --data "$W/data.csv" --pipeline decisionTreeRegressor --folds 2 --quiet \
        --log "$W/probe.log" >/dev/null 2>"$W/e"; then
    if grep -q 'unknown stage "decisionTreeRegressor"' "$W/e"; then tree_stages=0; fi
fi

if [ $tree_stages = 0 ]; then
    begin "decision trees and random forests against Spark's algorithm in numpy and scikit-learn"
    skip "tree stages not built (paratune tune: unknown stage \"decisionTreeRegressor\")"
else

$PY - "$W" "$REF" <<'PYEOF'
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import split_ref
w = sys.argv[1]
rng = np.random.default_rng(82)
CATS = ["red", "green", "blue", "teal", "sky", "plum", "gold", "rose", "jade"]


def feats(n):
    x1 = np.round(rng.normal(size=n), 3)                      # continuous
    x2 = rng.integers(0, 25, n).astype(float)                 # few values, many ties
    x3 = np.where(rng.random(n) < 0.4, 0.0, np.round(rng.normal(size=n), 2))  # zeros
    c = rng.choice(CATS[:6], n, p=[.3, .25, .15, .12, .1, .08])
    d = rng.choice(CATS, n)                                    # 9 categories
    return x1, x2, x3, c, d


def signal(x1, x2, x3, c, d):
    ce = {"red": 1.0, "green": -1.5, "blue": 0.5, "teal": 2.5, "sky": -1.0, "plum": 0.0}
    return (1.5 * x1 + np.sin(x2 / 4) - x3 + np.array([ce[v] for v in c])
            + 0.3 * np.array([CATS.index(v) % 3 for v in d]))


def write(name, cols, names, fold=None):
    with open(f"{w}/{name}.csv", "w") as f:
        f.write(",".join(names + (["fold"] if fold is not None else [])) + "\n")
        for i in range(len(cols[0])):
            row = [v if isinstance(v, str) else f"{v:g}" for v in (c[i] for c in cols)]
            f.write(",".join(row + ([str(fold[i])] if fold is not None else [])) + "\n")


def dataset(name, n, nt, kind):
    x1, x2, x3, c, d = feats(n + nt)
    s = signal(x1, x2, x3, c, d) + 0.5 * rng.normal(size=n + nt)
    if kind == "reg":
        y = np.round(4 * s)                                   # integer labels
    elif kind == "bin":
        y = (s > 0.4).astype(float)
    else:
        y = np.digitize(s, [-0.7, 1.0]).astype(float)
    cols = [x1, c, x2, x3, d, y]
    names = ["x1", "c", "x2", "x3", "d", "label"]
    fold = split_ref.kfold(n, 3, 7)
    write(name, [v[:n] for v in cols], names, fold)
    write(name + "_test", [v[n:] for v in cols], names)


dataset("treg", 240, 120, "reg")
dataset("tbin", 270, 120, "bin")
dataset("tmc", 300, 120, "mc")
# more distinct values than maxBins: the stride rule (2000 training rows, no sampling)
n = 3000
x1 = np.round(rng.normal(size=n), 3)
x2 = np.where(rng.random(n) < 0.3, 0.0, np.round(rng.exponential(size=n), 3))
x3 = np.round(rng.uniform(-2, 2, n), 2)
s = x1 - x2 + np.abs(x3) + 0.4 * rng.normal(size=n)
write("tbig", [x1, x2, x3, np.round(3 * s)], ["x1", "x2", "x3", "label"], split_ref.kfold(n, 3, 5))
write("tbigc", [x1, x2, x3, np.digitize(s, [-0.5, 0.8]).astype(float)],
      ["x1", "x2", "x3", "label"], split_ref.kfold(n, 3, 5))
# random forests: 1500 rows, 8 features, a binary and a numeric label
n = 1500
X = rng.normal(size=(n, 8))
s = X[:, 0] - 0.8 * X[:, 1] * X[:, 2] + np.sin(2 * X[:, 3]) + 0.5 * X[:, 4] ** 2
names = [f"f{j}" for j in range(8)]
fold = split_ref.kfold(n, 3, 3)
write("rfb", [np.round(X[:, j], 4) for j in range(8)] + [(s + 0.6 * rng.normal(size=n) > 0.5) * 1.0],
      names + ["label"], fold)
write("rfr", [np.round(X[:, j], 4) for j in range(8)] + [np.round(s + 0.6 * rng.normal(size=n), 4)],
      names + ["label"], fold)
PYEOF

# tree_cv NAME ARGS...: tune with the fold column, then every map against the reference
tree_cv() {
    local name=$1 data=$2 cats=$3
    shift 3
    local catarg=() refarg=()
    if [ -n "$cats" ]; then catarg=(--categorical "$cats"); refarg=(--categorical "$cats"); fi
    begin "$name"
    rm -f "$W/t.log"
    if ! pt tune --data "$W/$data.csv" --fold-col fold "${catarg[@]}" --quiet --log "$W/t.log" \
            "$@" >/dev/null 2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    if msg=$($PY "$TREF" checklog --log "$W/t.log" --data "$W/$data.csv" --fold-col fold \
            "${refarg[@]}" "${IGN[@]}" --tol 1e-9 2>&1); then ok; else bad "$msg"; fi
}

# labels with two decimals: sums round, and equal gains (two features splitting a small node
# alike) are decided by the order of the sums; the learner adds a training set's rows in the
# file's order, as Spark on one partition (the image groups them by fold)
cp "$HERE/../data/trees_decimal_labels.csv" "$W/tdec.csv"
IGN=()
tree_cv "decisionTreeRegressor on 2-decimal labels, folds interleaved in the file: every (map, fold) rmse equals the reference summing in file order (1e-9)" \
    tdec "" --pipeline decisionTreeRegressor --grid decisionTreeRegressor.maxBins=8,32 \
    --grid decisionTreeRegressor.maxDepth=7,12,20
IGN=(--ignore c,d)
tree_cv "decisionTreeRegressor (variance): maxDepth x minInstancesPerNode x minInfoGain, every (map, fold) rmse equals the numpy Spark reference (1e-9)" \
    treg "" --ignore c,d --pipeline decisionTreeRegressor --set decisionTreeRegressor.maxBins=256 \
    --grid decisionTreeRegressor.maxDepth=0,1,3,6,30 --grid decisionTreeRegressor.minInstancesPerNode=1,4 \
    --grid decisionTreeRegressor.minInfoGain=0,2.5
tree_cv "decisionTreeRegressor, minWeightFractionPerNode 0.05 and 0.2, mae: numpy reference (1e-9)" \
    treg "" --ignore c,d --pipeline decisionTreeRegressor --set decisionTreeRegressor.maxBins=256 \
    --set decisionTreeRegressor.maxDepth=8 --grid decisionTreeRegressor.minWeightFractionPerNode=0,0.05,0.2 \
    --metric mae
IGN=()
tree_cv "stringIndexer + decisionTreeRegressor: two categorical features (ordered by mean), every order, handleInvalid keep: numpy reference (1e-9)" \
    treg c,d --pipeline stringIndexer,decisionTreeRegressor --set decisionTreeRegressor.maxBins=256 \
    --grid stringIndexer.stringOrderType=frequencyDesc,alphabetAsc --grid stringIndexer.handleInvalid=error,keep \
    --grid decisionTreeRegressor.maxDepth=2,5,10
tree_cv "stringIndexer + decisionTreeClassifier (binary, ordered categories by class-1 weight): gini and entropy, areaUnderROC on rawPrediction: numpy reference (1e-9)" \
    tbin c,d --pipeline stringIndexer,decisionTreeClassifier --evaluator binary \
    --set decisionTreeClassifier.maxBins=256 --grid decisionTreeClassifier.impurity=gini,entropy \
    --grid decisionTreeClassifier.maxDepth=1,4,12 --grid decisionTreeClassifier.minInstancesPerNode=1,3
tree_cv "decisionTreeClassifier binary, accuracy and minInfoGain: numpy reference (1e-9)" \
    tbin c,d --pipeline stringIndexer,decisionTreeClassifier --evaluator multiclass --metric accuracy \
    --set decisionTreeClassifier.maxBins=256 --grid decisionTreeClassifier.impurity=gini,entropy \
    --set decisionTreeClassifier.maxDepth=6 --grid decisionTreeClassifier.minInfoGain=0,0.01,0.05
tree_cv "decisionTreeClassifier, 3 classes: unordered (6 categories) and ordered (9) categorical features, gini / entropy, f1: numpy reference (1e-9)" \
    tmc c,d --pipeline stringIndexer,decisionTreeClassifier --evaluator multiclass \
    --grid decisionTreeClassifier.maxBins=16,256 --grid decisionTreeClassifier.impurity=gini,entropy \
    --grid decisionTreeClassifier.maxDepth=2,6 --set stringIndexer.handleInvalid=keep
tree_cv "decisionTreeClassifier, 3 classes, thresholds (prediction = argmax p_k / t_k), accuracy: numpy reference (1e-9)" \
    tmc c,d --pipeline stringIndexer,decisionTreeClassifier --evaluator multiclass --metric accuracy \
    --set decisionTreeClassifier.maxBins=64 --set decisionTreeClassifier.maxDepth=4 \
    --grid decisionTreeClassifier.thresholds=1:1:1,0.2:1:3,2:0.5:1
tree_cv "decisionTreeClassifier, 3 classes, logLoss (probabilities of pruned leaves): numpy reference (1e-9)" \
    tmc c,d --pipeline stringIndexer,decisionTreeClassifier --evaluator multiclass --metric logLoss \
    --set decisionTreeClassifier.maxBins=64 --grid decisionTreeClassifier.maxDepth=3,8
tree_cv "more distinct values than maxBins (findSplits' stride rule, zeros inferred; 2000 training rows): regressor, maxBins 8, 32 and 300 (two-byte codes): numpy reference (1e-9)" \
    tbig "" --pipeline decisionTreeRegressor --grid decisionTreeRegressor.maxBins=8,32,300 \
    --grid decisionTreeRegressor.maxDepth=3,7
tree_cv "stride rule, classifier (3 classes), gini / entropy, maxBins 5 and 32: numpy reference (1e-9)" \
    tbigc "" --pipeline decisionTreeClassifier --evaluator multiclass --metric accuracy \
    --grid decisionTreeClassifier.maxBins=5,32 --grid decisionTreeClassifier.impurity=gini,entropy \
    --set decisionTreeClassifier.maxDepth=6

# A forest that bags nothing (bootstrap false, subsamplingRate 1) and sees every feature
# (featureSubsetStrategy all) is numTrees copies of the decision tree: the reference's tree
# checks the forest's own code paths (aggregation of the trees' leaf frequencies).
IGN=(--ignore c,d)
tree_cv "randomForestRegressor that bags nothing and uses every feature (3 copies of the tree): numpy decision-tree reference (1e-9)" \
    treg "" --ignore c,d --pipeline randomForestRegressor --set randomForestRegressor.featureSubsetStrategy=all \
    --set randomForestRegressor.bootstrap=false --set randomForestRegressor.numTrees=3 \
    --set randomForestRegressor.maxBins=256 --grid randomForestRegressor.maxDepth=3,9
IGN=()
tree_cv "randomForestClassifier that bags nothing, every feature, 3 classes, categorical features, logLoss: numpy decision-tree reference (1e-9)" \
    tmc c,d --pipeline stringIndexer,randomForestClassifier --evaluator multiclass --metric logLoss \
    --set randomForestClassifier.featureSubsetStrategy=all --set randomForestClassifier.bootstrap=false \
    --set randomForestClassifier.numTrees=3 --set randomForestClassifier.maxBins=256 \
    --grid randomForestClassifier.maxDepth=2,7
tree_cv "randomForestClassifier that bags nothing, binary, areaUnderROC (a forest ranks by the sum of leaf probabilities): numpy decision-tree reference (1e-9)" \
    tbin c,d --pipeline stringIndexer,randomForestClassifier --evaluator binary \
    --set randomForestClassifier.featureSubsetStrategy=all --set randomForestClassifier.bootstrap=false \
    --set randomForestClassifier.numTrees=4 --set randomForestClassifier.maxBins=256 \
    --grid randomForestClassifier.maxDepth=3,9 --grid randomForestClassifier.impurity=gini,entropy

# tree_predict NAME DATA STAGE KIND CATS ARGS...: one map refit on all rows, paratune predict
# on held-out rows against the reference's fit-predict (1e-12)
tree_predict() {
    local name=$1 data=$2 stage=$3 kind=$4 cats=$5
    shift 5
    begin "$name"
    local catarg=() pl=$stage
    if [ -n "$cats" ]; then catarg=(--categorical "$cats"); pl=stringIndexer,$stage; fi
    rm -f "$W/tp.model" "$W/tp.pred"
    if ! pt tune --data "$W/$data.csv" --fold-col fold "${catarg[@]}" --pipeline $pl --quiet \
            "$@" --model-out "$W/tp.model" >/dev/null 2>"$W/e" ||
       ! pt predict --model "$W/tp.model" --data "$W/${data}_test.csv" --out "$W/tp.pred" \
            2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    local refargs=()
    for a in "$@"; do
        case $a in
            $stage.maxDepth=*) refargs+=(--max-depth "${a#*=}") ;;
            $stage.maxBins=*) refargs+=(--max-bins "${a#*=}") ;;
            $stage.impurity=*) refargs+=(--impurity "${a#*=}") ;;
            $stage.minInstancesPerNode=*) refargs+=(--min-instances "${a#*=}") ;;
            $stage.minInfoGain=*) refargs+=(--min-info-gain "${a#*=}") ;;
            stringIndexer.handleInvalid=*) refargs+=(--handle-invalid "${a#*=}") ;;
        esac
    done
    [ -n "$cats" ] && refargs+=(--categorical "$cats") || refargs+=(--ignore c,d)
    if msg=$($PY - "$TREF" "$W/$data.csv" "$W/${data}_test.csv" "$W/tp.pred" "$W/tp.model" $kind \
            "${refargs[@]}" 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
import msgpack
ref, train, test, pred, model, kind = sys.argv[1:7]
want = json.loads(subprocess.check_output([sys.executable, ref, "fit-predict", "--train", train,
                                           "--test", test, "--kind", kind] + sys.argv[7:]))
rows = list(csv.DictReader(open(pred, newline="")))
assert len(rows) == len(want["prediction"]), (len(rows), len(want["prediction"]))
bad = 0
for i, r in enumerate(rows):
    p = want["prediction"][i]
    if abs(float(r["prediction"]) - p) > 1e-12 * max(1, abs(p)):
        bad += 1
        if bad == 1:
            first = (i, r["prediction"], p)
    if kind == "classifier":
        probs = want["probability"][i]
        # a binary classifier writes the probability of class 1 only
        cols = {"probability": probs[1]} if len(probs) == 2 else \
            {f"probability_{k}": q for k, q in enumerate(probs)}
        for c, q in cols.items():
            got = r.get(c)
            assert got is not None, f"no {c} column"
            assert abs(float(got) - q) <= 1e-12, (i, c, got, q)
assert bad == 0, f"{bad} of {len(rows)} predictions differ, first (row, got, want): {first}"
# featureImportances: the model file's pipeline.stages[-1].feature_importances (README)
m = msgpack.unpackb(open(model, "rb").read(), raw=False, strict_map_key=False)
imp = m["pipeline"]["stages"][-1].get("feature_importances")
assert imp is not None, "no feature_importances in the model file's tree stage"
assert len(imp) == len(want["importances"]), (imp, want["importances"])
assert all(abs(a - b) <= 1e-9 for a, b in zip(imp, want["importances"])), (imp, want["importances"])
PYEOF
    ); then ok; else bad "$msg"; fi
}

tree_predict "predict: decisionTreeRegressor refit, held-out predictions and featureImportances equal the numpy reference (1e-12)" \
    treg decisionTreeRegressor regressor "" --ignore c,d --set decisionTreeRegressor.maxBins=256 \
    --set decisionTreeRegressor.maxDepth=7
tree_predict "predict: stringIndexer + decisionTreeRegressor with categorical features, minInstancesPerNode 3: numpy reference (1e-12)" \
    treg decisionTreeRegressor regressor c,d --set decisionTreeRegressor.maxBins=256 \
    --set decisionTreeRegressor.maxDepth=6 --set decisionTreeRegressor.minInstancesPerNode=3 \
    --set stringIndexer.handleInvalid=keep
tree_predict "predict: decisionTreeClassifier (binary, entropy) with categorical features: predictions and probabilities equal the numpy reference (1e-12)" \
    tbin decisionTreeClassifier classifier c,d --set decisionTreeClassifier.maxBins=256 \
    --set decisionTreeClassifier.maxDepth=6 --set decisionTreeClassifier.impurity=entropy \
    --set stringIndexer.handleInvalid=keep --evaluator binary
tree_predict "predict: decisionTreeClassifier (3 classes, unordered and ordered categories, gini): numpy reference (1e-12)" \
    tmc decisionTreeClassifier classifier c,d --set decisionTreeClassifier.maxBins=256 \
    --set decisionTreeClassifier.maxDepth=8 --set stringIndexer.handleInvalid=keep --evaluator multiclass

# ---------------------------------------------------------------- random forests vs sklearn
# paratune: a grid over seed 1, 2, 3; scikit-learn: random_state 1, 2, 3; both on the same
# folds; max_features = Spark's ceil rule (sqrt of 8 -> 3, onethird of 8 -> 3), bootstrap,
# maxDepth, numTrees 40. Spark bins into maxBins 32 quantiles and bags with Poisson(1)
# weights; scikit-learn scans exact thresholds on n-row bootstrap samples, so the metrics
# agree only statistically: the stated tolerance is the mean over seeds and folds within
# 0.01 (areaUnderROC) and 0.025 (r2) of scikit-learn's (their seed-to-seed spread
# here is about 0.003 and 0.005; binning into 32 quantiles moves them by about 0.002).
rf_vs_sklearn() {
    local name=$1 data=$2 stage=$3 strat=$4 ev=$5 metric=$6 tol=$7
    begin "$name"
    rm -f "$W/rf.log"
    if ! pt tune --data "$W/$data.csv" --fold-col fold --pipeline $stage --quiet \
            --set $stage.numTrees=40 --set $stage.maxDepth=6 --set $stage.featureSubsetStrategy=$strat \
            --grid $stage.seed=1,2,3 --evaluator $ev --metric $metric --parallelism 2 \
            --log "$W/rf.log" >/dev/null 2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    if msg=$($PY - "$W/rf.log" "$W/$data.csv" $stage $metric $tol 2>&1 <<'PYEOF'
import csv, math, sys
import msgpack
import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import r2_score, roc_auc_score
log, data, stage, metric, tol = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False, strict_map_key=False))
summ = [r for r in recs if r.get("record") == "summary"][-1]
got = float(np.mean(summ["avg_metrics"]))
rows = list(csv.reader(open(data, newline="")))
h, d = rows[0], np.array(rows[1:], dtype=float)
X, y, fold = d[:, :8], d[:, h.index("label")], d[:, h.index("fold")].astype(int)
cls = stage == "randomForestClassifier"
mf = math.ceil(math.sqrt(8)) if cls else math.ceil(8 / 3)
vals = []
for seed in (1, 2, 3):
    for f in range(3):
        tr, va = fold != f, fold == f
        if cls:
            m = RandomForestClassifier(n_estimators=40, max_depth=6, max_features=mf, bootstrap=True,
                                       random_state=seed, n_jobs=1).fit(X[tr], y[tr])
            vals.append(roc_auc_score(y[va], m.predict_proba(X[va])[:, 1]))
        else:
            m = RandomForestRegressor(n_estimators=40, max_depth=6, max_features=mf, bootstrap=True,
                                      random_state=seed, n_jobs=1).fit(X[tr], y[tr])
            vals.append(r2_score(y[va], m.predict(X[va])))
want = float(np.mean(vals))
assert abs(got - want) <= tol, f"paratune {metric} {got:.4f}, scikit-learn {want:.4f} (tolerance {tol})"
print(f"paratune {got:.4f} scikit-learn {want:.4f}")
PYEOF
    ); then NAME="$NAME: $msg"; ok; else bad "$msg"; fi
}
rf_vs_sklearn "randomForestClassifier (40 trees, depth 6, sqrt, 3 seeds): mean areaUnderROC within 0.01 of scikit-learn's RandomForestClassifier" \
    rfb randomForestClassifier sqrt binary areaUnderROC 0.01
rf_vs_sklearn "randomForestRegressor (40 trees, depth 6, onethird, 3 seeds): mean r2 within 0.025 of scikit-learn's RandomForestRegressor" \
    rfr randomForestRegressor onethird regression r2 0.025

fi
