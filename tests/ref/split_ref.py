#!/usr/bin/python3
"""split_ref.py - independent Python port of paratune's documented fold assignment.

splitmix64 seeded with the seed; Fisher-Yates from the last position down, j = (r*(i+1))>>64;
k-fold: shuffled position i -> fold floor(i*k/n); tvs: the first round(ratio*n) (clamped to
[1, n-1]) shuffled positions train (block 0), the rest validate (block 1).
Used by the end-to-end tests to compute reference metrics without the C code.
"""
M64 = (1 << 64) - 1


def shuffle(n, seed):
    st = seed & M64
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        st = (st + 0x9E3779B97F4A7C15) & M64
        z = st
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        z ^= z >> 31
        j = (z * (i + 1)) >> 64
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def kfold(n, k, seed):
    fold = [0] * n
    for i, r in enumerate(shuffle(n, seed)):
        fold[r] = i * k // n
    return fold


def tvs(n, ratio, seed):
    # round half away from zero, like C's llround
    import math
    ntrain = int(math.floor(ratio * n + 0.5))
    ntrain = min(max(ntrain, 1), n - 1)
    fold = [0] * n
    for i, r in enumerate(shuffle(n, seed)):
        fold[r] = 0 if i < ntrain else 1
    return fold


def _class_order(label, seed):
    perm = shuffle(len(label), seed)
    return [r for c in sorted(set(label)) for r in perm if label[r] == c]


def kfold_strat(label, k, seed):
    fold = [0] * len(label)
    for i, r in enumerate(_class_order(label, seed)):
        fold[r] = i % k
    return fold


def tvs_strat(label, ratio, seed):
    import math
    fold = [0] * len(label)
    order = _class_order(label, seed)
    for c in sorted(set(label)):
        rows = [r for r in order if label[r] == c]
        nt = int(math.floor(ratio * len(rows) + 0.5))
        for i, r in enumerate(rows):
            fold[r] = 0 if i < nt else 1
    return fold
