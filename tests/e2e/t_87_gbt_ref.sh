# t_87_gbt_ref.sh - gradient-boosted trees (issue 15) against independent references:
# gbtRegressor (squared and absolute loss) and gbtClassifier (logistic loss) against
# tests/ref/spark_gbt.py (Spark's GBT in numpy, on tests/ref/spark_trees.py's tree) per
# (param map, fold) to 1e-9 and `paratune predict` on held-out rows to 1e-9; a maxIter grid
# against single runs (1e-12); validation metrics against XGBoost's `hist` method with the
# matching settings (sourced by run.sh).
#
# The exactness data have fewer distinct values per feature than maxBins (256), so every
# distinct value gets its own bin and findSplits' thresholds are all the midpoints; labels are
# integers (regression) or 0/1, so tree 0's sums are exact. Folds come from a fold column, and
# the rows are written in fold order: paratune's image groups the rows by fold and sums a node's
# histogram in that order, the reference in file order, and from tree 1 on the residuals are
# not integers, so the last bits of the sums depend on the order; a near-tie (two features
# cutting a node's rows the same way, which small nodes make common) goes with those bits, as
# it does with Spark's partitions. The reference takes exp from the C library for the same
# reason.

GREF=$REF/spark_gbt.py
# The stages are there unless `paratune tune` says it does not know them (any other failure
# is one of the tests' to report).
pt tune --data "$W/data.csv" --pipeline gbtRegressor --folds 2 --quiet --log "$W/probe.log" \
    >/dev/null 2>"$W/e"
if grep -q 'unknown stage "gbtRegressor"' "$W/e"; then
    begin "gradient-boosted trees against Spark's algorithm in numpy and XGBoost hist"
    skip "gbt stages not built (paratune tune: unknown stage \"gbtRegressor\")"
else

$PY - "$W" "$REF" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
import numpy as np
import split_ref
from sklearn.datasets import load_breast_cancer, load_diabetes
w, rng = sys.argv[1], np.random.default_rng(87)
CATS = ["red", "green", "blue", "teal", "sky", "plum"]


def write(name, cols, names, fold=None):
    """NAME.csv of the columns (strings, or numbers to 10 digits), the fold column last."""
    if fold is not None:
        cols, names = list(cols) + [fold], names + ["fold"]
    text = [[v if isinstance(v, str) else f"{v:.10g}" for v in col] for col in cols]
    lines = [",".join(names)] + [",".join(r) for r in zip(*text)]
    open(f"{w}/{name}.csv", "w").write("\n".join(lines) + "\n")


def dataset(name, n, nt, kind):
    m = n + nt
    x1 = np.round(rng.normal(size=m), 2)                            # ~150 distinct values
    x2 = rng.integers(0, 25, m).astype(float)                       # many ties
    x3 = np.where(rng.random(m) < 0.4, 0.0, np.round(rng.normal(size=m), 1))  # zeros
    c = rng.choice(CATS, m, p=[.3, .25, .15, .12, .1, .08])
    ce = {"red": 1.0, "green": -1.5, "blue": 0.5, "teal": 2.5, "sky": -1.0, "plum": 0.0}
    s = (1.5 * x1 + np.sin(x2 / 4) - x3 * x1 + np.array([ce[v] for v in c])
         + 0.5 * rng.normal(size=m))
    y = np.round(3 * s) if kind == "reg" else (s > 0.4).astype(float)
    cols, names = [x1, c, x2, x3, y], ["x1", "c", "x2", "x3", "label"]
    fold = np.array(split_ref.kfold(n, 3, 7))
    order = np.argsort(fold, kind="stable")   # the rows in fold order (see the header)
    write(name, [v[:n][order] for v in cols], names, fold[order])
    write(name + "_test", [v[n:] for v in cols], names)


dataset("greg", 240, 100, "reg")
dataset("gbin", 270, 100, "bin")

# quality: synthetic interactions (3000 x 8) and scikit-learn's bundled datasets
n = 3000
X = rng.normal(size=(n, 8))
s = X[:, 0] - 0.8 * X[:, 1] * X[:, 2] + np.sin(2 * X[:, 3]) + 0.5 * X[:, 4] ** 2
names = [f"f{j}" for j in range(8)]
fold = split_ref.kfold(n, 3, 3)
write("qb", [np.round(X[:, j], 4) for j in range(8)] + [(s + 0.6 * rng.normal(size=n) > 0.5) * 1.0],
      names + ["label"], fold)
