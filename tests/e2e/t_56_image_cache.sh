# t_56_image_cache.sh - tune --image-cache: the second run on the same data maps the cached
# image (the stderr note, and the cache file is not written again), its results equal to the
# bit a run without the cache (every job's metric, the summary, the data fingerprint, the
# model file); a cache file with flipped bytes, cut short, or of a data file that changed is
# rebuilt, never used; other layout options get another file; categorical, imputed and
# weighted data; an unwritable cache is a warning, not a failure; a refused run makes
# nothing; bad values exit 2 (sourced by run.sh).
T56=$W/t56
mkdir -p "$T56"
# bit-identical: job metrics, summary (but its wall time), header data and feature names
t56_same() {
    $PY - "$1" "$2" <<'PYEOF'
import sys
import msgpack

def load(p):
    with open(p, "rb") as f:
        recs = list(msgpack.Unpacker(f, raw=False, strict_map_key=False))
    jobs = {(r["param_index"], r["fold"]): r["metric"].hex()
            for r in recs if r["record"] == "result"}
    summ = [{k: v for k, v in r.items() if k not in ("wall_seconds", "crc")}
            for r in recs if r["record"] == "summary"]
    head = {k: v for k, v in recs[0]["data"].items() if k != "path"}
    return jobs, repr(summ), repr(head)

a, b = load(sys.argv[1]), load(sys.argv[2])
for what, x, y in zip(("job metrics", "summary", "header data"), a, b):
    if x != y:
        sys.exit("%s differ:\n%s\n%s" % (what, x, y))
PYEOF
}
T56_RUN=(--pipeline pca,linearRegression --grid pca.k=3,12 --grid linearRegression.regParam=0.001,0.03
         --parallelism 2 --overwrite)
# t56_tune NAME EXTRA...: a run with --log $T56/NAME.log, stderr in $T56/NAME.err
t56_tune() {
    local n=$1
    shift
    pt tune --data "$T56/d.csv" "${T56_RUN[@]}" --log "$T56/$n.log" "$@" \
        >"$T56/$n.out" 2>"$T56/$n.err"
}
cp "$W/data.csv" "$T56/d.csv"

