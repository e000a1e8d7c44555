#!/usr/bin/python3
"""gbtcheck.py - checks of t_85_gbt.sh against numbers worked out independently.

  gbtcheck.py hand TRAIN PREDICT OUT MODEL LOSS DEPTH ROUNDS STEP
      boosts ROUNDS trees of depth DEPTH on TRAIN (every feature column but label; every
      distinct value its own bin, so the thresholds are all the midpoints) with Spark's
      algorithm written here in numpy (labels to +-1 for logistic, tree 0 on the labels
      with weight 1, then trees on -g with weight STEP, variance trees, first best split),
      and checks predict's OUT on PREDICT (prediction; probability 1 / (1 + exp(-2F)) for
      logistic) to 1e-12 and the model's featureImportances (gain * count summed over the
      trees, then normalized) to 1e-12
  gbtcheck.py same PARAM LOG LOG...
      treecheck.py same with PARAM (maxIter) in place of numTrees: maxIter sharing
"""
import math
import sys

import numpy as np

import treecheck
from treecheck import close, model_importances, table


def variance(y):
    return float(np.mean(y * y) - np.mean(y) ** 2) if len(y) else 0.0


def grow(X, y, depth, max_depth, imp):
    """A variance tree as nested tuples: ('leaf', mean) or ('split', j, thr, left, right)."""
    n, best = len(y), None
    if depth < max_depth:
        parent = variance(y)
        for j in range(X.shape[1]):
            v = np.unique(X[:, j])
            for t in (v[1:] + v[:-1]) / 2:
                m = X[:, j] <= t
                g = parent - m.sum() / n * variance(y[m]) - (~m).sum() / n * variance(y[~m])
                if best is None or g > best[0]:
                    best = (g, j, t, m)
    if best is None or best[0] <= 0:
        return ("leaf", float(np.mean(y)))
    g, j, t, m = best
    imp[j] += g * n
    return ("split", j, t, grow(X[m], y[m], depth + 1, max_depth, imp),
            grow(X[~m], y[~m], depth + 1, max_depth, imp))


def walk(tree, x):
    while tree[0] == "split":
        tree = tree[3] if x[tree[1]] <= tree[2] else tree[4]
    return tree[1]


def hand(train, pred, out, model, loss, depth, rounds, step):
    head, rows = table(train)
    cols = [i for i, c in enumerate(head) if c != "label"]
    X = np.array([[float(r[i]) for i in cols] for r in rows])
    y = np.array([float(r[head.index("label")]) for r in rows])
    if loss == "logistic":
        y = 2 * y - 1
    depth, rounds, step = int(depth), int(rounds), float(step)
    imp, trees, F = np.zeros(X.shape[1]), [], np.zeros(len(y))
    for m in range(rounds):
        if m == 0:
            r = y
        elif loss == "logistic":
            r = 4 * y / (1 + np.exp(2 * y * F))
        elif loss == "squared":
            r = 2 * (y - F)
        else:
            r = np.where(y < F, -1.0, 1.0)
        t = grow(X, r, 0, depth, imp)
        w = 1.0 if m == 0 else step
        trees.append((w, t))
        F = F + w * np.array([walk(t, x) for x in X])
    ph, prow = table(pred)
    P = np.array([[float(r[ph.index(head[i])]) for i in cols] for r in prow])
    oh, orows = table(out)
    for x, o in zip(P, orows):
        f = sum(w * walk(t, x) for w, t in trees)
        got = float(o[oh.index("prediction")])
        want = (1.0 if f > 0 else 0.0) if loss == "logistic" else f
        if not close(got, want, 1e-12):
            sys.exit("prediction at %r: %r, want %r" % (list(x), got, want))
        if loss == "logistic":
            p1 = 1 / (1 + math.exp(-2 * f))
            got = float(o[oh.index("probability")])
            if not close(got, p1, 1e-12):
                sys.exit("probability at %r: %r, want %r" % (list(x), got, p1))
    if len(orows) != len(P):
        sys.exit("%d predictions for %d rows" % (len(orows), len(P)))
    want = imp / imp.sum() if imp.sum() > 0 else imp
    got = model_importances(model)
    if len(got) != len(want) or not all(close(a, b, 1e-12) for a, b in zip(got, want)):
        sys.exit("featureImportances %r, want %r" % (got, list(want)))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "hand":
        hand(*a)
    elif cmd == "same":
        treecheck.same(a[1:], name=a[0])
    else:
        sys.exit("unknown command")


if __name__ == "__main__":
    main()
