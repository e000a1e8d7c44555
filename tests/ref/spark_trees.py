#!/usr/bin/python3
"""spark_trees.py - an independent numpy reference of Spark ML's decision tree, for the tests.

Written from ../shared/SEMANTICS-TREES.md sections 1 and 2 and from apache/spark's sources
(ml/tree/impl/RandomForest.scala: findSplits, findSplitsForContinuousFeature, binsToBestSplit,
calculateImpurityStats, findBestSplits; DecisionTreeMetadata.scala; mllib/tree/impurity/*;
ml/tree/Node.scala toNode; treeModels.scala featureImportances). Nothing is shared with
paratune's C code. One tree, no bagging, every feature at every node (a DecisionTree*), so
the order in which Spark's group-wise loop visits the nodes does not change the tree.

Floating point follows Spark's operation order where it decides ties: impurities as
Gini/Entropy/Variance.calculate (Entropy's log2 is log(x)/log(2) with the C library's log),
gain = impurity - (W_L/W)*I_L - (W_R/W)*I_R, the right child as (cumulative total - left),
a node's parent statistics at the root as left+right of the first split evaluated, and below
the root the calculator its parent handed down; per-bin sums are accumulated row by row in
the order of the training rows (np.bincount adds in input order).

Covered: findSplits without sampling (max(maxBins^2, 10000) >= training rows; more rows is
refused, as Spark would sample), zero-weight inference, the stride rule, midpoints;
categorical features (ordered by centroid for regression and binary classification,
unordered subsets for multiclass when arity <= floor(log2(maxPossibleBins/2 + 1) + 1), an
arity of 1 never splits); gini / entropy / variance; minInstancesPerNode (raw counts),
minWeightFractionPerNode (of the whole input's weight), minInfoGain; invalid splits at
-DBL_MAX; maxDepth; first-max ties (by feature, then split); the leaf rule (gain <= 0 or
depth == maxDepth; a child with |impurity| < eps is a leaf); pruning of sibling leaves with
equal predictions; prediction, probability, rawPrediction (the leaf's weighted class counts),
thresholds; featureImportances; instance weights.

Command line (for the end-to-end tests):
  spark_trees.py fit-predict --train a.csv --test b.csv --label y --kind classifier \\
      [--categorical c1,c2] [--impurity gini] [--max-depth 5] [--max-bins 32] \\
      [--min-instances 1] [--min-info-gain 0] [--min-weight-fraction 0] [--weight-col w] \\
      [--order frequencyDesc] [--handle-invalid error|keep] [--thresholds 0.3,0.7]
    prints JSON {"prediction": [...], "probability": [[...]], "raw": [[...]],
    "importances": [...], "features": [...], "nodes": N, "depth": D}
  spark_trees.py cv --data d.csv --label y --fold-col fold --kind regressor ... \\
      [--evaluator regression|binary|multiclass] [--metric rmse] [--num-bins 1000]
    per fold: stringIndexer and tree fit on the other folds, the metric on this one, as
    paratune's evaluators compute it (tests/ref/pipeline_ref.py, logreg_ref.py); prints JSON
    {"fold_metrics": [...], "avg": A, "std": S} ("failed" for a fold whose validation rows
    have a category the training rows lack, under handleInvalid error).
  spark_trees.py checklog --log L --data d.csv --fold-col fold [--categorical ...] [--tol 1e-9]
      [--ignore COLS]
    every param map of a paratune log of [stringIndexer,]decisionTree{Classifier,Regressor}
    against cv: per-(map, fold) metrics and averages to --tol; exit 1 with the first
    difference. A randomForest{Classifier,Regressor} log too when every map bags nothing and
    uses every feature (featureSubsetStrategy all, bootstrap false, subsamplingRate 1): its
    trees are then copies of the decision tree.

Features: the numeric columns in file order (every column but the label, the fold, the
weight and the categorical ones), then the --categorical columns in the order given, each
as its StringIndexer index fit on the training rows (as paratune lays them out). A
classifier's label is a class id 0..K-1 (K = the largest label of the file + 1).
The binary evaluator's score is rawPrediction[1] as Spark's BinaryClassificationEvaluator
takes it: for a decision tree, the weighted count of class 1 in the leaf.
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EPS = 2.220446049250313e-16        # Spark's ml.impl.Utils.EPSILON (1.0 + eps/2 == 1.0)
MIN_GAIN = -1.7976931348623157e308  # Scala Double.MinValue: an invalid split's gain
LOG2 = math.log(2.0)


# ------------------------------------------------------------------ impurities
# A calculator is (stats, raw): stats a float64 vector ([W_0..W_K-1] or [W, Swy, Swy^2]),
# raw the number of (bagged) rows.

def impurity_vec(kind, S):
    """Spark's calculate() of every row of S (splits x stats), elementwise in Spark's order."""
    S = np.atleast_2d(S)
    if kind == "variance":
        c, s1, s2 = S[:, 0], S[:, 1], S[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = (s2 - (s1 * s1) / c) / c
        return np.where(c == 0, 0.0, v)
    tot = np.zeros(len(S))
    for k in range(S.shape[1]):          # stats.sum: a left fold from 0.0
        tot = tot + S[:, k]
    nz = tot != 0
    t = np.where(nz, tot, 1.0)
    if kind == "gini":
        imp = np.ones(len(S))
        for k in range(S.shape[1]):      # elementwise, the same IEEE operations in order
            f = S[:, k] / t
            imp = imp - f * f
        return np.where(nz, imp, 0.0)
    imp = np.zeros(len(S))
    for k in range(S.shape[1]):
        f = S[:, k] / t
        # log2 as Spark: log(x) / log(2), with the C library's log (math.log), not numpy's
        lg = np.array([math.log(v) / LOG2 if v > 0 else 0.0 for v in f.tolist()])
        imp = np.where(S[:, k] != 0, imp - f * lg, imp)
    return np.where(nz, imp, 0.0)


def impurity(kind, s):
    return float(impurity_vec(kind, s)[0])


def wcount(kind, S):
    """ImpurityCalculator.count: the weighted count (W)."""
    S = np.atleast_2d(S)
    if kind == "variance":
        return S[:, 0].copy()
    tot = np.zeros(len(S))
    for k in range(S.shape[1]):
        tot = tot + S[:, k]
    return tot


def predict_of(kind, s):
    """ImpurityCalculator.predict: first argmax of W_k (0 when empty), or Swy / W."""
    if kind == "variance":
        return 0.0 if s[0] == 0 else float(s[1] / s[0])
    if wcount(kind, s)[0] == 0:
        return 0.0
    best, bi = -np.inf, -1
    for k, v in enumerate(s):
        if v > best:
            best, bi = v, k
    return float(bi)


# ------------------------------------------------------------------ metadata and bins

class Params:
    def __init__(self, kind="regressor", impurity=None, max_depth=5, max_bins=32,
                 min_instances=1, min_info_gain=0.0, min_weight_fraction=0.0,
                 thresholds=None):
        self.kind = kind
        self.impurity = impurity or ("gini" if kind == "classifier" else "variance")
        self.max_depth = int(max_depth)
        self.max_bins = int(max_bins)
        self.min_instances = int(min_instances)
        self.min_info_gain = float(min_info_gain)
        self.min_weight_fraction = float(min_weight_fraction)
        self.thresholds = thresholds


def unordered_limit(max_possible_bins):
    """DecisionTreeMetadata: the largest arity split by subsets (multiclass only)."""
    return int(math.floor(math.log(max_possible_bins // 2 + 1) / math.log(2.0) + 1))


def continuous_thresholds(x, w, num_splits, weighted_num_samples):
    """findSplitsForContinuousFeature on all rows (fraction 1): the ascending thresholds."""
    vals = {}
    count = 0
    for v, wi in zip(x.tolist(), w.tolist()):   # OpenHashMap.changeValue, row by row
        if v != 0.0:
            vals[v] = vals.get(v, 0.0) + wi
            count += 1
    if not vals:
        return []
    part = 0.0
    for c in vals.values():
        part += c
    tol = EPS * count * 100
    if weighted_num_samples - part > tol:
        vals[0.0] = weighted_num_samples - part
    vc = sorted(vals.items())
    possible = len(vc) - 1
    if possible == 0:
        return []
    if possible <= num_splits:
        return [(vc[i - 1][0] + vc[i][0]) / 2.0 for i in range(1, possible + 1)]
    stride = weighted_num_samples / (num_splits + 1)
    out = []
    cur = vc[0][1]
    target = stride
    for i in range(1, len(vc)):
        prev = cur
        cur += vc[i][1]
        if abs(prev - target) < abs(cur - target):
            out.append((vc[i - 1][0] + vc[i][0]) / 2.0)
            target += stride
    return out


class Meta:
    """DecisionTreeMetadata plus findSplits' thresholds for one training set."""

    def __init__(self, X, w, p_num, arity, ncls, prm):
        n, p = X.shape
        self.p, self.p_num, self.ncls, self.prm = p, p_num, ncls, prm
        self.arity = list(arity)             # per categorical feature (index p_num + k)
        self.W = 0.0
        for wi in w.tolist():
            self.W += wi
        mpb = min(prm.max_bins, n)
        self.max_possible_bins = mpb
        if self.arity and max(self.arity) > mpb:
            raise ValueError("maxBins (= %d) is below a categorical feature's arity %d"
                             % (mpb, max(self.arity)))
        self.num_bins = [mpb] * p
        self.unordered = set()
        for k, a in enumerate(self.arity):
            f = p_num + k
            if a <= 1:
                continue
            if ncls > 2 and a <= unordered_limit(mpb):
                self.unordered.add(f)
                self.num_bins[f] = (1 << (a - 1)) - 1
            else:
                self.num_bins[f] = a
        required = max(max(self.num_bins) ** 2, 10000)
        if p_num and required < n:
            raise ValueError("%d training rows > max(maxBins^2, 10000) = %d: Spark samples "
                             "(not covered by this reference)" % (n, required))
        self.thr = []
        for f in range(p_num):
            self.thr.append(continuous_thresholds(X[:, f], w, self.num_bins[f] - 1, self.W))
            self.num_bins[f] = len(self.thr[f]) + 1
        self.min_weight = prm.min_weight_fraction * self.W

    def num_splits(self, f):
        if f in self.unordered:
            return self.num_bins[f]
        if f >= self.p_num and self.arity[f - self.p_num] <= 1:
            # SPARK-9957: an arity-1 feature keeps maxPossibleBins bins, every split of it
            # leaves a side empty (invalid); it never splits.
            return 0
        return self.num_bins[f] - 1

    def codes(self, X):
        """TreePoint: the bin of every training value (continuous: binary search)."""
        C = np.empty(X.shape, dtype=np.int64)
        for f in range(self.p):
            if f < self.p_num:
                C[:, f] = np.searchsorted(np.array(self.thr[f], dtype=float), X[:, f], "left")
            else:
                C[:, f] = X[:, f].astype(np.int64)
        return C


