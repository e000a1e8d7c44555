#!/usr/bin/python3
"""logreg_ref.py - an independent scipy reference of Spark ML's LogisticRegression and its evaluators.

Given a CSV with a header, a label column (integer classes 0..K-1) and an integer fold column
(fold ids 0..F-1, not a feature; every other column is a feature), it trains the pipeline on
all folds but one and evaluates on that one, for each fold, with Spark ML's semantics written
out directly in numpy/scipy (nothing here shares code with the C library):

  standardScaler: z = x / s (sample std, ddof 1; a zero std maps the feature to 0), minus the
        mean first with --with-mean (Spark's default is withMean=false).
  pca:  top-k eigenvectors of np.cov(X_train, rowvar=False) (ddof 1) as the columns of V;
        z = x @ V, NOT centred (Spark's PCAModel).
  logisticRegression: minimises, over coefficients b (r x q) and intercepts b0 (r),
        (1/n) sum_i logloss_i + reg [ (1-a)/2 sum_kj w2_j (b_kj s_j)^2 + a sum_kj w1_j |b_kj s_j| ]
        s_j the sample std of feature j; w2_j = w1_j = 1 (standardization) or w2_j = 1/s_j^2,
        w1_j = 1/s_j (--no-standardization). Binomial (r = 1, when K <= 2 for family auto):
        logloss = log(1 + e^m) - y m; multinomial (r = K): log sum_k e^{m_k} - m_y.
        Solved by scipy's L-BFGS-B in the scaled variables b' = b s (features centred when
        there is an intercept), the L1 part as a smooth bound-constrained problem
        b' = u - v, u, v >= 0, penalty a reg w1 (u + v). Constant features (zero std) get
        coefficient 0. Multinomial: coefficients centred across classes when reg = 0,
        intercepts centred. A constant label with an intercept: coefficients 0, intercept
        +inf for class 1 / -inf for class 0 (binomial), +inf for that class (multinomial).
  evaluators:
    binary (score = margin of class 1, label > 0.5 positive): areaUnderROC, areaUnderPR with
        Spark's BinaryClassificationMetrics: distinct scores descending, consecutive ones
        grouped in chunks of floor(#distinct / numBins) when that is >= 2 (numBins 0: none),
        ROC (0,0),(fpr,tpr)...,(1,1); PR (0, first precision),(recall, precision)...;
        trapezoid areas.
    multiclass (MulticlassMetrics): f1 (weighted F-measure), accuracy, weightedPrecision,
        weightedRecall (weights = label frequencies; precision of a never-predicted class 0),
        logLoss (probabilities clipped to [1e-15, 1 - 1e-15]), hammingLoss.

Prints JSON {"fold_metrics": [...], "avg": mean, "std": population std over folds}; with
--fit-all it fits once on every row and prints {"coef": [[...]], "intercept": [...],
"objective": F} instead (coefficients on the pipeline's output features).

  logreg_ref.py --data f.csv --label label --fold-col fold \\
      --pipeline standardScaler,logisticRegression --reg 0.01 --elastic-net 0.5 \\
      --evaluator binary --metric areaUnderROC [--num-bins 1000] [--family auto] \\
      [--threshold 0.5] [--no-intercept] [--no-standardization] [--with-mean] [--k 5]

Needs Debian's python3 (/usr/bin/python3 with python3-numpy and python3-scipy).
"""
import argparse
import csv
import json
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp


def load(path, label, fold_col):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip().strip('"') for h in rows[0]]
    data = [r for r in rows[1:] if r and any(c.strip() for c in r)]
    for name in [label] + ([fold_col] if fold_col else []):
        if name not in header:
            sys.exit(f"logreg_ref: {path}: no column {name!r}")
    li = header.index(label)
    fi = header.index(fold_col) if fold_col else -1
    feat = [i for i in range(len(header)) if i not in (li, fi)]
    arr = np.array([[float(c.strip().strip('"')) for c in r] for r in data], dtype=float)
    fold = arr[:, fi].astype(int) if fold_col else np.zeros(len(arr), dtype=int)
    y = arr[:, li]
    if np.any(y != np.round(y)) or np.any(y < 0):
        sys.exit(f"logreg_ref: {path}: labels must be integers >= 0")
    return arr[:, feat], y.astype(int), fold