write("qr", [np.round(X[:, j], 4) for j in range(8)] + [np.round(s + 0.6 * rng.normal(size=n), 4)],
      names + ["label"], fold)
for name, ds in (("bc", load_breast_cancer()), ("diab", load_diabetes())):
    X, y = ds.data, ds.target.astype(float)
    write(name, [X[:, j] for j in range(X.shape[1])] + [y],
          [f"f{j}" for j in range(X.shape[1])] + ["label"], split_ref.kfold(len(y), 3, 5))
PYEOF

# gbt_cv NAME DATA CATS ARGS...: tune with the fold column, then every map against spark_gbt.py
gbt_cv() {
    local name=$1 data=$2 cats=$3
    shift 3
    local catarg=() ign=(--ignore c)
    if [ -n "$cats" ]; then catarg=(--categorical "$cats"); ign=(); fi
    begin "$name"
    rm -f "$W/g.log"
    if ! pt tune --data "$W/$data.csv" --fold-col fold "${catarg[@]}" --quiet --log "$W/g.log" \
            "$@" >/dev/null 2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    if msg=$($PY "$GREF" checklog --log "$W/g.log" --data "$W/$data.csv" --fold-col fold \
            "${catarg[@]}" "${ign[@]}" --tol 1e-9 2>&1); then ok; else bad "$msg"; fi
}

gbt_cv "gbtRegressor (squared): maxDepth x stepSize x maxIter, every (map, fold) rmse equals the numpy Spark reference (1e-9)" \
    greg "" --ignore c --pipeline gbtRegressor --set gbtRegressor.maxBins=256 \
    --grid gbtRegressor.maxDepth=1,3,5 --grid gbtRegressor.stepSize=0.1,0.7 \
    --grid gbtRegressor.maxIter=1,4,10
gbt_cv "gbtRegressor (absolute): maxDepth x maxIter, mae: numpy reference (1e-9)" \
    greg "" --ignore c --pipeline gbtRegressor --set gbtRegressor.maxBins=256 \
    --set gbtRegressor.lossType=absolute --grid gbtRegressor.maxDepth=2,4 \
    --grid gbtRegressor.maxIter=3,10 --metric mae
gbt_cv "gbtRegressor, minInstancesPerNode x minInfoGain, default maxBins 32 (the stride rule): numpy reference (1e-9)" \
    greg "" --ignore c --pipeline gbtRegressor --set gbtRegressor.maxIter=6 \
    --set gbtRegressor.maxDepth=4 --grid gbtRegressor.minInstancesPerNode=1,5 \
    --grid gbtRegressor.minInfoGain=0,0.5
gbt_cv "stringIndexer + gbtRegressor: a categorical feature (ordered by the mean of the residuals): numpy reference (1e-9)" \
    greg c --pipeline stringIndexer,gbtRegressor --set gbtRegressor.maxBins=256 \
    --set gbtRegressor.maxIter=6 --grid gbtRegressor.maxDepth=2,5
gbt_cv "gbtClassifier (logistic): maxDepth x stepSize x maxIter, areaUnderROC on rawPrediction: numpy reference (1e-9)" \
    gbin "" --ignore c --pipeline gbtClassifier --evaluator binary --set gbtClassifier.maxBins=256 \
    --grid gbtClassifier.maxDepth=1,3,5 --grid gbtClassifier.stepSize=0.1,0.5 \
    --grid gbtClassifier.maxIter=1,5,12
gbt_cv "gbtClassifier, logLoss (p = 1 / (1 + exp(-2F))): numpy reference (1e-9)" \
    gbin "" --ignore c --pipeline gbtClassifier --evaluator multiclass --metric logLoss \
    --set gbtClassifier.maxBins=256 --set gbtClassifier.maxDepth=3 --grid gbtClassifier.maxIter=2,8
gbt_cv "gbtClassifier, accuracy with thresholds (argmax p_k / t_k): numpy reference (1e-9)" \
    gbin "" --ignore c --pipeline gbtClassifier --evaluator multiclass --metric accuracy \
    --set gbtClassifier.maxBins=256 --set gbtClassifier.maxDepth=3 --set gbtClassifier.maxIter=8 \
    --grid gbtClassifier.thresholds=0.5:0.5,0.3:0.7,0.8:0.2