def subset_of(s, arity):
    """extractMultiClassCategories(s + 1, arity): the left categories of unordered split s."""
    return [j for j in range(arity) if ((s + 1) >> j) & 1]


# ------------------------------------------------------------------ growing

class Node:
    __slots__ = ("calc", "impurity", "gain", "valid", "feature", "thr", "left_cats",
                 "arity", "left", "right", "pred")

    def __init__(self, calc, imp):
        self.calc, self.impurity = calc, imp
        self.gain, self.valid = float("nan"), True
        self.feature = self.thr = self.left_cats = self.arity = None
        self.left = self.right = None
        self.pred = None


def bin_stats(kind, ncls, c, yr, wr, nb):
    """Per-bin stats (nb x K or nb x 3) and raw counts of rows with bins c, labels yr and
    weights wr, each bin summed in row order (Spark's per-row updates)."""
    if kind == "variance":
        wy = wr * yr
        cols = [np.bincount(c, wr, nb), np.bincount(c, wy, nb), np.bincount(c, wy * yr, nb)]
    else:
        cols = [np.bincount(c, np.where(yr == k, wr, 0.0), nb) for k in range(ncls)]
    return np.stack(cols, axis=1), np.bincount(c, minlength=nb).astype(np.int64)


class Evaluator:
    """binsToBestSplit's carried gainAndImpurityStats: the node's parent calculator and
    impurity (at the root: fixed by the first split evaluated)."""

    def __init__(self, meta, kind, node):
        self.meta, self.kind = meta, kind
        self.parent = None if node is None else node.calc
        self.imp = None if node is None else node.impurity

    def gains(self, LS, LR, RS, RR):
        """Gains of splits with left (stats LS, raw LR) and right (RS, RR); -DBL_MAX when
        invalid. Sets the parent from the first split when not yet known."""
        kind, m = self.kind, self.meta
        if self.parent is None:
            self.parent = (LS[0] + RS[0], int(LR[0] + RR[0]))
            self.imp = impurity(kind, self.parent[0])
        lc, rc = wcount(kind, LS), wcount(kind, RS)
        tot = lc + rc
        bad = ((LR < m.prm.min_instances) | (RR < m.prm.min_instances) |
               (lc < m.min_weight) | (rc < m.min_weight))
        il, ir = impurity_vec(kind, LS), impurity_vec(kind, RS)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = self.imp - (lc / tot) * il - (rc / tot) * ir
        bad = bad | (g < m.prm.min_info_gain)
        return np.where(bad, MIN_GAIN, g), il, ir


