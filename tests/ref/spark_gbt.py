#!/usr/bin/python3
"""spark_gbt.py - an independent numpy reference of Spark ML's gradient-boosted trees
(GBTClassifier, GBTRegressor), for the tests.

Written from ../shared/SEMANTICS-TREES.md section 3 and apache/spark's
ml/tree/impl/GradientBoostedTrees.scala (boost, computeInitialPredictionAndError,
updatePredictionError), mllib/tree/loss/{LogLoss,SquaredError,AbsoluteError}.scala and
ml/classification/GBTClassifier.scala. Every tree is tests/ref/spark_trees.py's variance
regression tree (its grow / finish, nothing of paratune's C code):

  - Binning (findSplits) once, on the training rows, with the metadata of a regression tree
    (numTrees 1, numClasses 0: categorical features are ordered by their mean).
  - The classifier maps the labels to y' = 2y - 1 (labels must be 0 / 1).
  - Tree 0 is fit to the (mapped) labels, weight 1; no constant init.
  - For m >= 1 the tree is fit to the pseudo-residuals r = -gradient(F_{m-1}, y):
      logistic 4y / (1 + exp(2yF)), squared 2(y - F), absolute -1 if y < F else +1,
    with the same bins and instance weights; F_m = F_{m-1} + stepSize * tree_m (F kept per
    training row, updated after every tree as Spark's updatePredictionError does).
  - Leaves are the weighted means of their targets (no line search, no Newton step).
  - Prediction: regressor F; classifier raw = [-F, F], p1 = 1 / (1 + exp(-2F)),
    prediction F > 0 (or argmax p_k / t_k with thresholds).
  - featureImportances: per tree gain * W of every internal node, summed over the trees
    without per-tree normalization and without tree weights, then normalized to sum 1.
  - Early stopping (validationIndicatorCol, GradientBoostedTrees.boost with validate): the
    rows whose indicator is true are left out of the training rows (the bins too) and are
    the validation rows; after tree m their error e_m = sum(w L(F, y)) / sum(w) (F their
    margins); best = e_0; for m >= 1 the boosting stops when best - e_m < validationTol *
    max(e_m, 0.01), else e_m < best makes best = e_m and bestM = m + 1; the model is the
    first bestM trees. A maxIter grid is fit run by run (no prefix shortcut).
No subsampling (subsamplingRate 1), every feature at every node (featureSubsetStrategy all,
GBT's default).

Command line (as spark_trees.py's):
  spark_gbt.py fit-predict --train a.csv --test b.csv --kind classifier|regressor \\
      [--loss logistic|squared|absolute] [--max-iter 20] [--step-size 0.1] [--max-depth 5] \\
      [--max-bins 32] [--min-instances 1] [--min-info-gain 0] [--min-weight-fraction 0] \\
      [--weight-col w] [--categorical c1,c2] [--thresholds 0.4,0.6]
      [--valid-col v --validation-tol 0.01]
    prints JSON {"prediction": [...], "margin": [...], "probability": [p1, ...] (classifier),
    "importances": [...], "features": [...], "trees": [{"nodes": N, "depth": D}, ...]}
  spark_gbt.py cv --data d.csv --fold-col fold --kind ... [--evaluator regression|binary|
      multiclass] [--metric M] [--num-bins 1000]   per-fold metrics as paratune's evaluators
      (the binary evaluator ranks by rawPrediction[1] = F)
  spark_gbt.py checklog --log L --data d.csv --fold-col fold [--tol 1e-9]
    every param map of a paratune log of [stringIndexer,]gbt{Classifier,Regressor} against cv,
    per (map, fold) and averages; maps that differ only in maxIter share one boosting run
    per fold, scored after each prefix (the reference's trees do not depend on maxIter).
  spark_gbt.py gap --data bc.csv --fold-col fold --max-depth 3 --step-size 0.1 --max-iter 50
    the classifier's areaUnderROC per variant against XGBoost hist (see gap; not Spark's
    algorithm but for the variants it names, to say where the quality gap comes from)
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spark_trees as st  # noqa: E402

LOSSES = ("logistic", "squared", "absolute")


def cexp(v):
    """exp of every element with the C library's exp (math.exp), not numpy's own vectorized
    one, which may differ in the last bit (a residual one ulp off moves later near-ties)."""
    return np.array([math.exp(t) for t in np.asarray(v, dtype=float).tolist()])


def residual(loss, y, F):
    """-gradient of Spark's loss at margins F (labels y; classifier labels in {-1, +1})."""
    if loss == "logistic":
        return 4.0 * y / (1.0 + cexp(2.0 * y * F))
    if loss == "squared":
        return 2.0 * (y - F)
    return np.where(y < F, -1.0, 1.0)


