#!/usr/bin/python3
"""plogcheck.py - checks what paratune-log printed or drew against the log itself, read here
with python3-msgpack (not with paratune's C reader), for tests/e2e/t_40_log.sh. Every command
exits 0 when all is well, else 1 with the first difference on stderr.

  plogcheck.py show LOG OUT            OUT (`paratune-log show`) lists every map once, in the
                                       order of the averages recomputed here, best marked
  plogcheck.py csv LOG CSV             one CSV row per result record, every field of it (and
                                       of its params) in a column of its name, equal
  plogcheck.py csvmaps LOG CSV         `csv --maps`: averages and stds equal the summary's
  plogcheck.py json LOG JSONL          each line equals its msgpack record (NaN as null, ints
                                       and floats keeping their type, keys in order)
  plogcheck.py best LOG OUT            OUT's stage.param=value lines are the best map as
                                       found here from the result records (and the summary's)
  plogcheck.py heatmap LOG SVG X Y fixed|average
                                       one cell per grid point, each with its maps and value
  plogcheck.py timeline LOG SVG        one bar per result record, one lane per worker, the
                                       largest number of jobs at once
  plogcheck.py overlap LOG             that largest number, for resumed logs too
"""
import csv
import json
import math
import sys
import xml.etree.ElementTree as ET

import msgpack

SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False))


def results(recs):
    return [r for r in recs if r["record"] == "result"]


def summary(recs):
    s = [r for r in recs if r["record"] == "summary"]
    return s[-1] if s else None


def stats(recs):
    """Per map: the average over folds (NaN unless every fold is ok), as Spark and paratune
    define it: the last result of a job counts, metrics summed in fold order. Also the best
    map (ties to the lowest index), -1 when none."""
    head = recs[0]
    nf = head["validator"]["num_folds"] if head["validator"]["type"] == "cv" else 1
    last = {}
    for r in results(recs):
        if 0 <= r["fold"] < nf:
            last[(r["param_index"], r["fold"])] = r
    avg = []
    for m in range(len(head["param_maps"])):
        rs = [last.get((m, f)) for f in range(nf)]
        if any(r is None or r["status"] != "ok" or not math.isfinite(r["metric"]) for r in rs):
            avg.append(math.nan)
            continue
        s = 0.0
        for r in rs:
            s += r["metric"]
        avg.append(s / nf)
    larger = head["evaluator"]["larger_is_better"]
    best = -1
    for m, a in enumerate(avg):
        if math.isnan(a):
            continue
        if best < 0 or (a > avg[best] if larger else a < avg[best]):
            best = m
    return avg, best


def same_value(text, v):
    """A param value printed by paratune-log equals the log's value."""
    if isinstance(v, bool):
        return text == ("true" if v else "false")
    if isinstance(v, int):
        return int(text) == v
    if isinstance(v, float):
        return float(text) == v
    return text == v


def same_float(text, v):
    if math.isnan(v):
        return text == ""
    return text != "" and float(text) == v


def cmd_show(log, out):
    recs = records(log)
    head = recs[0]
    avg, best = stats(recs)
    summ = summary(recs)
    if summ is not None:
        best = summ["best_index"]
    lines = open(out, encoding="utf-8").read().splitlines()
    table = lines[2:lines.index("")] if "" in lines else lines[2:]  # the column roles follow
    rows = [l for l in table if not l.startswith("(")]
    got = []
    for l in rows:
        got.append(int(l[1:].split()[0]))
        if (l[0] == "*") != (got[-1] == best):
            fail("row %r: best mark wrong (best is %d)" % (l, best))
        if summ is not None and math.isnan(avg[got[-1]]) and "failed" not in l:
            fail("row %r: a failed map not shown as failed" % l)
    sign = -1 if head["evaluator"]["larger_is_better"] else 1
    want = sorted(range(len(avg)), key=lambda m: (1, 0, m) if math.isnan(avg[m]) else (0, sign * avg[m], m))
    if summ is not None and got != want:
        fail("order %r, want %r" % (got, want))
    if sorted(got) != list(range(len(avg))):
        fail("maps listed: %r" % got)


def same_field(text, v):
    """A CSV field equals a msgpack value: nil and NaN empty, bools true/false, numbers
    exact, strings as they are, arrays and maps as JSON."""
    if v is None:
        return text == ""
    if isinstance(v, float):
        return same_float(text, v)
    if isinstance(v, (bool, int, str)):
        return same_value(text, v)
    return json.loads(text) == v


