# t_50_parity.sh - Spark ML parity: stages, evaluators, refit and model file, predict,
# stratified folds and random search, against independent references (sourced by run.sh):
# tests/ref/logreg_ref.py (scipy), tests/ref/pipeline_ref.py (numpy), scikit-learn.

D=$HERE/../data
$PY "$HERE/addfold.py" "$D/breast_cancer.csv" "$W/bc_f.csv" kfold 5 3
$PY "$HERE/addfold.py" "$D/wine.csv" "$W/wine_f.csv" kfold 4 9
$PY "$HERE/addfold.py" "$D/iris.csv" "$W/iris_f.csv" kfold 3 1
TIGHT=(--set logisticRegression.tol=1e-10 --set logisticRegression.maxIter=2000)

# logcheck LOG DATA-WITH-FOLD EVALUATOR [extra logreg_ref args]: every map's average equals
# the scipy reference's to 1e-6 (relative to max(1, |value|)).
logcheck() {
    local log=$1 data=$2 ev=$3
    shift 3
    $PY - "$log" "$data" "$ev" "$REF/logreg_ref.py" "$@" <<'PYEOF'
import json, subprocess, sys, msgpack
log, data, ev, ref = sys.argv[1:5]
extra = sys.argv[5:]
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False))
head, summ = recs[0], [r for r in recs if r["record"] == "summary"][-1]
for i, pm in enumerate(head["param_maps"]):
    full = dict(pm)
    args = [sys.executable, ref, "--data", data, "--fold-col", "fold", "--pipeline",
            ",".join(head["pipeline"]), "--evaluator", ev, "--metric",
            head["evaluator"]["metric"]] + extra
    if "pca.k" in full: args += ["--k", str(full["pca.k"])]
    args += ["--reg", repr(full.get("logisticRegression.regParam", 0.0)),
             "--elastic-net", repr(full.get("logisticRegression.elasticNetParam", 0.0))]
    if full.get("standardScaler.withMean"): args.append("--with-mean")
    if full.get("logisticRegression.fitIntercept") is False: args.append("--no-intercept")
    if full.get("logisticRegression.standardization") is False: args.append("--no-standardization")
    want = json.loads(subprocess.check_output(args))["avg"]
    got = summ["avg_metrics"][i]
    if abs(got - want) > 1e-6 * max(1.0, abs(want)):
        sys.exit("map %d %s: paratune %r, reference %r" % (i, pm, got, want))
PYEOF
}

begin "binary sweep (breast cancer, scaler + logistic, L2 and elastic net): AUC equals scipy"
pt tune --data "$W/bc_f.csv" --fold-col fold --folds 5 --pipeline standardScaler,logisticRegression \
    --grid logisticRegression.regParam=0.001,0.01,0.1 --grid logisticRegression.elasticNetParam=0,0.5 \
    "${TIGHT[@]}" --evaluator binary --parallelism 2 --log "$W/bc.log" --quiet >"$W/bc.out" 2>"$W/bc.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/bc.err")";
elif msg=$(logcheck "$W/bc.log" "$W/bc_f.csv" binary 2>&1); then ok; else bad "$msg"; fi

begin "binary areaUnderPR with numBins 10 and no standardization equals scipy"
pt tune --data "$W/bc_f.csv" --fold-col fold --folds 5 --pipeline logisticRegression \
    --grid logisticRegression.regParam=0.01,1 --set logisticRegression.standardization=false \
    "${TIGHT[@]}" --evaluator binary --metric areaUnderPR --num-bins 10 --log "$W/pr.log" \
    --quiet >/dev/null 2>"$W/pr.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/pr.err")";
elif msg=$(logcheck "$W/pr.log" "$W/bc_f.csv" binary --num-bins 10 2>&1); then ok; else bad "$msg"; fi

begin "multiclass sweep (wine, scaler + pca + multinomial logistic): f1 and logLoss equal scipy"
r=0
for metric in f1 logLoss; do
    pt tune --data "$W/wine_f.csv" --fold-col fold --folds 4 \
        --pipeline standardScaler,pca,logisticRegression --set standardScaler.withMean=true \
        --grid pca.k=3,8 --grid logisticRegression.regParam=0.01,0.1 "${TIGHT[@]}" \
        --evaluator multiclass --metric $metric --parallelism 2 --log "$W/wine_$metric.log" \
        --quiet >/dev/null 2>"$W/wine.err" || r=1
    [ $r -eq 0 ] && { msg=$(logcheck "$W/wine_$metric.log" "$W/wine_f.csv" multiclass 2>&1) || r=2; }
