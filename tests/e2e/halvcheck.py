#!/usr/bin/python3
"""halvcheck.py - independent checks of paratune's successive halving (--search halving).

  halvcheck.py schedule LOG:NCAND:ROWS:FOLDS:FACTOR:MINRES:VALIDATOR ...
      each log's rungs (maps and resource per rung, from the summary and the results) equal
      scikit-learn's HalvingGridSearchCV n_candidates_ / n_resources_ for the same number of
      candidates, rows, splits (KFold(FOLDS), or one ShuffleSplit for tvs), factor and
      min_resources (an integer or exhaust), fitted on the same rows with a Ridge grid (an
      optional 8th field MAXR: the resource is a param, sklearn's resource='max_iter' with
      max_resources MAXR);
      and every rung keeps the best ceil(n / factor) maps of the rung before by mean metric.
  halvcheck.py rungs LOG DATA FOLDS SEED
      every result (rung, map, fold) equals a numpy reference (tests/ref/pipeline_ref.py:
      pca + Spark's linear regression) fitted on the documented prefix of each fold block
      (README, Successive halving) to 1e-9; the summary's best is the last rung's best mean.
  halvcheck.py final HALVING_LOG FULL_LOG
      the last rung used every row: its maps' averages equal the full grid sweep's (1e-12)
      and the best map is the full sweep's best among those maps.
  halvcheck.py param HALVING_LOG GRID_LOG KEY
      --resource maxIter / numTrees: each result equals the grid sweep's (KEY an axis there)
      of the same map with KEY at the result's resource, to 1e-12; the kept maps as above.
  halvcheck.py cut LOG N OUT
      OUT := LOG's header and first N results (a sweep killed there).
  halvcheck.py resume INTERRUPTED_THEN_RESUMED_LOG WHOLE_LOG
      the resumed log's last summary equals the whole run's and no (rung, map, fold) job has
      two results.
"""
import math
import os
import sys
import warnings

import msgpack
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import pipeline_ref  # noqa: E402
import split_ref  # noqa: E402


def records(path):
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))


def summary(recs):
    s = [r for r in recs if r["record"] == "summary"]
    if not s:
        sys.exit("no summary")
    return s[-1]


def results(recs):
    return [r for r in recs if r["record"] == "result"]


def rung_means(recs):
    """{(rung, map): mean over folds} of the ok results (the last result of a job counts)."""
    cells = {}
    for r in results(recs):
        cells[(r["rung"], r["param_index"], r["fold"])] = r["metric"]
    by = {}
    for (g, m, f), v in cells.items():
        by.setdefault((g, m), []).append(v)
    return {k: sum(v) / len(v) for k, v in by.items()}


def check_kept(recs, factor):
    """Every rung's maps are the best ceil(n / factor) of the rung before (ties: lower index)."""
    hdr, s = recs[0], summary(recs)
    larger = hdr["evaluator"]["larger_is_better"]
    means = rung_means(recs)
    rungs = s["rungs"]
    for g in range(1, len(rungs)):
        prev = rungs[g - 1]["maps"]
        key = lambda m: ((-1 if larger else 1) * means[(g - 1, m)], m)
        want = sorted(sorted(prev, key=key)[: math.ceil(len(prev) / factor)])
        if rungs[g]["maps"] != want:
            sys.exit("rung %d keeps %r, want %r" % (g, rungs[g]["maps"], want))
        ran = sorted({m for (gg, m) in means if gg == g})
        if ran != want:
            sys.exit("rung %d ran maps %r, want %r" % (g, ran, want))


