# t_78_weights.sh - row weights (--weight-col, Spark's weightCol) for linearRegression,
# logisticRegression and the three evaluators, against tests/ref/weights_ref.py (scikit-learn
# with sample_weight, a scipy fit of Spark's weighted logistic objective, numpy versions of
# Spark's weighted metrics); integer weights against the file with each row repeated that
# many times; the log header, resume, predict; bad weights (sourced by run.sh).
$PY - "$W" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(78)
n = 270
X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
y = X @ [1.0, -0.7, 2.0] + 0.4 + rng.normal(scale=0.6, size=n) * (1 + (X[:, 0] > 0))
fold = np.arange(n) % 3
wr = np.round(rng.uniform(0, 3, size=n), 3)
wr[rng.choice(n, 20, replace=False)] = 0.0
yb = (X @ [1.0, -0.3, 1.0] + rng.normal(size=n) > 0).astype(int)
y3 = np.digitize(X @ [1.0, -0.3, 1.0] + rng.normal(size=n), [-1.5, 0.5])
wi = rng.integers(0, 4, size=n)

def q(v):  # a quoted field
    return '"' + v + '"'

# ';' separated, quoted header names and fields, a text id column, real weights
with open(f"{w}/wl.csv", "w") as f:
    f.write('id;"x 1";x2;"x;3";wt;label;fold\n')
    for i in range(n):
        f.write(f'{q("r" + str(i) + ", a")};{q(f"{X[i, 0]:.6f}")};{X[i, 1]:.6f};'
                f'{X[i, 2]:.6f};{wr[i]:g};{y[i]:.6f};{fold[i]}\n')
for name, lab in (("wb", yb), ("wm", y3)):
    with open(f"{w}/{name}.csv", "w") as f:
        f.write("x1,x2,x3,wt,label,fold\n")
        for i in range(n):
            f.write(f"{X[i, 0]:.6f},{X[i, 1]:.6f},{X[i, 2]:.6f},{wr[i]:g},{lab[i]},{fold[i]}\n")
# integer weights, and the same rows each repeated that many times (weight 0: absent)
for name, lab, fmt in (("wi", y, "{:.6f}"), ("wib", yb, "{}")):
    with open(f"{w}/{name}.csv", "w") as f, open(f"{w}/{name}_dup.csv", "w") as g:
        f.write("x1,x2,wt,x3,label,fold\n")
        g.write("x1,x2,x3,label,fold\n")
        for i in range(n):
            lv = fmt.format(lab[i])
            f.write(f"{X[i, 0]:.6f},{X[i, 1]:.6f},{wi[i]},{X[i, 2]:.6f},{lv},{fold[i]}\n")
            for _ in range(wi[i]):
                g.write(f"{X[i, 0]:.6f},{X[i, 1]:.6f},{X[i, 2]:.6f},{lv},{fold[i]}\n")
# the tuning file without its weight column, for predict
with open(f"{w}/wl_now.csv", "w") as f:
    f.write('"x 1";x2;"x;3"\n')
    for i in range(n):
        f.write(f"{X[i, 0]:.6f};{X[i, 1]:.6f};{X[i, 2]:.6f}\n")
# the weights of wb.csv times 1e-3 (every training set's weights then sum to less than 1)
with open(f"{w}/wb_small.csv", "w") as f:
    f.write("x1,x2,x3,wt,label,y,fold\n")
    for i in range(n):
        f.write(f"{X[i, 0]:.6f},{X[i, 1]:.6f},{X[i, 2]:.6f},{wr[i] / 1000:.6g},{yb[i]},"
                f"{y[i]:.6f},{fold[i]}\n")
with open(f"{w}/wb_big.csv", "w") as f:
    f.write("x1,x2,x3,wt,label,y,fold\n")
    for i in range(n):
        f.write(f"{X[i, 0]:.6f},{X[i, 1]:.6f},{X[i, 2]:.6f},{wr[i]:g},{yb[i]},{y[i]:.6f},"
                f"{fold[i]}\n")
# a categorical column, and the same rows with its one-hot columns written out
cats = np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)]
yc = y + (cats == "b") * 1.5 - (cats == "c") * 0.7
with open(f"{w}/wc.csv", "w") as f, open(f"{w}/wc_hot.csv", "w") as g:
    f.write("x1,c,x2,wt,label,fold\n")
    g.write("x1,ca,cb,x2,wt,label,fold\n")
    for i in range(n):
        f.write(f"{X[i, 0]:.6f},{cats[i]},{X[i, 1]:.6f},{wr[i]:g},{yc[i]:.6f},{fold[i]}\n")
        g.write(f"{X[i, 0]:.6f},{int(cats[i] == 'a')},{int(cats[i] == 'b')},{X[i, 1]:.6f},"
                f"{wr[i]:g},{yc[i]:.6f},{fold[i]}\n")