# gbt_predict NAME DATA STAGE KIND ARGS...: one map refit on all rows, paratune predict on
# held-out rows against the reference's fit-predict (predictions, probabilities 1e-9)
gbt_predict() {
    local name=$1 data=$2 stage=$3 kind=$4
    shift 4
    begin "$name"
    rm -f "$W/gp.model" "$W/gp.pred"
    if ! pt tune --data "$W/$data.csv" --fold-col fold --ignore c --pipeline $stage --quiet \
            "$@" --model-out "$W/gp.model" >/dev/null 2>"$W/e" ||
       ! pt predict --model "$W/gp.model" --data "$W/${data}_test.csv" --out "$W/gp.pred" \
            2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    local refargs=(--ignore c --kind $kind)
    for a in "$@"; do
        case $a in
            $stage.maxDepth=*) refargs+=(--max-depth "${a#*=}") ;;
            $stage.maxBins=*) refargs+=(--max-bins "${a#*=}") ;;
            $stage.maxIter=*) refargs+=(--max-iter "${a#*=}") ;;
            $stage.stepSize=*) refargs+=(--step-size "${a#*=}") ;;
            $stage.lossType=*) refargs+=(--loss "${a#*=}") ;;
        esac
    done
    if msg=$($PY - "$GREF" "$W/$data.csv" "$W/${data}_test.csv" "$W/gp.pred" "$W/gp.model" \
            "${refargs[@]}" 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
import msgpack
ref, train, test, pred, model = sys.argv[1:6]
want = json.loads(subprocess.check_output([sys.executable, ref, "fit-predict", "--train", train,
                                           "--test", test] + sys.argv[6:]))
rows = list(csv.DictReader(open(pred, newline="")))
assert len(rows) == len(want["prediction"]), (len(rows), len(want["prediction"]))
cls = "probability" in want
for i, r in enumerate(rows):
    p = want["prediction"][i]
    assert abs(float(r["prediction"]) - p) <= 1e-9 * max(1, abs(p)), (i, r["prediction"], p)
    if cls:
        assert "probability" in r, "no probability column"
        q = want["probability"][i]
        assert abs(float(r["probability"]) - q) <= 1e-9, (i, r["probability"], q)
    for c in ("margin", "rawPrediction"):
        if r.get(c) not in (None, ""):
            F = want["margin"][i]
            assert abs(float(r[c]) - F) <= 1e-9 * max(1, abs(F)), (i, c, r[c], F)
# featureImportances, when the model file has them under that name (anywhere in it)
def walk(o):
    if isinstance(o, dict):
        yield from (v for k, v in o.items() if k in ("featureImportances", "feature_importances"))
    for v in (o.values() if isinstance(o, dict) else o if isinstance(o, list) else ()):
        yield from walk(v)
imp = next(walk(msgpack.unpackb(open(model, "rb").read(), raw=False, strict_map_key=False)), None)
if imp is not None:
    assert len(imp) == len(want["importances"]), (imp, want["importances"])
    assert all(abs(a - b) <= 1e-9 for a, b in zip(imp, want["importances"])), \
        ("featureImportances", imp, want["importances"])
PYEOF
    ); then ok; else bad "$msg"; fi
}

gbt_predict "predict: gbtRegressor (squared) refit, held-out predictions and featureImportances equal the numpy reference (1e-9)" \
    greg gbtRegressor regressor --set gbtRegressor.maxBins=256 --set gbtRegressor.maxDepth=4 \
    --set gbtRegressor.maxIter=12 --set gbtRegressor.stepSize=0.3
gbt_predict "predict: gbtRegressor (absolute): numpy reference (1e-9)" \
    greg gbtRegressor regressor --set gbtRegressor.maxBins=256 --set gbtRegressor.maxDepth=3 \
    --set gbtRegressor.maxIter=9 --set gbtRegressor.lossType=absolute --metric mae
gbt_predict "predict: gbtClassifier: predictions, probabilities (and margins when written) equal the numpy reference (1e-9)" \
    gbin gbtClassifier classifier --set gbtClassifier.maxBins=256 --set gbtClassifier.maxDepth=4 \
    --set gbtClassifier.maxIter=10 --set gbtClassifier.stepSize=0.2 --evaluator binary