def best_split(meta, kind, codes, y, w, rows, node):
    """binsToBestSplit for the node holding rows: (best, parent calculator, impurity) with
    best = (gain, feature, split, left calc, right calc, left impurity, right impurity), or
    None when no feature has a split."""
    ev = Evaluator(meta, kind, node)
    yr, wr = y[rows], w[rows]
    best = None
    for f in range(meta.p):
        ns = meta.num_splits(f)
        if ns == 0:
            continue
        c = codes[rows, f]
        if f in meta.unordered:
            # one bin per subset, filled by the rows whose category is in it; the right
            # side is the node's directly summed statistics minus it
            a = meta.arity[f - meta.p_num]
            st, rw = bin_stats(kind, meta.ncls, np.zeros(len(rows), np.int64), yr, wr, 1)
            LS = np.empty((ns, st.shape[1]))
            LR = np.empty(ns, dtype=np.int64)
            for s in range(ns):
                inleft = np.isin(c, subset_of(s, a)).astype(np.int64)
                ls, lr = bin_stats(kind, meta.ncls, inleft, yr, wr, 2)
                LS[s], LR[s] = ls[1], lr[1]
            RS, RR = st[0][None, :] - LS, rw[0] - LR
            g, il, ir = ev.gains(LS, LR, RS, RR)
            s = int(np.argmax(g))
            desc = ("cat", subset_of(s, a), a)
        elif f >= meta.p_num:
            a = meta.num_bins[f]
            st, rw = bin_stats(kind, meta.ncls, c, yr, wr, a)
            if kind == "variance":
                with np.errstate(divide="ignore", invalid="ignore"):
                    cen = st[:, 1] / st[:, 0]          # the category's prediction
            elif meta.ncls > 2:
                cen = impurity_vec(kind, st)            # its impurity
            else:
                cen = st[:, 1].copy()                   # its weight of class 1
            cen = np.where(wcount(kind, st) != 0, cen, np.finfo(float).max)
            order = sorted(range(a), key=lambda k: cen[k])      # stable, as List.sortBy
            cs, cr = np.cumsum(st[order], axis=0), np.cumsum(rw[order])
            LS, LR = cs[:ns], cr[:ns]
            RS, RR = cs[-1][None, :] - LS, cr[-1] - LR
            g, il, ir = ev.gains(LS, LR, RS, RR)
            s = int(np.argmax(g))
            desc = ("cat", order[:s + 1], a)
        else:
            st, rw = bin_stats(kind, meta.ncls, c, yr, wr, meta.num_bins[f])
            cs, cr = np.cumsum(st, axis=0), np.cumsum(rw)
            LS, LR = cs[:ns], cr[:ns]
            RS, RR = cs[ns][None, :] - LS, cr[ns] - LR
            g, il, ir = ev.gains(LS, LR, RS, RR)
            s = int(np.argmax(g))
            desc = ("num", meta.thr[f][s], s)
        if best is None or g[s] > best[0]:
            best = (float(g[s]), f, desc, (LS[s].copy(), int(LR[s])),
                    (RS[s].copy(), int(RR[s])), float(il[s]), float(ir[s]))
    if best is None:                       # no feature can split: invalid, direct parent
        st, rw = bin_stats(kind, meta.ncls, np.zeros(len(rows), np.int64), yr, wr, 1)
        return None, (st[0], int(rw[0])), impurity(kind, st[0])
    return best, ev.parent, ev.imp


