#!/usr/bin/python3
"""logtool.py - reads paratune result logs with python3-msgpack for the end-to-end tests.

  logtool.py summary LOG            JSON: avg_metrics, best_index, n results, statuses
  logtool.py overlap LOG            the largest number of jobs whose [started, finished]
                                    intervals overlap at one instant
  logtool.py same LOG1 LOG2 TOL     exit 0 when both logs have the same per-job metrics
"""
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
    else:
        sys.exit("unknown command")


if __name__ == "__main__":
    main()
