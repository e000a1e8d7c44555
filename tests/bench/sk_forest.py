#!/usr/bin/python3
"""sk_forest.py - the forest workload's data and its scikit-learn side (bench.py, workload e).

  sk_forest.py gen --out F --rows N --features P [--seed S]
      writes a binary classification CSV (sklearn's make_classification: a third of the
      features informative, a sixth redundant, 2% of the labels flipped; columns f0..f{P-1},
      label) for paratune and caches the array as F.npy for the fit below.
  sk_forest.py fit --csv F --folds K --seed S --depths 5,10 --trees 50,100 \\
      --strategies sqrt,onethird --n-jobs N
      GridSearchCV(RandomForestClassifier) over the same grid, data and folds as the paratune
      run: max_depth = maxDepth, n_estimators = numTrees, max_features = Spark's
      featureSubsetStrategy count (ceil rule: sqrt of 30 -> 6, onethird of 30 -> 10),
      bootstrap=True, min_samples_leaf=1 (minInstancesPerNode 1), gini; folds from
      tests/ref/split_ref.py (paratune's exact split) through PredefinedSplit; scoring
      roc_auc (paratune's binary evaluator, areaUnderROC); refit=True.
      Prints JSON: fit_seconds, best params and score, the mean score per map.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ref"))
import split_ref  # noqa: E402


def spark_features(strategy, p):
    """DecisionTreeMetadata's numFeaturesPerNode for the named strategies."""
    return {"sqrt": math.ceil(math.sqrt(p)), "onethird": math.ceil(p / 3.0),
            "log2": max(1, math.ceil(math.log2(p))), "all": p}[strategy]


def gen(a):
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=a.rows, n_features=a.features,
                               n_informative=max(2, a.features // 3),
                               n_redundant=a.features // 6, flip_y=0.02, class_sep=0.8,
                               random_state=a.seed)
    X = np.round(X, 5)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(["f%d" % j for j in range(a.features)] + ["label"]) + "\n")
        np.savetxt(f, np.column_stack([X, y]), fmt=["%.5f"] * a.features + ["%d"],
                   delimiter=",")
    np.save(a.out + ".npy", np.column_stack([X, y]))
    os.replace(tmp, a.out)


def fit(a):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, PredefinedSplit
    cache = a.csv + ".npy"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(a.csv):
        arr = np.load(cache)
    else:
        arr = np.loadtxt(a.csv, delimiter=",", skiprows=1, ndmin=2)
        np.save(cache, arr)
    X, y = np.ascontiguousarray(arr[:, :-1]), arr[:, -1]
    p = X.shape[1]
    strategies = a.strategies.split(",")
    grid = {"max_depth": [int(v) for v in a.depths.split(",")],
            "n_estimators": [int(v) for v in a.trees.split(",")],
            "max_features": [spark_features(s, p) for s in strategies]}
    folds = PredefinedSplit(np.array(split_ref.kfold(len(y), a.folds, a.seed)))
    gs = GridSearchCV(RandomForestClassifier(bootstrap=True, min_samples_leaf=1,
                                             criterion="gini", random_state=0),
                      grid, scoring="roc_auc", cv=folds, n_jobs=a.n_jobs, refit=True,
                      error_score="raise")
    t0 = time.perf_counter()
    gs.fit(X, y)
    fit_s = time.perf_counter() - t0
    res = gs.cv_results_
    names = dict(zip(grid["max_features"], strategies))
    print(json.dumps({
        "fit_seconds": fit_s, "n_jobs": a.n_jobs, "rows": len(y), "features": p,
        "best": {"maxDepth": gs.best_params_["max_depth"],
                 "numTrees": gs.best_params_["n_estimators"],
                 "featureSubsetStrategy": names[gs.best_params_["max_features"]]},
        "best_score": float(gs.best_score_),
        "maps": [[q["max_depth"], q["n_estimators"], names[q["max_features"]], float(v)]
                 for q, v in zip(res["params"], res["mean_test_score"])],
    }))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gen", "fit"])
    ap.add_argument("--out")
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--features", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--csv")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--depths", default="5,10")
    ap.add_argument("--trees", default="50,100")
    ap.add_argument("--strategies", default="sqrt,onethird")
    ap.add_argument("--n-jobs", type=int, default=2)
    a = ap.parse_args()
    gen(a) if a.mode == "gen" else fit(a)


if __name__ == "__main__":
    main()
