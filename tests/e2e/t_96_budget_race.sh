# t_96_budget_race.sh - --time-budget and --race (sourced by run.sh). A sweep stopped by its
# budget (one fit slowed by the "slow" failpoint) and then resumed must end with the summary
# of an uninterrupted sweep; a raced sweep must save fits on a grid with clearly bad maps and
# choose the full sweep's map. The logs are read with python3-msgpack, the expected values
# recomputed from their result records.

B96=(--data "$W/data.csv" --label label --pipeline pca,linearRegression
     --grid pca.k=3,5,12 --grid linearRegression.regParam=0.001,0.03 --folds 3 --quiet)

# t96_check BUDGET_LOG FULL_LOG: the budget log's first summary left maps incomplete and chose
# the best of the complete ones (from its results); its last summary equals the full one.
t96_check() {
    "$PY" - "$1" "$2" <<'PYEOF'
import math, sys, msgpack
def recs(p):
    with open(p, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False))
b, full = recs(sys.argv[1]), recs(sys.argv[2])
sb = [r for r in b if r["record"] == "summary"]
sf = [r for r in full if r["record"] == "summary"][-1]
if len(sb) != 2: sys.exit("%d summaries, want 2" % len(sb))
first, last = sb
if not first.get("incomplete"): sys.exit("first summary: no incomplete maps")
if "incomplete" in last or "pruned" in sf or "incomplete" in sf:
    sys.exit("fields of a budget or race in a finished sweep's summary")
# the results written before the first summary: the best of the maps with all 3 folds
i1 = b.index(first)
cells = {}
for r in b[1:i1]:
    if r["record"] == "result" and r["status"] == "ok":
        cells.setdefault(r["param_index"], {})[r["fold"]] = r["metric"]
done = {m: sum(v[f] for f in range(3)) / 3 for m, v in cells.items() if len(v) == 3}
want = min(done, key=lambda m: (done[m], m)) if done else -1
if first["best_index"] != want: sys.exit("budget best %r, want %r" % (first["best_index"], want))
if set(first["incomplete"]) != set(range(6)) - set(done):
    sys.exit("incomplete %r, complete %r" % (first["incomplete"], sorted(done)))
for k in ("avg_metrics", "std_metrics"):
    for x, y in zip(last[k], sf[k]):
        if abs(x - y) > 1e-12 * max(1, abs(y)): sys.exit("%s %r vs %r" % (k, last[k], sf[k]))
if last["best_index"] != sf["best_index"] or last["jobs_ok"] != sf["jobs_ok"]:
    sys.exit("best %r/%r jobs %r/%r" % (last["best_index"], sf["best_index"], last["jobs_ok"], sf["jobs_ok"]))
PYEOF
}

begin "time budget: stopped at 2s, exit 0 with a summary; --resume equals an uninterrupted sweep"
rm -f "$W/t96b.log" "$W/t96f.log"
PARATUNE_FAILPOINT='slow@1:0' pt tune "${B96[@]}" --time-budget 2s --log "$W/t96b.log" \
    >"$W/t96.out" 2>"$W/t96.err"
rc1=$?
pt tune "${B96[@]}" --time-budget 2s --log "$W/t96b.log" --resume >/dev/null 2>&1
rc2=$?
pt tune "${B96[@]}" --log "$W/t96f.log" >/dev/null 2>&1
if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then bad "exit $rc1 then $rc2: $(head -c 300 "$W/t96.err")";
elif ! grep -q "time budget spent" "$W/t96.err"; then bad "no budget line: $(cat "$W/t96.err")";
elif ! m=$(t96_check "$W/t96b.log" "$W/t96f.log" 2>&1); then bad "$m";
elif ! ptlog show "$W/t96b.log" >/dev/null; then bad "paratune-log show refuses the log";
else check_clean && ok; fi