done
if [ $r -eq 1 ]; then bad "$(cat "$W/wine.err")"; elif [ $r -eq 2 ]; then bad "$msg";
elif ! $PY -c 'import msgpack,sys; r=list(msgpack.Unpacker(open(sys.argv[1],"rb"),raw=False)); assert r[0]["evaluator"]["larger_is_better"] is False; a=r[-1]["avg_metrics"]; assert r[-1]["best_index"]==min(range(len(a)),key=lambda i:(a[i],i))' "$W/wine_logLoss.log"; then bad "logLoss is not smaller-is-better";
else ok; fi

begin "multiclass accuracy and hammingLoss on iris equal scipy"
r=0
for metric in accuracy hammingLoss weightedPrecision weightedRecall; do
    pt tune --data "$W/iris_f.csv" --fold-col fold --folds 3 --pipeline logisticRegression \
        --grid logisticRegression.regParam=0.001,0.1 "${TIGHT[@]}" --evaluator multiclass \
        --metric $metric --log "$W/iris_$metric.log" --quiet >/dev/null 2>"$W/iris.err" || r=1
    [ $r -eq 0 ] && { msg=$(logcheck "$W/iris_$metric.log" "$W/iris_f.csv" multiclass 2>&1) || r=2; }
done
if [ $r -eq 1 ]; then bad "$(cat "$W/iris.err")"; elif [ $r -eq 2 ]; then bad "$msg"; else ok; fi

begin "refit model: logistic coefficients equal scipy's full fit (1e-4); predict round trip"
pt tune --data "$D/breast_cancer.csv" --folds 3 --pipeline standardScaler,logisticRegression \
    --grid logisticRegression.regParam=0.01,0.1 "${TIGHT[@]}" --evaluator binary \
    --model-out "$W/bc.model" --quiet >/dev/null 2>"$W/bcm.err" &&
pt predict --model "$W/bc.model" --data "$D/breast_cancer.csv" --out "$W/bc.pred" 2>"$W/bcp.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/bcm.err" "$W/bcp.err")";
elif msg=$($PY - "$W/bc.model" "$D/breast_cancer.csv" "$W/bc.pred" "$REF/logreg_ref.py" 2>&1 <<'PYEOF'
import json, subprocess, sys, msgpack, numpy as np
m = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)
reg = m["params"]["logisticRegression.regParam"]
ref = json.loads(subprocess.check_output([sys.executable, sys.argv[4], "--data", sys.argv[2],
      "--pipeline", "standardScaler,logisticRegression", "--reg", repr(reg), "--fit-all"]))
st = m["pipeline"]["stages"][-1]
got, want = np.array(st["coefficients"]), np.array(ref["coef"]).ravel()
err = np.max(np.abs(got - want)) / np.max(np.abs(want))
assert err < 1e-4, "coefficients differ by %g" % err
assert abs(st["intercept"][0] - ref["intercept"][0]) < 1e-4 * max(1, abs(ref["intercept"][0]))
d = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
X = np.column_stack([d[n] for n in d.dtype.names if n != "label"])
P = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
assert P.dtype.names == ("prediction", "probability")
w, b = np.array(m["pipeline"]["coefficients"]), m["pipeline"]["intercept"][0]
p1 = 1 / (1 + np.exp(-(X @ w + b)))
assert np.max(np.abs(P["probability"] - p1)) < 1e-12
assert np.all(P["prediction"] == (p1 > 0.5))
PYEOF
); then ok; else bad "$msg"; fi

begin "ridge and elastic-net coefficients (diabetes) equal numpy's closed form and scikit-learn"
r=0
for en in 0 0.5; do
    pt tune --data "$D/diabetes.csv" --folds 3 --pipeline linearRegression \
        --grid linearRegression.regParam=0.5 --set linearRegression.elasticNetParam=$en \
        --set linearRegression.tol=1e-12 --set linearRegression.maxIter=100000 \
        --model-out "$W/dia$en.model" --quiet >/dev/null 2>"$W/dia.err" || r=1