# bad weights
for name, v in (("neg", "-0.5"), ("empty", ""), ("nan", "NaN"), ("inf", "inf"), ("text", "heavy")):
    with open(f"{w}/wbad_{name}.csv", "w") as f:
        f.write("x1,x2,wt,label\n1,2,1,3\n2,1,0.5,4\n3,3," + v + ",5\n4,1,1,6\n")
PYEOF
WREF=$HERE/../ref/weights_ref.py
# ref OUT ARGS...: weights_ref.py's averages into OUT (JSON)
ref() { local out=$1; shift; $PY "$WREF" "$@" >"$out"; }
# refcheck LOG TOL REFJSON METRIC: each map's average in LOG against the reference's
refcheck() {
    $PY - "$@" <<'PYEOF'
import json, math, sys
import msgpack
log, tol, refj, metric = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(log, "rb") as f:
    got = [r for r in msgpack.Unpacker(f, raw=False) if r["record"] == "summary"][-1]["avg_metrics"]
want = json.load(open(refj))["avg"][metric]
if len(got) != len(want):
    sys.exit(f"{len(got)} maps, the reference has {len(want)}")
for i, (g, r) in enumerate(zip(got, want)):
    if not abs(g - r) <= tol * max(1.0, abs(r)):
        sys.exit(f"{metric} map {i}: paratune {g!r}, reference {r!r}")
PYEOF
}
WL=(--data "$W/wl.csv" --weight-col wt --fold-col fold --folds 3 --ignore id --quiet)
RL=(--data "$W/wl.csv" --sep ";" --fold-col fold --weight-col wt --ignore id --model linreg)

begin "linearRegression with weights (';', quoted fields, an id column): rmse for regParam 0, 0.1 x elasticNetParam 0, 0.5 as scikit-learn with sample_weight (1e-6)"
if ! pt tune "${WL[@]}" --pipeline linearRegression --grid linearRegression.regParam=0,0.1 \
    --grid linearRegression.elasticNetParam=0,0.5 --log "$W/w1.log" --parallelism 2 >/dev/null 2>"$W/e"; then bad "$(cat "$W/e")";
elif ! ref "$W/w1.json" "${RL[@]}" --reg 0,0,0.1,0.1 --enet 0,0.5,0,0.5; then bad "the reference failed";
elif ! msg=$(refcheck "$W/w1.log" 1e-6 "$W/w1.json" rmse 2>&1); then bad "$msg"; else ok; fi

begin "the weighted regression metrics r2 (Spark's SStot), mae and var, with and without the moments cache, as numpy (1e-6)"
fails=""
ref "$W/w2.json" "${RL[@]}" --reg 0,0.3 --metric r2,mae,var || fails="the reference failed"
for m in r2 mae var; do
    for c in "" --no-cache; do
        if ! pt tune "${WL[@]}" --pipeline linearRegression --grid linearRegression.regParam=0,0.3 \
            --metric $m $c --log "$W/w2.log" --overwrite >/dev/null 2>"$W/e"; then fails="$fails $m$c: $(cat "$W/e")";
        elif ! msg=$(refcheck "$W/w2.log" 1e-6 "$W/w2.json" $m 2>&1); then fails="$fails $m$c: $msg"; fi
    done
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

begin "integer weights equal repeated rows: standardScaler,linearRegression (regParam 0, 0.2 x elasticNetParam 0, 0.5) scored by rmse, mae, var, cache on and off: every job (1e-9)"
fails=""
for m in rmse mae var; do
    for c in "" --no-cache; do
        for f in wi wi_dup; do
            wc=(); [ $f = wi ] && wc=(--weight-col wt)
            pt tune --data "$W/$f.csv" "${wc[@]}" --fold-col fold --folds 3 --quiet $c --metric $m \
                --pipeline standardScaler,linearRegression --grid linearRegression.regParam=0,0.2 \
                --grid linearRegression.elasticNetParam=0,0.5 --log "$W/$f.log" --overwrite >/dev/null 2>"$W/e" || fails="$fails $f $m: $(cat "$W/e")"
        done
        msg=$($PY "$HERE/logtool.py" same "$W/wi.log" "$W/wi_dup.log" 1e-9 2>&1) || fails="$fails $m$c: $msg"
    done
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

begin "integer weights equal repeated rows: logisticRegression (regParam 0) scored by areaUnderROC and areaUnderPR: every job (1e-6)"
fails=""
for m in areaUnderROC areaUnderPR; do
    for f in wib wib_dup; do
        wc=(); [ $f = wib ] && wc=(--weight-col wt)
        pt tune --data "$W/$f.csv" "${wc[@]}" --fold-col fold --folds 3 --quiet --metric $m \
            --pipeline logisticRegression --evaluator binary --log "$W/$f.log" --overwrite >/dev/null 2>"$W/e" || fails="$fails $f: $(cat "$W/e")"
    done
    msg=$($PY "$HERE/logtool.py" same "$W/wib.log" "$W/wib_dup.log" 1e-6 2>&1) || fails="$fails $m: $msg"
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

