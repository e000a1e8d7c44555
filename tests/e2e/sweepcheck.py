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
"""
import csv
import json
import math
import os
import sys

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


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"metric": cmd_metric}[cmd](*args)


if __name__ == "__main__":
    main()