done
if [ $r -ne 0 ]; then bad "$(cat "$W/dia.err")";
elif msg=$($PY - "$W/dia0.model" "$W/dia0.5.model" "$D/diabetes.csv" "$REF/pipeline_ref.py" 2>&1 <<'PYEOF'
import sys, msgpack, numpy as np, importlib.util
from sklearn.linear_model import ElasticNet
spec = importlib.util.spec_from_file_location("ref", sys.argv[4]); ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
d = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
X = np.column_stack([d[n] for n in d.dtype.names if n != "label"]); y = d["label"]
m0 = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)["pipeline"]
c, b = ref.linreg_fit(X, y, 0.5, True, True)
e = np.max(np.abs(np.array(m0["coefficients"]) - c)) / np.max(np.abs(c))
assert e < 1e-6 and abs(m0["intercept"] - b) < 1e-6 * abs(b), ("ridge", e)
# Spark's standardized elastic net is sklearn's ElasticNet on (x - mu)/sigma, (y - ybar)/sigma_y
# with alpha = regParam / sigma_y and l1_ratio = elasticNetParam (population stds).
mu, s, ybar, sy = X.mean(0), X.std(0), y.mean(), y.std()
en = ElasticNet(alpha=0.5 / sy, l1_ratio=0.5, fit_intercept=False, tol=1e-14, max_iter=1000000)
en.fit((X - mu) / s, (y - ybar) / sy)
c = en.coef_ * sy / s
b = ybar - c @ mu
m5 = msgpack.unpackb(open(sys.argv[2], "rb").read(), raw=False)["pipeline"]
e = np.max(np.abs(np.array(m5["coefficients"]) - c)) / np.max(np.abs(c))
assert e < 1e-4 and abs(m5["intercept"] - b) < 1e-4 * abs(b), ("elastic net", e, m5["coefficients"], c)
PYEOF
); then ok; else bad "$msg"; fi

begin "predict on a regression model equals x . coefficients + intercept; label column optional"
cut -d, -f1-10 "$D/diabetes.csv" >"$W/dia_nolabel.csv"
if ! pt predict --model "$W/dia0.model" --data "$W/dia_nolabel.csv" --out "$W/dia.pred" 2>"$W/e"; then bad "$(cat "$W/e")";
elif ! pt predict --model "$W/dia0.model" --data "$D/diabetes.csv" --out "$W/dia2.pred" 2>"$W/e"; then bad "$(cat "$W/e")";
elif ! cmp -s "$W/dia.pred" "$W/dia2.pred"; then bad "label column changed predictions";
elif ! $PY - "$W/dia0.model" "$D/diabetes.csv" "$W/dia.pred" <<'PYEOF'
import sys, msgpack, numpy as np
m = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)["pipeline"]
d = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
X = np.column_stack([d[n] for n in d.dtype.names if n != "label"])
P = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
assert np.max(np.abs(P["prediction"] - (X @ np.array(m["coefficients"]) + m["intercept"]))) < 1e-9
PYEOF
then bad "predictions differ"; else ok; fi

begin "--stratify: the documented stratified split; folds keep the class proportions"
$PY - "$D/wine.csv" "$W/wine_s.csv" "$REF" <<'PYEOF'
import sys, collections
sys.path.insert(0, sys.argv[3])
import split_ref
lines = open(sys.argv[1]).read().splitlines()
label = [int(l.split(",")[-1]) for l in lines[1:]]
fold = split_ref.kfold_strat(label, 4, 17)
for f in range(4):
    cnt = collections.Counter(l for l, g in zip(label, fold) if g == f)
    for c in set(label):
        share = label.count(c) / 4
        assert abs(cnt[c] - share) < 1, (f, c, cnt[c], share)
with open(sys.argv[2], "w") as out:
    out.write(lines[0] + ",fold\n")
    for l, g in zip(lines[1:], fold):
        out.write("%s,%d\n" % (l, g))
PYEOF
pt tune --data "$D/wine.csv" --folds 4 --seed 17 --stratify --pipeline standardScaler,logisticRegression \
    --grid logisticRegression.regParam=0.01,0.1 "${TIGHT[@]}" --evaluator multiclass \
    --log "$W/strat.log" --quiet >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif msg=$(logcheck "$W/strat.log" "$W/wine_s.csv" multiclass 2>&1); then ok; else bad "$msg"; fi

begin "random search: --samples maps drawn in range, reproducible with the seed"
RS=(--data "$D/diabetes.csv" --pipeline linearRegression --folds 3
    --random linearRegression.regParam=loguniform:0.001:10
    --random linearRegression.elasticNetParam=uniform:0:1
    --random linearRegression.standardization=choice:true,false --samples 6)
pt tune "${RS[@]}" --seed 1 --log "$W/rs1.log" --quiet >/dev/null 2>"$W/e" &&
pt tune "${RS[@]}" --seed 1 --log "$W/rs2.log" --quiet >/dev/null 2>>"$W/e" &&
pt tune "${RS[@]}" --seed 2 --log "$W/rs3.log" --quiet >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! $PY - "$W/rs1.log" "$W/rs2.log" "$W/rs3.log" <<'PYEOF'
import sys, msgpack
maps = [list(msgpack.Unpacker(open(p, "rb"), raw=False))[0]["param_maps"] for p in sys.argv[1:4]]
assert len(maps[0]) == 6 and maps[0] == maps[1] and maps[0] != maps[2]
for m in maps[0]:
    assert 0.001 <= m["linearRegression.regParam"] <= 10
    assert 0 <= m["linearRegression.elasticNetParam"] <= 1
    assert m["linearRegression.standardization"] in (True, False)
