#!/usr/bin/python3
"""check_spark_trees.py - self-checks of tests/ref/spark_trees.py (the numpy reference of
Spark's decision tree) that need no paratune binary; prints "ok" or exits 1 with the first
failure. Run by tests/e2e/t_81_trees_refcheck.sh.

1. findSplitsForContinuousFeature on the cases of Spark's RandomForestSuite ("find splits for
   a continuous feature": midpoints, the stride rule, zero-weight inference, weights).
2. Trees against scikit-learn. With every distinct value in its own bin (maxBins >= rows),
   continuous features and no ties in gain (continuous labels, or random instance weights
   for the classifiers), Spark's tree makes the partitions scikit-learn's
   DecisionTree{Regressor,Classifier}(max_depth=d) makes, with three differences applied to
   scikit-learn's tree here: (a) Spark's thresholds are midpoints of neighbouring values of
   the *whole training set* and the lowest split index wins, so a node's threshold is
   (a + the next training value after a) / 2 with a the largest value sent left, where
   scikit-learn takes the midpoint within the node; (b) Spark never makes a split of gain
   <= 0 or below minInfoGain (scikit-learn's min_impurity_decrease is scaled by the node's
   share of the weight, so it is applied here instead, as a cut of the subtree); (c) Spark
   merges sibling leaves with equal predictions, bottom-up. minInstancesPerNode and
   minWeightFractionPerNode are scikit-learn's min_samples_leaf and
   min_weight_fraction_leaf. Features are float32 values (scikit-learn's trees compare in
   float32). Held-out predictions (1e-12), classifier probabilities (1e-12), node counts,
   and featureImportances (1e-9) must agree.
3. Categorical features (scikit-learn has none): at the root, the ordered split of
   regression and binary classification reaches the best gain over all 2^(k-1)-1 subsets
   (Breiman's theorem, which Spark's centroid order relies on), an unordered multiclass
   feature's split is the first best subset, and a high-arity multiclass feature is split
   among the prefixes of its categories sorted by impurity; the arity rule (k <= 5 is
   unordered for maxBins 32) and maxBins below an arity refused.
"""
import math
import os
import sys
from itertools import combinations

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spark_trees as st  # noqa: E402

FAIL = []


def check(cond, what):
    if not cond:
        FAIL.append(what)


# ------------------------------------------------------------------ 1. findSplits

def splits_cases():
    ct = st.continuous_thresholds
    # (values, weights, numSplits = numBins - 1, weightedNumSamples), expected
    cases = [
        ([1, 1, 1, 1], None, 2, 8.0, [0.5]),                       # zeros inferred: 4 of 8
        ([1, 1, 2, 2, 3, 3], None, 2, 8.0, [0.5, 2.5]),
        ([1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3], None, 4, 12.0, [1.5, 2.5]),
        ([2] * 15 + [3, 4, 5], None, 2, 18.0, [2.5, 3.5]),
        ([1] + [2] * 15, None, 1, 17.0, [1.5]),
        ([], None, 2, 3.0, []),                                      # constant zero
        ([1, 2, 3, 4, 5, 6], [10, 1, 1, 1, 1, 1], 2, 0.0, [1.5, 2.5, 3.5, 4.5, 5.5]),
    ]
    for vals, w, ns, wns, want in cases:
        x = np.array(vals, dtype=float)
        ww = np.ones(len(x)) if w is None else np.array(w, dtype=float)
        got = ct(x, ww, ns, wns)
        check(got == want, "findSplits %r: %r, want %r" % (vals, got, want))
    # scaled weights give the same thresholds
    rng = np.random.default_rng(5)
    x = rng.random(10)
    base = ct(x, np.ones(10), 5, 0.0)
    check(ct(x, np.full(10, 1e-3), 5, 0.0) == base and ct(x, np.full(10, 1e3), 5, 0.0) == base,
          "findSplits: scaled weights")
    # 10,000 distinct values, 5 splits (numBins 6): 5 distinct thresholds, about equal mass
    x = rng.random(10000)
    thr = ct(x, np.ones(len(x)), 5, 10000.0)
    mass = np.histogram(x, [-1] + thr + [2])[0]
    check(len(thr) == 5 and np.all(np.abs(mass - 10000 / 6) <= 1), "findSplits stride %r" % mass)
    # the Meta: more distinct values than maxBins uses the stride rule per feature
    X = np.column_stack([rng.random(500), rng.integers(0, 3, 500) * 1.0])
    m = st.Meta(X, np.ones(500), 2, [], 0, st.Params("regressor", max_bins=16))
    check(len(m.thr[0]) <= 15 and m.num_bins[1] == 3 and m.thr[1] == [0.5, 1.5],
          "Meta bins %d %r" % (len(m.thr[0]), m.thr[1]))
    try:
        st.Meta(rng.random((20000, 1)), np.ones(20000), 1, [], 0, st.Params("regressor"))
        check(False, "sampling case not refused")
    except ValueError:
        pass


