#!/usr/bin/python3
"""check_spark_gbt.py - self-checks of tests/ref/spark_gbt.py (the numpy reference of Spark's
gradient-boosted trees) that need no paratune binary; prints "ok" or exits 1 listing the
failures. Run by tests/e2e/t_86_gbt_refcheck.sh.

1. maxIter 1 is spark_trees.py's regression tree on the labels (regressor), on 2y - 1
   (classifier), weight 1: predictions and featureImportances.
2. Hand-computed boosting: squared loss, 4 rows, depth 1, stepSize 0.5 (the factor 2 of
   Spark's gradient); logistic loss, 4 rows, depth 1 (residual 4y / (1 + e^{2yF}), p = s(2F));
   absolute loss residuals (-1 if y < F else +1, also at y == F).
3. Squared loss against scikit-learn's GradientBoostingRegressor with Spark's differences
   mapped: Spark fits tree m >= 1 to 2(y - F) and adds stepSize x its leaf means, i.e.
   scikit-learn's least-squares boosting with learning_rate = 2 stepSize; Spark's tree 0 (weight
   1, on the labels) is scikit-learn's init estimator, a DecisionTreeRegressor of the same
   depth. With every distinct value in its own bin and float32-exact features, the training
   margins agree to 1e-9 and featureImportances too (scikit-learn's unnormalized impurity
   decrease per tree is W x gain; its trees fit y - F, so their gains are 1/4 of Spark's);
   minInstancesPerNode 5 = min_samples_leaf keeps out the small nodes where two features make
   the same partition and scikit-learn's random feature order breaks the tie differently.
4. Memorizing: squared loss with stepSize 0.5 and a deep tree (a depth enough to isolate every
   row) reaches the labels on the training rows after tree 0; with depth 2 the training error
   falls at every round (stepSize 0.5 is exact least squares on the tree's partition).
5. Quality, loosely: on smooth data the regressor's held-out rmse is within 10% of scikit-
   learn's GradientBoostingRegressor (default init, learning_rate 2 stepSize); the classifier's
   areaUnderROC within 0.02 of GradientBoostingClassifier's.
6. Classifier thresholds: prediction argmax p_k / t_k; F > 0 without.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spark_gbt as sg  # noqa: E402
import spark_trees as st  # noqa: E402

FAIL = []


def check(cond, what):
    if not cond:
        FAIL.append(what)


def prm(depth, bins=1000, **kw):
    return st.Params("regressor", "variance", depth, bins, kw.get("mi", 1), kw.get("mig", 0.0),
                     kw.get("mwf", 0.0))


def data(rng, n, p, cls=False):
    X = np.round(rng.normal(size=(n, p)) * 64) / 64          # float32-exact, few ties
    s = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] ** 2
    if cls:
        return X, (s + 0.5 * rng.normal(size=n) > 0).astype(float)
    return X, s + 0.3 * rng.normal(size=n)


def one_tree(rng):
    X, y = data(rng, 200, 4)
    for d in (1, 3, 6):
        g = sg.GBT(X, y, None, 4, [], "regressor", "squared", 1, 0.1, prm(d))
        t = st.Tree(X, y, None, 4, [], 0, st.Params("regressor", None, d, 1000))
        Xt, _ = data(rng, 50, 4)
        F = g.margins_by_prefix(Xt, {1})[1]
        check(np.array_equal(F, t.predict(Xt)[0]), "maxIter 1 regressor depth %d != tree" % d)
        check(np.allclose(g.importances(), t.importances(), atol=1e-12),
              "maxIter 1 importances depth %d" % d)
    X, y = data(rng, 200, 4, cls=True)
    g = sg.GBT(X, y, None, 4, [], "classifier", "logistic", 1, 0.1, prm(4))
    t = st.Tree(X, 2 * y - 1, None, 4, [], 0, st.Params("regressor", None, 4, 1000))
    F = g.margins_by_prefix(X, {1})[1]
    check(np.array_equal(F, t.predict(X)[0]), "maxIter 1 classifier != tree on 2y-1")
    pred, p1 = g.outputs(F)
    check(np.allclose(p1, 1 / (1 + np.exp(-2 * F))) and np.array_equal(pred, (F > 0) * 1.0),
          "classifier probability / prediction")


def by_hand():
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    g = sg.GBT(X, np.array([1.0, 1, 3, 5]), None, 1, [], "regressor", "squared", 2, 0.5, prm(1))
    F = g.margins_by_prefix(X, {1, 2})
    check(np.allclose(F[1], [1, 1, 4, 4], atol=1e-15), "squared hand tree 0: %s" % F[1])
    check(np.allclose(F[2], [2 / 3, 2 / 3, 11 / 3, 5], atol=1e-15),
          "squared hand tree 1: %s" % F[2])
    g = sg.GBT(X, np.array([0.0, 0, 1, 1]), None, 1, [], "classifier", "logistic", 2, 0.1, prm(1))
    F = g.margins_by_prefix(X, {2})[2]
    r = 4 / (1 + math.e ** 2)
    want = np.array([-1 - 0.1 * r, -1 - 0.1 * r, 1 + 0.1 * r, 1 + 0.1 * r])
    check(np.allclose(F, want, atol=1e-15), "logistic hand: %s != %s" % (F, want))
    check(np.array_equal(sg.residual("absolute", np.array([1.0, 1, 1]), np.array([0.5, 1, 2])),
                         [1.0, 1, -1]), "absolute residuals")
    check(np.allclose(sg.residual("logistic", np.array([1.0, -1]), np.array([0.0, 0])), [2, -2]),
          "logistic residual at 0")


def vs_sklearn_exact(rng):
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.tree import DecisionTreeRegressor
    X, y = data(rng, 300, 4)
    for d, step, M in ((2, 0.1, 15), (4, 0.3, 10), (3, 1.0, 6)):
        g = sg.GBT(X, y, None, 4, [], "regressor", "squared", M, step, prm(d, mi=5))
        F = g.margins_by_prefix(X, {M})[M]
        sk = GradientBoostingRegressor(loss="squared_error", learning_rate=2 * step,
                                       n_estimators=M - 1, max_depth=d, criterion="squared_error",
                                       min_samples_leaf=5, random_state=0,
                                       init=DecisionTreeRegressor(max_depth=d, min_samples_leaf=5))
        sk.fit(X, y)
        err = np.max(np.abs(sk.predict(X) - F))
        check(err < 1e-9, "squared d=%d step=%g vs sklearn: training margins differ by %g"
              % (d, step, err))
        imp = sk.init_.tree_.compute_feature_importances(normalize=False).copy()
        for est in sk.estimators_[:, 0]:
            imp += 4 * est.tree_.compute_feature_importances(normalize=False)
        imp /= imp.sum()
        check(np.allclose(imp, g.importances(), atol=1e-9),
              "importances vs sklearn d=%d: %s %s" % (d, imp, g.importances()))


def memorize(rng):
    X, y = data(rng, 64, 4)
    g = sg.GBT(X, y, None, 4, [], "regressor", "squared", 3, 0.5, prm(30))
    F = g.margins_by_prefix(X, {1, 3})
    check(np.allclose(F[1], y, atol=1e-12) and np.allclose(F[3], y, atol=1e-12),
          "deep squared GBT does not memorize")
    g = sg.GBT(X, y, None, 4, [], "regressor", "squared", 12, 0.5, prm(2))
    e = g.train_error
    check(all(b <= a + 1e-12 for a, b in zip(e, e[1:])), "training error rises: %s" % e)


def quality(rng):
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.metrics import roc_auc_score
    X, y = data(rng, 1500, 5)
    Xt, yt = data(rng, 1000, 5)
    g = sg.GBT(X, y, None, 5, [], "regressor", "squared", 40, 0.05, prm(3, 32))
    F = g.margins_by_prefix(Xt, {40})[40]
    sk = GradientBoostingRegressor(learning_rate=0.1, n_estimators=40, max_depth=3,
                                   random_state=0).fit(X, y)
    r1, r2 = np.sqrt(np.mean((F - yt) ** 2)), np.sqrt(np.mean((sk.predict(Xt) - yt) ** 2))
    check(r1 <= 1.1 * r2, "regressor rmse %.4f vs sklearn %.4f" % (r1, r2))
    X, y = data(rng, 1500, 5, cls=True)
    Xt, yt = data(rng, 1000, 5, cls=True)
    g = sg.GBT(X, y, None, 5, [], "classifier", "logistic", 40, 0.1, prm(3, 32))
    F = g.margins_by_prefix(Xt, {40})[40]
    sk = GradientBoostingClassifier(learning_rate=0.2, n_estimators=40, max_depth=3,
                                    random_state=0).fit(X, y)
    a1, a2 = roc_auc_score(yt, F), roc_auc_score(yt, sk.decision_function(Xt))
    check(a1 >= a2 - 0.02, "classifier AUC %.4f vs sklearn %.4f" % (a1, a2))


def thresholds(rng):
    X, y = data(rng, 100, 4, cls=True)
    g = sg.GBT(X, y, None, 4, [], "classifier", "logistic", 5, 0.1, prm(2), [0.3, 0.7])
    F = g.margins_by_prefix(X, {5})[5]
    pred, p1 = g.outputs(F)
    check(np.array_equal(pred, (p1 / 0.7 > (1 - p1) / 0.3) * 1.0), "thresholds")


def main():
    rng = np.random.default_rng(86)
    one_tree(rng)
    by_hand()
    vs_sklearn_exact(rng)
    memorize(rng)
    quality(rng)
    thresholds(rng)
    if FAIL:
        sys.exit("\n".join(FAIL))
    print("ok")


if __name__ == "__main__":
    main()
