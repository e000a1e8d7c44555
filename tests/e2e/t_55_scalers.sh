# t_55_scalers.sh - minMaxScaler and maxAbsScaler: sweeps, models and predict against
# tests/ref/scaler_ref.py (Spark's rules in numpy, a constant column included); bad params
# (sourced by run.sh).

# a copy of DATA with a constant column "const" (value V) inserted as the 4th column
with_const() {
    $PY - "$1" "$2" "$3" <<'PYEOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as f:
    for i, l in enumerate(lines):
        v = l.split(",")
        f.write(",".join(v[:3] + ["const" if i == 0 else sys.argv[3]] + v[3:]) + "\n")
PYEOF
}
D=$HERE/../data
with_const "$D/diabetes.csv" "$W/dia_c.csv" 2.5
with_const "$D/breast_cancer.csv" "$W/bc_c.csv" -7
with_const "$D/wine.csv" "$W/wine_c.csv" 0
$PY "$HERE/addfold.py" "$W/dia_c.csv" "$W/dia_cf.csv" kfold 4 5
$PY "$HERE/addfold.py" "$W/bc_c.csv" "$W/bc_cf.csv" kfold 4 3
$PY "$HERE/addfold.py" "$W/wine_c.csv" "$W/wine_cf.csv" kfold 3 8
SREF=$REF/scaler_ref.py
# standardization off: scaling the features then changes the penalty, so the scalers matter
LIN=(--data "$W/dia_cf.csv" --fold-col fold --folds 4 --set linearRegression.standardization=false
     --grid linearRegression.regParam=0.01,1 --quiet)
LOGI=(--set logisticRegression.standardization=false --set logisticRegression.tol=1e-10
      --set logisticRegression.maxIter=2000 --grid logisticRegression.regParam=0.001,0.1 --quiet)

begin "minMaxScaler + linearRegression, grid over max, constant column: every map equals numpy (1e-6), cache on and off"
MM=(--pipeline minMaxScaler,linearRegression --grid minMaxScaler.max=1,10 --set minMaxScaler.min=-1)
pt tune "${LIN[@]}" "${MM[@]}" --parallelism 2 --log "$W/mm0.log" >/dev/null 2>"$W/e" &&
pt tune "${LIN[@]}" "${MM[@]}" --no-cache --log "$W/mm1.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$SREF" "$W/mm0.log" "$W/dia_cf.csv" 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$SREF" "$W/mm1.log" "$W/dia_cf.csv" 1e-6 2>&1); then bad "$msg"; else ok; fi

begin "maxAbsScaler, and both scalers after pca (the range read through the map): numpy (1e-6)"
pt tune "${LIN[@]}" --pipeline maxAbsScaler,linearRegression --log "$W/ma.log" >/dev/null 2>"$W/e" &&
pt tune "${LIN[@]}" --pipeline standardScaler,pca,minMaxScaler,maxAbsScaler,linearRegression \
    --set standardScaler.withMean=true --grid pca.k=3,8 --set minMaxScaler.min=-3 \
    --grid minMaxScaler.max=1,10 --parallelism 2 --log "$W/pmm.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$SREF" "$W/ma.log" "$W/dia_cf.csv" 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$SREF" "$W/pmm.log" "$W/dia_cf.csv" 1e-6 2>&1); then bad "$msg"; else ok; fi

begin "minMaxScaler + logisticRegression (binary AUC, grid over max) and maxAbsScaler (multiclass f1): numpy and scipy (1e-4)"
pt tune --data "$W/bc_cf.csv" --fold-col fold --folds 4 --pipeline minMaxScaler,logisticRegression \
    --grid minMaxScaler.max=1,10 "${LOGI[@]}" --evaluator binary --parallelism 2 \
    --log "$W/mml.log" >/dev/null 2>"$W/e" &&
pt tune --data "$W/wine_cf.csv" --fold-col fold --folds 3 --pipeline maxAbsScaler,logisticRegression \
    "${LOGI[@]}" --evaluator multiclass --log "$W/mal.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$SREF" "$W/mml.log" "$W/bc_cf.csv" 1e-4 2>&1); then bad "$msg";
elif ! msg=$($PY "$SREF" "$W/mal.log" "$W/wine_cf.csv" 1e-4 2>&1); then bad "$msg"; else ok; fi

