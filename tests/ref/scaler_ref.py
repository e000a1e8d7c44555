#!/usr/bin/python3
"""scaler_ref.py - an independent numpy reference of Spark ML's MinMaxScaler and MaxAbsScaler in a
cross-validated pipeline, checked against a paratune result log.

Spark's rules, written out directly (nothing here shares code with the C library):

  minMaxScaler (params min 0, max 1): Emin, Emax = column min and max of the training rows;
        z = (x - Emin) / (Emax - Emin) * (max - min) + min, and a constant column
        (Emax == Emin) maps to 0.5 * (max + min) (scikit-learn's MinMaxScaler maps it to min
        instead, so it is not used here). Values outside the training range are not clipped.
  maxAbsScaler: z = x / max(|Emin|, |Emax|); a column whose max |x| is 0 is left as is.

The other stages and the predictors come from the references beside this file:
pipeline_ref.py (pca, linearRegression, the regression metrics) and logreg_ref.py
(standardScaler, logisticRegression, the classification metrics). Each stage is fit on the
training rows as transformed by the stages before it, as Spark's Pipeline does.

  scaler_ref.py LOG DATA [TOL]
LOG is paratune's result log of a sweep with --fold-col fold on DATA (a CSV with a label and
a fold column). Every param map's average metric must equal the reference's to TOL relative to
max(1, |reference|) (1e-6 by default); prints "ok N maps" or exits 1 naming the first map
that differs.

  scaler_ref.py --transform MODEL DATA
prints, as JSON, the rows of DATA (features only) transformed by the scaler stages of the
model file MODEL with their fitted state (original_min / original_max, max_abs), each stage
applied in turn to numpy arrays (pca and standardScaler from their stored state too).
"""
import importlib.util
import json
import os
import sys

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


PIPE = module("pipeline_ref")
LOGREG = module("logreg_ref")


def minmax_apply(X, emin, emax, lo, hi):
    rng = emax - emin
    Z = np.empty_like(X)
    for j in range(X.shape[1]):
        if rng[j] != 0:
            Z[:, j] = (X[:, j] - emin[j]) / rng[j] * (hi - lo) + lo
        else:
            Z[:, j] = 0.5 * (hi + lo)
    return Z


def maxabs_apply(X, maxabs):
    return X / np.where(maxabs == 0, 1.0, maxabs)


def fit_transformers(X, stages, pm):
    """The fitted transformers as functions, each fit on the output of those before it."""
    fns = []
    Z = X
    for st in stages:
        if st == "minMaxScaler":
            lo, hi = pm.get("minMaxScaler.min", 0.0), pm.get("minMaxScaler.max", 1.0)
            emin, emax = Z.min(axis=0), Z.max(axis=0)
            f = (lambda a, b, l, h: lambda U: minmax_apply(U, a, b, l, h))(emin, emax, lo, hi)
        elif st == "maxAbsScaler":
            m = np.maximum(np.abs(Z.min(axis=0)), np.abs(Z.max(axis=0)))
            f = (lambda m: lambda U: maxabs_apply(U, m))(m)
        elif st == "pca":
            V = PIPE.pca_fit(Z, int(pm["pca.k"]))
            f = (lambda V: lambda U: U @ V)(V)
        elif st == "standardScaler":
            S, c = LOGREG.scaler_fit(Z, bool(pm.get("standardScaler.withMean", False)))
            f = (lambda S, c: lambda U: U @ S + c)(S, c)
        else:
            sys.exit("scaler_ref: unknown stage %r" % st)
        fns.append(f)
        Z = f(Z)
    return fns, Z


def apply(fns, X):
    for f in fns:
        X = f(X)
    return X


def fold_metric(head, pm, Xtr, ytr, Xva, yva, K):
    stages = head["pipeline"]
    fns, Ztr = fit_transformers(Xtr, stages[:-1], pm)
    Zva = apply(fns, Xva)
    ev = head["evaluator"]
    if stages[-1] == "linearRegression":
        coef, b = PIPE.linreg_fit(Ztr, ytr, pm.get("linearRegression.regParam", 0.0),
                                  pm.get("linearRegression.fitIntercept", True),
                                  pm.get("linearRegression.standardization", True))
        return PIPE.metric(ev["metric"], Zva @ coef + b, yva)
    p = "logisticRegression."
    coef, b0, _, multi = LOGREG.logreg_fit(
        Ztr, ytr.astype(int), K, pm.get(p + "regParam", 0.0), pm.get(p + "elasticNetParam", 0.0),
        pm.get(p + "fitIntercept", True), pm.get(p + "standardization", True),
        pm.get(p + "family", "auto"))
    M = LOGREG.margins(Zva, coef, b0)
    if ev["name"] == "binary":
        score = M[:, 1] if multi else M[:, 0]
        return LOGREG.binary_metric(ev["metric"], score, yva.astype(float), 1000)
    P = LOGREG.probabilities(M, multi)
    pred = np.argmax(P, axis=1) if multi else (P[:, 1] > pm.get(p + "threshold", 0.5)).astype(int)
    return LOGREG.multiclass_metric(ev["metric"], pred, P, yva.astype(int))


def check_log(log, data, tol):
    recs = list(msgpack.Unpacker(open(log, "rb"), raw=False))
    head, summ = recs[0], [r for r in recs if r["record"] == "summary"][-1]
    X, y, fold = PIPE.load(data, head["data"]["label"], "fold")
    K = int(y.max()) + 1
    for i, pm in enumerate(head["param_maps"]):
        out = []
        for f in range(int(fold.max()) + 1):
            tr, va = fold != f, fold == f
            out.append(fold_metric(head, pm, X[tr], y[tr], X[va], y[va], K))
        want, got = float(np.mean(out)), summ["avg_metrics"][i]
        if not abs(got - want) <= tol * max(1.0, abs(want)):
            sys.exit("map %d %s: paratune %r, reference %r" % (i, pm, got, want))
    print("ok %d maps" % len(head["param_maps"]))


def transform(model, data):
    m = msgpack.unpackb(open(model, "rb").read(), raw=False)
    names = m["feature_names"]
    d = np.genfromtxt(data, delimiter=",", names=True)
    Z = np.column_stack([d[n] for n in names]).astype(float)
    for st in m["pipeline"]["stages"][:-1]:
        if st["name"] == "minMaxScaler":
            Z = minmax_apply(Z, np.array(st["original_min"]), np.array(st["original_max"]),
                             st["params"]["minMaxScaler.min"], st["params"]["minMaxScaler.max"])
        elif st["name"] == "maxAbsScaler":
            Z = maxabs_apply(Z, np.array(st["max_abs"]))
        elif st["name"] == "pca":
            Z = Z @ np.array(st["components"]).reshape(Z.shape[1], -1)
        elif st["name"] == "standardScaler":
            sd = np.array(st["std"])
            inv = np.where(sd > 0, 1.0 / np.where(sd > 0, sd, 1.0), 0.0) if st["with_std"] else 1.0
            Z = ((Z - np.array(st["mean"])) if st["with_mean"] else Z) * inv
    print(json.dumps(Z.tolist()))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--transform":
        transform(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (3, 4):
        check_log(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) == 4 else 1e-6)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
