#!/usr/bin/python3
"""metriccheck.py - checks of --metric a,b,c and --select one-se for the end-to-end tests.

  metriccheck.py same MULTI SINGLE NAME
                                    exit 0 when every result of the several-metrics log MULTI
                                    has metrics[NAME] equal (1e-12) to the metric of the same
                                    (map, fold) in SINGLE, a log run with --metric NAME alone,
                                    and both logs have the same results

  metriccheck.py onese LOG MODEL    exit 0 when the summary's best_index and the model's
                                    param_index are the map the one-standard-error rule picks,
                                    computed here from the log's per-fold results with numpy;
                                    prints "top N chosen M" (the best-average map and the pick)

The rule (README, One-standard-error selection): se = sample std (ddof 1) of the best-average
map's fold metrics / sqrt(folds); candidates are the maps whose mean is within se of the best
mean; the most regularized candidate wins, by the priority order larger regParam, smaller
maxDepth, fewer maxIter, fewer numTrees, smaller k, larger minInstancesPerNode, larger
minInfoGain, larger minWeightFractionPerNode, smaller stepSize, fewer maxBins; ties to the
lower index.
"""
import sys

import msgpack
import numpy as np

ORDER = [("regParam", 1), ("maxDepth", -1), ("maxIter", -1), ("numTrees", -1), ("k", -1),
         ("minInstancesPerNode", 1), ("minInfoGain", 1), ("minWeightFractionPerNode", 1),
         ("stepSize", -1), ("maxBins", -1)]


def records(path):
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))


def sort_key(i, params):
    key = []
    for name, d in ORDER:
        for k in params:  # the map's keys carrying that param name, in map order
            if k.split(".")[-1] == name and isinstance(params[k], (int, float)):
                key.append(-d * params[k])
    return (tuple(key), i)


def onese(log, model):
    recs = records(log)
    head = recs[0]
    maps = head["param_maps"]
    folds = head["validator"]["num_folds"]
    larger = head["evaluator"]["larger_is_better"]
    cell = {}
    for r in recs:
        if r["record"] == "result":
            cell[(r["param_index"], r["fold"])] = r["metric"] if r["status"] == "ok" else None
    means = {}
    for i in range(len(maps)):
        v = [cell.get((i, f)) for f in range(folds)]
        if all(x is not None and np.isfinite(x) for x in v):
            means[i] = np.array(v, dtype=float)
    sign = -1.0 if larger else 1.0
    top = min(means, key=lambda i: (sign * means[i].mean(), i))
    se = means[top].std(ddof=1) / np.sqrt(folds)
    best = means[top].mean()
    cand = [i for i in means if sign * (means[i].mean() - best) <= se + 1e-12 * abs(best)]
    chosen = min(cand, key=lambda i: sort_key(i, maps[i]))
    summ = [r for r in recs if r["record"] == "summary"][-1]
    m = records(model)[0]
    print("top %d chosen %d" % (top, chosen))
    ok = True
    if summ["best_index"] != chosen or m["param_index"] != chosen:
        print("summary best_index %d, model param_index %d, want %d"
              % (summ["best_index"], m["param_index"], chosen), file=sys.stderr)
        ok = False
    if summ.get("select") != "one-se" or summ.get("select_top_index") != top or \
            abs(summ.get("select_se", -1) - se) > 1e-12 * max(1.0, se):
        print("summary select fields: %r" % {k: summ.get(k) for k in
                                              ("select", "select_top_index", "select_se")},
              file=sys.stderr)
        ok = False
    return 0 if ok else 1


def same(multi, single, name):
    def cells(path, key):
        out = {}
        for r in records(path):
            if r["record"] == "result":
                out[(r["param_index"], r["fold"])] = key(r)
        return out
    a = cells(multi, lambda r: r["metrics"][name])
    b = cells(single, lambda r: r["metric"])
    if not a or set(a) != set(b):
        print("%s: jobs differ (%d and %d)" % (name, len(a), len(b)), file=sys.stderr)
        return 1
    for k in sorted(a):
        if not abs(a[k] - b[k]) <= 1e-12 * max(1.0, abs(b[k])):
            print("%s map %d fold %d: %r (several) vs %r (alone)" % ((name,) + k + (a[k], b[k])),
                  file=sys.stderr)
            return 1
    return 0


def main():
    if sys.argv[1] == "same":
        return same(sys.argv[2], sys.argv[3], sys.argv[4])
    if sys.argv[1] == "onese":
        return onese(sys.argv[2], sys.argv[3])
    print("metriccheck.py: unknown command %s" % sys.argv[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