def pca_fit(X, k):
    C = np.atleast_2d(np.cov(X, rowvar=False, ddof=1))
    w, Q = np.linalg.eigh(C)
    V = Q[:, np.argsort(w)[::-1][:k]].copy()
    for j in range(k):
        i = np.argmax(np.abs(V[:, j]))
        if V[i, j] < 0:
            V[:, j] = -V[:, j]
    return V


def scaler_fit(X, with_mean):
    """Returns (A, c) with z = x @ A + c (A diagonal)."""
    s = X.std(axis=0, ddof=1) if len(X) > 1 else np.zeros(X.shape[1])
    inv = np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), 0.0)
    c = -X.mean(axis=0) * inv if with_mean else np.zeros(X.shape[1])
    return np.diag(inv), c


def logreg_fit(Z, y, K, reg, alpha, fit_intercept, standardization, family):
    n, q = Z.shape
    multinomial = family == "multinomial" or (family == "auto" and K > 2)
    if family == "binomial" and K > 2:
        raise ValueError("binomial family with more than 2 classes")
    r = K if multinomial else 1
    counts = np.bincount(y, minlength=K).astype(float)
    if fit_intercept and np.count_nonzero(counts) == 1:
        cls = int(np.flatnonzero(counts)[0])
        b0 = np.zeros(r)
        if multinomial:
            b0[cls] = np.inf
        else:
            b0[0] = np.inf if cls == 1 else -np.inf
        return np.zeros((r, q)), b0, float("nan"), multinomial
    mu = Z.mean(axis=0)
    s = Z.std(axis=0, ddof=1) if n > 1 else np.zeros(q)
    act = np.ptp(Z, axis=0) > 0
    s = np.where(act, s, 0.0)
    inv = np.where(act, 1.0 / np.where(act, s, 1.0), 0.0)
    U = (Z - mu) * inv if fit_intercept else Z * inv
    w2 = np.where(act, 1.0 if standardization else inv ** 2, 0.0)
    w1 = np.where(act, 1.0 if standardization else inv, 0.0)
    l2 = reg * (1 - alpha) * w2          # per feature
    l1 = np.tile(reg * alpha * w1, r)   # per coefficient (class-major)
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    nb = r if fit_intercept else 0

    def smooth(theta):
        W = theta[:r * q].reshape(r, q)
        b = theta[r * q:] if fit_intercept else np.zeros(r)
        M = U @ W.T + b
        if multinomial:
            lse = logsumexp(M, axis=1)
            loss = np.mean(lse - M[np.arange(n), y])
            R = np.exp(M - lse[:, None]) - Y[:, :r]
        else:
            m = M[:, 0]
            loss = np.mean(np.logaddexp(0.0, m) - y * m)
            R = (0.5 * (1.0 + np.tanh(0.5 * m)) - y)[:, None]
        gW = R.T @ U / n + l2 * W
        f = loss + 0.5 * np.sum(l2 * W * W)
        g = np.concatenate([gW.ravel(), R.sum(axis=0) / n if fit_intercept else []])
        return f, g

    b_init = np.zeros(nb)
    if fit_intercept:
        if multinomial:
            lc = np.log1p(counts)
            b_init = lc - lc.mean()
        else:
            b_init = np.array([np.log(counts[1] / counts[0])])
    opts = {"maxiter": 100000, "maxfun": 1000000, "ftol": 1e-16, "gtol": 1e-11, "maxcor": 30}
    if alpha * reg > 0:
        # theta = [u (r q), v (r q), b], b' = u - v
        def fun(t):
            u, v, b = t[:r * q], t[r * q:2 * r * q], t[2 * r * q:]
            f, g = smooth(np.concatenate([u - v, b]))
            gw = g[:r * q]
            F = f + np.sum(l1 * (u + v))
            return F, np.concatenate([gw + l1, -gw + l1, g[r * q:]])
        x0 = np.concatenate([np.zeros(2 * r * q), b_init])
        bounds = [(0, None)] * (2 * r * q) + [(None, None)] * nb
        res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=opts)
        theta = np.concatenate([res.x[:r * q] - res.x[r * q:2 * r * q], res.x[2 * r * q:]])
        F = res.fun
    else:
        x0 = np.concatenate([np.zeros(r * q), b_init])
        res = minimize(smooth, x0, jac=True, method="L-BFGS-B", options=opts)
        theta, F = res.x, res.fun
    W = theta[:r * q].reshape(r, q)
    coef = W * inv
    b0 = theta[r * q:] - coef @ mu if fit_intercept else np.zeros(r)
    if multinomial and reg == 0:
        coef = coef - coef.mean(axis=0)
    if multinomial and fit_intercept:
        b0 = b0 - b0.mean()
    return coef, b0, float(F), multinomial


