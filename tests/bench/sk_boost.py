#!/usr/bin/python3
"""sk_boost.py - the boosting workload's other side (bench.py, workload f): GridSearchCV of
XGBoost's `hist` method or scikit-learn's HistGradientBoostingClassifier over the grid of the
paratune run (data: sk_forest.py gen).

  sk_boost.py fit --csv F --model xgb|hgb --folds K --seed S --depths 3,5,7 \\
      --steps 0.05,0.1,0.2 --iters 50,100,200 --bins 32 --n-jobs N
      max_depth = maxDepth, rounds (n_estimators / max_iter) = maxIter, bins = maxBins,
      learning rate = 2 x stepSize: Spark's classifier margin F is half the logit (p = s(2F)),
      its residual 4(y - p), so a round moves the logit by 8 stepSize mean(y - p), and a
      Newton leaf sum(y - p) / sum p(1 - p) is 4 mean(y - p) near p = 1/2. No L2 on the leaves
      (reg_lambda / l2_regularization 0), min_child_weight 0 / min_samples_leaf 1
      (minInstancesPerNode 1), depth-wise trees (HistGradientBoosting: max_leaf_nodes None),
      no early stopping, one thread per fit (XGBoost n_jobs 1; HistGradientBoosting through
      OMP_NUM_THREADS=1, which bench.py sets). Folds: tests/ref/split_ref.py (paratune's split)
      through PredefinedSplit; scoring roc_auc; refit=True.
      Prints JSON: fit_seconds, best params (Spark's names) and score, the mean score per map.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ref"))
import split_ref  # noqa: E402


def load(csv):
    cache = csv + ".npy"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(csv):
        arr = np.load(cache)
    else:
        arr = np.loadtxt(csv, delimiter=",", skiprows=1, ndmin=2)
        np.save(cache, arr)
    return np.ascontiguousarray(arr[:, :-1]), arr[:, -1]


def estimator(model, bins):
    """(estimator, names of its depth / learning rate / rounds params)."""
    if model == "xgb":
        import xgboost as xgb
        est = xgb.XGBClassifier(tree_method="hist", max_bin=bins, reg_lambda=0.0,
                                min_child_weight=0, objective="binary:logistic",
                                base_score=0.5, n_jobs=1, random_state=0)
        return est, ("max_depth", "learning_rate", "n_estimators")
    from sklearn.ensemble import HistGradientBoostingClassifier
    est = HistGradientBoostingClassifier(max_bins=bins, max_leaf_nodes=None,
                                         min_samples_leaf=1, l2_regularization=0.0,
                                         early_stopping=False, random_state=0)
    return est, ("max_depth", "learning_rate", "max_iter")


def fit(a):
    from sklearn.model_selection import GridSearchCV, PredefinedSplit
    X, y = load(a.csv)
    est, (kd, kl, kr) = estimator(a.model, a.bins)
    steps = [float(v) for v in a.steps.split(",")]
    grid = {kd: [int(v) for v in a.depths.split(",")], kl: [2 * s for s in steps],
            kr: [int(v) for v in a.iters.split(",")]}
    folds = PredefinedSplit(np.array(split_ref.kfold(len(y), a.folds, a.seed)))
    gs = GridSearchCV(est, grid, scoring="roc_auc", cv=folds, n_jobs=a.n_jobs, refit=True,
                      error_score="raise")
    t0 = time.perf_counter()
    gs.fit(X, y)
    fit_s = time.perf_counter() - t0

    def spark(q):
        return {"maxDepth": q[kd], "stepSize": q[kl] / 2, "maxIter": q[kr]}
    res = gs.cv_results_
    print(json.dumps({
        "fit_seconds": fit_s, "model": a.model, "n_jobs": a.n_jobs, "rows": len(y),
        "features": X.shape[1], "best": spark(gs.best_params_),
        "best_score": float(gs.best_score_),
        "maps": [[spark(q), float(v)] for q, v in zip(res["params"], res["mean_test_score"])],
    }))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["fit"])
    ap.add_argument("--csv", required=True)
    ap.add_argument("--model", choices=["xgb", "hgb"], required=True)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--depths", default="3,5,7")
    ap.add_argument("--steps", default="0.05,0.1,0.2")
    ap.add_argument("--iters", default="50,100,200")
    ap.add_argument("--bins", type=int, default=32)
    ap.add_argument("--n-jobs", type=int, default=2)
    fit(ap.parse_args())


if __name__ == "__main__":
    main()