# ---------------------------------------------------------------- a maxIter grid = single runs
# per_fold LOG: "map-params fold metric" lines without maxIter's own value
gbt_grid_vs_single() {
    local name=$1 data=$2 stage=$3 iters=$4
    shift 4
    begin "$name"
    rm -f "$W/gg.log" "$W"/gs_*.log
    if ! pt tune --data "$W/$data.csv" --fold-col fold --ignore c --pipeline $stage --quiet \
            "$@" --grid $stage.maxIter=$iters --log "$W/gg.log" >/dev/null 2>"$W/e"; then
        bad "$(head -c 400 "$W/e")"; return; fi
    local m
    for m in ${iters//,/ }; do
        if ! pt tune --data "$W/$data.csv" --fold-col fold --ignore c --pipeline $stage --quiet \
                "$@" --set $stage.maxIter=$m --log "$W/gs_$m.log" >/dev/null 2>"$W/e"; then
            bad "$(head -c 400 "$W/e")"; return; fi
    done
    if msg=$($PY - "$W" $stage 2>&1 <<'PYEOF'
import glob, sys
import msgpack
w, stage = sys.argv[1], sys.argv[2]
def load(p):
    recs = list(msgpack.Unpacker(open(p, "rb"), raw=False, strict_map_key=False))
    maps = recs[0]["param_maps"]
    out = {}
    for r in recs:
        if r.get("record") == "result":
            pm = maps[r["param_index"]]
            key = (tuple(sorted((k, str(v)) for k, v in pm.items())), r["fold"])
            assert r["status"] == "ok", (p, r)
            out[key] = r["metric"]
    return out
grid = load(f"{w}/gg.log")
single = {}
for p in glob.glob(f"{w}/gs_*.log"):
    single.update(load(p))
assert set(grid) == set(single), (sorted(grid)[:3], sorted(single)[:3])
worst = max(abs(grid[k] - single[k]) for k in grid)
assert worst <= 1e-12, f"grid and single runs differ by {worst}"
print(f"{len(grid)} (map, fold) results")
PYEOF
    ); then NAME="$NAME: $msg"; ok; else bad "$msg"; fi
}
gbt_grid_vs_single "gbtClassifier maxIter grid {1,3,7,15} x maxDepth {2,4}: every (map, fold) metric equals the single runs (1e-12)" \
    gbin gbtClassifier 1,3,7,15 --evaluator binary --grid gbtClassifier.maxDepth=2,4 \
    --set gbtClassifier.maxBins=64
gbt_grid_vs_single "gbtRegressor (absolute) maxIter grid {2,5,11} x stepSize {0.1,0.4}: equals the single runs (1e-12)" \
    greg gbtRegressor 2,5,11 --set gbtRegressor.lossType=absolute \
    --grid gbtRegressor.stepSize=0.1,0.4 --parallelism 2

# ---------------------------------------------------------------- quality against XGBoost hist
# XGBoost with Spark's settings mapped: max_depth = maxDepth, n_estimators = maxIter, max_bin =
# maxBins, tree_method hist, reg_lambda 0, gamma 0. Learning rate: Spark's squared-loss
# residual is 2(y - F), its leaf the plain mean, so a round adds 2 stepSize mean(y - F), as
# XGBoost's leaf -G/H = mean(y - F) with eta = 2 stepSize; Spark's classifier margin F is half
# the logit (p = s(2F)) and its residual 4y'/(1 + e^{2y'F}) = 4(y - p), so the logit G = 2F
# moves by 8 stepSize mean(y - p), XGBoost's by eta sum(y - p) / sum p(1 - p), which is
# 4 eta mean(y - p) near p = 1/2: eta = 2 stepSize again. base_score 0 (regression) and 0.5
# (margin 0): Spark has no constant init. Where Spark's algorithm differs from XGBoost's:
# (1) Spark's tree 0 has weight 1, XGBoost's first round weight eta. For the classifier this is
# small (tree 0 moves every margin by at most 1); for squared loss it costs Spark 7-9% of rmse
# here (measured with tests/ref/spark_gbt.py: synthetic 0.840 vs 0.786 at 150 rounds (+6.9%),
# diabetes 63.2 vs 57.9 at depth 3, 100 rounds (+9.2%)),
# so the regressor is compared with XGBoost whose first round runs at eta 1 (a
# LearningRateScheduler), which is Spark's tree 0 exactly (leaf = mean y with lambda 0, the
# variance gain); the plain figure is printed too. (2) Spark's logistic leaves are first-order
# means of 4(y - p) where XGBoost's are Newton steps: -0.7% areaUnderROC on the synthetic data
# at 150 rounds, -1.3% on breast cancer at 50 (the numpy reference's figures). (3) bins:
# findSplits' stride quantiles vs XGBoost's sketch: on diabetes' 295 training rows with 32 bins
# the reference's rmse is 3.0% (depth 2) and 1.8% (depth 3) above XGBoost's with the first
# round at eta 1, with 256 bins (every value its own bin on both sides) -0.03% and +0.05%.
gbt_vs_xgb() {
    local name=$1 data=$2 stage=$3 ev=$4 metric=$5 depth=$6 step=$7 iters=$8 bins=$9 tol=${10}
    begin "$name"
    rm -f "$W/x.log"
    if ! pt tune --data "$W/$data.csv" --fold-col fold --pipeline $stage --quiet \
            --set $stage.maxDepth=$depth --set $stage.stepSize=$step --set $stage.maxIter=$iters \
            --set $stage.maxBins=$bins --evaluator $ev --metric $metric --parallelism 2 --log "$W/x.log" >/dev/null 2>"$W/e"; then
        bad "$(head -c 400 "$W/e")"; return; fi
    if msg=$($PY - "$W/x.log" "$W/$data.csv" $stage $metric $depth $step $iters $bins $tol 2>&1 <<'PYEOF'
import csv, sys
import msgpack
import numpy as np
import xgboost as xgb
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score
log, data, stage, metric = sys.argv[1:5]
depth, step, iters = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
bins, tol = int(sys.argv[8]), float(sys.argv[9])
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False, strict_map_key=False))
got = [r for r in recs if r.get("record") == "summary"][-1]["avg_metrics"][0]
rows = list(csv.reader(open(data, newline="")))
h, d = rows[0], np.array(rows[1:], dtype=float)
y, fold = d[:, h.index("label")], d[:, h.index("fold")].astype(int)
X = d[:, [j for j, c in enumerate(h) if c not in ("label", "fold")]]
cls = stage == "gbtClassifier"
prm = dict(max_depth=depth, max_bin=bins, tree_method="hist", reg_lambda=0.0, gamma=0.0, nthread=1,
           seed=0, objective="binary:logistic" if cls else "reg:squarederror",
           base_score=0.5 if cls else 0.0, min_child_weight=0 if cls else 1)
# the scheduler sets the rate of round i + 1 after round i: round 0 runs at the eta of prm
then = xgb.callback.LearningRateScheduler(lambda i: 2 * step)
vals, plain = [], []
for f in range(int(fold.max()) + 1):
    tr, va = fold != f, fold == f
    dtr, dva = xgb.DMatrix(X[tr], label=y[tr]), xgb.DMatrix(X[va])
    score = (lambda p: roc_auc_score(y[va], p)) if cls else \
        (lambda p: np.sqrt(mean_squared_error(y[va], p)) if metric == "rmse" else r2_score(y[va], p))
    plain.append(score(xgb.train(dict(prm, eta=2 * step), dtr, iters).predict(dva).astype(float)))
    if not cls:      # Spark's tree 0: XGBoost's first round at eta 1
        bst = xgb.train(dict(prm, eta=1.0), dtr, iters, callbacks=[then])
        vals.append(score(bst.predict(dva).astype(float)))
vals = vals or plain
plain = float(np.mean(plain))
want = float(np.mean(vals))
rel = (got - want) / abs(want)
worse = -rel if metric in ("areaUnderROC", "r2") else rel
msg = f"paratune {metric} {got:.4f}, XGBoost hist {want:.4f} ({100 * rel:+.2f}%)"
if not cls:
    msg += f" [plain XGBoost, first round at eta 2 stepSize: {plain:.4f}]"
assert worse <= tol, msg + f": worse by more than {100 * tol:g}%"
print(msg)
PYEOF
    ); then NAME="$NAME: $msg"; ok; else bad "$msg"; fi
}
gbt_vs_xgb "gbtClassifier, synthetic interactions (3000 x 8; depth 4, stepSize 0.1, 150 rounds, 32 bins): areaUnderROC not below XGBoost hist's by more than 1%" \
    qb gbtClassifier binary areaUnderROC 4 0.1 150 32 0.01
gbt_vs_xgb "gbtClassifier, breast cancer (569 x 30; depth 3, stepSize 0.1, 50 rounds, 32 bins): areaUnderROC not below XGBoost hist's by more than 2% (first-order leaves: the reference is -1.3%)" \
    bc gbtClassifier binary areaUnderROC 3 0.1 50 32 0.02
gbt_vs_xgb "gbtRegressor, synthetic interactions (depth 4, stepSize 0.1, 150 rounds, 32 bins): rmse not above XGBoost hist's (first round at eta 1) by more than 1%" \
    qr gbtRegressor regression rmse 4 0.1 150 32 0.01
gbt_vs_xgb "gbtRegressor, diabetes (442 x 10; depth 3, stepSize 0.05, 100 rounds, 256 bins: every value its own bin on both sides): rmse not above XGBoost hist's (first round at eta 1) by more than 1%" \
    diab gbtRegressor regression rmse 3 0.05 100 256 0.01

fi