def loss_of(loss, y, F):
    """Spark's per-row error L(F, y)."""
    if loss == "logistic":
        return 2.0 * np.log1p(cexp(-2.0 * y * F))
    if loss == "squared":
        return (y - F) ** 2
    return np.abs(y - F)


def hessian(loss, y, F):
    """The loss's second derivative in F (logistic 8 p (1 - p), p = 1 / (1 + exp(-2F));
    squared 2; absolute: 1, no curvature), for gap's Newton leaves only."""
    if loss == "logistic":
        p = 1.0 / (1.0 + cexp(-2.0 * F))
        return 8.0 * p * (1.0 - p)
    return np.full(len(y), 2.0 if loss == "squared" else 1.0)


def newton_leaves(tree, X, w, r, h):
    """Sets every leaf of tree to sum(w r) / sum(w h) of the rows of X in it."""
    leaves = [tree.leaf(x) for x in X]
    for nd in set(leaves):
        idx = np.array([i for i, lf in enumerate(leaves) if lf is nd])
        nd.pred = float(np.sum(w[idx] * r[idx]) / np.sum(w[idx] * h[idx]))


class RegTree:
    """One fitted variance tree over a shared Meta (spark_trees' Node tree)."""

    def __init__(self, meta, root):
        self.meta, self.root = meta, root

    leaf = st.Tree.leaf
    shape = st.Tree.shape

    def predict(self, X):
        return np.array([self.leaf(x).pred for x in X])

    def importances(self, p):
        imp = np.zeros(p)

        def walk(nd):
            if nd.left is None:
                return
            imp[nd.feature] += nd.gain * nd.calc[0][0]
            walk(nd.left)
            walk(nd.right)
        walk(self.root)
        return imp