begin "weights scaled by 1e-3 (sums below 1) give the same linearRegression rmse and logisticRegression areaUnderROC (1e-9)"
fails=""
for f in wb_small wb_big; do
    pt tune --data "$W/$f.csv" --weight-col wt --fold-col fold --folds 3 --quiet --ignore label --label y \
        --pipeline linearRegression --grid linearRegression.regParam=0,0.1 --log "$W/$f.r.log" >/dev/null 2>"$W/e" &&
    pt tune --data "$W/$f.csv" --weight-col wt --fold-col fold --folds 3 --quiet --ignore y --evaluator binary \
        --pipeline logisticRegression --grid logisticRegression.regParam=0,0.1 --log "$W/$f.b.log" >/dev/null 2>>"$W/e" || fails="$fails $f: $(cat "$W/e")"
done
for k in r b; do
    msg=$($PY "$HERE/logtool.py" same "$W/wb_small.$k.log" "$W/wb_big.$k.log" 1e-9 2>&1) || fails="$fails $k: $msg"
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

RB=(--data "$W/wb.csv" --fold-col fold --weight-col wt --model logreg --evaluator binary)
begin "logisticRegression with weights, binary evaluator: areaUnderROC and areaUnderPR for regParam 0, 0.05 as scipy on Spark's weighted objective (1e-4)"
fails=""
ref "$W/w5.json" "${RB[@]}" --reg 0,0.05 --metric areaUnderROC,areaUnderPR || fails="the reference failed"
for m in areaUnderROC areaUnderPR; do
    if ! pt tune --data "$W/wb.csv" --weight-col wt --fold-col fold --folds 3 --quiet --evaluator binary \
        --metric $m --pipeline logisticRegression --grid logisticRegression.regParam=0,0.05 \
        --log "$W/w5.log" --overwrite >/dev/null 2>"$W/e"; then fails="$fails $(cat "$W/e")";
    elif ! msg=$(refcheck "$W/w5.log" 1e-4 "$W/w5.json" $m 2>&1); then fails="$fails $msg"; fi
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

RM=(--data "$W/wm.csv" --fold-col fold --weight-col wt --model logreg --evaluator multiclass)
begin "multinomial logisticRegression with weights: f1, accuracy, weightedPrecision, weightedRecall, logLoss, hammingLoss (regParam 0.02) as scipy/numpy (1e-4)"
fails=""
ref "$W/w6.json" "${RM[@]}" --reg 0.02 --metric f1,accuracy,weightedPrecision,weightedRecall,logLoss,hammingLoss || fails="the reference failed"
for m in f1 accuracy weightedPrecision weightedRecall logLoss hammingLoss; do
    if ! pt tune --data "$W/wm.csv" --weight-col wt --fold-col fold --folds 3 --quiet --evaluator multiclass \
        --metric $m --pipeline logisticRegression --set logisticRegression.regParam=0.02 \
        --log "$W/w6.log" --overwrite >/dev/null 2>"$W/e"; then fails="$fails $(cat "$W/e")";
    elif ! msg=$(refcheck "$W/w6.log" 1e-4 "$W/w6.json" $m 2>&1); then fails="$fails $m: $msg"; fi
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

begin "standardScaler takes no weights (Spark's has no weightCol): standardScaler,logisticRegression with standardization false, regParam 0.1, as the reference (1e-4)"
if ! pt tune --data "$W/wb.csv" --weight-col wt --fold-col fold --folds 3 --quiet --evaluator binary \
    --pipeline standardScaler,logisticRegression --set logisticRegression.regParam=0.1 \
    --set logisticRegression.standardization=false --log "$W/w7.log" >/dev/null 2>"$W/e"; then bad "$(cat "$W/e")";
elif ! ref "$W/w7.json" "${RB[@]}" --reg 0.1 --scaler --no-standardization --metric areaUnderROC; then bad "the reference failed";
elif ! msg=$(refcheck "$W/w7.log" 1e-4 "$W/w7.json" areaUnderROC 2>&1); then bad "$msg"; else ok; fi

begin "--categorical with weights: stringIndexer,oneHotEncoder,linearRegression (regParam 0) as scikit-learn on the one-hot columns with sample_weight (1e-6)"
if ! pt tune --data "$W/wc.csv" --weight-col wt --fold-col fold --folds 3 --categorical c --quiet \
    --pipeline stringIndexer,oneHotEncoder,linearRegression --metric mae --log "$W/wc.log" >/dev/null 2>"$W/e"; then bad "$(cat "$W/e")";
