#!/usr/bin/python3
"""catcheck.py LOG DATA CATEGORICAL TOL [--label-strings] [--evaluator E] - every param map of
a paratune log of [imputer,]stringIndexer[,imputer][,oneHotEncoder],{linear|logistic}Regression
against
tests/ref/categorical_ref.py (Spark's rules in numpy) on DATA (with its fold column "fold"):
each fold that the reference fails (a category unseen under handleInvalid error) is a failed
job in the log, and the average metric of a map without failures agrees to TOL."""
import json
import os
import subprocess
import sys

import msgpack

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref", "categorical_ref.py")
log, data, cats, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
extra = sys.argv[5:]
recs = list(msgpack.Unpacker(open(log, "rb"), raw=False, strict_map_key=False))
head, summ = recs[0], recs[-1]
results = [r for r in recs if r.get("record") == "result"]
pipe = head["pipeline"]
for i, pm in enumerate(head["param_maps"]):
    def p(k, d):
        return pm.get(k, d)
    model = "logreg" if pipe[-1] == "logisticRegression" else "linreg"
    args = [sys.executable, REF, "--data", data, "--fold-col", "fold", "--categorical", cats,
            "--order", p("stringIndexer.stringOrderType", "frequencyDesc"),
            "--si-invalid", p("stringIndexer.handleInvalid", "error"), "--model", model,
            "--reg", str(p(pipe[-1] + ".regParam", 0.0)), "--metric", head["evaluator"]["metric"]]
    if "imputer" in pipe:
        args += ["--impute", p("imputer.strategy", "mean")]
    if "oneHotEncoder" in pipe:
        args += ["--ohe", "--ohe-invalid", p("oneHotEncoder.handleInvalid", "error")]
        if not p("oneHotEncoder.dropLast", True):
            args.append("--no-drop-last")
    ref = json.loads(subprocess.check_output(args + extra))
    status = {r["fold"]: r["status"] for r in results if r["param_index"] == i}
    for f, m in enumerate(ref["fold_metrics"]):
        want = "failed" if m == "failed" else "ok"
        if status.get(f) != want:
            sys.exit(f"map {i} {pm}: fold {f} is {status.get(f)}, the reference {want}")
    if "avg" in ref:
        got = summ["avg_metrics"][i]
        if abs(got - ref["avg"]) > tol * max(1.0, abs(ref["avg"])):
            sys.exit(f"map {i} {pm}: avg {got!r}, the reference {ref['avg']!r}")
print("ok")