begin "model files with each scaler: the fitted range is numpy's, predict equals Spark's rule on the stored state"
pt tune --data "$W/dia_c.csv" --folds 3 --pipeline minMaxScaler,linearRegression \
    --set minMaxScaler.min=-1 --grid minMaxScaler.max=3,5 --set linearRegression.standardization=false \
    --set linearRegression.regParam=0.5 --model-out "$W/mm.model" --quiet >/dev/null 2>"$W/e" &&
pt tune --data "$W/bc_c.csv" --folds 3 --pipeline maxAbsScaler,logisticRegression "${LOGI[@]}" \
    --evaluator binary --model-out "$W/ma.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$W/mm.model" --data "$W/dia_c.csv" --out "$W/mm.pred" 2>>"$W/e" &&
pt predict --model "$W/ma.model" --data "$W/bc_c.csv" --out "$W/ma.pred" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY - "$SREF" "$W/mm.model" "$W/dia_c.csv" "$W/mm.pred" "$W/ma.model" "$W/bc_c.csv" "$W/ma.pred" 2>&1 <<'PYEOF'
import json, subprocess, sys, msgpack, numpy as np
sref = sys.argv[1]
for model, data, pred in (sys.argv[2:5], sys.argv[5:8]):
    m = msgpack.unpackb(open(model, "rb").read(), raw=False)
    d = np.genfromtxt(data, delimiter=",", names=True)
    X = np.column_stack([d[n] for n in m["feature_names"]])
    st, last = m["pipeline"]["stages"][0], m["pipeline"]["stages"][-1]
    if st["name"] == "minMaxScaler":   # the refit's state: numpy's range of all rows, exactly
        assert st["original_min"] == X.min(0).tolist() and st["original_max"] == X.max(0).tolist()
    else:
        assert st["max_abs"] == np.abs(X).max(0).tolist()
    Z = np.array(json.loads(subprocess.check_output([sys.executable, sref, "--transform", model, data])))
    if st["name"] == "minMaxScaler":
        lo, hi = st["params"]["minMaxScaler.min"], st["params"]["minMaxScaler.max"]
        assert np.all(Z[:, 3] == 0.5 * (lo + hi)), "constant column"
        assert np.all(Z.min(0)[np.ptp(X, 0) > 0] == lo), "minimum not mapped to min"
    margin = Z @ np.array(last["coefficients"]).reshape(-1, Z.shape[1]).T + np.array(last["intercept"]).reshape(-1)
    P = np.genfromtxt(pred, delimiter=",", names=True)
    if m["pipeline"]["kind"] == "regression":
        e = np.max(np.abs(P["prediction"] - margin[:, 0])) / np.max(np.abs(margin))
        assert e < 1e-9, "regression predictions differ by %g" % e
    else:
        p1 = 1 / (1 + np.exp(-margin[:, 0]))
        assert np.max(np.abs(P["probability"] - p1)) < 1e-9, "probabilities differ"
        assert np.all(P["prediction"] == (p1 > 0.5))
PYEOF
); then bad "$msg"; else ok; fi

expect_bad "minMaxScaler.min equal to max" "minMaxScaler.min (1) must be less than minMaxScaler.max (1)" \
    --data "$W/dia_c.csv" --pipeline minMaxScaler,linearRegression --set minMaxScaler.min=1
expect_bad "minMaxScaler.max below min in one grid point" "minMaxScaler.max=2,-1: minMaxScaler.min (0) must be less than minMaxScaler.max (-1)" \
    --data "$W/dia_c.csv" --pipeline minMaxScaler,linearRegression --grid minMaxScaler.max=2,-1
expect_bad "a param of maxAbsScaler" "unknown param \"max\" of maxAbsScaler" \
    --data "$W/dia_c.csv" --pipeline maxAbsScaler,linearRegression --set maxAbsScaler.max=2

$PY - "$W/mm.model" "$W/mmbad.model" <<'PYEOF'
import sys, msgpack
m = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)
m["pipeline"]["stages"][0]["params"]["minMaxScaler.min"] = 9.0
open(sys.argv[2], "wb").write(msgpack.packb(m))
PYEOF
begin "predict refuses a model whose minMaxScaler has min >= max"
pt predict --model "$W/mmbad.model" --data "$W/dia_c.csv" --out "$W/mmbad.pred" >/dev/null 2>"$W/err"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$W/err")";
elif [ "$(wc -l <"$W/err")" -ne 1 ] || ! grep -qF "minMaxScaler.min (9) must be less than" "$W/err"; then bad "$(cat "$W/err")";
elif [ -e "$W/mmbad.pred" ]; then bad "wrote output"; else ok; fi