def cmd_csv(log, path):
    res = results(records(log))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(res):
        fail("%d rows for %d result records" % (len(rows), len(res)))
    for i, (row, r) in enumerate(zip(rows, res)):
        # crc is the record's checksum, checked on reading: not a column
        fields = {k: v for k, v in r.items() if k not in ("record", "params", "crc")}
        fields.update(r["params"])
        for col, text in row.items():
            if col not in fields and text != "":
                fail("record %d: %s=%r, not in the record %r" % (i, col, text, r))
        for k, v in fields.items():
            if k not in row or not same_field(row[k], v):
                fail("record %d: %s=%r, log %r" % (i, k, row.get(k), v))


def cmd_csvmaps(log, path):
    recs = records(log)
    summ = summary(recs)
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    if summ is None or len(rows) != len(summ["avg_metrics"]):
        fail("%d rows" % len(rows))
    for m, row in enumerate(rows):
        if int(row["param_index"]) != m or not same_float(row["avg_metric"], summ["avg_metrics"][m]) \
                or not same_float(row["std_metric"], summ["std_metrics"][m]) \
                or (row["best"] == "true") != (m == summ["best_index"]):
            fail("map %d: %r, summary avg %r std %r best %r" % (m, row, summ["avg_metrics"][m],
                 summ["std_metrics"][m], summ["best_index"]))
        for k, v in recs[0]["param_maps"][m].items():
            if not same_value(row[k], v):
                fail("map %d: %s=%r, log %r" % (m, k, row[k], v))


def equal(j, m, where):
    if isinstance(m, float):
        if math.isnan(m):
            if j is not None:
                fail("%s: %r for NaN" % (where, j))
        elif type(j) is not float or j != m:
            fail("%s: %r != %r" % (where, j, m))
    elif isinstance(m, bool) or m is None:
        if j is not m:
            fail("%s: %r != %r" % (where, j, m))
    elif isinstance(m, int):
        if type(j) is not int or j != m:
            fail("%s: %r != %r" % (where, j, m))
    elif isinstance(m, str):
        if j != m:
            fail("%s: %r != %r" % (where, j, m))
    elif isinstance(m, dict):
        if not isinstance(j, dict) or list(j) != list(m):
            fail("%s: keys %r != %r" % (where, j, list(m)))
        for k in m:
            equal(j[k], m[k], where + "." + k)
    elif isinstance(m, list):
        if not isinstance(j, list) or len(j) != len(m):
            fail("%s: %r != %r" % (where, j, m))
        for i, (a, b) in enumerate(zip(j, m)):
            equal(a, b, "%s[%d]" % (where, i))
    else:
        fail("%s: unexpected type %r" % (where, type(m)))


def cmd_json(log, path):
    recs = records(log)
    lines = open(path, encoding="utf-8").read().splitlines()
    if len(lines) != len(recs):
        fail("%d lines for %d records" % (len(lines), len(recs)))
    for i, (line, r) in enumerate(zip(lines, recs)):
        equal(json.loads(line), r, "record %d" % i)


def cmd_best(log, out):
    recs = records(log)
    avg, best = stats(recs)
    summ = summary(recs)
    if best < 0:
        fail("the log has no best map")
    if summ is not None and (summ["best_index"] != best or summ["best_params"] != recs[0]["param_maps"][best]):
        fail("summary best %r, recomputed %d" % (summ["best_index"], best))
    want = recs[0]["param_maps"][best]
    got = [l.split("=", 1) for l in open(out).read().splitlines()]
    if [k for k, _ in got] != list(want) or not all(same_value(v, want[k]) for k, v in got):
        fail("best lines %r, want map %d %r" % (got, best, want))


def svg_rects(path, cls):
    root = ET.parse(path).getroot()
    return root, [e for e in root.iter(SVG + "rect") if cls in e.get("class", "").split()]


def num(text):
    try:
        return float(text)
    except ValueError:
        return text


