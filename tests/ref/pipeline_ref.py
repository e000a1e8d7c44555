#!/usr/bin/python3
"""pipeline_ref.py - an independent numpy reference of paratune's cross-validated metrics.

For end-to-end tests: given a CSV with a header, a label column and an integer fold column
(fold ids 0..K-1, not a feature; every other column is a feature), it trains the pipeline on
all folds but one and evaluates on that one, for each fold, with Spark ML's semantics written
out directly in numpy (nothing here shares code with the C library):

  pca:  top-k eigenvectors of np.cov(X_train, rowvar=False) (ddof 1) as the columns of V;
        transform z = x @ V, NOT centred (Spark's PCAModel). Sign rule: the entry of largest
        magnitude of each column is positive (signs do not change linear-regression metrics).
  linearRegression (elasticNetParam 0, normal equations): population stds s_j, ybar, s_y;
        minimize 1/(2n) sum_i (sum_j b'_j (x_ij - mu_j)/s_j - (y_i - ybar)/s_y)^2
                 + lambda/2 sum_j w_j b'_j^2,  lambda = regParam / s_y,
        w_j = 1 (standardization) or 1/s_j^2; no centring without fitIntercept; constant
        features get coefficient 0; b_j = b'_j s_y / s_j, intercept = ybar - b . mu.
        Constant label: fitIntercept -> b = 0, intercept ybar; otherwise ybar = 0 -> all 0,
        regParam > 0 -> error (Spark refuses), else s_y := |ybar|.
        A numerically singular system (condition > 1e12) is solved as Spark's fallback
        converges: the solution nearest (b' = 0, scaled intercept = ybar/s_y).
  metrics (RegressionEvaluator): rmse, mse, r2, mae, var = sum (pred - ybar_val)^2 / n.

Prints JSON {"fold_metrics": [...], "avg": mean, "std": population std over folds}.

  pipeline_ref.py --data f.csv --label label --fold-col fold \\
      --pipeline pca,linearRegression --k 5 --reg 0.01 --metric rmse \\
      [--no-intercept] [--no-standardization]

Needs Debian's python3 (/usr/bin/python3 with python3-numpy).
"""
import argparse
import csv
import json
import sys

import numpy as np

RCOND = 1e-12


def load(path, label, fold_col):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip().strip('"') for h in rows[0]]
    data = [r for r in rows[1:] if r and any(c.strip() for c in r)]
    for name in (label, fold_col):
        if name not in header:
            sys.exit(f"pipeline_ref: {path}: no column {name!r}")
    li, fi = header.index(label), header.index(fold_col)
    feat = [i for i in range(len(header)) if i not in (li, fi)]
    arr = np.array([[float(c.strip().strip('"')) for c in r] for r in data], dtype=float)
    fold = arr[:, fi]
    if np.any(fold != np.round(fold)) or np.any(fold < 0):
        sys.exit(f"pipeline_ref: {path}: fold ids must be integers >= 0")
    return arr[:, feat], arr[:, li], fold.astype(int)


def pca_fit(X, k):
    C = np.atleast_2d(np.cov(X, rowvar=False, ddof=1))
    w, Q = np.linalg.eigh(C)
    V = Q[:, np.argsort(w)[::-1][:k]].copy()
    for j in range(k):
        i = np.argmax(np.abs(V[:, j]))
        if V[i, j] < 0:
            V[:, j] = -V[:, j]
    return V


def solve(A, r, m):
    """A b = r; when A is numerically singular, the solution nearest Spark's L-BFGS start:
    minimum |b|^2 + (m . b)^2 over the solutions (m None: minimum norm)."""
    w, Z = np.linalg.eigh(A)
    if w[0] > RCOND * w[-1]:
        return np.linalg.solve(A, r)
    keep = w > RCOND * max(w[-1], 0.0)
    b = Z[:, keep] @ ((Z[:, keep].T @ r) / w[keep])
    if m is not None and np.any(~keep):
        N = Z[:, ~keep]
        g = N.T @ m
        b = b - (m @ b) / (1.0 + g @ g) * (N @ g)
    return b


def linreg_fit(X, y, reg, fit_intercept, standardization):
    n, p = X.shape
    mu, s = X.mean(axis=0), X.std(axis=0)
    ybar, sy = y.mean(), y.std()
    coef = np.zeros(p)
    if np.ptp(y) == 0:
        if fit_intercept:
            return coef, ybar
        if ybar == 0:
            return coef, 0.0
        if reg > 0:
            raise ValueError("constant label without intercept cannot be regularized")
        sy = abs(ybar)
    act = np.ptp(X, axis=0) > 0  # exactly constant columns get 0, as Spark zeroes them
    if not np.any(act):
        return coef, (ybar if fit_intercept else 0.0)
    Xa, mua, sa = X[:, act], mu[act], s[act]
    if fit_intercept:
        U, v = (Xa - mua) / sa, (y - ybar) / sy
    else:
        U, v = Xa / sa, y / sy
    G, r = U.T @ U / n, U.T @ v / n
    lam = reg / sy
    pen = lam * (np.ones_like(sa) if standardization else 1.0 / sa**2)
    bs = solve(G + np.diag(pen), r, mua / sa if fit_intercept else None)
    coef[act] = bs * sy / sa
    return coef, (ybar - coef @ mu if fit_intercept else 0.0)


def metric(name, pred, y):
    n = len(y)
    err = y - pred
    ybar = y.mean()
    if name == "rmse":
        return float(np.sqrt(err @ err / n))
    if name == "mse":
        return float(err @ err / n)
    if name == "mae":
        return float(np.abs(err).sum() / n)
    if name == "r2":
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(1.0 - (err @ err) / np.sum((y - ybar) ** 2))
    if name == "var":
        return float(np.sum((pred - ybar) ** 2) / n)
    sys.exit(f"pipeline_ref: unknown metric {name!r} (rmse, mse, r2, mae, var)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--label", default="label")
    ap.add_argument("--fold-col", required=True)
    ap.add_argument("--pipeline", default="linearRegression",
                    choices=["linearRegression", "pca,linearRegression"])
    ap.add_argument("--k", type=int, default=None)
    ap.add_argument("--reg", type=float, default=0.0)
    ap.add_argument("--metric", default="rmse")
    ap.add_argument("--no-intercept", action="store_true")
    ap.add_argument("--no-standardization", action="store_true")
    a = ap.parse_args()

    X, y, fold = load(a.data, a.label, a.fold_col)
    use_pca = a.pipeline.startswith("pca")
    if use_pca and (a.k is None or not 1 <= a.k <= X.shape[1]):
        sys.exit("pipeline_ref: --k must be in [1, number of features] with pca")
    K = int(fold.max()) + 1
    out = []
    for f in range(K):
        tr, va = fold != f, fold == f
        if not tr.any() or not va.any():
            sys.exit(f"pipeline_ref: fold {f} leaves an empty training or validation set")
        Xtr, Xva = X[tr], X[va]
        if use_pca:
            V = pca_fit(Xtr, a.k)
            Xtr, Xva = Xtr @ V, Xva @ V
        coef, icpt = linreg_fit(Xtr, y[tr], a.reg, not a.no_intercept,
                                not a.no_standardization)
        out.append(metric(a.metric, Xva @ coef + icpt, y[va]))
    print(json.dumps({"fold_metrics": out, "avg": float(np.mean(out)),
                      "std": float(np.std(out))}))


if __name__ == "__main__":
    main()