begin "image cache: the second run maps the cache, results equal to the bit"
t56_tune ref --model-out "$T56/ref.ptm"
t56_tune c1 --image-cache "$T56/c" --model-out "$T56/c1.ptm"
f=$(ls "$T56/c"/*.ptimg 2>/dev/null)
m1=$(stat -c %Y.%i "$f" 2>/dev/null)
t56_tune c2 --image-cache "$T56/c" --model-out "$T56/c2.ptm"
if ! grep -q "image cache: wrote" "$T56/c1.err"; then bad "first run: $(cat "$T56/c1.err")"
elif ! grep -q "image cache: mapped .*d.csv not parsed" "$T56/c2.err"; then
    bad "second run did not map it: $(cat "$T56/c2.err")"
elif grep -q "image cache: wrote" "$T56/c2.err" || [ "$(stat -c %Y.%i "$f")" != "$m1" ]; then
    bad "the cache file was written again"
elif ! msg=$(t56_same "$T56/ref.log" "$T56/c1.log" 2>&1) ||
     ! msg=$(t56_same "$T56/ref.log" "$T56/c2.log" 2>&1); then bad "$msg"
elif ! cmp -s "$T56/ref.out" "$T56/c2.out"; then bad "stdout differs"
elif ! cmp -s "$T56/ref.ptm" "$T56/c2.ptm"; then bad "model files differ"
else check_clean && ok; fi

# t56_rebuilt NAME: the run noted WHY, rebuilt the file, and its results equal ref's
t56_rebuilt() {
    local n=$1 why=$2
    t56_tune "$n" --image-cache "$T56/c"
    if ! grep -q "image cache: .*$why.*reading .*d.csv again" "$T56/$n.err"; then
        bad "no rebuild note: $(cat "$T56/$n.err")"
    elif ! grep -q "image cache: wrote" "$T56/$n.err"; then bad "not rebuilt: $(cat "$T56/$n.err")"
    elif ! msg=$(t56_same "$T56/ref.log" "$T56/$n.log" 2>&1); then bad "$msg"
    else
        t56_tune "$n.2" --image-cache "$T56/c"
        if ! grep -q "image cache: mapped" "$T56/$n.2.err"; then bad "rebuilt file not used"
        else check_clean && ok; fi
    fi
}
begin "image cache: flipped bytes in the image are found and the file rebuilt"
printf '\377\377\377\377' | dd of="$f" bs=1 seek=50000 conv=notrunc 2>/dev/null
t56_rebuilt flip "checksum mismatch"
begin "image cache: flipped bytes in its description are found and the file rebuilt"
sz=$(stat -c %s "$f")
printf 'zz' | dd of="$f" bs=1 seek=$((sz - 100)) conv=notrunc 2>/dev/null
t56_rebuilt flip2 "checksum mismatch"
begin "image cache: a file cut short is rebuilt"
truncate -s $(($(stat -c %s "$f") - 7)) "$f"
t56_rebuilt cut "cut short"
begin "image cache: a file cut to nothing is rebuilt"
: >"$f"
t56_rebuilt empty "cut short"
begin "image cache: the data file touched (same bytes) is rebuilt"
touch -d '2001-01-01' "$T56/d.csv"
t56_rebuilt touched "data file has changed"

begin "image cache: a changed data file gives its own results, not the cache's"
$PY - "$T56/d.csv" <<'PYEOF'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
f = lines[5].split(",")
f[0] = repr(float(f[0]) + 1.0)
lines[5] = ",".join(f)
open(p, "w").write("\n".join(lines) + "\n")
PYEOF
touch -d '2001-01-01' "$T56/d.csv" # the same mtime as the cached identity's, and size
t56_tune chg_ref
t56_tune chg --image-cache "$T56/c"
if ! grep -q "data file has changed" "$T56/chg.err"; then bad "used: $(cat "$T56/chg.err")"
elif ! msg=$(t56_same "$T56/chg_ref.log" "$T56/chg.log" 2>&1); then bad "$msg"
elif t56_same "$T56/ref.log" "$T56/chg.log" >/dev/null 2>&1; then bad "results of the old data"
else check_clean && ok; fi
cp "$W/data.csv" "$T56/d.csv"

begin "image cache: other layout options (folds, seed, tvs, features) get files of their own"
rm -rf "$T56/c"
fails=""
for opts in "--folds 4" "--seed 6" "--validator tvs --train-ratio 0.7" "--ignore f3"; do
    # shellcheck disable=SC2086
    t56_tune o_ref $opts
    # shellcheck disable=SC2086
    t56_tune o1 $opts --image-cache "$T56/c"
    # shellcheck disable=SC2086
    t56_tune o2 $opts --image-cache "$T56/c"
    grep -q "image cache: wrote" "$T56/o1.err" || fails="$fails [$opts: not written]"
    grep -q "image cache: mapped" "$T56/o2.err" || fails="$fails [$opts: not mapped]"
    t56_same "$T56/o_ref.log" "$T56/o2.log" >/dev/null 2>&1 || fails="$fails [$opts: differ]"
done
if [ -n "$fails" ]; then bad "$fails"
elif [ "$(ls "$T56/c" | wc -l)" -ne 4 ]; then bad "files: $(ls "$T56/c")"
else check_clean && ok; fi

begin "image cache: categorical, missing (imputer) and weight columns; fold column; auto dir"
$PY - "$T56/cat.csv" <<'PYEOF'
import sys
import numpy as np
rng = np.random.default_rng(56)
n = 400
with open(sys.argv[1], "w") as f:
    f.write("x1,color,x2,wt,fold,label\n")
    for i in range(n):
        x1, x2 = rng.normal(size=2)
        c = ["red", "green", "blue"][i % 3]
        x2s = "NA" if i % 17 == 0 else "%.6f" % x2
        f.write("%.6f,%s,%s,%.3f,%d,%.6f\n" % (x1, c, x2s, rng.uniform(0.5, 2), i % 3,
                                                x1 - (i % 3) + rng.normal(scale=0.3)))
PYEOF
CATO=(--data "$T56/cat.csv" --categorical color --weight-col wt --fold-col fold
      --pipeline imputer,stringIndexer,oneHotEncoder,linearRegression
      --grid linearRegression.regParam=0.01,0.1 --parallelism 2 --overwrite)
pt tune "${CATO[@]}" --log "$T56/k_ref.log" >/dev/null 2>"$T56/k_ref.err"
XDG_CACHE_HOME=$T56/xdg pt tune "${CATO[@]}" --image-cache auto --log "$T56/k1.log" \
    >/dev/null 2>"$T56/k1.err"
XDG_CACHE_HOME=$T56/xdg pt tune "${CATO[@]}" --image-cache auto --log "$T56/k2.log" \
    >/dev/null 2>"$T56/k2.err"
if ! grep -q "image cache: wrote $T56/xdg/paratune/" "$T56/k1.err"; then
    bad "auto: $(cat "$T56/k_ref.err" "$T56/k1.err")"
elif ! grep -q "image cache: mapped" "$T56/k2.err"; then bad "not mapped: $(cat "$T56/k2.err")"
elif ! msg=$(t56_same "$T56/k_ref.log" "$T56/k2.log" 2>&1); then bad "$msg"
else check_clean && ok; fi

begin "image cache: a directory that cannot be made, or a file that cannot be written: a warning"
: >"$T56/plain"
mkdir -p "$T56/c3"
t56_tune w1 --image-cache "$T56/plain/sub"
fn=$(ls "$T56/c"/ | head -1)
t56_tune w0 --image-cache "$T56/c3" --folds 4 # the file's name, then taken by a directory
f3=$(ls "$T56/c3"/*.ptimg)
rm -f "$f3" && mkdir "$f3"
t56_tune w2 --image-cache "$T56/c3" --folds 4
t56_tune w2ref --folds 4
if [ "$(grep -c 'warning: image cache: .*cannot make the directory' "$T56/w1.err")" != 1 ]; then
    bad "mkdir: $(cat "$T56/w1.err")"
elif ! msg=$(t56_same "$T56/ref.log" "$T56/w1.log" 2>&1); then bad "$msg"
elif [ "$(grep -c 'warning: image cache:' "$T56/w2.err")" != 1 ]; then
    bad "write: $(cat "$T56/w2.err")"
elif ! msg=$(t56_same "$T56/w2ref.log" "$T56/w2.log" 2>&1); then bad "$msg"
elif ls -A "$T56/c3" | grep -q '^\.'; then bad "a temporary file left: $(ls -A "$T56/c3")"
else check_clean && ok; fi
unset fn

begin "image cache: a run refused for its input (exit 2) makes no directory and no file"
pt tune --data "$T56/d.csv" --pipeline logisticRegression --evaluator binary \
    --image-cache "$T56/new/sub" >/dev/null 2>"$T56/r.err"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$T56/r.err")"
elif [ -e "$T56/new" ]; then bad "made $(find "$T56/new")"
else check_clean && ok; fi

expect_bad "--image-cache ''" "--image-cache: an empty directory name" --data "$T56/d.csv" \
    --pipeline linearRegression --image-cache ''
expect_bad "--image-cache FILE" "--image-cache $T56/plain: is not a directory" \
    --data "$T56/d.csv" --pipeline linearRegression --image-cache "$T56/plain"
expect_bad "--image-cache twice" "--image-cache" --data "$T56/d.csv" \
    --pipeline linearRegression --image-cache "$T56/c" --image-cache "$T56/c"
expect_bad "--image-cache with --keep" "--image-cache: is not supported with --keep" \
    --data "$T56/d.csv" --pipeline linearRegression --image-cache "$T56/c" --oof "$T56/o.csv" \
    --keep f1
rm -rf "$T56"
unset T56 T56_RUN CATO f m1 sz f3 msg fails rc