def cmd_heatmap(log, path, x, y, mode):
    recs = records(log)
    head = recs[0]
    maps = head["param_maps"]
    avg, best = stats(recs)
    summ = summary(recs)
    if summ is not None:
        best = summ["best_index"]
    _, cells = svg_rects(path, "cell")
    both = [m for m, pm in enumerate(maps) if x in pm and y in pm]
    xs = sorted({maps[m][x] for m in both})
    ys = sorted({maps[m][y] for m in both})
    if len(cells) != len(xs) * len(ys):
        fail("%d cells for %d x %d grid points" % (len(cells), len(xs), len(ys)))
    if sorted((num(c.get("data-x")), num(c.get("data-y"))) for c in cells) != sorted((a, b) for a in xs for b in ys):
        fail("cells do not cover the grid")
    others = [k for k in {k for pm in maps for k in pm} - {x, y}
              if len({repr(pm.get(k)) for pm in maps}) > 1]
    bests = [c for c in cells if "best" in c.get("class").split()]
    if len(bests) != (1 if best >= 0 else 0):
        fail("%d best cells" % len(bests))
    for c in cells:
        cx, cy = num(c.get("data-x")), num(c.get("data-y"))
        got = sorted(int(t) for t in c.get("data-maps").split())
        want = [m for m in both if maps[m][x] == cx and maps[m][y] == cy and
                (mode == "average" or all(maps[m].get(k) == maps[best].get(k) for k in others))]
        if got != want:
            fail("cell %r,%r: maps %r, want %r" % (cx, cy, got, want))
        vals = [avg[m] for m in want if not math.isnan(avg[m])]
        if vals:
            s = 0.0
            for v in vals:
                s += v
            if float(c.get("data-value")) != s / len(vals):
                fail("cell %r,%r: value %s, want %r" % (cx, cy, c.get("data-value"), s / len(vals)))
        elif c.get("data-value") is not None or not ({"failed", "empty", "pending"} & set(c.get("class").split())):
            fail("cell %r,%r without a value: %r" % (cx, cy, c.attrib))
    if mode == "fixed" and best >= 0 and bests[0].get("data-maps") != str(best):
        fail("best cell holds %s, best map is %d" % (bests[0].get("data-maps"), best))


def offset_times(res):
    """(start, end) of each result as drawn: a resumed session is laid after the previous
    one. Sessions are told apart by the records' "run" (docs/log-format.md); in logs without
    it, by finished times going back."""
    out, off, tmax, prev, prev_run = [], 0.0, 0.0, -math.inf, None
    for r in res:
        st, fi = max(r["started"], 0.0), max(r["finished"], 0.0)
        run = r.get("run")
        if (run != prev_run) if (run is not None and prev_run is not None) else (fi < prev):
            off = tmax
        prev, prev_run = fi, run
        st = min(st, fi)
        out.append((st + off, fi + off))
        tmax = max(tmax, fi + off)
    return out


def overlap(times):
    ev = sorted([(s, 1) for s, _ in times] + [(e, -1) for _, e in times])
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def cmd_timeline(log, path):
    res = results(records(log))
    root, bars = svg_rects(path, "job")
    if len(bars) != len(res):
        fail("%d bars for %d result records" % (len(bars), len(res)))
    for b, r in zip(bars, res):
        if (int(b.get("data-map")), int(b.get("data-fold")), int(b.get("data-worker")), b.get("data-status")) != \
                (r["param_index"], r["fold"], r["worker"], r["status"]):
            fail("bar %r for record %r" % (b.attrib, r))
        if ("failed" in b.get("class").split()) != (r["status"] != "ok"):
            fail("bar %r: failure not marked" % b.attrib)
    lanes = [t for t in root.iter(SVG + "text") if t.get("class") == "lane-label"]
    if len(lanes) != len({r["worker"] for r in res}):
        fail("%d lanes for %d workers" % (len(lanes), len({r["worker"] for r in res})))
    conc = overlap(offset_times(res))
    title = [t for t in root.iter(SVG + "text") if t.get("class") == "title"][0].text
    if int(root.get("data-max-concurrency")) != conc or ("max concurrency %d" % conc) not in title:
        fail("max concurrency: %r / %r, want %d" % (root.get("data-max-concurrency"), title, conc))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "overlap":
        print(overlap(offset_times(results(records(args[0])))))
        return
    {"show": cmd_show, "csv": cmd_csv, "csvmaps": cmd_csvmaps, "json": cmd_json,
     "best": cmd_best, "heatmap": cmd_heatmap, "timeline": cmd_timeline}[cmd](*args)


if __name__ == "__main__":
    main()
