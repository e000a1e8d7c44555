# t_58_paths.sh - regularization paths (--path, issue 16): a fit job walks a fold's regParam
# values from the largest down, each fit started from the one before. Path on and off give
# the same best map and metrics (default tol: within what tol allows; tight tol: to 1e-9),
# (--path is off by default: the defaults' runs are the cold ones)
# both equal the independent references (tests/ref/logreg_ref.py, scipy's L-BFGS-B, for
# logistic L2 and elastic net; scikit-learn's ElasticNet for linear elastic net), and the
# solver iterations paratune reports on stderr are fewer with the path (sourced by run.sh).

$PY "$HERE/addfold.py" "$HERE/../data/breast_cancer.csv" "$W/p58_bc.csv" kfold 3 5
P58_REGS=logisticRegression.regParam=0.3,0.1,0.03,0.01,0.003,0.001,0.0003,0.0001

# p58_iters ERRFILE: the solver iterations of the sweep's fit jobs, from stderr
p58_iters() { sed -n 's/^paratune: solver iterations \([0-9]*\) .*/\1/p' "$1"; }

# p58_same LOG_ON LOG_OFF TOL [L1TOL]: the same best map, every map's average within TOL
# (relative to max(1, |value|); maps with an L1 part, elasticNetParam > 0, within L1TOL when
# given), every (map, fold) result present once in each
p58_same() {
    $PY - "$@" <<'PYEOF'
import sys, msgpack
def load(p):
    recs = list(msgpack.Unpacker(open(p, "rb"), raw=False))
    res = {(r["param_index"], r["fold"]): r["metric"] for r in recs if r["record"] == "result"}
    return [r for r in recs if r["record"] == "summary"][-1], res, recs[0]
(sa, ra, ha), (sb, rb, hb), tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
l1tol = float(sys.argv[4]) if len(sys.argv) > 4 else tol
n = len(ha["param_maps"]) * ha["validator"]["num_folds"]
if len(ra) != n or len(rb) != n:
    sys.exit("results: %d and %d of %d" % (len(ra), len(rb), n))
if sa["best_index"] != sb["best_index"]:
    sys.exit("best map %d with the path, %d without" % (sa["best_index"], sb["best_index"]))
for i, (a, b) in enumerate(zip(sa["avg_metrics"], sb["avg_metrics"])):
    pm = ha["param_maps"][i]
    t = l1tol if max(v for k, v in pm.items() if k.endswith("elasticNetParam")) > 0 else tol
    if abs(a - b) > t * max(1.0, abs(b)):
        sys.exit("map %d: %r with the path, %r without (tol %g)" % (i, a, b, tol))
PYEOF
}

# At tol 1e-6 (maxIter raised so that every fit meets it) L-BFGS's fits agree to 1e-6;
# OWL-QN's at the smallest regParam values stop as loosely as tol allows on this
# ill-conditioned data, path and cold alike (each some 5e-5 from the tight optimum): 1e-4.
begin "paths: logistic L2 and elastic net, path on = off (same best; L2 1e-6, L1 1e-4 at tol 1e-6), fewer iterations"
r=0
for p in on off; do
    pt tune --data "$W/p58_bc.csv" --fold-col fold --folds 3 --pipeline logisticRegression \
        --grid "$P58_REGS" --grid logisticRegression.elasticNetParam=0,0.5 --evaluator binary \
        --set logisticRegression.maxIter=2000 \
        --num-bins 0 --parallelism 2 --path $p --log "$W/p58_$p.log" >/dev/null \
        2>"$W/p58_$p.err" || r=1
done
on=$(p58_iters "$W/p58_on.err")
off=$(p58_iters "$W/p58_off.err")
if [ $r -ne 0 ]; then bad "$(cat "$W/p58_on.err" "$W/p58_off.err")";
elif ! grep -q "(6 shared jobs ran 48 fits)" "$W/p58_on.err"; then bad "no path jobs: $(cat "$W/p58_on.err")";
elif ! grep -q "(0 shared jobs ran 0 fits)" "$W/p58_off.err"; then bad "path off shared: $(cat "$W/p58_off.err")";
elif [ -z "$on" ] || [ -z "$off" ] || [ "$on" -ge "$off" ]; then bad "iterations: path $on, cold $off";
elif msg=$(p58_same "$W/p58_on.log" "$W/p58_off.log" 1e-6 1e-4 2>&1); then ok; else bad "$msg"; fi

begin "paths: logistic at tol 1e-10: path on = off to 1e-9 and = scipy (logreg_ref) to 1e-6"
r=0
for p in on off; do
    pt tune --data "$W/p58_bc.csv" --fold-col fold --folds 3 --pipeline logisticRegression \
        --grid logisticRegression.regParam=0.1,0.01,0.001 --grid logisticRegression.elasticNetParam=0,0.5 \
        --set logisticRegression.tol=1e-10 --set logisticRegression.maxIter=5000 \
        --evaluator binary --num-bins 0 --parallelism 2 --path $p --log "$W/p58t_$p.log" \
        >/dev/null 2>"$W/p58t_$p.err" || r=1