assert len({m["linearRegression.regParam"] for m in maps[0]}) == 6
PYEOF
then bad "param maps wrong"; else ok; fi

# ------------------------------------------------------------------ bad input of issue 3
printf 'a,b,label\n1,2,0\n3,4,1.5\n5,6,1\n' >"$W/halfclass.csv"
$PY - "$W/bc.model" "$W/v2.model" <<'PYEOF'
import sys, msgpack
m = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)
m["version"] = 2
open(sys.argv[2], "wb").write(msgpack.packb(m))
PYEOF
head -c 300 "$W/bc.model" >"$W/trunc.model"
expect_bad "binary evaluator on 3 classes" "has 3 classes" --data "$D/wine.csv" --pipeline logisticRegression --evaluator binary
expect_bad "non-integer class label" "halfclass.csv: data row 2: label 1.5 is not a class id" --data "$W/halfclass.csv" --pipeline logisticRegression --folds 2
expect_bad "binary evaluator on a regressor" "needs a classifier" --data "$D/diabetes.csv" --pipeline linearRegression --evaluator binary
expect_bad "family binomial on 3 classes" "binomial takes at most 2" --data "$D/wine.csv" --pipeline logisticRegression --set logisticRegression.family=binomial --evaluator multiclass
expect_bad "unknown family" "expected one of auto|binomial|multinomial" --data "$D/wine.csv" --pipeline logisticRegression --set logisticRegression.family=poisson
expect_bad "threshold out of range" "[0, 1]" --data "$D/wine.csv" --pipeline logisticRegression --set logisticRegression.threshold=2
expect_bad "--random without --samples" "needs --samples" --data "$D/diabetes.csv" --pipeline linearRegression --random linearRegression.regParam=uniform:0:1
expect_bad "bad random distribution" "expected uniform:LO:HI" --data "$D/diabetes.csv" --pipeline linearRegression --random linearRegression.regParam=normal:0:1 --samples 3
expect_bad "loguniform from 0" "LO > 0" --data "$D/diabetes.csv" --pipeline linearRegression --random linearRegression.regParam=loguniform:0:1 --samples 3
expect_bad "--stratify on a regression" "--stratify" --data "$D/diabetes.csv" --pipeline linearRegression --stratify
expect_bad "unknown metric of binary" "unknown metric" --data "$D/breast_cancer.csv" --pipeline logisticRegression --evaluator binary --metric rmse

expect_predict_bad "a truncated model" "not a paratune model" --model "$W/trunc.model" --data "$D/breast_cancer.csv"
expect_predict_bad "a model of another version" "model version 2 is not supported" --model "$W/v2.model" --data "$D/breast_cancer.csv"
expect_predict_bad "a model for other features" "no column named \"mean_radius\"" --model "$W/bc.model" --data "$D/wine.csv"
sed '1s/^age,/years,/' "$D/diabetes.csv" >"$W/renamed.csv"
expect_predict_bad "renamed features" "renamed.csv:1: no column named \"age\"" --model "$W/dia0.model" --data "$W/renamed.csv"
expect_predict_bad "a log given as the model" "not a paratune model" --model "$W/base.log" --data "$D/diabetes.csv"
expect_predict_bad "a missing model" "cannot open" --model "$W/nope.model" --data "$D/diabetes.csv"

begin "--resume refuses a sweep that differs only in --stratify or --num-bins"
cp "$W/strat.log" "$W/strat2.log"
pt tune --data "$D/wine.csv" --folds 4 --seed 17 --pipeline standardScaler,logisticRegression \
    --grid logisticRegression.regParam=0.01,0.1 "${TIGHT[@]}" --evaluator multiclass \
    --log "$W/strat2.log" --resume >/dev/null 2>"$W/e1"
r1=$?
cp "$W/pr.log" "$W/pr2.log"
pt tune --data "$W/bc_f.csv" --fold-col fold --folds 5 --pipeline logisticRegression \
    --grid logisticRegression.regParam=0.01,1 --set logisticRegression.standardization=false \
    "${TIGHT[@]}" --evaluator binary --metric areaUnderPR --num-bins 20 --log "$W/pr2.log" \
    --resume >/dev/null 2>"$W/e2"
r2=$?
if [ $r1 -ne 2 ] || [ $r2 -ne 2 ]; then bad "exits $r1 $r2";
elif ! grep -q "different validator" "$W/e1" || ! grep -q "numBins" "$W/e2"; then bad "$(cat "$W/e1" "$W/e2")";
elif ! cmp -s "$W/strat.log" "$W/strat2.log" || ! cmp -s "$W/pr.log" "$W/pr2.log"; then bad "log changed";
else ok; fi
