# t_10_runner.sh - the tuning runner end to end (sourced by run.sh).
# ------------------------------------------------------------------ runs
begin "gen is deterministic and refuses to leave a partial file"
pt gen --rows 3000 --features 30 --seed 7 --out "$W/data2.csv"
if ! cmp -s "$W/data.csv" "$W/data2.csv"; then bad "two gens differ";
elif pt gen --rows 10 --features 3 --out "$W/nodir/x.csv" 2>/dev/null; then bad "wrote into a missing dir";
elif [ -e "$W/nodir" ]; then bad "created a dir"; else ok; fi

begin "tvs example: parallelism 1 and 3 give the same metrics"
pt tune --data "$W/data.csv" --label label --pipeline pca,linearRegression "${GRID[@]}" \
    --validator tvs --train-ratio 0.8 --seed 42 --evaluator regression --metric rmse \
    --parallelism 1 --log "$W/p1.log" --quiet >"$W/p1.out" 2>"$W/p1.err"
rc1=$?
pt tune --data "$W/data.csv" --label label --pipeline pca,linearRegression "${GRID[@]}" \
    --validator tvs --train-ratio 0.8 --seed 42 --evaluator regression --metric rmse \
    --parallelism 3 --log "$W/p3.log" --quiet >"$W/p3.out" 2>"$W/p3.err"
rc3=$?
if [ $rc1 -ne 0 ] || [ $rc3 -ne 0 ]; then bad "exit $rc1/$rc3: $(cat "$W/p1.err" "$W/p3.err")";
elif ! $PY "$HERE/logtool.py" same "$W/p1.log" "$W/p3.log" 1e-12; then bad "metrics differ";
elif ! diff <(grep -v '^paratune:' "$W/p1.out") <(grep -v '^paratune:' "$W/p3.out") >/dev/null; then bad "tables differ";
elif [ "$(grep -c '^\*' "$W/p1.out")" -ne 1 ] || ! tail -1 "$W/p1.out" | grep -q '^best: #'; then bad "no best marked: $(cat "$W/p1.out")";
else check_clean && ok; fi

begin "the log shows at most parallelism jobs outstanding, and overlap when > 1"
# Jobs long enough (no moment cache, 20000 x 150) that workers are busy at the same time.
pt gen --rows 20000 --features 150 --seed 3 --out "$W/big.csv"
for par in 1 3; do
    pt tune --data "$W/big.csv" --pipeline pca,linearRegression --grid pca.k=10,50 \
        --grid linearRegression.regParam=0.01,0.1 --folds 3 --no-cache --parallelism $par \
        --log "$W/ov$par.log" --quiet >/dev/null 2>&1
done
o1=$($PY "$HERE/logtool.py" overlap "$W/ov1.log")
o3=$($PY "$HERE/logtool.py" overlap "$W/ov3.log")
if [ "$o1" != 1 ]; then bad "parallelism 1 overlapped $o1";
elif [ "$o3" -gt 3 ] || [ "$o3" -lt 2 ]; then bad "parallelism 3 overlapped $o3";
else ok; fi

begin "a file parsed by a thread per CPU gives the one-thread results and fingerprint"
# 4.4 MB: over 1 MiB of text per thread, so the loader parses it on 2 threads when it may use
# 2 CPUs, and on 1 under taskset -c to one CPU. cv and tvs write rows at their fold positions
# while parsing; --fold-col writes them in file order and moves them into their folds after.
pt gen --rows 4000 --features 100 --seed 9 --out "$W/mt.csv"
awk 'NR == 1 {print $0 ",fold"; next} {print $0 "," (NR * 7) % 3}' "$W/mt.csv" >"$W/mtf.csv"
read -r C0 C1 <<<"$($PY -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
r=0
if [ -n "${C1:-}" ]; then
    for v in "--folds 3" "--validator tvs" "--fold-col fold"; do
        d=$W/mt.csv
        [ "$v" = "--fold-col fold" ] && d=$W/mtf.csv
        for set in "$C0" "$C0,$C1"; do
            taskset -c "$set" "$BIN/paratune" tune --data "$d" --pipeline pca,linearRegression \
                --grid pca.k=5,20 --set linearRegression.regParam=0.1 $v --seed 4 --parallelism 2 \
                --log "$W/mt$set.log" --overwrite --quiet >/dev/null 2>&1 || r=1
        done
        $PY "$HERE/logtool.py" same "$W/mt$C0.log" "$W/mt$C0,$C1.log" 0 || r=2
        $PY - "$W/mt$C0.log" "$W/mt$C0,$C1.log" <<'PYEOF' || r=3
