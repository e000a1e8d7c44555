# t_88_gbt_early.sh - gradient-boosted trees' early stopping (issue 15: validationTol with
# validationIndicatorCol) against tests/ref/spark_gbt.py (Spark's GradientBoostedTrees.boost
# with validate, in numpy): every (map, fold) metric to 1e-9, each maxIter of a grid fit on
# its own by the reference (paratune shares one boosting per fold and cuts each prefix by the
# rule), the refit's trees kept and `paratune predict` on held-out rows; the maxIter grid
# equals single runs (1e-12); refusals (sourced by run.sh).
#
# The data are t_87's kind (few distinct values, integer or 0/1 labels, rows in fold order)
# with a column v: true / false / 1 / 0, about 30% true, the rows each fold's fit holds out.

GREF=$REF/spark_gbt.py
$PY - "$W" "$REF" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
import numpy as np
import split_ref
w, rng = sys.argv[1], np.random.default_rng(88)


def dataset(name, n, nt, kind):
    m = n + nt
    x1 = np.round(rng.normal(size=m), 2)
    x2 = rng.integers(0, 25, m).astype(float)
    x3 = np.where(rng.random(m) < 0.4, 0.0, np.round(rng.normal(size=m), 1))
    s = 1.5 * x1 + np.sin(x2 / 4) - x3 * x1 + 0.8 * rng.normal(size=m)
    y = np.round(3 * s) if kind == "reg" else (s > 0.4).astype(float)
    v = np.where(rng.random(m) < 0.3, rng.choice(["true", "1", "TRUE"], m),
                 rng.choice(["false", "0", "False"], m))
    fold = np.array(split_ref.kfold(n, 3, 7))
    order = np.argsort(fold, kind="stable")
    for nm, rows, fo in ((name, order, fold[order]), (name + "_test", np.arange(n, m), None)):
        head = "x1,v,x2,x3,label" + (",fold" if fo is not None else "")
        lines = [head]
        for k, r in enumerate(rows):
            t = [f"{x1[r]:.10g}", v[r], f"{x2[r]:.10g}", f"{x3[r]:.10g}", f"{y[r]:.10g}"]
            lines.append(",".join(t + ([str(fo[k])] if fo is not None else [])))
        open(f"{w}/{nm}.csv", "w").write("\n".join(lines) + "\n")


dataset("ereg", 300, 80, "reg")
dataset("ebin", 300, 80, "bin")
PYEOF

# early_cv NAME DATA ARGS...: tune with the fold column, every map against the reference
early_cv() {
    local name=$1 data=$2
    shift 2
    begin "$name"
    rm -f "$W/g.log"
    if ! pt tune --data "$W/$data.csv" --fold-col fold --quiet --log "$W/g.log" "$@" \
            >/dev/null 2>"$W/e"; then bad "$(head -c 400 "$W/e")"; return; fi
    if msg=$($PY "$GREF" checklog --log "$W/g.log" --data "$W/$data.csv" --fold-col fold \
            --tol 1e-9 2>&1); then
        # the rule must bite: folds of a map keep different counts, some between 1 and 40
        if $PY -c 'import json,sys; k=json.loads(sys.argv[1])["kept"].values(); sys.exit(0 if any(len(set(v))>1 for v in k) and any(1<t<40 for v in k for t in v) else 1)' "$msg"; then
            ok
        else bad "no map stopped early: $msg"; fi
    else bad "$msg"; fi
}

early_cv "gbtRegressor early stop (validationIndicatorCol v, squared): maxDepth x validationTol x maxIter, every (map, fold) rmse equals the numpy reference, each maxIter fit alone (1e-9)" \
    ereg --pipeline gbtRegressor --set gbtRegressor.maxBins=256 \
    --set gbtRegressor.validationIndicatorCol=v --grid gbtRegressor.maxDepth=2,4 \
    --grid gbtRegressor.validationTol=0,0.01 --grid gbtRegressor.maxIter=3,12,40 \
    --set gbtRegressor.stepSize=0.1
early_cv "gbtRegressor early stop, absolute loss: numpy reference (1e-9)" \
    ereg --pipeline gbtRegressor --set gbtRegressor.maxBins=256 --metric mae \
    --set gbtRegressor.lossType=absolute --set gbtRegressor.validationIndicatorCol=v \
    --set gbtRegressor.stepSize=0.3 --grid gbtRegressor.maxIter=5,40
early_cv "gbtClassifier early stop (logistic, log1pExp error): areaUnderROC equals the numpy reference (1e-9)" \
    ebin --pipeline gbtClassifier --evaluator binary --set gbtClassifier.maxBins=256 \
    --set gbtClassifier.validationIndicatorCol=v --set gbtClassifier.stepSize=0.2 \
    --grid gbtClassifier.maxDepth=2,5 --grid gbtClassifier.maxIter=4,40

begin "early stop: a maxIter grid in one job equals single runs (1e-12) and --no-prefix-sharing"
rm -f "$W/ga.log" "$W/gb.log"
args=(--data "$W/ebin.csv" --fold-col fold --quiet --pipeline gbtClassifier --evaluator binary
      --set gbtClassifier.validationIndicatorCol=v --set gbtClassifier.stepSize=0.2
      --set gbtClassifier.maxDepth=3)
if pt tune "${args[@]}" --grid gbtClassifier.maxIter=2,6,15,40 --log "$W/ga.log" >/dev/null 2>"$W/e" &&
   pt tune "${args[@]}" --grid gbtClassifier.maxIter=2,6,15,40 --no-prefix-sharing \
       --log "$W/gb.log" >/dev/null 2>>"$W/e"; then
    ok_all=1
    for m in 2 6 15 40; do
        rm -f "$W/g1.log"
        pt tune "${args[@]}" --set gbtClassifier.maxIter=$m --log "$W/g1.log" >/dev/null 2>>"$W/e" || ok_all=0
        if ! $PY - "$W/ga.log" "$W/gb.log" "$W/g1.log" $m <<'PYEOF'