def grow(meta, kind, codes, y, w, rows, node, level):
    """Splits node (its rows) as findBestSplits, recursively; node is None at the root."""
    best, parent, imp = best_split(meta, kind, codes, y, w, rows, node)
    if node is None:
        node = Node(parent, imp)
    else:
        node.calc, node.impurity = parent, imp
    if best is None or best[0] == MIN_GAIN:
        node.gain, node.valid = MIN_GAIN, False
    else:
        node.gain = best[0]
    if best is None or best[0] <= 0 or level == meta.prm.max_depth:
        return node
    gain, f, desc, lcalc, rcalc, il, ir = best
    node.feature = f
    if desc[0] == "num":
        node.thr = desc[1]
        go_left = codes[rows, f] <= desc[2]
    else:
        node.left_cats, node.arity = list(desc[1]), desc[2]
        go_left = np.isin(codes[rows, f], desc[1])
    node.left, node.right = Node(lcalc, il), Node(rcalc, ir)
    child_leaf = level + 1 == meta.prm.max_depth
    if not (child_leaf or abs(il) < EPS):
        grow(meta, kind, codes, y, w, rows[go_left], node.left, level + 1)
    if not (child_leaf or abs(ir) < EPS):
        grow(meta, kind, codes, y, w, rows[~go_left], node.right, level + 1)
    return node