import sys, msgpack
h = [next(iter(msgpack.Unpacker(open(p, "rb"), raw=False))) for p in sys.argv[1:]]
assert h[0]["data"]["fingerprint"] == h[1]["data"]["fingerprint"], h
PYEOF
    done
fi
if [ -z "${C1:-}" ]; then skip "needs 2 CPUs, this process may use only CPU $C0";
elif [ $r -ne 0 ]; then bad "code $r"; else check_clean && ok; fi

begin "the shared moments cache gives the uncached results (1e-9), cv and tvs"
r=0
for v in "--folds 4" "--validator tvs"; do
    for c in "" --no-cache; do
        pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" $v --seed 3 \
            --parallelism 2 $c --log "$W/cache$c.log" --overwrite --quiet >/dev/null 2>&1 || r=1
    done
    $PY "$HERE/logtool.py" same "$W/cache.log" "$W/cache--no-cache.log" 1e-9 || r=2
done
if [ $r -ne 0 ]; then bad "code $r"; else check_clean && ok; fi

begin "the refit, which may use every slot's CPU, fits the same model at any parallelism"
# --no-cache: the refit computes its moments in pieces on parallelism threads
r=0
for par in 1 2 3; do
    pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 \
        --no-cache --parallelism $par --model-out "$W/refit$par.model" --quiet >/dev/null 2>&1 || r=1
done
if [ $r -ne 0 ]; then bad "a run failed";
elif ! cmp -s "$W/refit1.model" "$W/refit2.model" || ! cmp -s "$W/refit1.model" "$W/refit3.model"; then
    bad "models differ";
else check_clean && ok; fi

begin "the log has header, 6 results and a summary"
s=$($PY "$HERE/logtool.py" summary "$W/p3.log")
if ! echo "$s" | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["results"]==6 and d["statuses"]==["ok"] and d["summary"]["best_index"]>=0 and len(d["header"]["param_maps"])==6 and d["header"]["parallelism"]==3, d'; then bad "$s"; else ok; fi

# reference: numpy implementation of Spark's semantics on the documented split
refcheck() { # LOG DATA-WITH-FOLD FOLDIDX(-1 = mean) [extra ref args]
    local log=$1 data=$2 which=$3
    shift 3
    $PY - "$log" "$data" "$which" "$REF/pipeline_ref.py" "$@" <<'PYEOF'
import json, subprocess, sys, msgpack
log, data, which, ref = sys.argv[1:5]
extra = sys.argv[5:]
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False))
head, summ = recs[0], [r for r in recs if r["record"] == "summary"][-1]
metric = head["evaluator"]["metric"]
pipeline = ",".join(head["pipeline"])
for i, pm in enumerate(head["param_maps"]):
    args = [sys.executable, ref, "--data", data, "--label", "label", "--fold-col", "fold",
            "--pipeline", pipeline, "--metric", metric] + extra
    if "pca.k" in pm: args += ["--k", str(pm["pca.k"])]
    args += ["--reg", repr(pm.get("linearRegression.regParam", 0.0))]
    if pm.get("linearRegression.fitIntercept") is False: args.append("--no-intercept")
    if pm.get("linearRegression.standardization") is False: args.append("--no-standardization")
    out = json.loads(subprocess.check_output(args))
    want = out["avg"] if int(which) < 0 else out["fold_metrics"][int(which)]
    got = summ["avg_metrics"][i]
    if abs(got - want) > 1e-6 * max(1.0, abs(want)):
        sys.exit("map %d %s: paratune %r, numpy %r" % (i, pm, got, want))
PYEOF
}

begin "tvs metrics equal the numpy reference (1e-6 relative)"
if msg=$(refcheck "$W/p3.log" "$W/data_tvs.csv" 1 2>&1); then ok; else bad "$msg"; fi