# ------------------------------------------------------------------ 2. scikit-learn

class SkNode:
    pass


def sparkify(skt, X, kind, ncls, min_info_gain=0.0):
    """scikit-learn's fitted tree as Spark would grow it (the docstring's (a), (b), (c))."""
    T = skt.tree_
    path = skt.decision_path(X.astype(np.float32)).tocsc()
    allv = [np.unique(X[:, f]) for f in range(X.shape[1])]

    def value(i):
        return np.array(T.value[i][0], dtype=float)

    def build(i):
        nd = SkNode()
        nd.w = T.weighted_n_node_samples[i]
        nd.val = value(i)
        nd.pred = float(np.argmax(nd.val)) if ncls else float(nd.val[0])
        nd.left = nd.right = None
        nd.gain = 0.0
        l, r = T.children_left[i], T.children_right[i]
        if l == -1:
            return nd
        wl, wr = T.weighted_n_node_samples[l], T.weighted_n_node_samples[r]
        gain = T.impurity[i] - wl / nd.w * T.impurity[l] - wr / nd.w * T.impurity[r]
        if gain <= 1e-13 or gain < min_info_gain:
            return nd
        f = T.feature[i]
        rows = path[:, l].nonzero()[0]
        a = X[rows, f].max()
        vals = allv[f]
        nxt = vals[np.searchsorted(vals, a, "right")]
        nd.feature, nd.thr, nd.gain = f, (a + nxt) / 2.0, gain
        nd.left, nd.right = build(l), build(r)
        if nd.left.left is None and nd.right.left is None and nd.left.pred == nd.right.pred:
            nd.pred = nd.left.pred
            nd.left = nd.right = None
        return nd
    return build(0)


def sk_predict(nd, x):
    while nd.left is not None:
        nd = nd.left if x[nd.feature] <= nd.thr else nd.right
    return nd


def sk_count(nd):
    return 1 if nd.left is None else 1 + sk_count(nd.left) + sk_count(nd.right)


def sk_importances(nd, p):
    imp = np.zeros(p)

    def walk(n):
        if n.left is None:
            return
        imp[n.feature] += n.gain * n.w
        walk(n.left)
        walk(n.right)
    walk(nd)
    return imp / imp.sum() if imp.sum() > 0 else imp


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(float)


def against_sklearn():
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    rng = np.random.default_rng(11)
    n, p = 400, 5
    X = f32(rng.normal(size=(n, p)))
    Xt = f32(rng.normal(size=(300, p)))
    y = 2 * X[:, 0] + np.sin(3 * X[:, 1]) - X[:, 2] * X[:, 3] + 0.3 * rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, size=n)
    ycls = {2: (y > 0.3).astype(float), 3: np.digitize(y, [-0.8, 0.9]).astype(float)}
    # Deep trees get minInstancesPerNode >= 5: in nodes of a few rows two features often
    # make the same partition, and which of them wins then depends on the order the
    # weights were summed in (Spark's and scikit-learn's orders differ).
    runs = [("variance", 0, d, 1, 0.0, None, 0.0) for d in (0, 1, 2, 3)]
    runs += [("variance", 0, 8, 5, 0.0, None, 0.0), ("variance", 0, 12, 8, 0.0, w, 0.0),
             ("variance", 0, 10, 5, 0.03, w, 0.0), ("variance", 0, 10, 5, 0.0, None, 0.02)]
    for imp in ("gini", "entropy"):
        for k in (2, 3):
            runs += [(imp, k, 1, 1, 0.0, w, 0.0), (imp, k, 3, 3, 0.0, w, 0.0),
                     (imp, k, 8, 5, 0.0, w, 0.0), (imp, k, 12, 6, 0.02, w, 0.0),
                     (imp, k, 10, 5, 0.0, w, 0.01)]
    for imp, k, d, mi, mwf, ww, mig in runs:
        yy = ycls[k] if k else y
        prm = st.Params("classifier" if k else "regressor", imp, d, 1000, mi, mig, mwf)
        ref = st.Tree(X, yy, ww, p, [], k, prm)
        if k:
            skm = DecisionTreeClassifier(criterion=imp, max_depth=d or None, random_state=0,
                                         min_samples_leaf=mi, min_weight_fraction_leaf=mwf)
        else:
            skm = DecisionTreeRegressor(max_depth=d or None, random_state=0,
                                        min_samples_leaf=mi, min_weight_fraction_leaf=mwf)
        what = "%s k=%d depth %d minInstances %d minWeightFraction %g minInfoGain %g" % (
            imp, k, d, mi, mwf, mig)
        if d == 0:
            # scikit-learn has no depth 0: the root leaf is the (weighted) label mean
            pr, _, _ = ref.predict(Xt)
            check(np.allclose(pr, np.mean(yy), rtol=0, atol=1e-12) and ref.shape() == (1, 0),
                  what)
            continue
        skm.fit(X, yy, sample_weight=ww)
        sp = sparkify(skm, X, imp, k, mig)
        pr, prob, _ = ref.predict(Xt)
        want = [sk_predict(sp, x) for x in Xt]
        if k:
            wp = np.array([nd.val / nd.val.sum() for nd in want])
            ok = (np.array_equal(pr, [nd.pred for nd in want]) and
                  np.max(np.abs(np.array(prob) - wp)) < 1e-12)
        else:
            ok = np.max(np.abs(pr - [nd.pred for nd in want])) < 1e-12
        check(ok, "%s: held-out predictions differ from scikit-learn's" % what)
        check(ref.shape()[0] == sk_count(sp), "%s: %d nodes, scikit-learn (Spark's rules) %d"
              % (what, ref.shape()[0], sk_count(sp)))
        check(np.max(np.abs(ref.importances() - sk_importances(sp, p))) < 1e-9,
              "%s: featureImportances %r vs %r" % (what, ref.importances(),
                                                   sk_importances(sp, p)))