def finish(node, kind):
    """LearningNode.toNode(prune = true): leaf predictions, sibling leaves with equal
    predictions merged into their parent (which keeps its own statistics)."""
    if node.left is None:
        node.pred = predict_of(kind, node.calc[0])
        if not node.valid:
            node.impurity = -1.0
        node.feature = None
        return node
    lt, rt = finish(node.left, kind), finish(node.right, kind)
    if lt.left is None and rt.left is None and lt.pred == rt.pred:
        node.pred = lt.pred
        node.left = node.right = None
        node.feature = None
        return node
    node.pred = predict_of(kind, node.calc[0])
    return node


class Tree:
    """A fitted DecisionTree{Classification,Regression}Model."""

    def __init__(self, X, y, w, p_num, arity, ncls, prm):
        self.prm, self.ncls = prm, ncls
        self.kind = prm.impurity
        if ncls and self.kind == "variance" or not ncls and self.kind != "variance":
            raise ValueError("impurity %s for a %s" % (self.kind, prm.kind))
        if not 0 <= prm.max_depth <= 30:
            raise ValueError("maxDepth must be in [0, 30]")
        X = np.asarray(X, dtype=float)
        w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
        self.meta = Meta(X, w, p_num, arity, ncls, prm)
        codes = self.meta.codes(X)
        rows = np.arange(len(y))
        root = grow(self.meta, self.kind, codes, np.asarray(y, dtype=float), w, rows, None, 0)
        self.root = finish(root, self.kind)
        self.p = X.shape[1]

    def leaf(self, x):
        nd = self.root
        while nd.left is not None:
            v = x[nd.feature]
            if nd.left_cats is None or nd.feature < self.meta.p_num:
                left = v <= nd.thr
            else:
                # CategoricalSplit keeps the smaller of the left set and its complement
                if len(nd.left_cats) <= nd.arity // 2:
                    left = v in nd.left_cats
                else:
                    comp = set(range(nd.arity)) - set(nd.left_cats)
                    left = v not in comp
            nd = nd.left if left else nd.right
        return nd

    def predict(self, X):
        """(prediction, probability, raw) of the rows of X (raw / probability: classifier)."""
        X = np.asarray(X, dtype=float)
        pred, prob, raw = [], [], []
        for x in X:
            lf = self.leaf(x)
            if self.ncls:
                r = lf.calc[0].astype(float)
                s = 0.0
                for v in r:
                    s += v
                pr = r / s if s > 0 else r.copy()
                if self.prm.thresholds:
                    sc = [np.inf if t == 0 else pr[k] / t
                          for k, t in enumerate(self.prm.thresholds)]
                    pred.append(float(np.argmax(sc)))
                else:
                    pred.append(float(np.argmax(pr)) if s > 0 else lf.pred)
                prob.append(pr.tolist())
                raw.append(r.tolist())
            else:
                pred.append(lf.pred)
        return np.array(pred), prob, raw

    def importances(self):
        imp = np.zeros(self.p)

        def walk(nd):
            if nd.left is None:
                return
            imp[nd.feature] += nd.gain * wcount(self.kind, nd.calc[0])[0]
            walk(nd.left)
            walk(nd.right)
        walk(self.root)
        s = imp.sum()
        if s != 0:
            imp = imp / s
            imp = imp / imp.sum()
        return imp

    def shape(self):
        def walk(nd):
            if nd.left is None:
                return 1, 0
            a, da = walk(nd.left)
            b, db = walk(nd.right)
            return 1 + a + b, 1 + max(da, db)
        return walk(self.root)