begin "cv (seeded split, 4 folds) metrics equal the numpy reference"
pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 4 --seed 11 \
    --parallelism 2 --log "$W/cv.log" --quiet >"$W/cv.out" 2>"$W/cv.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/cv.err")";
elif msg=$(refcheck "$W/cv.log" "$W/data_cv.csv" -1 2>&1); then check_clean && ok; else bad "$msg"; fi

begin "cv with --fold-col (not a feature) equals the numpy reference; r2 larger is better"
pt tune --data "$W/data_cv.csv" --fold-col fold --folds 4 --pipeline pca,linearRegression \
    "${GRID[@]}" --metric r2 --set linearRegression.standardization=false \
    --parallelism 2 --log "$W/fc.log" --quiet >"$W/fc.out" 2>"$W/fc.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/fc.err")";
elif msg=$(refcheck "$W/fc.log" "$W/data_cv.csv" -1 2>&1); then
    if $PY -c '
import msgpack,sys
r=list(msgpack.Unpacker(open(sys.argv[1],"rb"),raw=False)); h=r[0]; s=r[-1]
assert h["data"]["features"]==30 and h["evaluator"]["larger_is_better"] is True
a=s["avg_metrics"]; assert s["best_index"]==max(range(len(a)),key=lambda i:(a[i],-i))' "$W/fc.log"; then ok; else bad "header/best wrong"; fi
else bad "$msg"; fi

begin "linear regression alone, no intercept, mae, matches numpy"
pt tune --data "$W/data_cv.csv" --fold-col fold --folds 4 --pipeline linearRegression \
    --grid linearRegression.regParam=0,0.1,1 --set linearRegression.fitIntercept=false \
    --metric mae --log "$W/lr.log" --quiet >"$W/lr.out" 2>"$W/lr.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/lr.err")";
elif msg=$(refcheck "$W/lr.log" "$W/data_cv.csv" -1 2>&1); then ok; else bad "$msg"; fi

begin "LIBSVM input gives the same metrics as the same data in CSV"
$PY - "$W/data.csv" "$W/data.svm" <<'PYEOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as f:
    for line in lines[1:]:
        v = line.split(",")
        feats = " ".join("%d:%s" % (i + 1, x) for i, x in enumerate(v[:-1]) if float(x) != 0.0)
        f.write("%s %s\n" % (v[-1], feats))
PYEOF
pt tune --data "$W/data.svm" --pipeline pca,linearRegression "${GRID[@]}" --validator tvs \
    --train-ratio 0.8 --seed 42 --log "$W/svm.log" --quiet >/dev/null 2>"$W/svm.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/svm.err")";
elif $PY "$HERE/logtool.py" same "$W/svm.log" "$W/p1.log" 1e-9; then ok; else bad "metrics differ"; fi

begin "--model-out holds the refit model; its predictions equal numpy's refit"
pt tune --data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=5,12 \
    --set linearRegression.regParam=0.01 --model-out "$W/model.msgpack" --quiet \
    >/dev/null 2>"$W/m.err"
if [ $? -ne 0 ]; then bad "$(cat "$W/m.err")";
elif msg=$($PY - "$W/model.msgpack" "$W/data.csv" "$REF/pipeline_ref.py" 2>&1 <<'PYEOF'
import sys, msgpack, numpy as np, importlib.util
m = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)
spec = importlib.util.spec_from_file_location("ref", sys.argv[3]); ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
d = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
names = list(d.dtype.names); X = np.column_stack([d[n] for n in names if n != "label"]); y = d["label"]
assert m["format"] == "paratune-model" and m["feature_names"] == [n for n in names if n != "label"]
k = m["params"]["pca.k"]
V = ref.pca_fit(X, k)
c_ref, b_ref = ref.linreg_fit(X @ V, y, 0.01, True, True)
pred_ref = (X @ V) @ c_ref + b_ref
coef = np.array(m["pipeline"]["coefficients"]); b = m["pipeline"]["intercept"]
pred = X @ coef + b
err = np.max(np.abs(pred - pred_ref)) / max(1.0, np.max(np.abs(pred_ref)))
assert err < 1e-6, err
PYEOF
); then ok; else bad "$msg"; fi

