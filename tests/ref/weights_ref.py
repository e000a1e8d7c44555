#!/usr/bin/python3
"""weights_ref.py - an independent reference of paratune's cross-validated metrics with row
weights (Spark's weightCol), from scikit-learn, scipy and numpy (nothing here shares code with
the C library).

Reads a CSV (any separator, quoted fields) with a header, a label column, an integer fold
column (fold ids 0..K-1) and a weight column; every other column not in --ignore is a
feature. For each fold it fits on the other folds and evaluates on that one, weighted:

  standardScaler (--scaler): Spark's StandardScaler takes no weights: z = x / s with s the
        UNWEIGHTED sample std of the training rows (withMean false; a zero std maps to 0).
  linearRegression (Spark's WeightedLeastSquares objective, with W = sum w and the weighted
        population stds s_j of the features and s_y of the label):
            1/(2W) sum_i w_i (sum_j b'_j (x_ij - mu_j)/s_j - (y_i - ybar)/s_y)^2
            + lambda [(1-a)/2 ||b'||^2 + a ||b'||_1],  lambda = regParam / s_y,
        which on the scaled features u_j = x_j / s_j with c_j = b_j s_j is
          reg 0:  sklearn LinearRegression(sample_weight=w);
          a = 0:  sklearn Ridge(alpha = regParam W / s_y) (Ridge sums w r^2, unnormalised);
          a > 0:  sklearn ElasticNet (which rescales w to sum to n, i.e. 1/(2W) sum w r^2)
                  with alpha * l1_ratio = regParam a, alpha (1 - l1_ratio) = regParam (1-a)/s_y.
        (standardization true, fitIntercept true.)
  logisticRegression: scipy L-BFGS on Spark's objective with weights,
            (1/W) sum_i w_i logloss_i + regParam/2 sum_kj (b_kj s_j)^2,
        s_j the weighted sample std sqrt(sum w (x - xbar_w)^2 / (W - sum w^2 / W)) (Spark's
        summarizer); binomial for 2 classes (logloss = log(1 + e^m) - y m), multinomial
        (softmax over all K classes) otherwise.
  evaluators, Spark 3.x with weights:
    regression (RegressionMetrics): mse = sum w e^2 / W, rmse, mae = sum w |e| / W,
        var = sum w (pred - ybar_w)^2 / W, r2 = 1 - sum w e^2 / SStot with
        SStot = variance(y) (W - 1), variance = sum w (y - ybar_w)^2 / (W - sum w^2 / W).
    binary (score = class-1 margin): weighted tp/fp counts per distinct score, descending,
        ROC (0,0),(fpr,tpr)...,(1,1); PR (0, first precision),(recall, precision)...;
        trapezoids. (numBins is not modelled: keep fewer than 2 numBins distinct scores.)
    multiclass (MulticlassMetrics): a weighted confusion matrix; f1, weightedPrecision,
        weightedRecall weighted by each label class's weight share; accuracy; logLoss =
        sum w (-log clip(p_y)) / W; hammingLoss = weight of the wrong rows / W.

Prints JSON {"avg": {metric: [the mean over folds, one per param map]}}, the param maps
being --reg (and --enet) taken in step.

  weights_ref.py --data f.csv --sep ';' --label label --fold-col fold --weight-col w \\
      --model linreg --reg 0,0.1 [--enet 0,0.5] [--scaler] [--no-standardization] \\
      [--ignore id] --evaluator regression --metric rmse,r2
"""
import argparse
import csv
import json
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp


def load(a):
    with open(a.data, newline="") as f:
        rows = list(csv.reader(f, delimiter=a.sep))
    header = [h.strip() for h in rows[0]]
    data = [r for r in rows[1:] if r and any(c.strip() for c in r)]
    role = [a.label, a.fold_col, a.weight_col]
    for name in role:
        if name not in header:
            sys.exit(f"weights_ref: {a.data}: no column {name!r}")
    skip = set(role) | set(a.ignore.split(",") if a.ignore else [])
    feat = [i for i, h in enumerate(header) if h not in skip]
    arr = lambda i: np.array([float(r[i]) for r in data])
    X = np.column_stack([arr(i) for i in feat])
    return (X, arr(header.index(a.label)), arr(header.index(a.fold_col)).astype(int),
            arr(header.index(a.weight_col)))


def wstats(X, w):
    W = w.sum()
    mu = w @ X / W
    return W, mu, np.sqrt(w @ (X - mu) ** 2 / W)


