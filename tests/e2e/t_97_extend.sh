# t_97_extend.sh - --extend: a sweep over grid A, extended to A+B with --extend, gives the
# summary of one run over A+B (best map, each map's average and std to 1e-12), and the log
# holds exactly one result per (map, fold): none of A's jobs is fit again. Also an extend of
# an interrupted sweep, a --resume of an interrupted extend, random draws added with
# --samples, and the refusals (another data file, fold count or metric; a grid without one
# of the log's maps).

T97=(--data "$W/data.csv" --label label --pipeline pca,linearRegression --folds 3 --quiet)
T97A=(--grid pca.k=3,5 --grid linearRegression.regParam=0.001,0.03)
# A+B: a value added to both axes, and a new axis whose value 0 (the default) is A's
T97AB=(--grid pca.k=3,5,12 --grid linearRegression.regParam=0.001,0.03,0.1
       --grid linearRegression.elasticNetParam=0,0.5)

# t97_check EXTENDED ONE-RUN: the extended log against the one-run log, checked from the
# records (not from paratune-log): each (map, fold) has one result, in the final numbering
# (an "extend" record renumbers the results before it with from_index); the averages and
# std recomputed from them and the summary's equal the one-run log's to 1e-12; same best map.
t97_check() {
    $PY - "$1" "$2" <<'EOF'
import sys, msgpack, math
def read(path):
    recs = list(msgpack.Unpacker(open(path, "rb"), raw=False))
    maps = recs[0]["param_maps"]
    folds = recs[0]["validator"]["num_folds"]
    res = []          # (final index, fold, metric, params)
    summary = None
    for r in recs[1:]:
        if r["record"] == "extend":
            res = [(r["from_index"][m], f, x, p) for (m, f, x, p) in res]
            maps = r["param_maps"]
            summary = None
        elif r["record"] == "result":
            res.append((r["param_index"], r["fold"], r["metric"], r["params"]))
        elif r["record"] == "summary":
            summary = r
    return maps, folds, res, summary
def norm(p, keys):      # a param the map leaves out is at its default (0 for elasticNetParam)
    d = {"linearRegression.elasticNetParam": 0.0}
    return tuple(float(p.get(k, d.get(k))) for k in keys)
maps, folds, res, s = read(sys.argv[1])
maps1, folds1, res1, s1 = read(sys.argv[2])
keys = sorted(set(k for m in maps1 for k in m))
assert s is not None, "no summary after the extend"
count = {}
for (m, f, x, p) in res:
    count[(m, f)] = count.get((m, f), 0) + 1
    assert norm(p, keys) == norm(maps[m], keys), ("result under the wrong map", m, p, maps[m])
assert len(maps) == len(maps1), (len(maps), len(maps1))
assert all(count.get((m, f)) == 1 for m in range(len(maps)) for f in range(folds)), \
    "refits or missing jobs: %s" % sorted(k for k, v in count.items() if v != 1)
assert len(res) == len(maps) * folds
# map i of the one run is map j of the extended log: match by params
where = {norm(m, keys): j for j, m in enumerate(maps)}
for i, m in enumerate(maps1):
    j = where[norm(m, keys)]
    v = sorted((f, x) for (mm, f, x, p) in res if mm == j)
    avg = sum(x for f, x in v) / folds
    std = math.sqrt(sum((x - avg) ** 2 for f, x in v) / folds)
    for a, b in ((avg, s1["avg_metrics"][i]), (s["avg_metrics"][j], s1["avg_metrics"][i]),
                 (std, s1["std_metrics"][i]), (s["std_metrics"][j], s1["std_metrics"][i])):
        assert abs(a - b) <= 1e-12 * max(1, abs(b)), ("map", i, a, b)
assert norm(maps[s["best_index"]], keys) == norm(maps1[s1["best_index"]], keys), "best differs"
assert norm(s["best_params"], keys) == norm(s1["best_params"], keys)
print(len(res), "results")
EOF
}

begin "extend: grid A, then --extend to A+B equals one run over A+B; no job of A is refit"
rm -f "$W/t97a.log" "$W/t97ab.log"
if ! pt tune "${T97[@]}" "${T97A[@]}" --log "$W/t97a.log" >/dev/null 2>"$W/t97.err"; then
    bad "A: $(cat "$W/t97.err")"
