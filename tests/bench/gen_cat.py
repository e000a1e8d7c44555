#!/usr/bin/python3
"""gen_cat.py OUT [--rows N] [--missing FRACTION] [--seed S] - a tabular CSV for the
categorical benchmark (issue 13's figure): an id column, 10 numeric features x1..x10, three
string columns c1 (50 values), c2 (20 values), c3 (8 values, some with a comma, quoted), and
a numeric label that depends on all of them. With --missing, x1..x3 hold that fraction of
empty / NA fields (for the imputer)."""
import argparse
import csv

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--missing", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n = a.rows
    X = rng.normal(size=(n, 10))
    levels = [[f"firm_{i:02d}" for i in range(50)], [f"country {i}" for i in range(20)],
              [f"class {c}, grade" if c % 3 == 0 else f"class {c}" for c in range(8)]]
    cats, effect = [], np.zeros(n)
    for k, lv in enumerate(levels):
        p = rng.dirichlet(np.ones(len(lv)))
        idx = rng.choice(len(lv), size=n, p=p)
        eff = rng.normal(scale=1.0 + k, size=len(lv))
        effect += eff[idx]
        cats.append(np.array(lv, dtype=object)[idx])
    y = X @ rng.normal(size=10) + effect + rng.normal(scale=0.5, size=n)
    miss = rng.random((n, 3)) < a.missing
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id"] + [f"x{j + 1}" for j in range(10)] + ["c1", "c2", "c3", "label"])
        for i in range(n):
            nums = [("" if i % 2 else "NA") if j < 3 and miss[i, j] else f"{X[i, j]:.6f}"
                    for j in range(10)]
            w.writerow([f"r{i}"] + nums + [cats[0][i], cats[1][i], cats[2][i], f"{y[i]:.6f}"])


if __name__ == "__main__":
    main()