class GBT:
    """Spark's GBT fit on X (numeric features first, then p_num.. categorical indices of the
    given arities), labels y (0/1 for the classifier), weights w (None: 1)."""

    def __init__(self, X, y, w, p_num, arity, kind, loss, max_iter, step, prm, thresholds=None,
                 valid=None, tol=0.01, newton=False, first_weight=1.0):
        if kind == "classifier":
            if loss != "logistic":
                raise ValueError("a classifier's loss is logistic")
            if not np.all((y == 0) | (y == 1)):
                raise ValueError("GBTClassifier labels must be 0 or 1")
        elif loss not in ("squared", "absolute"):
            raise ValueError("a regressor's loss is squared or absolute")
        if max_iter < 1 or not 0 < step <= 1:
            raise ValueError("maxIter >= 1, stepSize in (0, 1]")
        X = np.asarray(X, dtype=float)
        w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
        self.kind, self.loss, self.step, self.thresholds = kind, loss, float(step), thresholds
        self.p = X.shape[1]
        prm = st.Params("regressor", "variance", prm.max_depth, prm.max_bins, prm.min_instances,
                        prm.min_info_gain, prm.min_weight_fraction)
        self.meta = st.Meta(X, w, p_num, arity, 0, prm)
        codes = self.meta.codes(X)
        yy = 2.0 * np.asarray(y, dtype=float) - 1.0 if kind == "classifier" else \
            np.asarray(y, dtype=float)
        rows = np.arange(len(y))
        self.trees, self.train_error, self.valid_error = [], [], []
        F = np.zeros(len(y))
        if valid is not None:  # (X, y, w) of the validation rows
            Xv, yv, wv = (np.asarray(valid[0], dtype=float), np.asarray(valid[1], dtype=float),
                          np.ones(len(valid[1])) if valid[2] is None else np.asarray(valid[2]))
            yv = 2.0 * yv - 1.0 if kind == "classifier" else yv
            Fv, best, best_m = np.zeros(len(yv)), None, 1
        for m in range(max_iter):
            target = yy if m == 0 else residual(loss, yy, F)
            root = st.grow(self.meta, "variance", codes, target, w, rows, None, 0)
            tree = RegTree(self.meta, st.finish(root, "variance"))
            if newton and m > 0:  # not Spark's (see gap): leaf = sum r / sum h of its rows
                newton_leaves(tree, X, w, target, hessian(loss, yy, F))
            self.trees.append(tree)
            tw = first_weight if m == 0 else self.step
            F = F + tw * tree.predict(X)
            self.train_error.append(float(np.sum(w * loss_of(loss, yy, F)) / np.sum(w)))
            if valid is None:
                continue
            Fv = Fv + tw * tree.predict(Xv)
            e = float(np.sum(wv * loss_of(loss, yv, Fv)) / np.sum(wv))
            self.valid_error.append(e)
            if m == 0:
                best = e
            elif best - e < tol * max(e, 0.01):
                break
            elif e < best:
                best, best_m = e, m + 1
        if valid is not None:
            self.trees = self.trees[:best_m]

        self.first_weight = first_weight

    def weights(self, m=None):
        m = len(self.trees) if m is None else m
        return [self.first_weight] + [self.step] * (m - 1)

    def margins_by_prefix(self, X, prefixes):
        """{m: F of the rows of X after the first m trees} for every m in prefixes."""
        X = np.asarray(X, dtype=float)
        out, F = {}, np.zeros(len(X))
        for m, tw in enumerate(self.weights(max(prefixes)), start=1):
            F = F + tw * self.trees[m - 1].predict(X)
            if m in prefixes:
                out[m] = F.copy()
        return out

    def outputs(self, F):
        """(prediction, p1 or None) of margins F."""
        if self.kind == "regressor":
            return F, None
        p1 = 1.0 / (1.0 + cexp(-2.0 * F))
        if self.thresholds:
            t0, t1 = self.thresholds
            s0 = np.where(t0 == 0, np.inf, (1.0 - p1) / (t0 if t0 else 1.0))
            s1 = np.where(t1 == 0, np.inf, p1 / (t1 if t1 else 1.0))
            return np.where(s1 > s0, 1.0, 0.0), p1
        return np.where(F > 0, 1.0, 0.0), p1

    def importances(self, m=None):
        imp = np.zeros(self.p)
        for t in self.trees[:m or len(self.trees)]:
            imp = imp + t.importances(self.p)
        s = imp.sum()
        if s != 0:
            imp = imp / s
        return imp


# ------------------------------------------------------------------ command line

def params_of(a):
    return st.Params("regressor", "variance", a.max_depth, a.max_bins, a.min_instances,
                     a.min_info_gain, a.min_weight_fraction)


def _loss(a):
    return a.loss or ("logistic" if a.kind == "classifier" else "squared")


def _thr(a):
    return [float(t) for t in a.thresholds.split(",")] if a.thresholds else None


