#!/usr/bin/python3
"""addfold.py IN OUT MODE N SEED - copies a CSV adding an integer "fold" column holding
paratune's documented split (tests/ref/split_ref.py): MODE kfold (N folds) or tvs (N = ratio).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import split_ref  # noqa: E402

src, dst, mode, n, seed = sys.argv[1:6]
lines = open(src).read().splitlines()
rows = len(lines) - 1
fold = (split_ref.kfold(rows, int(n), int(seed)) if mode == "kfold"
        else split_ref.tvs(rows, float(n), int(seed)))
with open(dst, "w") as f:
    f.write(lines[0] + ",fold\n")
    for line, k in zip(lines[1:], fold):
        f.write("%s,%d\n" % (line, k))
