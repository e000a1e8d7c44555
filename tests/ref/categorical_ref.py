#!/usr/bin/python3
"""categorical_ref.py - an independent numpy reference of paratune's cross-validated metrics
for stringIndexer[,oneHotEncoder],{linearRegression|logisticRegression} on categorical columns.

For end-to-end tests: a CSV with a header, a label column, an integer fold column (not a
feature), numeric feature columns and string columns named by --categorical. Per fold, with
Spark ML's semantics written out here (nothing shared with the C library):

  StringIndexer (per categorical column, fit on the training rows): the distinct strings of
    the training rows ordered by stringOrderType -- frequencyDesc: count descending,
    frequencyAsc: count ascending, equal counts by the string ascending (Spark's sortByFreq);
    alphabetDesc / alphabetAsc: the strings (Python's str order: code points, the same as
    byte order for UTF-8). A validation string not in the labels: handleInvalid error -> the
    fold fails ("failed" in fold_metrics, and no avg); keep -> index numLabels; skip -> the
    row is dropped (a row is dropped when any of its columns drops it; the metric is over the
    rows left, and a fold left with none fails). A missing categorical field (empty, NA, NaN,
    null in any case) is Spark's null: never a label, and invalid (error: the fold fails when
    its training or validation rows have one; keep: index numLabels; skip: the row is dropped,
    from the training rows too).
  OneHotEncoder (Spark's getConfigedCategorySizes): categorySize = numLabels (+1 under the
    indexer's keep, its "__unknown" value); vector length size-1 (dropLast, error), size
    (dropLast, keep; or no dropLast, error), size+1 (no dropLast, keep); slot = the index.
  The assembled vector: the numeric features in file order, then each categorical column's
    index (or its one-hot vector) in --categorical order -- as paratune lays them out.
  Imputer (--impute STRATEGY: the numeric columns may hold missing values, empty or NA / NaN /
    null in any case; Spark's Imputer fit on the training rows of the numeric columns only):
    the surrogate of a column is the mean, the median (the observed value of rank ceil(n/2))
    or the mode (the smallest of the most frequent) of its observed values; a fold whose
    training rows have a column without an observed value fails. Applied before the
    indexer's output is assembled (the order of imputer and stringIndexer does not matter).
  Then linearRegression (pipeline_ref.linreg_fit) or logisticRegression (logreg_ref).

  categorical_ref.py --data f.csv --label label --fold-col fold --categorical color,grp \\
      [--order frequencyDesc] [--si-invalid error|keep|skip] [--ohe] [--no-drop-last] \\
      [--ohe-invalid error|keep] [--model linreg|logreg] [--reg 0.1] [--metric rmse] \\
      [--impute mean|median|mode] \\
      [--evaluator binary|multiclass] [--label-strings]

--label-strings: the label is text, indexed on ALL rows by frequencyDesc (ties by the string
ascending), as paratune's classifier labels. Prints JSON {"fold_metrics", "avg", "std"}.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logreg_ref  # noqa: E402
import pipeline_ref  # noqa: E402
import weights_ref  # noqa: E402
from impute_ref import surrogates  # noqa: E402


def order(strings, how):
    counts = {}
    for s in strings:
        if s is not None:  # Spark's fit counts the non-null values
            counts[s] = counts.get(s, 0) + 1
    if how == "frequencyDesc":
        return sorted(counts, key=lambda s: (-counts[s], s))
    if how == "frequencyAsc":
        return sorted(counts, key=lambda s: (counts[s], s))
    if how == "alphabetDesc":
        return sorted(counts, reverse=True)
    return sorted(counts)


def encode(col_tr, col_va, a):
    """The indexer (+ encoder) fit on col_tr, applied to col_va: (n_va x w) or None (error)."""
    labels = order(col_tr, a.order)
    idx = {s: i for i, s in enumerate(labels)}
    n = len(labels)
    out = []
    for s in col_va:
        if s not in idx and a.si_invalid == "error":  # an unseen value or a null
            return None
        out.append(idx.get(s, -1 if a.si_invalid == "skip" else n))
    out = np.array(out, dtype=float)
    if not a.ohe:
        return out[:, None]  # skip: -1 marks a row to drop (dropped_rows)
    size = n + (1 if a.si_invalid == "keep" else 0)
    keep = a.ohe_invalid == "keep"
    if a.no_drop_last:
        w = size + 1 if keep else size
    else:
        w = size if keep else size - 1
    E = np.zeros((len(out), w))
    for r, i in enumerate(out.astype(int)):
        if i < 0:
            E[r, :] = -1.0  # skip: the row is dropped (dropped_rows)
        elif i < w:
            E[r, i] = 1.0
    return E


MISSING = {"", "na", "nan", "null"}


def num(v):
    return float("nan") if v.strip().lower() in MISSING else float(v)


def cat(v):
    """A categorical field: None (Spark's null) for a missing one, else its text."""
    return None if v.strip().lower() in MISSING else v


def dropped_rows(encoded):
    """Rows that a skipping indexer drops: marked -1 by encode in any column."""
    return np.any(np.hstack(encoded) < 0, axis=1)


def predict(a, X, C, y, cats, numc, header):
    """Refit on all rows (linreg), print the predictions of a.predict's rows as JSON."""
    with open(a.predict, newline="") as f:
        rows = list(csv.reader(f))
    h2 = rows[0]
    X2 = np.array([[num(r[h2.index(header[j])]) for j in numc] for r in rows[1:]])
    X2 = X2.reshape(len(rows) - 1, len(numc))
    if a.impute:
        s = surrogates(X, a.impute)
        X, X2 = np.where(np.isnan(X), s, X), np.where(np.isnan(X2), s, X2)
    Z, Z2 = [X], [X2]
    for name, col in zip(cats, C):
        Z.append(encode(col, col, a))
        e = encode(col, [cat(r[h2.index(name)]) for r in rows[1:]], a)
        if e is None:
            print(json.dumps({"error": name}))
            return
        Z2.append(e)
    coef, b0 = pipeline_ref.linreg_fit(np.hstack(Z), y, a.reg, True, True)
    drop = dropped_rows(Z2[1:]) if len(Z2) > 1 else np.zeros(len(rows) - 1, bool)
    kept = np.nonzero(~drop)[0]
    print(json.dumps({"predictions": (np.hstack(Z2)[kept] @ coef + b0).tolist(),
                      "kept_rows": kept.tolist()}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--label", default="label")
    ap.add_argument("--fold-col", required=True)
    ap.add_argument("--categorical", required=True)
    ap.add_argument("--order", default="frequencyDesc")
    ap.add_argument("--si-invalid", default="error", choices=["error", "keep", "skip"])
    ap.add_argument("--ohe", action="store_true")
    ap.add_argument("--no-drop-last", action="store_true")
    ap.add_argument("--ohe-invalid", default="error", choices=["error", "keep"])
    ap.add_argument("--model", default="linreg", choices=["linreg", "logreg"])
    ap.add_argument("--reg", type=float, default=0.0)
    ap.add_argument("--metric", default=None)
    ap.add_argument("--evaluator", default="binary", choices=["binary", "multiclass"])
    ap.add_argument("--label-strings", action="store_true")
    ap.add_argument("--impute", default=None, choices=["mean", "median", "mode"])
    ap.add_argument("--weight-col", default=None,
                    help="row weights (linreg): weights_ref's WeightedLeastSquares and "
                         "weighted metrics")
    ap.add_argument("--predict", default=None,
                    help="fit on every row of --data, print the predictions of this CSV's rows")
    a = ap.parse_args()

    with open(a.data, newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    cats = a.categorical.split(",")
    li, fi = header.index(a.label), header.index(a.fold_col)
    ci = [header.index(c) for c in cats]
    wi = header.index(a.weight_col) if a.weight_col else -1
    numc = [j for j in range(len(header)) if j not in (li, fi, wi) and j not in ci]
    w = np.array([float(r[wi]) for r in data]) if a.weight_col else None
    X = np.array([[num(r[j]) for j in numc] for r in data]).reshape(len(data), len(numc))
    C = [[cat(r[j]) for r in data] for j in ci]
    fold = np.array([int(r[fi]) for r in data])
    if a.label_strings:
        lab = order([r[li] for r in data], "frequencyDesc")
        y = np.array([lab.index(r[li]) for r in data])
    else:
        y = np.array([float(r[li]) for r in data])
    if a.predict:
        predict(a, X, C, y, cats, numc, header)
        return
    out = []
    for f in range(int(fold.max()) + 1):
        tr, va = np.nonzero(fold != f)[0], np.nonzero(fold == f)[0]
        Xtr, Xva = X[tr], X[va]
        if a.impute:
            s = surrogates(Xtr, a.impute)
            if s is None:
                out.append("failed")
                continue
            Xtr, Xva = np.where(np.isnan(Xtr), s, Xtr), np.where(np.isnan(Xva), s, Xva)
        Ztr, Zva, failed = [Xtr], [Xva], False
        for col in C:
            ctr = [col[i] for i in tr]
            etr, eva = encode(ctr, ctr, a), encode(ctr, [col[i] for i in va], a)
            if etr is None or eva is None:
                failed = True
                break
            Ztr.append(etr)
            Zva.append(eva)
        vkeep = ~dropped_rows(Zva[1:]) if len(Zva) > 1 else np.ones(len(va), bool)
        if failed or not vkeep.any():
            out.append("failed")
            continue
        tkeep = ~dropped_rows(Ztr[1:]) if len(Ztr) > 1 else np.ones(len(tr), bool)
        Ztr, Zva, va, tr = np.hstack(Ztr)[tkeep], np.hstack(Zva)[vkeep], va[vkeep], tr[tkeep]
        if a.model == "linreg" and w is not None:
            coef, b0 = weights_ref.linreg(Ztr, y[tr], w[tr], a.reg, 0.0)
            out.append(weights_ref.reg_metric(a.metric or "rmse", Zva @ coef + b0, y[va], w[va]))
            continue
        if a.model == "linreg":
            coef, b0 = pipeline_ref.linreg_fit(Ztr, y[tr], a.reg, True, True)
            out.append(pipeline_ref.metric(a.metric or "rmse", Zva @ coef + b0, y[va]))
            continue
        yt = y[tr].astype(int)
        K = int(y.max()) + 1
        coef, b0, _, multi = logreg_ref.logreg_fit(Ztr, yt, K, a.reg, 0.0, True, True, "auto")
        M = logreg_ref.margins(Zva, coef, b0)
        if a.evaluator == "binary":
            score = M[:, 1] if multi else M[:, 0]
            out.append(logreg_ref.binary_metric(a.metric or "areaUnderROC", score,
                                                y[va].astype(float), 1000))
        else:
            P = logreg_ref.probabilities(M, multi)
            pred = np.argmax(P, axis=1) if multi else (P[:, 1] > 0.5).astype(int)
            out.append(logreg_ref.multiclass_metric(a.metric or "f1", pred, P, y[va].astype(int)))
    ok = [m for m in out if m != "failed"]
    res = {"fold_metrics": out}
    if len(ok) == len(out):
        res.update(avg=float(np.mean(ok)), std=float(np.std(ok)))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
