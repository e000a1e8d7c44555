#!/usr/bin/python3
"""sk_gridsearch.py - the scikit-learn side of the benchmark: GridSearchCV over the same
pipeline, grid, data and folds as a `paratune tune` run, with Spark's scaling.

  pca         -> PCA(n_components=k, svd_solver="full")  (exact, as paratune's eigensolver;
                 sklearn centres the projection, Spark does not: with an intercept and
                 standardization the predictions are the same)
  linearRegression -> StandardScaler() (population std, as Spark) + SparkRidge(regParam):
                 Ridge(alpha = n_train * regParam / sigma_y) on the standardized features,
                 sigma_y the population std of the training label (Spark's
                 WeightedLeastSquares with standardization, elasticNetParam 0).
  folds       -> PredefinedSplit from tests/ref/split_ref.py (paratune's exact split), so
                 both tools see the same training and validation rows.
  scoring     -> neg_root_mean_squared_error; refit=True (Spark and paratune refit too).

Prints one JSON object: fit_seconds (GridSearchCV.fit only), load_seconds, the best params,
mean rmse per param map (to cross-check paratune), n_jobs, and the BLAS kernel that numpy
uses (threadpoolctl). The CSV is parsed once and cached as FILE.npy next to it.

  sk_gridsearch.py --csv F --validator cv|tvs [--folds K] [--train-ratio R] --seed S
                   [--k 15,20] --reg 0.001,0.01 --n-jobs N [--max-maps M]
"""
import argparse
import json
import os
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ref"))
import split_ref  # noqa: E402

from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, PredefinedSplit  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


class SparkRidge(BaseEstimator, RegressorMixin):
    """Ridge with Spark's regParam scaling: alpha = n * regParam / sigma_y (population std of
    the training label), to be used after a StandardScaler."""

    def __init__(self, regParam=0.0):
        self.regParam = regParam

    def fit(self, X, y):
        sy = float(np.std(y))
        alpha = len(y) * self.regParam / sy if sy > 0 else 0.0
        self.ridge_ = Ridge(alpha=alpha, solver="cholesky").fit(X, y)
        return self

    def predict(self, X):
        return self.ridge_.predict(X)


def load(path):
    cache = path + ".npy"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(path):
        arr = np.load(cache)
    else:
        arr = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
        tmp = cache + ".tmp.%d.npy" % os.getpid()
        np.save(tmp, arr)
        os.replace(tmp, cache)
    with open(path) as f:
        header = f.readline().strip().split(",")
    li = header.index("label")
    feat = [i for i in range(arr.shape[1]) if i != li]
    return np.ascontiguousarray(arr[:, feat]), np.ascontiguousarray(arr[:, li])


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return [{k: d.get(k) for k in ("internal_api", "architecture", "num_threads", "version",
                                       "filepath")} for d in threadpool_info()]
    except Exception as e:  # threadpoolctl missing
        return [{"error": repr(e)}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--validator", choices=("cv", "tvs"), required=True)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--train-ratio", type=float, default=0.75)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", default="")
    ap.add_argument("--reg", required=True)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--max-maps", type=int, default=0,
                    help="keep only the first M regParam values (dispatch workload)")
    a = ap.parse_args()

    t0 = time.perf_counter()
    X, y = load(a.csv)
    n = len(y)
    if a.validator == "cv":
        test_fold = np.array(split_ref.kfold(n, a.folds, a.seed))
    else:
        # block 0 trains (-1: never a test set), block 1 validates
        test_fold = np.array([-1 if b == 0 else 0 for b in split_ref.tvs(n, a.train_ratio,
                                                                         a.seed)])
    load_s = time.perf_counter() - t0

    regs = [float(v) for v in a.reg.split(",")]
    if a.max_maps > 0:
        regs = regs[:a.max_maps]
    steps, grid = [], {}
    if a.k:
        steps.append(("pca", PCA(svd_solver="full")))
        grid["pca__n_components"] = [int(v) for v in a.k.split(",")]
    steps += [("scaler", StandardScaler()), ("lr", SparkRidge())]
    grid["lr__regParam"] = regs
    gs = GridSearchCV(Pipeline(steps), grid, scoring="neg_root_mean_squared_error",
                      cv=PredefinedSplit(test_fold), n_jobs=a.n_jobs, refit=True,
                      error_score="raise")
    t1 = time.perf_counter()
    gs.fit(X, y)
    fit_s = time.perf_counter() - t1
    res = gs.cv_results_
    print(json.dumps({
        "fit_seconds": fit_s,
        "load_seconds": load_s,
        "import_seconds": t0 - T_START,
        "n_jobs": a.n_jobs,
        "rows": n,
        "features": X.shape[1],
        "n_maps": len(res["params"]),
        "n_splits": gs.n_splits_,
        "best": {"k": gs.best_params_.get("pca__n_components"),
                 "reg": gs.best_params_["lr__regParam"]},
        # [k or null, regParam, mean rmse over folds] per param map (sklearn's order)
        "maps": [[p.get("pca__n_components"), p["lr__regParam"], float(-v)]
                 for p, v in zip(res["params"], res["mean_test_score"])],
        "blas": blas_info(),
    }))


if __name__ == "__main__":
    main()