def margins(Z, coef, b0):
    with np.errstate(invalid="ignore"):
        return Z @ coef.T + b0


def probabilities(M, multinomial):
    if not multinomial:
        p1 = 1.0 / (1.0 + np.exp(-M[:, 0]))
        return np.column_stack([1.0 - p1, p1])
    P = np.zeros_like(M)
    for i, m in enumerate(M):
        mx = m.max()
        if mx == np.inf:
            P[i, int(np.argmax(m))] = 1.0
        else:
            e = np.exp(m - mx)
            P[i] = e / e.sum()
    return P


def binary_metric(name, score, label, num_bins):
    pos = (label > 0.5).astype(float)
    # distinct scores, descending, with their positive / negative counts
    order = np.argsort(-score, kind="stable")
    s, p = score[order], pos[order]
    keys, starts = np.unique(-s, return_index=True)
    bins = [(p[a:b].sum(), (1 - p[a:b]).sum())
            for a, b in zip(starts, list(starts[1:]) + [len(s)])]
    if num_bins > 0:
        grouping = len(bins) // num_bins
        if grouping >= 2:
            bins = [tuple(np.sum(bins[i:i + grouping], axis=0))
                    for i in range(0, len(bins), grouping)]
    P, N = pos.sum(), (1 - pos).sum()
    tp = fp = 0.0
    roc, pr = [(0.0, 0.0)], []
    for bp, bn in bins:
        tp, fp = tp + bp, fp + bn
        rec = tp / P if P > 0 else 0.0
        fpr = fp / N if N > 0 else 0.0
        prec = tp / (tp + fp) if tp + fp > 0 else 1.0
        roc.append((fpr, rec))
        pr.append((rec, prec))
    roc.append((1.0, 1.0))
    pr = [(0.0, pr[0][1])] + pr

    def area(c):
        return sum((x2 - x1) * (y1 + y2) / 2 for (x1, y1), (x2, y2) in zip(c, c[1:]))
    if name == "areaUnderROC":
        return area(roc)
    if name == "areaUnderPR":
        return area(pr)
    sys.exit(f"logreg_ref: unknown binary metric {name!r} (areaUnderROC, areaUnderPR)")


def multiclass_metric(name, pred, prob, label):
    n = len(label)
    if name == "logLoss":
        p = prob[np.arange(n), label]
        eps = 1e-15
        loss = np.where(p < eps, -np.log(eps), np.where(p > 1 - eps, -np.log1p(-eps), 0.0))
        mid = (p >= eps) & (p <= 1 - eps)
        loss[mid] = -np.log(p[mid])
        return float(loss.mean())
    if name == "hammingLoss":
        return float(np.mean(pred != label))
    if name == "accuracy":
        return float(np.mean(pred == label))
    tot = 0.0
    for c in np.unique(label):
        cnt = np.sum(label == c)
        tp = np.sum((label == c) & (pred == c))
        fp = np.sum((label != c) & (pred == c))
        prec = tp / (tp + fp) if tp + fp > 0 else 0.0
        rec = tp / cnt
        if name == "weightedPrecision":
            v = prec
        elif name == "weightedRecall":
            v = rec
        elif name == "f1":
            v = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
        else:
            sys.exit(f"logreg_ref: unknown multiclass metric {name!r}")
        tot += v * cnt / n
    return float(tot)


