#!/usr/bin/python3
"""impcheck.py LOG DATA TOL [PREDICT_DATA PREDICTIONS] - every param map of a paratune log of
imputer,{linear|logistic}Regression against Spark's Imputer written in numpy (impute_fit
below), applied per fold of DATA's fold column "fold" and followed by tests/ref/pipeline_ref.py
(linear regression) or tests/ref/logreg_ref.py (logistic regression, binary areaUnderROC): a
fold whose training rows have a column without an observed value is a failed job in the log
(Spark: "surrogate cannot be computed"), and the average metric of a map without failures
agrees to TOL. With PREDICT_DATA and PREDICTIONS: the best map refit on every row predicts
PREDICT_DATA's rows (missing values imputed by the refit's surrogates) as paratune did."""
import csv
import math
import os
import sys

import msgpack
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import logreg_ref  # noqa: E402
import pipeline_ref  # noqa: E402
from impute_ref import surrogates as impute_fit  # noqa: E402

MISSING = {"", "na", "nan", "null"}


def read(path, with_label=True):
    rows = list(csv.reader(open(path, newline="")))
    head, body = rows[0], rows[1:]
    feats = [j for j, h in enumerate(head) if h not in ("label", "fold")]
    X = np.array([[math.nan if r[j].strip().lower() in MISSING else float(r[j]) for j in feats]
                  for r in body])
    y = np.array([float(r[head.index("label")]) for r in body]) if with_label else None
    fold = (np.array([int(r[head.index("fold")]) for r in body]) if "fold" in head else None)
    return X, y, fold


def impute(X, s):
    return np.where(np.isnan(X), s, X)


def fit_predict(pipe, pm, Xtr, ytr, Xva):
    last = pipe[-1]
    reg = float(pm.get(last + ".regParam", 0.0))
    if last == "linearRegression":
        coef, b0 = pipeline_ref.linreg_fit(Xtr, ytr, reg, True, True)
        return Xva @ coef + b0
    K = int(ytr.max()) + 1
    coef, b0, _, multi = logreg_ref.logreg_fit(Xtr, ytr.astype(int), K, reg, 0.0, True, True,
                                              "auto")
    return logreg_ref.margins(Xva, coef, b0)[:, 0]


def main():
    log, data, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    recs = list(msgpack.Unpacker(open(log, "rb"), raw=False, strict_map_key=False))
    head, summ = recs[0], recs[-1]
    results = [r for r in recs if r.get("record") == "result"]
    pipe = head["pipeline"]
    metric = head["evaluator"]["metric"]
    X, y, fold = read(data)
    for i, pm in enumerate(head["param_maps"]):
        strategy = pm.get("imputer.strategy", "mean")
        status = {r["fold"]: r["status"] for r in results if r["param_index"] == i}
        vals = []
        for f in range(int(fold.max()) + 1):
            tr, va = fold != f, fold == f
            s = impute_fit(X[tr], strategy)
            want = "failed" if s is None else "ok"
            if status.get(f) != want:
                sys.exit(f"map {i} {pm}: fold {f} is {status.get(f)}, the reference {want}")
            if s is None:
                continue
            score = fit_predict(pipe, pm, impute(X[tr], s), y[tr], impute(X[va], s))
            if pipe[-1] == "linearRegression":
                vals.append(pipeline_ref.metric(metric, score, y[va]))
            else:
                vals.append(logreg_ref.binary_metric(metric, score, y[va], 1000))
        if len(vals) == int(fold.max()) + 1:
            got, ref = summ["avg_metrics"][i], float(np.mean(vals))
            if abs(got - ref) > tol * max(1.0, abs(ref)):
                sys.exit(f"map {i} {pm}: avg {got!r}, the reference {ref!r}")
    if len(sys.argv) > 5:
        best = head["param_maps"][summ["best_index"]] if "best_index" in summ else None
        if best is None:
            sys.exit(f"no best_index in the summary: {sorted(summ)}")
        s = impute_fit(X, best.get("imputer.strategy", "mean"))
        Xp, _, _ = read(sys.argv[4], with_label=False)
        want = fit_predict(pipe, best, impute(X, s), y, impute(Xp, s))
        got = np.array([float(r[0]) for r in list(csv.reader(open(sys.argv[5])))[1:]])
        if pipe[-1] != "linearRegression":
            want = (want > 0).astype(float)
        if not np.allclose(got, want, rtol=tol, atol=tol):
            k = int(np.argmax(np.abs(got - want)))
            sys.exit(f"prediction {k}: {got[k]!r}, the reference {want[k]!r}")
    print("ok")


main()