def fit_predict(a):
    cats = a.categorical.split(",") if a.categorical else []
    ign = st._ign(a) + ([a.valid_col] if a.valid_col else [])
    X, C, y, _, w, names = st.read(a.train, a.label, cats, a.fold_col, a.weight_col, ign)
    Xt, Ct, _, _, _, _ = st.read(a.test, a.label, cats, a.fold_col, a.weight_col, ign)
    tcols, vcols, arity = [], [], []
    for col, colt in zip(C, Ct):
        lab = st.si_order(col, a.order)
        idx = {s: i for i, s in enumerate(lab)}
        tcols.append([idx[s] for s in col])
        arity.append(len(lab) + (1 if a.handle_invalid == "keep" else 0))
        vcols.append([idx.get(s, len(lab) if a.handle_invalid == "keep" else -1) for s in colt])
    Xa, valid = st.assemble(X, tcols), None
    if a.valid_col:  # the indicator's rows held out for the early stop
        v = read_indicator(a.train, a.valid_col)
        valid = (Xa[v], y[v], None if w is None else w[v])
        Xa, y, w = Xa[~v], y[~v], None if w is None else w[~v]
    g = GBT(Xa, y, w, X.shape[1], arity, a.kind, _loss(a), a.max_iter,
            a.step_size, params_of(a), _thr(a), valid=valid, tol=a.validation_tol)
    a.max_iter = len(g.trees)
    F = g.margins_by_prefix(st.assemble(Xt, vcols), {a.max_iter})[a.max_iter]
    pred, p1 = g.outputs(F)
    out = {"prediction": pred.tolist(), "margin": F.tolist(),
           "importances": g.importances().tolist(), "features": names + cats,
           "trees": [dict(zip(("nodes", "depth"), t.shape())) for t in g.trees],
           "train_error": g.train_error, "valid_error": g.valid_error}
    if p1 is not None:
        out["probability"] = p1.tolist()
    return out


def metric_of(a, g, F, y):
    import logreg_ref
    import pipeline_ref
    pred, p1 = g.outputs(F)
    if a.evaluator == "regression":
        return pipeline_ref.metric(a.metric or "rmse", pred, y)
    if a.evaluator == "binary":
        score = F if a.binary_score == "raw" else p1
        return logreg_ref.binary_metric(a.metric or "areaUnderROC", score, y, a.num_bins)
    prob = np.column_stack([1.0 - p1, p1])
    return logreg_ref.multiclass_metric(a.metric or "f1", pred.astype(int), prob, y.astype(int))


def cv(a):
    """Per-fold metrics of --data's fold column: {"fold_metrics", "avg", "std"}."""
    return cv_iters(a, [a.max_iter])[a.max_iter]


def cv_iters(a, iters):
    """Per-fold metrics for every maxIter in iters from one boosting run per fold to
    max(iters), scored after each prefix: {m: {"fold_metrics", "avg", "std"}}."""
    cats = a.categorical.split(",") if a.categorical else []
    vcol = getattr(a, "valid_col", None)
    X, C, y, fold, w, _ = st.read(a.data, a.label, cats, a.fold_col, a.weight_col,
                                  st._ign(a) + ([vcol] if vcol else []))
    ind = read_indicator(a.data, vcol) if vcol else None
    iters = sorted(set(iters))
    per = {m: [] for m in iters}
    a.kept = {m: [] for m in iters}
    for f in range(int(fold.max()) + 1):
        tr, va = np.nonzero(fold != f)[0], np.nonzero(fold == f)[0]
        tcols, vcols, arity = st._index_fold(C, tr, va, a)
        if vcols is None:
            for m in iters:
                per[m].append("failed")
            continue
        Xa, Xva = st.assemble(X[tr], tcols), st.assemble(X[va], vcols)
        if ind is None:
            g = GBT(Xa, y[tr], None if w is None else w[tr], X.shape[1], arity, a.kind,
                    _loss(a), max(iters), a.step_size, params_of(a), _thr(a))
            Fs = g.margins_by_prefix(Xva, set(iters))
            for m in iters:
                per[m].append(metric_of(a, g, Fs[m], y[va]))
                a.kept[m].append(m)
            continue
        t, v = ~ind[tr], ind[tr]  # the fold's training rows: fit on t, stop on v
        wt = None if w is None else w[tr]
        for m in iters:  # every maxIter on its own: Spark's rule, no prefix shortcut
            g = GBT(Xa[t], y[tr][t], None if wt is None else wt[t], X.shape[1], arity,
                    a.kind, _loss(a), m, a.step_size, params_of(a), _thr(a),
                    valid=(Xa[v], y[tr][v], None if wt is None else wt[v]),
                    tol=a.validation_tol)
            k = len(g.trees)
            per[m].append(metric_of(a, g, g.margins_by_prefix(Xva, {k})[k], y[va]))
            a.kept[m].append(k)
    res = {}
    for m, out in per.items():
        r = {"fold_metrics": out}
        ok = [v for v in out if v != "failed"]
        if len(ok) == len(out):
            r.update(avg=float(np.mean(ok)), std=float(np.std(ok)))
        r["kept"] = a.kept[m]
        res[m] = r
    return res