# ------------------------------------------------------------------ 3. categorical

def brute_gain(kind, y, w, cat, k, ncls, subset):
    """Spark's gain of sending the categories in subset left, in plain numpy."""
    def stats(m):
        if kind == "variance":
            return np.array([w[m].sum(), (w[m] * y[m]).sum(), (w[m] * y[m] * y[m]).sum()])
        return np.array([w[m & (y == c)].sum() for c in range(ncls)])
    left = np.isin(cat, subset)
    P, L, R = stats(np.ones(len(y), bool)), stats(left), stats(~left)
    if left.sum() == 0 or (~left).sum() == 0:
        return -np.inf

    def cnt(s):
        return s[0] if kind == "variance" else s.sum()
    return (st.impurity(kind, P) - cnt(L) / cnt(P) * st.impurity(kind, L)
            - cnt(R) / cnt(P) * st.impurity(kind, R))


def categorical():
    rng = np.random.default_rng(3)
    n = 600
    for kind, ncls, k in (("variance", 0, 6), ("gini", 2, 7), ("entropy", 2, 5),
                          ("gini", 3, 4), ("entropy", 4, 5), ("gini", 3, 9)):
        cat = rng.integers(0, k, n)
        eff = rng.normal(size=k)
        z = eff[cat] + rng.normal(size=n) * 0.7
        y = z if not ncls else np.digitize(z, np.quantile(z, np.linspace(0, 1, ncls + 1)[1:-1])) * 1.0
        w = rng.uniform(0.5, 2, n)
        X = cat[:, None].astype(float)
        t = st.Tree(X, y, w, 0, [k], ncls, st.Params("classifier" if ncls else "regressor",
                                                      kind, 1, 32))
        root = t.root
        what = "categorical %s k=%d classes %d" % (kind, k, ncls)
        unordered = ncls > 2 and k <= 5
        check((0 in t.meta.unordered) == unordered, what + ": unordered rule")
        subsets = [list(c) for r in range(1, k) for c in combinations(range(k), r) if 0 in c]
        best = max(brute_gain(kind, y, w, cat, k, ncls, s) for s in subsets)
        if root.left is None:
            check(False, what + ": no split")
            continue
        got = brute_gain(kind, y, w, cat, k, ncls, root.left_cats)
        check(abs(got - root.gain) < 1e-12, what + ": gain of the stored split")
        if ncls > 2 and not unordered:
            imp = [st.impurity(kind, np.array([w[(cat == c) & (y == j)].sum()
                                               for j in range(ncls)])) for c in range(k)]
            order = sorted(range(k), key=lambda c: imp[c])
            pb = max(brute_gain(kind, y, w, cat, k, ncls, order[:i]) for i in range(1, k))
            check(abs(root.gain - pb) < 1e-12, what + ": best impurity-ordered prefix")
        else:
            check(abs(root.gain - best) < 1e-12, what + ": %r, best subset %r" % (root.gain, best))
        # a category the training rows lack goes right when the left set is the stored one
        lf = t.leaf(np.array([float(k + 3)]))
        check(lf is (root.right if len(root.left_cats) <= k // 2 else root.left),
              what + ": unseen category")
    check(st.unordered_limit(32) == 5 and st.unordered_limit(16) == 4, "unordered limit")
    try:
        st.Tree(np.zeros((40, 1)), np.zeros(40), None, 0, [33], 0, st.Params("regressor"))
        check(False, "maxBins below an arity not refused")
    except ValueError:
        pass
    # an arity-1 feature never splits; a constant continuous feature neither: impurity -1
    t = st.Tree(np.zeros((5, 2)), np.array([0, 1, 0, 1, 1.0]), None, 1, [1], 2,
                st.Params("classifier", "gini", 3, 5))
    check(t.root.left is None and t.root.impurity == -1.0 and t.root.pred == 1.0,
          "constant features: an invalid root leaf")


def main():
    splits_cases()
    against_sklearn()
    categorical()
    if FAIL:
        print("\n".join(FAIL))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