def features_per_node(strategy, p, classifier, num_trees):
    """DecisionTreeMetadata's numFeaturesPerNode for featureSubsetStrategy."""
    s = strategy
    if s == "auto":
        s = "all" if num_trees == 1 else ("sqrt" if classifier else "onethird")
    if s == "all":
        return p
    if s == "sqrt":
        return int(math.ceil(math.sqrt(p)))
    if s == "log2":
        return max(1, int(math.ceil(math.log(p) / math.log(2))))
    if s == "onethird":
        return int(math.ceil(p / 3.0))
    try:
        v = int(s)
        if v > 0:
            return min(v, p)
    except ValueError:
        pass
    v = float(s)
    if 0 < v <= 1:
        return int(math.ceil(v * p))
    raise ValueError("featureSubsetStrategy %r" % s)


# ------------------------------------------------------------------ data, folds, metrics

def si_order(strings, how):
    """StringIndexer's labels of the strings in stringOrderType how (categorical_ref.py)."""
    import categorical_ref
    return categorical_ref.order(strings, how)


def read(path, label, cats, fold_col=None, weight_col=None, ignore=()):
    """(numeric features, categorical string columns, label or None, fold or None, weights
    or None, numeric feature names) of a CSV; the label, fold and weight columns may be
    absent (a file to predict)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    h, d = rows[0], rows[1:]
    skip = {label, fold_col, weight_col} | set(cats) | set(ignore)
    num = [j for j, c in enumerate(h) if c not in skip]
    X = np.array([[float(r[j]) for j in num] for r in d]).reshape(len(d), len(num))
    C = [[r[h.index(c)] for r in d] for c in cats]

    def col(name, conv):
        if name is None or name not in h:
            return None
        j = h.index(name)
        return np.array([conv(r[j]) for r in d])
    return (X, C, col(label, float), col(fold_col, int), col(weight_col, float),
            [h[j] for j in num])


def assemble(Xn, catcols):
    cols = [np.asarray(c, dtype=float)[:, None] for c in catcols]
    return np.hstack([Xn] + cols) if cols else Xn


def fold_metric(a, tree, Z, y):
    """The metric of tree's predictions of rows Z against y, as paratune's evaluators."""
    import logreg_ref
    import pipeline_ref
    pred, prob, raw = tree.predict(Z)
    if a.evaluator == "regression":
        return pipeline_ref.metric(a.metric or "rmse", pred, y)
    if a.evaluator == "binary":
        score = np.array([r[1] for r in raw]) if a.binary_score == "raw" else \
            np.array([p[1] for p in prob])
        return logreg_ref.binary_metric(a.metric or "areaUnderROC", score, y, a.num_bins)
    return logreg_ref.multiclass_metric(a.metric or "f1", pred.astype(int), np.array(prob),
                                        y.astype(int))


def params_of(a):
    th = [float(t) for t in a.thresholds.split(",")] if a.thresholds else None
    return Params(a.kind, a.impurity, a.max_depth, a.max_bins, a.min_instances,
                  a.min_info_gain, a.min_weight_fraction, th)


def cv(a):
    """Per-fold metrics of --data's fold column: indexer and tree fit on the other folds."""
    cats = a.categorical.split(",") if a.categorical else []
    X, C, y, fold, w, _ = read(a.data, a.label, cats, a.fold_col, a.weight_col, _ign(a))
    ncls = int(y.max()) + 1 if a.kind == "classifier" else 0
    prm = params_of(a)
    out = []
    for f in range(int(fold.max()) + 1):
        tr, va = np.nonzero(fold != f)[0], np.nonzero(fold == f)[0]
        tcols, vcols, arity = _index_fold(C, tr, va, a)
        if vcols is None:
            out.append("failed")
            continue
        tree = Tree(assemble(X[tr], tcols), y[tr], None if w is None else w[tr],
                    X.shape[1], arity, ncls, prm)
        out.append(fold_metric(a, tree, assemble(X[va], vcols), y[va]))
    res = {"fold_metrics": out}
    ok = [m for m in out if m != "failed"]
    if len(ok) == len(out):
        res.update(avg=float(np.mean(ok)), std=float(np.std(ok)))
    return res