done
if [ $r -ne 0 ]; then bad "$(cat "$W/p58t_on.err" "$W/p58t_off.err")";
elif ! msg=$(p58_same "$W/p58t_on.log" "$W/p58t_off.log" 1e-9 2>&1); then bad "$msg";
elif msg=$($PY - "$W/p58t_on.log" "$W/p58_bc.csv" "$REF/logreg_ref.py" 2>&1 <<'PYEOF'
import json, subprocess, sys, msgpack
log, data, ref = sys.argv[1:4]
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False))
head, summ = recs[0], [r for r in recs if r["record"] == "summary"][-1]
for i, pm in enumerate(head["param_maps"]):
    out = subprocess.check_output([sys.executable, ref, "--data", data, "--fold-col", "fold",
        "--pipeline", "logisticRegression", "--evaluator", "binary", "--metric",
        "areaUnderROC", "--num-bins", "0", "--reg", repr(pm["logisticRegression.regParam"]),
        "--elastic-net", repr(pm["logisticRegression.elasticNetParam"])])
    want, got = json.loads(out)["avg"], summ["avg_metrics"][i]
    if abs(got - want) > 1e-6:
        sys.exit("map %d %s: paratune %r, scipy %r" % (i, pm, got, want))
PYEOF
); then ok; else bad "$msg"; fi

begin "paths: linear elastic net path on = off (1e-9) = scikit-learn ElasticNet (1e-6), fewer sweeps"
r=0
for p in on off; do
    pt tune --data "$W/data_cv.csv" --fold-col fold --folds 4 --pipeline linearRegression \
        --grid linearRegression.regParam=1,0.3,0.1,0.03,0.01,0.003 \
        --grid linearRegression.elasticNetParam=0.5,1 --set linearRegression.maxIter=100000 \
        --set linearRegression.tol=1e-10 --parallelism 2 --path $p --log "$W/p58l_$p.log" \
        >/dev/null 2>"$W/p58l_$p.err" || r=1
done
on=$(p58_iters "$W/p58l_on.err")
off=$(p58_iters "$W/p58l_off.err")
if [ $r -ne 0 ]; then bad "$(cat "$W/p58l_on.err" "$W/p58l_off.err")";
elif ! grep -q "(8 shared jobs ran 48 fits)" "$W/p58l_on.err"; then bad "no path jobs: $(cat "$W/p58l_on.err")";
elif [ -z "$on" ] || [ -z "$off" ] || [ "$on" -ge "$off" ]; then bad "sweeps: path $on, cold $off";
elif ! msg=$(p58_same "$W/p58l_on.log" "$W/p58l_off.log" 1e-9 2>&1); then bad "$msg";
elif msg=$($PY - "$W/p58l_on.log" "$W/data_cv.csv" 2>&1 <<'PYEOF'
import sys, warnings, msgpack
import numpy as np
from sklearn.linear_model import ElasticNet
log, data = sys.argv[1:3]
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False))
head, summ = recs[0], [r for r in recs if r["record"] == "summary"][-1]
d = np.genfromtxt(data, delimiter=",", names=True)
names = [n for n in d.dtype.names if n not in ("label", "fold")]
X = np.column_stack([d[n] for n in names]); y = d["label"]; fold = d["fold"].astype(int)
warnings.simplefilter("ignore")
for i, pm in enumerate(head["param_maps"]):
    reg, a = pm["linearRegression.regParam"], pm["linearRegression.elasticNetParam"]
    rm = []
    for k in range(4):
        tr, va = fold != k, fold == k
        mu, sd = X[tr].mean(0), X[tr].std(0)   # Spark's standardized problem, population stds
        ybar, sy = y[tr].mean(), y[tr].std()
        m = ElasticNet(alpha=reg / sy, l1_ratio=a, tol=1e-14, max_iter=1000000)
        m.fit((X[tr] - mu) / sd, (y[tr] - ybar) / sy)
        coef = m.coef_ * sy / sd
        pred = X[va] @ coef + (ybar - coef @ mu)
        rm.append(np.sqrt(np.mean((pred - y[va]) ** 2)))
    want, got = float(np.mean(rm)), summ["avg_metrics"][i]
    if abs(got - want) > 1e-6 * max(1.0, abs(want)):
        sys.exit("map %d %s: paratune %r, sklearn %r" % (i, pm, got, want))
PYEOF
); then ok; else bad "$msg"; fi

begin "paths: linear L2 (closed form) and --race run cold with --path on"
pt tune --data "$W/data_cv.csv" --fold-col fold --folds 4 --pipeline linearRegression \
    --grid linearRegression.regParam=1,0.1,0.01 --parallelism 2 --path on >/dev/null 2>"$W/p58c.err"
r=$?
pt tune --data "$W/p58_bc.csv" --fold-col fold --folds 3 --pipeline logisticRegression \
    --grid logisticRegression.regParam=0.1,0.01,0.001 --evaluator binary --race --path on \
    --parallelism 2 >/dev/null 2>"$W/p58r.err" || r=1
if [ $r -ne 0 ]; then bad "$(cat "$W/p58c.err" "$W/p58r.err")";
elif grep -q "solver iterations" "$W/p58c.err"; then bad "closed form reports iterations: $(cat "$W/p58c.err")";
elif ! grep -q "(0 shared jobs ran 0 fits)" "$W/p58r.err"; then bad "race shared: $(cat "$W/p58r.err")";
else check_clean && ok; fi
expect_bad "--path with another value" "--path maybe: expected on or off" \
    --data "$W/p58_bc.csv" --pipeline logisticRegression --evaluator binary --path maybe
