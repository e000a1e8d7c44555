#!/usr/bin/python3
"""logstats.py - where a sweep's time went, from its result log (needs python3-msgpack).

  logstats.py LOG [PARALLELISM]

Prints: time to the first job sent and to the first result (worker start-up: fork, exec,
dynamic linking, OpenBLAS and ZeroMQ set-up, HELLO); the sum of the workers' fit and eval
seconds (the useful work, first jobs of each worker separately since they compute the
per-block moments when the cache is per worker); and the rest of the slot time
(PARALLELISM x span of the results minus the work) per job: dispatch, messaging, logging
and idle slots, the coordinator's share of a job.
"""
import statistics
import sys

import msgpack


def main():
    path = sys.argv[1]
    par = int(sys.argv[2]) if len(sys.argv) > 2 else None
    with open(path, "rb") as f:
        recs = list(msgpack.Unpacker(f, raw=False, strict_map_key=False))
    head = recs[0]
    res = [r for r in recs if r.get("record") == "result"]
    summ = [r for r in recs if r.get("record") == "summary"]
    par = par or head.get("parallelism", 1)
    if not res:
        sys.exit("no results")
    first_start = min(r["started"] for r in res)
    first_done = min(r["finished"] for r in res)
    last_done = max(r["finished"] for r in res)
    fit = [r["fit_seconds"] for r in res]
    ev = [r["eval_seconds"] for r in res]
    byw = {}
    for r in sorted(res, key=lambda r: r["started"]):
        byw.setdefault(r["worker"], []).append(r)
    firsts = [v[0] for v in byw.values()]
    rest = [r for v in byw.values() for r in v[1:]]
    work = sum(fit) + sum(ev)
    span = last_done - first_start
    n = len(res)
    lat = [r["finished"] - r["started"] - r["fit_seconds"] - r["eval_seconds"] for r in res]
    print("jobs %d, workers %d, parallelism %d" % (n, len(byw), par))
    print("first job sent at %.4fs, first result at %.4fs, last result at %.4fs%s" % (
        first_start, first_done, last_done,
        ", summary wall %.4fs" % summ[-1]["wall_seconds"] if summ else ""))
    print("work (fit+eval, worker clock): %.4fs total, %.1f us/job (fit %.1f, eval %.1f)" % (
        work, work / n * 1e6, statistics.mean(fit) * 1e6, statistics.mean(ev) * 1e6))
    print("  first job of each worker: fit median %.4fs; later jobs: fit median %.4fs" % (
        statistics.median(r["fit_seconds"] for r in firsts),
        statistics.median(r["fit_seconds"] for r in rest) if rest else float("nan")))
    print("slot time not spent working: %.4fs = %.1f us/job (%.0f%% of %d x %.4fs)" % (
        par * span - work, (par * span - work) / n * 1e6, 100 * (par * span - work) /
        (par * span) if span > 0 else 0, par, span))
    print("per-job round trip minus work (sent -> result arrived): median %.1f us, p90 %.1f us"
          % (statistics.median(lat) * 1e6, sorted(lat)[int(0.9 * (n - 1))] * 1e6))


if __name__ == "__main__":
    main()