def linreg(X, y, w, reg, enet):
    from sklearn.linear_model import ElasticNet, LinearRegression, Ridge
    W, _, s = wstats(X, w)
    _, _, sy = wstats(y[:, None], w)
    sy = sy[0]
    if reg == 0:
        m = LinearRegression().fit(X, y, sample_weight=w)
        return m.coef_, m.intercept_
    act = s > 0
    U = X[:, act] / s[act]
    if enet == 0:
        m = Ridge(alpha=reg * W / sy, solver="cholesky").fit(U, y, sample_weight=w)
    else:
        l1, l2 = reg * enet, reg * (1 - enet) / sy
        m = ElasticNet(alpha=l1 + l2, l1_ratio=l1 / (l1 + l2), tol=1e-14, max_iter=1000000)
        m.fit(U, y, sample_weight=w)
    coef = np.zeros(X.shape[1])
    coef[act] = m.coef_ / s[act]
    return coef, m.intercept_


def logreg(X, y, w, reg, K, standardization=True):
    """Spark's penalty reg/2 sum (b_kj s_j)^2 (standardization) or reg/2 sum b_kj^2 (not):
    fit on X / s with the penalty on the scaled coefficients."""
    W = w.sum()
    s = np.sqrt(w @ (X - w @ X / W) ** 2 / (W - (w @ w) / W))
    act = s > 0
    pen = np.full(int(act.sum()), reg) if standardization else reg / s[act] ** 2
    B, icpt = logreg_pen(X[:, act] / s[act], y, w, pen, K)
    coef = np.zeros((B.shape[0], X.shape[1]))
    coef[:, act] = B / s[act]
    return coef, icpt


def reg_metric(name, pred, y, w):
    W = w.sum()
    e = y - pred
    ybar = w @ y / W
    if name == "mse":
        return w @ e ** 2 / W
    if name == "rmse":
        return np.sqrt(w @ e ** 2 / W)
    if name == "mae":
        return w @ np.abs(e) / W
    if name == "var":
        return w @ (pred - ybar) ** 2 / W
    if name == "r2":
        den = W - (w @ w) / W
        sstot = (w @ (y - ybar) ** 2 / den if den > 0 else 0.0) * (W - 1)
        return 1 - (w @ e ** 2) / sstot
    sys.exit(f"weights_ref: unknown metric {name}")


def bin_metric(name, score, y, w):
    order = np.argsort(-score, kind="stable")
    s, pos, neg = score[order], np.where(y[order] > 0.5, w[order], 0), np.where(y[order] > 0.5, 0, w[order])
    last = np.r_[s[1:] != s[:-1], True]
    tp, fp = np.cumsum(pos)[last], np.cumsum(neg)[last]
    P, N = pos.sum(), neg.sum()
    rec = tp / P if P > 0 else np.zeros_like(tp)
    if name == "areaUnderROC":
        x = np.r_[0, fp / N if N > 0 else np.zeros_like(fp), 1]
        yy = np.r_[0, rec, 1]
    else:
        prec = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 1.0)
        x, yy = np.r_[0, rec], np.r_[prec[0], prec]
    return float(np.sum(np.diff(x) * (yy[1:] + yy[:-1]) / 2))