def _ign(a):
    return a.ignore.split(",") if a.ignore else []


def _index_fold(C, tr, va, a):
    """The fold's StringIndexer: training and validation index columns (None: unseen under
    handleInvalid error) and the arities."""
    tcols, vcols, arity = [], [], []
    for col in C:
        lab = si_order([col[i] for i in tr], a.order)
        idx = {s: i for i, s in enumerate(lab)}
        tcols.append([idx[col[i]] for i in tr])
        arity.append(len(lab) + (1 if a.handle_invalid == "keep" else 0))
        v = []
        for i in va:
            s = col[i]
            if s not in idx and a.handle_invalid == "error":
                return tcols, None, arity
            v.append(idx.get(s, len(lab)))
        vcols.append(v)
    return tcols, vcols, arity


def fit_predict(a):
    cats = a.categorical.split(",") if a.categorical else []
    X, C, y, _, w, names = read(a.train, a.label, cats, a.fold_col, a.weight_col, _ign(a))
    ncls = int(y.max()) + 1 if a.kind == "classifier" else 0
    if a.num_classes:
        ncls = a.num_classes
    Xt, Ct, _, _, _, _ = read(a.test, a.label, cats, a.fold_col, a.weight_col, _ign(a))
    tcols, vcols, arity = [], [], []
    for col, colt in zip(C, Ct):
        lab = si_order(col, a.order)
        idx = {s: i for i, s in enumerate(lab)}
        tcols.append([idx[s] for s in col])
        arity.append(len(lab) + (1 if a.handle_invalid == "keep" else 0))
        vcols.append([idx.get(s, len(lab) if a.handle_invalid == "keep" else -1) for s in colt])
    tree = Tree(assemble(X, tcols), y, w, X.shape[1], arity, ncls, params_of(a))
    pred, prob, raw = tree.predict(assemble(Xt, vcols))
    nodes, depth = tree.shape()
    return {"prediction": pred.tolist(), "probability": prob, "raw": raw,
            "importances": tree.importances().tolist(), "features": names + cats,
            "nodes": nodes, "depth": depth}


# ------------------------------------------------------------------ a paratune log

def _thresholds(v):
    """A thresholds param value of the log (a list, or text "t0:t1:...") as "t0,t1,..."."""
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, str):
        return v.replace(":", ",")
    return ",".join(str(t) for t in v)


STAGE_KIND = {"decisionTreeClassifier": "classifier", "decisionTreeRegressor": "regressor",
              "randomForestClassifier": "classifier", "randomForestRegressor": "regressor"}


def degenerate_forest(stage, pm):
    """A random forest that bags nothing (bootstrap false, subsamplingRate 1: every row once)
    and looks at every feature (featureSubsetStrategy all) grows numTrees copies of the
    decision tree: its predictions are the tree's, its probabilities the tree's leaf class
    frequencies. The binary evaluator then ranks by rawPrediction[1] = numTrees x P(1)."""
    def p(name, d):
        return pm.get(stage + "." + name, d)
    return (p("featureSubsetStrategy", "auto") == "all" and p("bootstrap", True) is False
            and float(p("subsamplingRate", 1.0)) == 1.0)