elif ! ref "$W/wc.json" --data "$W/wc_hot.csv" --fold-col fold --weight-col wt --model linreg --metric mae; then bad "the reference failed";
elif ! msg=$(refcheck "$W/wc.log" 1e-6 "$W/wc.json" mae 2>&1); then bad "$msg"; else ok; fi

begin "the log header and the model file name the weight column (data.weight_col, weight_col), which is not a feature; a refit on the weighted rows (predict on the tuning file equals scikit-learn's weighted fit on every row); predict ignores the weight column"
pt tune "${WL[@]}" --pipeline linearRegression --set linearRegression.regParam=0 --log "$W/w8.log" \
    --model-out "$W/w8.model" >/dev/null 2>"$W/e" &&
pt predict --model "$W/w8.model" --data "$W/wl.csv" --out "$W/w8p.csv" 2>>"$W/e" &&
pt predict --model "$W/w8.model" --data "$W/wl_now.csv" --out "$W/w8q.csv" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY - "$W" <<'PYEOF' 2>&1
import csv, sys
import msgpack
import numpy as np
from sklearn.linear_model import LinearRegression
w = sys.argv[1]
with open(f"{w}/w8.log", "rb") as f:
    head = next(iter(msgpack.Unpacker(f, raw=False)))
d = head["data"]
assert d.get("weight_col") == "wt", d
assert d["feature_names"] == ["x 1", "x2", "x;3"], d["feature_names"]
with open(f"{w}/w8.model", "rb") as f:
    model = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
assert model.get("weight_col") == "wt", "model file: weight_col %r" % model.get("weight_col")
rows = list(csv.reader(open(f"{w}/wl.csv", newline=""), delimiter=";"))[1:]
X = np.array([[float(r[1]), float(r[2]), float(r[3])] for r in rows])
wt = np.array([float(r[4]) for r in rows])
y = np.array([float(r[5]) for r in rows])
ref = LinearRegression().fit(X, y, sample_weight=wt).predict(X)
p = np.array([float(r[-1]) for r in list(csv.reader(open(f"{w}/w8p.csv")))[1:]])
q = np.array([float(r[-1]) for r in list(csv.reader(open(f"{w}/w8q.csv")))[1:]])
assert np.max(np.abs(p - ref)) < 1e-6, np.max(np.abs(p - ref))
assert np.array_equal(p, q), "predict depends on the weight column"
PYEOF
); then bad "$msg"; else ok; fi

begin "--resume without the --weight-col of the log (the same features) is refused: one line, exit 2"
fails=""
for other in "--ignore id,wt"; do
    # shellcheck disable=SC2086
    pt tune --data "$W/wl.csv" $other --fold-col fold --folds 3 --quiet --pipeline linearRegression \
        --set linearRegression.regParam=0 --log "$W/w8.log" --resume >/dev/null 2>"$W/e"
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l <"$W/e")" -ne 1 ] || ! grep -q "weight column" "$W/e"; then fails="$fails [$other] exit $rc: $(cat "$W/e")"; fi
done
if [ -n "$fails" ]; then bad "$fails"; else ok; fi

BADW=(--pipeline linearRegression --weight-col wt --folds 2)
expect_bad "a negative weight" "wbad_neg.csv:4: column wt: negative weight -0.5" --data "$W/wbad_neg.csv" "${BADW[@]}"
expect_bad "an empty weight" "wbad_empty.csv:4: column wt: missing weight" --data "$W/wbad_empty.csv" "${BADW[@]}"
expect_bad "a NaN weight" "wbad_nan.csv:4: column wt: missing weight" --data "$W/wbad_nan.csv" "${BADW[@]}"
expect_bad "an infinite weight" "wbad_inf.csv:4: column wt: not finite: inf" --data "$W/wbad_inf.csv" "${BADW[@]}"
expect_bad "a weight that is not a number" "wbad_text.csv:4: column wt: not a number: \"heavy\"" --data "$W/wbad_text.csv" "${BADW[@]}"
expect_bad "--weight-col naming an absent column" "--weight-col: $W/wi.csv:1: no column named \"weight\"" --data "$W/wi.csv" --pipeline linearRegression --weight-col weight
expect_bad "the weight column also in --features" "--features: column \"wt\" is the weight column, not a feature" --data "$W/wi.csv" --pipeline linearRegression --weight-col wt --features x1,wt
expect_bad "the weight column is the label" "--weight-col: column \"label\" is the label column" --data "$W/wi.csv" --pipeline linearRegression --weight-col label
expect_bad "--weight-col with LIBSVM" "--weight-col" --data "$W/wi.csv" --format libsvm --pipeline linearRegression --weight-col wt
