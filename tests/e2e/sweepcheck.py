#!/usr/bin/python3
"""sweepcheck.py - independent checks for tests/e2e/t_89_sweeps_more.sh: the logs are read
here with python3-msgpack (not with paratune's C reader) and the expected values recomputed
from their result records. Every command exits 0 when all is well, else 1 with the first
difference on stderr.

  sweepcheck.py metric LOG M DIR   paratune-log's show, csv, csv --maps, json, best and heatmap
                                   outputs under --metric M (DIR/show.txt, csv.csv, maps.csv,
                                   json.jsonl, best.txt, heat.svg; heatmap over pca.k x
                                   regParam) equal the log seen under M: each result's metric
                                   its metrics[M], M's direction (a table here), the best map
                                   the best complete one under M
  sweepcheck.py race LOG LATE LEAD  --race's paired rule replayed over the log's results in
                                   their order (scipy.stats.ttest_rel, p < 0.01): the pruned
                                   maps are the summary's; map LATE is worse than map LEAD on
                                   folds 0 and 1, is judged and never pruned, and is chosen
                                   as the best mean; prints the pruned maps and LATE's p-values
  sweepcheck.py budget LOG FULL     a sweep stopped by its budget, then resumed: the first
                                   summary leaves the maps with folds missing incomplete and
                                   chose the best complete one; the last equals FULL's (1e-12)
"""
import csv
import json
import math
import os
import sys

from scipy.stats import ttest_rel

import plogcheck
from plogcheck import fail

# Spark's isLargerBetter, written out here (not taken from paratune)
LARGER = {"rmse": False, "mse": False, "mae": False, "r2": True, "var": True,
          "areaUnderROC": True, "areaUnderPR": True, "f1": True, "accuracy": True,
          "weightedPrecision": True, "weightedRecall": True, "logLoss": False,
          "hammingLoss": False}


def under(recs, m):
    """The log's records as paratune-log --metric m should see them: results' metric is
    metrics[m] (NaN unless ok), the header's evaluator names m and its direction, no
    summaries."""
    out = []
    for r in recs:
        r = dict(r)
        if r["record"] == "summary":
            continue
        if r["record"] == "header":
            ev = dict(r["evaluator"])
            if m not in ev.get("metrics", "").split(","):
                fail("the log does not record %s" % m)
            ev["metric"], ev["larger_is_better"] = m, LARGER[m]
            r["evaluator"] = ev
        if r["record"] == "result":
            r["metric"] = r["metrics"][m] if r["status"] == "ok" else math.nan
        out.append(r)
    return out


def cmd_metric(log, m, d):
    orig = plogcheck.records(log)
    recs = under(orig, m)
    plogcheck.records = lambda path: recs  # the plogcheck commands then read the view
    avg, best = plogcheck.stats(recs)
    # show: every map once, in the order of the averages under m, the best marked, m named
    lines = open(os.path.join(d, "show.txt"), encoding="utf-8").read().splitlines()
    if " %s (%s is better; the sweep chose by " % (m, "larger" if LARGER[m] else "smaller") \
            not in lines[0]:
        fail("show's first line: %r" % lines[0])
    rows = [l for l in lines[2:lines.index("")] if not l.startswith("(")]
    got = [int(l[1:].split()[0]) for l in rows]
    sign = -1 if LARGER[m] else 1
    want = sorted(range(len(avg)), key=lambda i: (1, 0, i) if math.isnan(avg[i]) else (0, sign * avg[i], i))
    if got != want:
        fail("show order %r, want %r (averages %r)" % (got, want, avg))
    for l, i in zip(rows, got):
        if (l[0] == "*") != (i == best):
            fail("show row %r: best mark (best %d)" % (l, best))
    plogcheck.cmd_csv(log, os.path.join(d, "csv.csv"))
    plogcheck.cmd_json(log, os.path.join(d, "json.jsonl"))
    plogcheck.cmd_best(log, os.path.join(d, "best.txt"))
    plogcheck.cmd_heatmap(log, os.path.join(d, "heat.svg"), "pca.k",
                          "linearRegression.regParam", "fixed")
    maps = list(csv.DictReader(open(os.path.join(d, "maps.csv"), newline="", encoding="utf-8")))
    for i, row in enumerate(maps):
        if not plogcheck.same_float(row["avg_metric"], avg[i]) or (row["best"] == "true") != (i == best):
            fail("csv --maps map %d: %r, want avg %r best %d" % (i, row, avg[i], best))
    print(best, [r for r in orig if r["record"] == "summary"][-1]["best_index"])