def sklearn_schedule(ncand, rows, folds, factor, minres, validator, maxr=None):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import HalvingGridSearchCV, KFold, ShuffleSplit
    rng = np.random.RandomState(0)
    X = rng.normal(size=(rows, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=rows)
    cv = KFold(folds) if validator == "cv" else ShuffleSplit(1, test_size=0.2, random_state=0)
    grid = {"alpha": [10.0 ** (i / 7.0 - 3) for i in range(ncand)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = {} if maxr is None else {"resource": "max_iter", "max_resources": maxr}
        h = HalvingGridSearchCV(Ridge(solver="sag"), grid, factor=factor, cv=cv, refit=False,
                                min_resources=minres if minres == "exhaust" else int(minres),
                                random_state=0, **kw).fit(X, y)
    return list(h.n_candidates_), list(h.n_resources_)


def cmd_schedule(specs):
    for spec in specs:
        log, ncand, rows, folds, factor, minres, validator, *maxr = spec.split(":")
        recs = records(log)
        s = summary(recs)
        got_c = [len(r["maps"]) for r in s["rungs"]]
        got_r = [r["resource"] for r in s["rungs"]]
        want_c, want_r = sklearn_schedule(int(ncand), int(rows), int(folds), int(factor),
                                          minres, validator, int(maxr[0]) if maxr else None)
        if (got_c, got_r) != (want_c, want_r):
            sys.exit("%s: rungs %r x %r, sklearn %r x %r" % (spec, got_c, got_r, want_c, want_r))
        for r in results(recs):
            if r["resource"] != got_r[r["rung"]]:
                sys.exit("%s: a result of rung %d with resource %r" % (spec, r["rung"],
                                                                        r["resource"]))
        if len(results(recs)) != sum(got_c) * (int(folds) if validator == "cv" else 1):
            sys.exit("%s: %d results" % (spec, len(results(recs))))
        check_kept(recs, int(factor))


def block_rows(R, n):
    """The documented division of R rows among fold blocks of sizes n."""
    N = sum(n)
    if R >= N:
        return list(n)
    out = [R * nb // N for nb in n]
    left, b = R - sum(out), 0
    while left > 0:
        if out[b] < n[b]:
            out[b] += 1
            left -= 1
        b = (b + 1) % len(n)
    return out


def cmd_rungs(log, data, folds, seed):
    import csv
    recs = records(log)
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    arr = np.array([[float(c) for c in r] for r in rows[1:]])
    li = header.index("label")
    X, y = np.delete(arr, li, axis=1), arr[:, li]
    folds, seed = int(folds), int(seed)
    fold = split_ref.kfold(len(y), folds, seed)
    blocks = [[i for i in range(len(y)) if fold[i] == b] for b in range(folds)]
    cache = {}
    worst = 0.0
    for r in results(recs):
        if r["status"] != "ok":
            sys.exit("a failed job: %r" % r)
        pr = block_rows(r["resource"], [len(b) for b in blocks])
        take = [blocks[b][: pr[b]] for b in range(folds)]
        tr = sorted(i for b in range(folds) if b != r["fold"] for i in take[b])
        va = take[r["fold"]]
        k, reg = r["params"]["pca.k"], r["params"]["linearRegression.regParam"]
        key = (r["resource"], r["fold"], k)
        if key not in cache:
            cache[key] = pipeline_ref.pca_fit(X[tr], k)
        V = cache[key]
        coef, icpt = pipeline_ref.linreg_fit(X[tr] @ V, y[tr], reg, True, True)
        want = pipeline_ref.metric("rmse", X[va] @ V @ coef + icpt, y[va])
        d = abs(r["metric"] - want) / max(1.0, abs(want))
        worst = max(worst, d)
        if d > 1e-9:
            sys.exit("rung %d map %d fold %d: %.17g, numpy %.17g" % (r["rung"], r["param_index"],
                                                                     r["fold"], r["metric"], want))
    s = summary(recs)
    last = len(s["rungs"]) - 1
    means = rung_means(recs)
    best = min(s["rungs"][last]["maps"], key=lambda m: (means[(last, m)], m))
    if s["best_index"] != best:
        sys.exit("best %r, want the last rung's best %r" % (s["best_index"], best))
    check_kept(recs, recs[0]["search"]["factor"])
    print("worst relative difference %.3g over %d results" % (worst, len(results(recs))))


def cmd_final(hlog, flog):
    h, f = records(hlog), records(flog)
    s, sf = summary(h), summary(f)
    last = s["rungs"][-1]
    if last["resource"] != h[0]["data"]["rows"]:
        sys.exit("the last rung used %r of %r rows" % (last["resource"], h[0]["data"]["rows"]))
    means = rung_means(h)
    for m in last["maps"]:
        a, b = means[(len(s["rungs"]) - 1, m)], sf["avg_metrics"][m]
        if abs(a - b) > 1e-12 * max(1.0, abs(b)):
            sys.exit("map %d: %.17g, full sweep %.17g" % (m, a, b))
        if abs(s["avg_metrics"][m] - b) > 1e-12 * max(1.0, abs(b)):
            sys.exit("summary map %d: %.17g, full sweep %.17g" % (m, s["avg_metrics"][m], b))
    want = min(last["maps"], key=lambda m: (sf["avg_metrics"][m], m))
    if s["best_index"] != want or s["best_params"] != f[0]["param_maps"][want]:
        sys.exit("best %r, the full sweep's best of the last rung %r" % (s["best_index"], want))


def cmd_resume(rlog, wlog):
    r, w = records(rlog), records(wlog)
    sr, sw = summary(r), summary(w)
    for k in ("avg_metrics", "std_metrics"):
        for x, y in zip(sr[k], sw[k]):
            if not (x == y or (math.isnan(x) and math.isnan(y))) and abs(x - y) > 1e-12:
                sys.exit("%s differ: %r vs %r" % (k, sr[k], sw[k]))
    if sr["best_index"] != sw["best_index"] or sr["rungs"] != sw["rungs"]:
        sys.exit("best %r/%r rungs %r/%r" % (sr["best_index"], sw["best_index"], sr["rungs"],
                                             sw["rungs"]))
    seen = set()
    for x in results(r):
        key = (x["rung"], x["param_index"], x["fold"])
        if key in seen:
            sys.exit("job %r ran twice" % (key,))
        seen.add(key)
    if len(seen) != len(results(w)):
        sys.exit("%d jobs, the whole run had %d" % (len(seen), len(results(w))))
    if not any(x.get("run") == 2 for x in results(r)):
        sys.exit("the resumed run ran nothing")


def cmd_param(hlog, glog, key):
    """--resource KEY: each halving result equals the grid sweep's result of the same map with
    KEY at the rung's value (the grid has KEY as an axis), to 1e-12."""
    h, g = records(hlog), records(glog)
    gmaps = g[0]["param_maps"]
    gres = {(r["param_index"], r["fold"]): r["metric"] for r in results(g)}
    n = 0
    for r in results(h):
        want = dict(r["params"])
        want[key] = r["resource"]
        idx = [i for i, m in enumerate(gmaps) if m == want]
        if len(idx) != 1:
            sys.exit("no grid map %r" % want)
        b = gres[(idx[0], r["fold"])]
        if abs(r["metric"] - b) > 1e-12 * max(1.0, abs(b)):
            sys.exit("rung %d map %d fold %d: %.17g, grid sweep %.17g" % (
                r["rung"], r["param_index"], r["fold"], r["metric"], b))
        n += 1
    if n == 0:
        sys.exit("no results")
    check_kept(h, h[0]["search"]["factor"])


def cmd_cut(log, n, out):
    """Copies LOG's header and first N results to OUT: a sweep killed after N results."""
    with open(log, "rb") as f:
        data = f.read()
    u = msgpack.Unpacker(raw=False, strict_map_key=False)
    u.feed(data)
    end, seen = 0, -1
    for rec in u:
        if rec["record"] == "result":
            seen += 1
            if seen == int(n):
                break
        end = u.tell()
    with open(out, "wb") as f:
        f.write(data[:end])


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "schedule":
        cmd_schedule(args)
    elif cmd == "rungs":
        cmd_rungs(*args)
    elif cmd == "final":
        cmd_final(*args)
    elif cmd == "resume":
        cmd_resume(*args)
    elif cmd == "cut":
        cmd_cut(*args)
    elif cmd == "param":
        cmd_param(*args)
    else:
        sys.exit("halvcheck.py: unknown command %r" % cmd)


if __name__ == "__main__":
    main()