def read_indicator(path, col):
    """Column col of CSV path as booleans (true / false / 1 / 0, any case)."""
    import csv
    with open(path, newline="") as fh:
        rd = csv.reader(fh)
        j = next(rd).index(col)
        vals = [r[j].strip().lower() for r in rd if r]
    if any(v not in ("true", "false", "1", "0") for v in vals):
        sys.exit("%s: column %s is not boolean" % (path, col))
    return np.array([v in ("true", "1") for v in vals])


def gap(a):
    """Where Spark's GBT classifier's validation areaUnderROC stands against XGBoost hist
    (eta = 2 stepSize, lambda 0, base_score 0.5, the same depth, rounds and bins) on --data's
    folds, one of Spark's rules changed at a time: Newton leaves, tree 0 at weight stepSize."""
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score
    X, _, y, fold, _, _ = st.read(a.data, a.label, [], a.fold_col, None, st._ign(a))
    variants = {"spark": (False, 1.0), "newton_leaves": (True, 1.0),
                "tree0_at_stepSize": (False, a.step_size), "both": (True, a.step_size)}
    out = {k: [] for k in list(variants) + ["xgboost_hist"]}
    for f in range(int(fold.max()) + 1):
        tr, va = fold != f, fold == f
        for k, (nw, w0) in variants.items():
            g = GBT(X[tr], y[tr], None, X.shape[1], [], "classifier", "logistic", a.max_iter,
                    a.step_size, params_of(a), newton=nw, first_weight=w0)
            F = g.margins_by_prefix(X[va], {a.max_iter})[a.max_iter]
            out[k].append(float(roc_auc_score(y[va], F)))
        prm = dict(max_depth=a.max_depth, max_bin=a.max_bins, tree_method="hist", eta=2 * a.step_size,
                   reg_lambda=0.0, gamma=0.0, nthread=1, seed=0, objective="binary:logistic",
                   base_score=0.5, min_child_weight=0)
        bst = xgb.train(prm, xgb.DMatrix(X[tr], label=y[tr]), a.max_iter)
        out["xgboost_hist"].append(float(roc_auc_score(y[va], bst.predict(xgb.DMatrix(X[va])))))
    ref = float(np.mean(out["xgboost_hist"]))
    return {k: {"auc": float(np.mean(v)), "vs_xgboost_pct": 100 * (float(np.mean(v)) - ref) / ref,
                "folds": v} for k, v in out.items()}


STAGE_KIND = {"gbtClassifier": "classifier", "gbtRegressor": "regressor"}


def read_log(path):
    """(header, last summary, {(map, fold): result}) of a paratune log."""
    import msgpack
    head, summ, res = None, None, {}
    for r in msgpack.Unpacker(open(path, "rb"), raw=False, strict_map_key=False):
        if head is None:
            head = r
        elif r.get("record") == "summary":
            summ = r
        elif r.get("record") == "result":
            res[r["param_index"], r["fold"]] = r
    return head, summ, res