elif ! pt tune "${T97[@]}" "${T97AB[@]}" --log "$W/t97ab.log" >"$W/t97ab.out" 2>"$W/t97.err"; then
    bad "A+B: $(cat "$W/t97.err")"
else
    cp "$W/t97a.log" "$W/t97x.log"
    if ! pt tune "${T97[@]}" "${T97AB[@]}" --log "$W/t97x.log" --extend >"$W/t97x.out" \
        2>"$W/t97.err"; then bad "--extend: $(cat "$W/t97.err")"
    elif ! t97_check "$W/t97x.log" "$W/t97ab.log" >"$W/t97.py" 2>&1; then bad "$(tail -3 "$W/t97.py")"
    elif ! cmp -s "$W/t97x.out" "$W/t97ab.out"; then bad "the reports differ: $(diff "$W/t97x.out" "$W/t97ab.out" | head -5)"
    elif [ "$(head -c "$(stat -c %s "$W/t97a.log")" "$W/t97x.log" | cmp - "$W/t97a.log" && echo same)" != same ]; then
        bad "the records of A were changed (the log must only grow)"
    elif ! ptlog show "$W/t97x.log" >"$W/t97.show" 2>&1 || ! grep -q "18 param maps" "$W/t97.show" ||
         [ "$(grep -c '3/3' "$W/t97.show")" -ne 18 ]; then bad "show: $(head -3 "$W/t97.show")"
    elif [ "$(ptlog best "$W/t97x.log")" != "$(ptlog best "$W/t97ab.log")" ]; then bad "best differs"
    elif ! ptlog csv "$W/t97x.log" | $PY -c "
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 54 and len({(r['param_index'], r['fold']) for r in rows}) == 54, len(rows)"; then
        bad "csv: each (param_index, fold) once, in the final numbering"
    else check_clean && ok; fi
fi

begin "extend: docs/log-format.md's Python reading of an extended log"
$PY - "$HERE/../../docs/log-format.md" "$W/t97x.log" >"$W/t97doc.py" <<'EOF'
import re, sys
code = re.findall(r"```python\n(.*?)```", open(sys.argv[1]).read(), re.S)[1]
print("import msgpack\n" + code.replace('"sweep.log"', repr(sys.argv[2])))
print("assert len(maps) == 18 and summary is not None")
print("assert sorted((r['param_index'], r['fold']) for r in res) == "
      "[(m, f) for m in range(18) for f in range(3)]")
EOF
if ! $PY "$W/t97doc.py" >"$W/t97.py" 2>&1; then bad "$(tail -3 "$W/t97.py")"; else ok; fi

begin "extend: an interrupted sweep (the log cut after 5 results) extended to A+B"
# a killed sweep leaves whole records: the header and the first results, no summary
$PY - "$W/t97a.log" "$W/t97cut.log" 6 <<'EOF'
import sys, msgpack
data = open(sys.argv[1], "rb").read()
u = msgpack.Unpacker(raw=False)
u.feed(data)
for i in range(int(sys.argv[3])):
    u.unpack()
open(sys.argv[2], "wb").write(data[:u.tell()])  # whole records, as written
EOF
if ! pt tune "${T97[@]}" "${T97AB[@]}" --log "$W/t97cut.log" --extend >/dev/null 2>"$W/t97.err"; then
    bad "$(cat "$W/t97.err")"
elif ! t97_check "$W/t97cut.log" "$W/t97ab.log" >"$W/t97.py" 2>&1; then bad "$(tail -3 "$W/t97.py")"
else check_clean && ok; fi

begin "extend: an interrupted --extend is finished by --resume (and by --extend again)"
# the extended log cut after its extend record and 4 new results
$PY - "$W/t97x.log" "$W/t97r.log" <<'EOF'
import sys, msgpack
data = open(sys.argv[1], "rb").read()
u = msgpack.Unpacker(raw=False)
u.feed(data)
while u.unpack()["record"] != "extend":
    pass
for i in range(4):
    assert u.unpack()["record"] == "result"