def mc_metric(name, pred, prob, y, w, K):
    W = w.sum()
    yi, pi = y.astype(int), pred.astype(int)
    if name == "logLoss":
        p = np.clip(prob[np.arange(len(y)), yi], 1e-15, 1 - 1e-15)
        return w @ -np.log(p) / W
    C = np.zeros((K, K))
    np.add.at(C, (yi, pi), w)
    if name == "accuracy":
        return np.trace(C) / W
    if name == "hammingLoss":
        return (W - np.trace(C)) / W
    cnt, predicted, tp = C.sum(axis=1), C.sum(axis=0), np.diag(C)
    out = 0.0
    for k in range(K):
        if cnt[k] == 0:
            continue
        prec = tp[k] / predicted[k] if predicted[k] > 0 else 0.0
        rec = tp[k] / cnt[k]
        v = {"weightedPrecision": prec, "weightedRecall": rec,
             "f1": 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)}[name]
        out += v * cnt[k] / W
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--sep", default=",")
    ap.add_argument("--label", default="label")
    ap.add_argument("--fold-col", required=True)
    ap.add_argument("--weight-col", required=True)
    ap.add_argument("--ignore", default="")
    ap.add_argument("--model", choices=["linreg", "logreg"], required=True)
    ap.add_argument("--reg", default="0", help="regParam of each param map, comma separated")
    ap.add_argument("--enet", default="0", help="elasticNetParam, one or one per map")
    ap.add_argument("--scaler", action="store_true")
    ap.add_argument("--no-standardization", action="store_true")
    ap.add_argument("--evaluator", default="regression")
    ap.add_argument("--metric", default="rmse", help="metrics, comma separated")
    a = ap.parse_args()
    if a.no_standardization and a.model != "logreg":
        sys.exit("weights_ref: --no-standardization only with logreg")
    regs = [float(v) for v in a.reg.split(",")]
    enets = [float(v) for v in a.enet.split(",")]
    enets = enets * len(regs) if len(enets) == 1 else enets
    metrics = a.metric.split(",")
    X, y, fold, w = load(a)
    K = int(y.max()) + 1 if a.model == "logreg" else 0
    out = {m: [[] for _ in regs] for m in metrics}
    for f in range(int(fold.max()) + 1):
        tr, va = fold != f, fold == f
        Xtr, Xva = X[tr], X[va]
        if a.scaler:  # unweighted sample std, as Spark's StandardScaler
            sd = Xtr.std(axis=0, ddof=1)
            sc = np.where(sd > 0, 1 / np.where(sd > 0, sd, 1), 0.0)
            Xtr, Xva = Xtr * sc, Xva * sc
        for i, (reg, enet) in enumerate(zip(regs, enets)):
            for m, v in fold_metrics(a, K, Xtr, y[tr], w[tr], Xva, y[va], w[va], reg, enet,
                                     metrics):
                out[m][i].append(v)
    print(json.dumps({"avg": {m: [float(np.mean(v)) for v in out[m]] for m in metrics}}))


def fold_metrics(a, K, Xtr, ytr, wtr, Xva, yva, wva, reg, enet, metrics):
    """(metric, value) on the validation rows of the model fit on the training rows."""
    if a.model == "linreg":
        coef, icpt = linreg(Xtr, ytr, wtr, reg, enet)
        return [(m, reg_metric(m, Xva @ coef + icpt, yva, wva)) for m in metrics]
    coef, icpt = logreg(Xtr, ytr, wtr, reg, K, not a.no_standardization)
    M = Xva @ coef.T + icpt
    if M.shape[1] == 1:
        p1 = 1 / (1 + np.exp(-M[:, 0]))
        prob, score = np.column_stack([1 - p1, p1]), M[:, 0]
        pred = (p1 > 0.5).astype(float)
    else:
        prob = np.exp(M - logsumexp(M, axis=1)[:, None])
        score, pred = M[:, 1], np.argmax(prob, axis=1).astype(float)
    if a.evaluator == "binary":
        return [(m, bin_metric(m, score, yva, wva)) for m in metrics]
    return [(m, mc_metric(m, pred, prob, yva, wva, max(K, 2))) for m in metrics]


def logreg_pen(X, y, w, pen, K):
    """Minimises (1/W) sum w logloss + 1/2 sum_kj pen_j b_kj^2 (features centred on their
    weighted means, which moves only the intercept)."""
    W = w.sum()
    mu = w @ X / W
    Z = X - mu
    q, r = X.shape[1], (1 if K <= 2 else K)
    Y = np.eye(K)[y.astype(int)]

    def f(t):
        B, b0 = t[:r * q].reshape(r, q), t[r * q:]
        M = Z @ B.T + b0
        if r == 1:
            m = M[:, 0]
            loss = np.logaddexp(0, m) - y * m
            R = (1 / (1 + np.exp(-m)) - y)[:, None]
        else:
            lse = logsumexp(M, axis=1)
            loss = lse - np.sum(M * Y, axis=1)
            R = np.exp(M - lse[:, None]) - Y
        R = R * (w / W)[:, None]
        g = np.concatenate([(R.T @ Z + B * pen).ravel(), R.sum(axis=0)])
        return w @ loss / W + 0.5 * np.sum(B * B * pen), g

    res = minimize(f, np.zeros(r * q + r), jac=True, method="L-BFGS-B",
                   options={"maxiter": 100000, "ftol": 1e-15, "gtol": 1e-11})
    B, b0 = res.x[:r * q].reshape(r, q), res.x[r * q:]
    return B, b0 - B @ mu


if __name__ == "__main__":
    main()