def checklog(a):
    head, summ, res = read_log(a.log)
    stage, ev = head["pipeline"][-1], head["evaluator"]
    kind = STAGE_KIND[stage]
    groups = {}
    for i, pm in enumerate(head["param_maps"]):
        if float(pm.get(stage + ".subsamplingRate", 1.0)) != 1.0 or \
                pm.get(stage + ".featureSubsetStrategy", "all") not in ("all", "1.0"):
            sys.exit("map %d %s: the reference has no subsampling" % (i, pm))
        key = tuple(sorted((k, str(v)) for k, v in pm.items() if k != stage + ".maxIter"))
        if pm.get(stage + ".validationIndicatorCol"):
            key = (i,)  # early stopping: every map its own fits
        groups.setdefault(key, []).append(i)
    worst, kept = 0.0, {}
    for idxs in groups.values():
        pm = head["param_maps"][idxs[0]]

        def p(name, d):
            return pm.get(stage + "." + name, d)
        ns = argparse.Namespace(
            data=a.data, label=head["data"]["label"], fold_col=a.fold_col,
            categorical=a.categorical, weight_col=a.weight_col, ignore=a.ignore, kind=kind,
            loss=p("lossType", None), max_iter=20, step_size=float(p("stepSize", 0.1)),
            max_depth=p("maxDepth", 5), max_bins=p("maxBins", 32),
            min_instances=p("minInstancesPerNode", 1), min_info_gain=p("minInfoGain", 0.0),
            min_weight_fraction=p("minWeightFractionPerNode", 0.0),
            thresholds=st._thresholds(p("thresholds", None)),
            order=pm.get("stringIndexer.stringOrderType", "frequencyDesc"),
            handle_invalid=pm.get("stringIndexer.handleInvalid", "error"),
            evaluator=ev["name"], metric=ev["metric"], num_bins=a.num_bins,
            binary_score=a.binary_score, valid_col=p("validationIndicatorCol", None) or None,
            validation_tol=float(p("validationTol", 0.01)))
        iters = [int(head["param_maps"][i].get(stage + ".maxIter", 20)) for i in idxs]
        allref = cv_iters(ns, iters)
        for i, m in zip(idxs, iters):
            ref = allref[m]
            kept[i] = ref["kept"]
            for f, v in enumerate(ref["fold_metrics"]):
                r = res.get((i, f))
                if r is None:
                    sys.exit("map %d fold %d: no result in the log" % (i, f))
                if v == "failed":
                    if r["status"] != "failed":
                        sys.exit("map %d fold %d: %s, the reference fails" % (i, f, r["status"]))
                    continue
                if r["status"] != "ok":
                    sys.exit("map %d %s fold %d: %s (%s)" % (i, head["param_maps"][i], f,
                                                             r["status"], r.get("error")))
                d = abs(r["metric"] - v)
                worst = max(worst, d)
                if d > a.tol * max(1.0, abs(v)):
                    sys.exit("map %d %s fold %d: metric %r, the reference %r" %
                             (i, head["param_maps"][i], f, r["metric"], v))
            if "avg" in ref and abs(summ["avg_metrics"][i] - ref["avg"]) > \
                    a.tol * max(1.0, abs(ref["avg"])):
                sys.exit("map %d: avg %r, the reference %r" % (i, summ["avg_metrics"][i],
                                                               ref["avg"]))
    return {"maps": len(head["param_maps"]), "max_abs_diff": worst, "kept": kept}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["fit-predict", "cv", "checklog", "gap"])
    for name in ("train", "test", "data", "log", "weight-col", "thresholds", "valid-col"):
        ap.add_argument("--" + name)
    text = {"label": "label", "fold-col": "fold", "categorical": "", "ignore": "",
            "order": "frequencyDesc", "metric": None}
    for name, default in text.items():
        ap.add_argument("--" + name, default=default)
    numbers = {"max-iter": (int, 20), "step-size": (float, 0.1), "max-depth": (int, 5),
               "max-bins": (int, 32), "min-instances": (int, 1), "min-info-gain": (float, 0.0),
               "min-weight-fraction": (float, 0.0), "num-bins": (int, 1000),
               "tol": (float, 1e-9), "validation-tol": (float, 0.01)}
    for name, (conv, default) in numbers.items():
        ap.add_argument("--" + name, type=conv, default=default)
    choices = {"kind": ("regressor", ["classifier", "regressor"]), "loss": (None, LOSSES),
               "handle-invalid": ("error", ["error", "keep"]),
               "evaluator": ("regression", ["regression", "binary", "multiclass"]),
               # the binary evaluator's score: rawPrediction[1] = F (Spark's) or P(1)
               "binary-score": ("raw", ["raw", "prob"])}
    for name, (default, allowed) in choices.items():
        ap.add_argument("--" + name, default=default, choices=allowed)
    a = ap.parse_args()
    print(json.dumps({"fit-predict": fit_predict, "cv": cv, "checklog": checklog,
                      "gap": gap}[a.mode](a)))


if __name__ == "__main__":
    main()