expect_bad "--time-budget 0s" "--time-budget" "${B96[@]}" --time-budget 0s
expect_bad "--time-budget -5s" "--time-budget" "${B96[@]}" --time-budget -5s
expect_bad "--time-budget 10 (no unit)" "--time-budget" "${B96[@]}" --time-budget 10
expect_bad "--time-budget 2x" "--time-budget" "${B96[@]}" --time-budget 2x
expect_bad "--race with tvs" "--race" "${B96[@]/--folds/--seed}" --validator tvs --race
expect_bad "--race-min-folds 1" "--race-min-folds" "${B96[@]}" --race --race-min-folds 1
expect_bad "--race-min-folds above --folds" "--race-min-folds" "${B96[@]}" --race --race-min-folds 4
expect_bad "--race-min-folds without --race" "--race-min-folds" "${B96[@]}" --race-min-folds 2

# A grid whose small pca.k maps are clearly bad: the race prunes them after 2 of 5 folds.
R96=(--data "$W/data.csv" --label label --pipeline pca,linearRegression
     --grid pca.k=3,5,12,25 --grid linearRegression.regParam=0.001,0.03,0.3 --folds 5 --quiet)

begin "race: fits saved on clearly bad maps, the full sweep's map chosen, show says so"
rm -f "$W/t96r.log" "$W/t96n.log"
pt tune "${R96[@]}" --race --log "$W/t96r.log" >"$W/t96r.out" 2>"$W/t96.err"
rc1=$?
pt tune "${R96[@]}" --log "$W/t96n.log" >"$W/t96n.out" 2>&1
rc2=$?
if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then bad "exit $rc1, $rc2: $(head -c 300 "$W/t96.err")";
elif ! m=$("$PY" - "$W/t96r.log" "$W/t96n.log" <<'PYEOF' 2>&1
import sys, msgpack
from scipy.stats import ttest_rel
def recs(p):
    with open(p, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False))
r, n = recs(sys.argv[1]), recs(sys.argv[2])
sr, sn = r[-1], n[-1]
if "pruned" in sn or "fits_saved" in sn: sys.exit("race fields without --race")
cells = {}
for x in r:
    if x["record"] == "result" and x["status"] == "ok":
        cells.setdefault(x["param_index"], {})[x["fold"]] = x["metric"]
nmaps, nf = 12, 5
saved = sum(nf - len(cells.get(m, {})) for m in sr["pruned"])
if sr["fits_saved"] != saved or saved < 10:
    sys.exit("fits_saved %r, %r folds missing from pruned maps" % (sr["fits_saved"], saved))
if sr["pruned_folds"] != [len(cells.get(m, {})) for m in sr["pruned"]]:
    sys.exit("pruned_folds %r" % sr["pruned_folds"])
if sum(len(v) for v in cells.values()) + saved != nmaps * nf:
    sys.exit("results and saved fits do not add up")
if sr["best_index"] != sn["best_index"] or sr["best_index"] in sr["pruned"]:
    sys.exit("best %r, full sweep %r, pruned %r" % (sr["best_index"], sn["best_index"], sr["pruned"]))
b = sr["best_index"]
for m in sr["pruned"]: # each pruned map is significantly worse than the winner on shared folds
    fs = sorted(set(cells[m]) & set(cells[b]))
    p = ttest_rel([cells[m][f] for f in fs], [cells[b][f] for f in fs], alternative="greater").pvalue
    if not p < 0.05: sys.exit("map %d pruned, p %r against the best on folds %r" % (m, p, fs))
print(saved)
PYEOF
); then bad "$m";
elif ! ptlog show "$W/t96r.log" | grep -q "^race: [0-9]* param maps\? pruned, $m fits saved"; then bad "show: $(ptlog show "$W/t96r.log" | grep race)";
elif ptlog show "$W/t96n.log" | grep -q "^race:"; then bad "a race line without --race";
else check_clean && ok; fi

begin "--resume of a raced sweep without --race: one line, exit 2, the log unchanged"
cp "$W/t96r.log" "$W/t96r2.log"
pt tune "${R96[@]}" --log "$W/t96r2.log" --resume >/dev/null 2>"$W/t96.err"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$W/t96.err")" -ne 1 ] || ! grep -q -- "--race" "$W/t96.err"; then bad "exit $rc: $(cat "$W/t96.err")";
elif ! cmp -s "$W/t96r.log" "$W/t96r2.log"; then bad "the log changed";
else check_clean && ok; fi