open(sys.argv[2], "wb").write(data[:u.tell()])
EOF
cp "$W/t97r.log" "$W/t97r2.log"
if ! pt tune "${T97[@]}" "${T97AB[@]}" --log "$W/t97r.log" --resume >/dev/null 2>"$W/t97.err"; then
    bad "--resume: $(cat "$W/t97.err")"
elif ! t97_check "$W/t97r.log" "$W/t97ab.log" >"$W/t97.py" 2>&1; then bad "resume: $(tail -3 "$W/t97.py")"
elif ! pt tune "${T97[@]}" "${T97AB[@]}" --log "$W/t97r2.log" --extend >/dev/null 2>"$W/t97.err"; then
    bad "--extend: $(cat "$W/t97.err")"
elif ! t97_check "$W/t97r2.log" "$W/t97ab.log" >"$W/t97.py" 2>&1; then bad "extend again: $(tail -3 "$W/t97.py")"
elif [ "$($PY -c "
import msgpack, sys
print(sum(r['record'] == 'extend' for r in msgpack.Unpacker(open(sys.argv[1], 'rb'), raw=False)))" "$W/t97r2.log")" != 1 ]; then
    bad "a second extend record for the same grid"
else check_clean && ok; fi

begin "extend: --samples 3 then 6 draws (--random) equals one run of 6 draws"
T97R=(--random linearRegression.regParam=loguniform:0.0001:1 --grid pca.k=3,5 --seed 5)
rm -f "$W/t97s3.log" "$W/t97s6.log"
if ! pt tune "${T97[@]}" "${T97R[@]}" --samples 3 --log "$W/t97s3.log" >/dev/null 2>"$W/t97.err" ||
   ! pt tune "${T97[@]}" "${T97R[@]}" --samples 6 --log "$W/t97s6.log" >/dev/null 2>>"$W/t97.err" ||
   ! pt tune "${T97[@]}" "${T97R[@]}" --samples 6 --log "$W/t97s3.log" --extend >/dev/null 2>>"$W/t97.err"; then
    bad "$(cat "$W/t97.err")"
elif ! t97_check "$W/t97s3.log" "$W/t97s6.log" >"$W/t97.py" 2>&1; then bad "$(tail -3 "$W/t97.py")"
else check_clean && ok; fi

# t97_refuse NAME SUBSTRING ARGS...: --extend of a copy of A's log: exit 2, one line naming
# what differs, the log untouched
t97_refuse() {
    local name=$1 want=$2
    shift 2
    begin "extend refuses: $name"
    cp "$W/t97a.log" "$W/t97bad.log"
    pt tune "$@" --log "$W/t97bad.log" --extend >/dev/null 2>"$W/t97.err"
    local rc=$?
    if [ $rc -ne 2 ]; then bad "exit $rc: $(head -c 300 "$W/t97.err")"
    elif [ "$(wc -l <"$W/t97.err")" -ne 1 ]; then bad "$(cat "$W/t97.err")"
    elif ! grep -qF -- "$want" "$W/t97.err"; then bad "lacks '$want': $(cat "$W/t97.err")"
    elif ! cmp -s "$W/t97a.log" "$W/t97bad.log"; then bad "the log was changed"
    else check_clean && ok; fi
}
pt gen --rows 3000 --features 30 --seed 8 --out "$W/t97other.csv" >/dev/null
t97_refuse "another data file" "different data" --data "$W/t97other.csv" --label label \
    --pipeline pca,linearRegression --folds 3 --quiet "${T97AB[@]}"
t97_refuse "another fold count" "a different validator" --data "$W/data.csv" --label label \
    --pipeline pca,linearRegression --folds 4 --quiet "${T97AB[@]}"
t97_refuse "another metric" "a different evaluator" "${T97[@]}" "${T97AB[@]}" --metric mae
t97_refuse "a grid without a map of the log" "not in the new grid" "${T97[@]}" \
    --grid pca.k=3,12 --grid linearRegression.regParam=0.001,0.03
expect_bad "--extend of a log that does not exist" "no such file" "${T97[@]}" "${T97AB[@]}" --extend
expect_bad "--extend with --overwrite" "--overwrite" "${T97[@]}" "${T97AB[@]}" --extend --overwrite