def checklog(a):
    import msgpack
    recs = list(msgpack.Unpacker(open(a.log, "rb"), raw=False, strict_map_key=False))
    head = recs[0]
    summ = [r for r in recs if r.get("record") == "summary"][-1]
    res = {(r["param_index"], r["fold"]): r for r in recs if r.get("record") == "result"}
    stage = head["pipeline"][-1]
    kind = STAGE_KIND[stage]
    ev = head["evaluator"]
    worst, compared = 0.0, 0
    for i, pm in enumerate(head["param_maps"]):
        def p(name, d):
            return pm.get(stage + "." + name, d)
        forest = stage.startswith("randomForest")
        if forest and not degenerate_forest(stage, pm):
            sys.exit("map %d %s: a forest is checked only when it bags nothing and uses every "
                     "feature (its trees are then the decision tree)" % (i, pm))
        ns = argparse.Namespace(
            data=a.data, label=head["data"]["label"], fold_col=a.fold_col,
            categorical=a.categorical, weight_col=a.weight_col, ignore=a.ignore, kind=kind,
            impurity=p("impurity", None), max_depth=p("maxDepth", 5), max_bins=p("maxBins", 32),
            min_instances=p("minInstancesPerNode", 1), min_info_gain=p("minInfoGain", 0.0),
            min_weight_fraction=p("minWeightFractionPerNode", 0.0),
            thresholds=_thresholds(p("thresholds", None)),
            order=pm.get("stringIndexer.stringOrderType", "frequencyDesc"),
            handle_invalid=pm.get("stringIndexer.handleInvalid", "error"),
            evaluator=ev["name"], metric=ev["metric"], num_bins=a.num_bins,
            binary_score="prob" if forest else a.binary_score)
        ref = cv(ns)
        for f, m in enumerate(ref["fold_metrics"]):
            r = res.get((i, f))
            if r is None:
                sys.exit("map %d fold %d: no result in the log" % (i, f))
            if m == "failed":
                if r["status"] != "failed":
                    sys.exit("map %d %s fold %d: %s, the reference fails" % (i, pm, f, r["status"]))
                continue
            if r["status"] != "ok":
                sys.exit("map %d %s fold %d: %s (%s)" % (i, pm, f, r["status"], r.get("error")))
            d = abs(r["metric"] - m)
            worst = max(worst, d)
            compared += 1
            if d > a.tol * max(1.0, abs(m)):
                sys.exit("map %d %s fold %d: metric %r, the reference %r" % (i, pm, f,
                                                                              r["metric"], m))
        if "avg" in ref and abs(summ["avg_metrics"][i] - ref["avg"]) > a.tol * max(1.0, abs(ref["avg"])):
            sys.exit("map %d %s: avg %r, the reference %r" % (i, pm, summ["avg_metrics"][i],
                                                             ref["avg"]))
    if compared == 0:
        sys.exit("no (map, fold) metric to compare: every job failed")
    return {"maps": len(head["param_maps"]), "compared": compared, "max_abs_diff": worst}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["fit-predict", "cv", "checklog"])
    ap.add_argument("--train")
    ap.add_argument("--test")
    ap.add_argument("--data")
    ap.add_argument("--log")
    ap.add_argument("--label", default="label")
    ap.add_argument("--fold-col", default="fold")
    ap.add_argument("--weight-col", default=None)
    ap.add_argument("--categorical", default="")
    ap.add_argument("--ignore", default="", help="columns that are not features")
    ap.add_argument("--kind", default="regressor", choices=["classifier", "regressor"])
    ap.add_argument("--impurity", default=None, choices=["gini", "entropy", "variance"])
    ap.add_argument("--max-depth", type=int, default=5)
    ap.add_argument("--max-bins", type=int, default=32)
    ap.add_argument("--min-instances", type=int, default=1)
    ap.add_argument("--min-info-gain", type=float, default=0.0)
    ap.add_argument("--min-weight-fraction", type=float, default=0.0)
    ap.add_argument("--thresholds", default=None)
    ap.add_argument("--num-classes", type=int, default=0)
    ap.add_argument("--order", default="frequencyDesc")
    ap.add_argument("--handle-invalid", default="error", choices=["error", "keep"])
    ap.add_argument("--evaluator", default="regression",
                    choices=["regression", "binary", "multiclass"])
    ap.add_argument("--metric", default=None)
    ap.add_argument("--num-bins", type=int, default=1000)
    ap.add_argument("--binary-score", default="raw", choices=["raw", "prob"],
                    help="the binary evaluator's score: rawPrediction[1] (Spark) or P(1)")
    ap.add_argument("--tol", type=float, default=1e-9)
    a = ap.parse_args()
    if a.mode == "fit-predict":
        out = fit_predict(a)
    elif a.mode == "cv":
        out = cv(a)
    else:
        out = checklog(a)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
