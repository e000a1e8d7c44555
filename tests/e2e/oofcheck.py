#!/usr/bin/python3
"""oofcheck.py - independent check of `paratune tune --oof` against the fold models.

oofcheck.py BIN DATA OOF MODELS MAP FOLDS SEED KEEP [ALL]
  BIN     the build directory (its paratune runs `predict`)
  DATA    the CSV tuned (KEEP names an id column of it)
  OOF     the --oof file; with ALL (any word) a long table, MAP's rows taken by param_index
  MODELS  the --keep-fold-models directory: MODELS/map<MAP>_fold<F>.ptm
  FOLDS, SEED  the k-fold split, recomputed here from its documented rule (tests/ref/split_ref)
Checks: one OOF row per input row, in input order (the KEEP column equals the data's); each
fold model records its fold and map; the OOF columns of the rows of fold F equal what
`paratune predict` of fold F's model writes for those rows (1e-12, class names exactly); and
fold F's model differs from another fold's on those rows (the predictions are out of fold,
not the refit's). Prints "ok ..." or "FAIL: why" and exits 1.
"""
import csv
import os
import subprocess
import sys
import tempfile

import msgpack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import split_ref  # noqa: E402


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def same(a, b):
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return abs(x - y) <= 1e-12 * max(1.0, abs(y))


def predict(binp, model, data, keep, tmp):
    out = os.path.join(tmp, "p.csv")
    r = subprocess.run([os.path.join(binp, "paratune"), "predict", "--model", model, "--data",
                        data, "--keep", keep, "--out", out, "--quiet"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("predict %s: %s" % (model, r.stderr.strip()))
    return list(csv.DictReader(open(out)))


def main():
    binp, data, oof, models, m, k, seed, keep = sys.argv[1:9]
    long_table = len(sys.argv) > 9
    m, k, seed = int(m), int(k), int(seed)
    rows = list(csv.DictReader(open(data)))
    ids = [r[keep] for r in rows]
    fold = split_ref.kfold(len(rows), k, seed)
    got = list(csv.DictReader(open(oof)))
    if long_table:
        maps = sorted({int(r["param_index"]) for r in got})
        if maps != list(range(len(maps))):
            fail("param_index values %s" % maps)
        got = [r for r in got if int(r["param_index"]) == m]
    if len(got) != len(rows):
        fail("%d OOF rows of map %d for %d input rows" % (len(got), m, len(rows)))
    if [r[keep] for r in got] != ids:
        fail("the %s column is not the input's, in input order" % keep)
    cols = [c for c in got[0].keys() if c not in (keep, "param_index")]
    if cols[0] != "prediction":
        fail("columns %s" % cols)
    checked = differs = 0
    with tempfile.TemporaryDirectory() as tmp:
        preds = []
        for f in range(k):
            path = os.path.join(models, "map%d_fold%d.ptm" % (m, f))
            meta = msgpack.unpackb(open(path, "rb").read(), raw=False, strict_map_key=False)
            if meta.get("fold") != f or meta.get("param_index") != m:
                fail("%s records fold %r, map %r" % (path, meta.get("fold"),
                                                     meta.get("param_index")))
            p = predict(binp, path, data, keep, tmp)
            if [r[keep] for r in p] != ids:
                fail("predict's rows are not the input's")
            if set(cols) != set(p[0].keys()) - {keep}:
                fail("columns %s, predict writes %s" % (cols, list(p[0].keys())))
            preds.append(p)
        for i, r in enumerate(got):
            f = fold[i]
            for c in cols:
                if not same(r[c], preds[f][i][c]):
                    fail("row %d (fold %d) %s: OOF %s, fold model %s" %
                         (i, f, c, r[c], preds[f][i][c]))
                checked += 1
            g = (f + 1) % k
            differs += any(not same(preds[g][i][c], r[c]) for c in cols)
    if differs == 0:
        fail("no row where another fold's model predicts differently: not out of fold")
    print("ok map %d: %d rows x %d columns equal the fold models' predictions, %d rows differ "
          "from another fold's model" % (m, len(got), len(cols), differs))


main()
