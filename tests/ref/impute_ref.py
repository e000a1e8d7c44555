"""impute_ref.py - Spark ML's Imputer surrogates written in numpy, for the e2e references:
mean; median the observed value of rank ceil(n/2) (Spark's approxQuantile, not numpy's average
of the two middle values); mode the most frequent value, the smallest of equals."""
import numpy as np


def surrogates(X, strategy):
    """The surrogate of each column of X (NaN: missing), or None when a column has no observed
    value (Spark: "surrogate cannot be computed")."""
    out = []
    for j in range(X.shape[1]):
        v = np.sort(X[~np.isnan(X[:, j]), j])
        if len(v) == 0:
            return None
        if strategy == "mean":
            out.append(v.mean())
        elif strategy == "median":
            out.append(v[(len(v) + 1) // 2 - 1])
        else:
            vals, counts = np.unique(v, return_counts=True)
            out.append(vals[np.argmax(counts)])  # argmax: the first (smallest) of equals
    return np.array(out)
