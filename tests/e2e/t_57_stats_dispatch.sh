# t_57_stats_dispatch.sh - the statistics phase over row ranges and moments-only scoring
# (sourced by run.sh): a large block's moments are computed in pieces by several stats jobs
# and merged in a fixed order, so every result is the same bits at any parallelism; they
# equal --no-cache's (rows) to 1e-9 and numpy's (tests/ref/pipeline_ref.py) to 1e-6; a
# worker killed in a stats job is retried and changes nothing.

# 84,000 rows: 2 to 5 folds give blocks of 16,800 to 42,000 rows, cut into 2 to 5 pieces
# (pt_stats_plan: pieces of about 84,000 / 24 = 3,500 rows, none under 4,096).
pt gen --rows 84000 --features 12 --seed 3 --out "$W/rr.csv" >/dev/null 2>&1
RRG=(--pipeline pca,linearRegression --grid pca.k=4,11 --grid linearRegression.regParam=0.001,0.1
     --seed 5 --quiet)
RR=(--data "$W/rr.csv" "${RRG[@]}")

# logs_same LOG...: every result record (map, fold, metric) and the summary's averages are
# the same bits in every log.
logs_same() {
    $PY - "$@" <<'PYEOF'
import sys, msgpack
def key(path):
    res, summ = {}, None
    for r in msgpack.Unpacker(open(path, "rb"), raw=False, strict_map_key=False):
        if r.get("record") == "result":
            assert r["status"] == "ok", (path, r)
            res[(r["param_index"], r["fold"])] = r["metric"].hex()
        elif r.get("record") == "summary":
            summ = [float(v).hex() for v in r["avg_metrics"]]
    return res, summ
first = key(sys.argv[1])
assert len(first[0]) > 0 and first[1] is not None
for p in sys.argv[2:]:
    if key(p) != first:
        sys.exit("%s differs from %s" % (p, sys.argv[1]))
PYEOF
}

begin "row-range stats: folds 2..5 x parallelism 1, 2, 3 give the same bits"
r=""
for k in 2 3 4 5; do
    for p in 1 2 3; do
        pt tune "${RR[@]}" --folds "$k" --parallelism "$p" --log "$W/rr_${k}_$p.log" \
            >/dev/null 2>"$W/rr.err" || r="folds $k parallelism $p: $(head -c 300 "$W/rr.err")"
    done
    [ -n "$r" ] && break
    msg=$(logs_same "$W/rr_${k}_1.log" "$W/rr_${k}_2.log" "$W/rr_${k}_3.log" 2>&1) ||
        { r="folds $k: $msg"; break; }
done
if [ -n "$r" ]; then bad "$r"; else check_clean && ok; fi

begin "row-range stats and moments-only scoring equal --no-cache (1e-9) and numpy (1e-6)"
$PY "$HERE/addfold.py" "$W/rr.csv" "$W/rr_f.csv" kfold 3 5
pt tune "${RRG[@]}" --data "$W/rr_f.csv" --fold-col fold --folds 3 --parallelism 2 \
    --log "$W/rrf.log" >/dev/null 2>"$W/rr.err" &&
    pt tune "${RRG[@]}" --data "$W/rr_f.csv" --fold-col fold --folds 3 --parallelism 2 \
        --no-cache --log "$W/rrn.log" >/dev/null 2>>"$W/rr.err"
if [ $? -ne 0 ]; then bad "$(head -c 300 "$W/rr.err")";
elif msg=$($PY - "$W/rrf.log" "$W/rrn.log" "$W/rr_f.csv" "$REF/pipeline_ref.py" 2>&1 <<'PYEOF'
import json, subprocess, sys, msgpack
cached, rows, data, ref = sys.argv[1:5]
def load(path):
    recs = list(msgpack.Unpacker(open(path, "rb"), raw=False, strict_map_key=False))
    return recs[0]["param_maps"], [r for r in recs if r["record"] == "summary"][-1]["avg_metrics"]
maps, got = load(cached)
_, norows = load(rows)
for i, pm in enumerate(maps):
    assert abs(got[i] - norows[i]) <= 1e-9 * abs(norows[i]), (i, got[i], norows[i])
    want = json.loads(subprocess.check_output([
        sys.executable, ref, "--data", data, "--fold-col", "fold", "--pipeline",
        "pca,linearRegression", "--k", str(pm["pca.k"]), "--reg",
        repr(pm["linearRegression.regParam"]), "--metric", "rmse"]))["avg"]
    assert abs(got[i] - want) <= 1e-6 * abs(want), (i, pm, got[i], want)
PYEOF
); then ok; else bad "$msg"; fi

begin "a worker killed in a stats job: the piece is retried, the results are the same bits"
# stats job 7 of the 2-fold image (10 pieces a block: block 0's eighth); no fit has fold 7
PARATUNE_FAILPOINT="kill@*:7:1" pt tune "${RR[@]}" --folds 2 --parallelism 2 \
    --log "$W/rrk.log" >/dev/null 2>"$W/rrk.err"
rc=$?
if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/rrk.err")";
elif msg=$(logs_same "$W/rr_2_1.log" "$W/rrk.log" 2>&1); then check_clean && ok;
else bad "$msg"; fi

# Unpinned, with answers coming densely, the coordinator polls for the next answer before it
# blocks (sweep.c recv_first): the same bits as a pinned run, every fit recorded once, and a
# crash and a hang among the near-empty fits handled as ever.
begin "unpinned dense dispatch: 2,000 near-empty fits, a crash and a timeout, pinned run's bits"
printf 'a,b,label\n0.1,0.7,0.3\n0.2,0.5,0.9\n0.4,0.1,0.2\n0.8,0.3,0.6\n0.5,0.9,0.1\n0.7,0.2,0.8\n0.3,0.6,0.4\n0.9,0.4,0.7\n' \
    > "$W/dd.csv"
DG="linearRegression.regParam=$($PY -c 'print(",".join(str(i) for i in range(1000)))')"
DD=(--data "$W/dd.csv" --label label --pipeline linearRegression --grid "$DG" --folds 2 --seed 1
    --parallelism 2 --quiet)
pt tune "${DD[@]}" --pin-cpus auto --log "$W/dd_pin.log" >/dev/null 2>"$W/dd.err" &&
    PARATUNE_FAILPOINT="segv@400:1:1;hang@700:0" pt tune "${DD[@]}" --pin-cpus off \
        --job-timeout 1 --log "$W/dd_off.log" >/dev/null 2>>"$W/dd.err"
if [ $? -ne 0 ]; then bad "$(head -c 300 "$W/dd.err")";
elif msg=$($PY - "$W/dd_pin.log" "$W/dd_off.log" 2>&1 <<'PYEOF'
import sys, msgpack
def recs(path):
    out = {}
    for r in msgpack.Unpacker(open(path, "rb"), raw=False, strict_map_key=False):
        if r.get("record") == "result":
            k = (r["param_index"], r["fold"])
            assert k not in out, (path, "recorded twice", k)
            out[k] = r
    return out
pin, off = recs(sys.argv[1]), recs(sys.argv[2])
assert len(pin) == 2000 and set(pin) == set(off), (len(pin), len(off))
for k, r in off.items():
    if k == (700, 0):
        assert r["status"] == "timeout", r
    elif k == (400, 1):
        assert r["status"] == "ok" and r["attempt"] == 2 and r["metric"] == pin[k]["metric"], r
    else:
        assert r["status"] == "ok" and r["metric"].hex() == pin[k]["metric"].hex(), (k, r)
PYEOF
); then check_clean && ok; else bad "$msg"; fi