def fold_cells(recs, upto=None):
    """{map: {fold: metric}} of the ok results (the last of a job counts), of the records
    before index upto."""
    cells = {}
    for r in recs[:upto]:
        if r["record"] == "result" and r["status"] == "ok":
            cells.setdefault(r["param_index"], {})[r["fold"]] = r["metric"]
    return cells


def cmd_race(log, late, lead, alpha=0.01):
    recs = plogcheck.records(log)
    head, summ = recs[0], plogcheck.summary(recs)
    late, lead = int(late), int(lead)
    nmaps, larger = len(head["param_maps"]), head["evaluator"]["larger_is_better"]
    minf = 2  # --race-min-folds' default
    cells, pruned, late_p = {}, [], []

    def mean(m):
        v = cells.get(m, {})
        return sum(v.values()) / len(v)

    def better(a, b):
        return a > b if larger else a < b

    for r in recs:
        if r["record"] != "result" or r["status"] != "ok":
            continue
        cells.setdefault(r["param_index"], {})[r["fold"]] = r["metric"]
        while True:  # after each result, prune until no map loses
            live = [m for m in range(nmaps) if m not in pruned and len(cells.get(m, {})) >= minf]
            if not live:
                break
            leader = live[0]
            for m in live[1:]:
                if better(mean(m), mean(leader)):
                    leader = m
            lost = None
            for m in live:
                if m == leader:
                    continue
                fs = sorted(set(cells[m]) & set(cells[leader]))
                if len(fs) < minf:
                    continue
                a, b = [cells[m][f] for f in fs], [cells[leader][f] for f in fs]
                # "m is worse than the leader": a larger metric below, a smaller one above
                p = ttest_rel(a, b, alternative="less" if larger else "greater").pvalue
                if m == late:
                    late_p.append((len(fs), leader, p))
                if p < alpha:
                    lost = m
                    break
            if lost is None:
                break
            pruned.append(lost)
    if sorted(pruned) != sorted(summ.get("pruned", [])):
        fail("the rule prunes %r, the log %r" % (pruned, summ.get("pruned")))
    for f in (0, 1):
        if not better(cells[lead][f], cells[late][f]):
            fail("map %d is not worse than map %d on fold %d: %r" % (late, lead, f, cells))
    if not late_p or late_p[0][1] != lead:
        fail("map %d was never judged against map %d: %r" % (late, lead, late_p))
    nf = head["validator"]["num_folds"]
    done = {m: mean(m) for m in cells if len(cells[m]) == nf and m not in pruned}
    want = min(done, key=lambda m: ((-1 if larger else 1) * done[m], m))
    if late in pruned or summ["best_index"] != late or want != late:
        fail("map %d: pruned %r, chosen %r, best mean %r" % (late, pruned, summ["best_index"], want))
    seen = sorted(set(late_p))  # each judgement once (later results repeat it)
    print(" ".join(map(str, sorted(pruned))), "/", " ".join("%.3g" % p for _, _, p in seen))


def cmd_budget(log, full):
    b, f = plogcheck.records(log), plogcheck.records(full)
    head = b[0]
    nmaps, nf = len(head["param_maps"]), head["validator"]["num_folds"]
    sb = [r for r in b if r["record"] == "summary"]
    sf = plogcheck.summary(f)
    if len(sb) != 2:
        fail("%d summaries, want 2" % len(sb))
    first, last = sb
    if "incomplete" in last or "incomplete" in sf:
        fail("incomplete maps in a finished sweep's summary")
    cells = fold_cells(b, b.index(first))
    done = {m: sum(v[k] for k in range(nf)) / nf for m, v in cells.items() if len(v) == nf}
    want = min(done, key=lambda m: (done[m], m)) if done else -1
    if first["best_index"] != want:
        fail("budget best %r, want %r" % (first["best_index"], want))
    if sorted(first.get("incomplete", [])) != sorted(set(range(nmaps)) - set(done)):
        fail("incomplete %r, complete %r" % (first.get("incomplete"), sorted(done)))
    for k in ("avg_metrics", "std_metrics"):
        for x, y in zip(last[k], sf[k]):
            if abs(x - y) > 1e-12 * max(1, abs(y)):
                fail("%s %r vs %r" % (k, last[k], sf[k]))
    if (last["best_index"], last["jobs_ok"]) != (sf["best_index"], sf["jobs_ok"]):
        fail("best %r/%r jobs %r/%r" % (last["best_index"], sf["best_index"], last["jobs_ok"], sf["jobs_ok"]))
    print(" ".join(map(str, sorted(first.get("incomplete", [])))))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"metric": cmd_metric, "race": cmd_race, "budget": cmd_budget}[cmd](*args)


if __name__ == "__main__":
    main()
