#!/usr/bin/python3
"""logtool.py - reads paratune result logs with python3-msgpack for the end-to-end tests.

  logtool.py summary LOG            JSON: avg_metrics, best_index, n results, statuses
  logtool.py overlap LOG            the largest number of jobs whose [started, finished]
                                    intervals overlap at one instant
  logtool.py same LOG1 LOG2 TOL     exit 0 when both logs have the same per-job metrics
  logtool.py count LOG              number of whole result records
  logtool.py sumeq LOG1 LOG2        exit 0 when both summaries agree (metrics to 1e-12)
  logtool.py field LOG MAP FOLD KEY the KEY of the first result of job (MAP, FOLD)
  logtool.py cut LOG OUT            copy LOG without its summary and with the last result
                                    cut in half (a torn tail, as a crash while writing leaves)
"""
import math
import json
import sys

import msgpack


def records(path):
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))


def main():
    cmd = sys.argv[1]
    if cmd == "summary":
        recs = records(sys.argv[2])
        head = recs[0]
        res = [r for r in recs if r["record"] == "result"]
        summ = [r for r in recs if r["record"] == "summary"]
        out = {
            "header": {k: head[k] for k in ("pipeline", "parallelism", "param_maps")},
            "results": len(res),
            "statuses": sorted(set(r["status"] for r in res)),
            "summary": summ[-1] if summ else None,
        }
        print(json.dumps(out, default=str))
    elif cmd == "overlap":
        res = [r for r in records(sys.argv[2]) if r["record"] == "result"]
        ev = []
        for r in res:
            ev.append((r["started"], 1))
            ev.append((r["finished"], -1))
        ev.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
        cur = best = 0
        for _, d in ev:
            cur += d
            best = max(best, cur)
        print(best)
    elif cmd == "same":
        a = {(r["param_index"], r["fold"]): r["metric"]
             for r in records(sys.argv[2]) if r["record"] == "result"}
        b = {(r["param_index"], r["fold"]): r["metric"]
             for r in records(sys.argv[3]) if r["record"] == "result"}
        tol = float(sys.argv[4])
        if a.keys() != b.keys():
            print("different jobs", file=sys.stderr)
            sys.exit(1)
        for k in a:
            if abs(a[k] - b[k]) > tol * max(1.0, abs(a[k])):
                print("job %s: %r != %r" % (k, a[k], b[k]), file=sys.stderr)
                sys.exit(1)
    elif cmd == "count":
        print(sum(1 for r in records(sys.argv[2]) if r["record"] == "result"))
    elif cmd == "sumeq":
        a = [r for r in records(sys.argv[2]) if r["record"] == "summary"]
        b = [r for r in records(sys.argv[3]) if r["record"] == "summary"]
        if len(a) != 1 or len(b) != 1:
            sys.exit("summaries: %d and %d" % (len(a), len(b)))
        a, b = a[0], b[0]

        def close(x, y):
            if isinstance(x, float) and math.isnan(x):
                return isinstance(y, float) and math.isnan(y)
            return abs(x - y) <= 1e-12 * max(1.0, abs(x))
        for k in ("avg_metrics", "std_metrics"):
            if len(a[k]) != len(b[k]) or not all(close(x, y) for x, y in zip(a[k], b[k])):
                sys.exit("%s differ: %r vs %r" % (k, a[k], b[k]))
        for k in ("best_index", "best_params", "failed_param_maps", "jobs_ok", "jobs_failed"):
            if a[k] != b[k]:
                sys.exit("%s differ: %r vs %r" % (k, a[k], b[k]))
        if not close(a["best_metric"], b["best_metric"]):
            sys.exit("best_metric differ")
    elif cmd == "field":
        m, f, key = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        for r in records(sys.argv[2]):
            if r["record"] == "result" and r["param_index"] == m and r["fold"] == f:
                print(r.get(key))
                break
    elif cmd == "cut":
        data = open(sys.argv[2], "rb").read()
        up = msgpack.Unpacker(raw=False)
        up.feed(data)
        ends, recs = [], []
        for r in up:
            recs.append(r)
            ends.append(up.tell())
        if recs[-1]["record"] == "summary":
            recs.pop()
            ends.pop()
        start = ends[-2]
        cut = start + (ends[-1] - start) // 2
        open(sys.argv[3], "wb").write(data[:cut])
    else:
        sys.exit("unknown command")


if __name__ == "__main__":
    main()
