#!/usr/bin/python3
"""treecheck.py - checks of t_80_trees.sh against numbers worked out independently.

  treecheck.py hand OUT MODEL PREDS PROBS IMPS
      predict's output OUT has predictions PREDS (and, when PROBS is not empty, the binary
      "probability" column PROBS), exactly; the model's featureImportances are IMPS (1e-12)
  treecheck.py roundtrip LOG MAP FOLD VALID OUT METRIC
      METRIC (rmse, or logLoss as Spark clips it, from probability_K columns or a binary
      model's probability) of predict's output OUT against the labels of VALID equals the log's metric of job (MAP, FOLD) to 1e-12
  treecheck.py same LOG LOG... (a LOG "path:T" holds a single run with numTrees T)
      every log has the same metric, exactly, for each (maxDepth, numTrees, fold); in the
      first log the numTrees of one (maxDepth, fold) ran as one job (numTrees sharing: the
      same worker and start)
  treecheck.py apart LOG LOG...
      the same, but each numTrees of the first log ran as a job of its own
  treecheck.py cat LOG DATA OUT MODEL
      the string column decides the label: every fold's metric is 1, predict's predictions
      are the labels of DATA, and the importances are [0, 1] (numeric x1, then the column)
"""
import csv
import math
import sys

import msgpack


def records(path):
    with open(path, "rb") as f:
        return [r for r in msgpack.Unpacker(f, raw=False, strict_map_key=False)
                if r.get("record") == "result"]


def table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def model_importances(path):
    with open(path, "rb") as f:
        m = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    return m["pipeline"]["stages"][-1]["feature_importances"]


def close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(a))


def hand(out, model, preds, probs, imps):
    head, rows = table(out)
    got = [float(r[head.index("prediction")]) for r in rows]
    want = [float(v) for v in preds.split(",")]
    if got != want:
        sys.exit("predictions %r, want %r" % (got, want))
    if probs:
        got = [float(r[head.index("probability")]) for r in rows]
        if got != [float(v) for v in probs.split(",")]:
            sys.exit("probabilities %r, want %s" % (got, probs))
    got = model_importances(model)
    want = [float(v) for v in imps.split(",")]
    if len(got) != len(want) or not all(close(a, b, 1e-12) for a, b in zip(got, want)):
        sys.exit("featureImportances %r, want %r" % (got, want))


def roundtrip(log, m, fold, valid, out, metric):
    logged = [r["metric"] for r in records(log) if r["param_index"] == m and r["fold"] == fold]
    vh, vrows = table(valid)
    y = [float(r[vh.index("label")]) for r in vrows]
    oh, orows = table(out)
    if len(orows) != len(y) or not logged:
        sys.exit("%d predictions for %d rows; %d log records" % (len(orows), len(y), len(logged)))
    if metric == "rmse":
        p = [float(r[oh.index("prediction")]) for r in orows]
        got = math.sqrt(sum((a - b) ** 2 for a, b in zip(p, y)) / len(y))
    else:
        k = sum(1 for c in oh if c.startswith("probability_"))
        eps, got = 1e-15, 0.0
        for r, lab in zip(orows, y):
            if k == 0:  # a binary model: the "probability" column of class 1
                p1 = float(r[oh.index("probability")])
                pr = [1 - p1, p1]
            else:
                pr = [float(r[oh.index("probability_%d" % j)]) for j in range(k)]
            if abs(sum(pr) - 1) > 1e-12:
                sys.exit("probabilities %r do not sum to 1" % pr)
            q = pr[int(lab)]
            got += -math.log(eps) if q < eps else (-math.log1p(-eps) if q > 1 - eps else -math.log(q))
        got /= len(y)
    if not close(got, logged[0], 1e-12):
        sys.exit("%s from predict %r, log %r" % (metric, got, logged[0]))


def param(r, name):
    for k, v in (r["params"].items() if isinstance(r["params"], dict) else r["params"]):
        if k.endswith("." + name):
            return v
    return None


def same(logs, share=True, name="numTrees"):
    tables = []
    for spec in logs:
        path, _, t = spec.partition(":")
        d = {}
        for r in records(path):
            if r["status"] != "ok":
                sys.exit("%s: job (%d, %d) %s" % (path, r["param_index"], r["fold"], r["status"]))
            nt = int(t) if t else param(r, name)
            d[(param(r, "maxDepth"), nt, r["fold"])] = r["metric"]
        tables.append((spec, d))
    full = tables[0][1]
    jobs = {}
    for r in records(logs[0]):
        jobs.setdefault((param(r, "maxDepth"), r["fold"]), set()).add((r["worker"], r["started"]))
    if any(len(v) != (1 if share else len(tables) - 1) for v in jobs.values()):
        sys.exit("%s: the %s of one (maxDepth, fold) ran as %s" %
                 (logs[0], name, "several jobs" if share else "fewer jobs than maps"))
    for spec, d in tables[1:]:
        for k, v in d.items():
            if k not in full or full[k] != v:
                sys.exit("%s: %r = %r, first log %r" % (spec, k, v, full.get(k)))
    if set().union(*(d.keys() for _, d in tables[1:])) != set(full):
        sys.exit("the logs cover different jobs")


def cat(log, data, out, model):
    rs = records(log)
    if not rs or any(r["metric"] != 1.0 for r in rs):
        sys.exit("metrics %r, want all 1" % [r["metric"] for r in rs])
    dh, drows = table(data)
    oh, orows = table(out)
    want = [float(r[dh.index("label")]) for r in drows]
    got = [float(r[oh.index("prediction")]) for r in orows]
    if got != want:
        sys.exit("predictions differ from the labels in %d rows" %
                 sum(a != b for a, b in zip(got, want)))
    imp = model_importances(model)
    if len(imp) != 2 or not close(imp[0], 0, 1e-12) or not close(imp[1], 1, 1e-12):
        sys.exit("featureImportances %r, want [0, 1]" % imp)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "hand":
        hand(*a)
    elif cmd == "roundtrip":
        roundtrip(a[0], int(a[1]), int(a[2]), a[3], a[4], a[5])
    elif cmd == "same":
        same(a)
    elif cmd == "apart":
        same(a, False)
    elif cmd == "cat":
        cat(*a)
    else:
        sys.exit("unknown command")


if __name__ == "__main__":
    main()