import sys, msgpack
def res(p):
    h, out = None, {}
    for r in msgpack.Unpacker(open(p, "rb"), raw=False, strict_map_key=False):
        if h is None: h = r
        elif r.get("record") == "result": out[r["param_index"], r["fold"]] = r["metric"]
    return h, out
m = int(sys.argv[4])
ha, a = res(sys.argv[1]); _, b = res(sys.argv[2]); _, one = res(sys.argv[3])
i = [k for k, pm in enumerate(ha["param_maps"]) if int(pm["gbtClassifier.maxIter"]) == m][0]
for f in range(3):
    for x in (a[i, f], b[i, f]):
        if abs(x - one[0, f]) > 1e-12:
            sys.exit("maxIter %d fold %d: grid %r, alone %r" % (m, f, x, one[0, f]))
PYEOF
        then ok_all=0; fi
    done
    if [ $ok_all = 1 ]; then ok; else bad "$(head -c 300 "$W/e")"; fi
else bad "$(head -c 300 "$W/e")"; fi

begin "early stop: the refit keeps the reference's trees and paratune predict equals its predictions (1e-9)"
rm -f "$W/em.model" "$W/em.pred" "$W/em.log"
if pt tune --data "$W/ereg.csv" --fold-col fold --quiet --pipeline gbtRegressor \
        --set gbtRegressor.maxBins=256 --set gbtRegressor.validationIndicatorCol=v \
        --set gbtRegressor.stepSize=0.1 --set gbtRegressor.maxIter=40 --set gbtRegressor.maxDepth=3 \
        --log "$W/em.log" --model-out "$W/em.model" >/dev/null 2>"$W/e" &&
   pt predict --model "$W/em.model" --data "$W/ereg_test.csv" --out "$W/em.pred" --quiet 2>>"$W/e" &&
   $PY "$GREF" fit-predict --train "$W/ereg.csv" --test "$W/ereg_test.csv" --kind regressor \
        --ignore fold --valid-col v --max-iter 40 --max-depth 3 --max-bins 256 --step-size 0.1 \
        >"$W/em.ref" 2>>"$W/e"; then
    if msg=$($PY - "$W/em.model" "$W/em.pred" "$W/em.ref" <<'PYEOF' 2>&1
import sys, json, csv, msgpack
mod = msgpack.unpack(open(sys.argv[1], "rb"), raw=False, strict_map_key=False)
g = mod["pipeline"]["stages"][-1]["gbt"]
ref = json.load(open(sys.argv[3]))
nt = len(g["trees"]["trees"]) if isinstance(g["trees"], dict) and "trees" in g["trees"] else None
if len(ref["trees"]) >= 40 or len(g["validation_errors"]) != len(ref["valid_error"]):
    sys.exit("rounds: paratune %d, reference %d (kept %d)" % (len(g["validation_errors"]), len(ref["valid_error"]), len(ref["trees"])))
for a, b in zip(g["validation_errors"], ref["valid_error"]):
    if abs(a - b) > 1e-9 * max(1, abs(b)): sys.exit("validation error %r vs %r" % (a, b))
if nt is not None and nt != len(ref["trees"]): sys.exit("trees kept %d, reference %d" % (nt, len(ref["trees"])))
rows = list(csv.DictReader(open(sys.argv[2])))
for r, p in zip(rows, ref["prediction"]):
    if abs(float(r["prediction"]) - p) > 1e-9 * max(1, abs(p)): sys.exit("prediction %s vs %r" % (r["prediction"], p))
PYEOF
    ); then ok; else bad "$msg"; fi
else bad "$(head -c 400 "$W/e")"; fi

expect_bad "validationTol below 0" "validationTol" --data "$W/ereg.csv" --fold-col fold \
    --pipeline gbtRegressor --set gbtRegressor.validationIndicatorCol=v \
    --set gbtRegressor.validationTol=-0.1
expect_bad "validationIndicatorCol on a forest" "validationIndicatorCol" --data "$W/ereg.csv" \
    --fold-col fold --pipeline randomForestRegressor \
    --set randomForestRegressor.validationIndicatorCol=v
expect_bad "validationIndicatorCol naming no column" "nosuch" --data "$W/ereg.csv" \
    --fold-col fold --pipeline gbtRegressor --set gbtRegressor.validationIndicatorCol=nosuch
expect_bad "validationIndicatorCol as a grid axis" "validationIndicatorCol" --data "$W/ereg.csv" \
    --fold-col fold --pipeline gbtRegressor --grid gbtRegressor.validationIndicatorCol=v,x1
sed 's/^\(-\?[0-9.]*\),false,/\1,maybe,/' "$W/ereg.csv" >"$W/ebad.csv"
expect_bad "an indicator value not true, false, 1 or 0" "column v: expected true, false, 1 or 0" \
    --data "$W/ebad.csv" --fold-col fold --pipeline gbtRegressor \
    --set gbtRegressor.validationIndicatorCol=v
expect_bad "the indicator also declared categorical" "--categorical: column \"v\" is the validation indicator column" \
    --data "$W/ereg.csv" --fold-col fold --pipeline gbtRegressor --categorical v \
    --set gbtRegressor.validationIndicatorCol=v
printf '1 1:0.5\n0 1:0.7\n1 1:0.2\n0 1:0.1\n' >"$W/e.svm"
expect_bad "validationIndicatorCol on LIBSVM input" "validationIndicatorCol: " \
    --data "$W/e.svm" --folds 2 --pipeline gbtRegressor --set gbtRegressor.validationIndicatorCol=v