def transform_fit(X, a):
    """The fitted pre-classifier stages as (A, c): z = x @ A + c."""
    p = X.shape[1]
    A, c = np.eye(p), np.zeros(p)
    for st in a.pipeline.split(",")[:-1]:
        Z = X @ A + c
        if st == "pca":
            V = pca_fit(Z, a.k)
            A, c = A @ V, c @ V
        elif st == "standardScaler":
            S, c2 = scaler_fit(Z, a.with_mean)
            A, c = A @ S, c @ S + c2
        else:
            sys.exit(f"logreg_ref: unknown stage {st!r}")
    return A, c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--label", default="label")
    ap.add_argument("--fold-col", default=None)
    ap.add_argument("--pipeline", default="logisticRegression",
                    choices=["logisticRegression", "standardScaler,logisticRegression",
                             "pca,logisticRegression",
                             "standardScaler,pca,logisticRegression"])
    ap.add_argument("--k", type=int, default=None)
    ap.add_argument("--with-mean", action="store_true")
    ap.add_argument("--reg", type=float, default=0.0)
    ap.add_argument("--elastic-net", type=float, default=0.0)
    ap.add_argument("--family", default="auto", choices=["auto", "binomial", "multinomial"])
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--no-intercept", action="store_true")
    ap.add_argument("--no-standardization", action="store_true")
    ap.add_argument("--evaluator", default="binary", choices=["binary", "multiclass"])
    ap.add_argument("--metric", default=None)
    ap.add_argument("--num-bins", type=int, default=1000)
    ap.add_argument("--fit-all", action="store_true")
    a = ap.parse_args()

    X, y, fold = load(a.data, a.label, a.fold_col)
    if "pca" in a.pipeline and (a.k is None or not 1 <= a.k <= X.shape[1]):
        sys.exit("logreg_ref: --k must be in [1, number of features] with pca")
    K = int(y.max()) + 1
    fit_args = (a.reg, a.elastic_net, not a.no_intercept, not a.no_standardization, a.family)
    if a.fit_all:
        A, c = transform_fit(X, a)
        coef, b0, F, _ = logreg_fit(X @ A + c, y, K, *fit_args)
        print(json.dumps({"coef": coef.tolist(), "intercept": b0.tolist(), "objective": F}))
        return
    if a.fold_col is None:
        sys.exit("logreg_ref: --fold-col is required unless --fit-all")
    metric = a.metric or ("areaUnderROC" if a.evaluator == "binary" else "f1")
    out = []
    for f in range(int(fold.max()) + 1):
        tr, va = fold != f, fold == f
        if not tr.any() or not va.any():
            sys.exit(f"logreg_ref: fold {f} leaves an empty training or validation set")
        A, c = transform_fit(X[tr], a)
        coef, b0, _, multi = logreg_fit(X[tr] @ A + c, y[tr], K, *fit_args)
        M = margins(X[va] @ A + c, coef, b0)
        if a.evaluator == "binary":
            score = M[:, 1] if multi else M[:, 0]
            out.append(binary_metric(metric, score, y[va].astype(float), a.num_bins))
        else:
            P = probabilities(M, multi)
            pred = (np.argmax(P, axis=1) if multi
                    else (P[:, 1] > a.threshold).astype(int))
            out.append(multiclass_metric(metric, pred, P, y[va]))
    print(json.dumps({"fold_metrics": out, "avg": float(np.mean(out)),
                      "std": float(np.std(out))}))


if __name__ == "__main__":
    main()
